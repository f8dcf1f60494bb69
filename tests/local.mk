# tests/local.mk - end-to-end tests: the binary on the pcaps in tests/pcaps.
# The order is make -j2 check's, the longest first (as measured on a 2-core
# machine, html.sh about 25 s when quiet; with a load average of 3-4 from
# other work: the Prometheus tests 14 s, metrics_http.sh 11 s, then
# 5-10 s: rotate.sh, the other live tests,
# report_v2.sh, frames.sh and mutated_captures.sh (their runs two at a
# time), down to a second or two; the live tests spend most of theirs
# waiting), so that the short ones fill the gaps at the end rather than one
# long test running alone.  A new test goes
# where its time puts it.  The tests with real traffic each run in a
# network namespace of their own (tests/live/netns.sh); configure
# --disable-live-tests leaves them out (make distcheck does).
# The pipeline fuzz replay first: its log needs fuzz/fuzz_pipeline, one
# long clang run (fuzz/local.mk), which make -j2 thus starts first, beside
# the tests after it; the replay itself (a few seconds) runs when make comes
# back to it, once it has started every other test.
TESTS += tests/fuzz-pipeline.sh
TESTS += tests/html.sh
if LIVE_TESTS
TESTS += \
	tests/metrics_groups.sh \
	tests/prometheus_live.sh
endif
if LIVE_TESTS
TESTS += \
	tests/rotate.sh \
	tests/metrics_http.sh \
	tests/pressure_load.sh \
	tests/verdicts_live.sh \
	tests/report_interim.sh \
	tests/ndjson_live.sh
endif
TESTS += \
	tests/report_v2.sh \
	tests/frames.sh \
	tests/mutated_captures.sh \
	tests/bounded.sh \
	tests/losses.sh \
	tests/threads.sh
if LIVE_TESTS
TESTS += \
	tests/live_capture.sh \
	tests/metrics_findings_live.sh \
	tests/live_signals.sh \
	tests/live_options.sh
endif
TESTS += tests/fuzz-smoke.sh
TESTS += \
	tests/ndjson.sh \
	tests/corpus.sh \
	tests/examples_groups.sh \
	tests/examples_kinds.sh \
	tests/ladder_agrees.sh \
	tests/fuzz-http.sh \
	tests/outputs.sh \
	tests/cli.sh \
	tests/pcapng_machine.sh \
	tests/incident_midstart.sh \
	tests/real_capture.sh \
	tests/walkthrough.sh \
	tests/timestamps.sh \
	tests/pcapng.sh \
	tests/prometheus_rules.sh

AM_TESTS_ENVIRONMENT = \
	srcdir='$(srcdir)'; export srcdir; \
	HSANALYZE='$(abs_top_builddir)/src/hsanalyze'; export HSANALYZE; \
	PYTHON3='$(PYTHON3)'; export PYTHON3; \
	CLANG='$(CLANG)'; export CLANG; \
	GEN_TRACE='$(abs_top_builddir)/bench/gen_trace'; export GEN_TRACE; \
	FAULT_INJECT='$(abs_top_builddir)/tests/fault_inject.so'; export FAULT_INJECT;

# An LD_PRELOAD library for the tests (tests/fault_inject.c): chosen
# allocations fail, or SIGINT comes right after a rename.  Built without the
# sanitizers (it only passes calls on), and outside the program: nothing in
# src/ checks for it.
check_PROGRAMS += tests/fault_inject.so
tests_fault_inject_so_SOURCES = tests/fault_inject.c
tests_fault_inject_so_CFLAGS = -std=c11 $(WARN_CFLAGS) -fPIC
tests_fault_inject_so_LDFLAGS = -shared
tests_fault_inject_so_LDADD = -ldl

# The trace generator of the benchmark harness also feeds the tests.
check_PROGRAMS += bench/gen_trace
bench_gen_trace_SOURCES = bench/gen_trace.c
bench_gen_trace_CPPFLAGS = $(AM_CPPFLAGS) -D_DEFAULT_SOURCE
bench_gen_trace_CFLAGS = $(AM_CFLAGS) $(PCAP_CFLAGS)
bench_gen_trace_LDADD = $(PCAP_LIBS)

EXTRA_DIST += \
	tests/incident_midstart.sh \
	tests/pcapng_machine.sh \
	tests/corpus.sh \
	tests/frames.sh \
	tests/check_frames.py \
	tests/ndjson.sh \
	tests/check_ndjson.py \
	tests/report_v2.sh \
	tests/check_schema.py \
	tests/examples_groups.sh \
	tests/examples_kinds.sh \
	tests/bounded.sh \
	tests/mutated_captures.sh \
	tests/mutate_captures.py \
	tests/cli.sh \
	tests/outputs.sh \
	tests/timestamps.sh \
	tests/pcapng.sh \
	tests/real_capture.sh \
	tests/live_capture.sh \
	tests/live_options.sh \
	tests/pressure_load.sh \
	tests/walkthrough.sh \
	tests/html.sh \
	tests/html_browser.py \
	tests/check_html.py \
	tests/prometheus_rules.sh \
	tests/metrics_http.sh \
	tests/prometheus_live.sh \
	tests/metrics_groups.sh \
	tests/metrics_findings_live.sh \
	tests/report_interim.sh \
	tests/rotate.sh \
	tests/verdicts_live.sh \
	tests/ndjson_live.sh \
	tests/ladder_agrees.sh \
	tests/losses.sh \
	tests/threads.sh \
	tests/live_signals.sh \
	doc/hsanalyze.rules.test.yml \
	tests/slow \
	debian \
	doc/make-time-wait-captures.sh \
	tests/check_report.py \
	tests/ladder \
	tests/pcaps \
	tests/live

EXTRA_DIST += \
	bench/README \
	bench/Makefile \
	bench/run.sh \
	bench/make_real_trace.sh \
	bench/live.sh \
	bench/load.c \
	bench/floor.c \
	bench/measure.c

# tests/html.sh keeps a screenshot of each HTML report it checked.
clean-local: clean-html-screenshots
clean-html-screenshots:
	rm -rf tests/html-screenshots
.PHONY: clean-html-screenshots
