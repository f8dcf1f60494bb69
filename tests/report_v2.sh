#!/bin/sh
# report_v2.sh - the JSON report, format_version 2: every bundled capture's
# report (bounded and --all-connections) and connection log valid against
# the schemas in doc/ (tests/check_schema.py); the examples chosen for each
# kind on a crafted trace; the 256 KiB bound on a big generated trace, with
# --all-connections still giving every connection.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
GEN=${GEN_TRACE:-./bench/gen_trace}
PY=${PYTHON3:-/usr/bin/python3}
P=$srcdir/tests/pcaps
test_name=report_v2
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
"$PY" -c 'import jsonschema' 2>/dev/null || skip "python3-jsonschema is not installed (scripts/setup-debian.sh)"
work_dir

# --- every bundled capture, against the schemas
ok_captures "$P/expected" >"$work/list"
files=''
while read -r name pcap; do
	if "$H" --json -o "$work/$name.json" --ndjson "$work/$name.ndjson" --ndjson-summary \
	    -r "$P/$pcap" 2>"$work/$name.err" &&
	    "$H" --json --all-connections -o "$work/$name.all.json" -r "$P/$pcap" 2>>"$work/$name.err"; then
		files="$files $work/$name.json $work/$name.all.json $work/$name.ndjson"
	else
		bad "$name: hsanalyze failed: $(cat "$work/$name.err")"
	fi
done <"$work/list"
# shellcheck disable=SC2086  # paths without blanks
"$PY" "$srcdir/tests/check_schema.py" "$srcdir/doc/hsanalyze-report.schema.json" \
    "$srcdir/doc/hsanalyze-connection.schema.json" $files >"$work/schema.out" 2>&1
relay_checks "$work/schema.out" echo

# check NAME EXPR REPORT: EXPR is a Python expression over the report `r`.
check() {
	if "$PY" -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if ($2) else 1)" "$3"; then
		ok "$1"
	else
		bad "$1: $2"
	fi
}

# --- the examples of port_reuse.pcap, from how it was built: connection 1
# complete, FIN, client in TIME-WAIT; 2 complete, reset; 3 complete, FIN,
# client in TIME-WAIT.  Two per kind (so 3 is no "handshake:complete"
# example), the three handshakes as the slowest (equal RTTs).  The one
# group's first TIME-WAIT, 1, is cited by both findings; CLIENT_CLOSES_FIRST
# also names 3 (kept as a time_wait:client example), TIME_WAIT_REUSE only
# 1, whose TIME-WAIT 2's SYN cut short.
r=$work/port_reuse.json
check "port_reuse: examples 1, 2, 3 with their kinds" "[(e['connection']['id'], e['kinds']) for e in r['examples']] == [
  (1, ['handshake:complete', 'close:fin', 'time_wait:client', 'slowest_handshake', 'finding']),
  (2, ['handshake:complete', 'close:rst', 'slowest_handshake']),
  (3, ['close:fin', 'time_wait:client', 'slowest_handshake', 'finding'])]" "$r"
check "port_reuse: the findings cite 1 and 3, and 1, with a display filter for their group" "[(f['code'], f['examples'], f['display_filter']) for f in r['findings']] == [
  ('CLIENT_CLOSES_FIRST', [1, 3], '(ip.addr == 192.0.2.10 && ip.addr == 198.51.100.20 && tcp.port == 80)'),
  ('TIME_WAIT_REUSE', [1], '(ip.addr == 192.0.2.10 && ip.addr == 198.51.100.20 && tcp.port == 80)')]" "$r"
check "port_reuse: header" "r['format_version'] == 2 and r['tool']['name'] == 'hsanalyze' and r['command_line'][-1].endswith('port_reuse.pcap') and r['filter'] is None and 'connections' not in r" "$r"

# The text report names the same connections and filter under each finding.
"$H" -r "$P/port_reuse.pcap" >"$work/port_reuse.txt" 2>&1
if [ "$(grep -c '^    connections: #1 #3$' "$work/port_reuse.txt")" = 1 ] &&
    [ "$(grep -c '^    connections: #1$' "$work/port_reuse.txt")" = 1 ] &&
    [ "$(grep -c '^    Wireshark: (ip.addr == 192.0.2.10 && ip.addr == 198.51.100.20 && tcp.port == 80)$' "$work/port_reuse.txt")" = 2 ]; then
	ok "port_reuse: the text report's findings name #1 #3, #1 and the display filter"
else
	bad "port_reuse: the text report's findings"; show "$work/port_reuse.txt" text
fi

# --- the bound: a big generated trace (20000 connections, 200000 packets)
"$GEN" -n 20000 --seed 5 -o "$work/big.pcap" >/dev/null || exit 99
"$H" --json -o "$work/big.json" -r "$work/big.pcap" || bad "big: exit $?"
"$H" --json --all-connections -o "$work/big.all.json" -r "$work/big.pcap" || bad "big --all-connections: exit $?"
bytes=$(wc -c <"$work/big.json")
all=$(wc -c <"$work/big.all.json")
if [ "$bytes" -le 262144 ]; then
	ok "big: the report is $bytes bytes (at most 262144); with --all-connections $all"
else
	bad "big: the report is $bytes bytes, more than 262144"
fi
check "big: 20000 connections counted, examples only" "r['summary']['connections'] == 20000 and 0 < len(r['examples']) <= 77 and 'connections' not in r" "$work/big.json"
check "big --all-connections: all 20000 connections" "len(r['connections']) == 20000 and r['summary']['connections'] == 20000" "$work/big.all.json"
finish
