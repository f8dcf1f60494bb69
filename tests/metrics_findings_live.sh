#!/bin/sh
# metrics_findings_live.sh - the findings in what --metrics-listen serves
# while hsanalyze -i lo is still capturing, in a network namespace of its
# own with 10 ephemeral ports (net.ipv4.ip_local_port_range 40000 40009,
# tcp_tw_reuse 0).
#
# A client connects to port $T until connect() fails (EADDRNOTAVAIL), each
# connection closed by the client first, so that the client holds all 10
# ports in TIME-WAIT; a ticker connection to $K then sends a byte every
# 100 ms, so that the capture's clock passes the linger time and the
# connections are reported.  /metrics is scraped every 0.3 s.  Checks: the
# first scrape, before the traffic, has no finding; ss shows 10 TIME-WAIT
# sockets to $T; then, with hsanalyze still running, a scrape has exactly
#   hsanalyze_findings{code="PORTS_EXHAUSTED",severity="critical"} 1
# (no --interval: each scrape composes the findings), and hsanalyze then
# ends on SIGTERM with exit 0.  Needs root, curl; else skipped (77).
# About 6 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=metrics_findings_live
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter "net.ipv4.ip_local_port_range=40000 40009" net.ipv4.tcp_tw_reuse=0 -- "$@"
command -v curl >/dev/null 2>&1 || skip "no curl (scripts/setup-debian.sh installs it)"
# scrape: one GET /metrics.  The scraper closes first (the metrics server
# waits for it), so each scrape leaves a TIME-WAIT on curl's side: its local
# port comes from outside the 10-port range, which the traffic spends.
scrape() { curl -s -m 5 --local-port 30000-30999 "http://127.0.0.1:$M/metrics"; }
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-metrics-findings.XXXXXX

T=7000 K=7001 M=9813
WANT='hsanalyze_findings{code="PORTS_EXHAUSTED",severity="critical"} 1'
"$H" -i lo --metrics-listen $M "tcp port $T or tcp port $K" >"$work/h.out" 2>"$work/h.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/h.err" || { bad "hsanalyze did not start"; show "$work/h.err" stderr; finish; }

scrape >"$work/first.txt"
grep -q '^# TYPE hsanalyze_findings gauge$' "$work/first.txt" &&
	! grep -q '^hsanalyze_findings{' "$work/first.txt" &&
	ok "before the traffic: the findings family, no finding" ||
	{ bad "before the traffic"; grep hsanalyze_findings "$work/first.txt"; }

"$PY" "$live/closer_traffic.py" $T $K all 10 >"$work/traffic.log" 2>&1 &
py_pid=$!

# Scrape until the finding is served (at most 12 s), hsanalyze running.
found=0 i=0
while [ $i -lt 40 ]; do
	scrape >"$work/page.txt"
	if grep -qxF "$WANT" "$work/page.txt"; then
		kill -0 "$bg_pid" 2>/dev/null && found=1
		break
	fi
	sleep 0.3
	i=$((i + 1))
done
tw=$(ss -tanH state time-wait "( dport = :$T )" | wc -l)
kill "$py_pid" 2>/dev/null
wait "$py_pid" 2>/dev/null
cat "$work/traffic.log"
[ "$tw" = 10 ] && grep -q "^to port $T: 10 connections, then EADDRNOTAVAIL$" "$work/traffic.log" &&
	ok "ss: the client holds all 10 ports in TIME-WAIT to port $T" ||
	bad "ss: $tw TIME-WAIT to port $T"
[ $found = 1 ] && ok "live scrape, hsanalyze still capturing: $WANT" ||
	{ bad "no live scrape had: $WANT"; grep '^hsanalyze_findings\|^hsanalyze_group_time_wait_sockets' "$work/page.txt"; }
[ "$(grep -c '^hsanalyze_findings{' "$work/page.txt")" = 1 ] &&
	ok "that scrape: one finding line" || { bad "finding lines"; grep '^hsanalyze_findings{' "$work/page.txt"; }
stop_pid "$bg_pid" TERM 5 && [ "$status" = 0 ] && ok "hsanalyze: SIGTERM, exit 0" || bad "hsanalyze exit $status"
bg_pid=''
grep -q 'PORTS_EXHAUSTED' "$work/h.out" && ok "the report at the end: PORTS_EXHAUSTED" ||
	{ bad "no PORTS_EXHAUSTED in the report"; show "$work/h.out" report; }
finish
