#!/bin/sh
# bounded.sh - state stays within --max-flows under a SYN flood, and every
# connection is still reported (evicted ones counted, never dropped); --ladder
# on the flood needs no more memory than the text report; a generated proxy
# trace with heavy 4-tuple reuse comes out whole.
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
# The checks are evaluated together by run_checks, at the end, in one
# Python run that reads each report once (the flood's is 20 MB).
check() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$work/checks"; }
run_checks() {
	"$PY" - "$work/checks" >"$work/checks.out" 2>&1 <<'PYEOF'
import json, sys
reports = {}
for line in open(sys.argv[1]):
    name, expr, path = line.rstrip('\n').split('\t')
    try:
        if path not in reports:
            reports[path] = json.load(open(path))
        r = reports[path]
        good = eval(expr)
    except Exception as e:
        good, expr = False, '%s (%s)' % (expr, e)
    print(('ok %s' if good else 'bad %s: ' + expr) % name)
    if not good and path in reports:
        print(json.dumps(reports[path]['summary']))
PYEOF
	relay_checks "$work/checks.out" echo
}

"$GEN" --syn-flood 20000 --seed 7 -o "$work/flood.pcap" >/dev/null || exit 99
"$H" --max-flows 1000 --json --all-connections -r "$work/flood.pcap" >"$work/flood.json" || { bad "flood: exit $?"; exit 1; }
check "flood: 20000 connections reported" "r['summary']['connections'] == 20000 and len(r['connections']) == 20000" "$work/flood.json"
check "flood: all unanswered" "r['summary']['handshake']['unanswered'] == 20000" "$work/flood.json"
check "flood: 19000 evicted, marked per connection" "r['summary']['evicted'] == 19000 and sum(c['evicted'] for c in r['connections']) == 19000" "$work/flood.json"
check "flood: never more than 1000 tracked" "r['summary']['peak_tracked'] == 1000" "$work/flood.json"
check "flood: FLOWS_EVICTED, warning, 19000 evicted within --max-flows 1000" "[(f['severity'], f['numbers']) for f in r['findings'] if f['code'] == 'FLOWS_EVICTED'] == [('warning', {'evicted': 19000, 'max_flows': 1000})]" "$work/flood.json"
"$H" --max-flows 1000 -r "$work/flood.pcap" >"$work/flood.txt" 2>&1
if grep -qx "  WARNING: 19000 connections were evicted to stay within --max-flows 1000;" "$work/flood.txt" &&
    grep -q "raise --max-flows (at most 16777216) to follow them whole" "$work/flood.txt"; then
	ok "flood: the text report says raising --max-flows would follow them whole"
else
	bad "flood: no eviction notice in the text report"; show "$work/flood.txt" text
fi
if grep -qx "  \[warning\] FLOWS_EVICTED: 19000 connections were evicted to stay within --max-flows 1000: those still active were reported in pieces (each later segment starts a new connection), so connections are overcounted and judged in part." "$work/flood.txt"; then
	ok "flood: the text report's FLOWS_EVICTED finding"
else
	bad "flood: no FLOWS_EVICTED finding in the text report"; show "$work/flood.txt" text
fi

# --ladder keeps segment logs for a bounded set of candidates only, never one
# per tracked connection (that was 3.9 KB each: 76 MiB more for these 20000).
# Peak RSS (GNU time, KB) with --ladder and with --ladder ID stays within
# LADDER_RSS_SLACK_KB of the text report's on the same trace, all 20000 tracked.
LADDER_RSS_SLACK_KB=2048
[ -x /usr/bin/time ] || { echo "bounded: /usr/bin/time (Debian package time) is needed" >&2; exit 99; }
# peak_rss_kb OUT ARGS...: run hsanalyze, its report to OUT; print its peak RSS.
peak_rss_kb() {
	out=$1; shift
	/usr/bin/time -v "$H" "$@" >"$out" 2>"$work/time.txt" || { echo "exit $?" >&2; return 1; }
	sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$work/time.txt"
}
text_kb=$(peak_rss_kb "$work/flood_text.txt" -r "$work/flood.pcap")
for mode in "--ladder" "--ladder 20000"; do
	# shellcheck disable=SC2086 # mode is two words on purpose
	kb=$(peak_rss_kb "$work/flood_ladder.txt" $mode -r "$work/flood.pcap")
	if [ -n "$text_kb" ] && [ -n "$kb" ] && [ "$kb" -le $((text_kb + LADDER_RSS_SLACK_KB)) ]; then
		ok "flood: $mode peak RSS ${kb} KB, text report ${text_kb} KB (slack $LADDER_RSS_SLACK_KB KB)"
	else
		bad "flood: $mode peak RSS '${kb}' KB, text report '${text_kb}' KB: more than $LADDER_RSS_SLACK_KB KB apart"
	fi
done
# The last run drew connection 20000, the flood's last SYN.
if [ "$(grep -c '^Connection #' "$work/flood_ladder.txt")" = 1 ] &&
    grep -q '^Connection #20000: .* -> 192.0.2.1:80 (server)$' "$work/flood_ladder.txt" &&
    grep -qxF '  20000      0.000  SYN-SENT     --S seq=0 ack=0 len=0-------------------------> LISTEN       handshake 1/3 SYN' "$work/flood_ladder.txt"; then
	ok "flood: --ladder 20000 draws that connection's one SYN"
else
	bad "flood: --ladder 20000"; show "$work/flood_ladder.txt" ladder
fi
"$H" --ladder -r "$work/flood.pcap" >"$work/flood_kinds.txt"
# The JSON report's first two examples of unanswered and of still open.
if [ "$(grep -c '^Connection #' "$work/flood_kinds.txt")" = 2 ] &&
    grep -q '^Connection #1 (unanswered, still open): ' "$work/flood_kinds.txt" &&
    grep -q '^Connection #2 (unanswered, still open): ' "$work/flood_kinds.txt"; then
	ok "flood: --ladder draws the two examples, connections 1 and 2, unanswered and still open"
else
	bad "flood: --ladder examples"; show "$work/flood_kinds.txt" ladder
fi
# Away from the flood, the drawing is unchanged.
"$H" --ladder 1 -r "$srcdir/tests/pcaps/client_close.pcap" >"$work/cc.txt"
if diff -u "$srcdir/tests/ladder/client_close.txt" "$work/cc.txt" >"$work/diff"; then
	ok "ladder of client_close matches tests/ladder/client_close.txt"
else
	bad "ladder of client_close"; cat "$work/diff"
fi

"$GEN" -n 4000 --seed 3 -o "$work/proxy.pcap" >/dev/null || exit 99
"$H" --json --all-connections -r "$work/proxy.pcap" >"$work/proxy.json" || { bad "proxy: exit $?"; exit 1; }
check "proxy: 4000 complete handshakes, 4000 FIN closes" "r['summary']['handshake']['complete'] == 4000 and r['summary']['close']['fin'] == 4000" "$work/proxy.json"
check "proxy: every close has one TIME_WAIT side" "r['summary']['time_wait']['client'] + r['summary']['time_wait']['server'] == 4000" "$work/proxy.json"
check "proxy: 40000 packets, no decode problems" "r['capture']['packets'] == 40000 and r['capture']['tcp_segments'] == 40000" "$work/proxy.json"

run_checks
finish
