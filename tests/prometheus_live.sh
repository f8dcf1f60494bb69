#!/bin/sh
# prometheus_live.sh - Debian's Prometheus scraping hsanalyze -i lo, and
# node_exporter reading its --metrics-file, in a network namespace of the
# test's own, with real traffic (ab through an nginx proxy).
#
# Prometheus scrapes every second: hsanalyze's /metrics (job hsanalyze) and
# node_exporter's textfile collector (job node), and loads the example
# alerting rules.  Once the traffic's connections are closed, the test reads
# the ground truth (ss: TIME-WAIT sockets on the test's ports; nginx's
# access log: requests on the front and on the backend, each its own
# connection), then asks Prometheus's HTTP API, until all hold or for 30 s,
# and checks, for both jobs:
#   - hsanalyze_handshakes_completed_total = the connections made (ss's
#     TIME-WAIT sockets: each connection leaves one; at least the requests
#     nginx logged; and the ticker's, which keeps the capture clock going);
#   - hsanalyze_time_wait_sockets and hsanalyze_time_wait_entered_total, by
#     holder side = ss's TIME-WAIT sockets on the server's ports and on the
#     clients' (HTTP/1.0 through nginx: mostly the servers close first);
#   - the samples are at most one scrape interval old;
# and that the 4 alerting rules are loaded and healthy, and that no alert
# fires on this healthy traffic.  Needs root, nginx, ab, prometheus and
# prometheus-node-exporter; else skipped (77).  About 12 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=prometheus_live
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter -- "$@"
for t in prometheus prometheus-node-exporter ab curl; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t (scripts/setup-debian.sh installs it)"
done
[ -x /usr/sbin/nginx ] || skip "no /usr/sbin/nginx"
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-prometheus.XXXXXX

# The namespace is the test's own: fixed ports cannot collide.
F=8080 B=8081 K=8082 M=9813 P=9090 N=9100
REQUESTS=300
SCRAPE=1

nginx_dir=$work/nginx
"$live/servers.sh" start "$nginx_dir" $F $B >"$work/servers.log" 2>&1 ||
	{ bad "servers.sh start"; show "$work/servers.log" servers; finish; }

mkdir "$work/textfile" "$work/tsdb"
"$H" -i lo --metrics-listen $M --metrics-file "$work/textfile/hsanalyze.prom" \
    --interval 0.5 "tcp port $F or tcp port $B or tcp port $K" >"$work/h.out" 2>"$work/h.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/h.err" || { bad "hsanalyze did not start"; show "$work/h.err" stderr; finish; }

prometheus-node-exporter --web.listen-address=127.0.0.1:$N \
    --collector.disable-defaults --collector.textfile \
    --collector.textfile.directory="$work/textfile" >"$work/node.log" 2>&1 &
node_pid=$!
cp "$srcdir/doc/hsanalyze.rules.yml" "$work/rules.yml"
cat >"$work/prometheus.yml" <<EOF_CONF
global:
  scrape_interval: ${SCRAPE}s
  evaluation_interval: ${SCRAPE}s
rule_files: [ "$work/rules.yml" ]
scrape_configs:
  - job_name: hsanalyze
    static_configs: [ { targets: [ "127.0.0.1:$M" ] } ]
  - job_name: node
    static_configs: [ { targets: [ "127.0.0.1:$N" ] } ]
EOF_CONF
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
    --web.listen-address=127.0.0.1:$P >"$work/prometheus.log" 2>&1 &
prom_pid=$!
ticker_pid=''
trap 'kill $prom_pid $node_pid $ticker_pid 2>/dev/null; wait $prom_pid $node_pid 2>/dev/null; _tl_cleanup' EXIT

