#!/bin/sh
# live_signals.sh - a second SIGINT that comes once a live capture's report
# is being put in place does not exit 130 as if nothing had been written:
# the first SIGINT stops the capture, the second (sent by
# tests/fault_inject.so right after rename() put the report in place) is
# held back until every output is in place and then changes nothing: exit 0,
# the report whole.  On the loopback interface of a network namespace of its
# own, with a filter that matches nothing.  Needs root; skipped otherwise.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
FI=${FAULT_INJECT:-./tests/fault_inject.so}
PY=${PYTHON3:-/usr/bin/python3}
test_name='live signals'
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$srcdir/tests/live/netns.sh"
netns_enter -- "$@"
[ -f "$FI" ] || { bad "$FI was not built"; finish; }
work_dir
NONE='host 127.99.99.99 and tcp port 9'
# The library comes before the sanitizer's runtime in an ASan build.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS

HSA_SIGINT_AFTER_RENAME=r.json LD_PRELOAD=$FI \
    "$H" -i lo --json -o "$work/r.json" -w "$work/r.pcap" $NONE 2>"$work/err" &
pid=$!
n=0
until grep -q '^hsanalyze: listening on lo' "$work/err" || [ $n -ge 150 ]; do
	sleep 0.1; n=$((n + 1))
done
kill -INT $pid
wait $pid
rc=$?
[ $rc = 0 ] && "$PY" -c 'import json, sys; sys.exit(not json.load(open(sys.argv[1]))["capture"]["live"])' "$work/r.json" &&
    [ -s "$work/r.pcap" ] && [ -z "$(find "$work" -name '*.??????')" ] &&
    ok "second SIGINT once the report is in place: exit 0, report and -w file whole" ||
    { bad "second SIGINT once the report is in place: exit $rc (want 0)"; show "$work/err" stderr; ls -l "$work"; }
finish
