#!/bin/sh
# bounded.sh - state stays within --max-flows under a SYN flood, and every
# connection is still reported (evicted ones counted, never dropped); a
# generated proxy trace with heavy 4-tuple reuse comes out whole.
# The traces come from bench/gen_trace (built by make check).
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
GEN=${GEN_TRACE:-./bench/gen_trace}
PY=${PYTHON3:-/usr/bin/python3}
test_name=bounded
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# check NAME EXPR REPORT: EXPR is a Python expression over the report `r`.
check() {
	if "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$3"; then
		ok "$1"
	else
		bad "$1: $2"
		"$PY" -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['summary']))" "$3"
	fi
}

"$GEN" --syn-flood 20000 --seed 7 -o "$work/flood.pcap" >/dev/null || exit 99
"$H" --max-flows 1000 --json --all-connections -r "$work/flood.pcap" >"$work/flood.json" || { bad "flood: exit $?"; exit 1; }
check "flood: 20000 connections reported" "r['summary']['connections'] == 20000 and len(r['connections']) == 20000" "$work/flood.json"
check "flood: all unanswered" "r['summary']['handshake']['unanswered'] == 20000" "$work/flood.json"
check "flood: 19000 evicted, marked per connection" "r['summary']['evicted'] == 19000 and sum(c['evicted'] for c in r['connections']) == 19000" "$work/flood.json"
check "flood: never more than 1000 tracked" "r['summary']['peak_tracked'] == 1000" "$work/flood.json"
"$H" --max-flows 1000 -r "$work/flood.pcap" >"$work/flood.txt" 2>&1
if grep -qx "  WARNING: 19000 connections were evicted to stay within --max-flows 1000;" "$work/flood.txt" &&
    grep -q "raise --max-flows (at most 16777216) to follow them whole" "$work/flood.txt"; then
	ok "flood: the text report says raising --max-flows would follow them whole"
else
	bad "flood: no eviction notice in the text report"; show "$work/flood.txt" text
fi

"$GEN" -n 4000 --seed 3 -o "$work/proxy.pcap" >/dev/null || exit 99
"$H" --json --all-connections -r "$work/proxy.pcap" >"$work/proxy.json" || { bad "proxy: exit $?"; exit 1; }
check "proxy: 4000 complete handshakes, 4000 FIN closes" "r['summary']['handshake']['complete'] == 4000 and r['summary']['close']['fin'] == 4000" "$work/proxy.json"
check "proxy: every close has one TIME_WAIT side" "r['summary']['time_wait']['client'] + r['summary']['time_wait']['server'] == 4000" "$work/proxy.json"
check "proxy: 40000 packets, no decode problems" "r['capture']['packets'] == 40000 and r['capture']['tcp_segments'] == 40000" "$work/proxy.json"

finish
