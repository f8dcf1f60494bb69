#!/bin/sh
# timestamps.sh - hostile and odd timestamps (captures written by
# tests/pcaps/make_timestamps.py, which says how each is built): a time after
# 2106 is counted and not analysed, never overflowed (the ASan build aborted,
# the release build printed 1969 dates); a clock stepping back is counted
# with its size, and the tracker's memory after the step is what it is for
# the same connections in time order (it grew by every connection after the
# step: 271 entries instead of 122).
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
test_name=timestamps
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

"$PY" "$srcdir/tests/pcaps/make_timestamps.py" "$work" || { bad "make_timestamps.py"; finish; }

# fields FILE EXPR...: the values of the JSON report FILE's expressions, one
# per line ("d" is the report).
fields() {
	f=$1
	shift
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for e in sys.argv[2:]:
    print(json.dumps(eval(e), sort_keys=True))
' "$f" "$@"
}

# check NAME PCAP WANT EXPR...: hsanalyze --json on PCAP exits 0 with nothing
# on stderr, and the expressions' values, joined by spaces, are WANT.
check() {
	name=$1 pcap=$2 want=$3
	shift 3
	"$H" --json --all-connections -r "$work/$pcap" >"$work/$name.json" 2>"$work/$name.err"
	rc=$?
	got=$(fields "$work/$name.json" "$@" 2>&1 | tr '\n' ' ' | sed 's/ $//')
	if [ $rc = 0 ] && [ ! -s "$work/$name.err" ] && [ "$got" = "$want" ]; then
		ok "$name: $got"
	else
		bad "$name: exit $rc, got [$got], want [$want]"
		show "$work/$name.err" stderr
	fi
}

c='d["capture"]'
check "far future, microseconds" ts_far_future.pcapng \
    '8 7 1 "2023-11-14T22:13:20.006000Z" 1 6' \
    "$c[\"packets\"]" "$c[\"tcp_segments\"]" "$c[\"bad_timestamps\"]" \
    "$c[\"last_packet\"]" 'd["summary"]["connections"]' \
    'd["connections"][0]["duration_ms"]'
check "far future, nanoseconds" ts_far_future_ns.pcapng \
    '9 7 2 "2023-11-14T22:13:20.000000000Z" "2023-11-14T22:13:20.006000000Z" 1' \
    "$c[\"packets\"]" "$c[\"tcp_segments\"]" "$c[\"bad_timestamps\"]" \
    "$c[\"first_packet\"]" "$c[\"last_packet\"]" 'd["summary"]["connections"]'
"$H" -r "$work/ts_far_future.pcapng" >"$work/far.txt" 2>&1
grep -qx "  1 packets with unusable timestamps (before 1970 or after 2106), not analysed" "$work/far.txt" \
    && ok "far future: said in the text report" || { bad "far future: text report"; show "$work/far.txt" out; }

check "clock in order" clock_in_order.pcap \
    '{"count": 0, "largest_ms": 0} 300 0' \
    "$c[\"clock_steps_back\"]" 'd["summary"]["connections"]' \
    'sum(1 for x in d["connections"] if x["duration_ms"] != 6.0)'
peak=$(fields "$work/clock in order.json" 'd["summary"]["peak_tracked"]')
check "clock step back" clock_step_back.pcap \
    "{\"count\": 1, \"largest_ms\": 10800000} 300 0 $peak" \
    "$c[\"clock_steps_back\"]" 'd["summary"]["connections"]' \
    'sum(1 for x in d["connections"] if x["duration_ms"] != 6.0)' \
    'd["summary"]["peak_tracked"]'
"$H" -r "$work/clock_step_back.pcap" >"$work/step.txt" 2>&1
grep -qx "  WARNING: the capture's clock steps back 1 time (largest 10800.000 s): times after a step are as recorded" "$work/step.txt" \
    && ok "clock step: said in the text report" || { bad "clock step: text report"; show "$work/step.txt" out; }

finish
