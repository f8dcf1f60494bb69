#!/bin/sh
# test-all.sh - the whole test suite, from a fresh Debian 12 machine:
# install what is needed, build warning-free, run `make check`, run it again
# with AddressSanitizer and UndefinedBehaviorSanitizer, a smoke run of the
# benchmark harness (bench/), `make distcheck`, and the slow tests
# (tests/slow: the Debian package, a long live run).
# Ends with one line "N passed, N failed" over all of them.
#
# Each run has its reason:
#   plain        every test, live ones included (real traffic in network
#                namespaces: the kernel's view against the report's).
#   sanitizers   every test again, live ones included: live capture, the
#                netlink reader, the metrics server and -w rotation run only
#                there, so only there can the sanitizers see them.
#   distcheck    that the release tarball builds and passes from itself
#                (also without the live tests: AM_DISTCHECK_CONFIGURE_FLAGS).
# With CI=true (CI has everything installed) a skipped test is a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sh scripts/setup-debian.sh || exit 1
autoreconf -fi >/dev/null 2>&1 || { autoreconf -fi; exit 1; }

total_pass=0 total_fail=0 status=0
# count DIR: add the automake summary of DIR/test-suite.log to the totals.
count() {
	log=$1/test-suite.log
	[ -f "$log" ] || return
	p=$(sed -n 's/^# PASS: *//p' "$log" | head -n 1)
	f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n 1)
	e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n 1)
	s=$(sed -n 's/^# SKIP: *//p' "$log" | head -n 1)
	total_pass=$((total_pass + ${p:-0}))
	total_fail=$((total_fail + ${f:-0} + ${e:-0}))
	if [ "${CI:-}" = true ] && [ "${s:-0}" != 0 ]; then
		echo "CI=true: $s skipped tests count as failures:"
		grep '^SKIP:' "$1/check.log"
		total_fail=$((total_fail + s))
		return 1
	fi
}

# run NAME DIR CONFIGURE-ARGS...: configure in DIR, build with warnings as
# errors, make check.
run() {
	name=$1 dir=$2
	shift 2
	echo "=== $name"
	rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || return 1
	"$top/configure" -q "$@" >/dev/null || { cd "$top"; return 1; }
	if ! make -j2 CFLAGS="-g -O2 -Werror" >build.log 2>&1; then
		cat build.log; cd "$top"; return 1
	fi
	make -j2 check >check.log 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP|ERROR|XFAIL|XPASS):|^# ' check.log
	if [ $rc != 0 ]; then
		for l in $(find . -name '*.log' ! -name test-suite.log ! -name config.log ! -name build.log ! -name check.log); do
			grep -q '^:test-result: \(FAIL\|ERROR\)' "${l%.log}.trs" 2>/dev/null && { echo "--- $l"; tail -n 60 "$l"; }
		done
	fi
	count "$dir" || rc=1
	cd "$top"
	return $rc
}

run "build and test" "$top/_build/plain" || status=1
run "build and test under ASan+UBSan" "$top/_build/sanitizers" --enable-sanitizers || status=1

echo "=== benchmark harness, smoke run"
if bash bench/run.sh --smoke --require-hsanalyze --hsanalyze "$top/_build/plain/src/hsanalyze" >"$top/_build/bench-smoke.log" 2>&1; then
	echo "PASS: bench/run.sh --smoke"
	total_pass=$((total_pass + 1))
else
	cat "$top/_build/bench-smoke.log"
	echo "FAIL: bench/run.sh --smoke"
	total_fail=$((total_fail + 1))
	status=1
fi

echo "=== make distcheck"
if (cd "$top/_build/plain" && make distcheck >distcheck.log 2>&1); then
	echo "PASS: distcheck"
	total_pass=$((total_pass + 1))
else
	tail -n 40 "$top/_build/plain/distcheck.log"
	echo "FAIL: distcheck"
	total_fail=$((total_fail + 1))
	status=1
fi

# The slow suite (tests/slow): each test takes minutes, not seconds.
echo "=== slow tests"
for t in "$top"/tests/slow/*.sh; do
	srcdir=$top HSANALYZE=$top/_build/plain/src/hsanalyze sh "$t" >"$top/_build/slow.log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|SKIP)' "$top/_build/slow.log"
	case $rc in
	0) echo "PASS: tests/slow/${t##*/}"; total_pass=$((total_pass + 1)) ;;
	77) if [ "${CI:-}" = true ]; then
	        echo "FAIL: tests/slow/${t##*/} skipped (CI=true: a skip is a failure)"
	        total_fail=$((total_fail + 1)); status=1
	    else
	        echo "SKIP: tests/slow/${t##*/}"
	    fi ;;
	*) tail -n 40 "$top/_build/slow.log"; echo "FAIL: tests/slow/${t##*/}"
	   total_fail=$((total_fail + 1)); status=1 ;;
	esac
done

echo "$total_pass passed, $total_fail failed"
exit $status
