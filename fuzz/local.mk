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

# Each source is compiled once with clang and FUZZ_DECODE_CFLAGS into NAME.fo
# next to where its NAME.o would be, so that make -j compiles them side by
# side and the three targets share them: fuzz_pipeline is every source of
# the program but main.c, fuzz_decode the decoders, fuzz_http the metrics
# server.  Every .fo depends on every header (a header changed, all are
# compiled again).
SUFFIXES = .fo
.c.fo:
	@$(MKDIR_P) $(@D)
	$(AM_V_CC)$(CLANG) $(FUZZ_DECODE_CFLAGS) -pthread $(WARN_CFLAGS) \
	    $(DEFAULT_INCLUDES) $(AM_CPPFLAGS) $(PCAP_CFLAGS) $(CJSON_CFLAGS) $(NETTLE_CFLAGS) \
	    -c -o $@ $<

FUZZ_CORE_OBJS = $(HSA_CORE_SOURCES:.c=.fo)
FUZZ_DECODE_OBJS = $(HSA_DECODE_SOURCES:.c=.fo)
FUZZ_OBJS = fuzz/fuzz_pipeline.fo fuzz/fuzz_decode.fo fuzz/fuzz_http.fo \
	$(FUZZ_CORE_OBJS)
$(FUZZ_OBJS): $(noinst_HEADERS) $(HSA_PRIVATE_HDRS) config.h
FUZZ_LINK = $(CLANG) $(FUZZ_DECODE_CFLAGS) -pthread -o $@

if HAVE_CLANG
fuzz: fuzz/fuzz_decode fuzz/fuzz_http fuzz/fuzz_pipeline

# (Only the .fo of the list: a header listed among the C files is left out.)
fuzz/fuzz_pipeline: fuzz/fuzz_pipeline.fo $(FUZZ_CORE_OBJS)
	$(AM_V_CCLD)objs=; for f in $(FUZZ_CORE_OBJS); do \
	    case $$f in *.fo) objs="$$objs $$f" ;; esac; done; \
	$(FUZZ_LINK) fuzz/fuzz_pipeline.fo $$objs \
	    $(PCAP_LIBS) $(CJSON_LIBS) $(NETTLE_LIBS) -lm

fuzz/fuzz_decode: fuzz/fuzz_decode.fo $(FUZZ_DECODE_OBJS)
	$(AM_V_CCLD)$(FUZZ_LINK) fuzz/fuzz_decode.fo $(FUZZ_DECODE_OBJS)

fuzz/fuzz_http: fuzz/fuzz_http.fo src/http_server.fo
	$(AM_V_CCLD)$(FUZZ_LINK) fuzz/fuzz_http.fo src/http_server.fo

# make check builds the three: their replays (tests/fuzz-*.sh) then run
# them as they are.
check_SCRIPTS = fuzz/fuzz_pipeline fuzz/fuzz_decode fuzz/fuzz_http
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
# The objects by pattern, not by $(FUZZ_OBJS): a header put by mistake in
# HSA_CORE_SOURCES must not be removed by make clean.
CLEANFILES += fuzz/fuzz_decode fuzz/fuzz_http fuzz/fuzz_pipeline fuzz/*.fo src/*.fo
EXTRA_DIST += fuzz/fuzz_decode.c fuzz/corpus tests/fuzz-smoke.sh \
	fuzz/fuzz_http.c fuzz/corpus-http tests/fuzz-http.sh \
	fuzz/fuzz_pipeline.c tests/fuzz-pipeline.sh
