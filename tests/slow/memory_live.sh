#!/bin/sh
# memory_live.sh - hsanalyze -i lo stays within its memory budget while two
# million connections go through the live capture at full speed.  Slow
# (about two minutes): run by scripts/test-all.sh, not by make check.
#
# inject.c (built here with cc) puts the connections on lo in a network
# namespace of the test's own, one million at a time: SYN, SYN/ACK, ACK,
# then the client's RST, or for 1 in 16 a FIN exchange that leaves the
# client in TIME-WAIT.  hsanalyze runs with -B 16384 --max-flows 65536
# --time-wait 1: TIME-WAIT lasts 1 s of capture time, so that what it holds
# is the same after one million connections as after two (at 60 s, the
# whole run would be one TIME-WAIT period, and the TIME-WAIT sockets it
# tracks would rightly grow all along).
# Checks:
#   - peak RSS (VmHWM) after 2 million connections is within the budget:
#     RSS when idle + the -B buffer + 1 KiB per --max-flows entry;
#   - memory is flat: the second million adds less than 4 MiB to the peak;
#   - nothing is lost silently: the handshakes counted (metrics file at the
#     end) are 2 million minus at most the packets the kernel says it
#     dropped, and TIME-WAIT entered by the client is 1 in 16 of them minus
#     at most the drops;
#   - each half ends within INJECT_TIMEOUT seconds (240).
# Needs root and cc; else skipped (77).
set -u
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
H=${HSANALYZE:-./src/hsanalyze}
live=$srcdir/tests/live
test_name=memory_live
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter -- "$@"
command -v cc >/dev/null 2>&1 || skip "no cc"
[ -x "$H" ] || skip "HSANALYZE is not a built hsanalyze"
work_dir -k "${TMPDIR:-/tmp}/hsa-memory.XXXXXX"

HALF=1000000
BUFFER_KIB=16384
MAX_FLOWS=65536
PER_FLOW_KIB=1
FLAT_KIB=4096
INJECT_TIMEOUT=${INJECT_TIMEOUT:-240}

cc -O2 -o "$work/inject" "$srcdir/tests/slow/inject.c" 2>"$work/cc.log" ||
	{ bad "cannot build inject.c"; show "$work/cc.log" cc; finish; }

"$H" -i lo -B $BUFFER_KIB --max-flows $MAX_FLOWS --time-wait 1 --interval 5 \
    --metrics-file "$work/m.prom" tcp >"$work/report.txt" 2>"$work/h.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/h.err" || { bad "hsanalyze did not start"; show "$work/h.err" stderr; finish; }
kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$bg_pid/status"; }
sleep 0.5
idle=$(kib VmRSS)
budget=$((idle + BUFFER_KIB + MAX_FLOWS * PER_FLOW_KIB))

half() {
	t0=$(date +%s)
	if timeout "$INJECT_TIMEOUT" "$work/inject" lo $HALF "$1" >>"$work/inject.log" 2>&1; then
		ok "$HALF connections injected from #$1 in $(( $(date +%s) - t0 )) s"
	else
		bad "inject from #$1 (timeout $INJECT_TIMEOUT s?)"; show "$work/inject.log" inject
	fi
	sleep 2		# let hsanalyze drain its buffer
}
half 0
hwm1=$(kib VmHWM)
half $HALF
hwm2=$(kib VmHWM)
echo "RSS idle $idle KiB; peak after 1 million $hwm1 KiB, after 2 million $hwm2 KiB; budget $budget KiB"
[ "$hwm2" -le "$budget" ] && ok "peak RSS $hwm2 KiB within the budget of $budget KiB" ||
	bad "peak RSS $hwm2 KiB over the budget of $budget KiB"
[ $((hwm2 - hwm1)) -lt $FLAT_KIB ] && ok "flat: the second million added $((hwm2 - hwm1)) KiB" ||
	bad "the second million added $((hwm2 - hwm1)) KiB (>= $FLAT_KIB)"

stop_pid "$bg_pid" TERM 60 && [ "$status" = 0 ] && ok "SIGTERM: exit 0" || bad "exit status $status"
bg_pid=''
metric() { awk -v m="$1" '$1 == m { print $2 }' "$work/m.prom"; }
hs=$(metric hsanalyze_handshakes_completed_total)
tw=$(metric 'hsanalyze_time_wait_entered_total{holder="client"}')
drops=$(metric 'hsanalyze_capture_dropped_packets_total{where="kernel"}')
total=$((2 * HALF))
echo "handshakes $hs, client TIME-WAIT $tw, kernel drops $drops"
[ -n "$hs" ] && [ "$hs" -le $total ] && [ "$hs" -ge $((total - ${drops:-0})) ] &&
	ok "handshakes $hs = $total minus at most the $drops packets dropped" ||
	bad "handshakes '$hs' for $total connections and '$drops' drops"
[ -n "$tw" ] && [ "$tw" -le $((total / 16)) ] && [ "$tw" -ge $((total / 16 - ${drops:-0})) ] &&
	ok "client TIME-WAIT $tw = $((total / 16)) minus at most the drops" ||
	bad "client TIME-WAIT '$tw' for $((total / 16)) FIN closes"
finish
