# fuzz/local.mk - the libFuzzer targets (the decoders; the metrics server's
# request parser), included by the top Makefile.am.  Paths are relative to
# the top directory.
#
# `make fuzz` builds fuzz/fuzz_decode with clang's libFuzzer, AddressSanitizer
# and UndefinedBehaviorSanitizer (configure looks for clang).  Run it with
#	fuzz/fuzz_decode -max_total_time=600 NEW_CORPUS_DIR fuzz/corpus
# The input format is described at the top of fuzz/fuzz_decode.c.
# make check builds the three targets when configure found clang, and runs
# tests/fuzz-smoke.sh: every input seeded
# from tests/pcaps and fuzz/corpus run once (a replay, no fuzzing), skipped
# (77) without clang.  `make fuzz-run` fuzzes every target for FUZZ_SECONDS
# (default 600) each, through the same scripts.
#
# fuzz/fuzz_http (also built by `make fuzz`) takes the bytes a client sends;
#	fuzz/fuzz_http -max_total_time=600 NEW_CORPUS_DIR fuzz/corpus-http
# make check runs tests/fuzz-http.sh: a replay of fuzz/corpus-http.
#
# fuzz/fuzz_pipeline (also built by `make fuzz`) takes two option bytes and a capture file, and runs the
# whole pipeline into every report (fuzz/fuzz_pipeline.c);
#	fuzz/fuzz_pipeline -max_total_time=600 NEW_CORPUS_DIR SEEDS
# make check runs tests/fuzz-pipeline.sh: every bundled capture with a few
# option combinations, once each.

FUZZ_DECODE_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all

FUZZ_DECODE_DEPS = fuzz/fuzz_decode.c $(HSA_DECODE_SOURCES) src/extract.h \
	include/hsa_decode.h include/hsa_packet.h
FUZZ_HTTP_DEPS = fuzz/fuzz_http.c src/http_server.c include/hsa_http.h

# Each target is one clang run over its sources: make -j2 check compiles
# fuzz_pipeline, the longest, beside the first tests (below)
# (compiled one object per source, the same sources took more time in all).
# They depend on stamp-h1, which is newer whenever configure rewrote
# config.h, rather than on config.h itself: automake gives config.h a
# recipe that every make runs, and a target waiting for it is started by
# make -j only once every other job it can start has been started.
FUZZ_CONFIG_STAMP = stamp-h1
if HAVE_CLANG
fuzz: fuzz/fuzz_decode fuzz/fuzz_http fuzz/fuzz_pipeline

# The whole pipeline: every source of the program but main.c.
fuzz/fuzz_pipeline: fuzz/fuzz_pipeline.c $(HSA_CORE_SOURCES) $(HSA_PRIVATE_HDRS) $(noinst_HEADERS) $(FUZZ_CONFIG_STAMP)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)srcs=; for f in $(HSA_CORE_SOURCES); do \
	    case $$f in *.c) srcs="$$srcs $(srcdir)/$$f" ;; esac; done; \
	    $(CLANG) $(FUZZ_DECODE_CFLAGS) -pthread $(WARN_CFLAGS) \
	    $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(PCAP_CFLAGS) $(CJSON_CFLAGS) $(NETTLE_CFLAGS) \
	    -o $@ $(srcdir)/fuzz/fuzz_pipeline.c $$srcs \
	    $(PCAP_LIBS) $(CJSON_LIBS) $(NETTLE_LIBS) -lm

fuzz/fuzz_http: $(FUZZ_HTTP_DEPS) $(FUZZ_CONFIG_STAMP)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(CLANG) $(FUZZ_DECODE_CFLAGS) $(WARN_CFLAGS) \
	    $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) -o $@ \
	    $(srcdir)/fuzz/fuzz_http.c $(srcdir)/src/http_server.c

fuzz/fuzz_decode: $(FUZZ_DECODE_DEPS) $(FUZZ_CONFIG_STAMP)
	@$(MKDIR_P) fuzz
	$(AM_V_CCLD)$(CLANG) $(FUZZ_DECODE_CFLAGS) $(WARN_CFLAGS) \
	    $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(PCAP_CFLAGS) -o $@ \
	    $(srcdir)/fuzz/fuzz_decode.c $(srcdir)/src/decode_link.c \
	    $(srcdir)/src/decode_ipv4.c $(srcdir)/src/decode_ipv6.c \
	    $(srcdir)/src/decode_tcp.c

# make check builds the three, each as a prerequisite of its replay's log
# (tests/fuzz-*.sh, which run them as they are) rather than with the other
# check programs: under make -j the long clang run of fuzz_pipeline then
# overlaps the tests that run before its replay (tests/local.mk puts that
# replay first) instead of holding every test back until it is done.
# (The logs are named through variables: a rule written with the literal
# name would replace automake's own rule for that log, recipe and all.)
FUZZ_PIPELINE_LOG = tests/fuzz-pipeline.sh.log
FUZZ_SMOKE_LOG = tests/fuzz-smoke.sh.log
FUZZ_HTTP_LOG = tests/fuzz-http.sh.log
$(FUZZ_PIPELINE_LOG): fuzz/fuzz_pipeline
$(FUZZ_SMOKE_LOG): fuzz/fuzz_decode
$(FUZZ_HTTP_LOG): fuzz/fuzz_http
else
fuzz:
	@echo "make fuzz: configure found no clang; install clang (with libFuzzer) and rerun configure" >&2; exit 1
endif
.PHONY: fuzz fuzz-run

# Timed fuzzing, apart from make check: FUZZ_SECONDS per target.
fuzz-run:
	@for t in $(FUZZ_RUN_LIST); do \
	    srcdir='$(srcdir)' CLANG='$(CLANG)' PYTHON3='$(PYTHON3)' \
	    FUZZ_SECONDS=$${FUZZ_SECONDS:-600} $(SHELL) $(srcdir)/$$t || exit 1; \
	done
FUZZ_RUN_LIST = tests/fuzz-smoke.sh tests/fuzz-http.sh tests/fuzz-pipeline.sh

# make check runs their replays: tests/local.mk lists them in TESTS, where
# their length puts them.
CLEANFILES += fuzz/fuzz_decode fuzz/fuzz_http fuzz/fuzz_pipeline
EXTRA_DIST += fuzz/fuzz_decode.c fuzz/corpus tests/fuzz-smoke.sh \
	fuzz/fuzz_http.c fuzz/corpus-http tests/fuzz-http.sh \
	fuzz/fuzz_pipeline.c tests/fuzz-pipeline.sh
