#!/bin/sh
# fuzz-http.sh - the libFuzzer target of the metrics server's request parser
# (fuzz/fuzz_http.c): a replay of its corpus in make check, or fuzzing.
#
# Builds fuzz/fuzz_http with clang (-fsanitize=fuzzer,address,undefined) and
# fuzzes for FUZZ_SECONDS seconds (0: a replay), seeded from fuzz/corpus-http (real
# requests from Prometheus and curl, and a few bad ones).  A crash or a failed
# invariant fails the test; the input is kept as fuzz/http-crash-* in the
# build directory.  Without clang, or with a clang that cannot link libFuzzer,
# the test is skipped (exit 77).  Run from the build directory (make check
# does); srcdir, CLANG and FUZZ_SECONDS may be set in the environment.
set -u

srcdir=${srcdir:-$(dirname "$0")/..}
# make check replays the corpus (FUZZ_SECONDS 0: every input once, no
# fuzzing); `make fuzz-run` fuzzes for FUZZ_SECONDS (600 by default).
seconds=${FUZZ_SECONDS:-0}
bin=fuzz/fuzz_http

skip() { echo "fuzz-http: SKIP: $*"; exit 77; }
fail() { echo "fuzz-http: FAIL: $*"; exit 1; }

if test -z "${CLANG:-}"; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG=$c
			break
		fi
	done
fi
test -n "${CLANG:-}" || skip "no clang in PATH; install clang to fuzz the parser"
test -f config.h || fail "no config.h here: run this from the build directory"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hsa-fuzz-http.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# Build (again) when a source is newer than the binary; the flags of
# `make fuzz` (fuzz/local.mk).
sources="$srcdir/fuzz/fuzz_http.c $srcdir/src/http_server.c"
build=yes
if test -x "$bin"; then
	build=no
	for f in $sources "$srcdir/include/hsa_http.h" config.h; do
		test "$f" -nt "$bin" && build=yes
	done
fi
if test "$build" = yes; then
	mkdir -p fuzz
	# shellcheck disable=SC2086
	"$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -I. -I"$srcdir/include" -I"$srcdir/src" \
	    -o "$bin" $sources >"$tmp/build.log" 2>&1 || {
		if grep -q -i 'fuzzer' "$tmp/build.log"; then
			skip "$CLANG cannot build a libFuzzer target: $(head -n 3 "$tmp/build.log")"
		fi
		cat "$tmp/build.log"
		fail "could not build $bin"
	}
fi

mkdir -p "$tmp/corpus"
if test "$seconds" = 0; then
	echo "fuzz-http: replaying the corpus"
	budget=-runs=0
else
	echo "fuzz-http: fuzzing for $seconds s"
	budget=-max_total_time=$seconds
fi
# libFuzzer's default exit code for a crash is 77, which automake would read
# as a skip: ask for 1.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"./$bin" "$budget" -timeout=10 -rss_limit_mb=1024 \
    -max_len=8192 -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
    -artifact_prefix=fuzz/http- "$tmp/corpus" "$srcdir/fuzz/corpus-http" \
    >"$tmp/fuzz.log" 2>&1
status=$?
if test "$status" -ne 0; then
	cat "$tmp/fuzz.log"
	fail "the fuzzer stopped with status $status; see fuzz/http-* for the input"
fi
grep -E '^(Done|stat::number_of_executed_units)' "$tmp/fuzz.log"
echo "fuzz-http: PASS"
exit 0
