#!/bin/sh
# fuzz-pipeline.sh - the whole-pipeline libFuzzer target (fuzz/fuzz_pipeline,
# built by make check when configure found clang) on every bundled capture:
# each capture of tests/pcaps under the option combinations below, once
# (make check: FUZZ_SECONDS 0), or fuzzing from those seeds for FUZZ_SECONDS
# (make fuzz-run).  A crash or a sanitizer report fails the test, and the
# input is kept as fuzz/pipeline-crash-* in the build directory.  Without
# clang the test is skipped (exit 77).
set -u
srcdir=${srcdir:-$(dirname "$0")/..}
seconds=${FUZZ_SECONDS:-0}
bin=fuzz/fuzz_pipeline
test_name=fuzz-pipeline
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"

[ -n "${CLANG:-}" ] || skip "configure found no clang: the fuzz target is not built"
[ -x "$bin" ] || { bad "$bin was not built"; finish; }
work_dir

# The option byte (fuzz_pipeline.c): text; JSON; ladder + HTML with
# --max-flows 2; ladder ID + HTML, shortest TIME-WAIT, two ports, filter;
# JSON, longest TIME-WAIT.
mkdir "$work/seeds" "$work/corpus"
n=0
for f in "$srcdir"/tests/pcaps/*.pcap "$srcdir"/tests/pcaps/*.pcapng; do
	[ -f "$f" ] || continue
	for opts in '\000\000' '\001\000' '\016\000' '\327\002' '\041\001'; do
		n=$((n + 1))
		{ printf "$opts"; cat "$f"; } >"$work/seeds/$n"
	done
done
[ "$n" -gt 0 ] || { bad "no captures in $srcdir/tests/pcaps"; finish; }

if [ "$seconds" = 0 ]; then
	budget=-runs=0
	echo "fuzz-pipeline: replaying $n seeds"
else
	budget=-max_total_time=$seconds
	echo "fuzz-pipeline: fuzzing for $seconds s from $n seeds"
fi
# libFuzzer's default exit code for a crash is 77 (a skip to automake).
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
"./$bin" "$budget" -timeout=20 -rss_limit_mb=2048 -max_len=1048576 \
    -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
    -artifact_prefix=fuzz/pipeline- "$work/corpus" "$work/seeds" >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^(INFO: seed corpus|Done|stat::number_of_executed_units)' "$work/fuzz.log"
if [ $rc = 0 ]; then
	ok "fuzz_pipeline: $n seeds$( [ "$seconds" = 0 ] || echo ", $seconds s of fuzzing"), no crash, no sanitizer report"
else
	bad "fuzz_pipeline stopped with status $rc (the input is in fuzz/pipeline-*)"
	tail -n 60 "$work/fuzz.log"
fi
finish
