#!/bin/sh
# metrics_groups.sh - the TIME-WAIT group metrics of hsanalyze -i lo on a
# port range that runs out, and the exhaustion alert firing in Debian's
# Prometheus, in a network namespace of its own with 50 ephemeral ports
# (net.ipv4.ip_local_port_range 40000 40049, tcp_tw_reuse 0).
#
# A client connects to port $T until connect() fails (EADDRNOTAVAIL), each
# connection closed by the client first (TIME-WAIT on the client), then once
# to each of 60 more ports (60 more groups of one TIME-WAIT: 61 client-side
# groups in all, more than the 50 shown).  A ticker connection keeps the
# capture clock going, and stays open, until the page shows every one of
# those connections reported (their linger passed); then it closes and the
# page is read once the kernel's count has its TIME-WAIT.  Checks, on the
# page, against ss: the group to $T holds 50 TIME-WAITs, its share of the
# range is 1 and its time to exhaustion 0; 50 groups are shown, the 11 with
# the highest ports folded into the "other" series, whose value is the rest
# of the client's TIME-WAITs, and hsanalyze_metrics_folded_groups says 11;
# every per-group family shows the same 50 groups and folds the same 11:
# 11 entries, the largest share 1/50 = 0.02, no time to exhaustion (none of
# them has a rate), no server-side "other";
# the kernel's figures (sock_diag) are ss's: 111 sockets (the ticker's
# included), 50 the busiest.
# Then Prometheus, scraping every second with the example rules (their
# "for" set to 0s for the test), fires HsanalyzePortsExhausted and
# HsanalyzePortExhaustionRisk for 127.0.0.1 -> 127.0.0.1:$T; its summary
# text is printed.  The metrics file written at the end has the finding
# PORTS_EXHAUSTED (critical).  Needs root, prometheus, curl; else skipped (77).
# About 13 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=metrics_groups
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter "net.ipv4.ip_local_port_range=40000 40049" net.ipv4.tcp_tw_reuse=0 -- "$@"
for t in prometheus curl; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t (scripts/setup-debian.sh installs it)"
done
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-metrics-groups.XXXXXX

T=7000 K=6999 M=9813 P=9090
"$H" -i lo --metrics-listen $M --metrics-file "$work/m.prom" --interval 1 "tcp portrange 6999-7060" >"$work/h.out" 2>"$work/h.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/h.err" || { bad "hsanalyze did not start"; show "$work/h.err" stderr; finish; }

