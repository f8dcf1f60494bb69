#!/bin/sh
# report_interim.sh - a live capture writes its report files again on SIGHUP
# and at every --interval without stopping, in a network namespace of its
# own.
#
# hsanalyze -i lo --json -o R.json --html R.html runs; a SIGHUP before any
# traffic gives an interim report of 0 connections.  Then a client makes 20
# connections to port $T, each closed by the client first, and a ticker
# connection to $K sends a byte every 100 ms so that the capture's clock
# passes the linger time (4 s) and the 20 are reported.  A SIGHUP every
# 0.5 s rewrites R.json; checks: while hsanalyze still runs, an interim
# report says exactly 20 connections, 20 complete handshakes, 20 closed
# with FINs, 20 TIME-WAITs on the client, "interim": {"open_connections": 1}
# (the ticker), valid against the schema, and R.html was rewritten too;
# after SIGTERM the final report replaces it: 21 connections, no "interim".
# Meanwhile, on a port without traffic, --interval 0.3 with a text report
# -o R.txt: the file appears while capturing, starting with the interim
# line; and a report to standard output is written once, at the end.  Needs
# root; else skipped (77).  About 7 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=report_interim
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter -- "$@"
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-report-interim.XXXXXX

T=7100 K=7101 U=7102
"$H" -i lo --json -o "$work/r.json" --html "$work/r.html" "tcp port $T or tcp port $K" \
    >"$work/h.out" 2>"$work/h.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/h.err" || { bad "hsanalyze did not start"; show "$work/h.err" stderr; finish; }

# field FILE PATH...: a member of a JSON report ("-" when absent).
field() {
	"$PY" - "$@" <<'EOF_PY'
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d.get(k, "-") if isinstance(d, dict) else "-"
print(json.dumps(d) if isinstance(d, dict) else d)
EOF_PY
}

# interval_cases: --interval with a text report, and to standard output,
# on a port without traffic; "ok TEXT" and "bad TEXT" lines.  They run in
# the background while the SIGHUP cases run.
interval_cases() {
	# --interval with a text report: rewritten while capturing.
	"$H" -i lo --interval 0.3 -o "$work/r.txt" "tcp port $U" >"$work/i.out" 2>"$work/i.err" &
	i_pid=$!
	wait_listening "$i_pid" "$work/i.err" || { bad "--interval run did not start"; return; }
	sleep 1
	head -n 1 "$work/r.txt" >"$work/first_line" 2>/dev/null
	[ "$(cat "$work/first_line")" = "Interim report: the capture goes on; 0 connections still open are not in it yet." ] &&
		kill -0 "$i_pid" 2>/dev/null && ok "--interval 0.3: -o written while capturing, as an interim report" ||
		{ bad "--interval: first line '$(cat "$work/first_line")'"; }
	stop_pid "$i_pid" TERM 5
	[ "$status" = 0 ] && ! grep -q '^Interim' "$work/r.txt" && grep -q '^Capture ' "$work/r.txt" &&
		ok "--interval: the final text report replaces it" || bad "--interval final: exit $status"

	# To standard output: once, at the end.
	"$H" -i lo --interval 0.3 --duration 1 "tcp port $U" >"$work/s.out" 2>"$work/s.err"
	[ "$(grep -c '^Capture ' "$work/s.out")" = 1 ] && ! grep -q '^Interim' "$work/s.out" &&
		ok "a report to standard output: once, at the end" || bad "standard output: $(grep -c '^Capture ' "$work/s.out") reports"
}
( ok() { echo "ok $1"; }; bad() { echo "bad $1"; }; interval_cases ) >"$work/interval.checks" 2>&1 &
interval_pid=$!
trap 'kill $interval_pid 2>/dev/null; _tl_cleanup' EXIT

kill -HUP "$bg_pid"
i=0
while [ ! -s "$work/r.json" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(field "$work/r.json" summary connections)" = 0 ] &&
	[ "$(field "$work/r.json" interim)" = '{"open_connections": 0}' ] &&
	kill -0 "$bg_pid" 2>/dev/null &&
	ok "SIGHUP before any traffic: an interim report of 0 connections, still capturing" ||
	{ bad "first SIGHUP"; ls -l "$work"; show "$work/h.err" stderr; }
[ -s "$work/r.html" ] && ok "SIGHUP: the HTML report written too" || bad "no HTML report after SIGHUP"

"$PY" "$live/closer_traffic.py" $T $K 20 15 >"$work/traffic.log" 2>&1 &
py_pid=$!

html_before=$(stat -c %Y.%i "$work/r.html")
found=0 i=0
while [ $i -lt 30 ]; do
	sleep 0.5
	kill -HUP "$bg_pid"
	sleep 0.2
	if [ "$(field "$work/r.json" summary connections)" = 20 ]; then
		kill -0 "$bg_pid" 2>/dev/null && found=1
		break
	fi
	i=$((i + 1))
done
cp "$work/r.json" "$work/interim.json"
if [ $found = 1 ]; then
	got="$(field "$work/interim.json" summary handshake complete) $(field "$work/interim.json" summary close fin) $(field "$work/interim.json" summary time_wait client) $(field "$work/interim.json" interim)"
	[ "$got" = '20 20 20 {"open_connections": 1}' ] &&
		ok "interim report while capturing: 20 connections, 20 complete, 20 FIN, 20 client TIME-WAIT, 1 still open" ||
		bad "interim report: $got"
else
	bad "no interim report of 20 connections (last: $(field "$work/r.json" summary connections))"
fi
"$PY" "$srcdir/tests/check_schema.py" "$srcdir/doc/hsanalyze-report.schema.json" \
    "$srcdir/doc/hsanalyze-connection.schema.json" "$work/interim.json" >"$work/schema" 2>&1
relay_checks "$work/schema" echo "schema: "
[ "$(stat -c %Y.%i "$work/r.html")" != "$html_before" ] && ok "the HTML report rewritten by the later SIGHUPs" ||
	bad "the HTML report was not rewritten"
kill "$py_pid" 2>/dev/null
wait "$py_pid" 2>/dev/null
sleep 0.2
stop_pid "$bg_pid" TERM 10 && [ "$status" = 0 ] && ok "SIGTERM: exit 0" || bad "exit $status"
bg_pid=''
[ "$(field "$work/r.json" summary connections)" = 21 ] && [ "$(field "$work/r.json" interim)" = - ] &&
	ok "the final report replaces it: 21 connections (the ticker's too), no interim" ||
	bad "final report: $(field "$work/r.json" summary connections) connections, interim $(field "$work/r.json" interim)"
[ ! -s "$work/h.out" ] && ok "nothing on standard output (the report went to -o)" || bad "standard output not empty"
ls "$work" | grep -E '^r\.(json|html)\.' && bad "temporary files left" || ok "no temporary file left (r.json.XXXXXX, r.html.XXXXXX)"

wait $interval_pid
interval_pid=''
relay_checks "$work/interval.checks" echo
finish