# api PATH: Prometheus's answer, or empty.
api() { curl -s -m 5 "http://127.0.0.1:$P$1"; }
# Both targets up (at most 20 s).
i=0
while [ $i -lt 80 ]; do
	[ "$(api '/api/v1/query?query=sum(up)' | "$PY" -c 'import json,sys
try: print(json.load(sys.stdin)["data"]["result"][0]["value"][1])
except Exception: print(0)')" = 2 ] && break
	sleep 0.25
	i=$((i + 1))
done
[ $i -lt 80 ] && ok "Prometheus scrapes hsanalyze and node_exporter (up = 1 for both)" ||
	{ bad "targets not up"; show "$work/prometheus.log" prometheus; }

ab -q -n $REQUESTS -c 4 "http://127.0.0.1:$F/" >"$work/ab.log" 2>&1 ||
	{ bad "ab failed"; show "$work/ab.log" ab; }
# hsanalyze runs on the capture's clock: a connection is reported, and its
# TIME-WAIT counted in the gauge, once packets show that its linger time
# (4 s) has passed.  A ticker (one connection of its own, open to the end,
# a byte every 100 ms) keeps that clock going after ab is done.
"$PY" - $K 30 >"$work/ticker.log" 2>&1 <<'EOF_PY' &
import socket, sys, threading, time
K, secs = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", K))
srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(100):
        pass
threading.Thread(target=sink, daemon=True).start()
c = socket.create_connection(("127.0.0.1", K))
end = time.time() + secs
while time.time() < end:
    c.send(b".")
    time.sleep(0.1)
EOF_PY
ticker_pid=$!
# The ground truth once the traffic's connections are all closed: no socket
# on the front's or the backend's port but the listeners and TIME-WAITs (at
# most 10 s).
i=0
while [ $i -lt 50 ] && ss -tanH "( sport = :$F or sport = :$B or dport = :$F or dport = :$B )" |
    grep -qv '^\(LISTEN\|TIME-WAIT\) '; do
	sleep 0.2
	i=$((i + 1))
done
# A TIME-WAIT socket on the server's port is the server's; on the other
# end, the client's.
tw_server=$(ss -tanH state time-wait "( sport = :$F or sport = :$B )" | wc -l)
tw_client=$(ss -tanH state time-wait "( dport = :$F or dport = :$B )" | wc -l)
front=$(grep -c '' "$nginx_dir/logs/access.log" 2>/dev/null || echo 0)
echo "ground truth: TIME-WAIT server side $tw_server, client side $tw_client; requests in nginx's log $front"

# The checks, asked of Prometheus again every half second until they all
# hold (a connection is counted once its linger has passed on the capture's
# clock, then scraped) or for at most 30 s: the last answers count.
cat >"$work/check.py" <<'EOF_PY'
import json, sys, time, urllib.parse, urllib.request
port = sys.argv[1]
tw_server, tw_client, logged, requests = (int(x) for x in sys.argv[2:6])
scrape = float(sys.argv[6])

def query(q):
    url = "http://127.0.0.1:%s/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    r = json.load(urllib.request.urlopen(url, timeout=5))
    res = r["data"]["result"]
    return float(res[0]["value"][1]) if len(res) == 1 else None

def say(good, text):
    print(("ok " if good else "bad ") + text)

# Every request to the front is one connection to it and one from nginx to
# the backend (no upstream keep-alive); ab may open a few more connections
# than requests and close them itself.  Each connection, closed with FINs,
# leaves exactly one TIME-WAIT socket: ss's count is the number made.
tw = tw_server + tw_client
made = tw + 1      # and the ticker's, still open
say(logged == 2 * requests, "nginx logged %d requests (front and backend: %d)" % (logged, 2 * requests))
say(tw >= logged, "ss: %d TIME-WAIT sockets for %d logged requests" % (tw, logged))
for job in ("hsanalyze", "node"):
    sel = '{job="%s"}' % job
    hs = query("hsanalyze_handshakes_completed_total" + sel)
    say(hs == made, "%s: hsanalyze_handshakes_completed_total %s = %d connections (ss's TIME-WAIT and the ticker)" % (job, hs, made))
    for holder, want in (("server", tw_server), ("client", tw_client)):
        now = query('hsanalyze_time_wait_sockets{job="%s",holder="%s"}' % (job, holder))
        say(now == want, "%s: hsanalyze_time_wait_sockets, %s side: %s = ss's %d" % (job, holder, now, want))
        got = query('hsanalyze_time_wait_entered_total{job="%s",holder="%s"}' % (job, holder))
        say(got == want, "%s: TIME-WAIT entered, %s side: %s = ss's %d" % (job, holder, got, want))
    # How old is the newest sample?  At most one scrape interval.
    ts = query("timestamp(hsanalyze_handshakes_completed_total%s)" % sel)
    age = time.time() - ts if ts else 1e9
    say(age <= scrape + 0.5, "%s: the newest sample is %.2f s old (scrape interval %g s)" % (job, age, scrape))

r = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/rules" % port, timeout=5))
rules = [x for g in r["data"]["groups"] for x in g["rules"]]
say(len(rules) == 4 and all(x["health"] == "ok" for x in rules),
    "4 alerting rules loaded, all healthy: %s" % ", ".join(x["name"] for x in rules))
a = json.load(urllib.request.urlopen("http://127.0.0.1:%s/api/v1/alerts" % port, timeout=5))
say(a["data"]["alerts"] == [], "no alert on healthy traffic (%d)" % len(a["data"]["alerts"]))
EOF_PY
i=0
while :; do
	"$PY" "$work/check.py" "$P" "$tw_server" "$tw_client" "$front" "$REQUESTS" "$SCRAPE" >"$work/checks" 2>"$work/py.err"
	{ [ -s "$work/checks" ] && ! [ -s "$work/py.err" ] && ! grep -q '^bad ' "$work/checks"; } && break
	[ $i -lt 60 ] || break
	sleep 0.5
	i=$((i + 1))
done
relay_checks "$work/checks" echo
show "$work/py.err" python
stop_pid "$bg_pid" TERM 5 && [ "$status" = 0 ] && ok "hsanalyze: SIGTERM, exit 0" || bad "hsanalyze exit $status"
bg_pid=''
finish