"$PY" - $T $K "$work/stop" >"$work/traffic.log" 2>&1 <<'EOF_PY' &
import errno, os, socket, sys, threading, time
T, K, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
def listen(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    def serve():
        while True:
            c, _ = s.accept()
            c.recv(10)
            c.send(b"ok")
            c.recv(10)          # the client's FIN
            c.close()
    threading.Thread(target=serve, daemon=True).start()
for port in [T] + list(range(T + 1, T + 61)):
    listen(port)
ticker = socket.socket()
ticker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ticker.bind(("127.0.0.1", K))
ticker.listen(1)
def sink():
    c, _ = ticker.accept()
    while c.recv(100):
        pass
threading.Thread(target=sink, daemon=True).start()
def one(port):
    c = socket.create_connection(("127.0.0.1", port))
    c.send(b"hi")
    c.recv(10)
    c.close()               # the client closes first
n = 0
while True:
    try:
        one(T)
    except OSError as e:
        if e.errno != errno.EADDRNOTAVAIL:
            raise
        break
    n += 1
print("to port %d: %d connections, then EADDRNOTAVAIL" % (T, n))
for port in range(T + 1, T + 61):
    one(port)
# The ticker: a byte every 100 ms keeps the capture clock going, and its
# connection open, until the test says stop (at most 30 s).
c = socket.create_connection(("127.0.0.1", K))
print("traffic done, ticker open", flush=True)
end = time.time() + 30
while not os.path.exists(stop) and time.time() < end:
    c.send(b".")
    time.sleep(0.1)
EOF_PY
py_pid=$!
trap 'kill $py_pid 2>/dev/null; _tl_cleanup' EXIT
# metric NAME: its value in the metrics file (written every --interval;
# read there, not from the page, since every scrape leaves a TIME-WAIT
# socket and takes an ephemeral port); empty when absent.
metric() { grep -F "$1 " "$work/m.prom" 2>/dev/null | grep -v '^#' | awk '{ print $NF }'; }
i=0
until grep -q '^traffic done' "$work/traffic.log" || [ $i -ge 150 ]; do sleep 0.2; i=$((i + 1)); done
# Every connection of the traffic reported (their linger passed on the
# capture's clock): as many closed with FINs as ss has TIME-WAITs to the
# 61 ports (at most 20 s).
made() { ss -tanH state time-wait "( dport >= :$T and dport <= :$((T + 60)) )" | wc -l; }
i=0
until [ "$(metric 'hsanalyze_connections_total{handshake="complete",close="fin"}')" = "$(made)" ] || [ $i -ge 100 ]; do
	sleep 0.2; i=$((i + 1))
done
# The ticker's own TIME-WAIT (to $K) appears when the traffic script exits;
# the kernel is read every second, so wait for a read that has seen it (at
# most 2.5 s: the ticker's connection, reported 4 s after its close, must
# not be on the page).
touch "$work/stop"
wait $py_pid
py_pid=''
cat "$work/traffic.log"
all=$(($(made) + $(ss -tanH state time-wait "( dport = :$K or sport = :$K )" | wc -l)))
i=0
until [ "$(metric 'hsanalyze_kernel_time_wait_sockets')" = "$all" ] || [ $i -ge 25 ]; do sleep 0.1; i=$((i + 1)); done
curl -s -m 5 "http://127.0.0.1:$M/metrics" >"$work/page.txt"
tw_t=$(ss -tanH state time-wait "( dport = :$T )" | wc -l)
tw_all=$(ss -tanH state time-wait "( dport >= :$((T + 1)) and dport <= :$((T + 60)) )" | wc -l)
tw_k=$(ss -tanH state time-wait "( dport = :$K or sport = :$K )" | wc -l)
echo "ss: $tw_t TIME-WAIT to port $T, $tw_all to the 60 other ports, $tw_k to the ticker's"

g() { grep -v '^#' "$work/page.txt" | grep -F "$1" | awk '{ print $NF }'; }
sel="client=\"127.0.0.1\",server=\"127.0.0.1\",server_port=\"$T\""
[ "$tw_t" = 50 ] && [ "$(g "hsanalyze_group_time_wait_sockets{holder=\"client\",$sel}")" = 50 ] &&
	ok "group to port $T: 50 TIME-WAITs = ss's $tw_t, the whole range" ||
	bad "group to $T: '$(g "hsanalyze_group_time_wait_sockets{holder=\"client\",$sel}")', ss $tw_t"
[ "$(g "hsanalyze_port_range_share{$sel}")" = 1 ] && ok "its share of the port range: 1" ||
	bad "share '$(g "hsanalyze_port_range_share{$sel}")'"
[ "$(g "hsanalyze_port_exhaustion_seconds{$sel}")" = 0 ] && ok "its time to exhaustion: 0" ||
	bad "time to exhaustion '$(g "hsanalyze_port_exhaustion_seconds{$sel}")'"
shown=$(grep -c '^hsanalyze_group_time_wait_sockets{holder="client",client="127.0.0.1"' "$work/page.txt")
other=$(g 'hsanalyze_group_time_wait_sockets{holder="client",client="other",server="other",server_port="other"}')
last_shown=$(grep '^hsanalyze_group_time_wait_sockets{holder="client",client="127.0.0.1"' "$work/page.txt" |
    sed 's/.*server_port="\([0-9]*\)".*/\1/' | sort -n | tail -n 1)
[ "$tw_all" = 60 ] && [ "$shown" = 50 ] && [ "$other" = 11 ] && [ "$last_shown" = $((T + 49)) ] &&
	[ "$(g 'hsanalyze_metrics_folded_groups ')" = 11 ] &&
	ok "50 groups shown (ports up to $last_shown), 11 folded into \"other\" = 11 TIME-WAITs" ||
	bad "cardinality: shown $shown (last port $last_shown), other '$other', folded '$(g 'hsanalyze_metrics_folded_groups ')', ss $tw_all"
# The same cut in every per-group family.
o3='client="other",server="other",server_port="other"'
fam_ok=1
for fam in hsanalyze_group_time_wait_sockets hsanalyze_group_time_wait_entered_total hsanalyze_port_range_share; do
	n=$(grep -c "^$fam{\(holder=\"client\",\)\?client=\"127.0.0.1\"" "$work/page.txt")
	[ "$n" = 50 ] || { fam_ok=0; echo "  $fam: $n groups shown"; }
done
[ $fam_ok = 1 ] &&
	[ "$(g "hsanalyze_group_time_wait_entered_total{holder=\"client\",$o3}")" = 11 ] &&
	[ "$(g "hsanalyze_port_range_share{$o3}")" = 0.02 ] &&
	[ -z "$(g "hsanalyze_port_exhaustion_seconds{$o3}")" ] &&
	[ -z "$(grep "holder=\"server\",$o3" "$work/page.txt")" ] &&
	ok "every per-group family: 50 groups, the 11 folded: 11 entries, share 0.02, no time to exhaustion" ||
	{ bad "folding across families"; grep "$o3" "$work/page.txt"; }
# The kernel's own count (sock_diag, read every --interval): all of ss's.
kern=$(g 'hsanalyze_kernel_time_wait_sockets ')
busy=$(g 'hsanalyze_kernel_time_wait_busiest ')
[ "$kern" = $((tw_t + tw_all + tw_k)) ] && [ "$busy" = "$tw_t" ] &&
	ok "kernel figures: $kern TIME-WAIT sockets, at most $busy to one destination = ss" ||
	bad "kernel figures: '$kern', busiest '$busy'; ss $((tw_t + tw_all + tw_k)), $tw_t"
command -v promtool >/dev/null 2>&1 && { promtool check metrics <"$work/page.txt" >"$work/lint" 2>&1 &&
	ok "promtool check metrics: the page" || { bad "promtool check metrics"; show "$work/lint" promtool; }; }

# Prometheus starts only now, so that its scrapes (each leaves a TIME-WAIT
# socket) do not change the kernel's count checked above.
sed 's/^        for: .*/        for: 0s/' "$srcdir/doc/hsanalyze.rules.yml" >"$work/rules.yml"
mkdir "$work/tsdb"
cat >"$work/prometheus.yml" <<EOF_CONF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$work/rules.yml" ]
scrape_configs:
  - job_name: hsanalyze
    static_configs: [ { targets: [ "127.0.0.1:$M" ] } ]
EOF_CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address=127.0.0.1:$P >"$work/prometheus.log" 2>&1 &
prom_pid=$!
trap 'kill $prom_pid 2>/dev/null; wait $prom_pid 2>/dev/null; _tl_cleanup' EXIT

# The alerts, as Prometheus fires them (at most 20 s).
i=0
while [ $i -lt 40 ]; do
	curl -s -m 5 "http://127.0.0.1:$P/api/v1/alerts" >"$work/alerts.json"
	grep -q '"HsanalyzePortsExhausted".*"state":"firing"\|"state":"firing".*"HsanalyzePortsExhausted"' "$work/alerts.json" && break
	sleep 0.5
	i=$((i + 1))
done
"$PY" - "$work/alerts.json" $T >"$work/checks" <<'EOF_PY'
import json, sys
alerts = json.load(open(sys.argv[1]))["data"]["alerts"]
port = sys.argv[2]
def find(name):
    return [a for a in alerts if a["labels"]["alertname"] == name and a["state"] == "firing"
            and a["labels"].get("server_port") == port and a["labels"].get("client") == "127.0.0.1"]
for name in ("HsanalyzePortsExhausted", "HsanalyzePortExhaustionRisk"):
    f = find(name)
    print(("ok " if len(f) == 1 else "bad ") + "%s firing for 127.0.0.1 -> 127.0.0.1:%s" % (name, port))
    for a in f:
        print("  %s: %s" % (name, a["annotations"]["summary"]))
        print("  %s: %s" % (name, a["annotations"]["description"]))
EOF_PY
relay_checks "$work/checks" echo
stop_pid "$bg_pid" TERM 5 && [ "$status" = 0 ] && ok "hsanalyze: SIGTERM, exit 0" || bad "hsanalyze exit $status"
bg_pid=''
# The last metrics file, written at the end, has the final findings.
grep -q '^hsanalyze_findings{code="PORTS_EXHAUSTED",severity="critical"} 1$' "$work/m.prom" &&
	ok "metrics file at the end: PORTS_EXHAUSTED (critical) 1" ||
	{ bad "no PORTS_EXHAUSTED finding in the metrics file"; grep '^hsanalyze_findings' "$work/m.prom"; }
finish
