#!/bin/sh
# incident_exhaustion.sh - the proxy runs out of ports while hsanalyze
# watches (slow: about 30 s; scripts/test-all.sh runs it with the other
# tests in tests/slow, not `make check`).
#
# In a network namespace of its own with a 1000-port range
# (net.ipv4.ip_local_port_range=40000 40999) and tcp_tw_reuse=0, nginx's
# front proxies to its backend on loopback with HTTP/1.1 and no keep-alive
# pool (servers.sh FRONT_UPSTREAM_CLOSE_FIRST=1): the front closes each
# upstream connection first, one port in TIME-WAIT for 60 s per request.
# hsanalyze -i lo runs while a paced client sends 50 requests/s for 26 s:
# the range is full after 20 s and nginx starts failing with "Cannot
# assign requested address".  hsanalyze must report PORTS_EXHAUSTED
# (critical) with its "at" within 2 s of nginx's first such error, and a
# peak equal to what ss counts in the namespace.  Then the replay: the
# packets it saved with -w (pcapng recording the namespace's port range),
# read back with -r, must give the recorded range (source "capture") and
# the live run's verdicts, connection by connection, and its findings.
# Root, nginx, python3.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=incident_exhaustion
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"
netns_enter "net.ipv4.ip_local_port_range=40000 40999" net.ipv4.tcp_tw_reuse=0 -- "$@"

[ -x /usr/sbin/nginx ] || skip "no /usr/sbin/nginx"
command -v ss >/dev/null 2>&1 || skip "no ss (iproute2)"

work_dir
F=18080 B=18081		# the namespace is ours alone
nginx_dir=$work/nginx
mkdir -p "$nginx_dir"
FRONT_UPSTREAM_CLOSE_FIRST=1 "$live/servers.sh" start "$nginx_dir" "$F" "$B" >"$work/servers.out" 2>&1 ||
    { bad "servers.sh start"; show "$work/servers.out" servers; nginx_dir=''; finish; }

"$H" -i lo --interval 5 --json --all-connections -o "$work/r.json" -w "$work/saved.pcapng" "tcp port $B" 2>"$work/err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/err" || { bad "hsanalyze did not start"; show "$work/err" err; finish; }

# 50 requests/s for 26 s, each on a new connection to the front.
"$PY" - "$F" >"$work/client.out" 2>&1 <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
ok = bad = 0
t0 = time.monotonic()
for i in range(50 * 26):
    delay = t0 + i / 50.0 - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data = b""
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    if data.startswith(b"HTTP/1.1 200"):
        ok += 1
    else:
        bad += 1
print("ok %d failed %d" % (ok, bad))
PYEOF
tw=$(ss -tanH state time-wait "dst 127.0.0.1:$B" | wc -l)
stop_pid "$bg_pid" INT 20 || bad "hsanalyze did not stop on SIGINT"
bg_pid=
[ "$status" = 0 ] || bad "hsanalyze exit $status: $(tail -n 2 "$work/err")"
first=$(grep -m1 'Cannot assign requested address' "$nginx_dir/logs/error.log" | cut -c1-19)
count=$(grep -c 'Cannot assign requested address' "$nginx_dir/logs/error.log")
echo "client: $(cat "$work/client.out"); nginx: $count 'Cannot assign requested address', the first at $first (local time); ss: $tw TIME-WAIT to :$B"
"$PY" - "$work/r.json" "$tw" "$first" >"$work/checks" 2>&1 <<'PYEOF' || bad "checker failed"
import datetime, json, sys, time
r = json.load(open(sys.argv[1]))
tw, first = int(sys.argv[2]), sys.argv[3]
def check(what, ok):
    print(("ok " if ok else "bad ") + what)
def utc(iso):
    return datetime.datetime.strptime(iso[:26].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f").replace(
        tzinfo=datetime.timezone.utc).timestamp()
check("ss counts the whole range: %d TIME-WAIT" % tw, tw == 1000)
g = [x for x in r["time_wait_pressure"]["groups"] if x["holder"] == "client"]
check("one client-holder group (%d)" % len(g), len(g) == 1)
if g:
    check("peak_concurrent %d = ss %d" % (g[0]["peak_concurrent"], tw), g[0]["peak_concurrent"] == tw)
ex = [f for f in r["findings"] if f["code"] == "PORTS_EXHAUSTED"]
check("PORTS_EXHAUSTED, critical: %s" % [(f["code"], f["severity"]) for f in r["findings"]],
      len(ex) == 1 and ex[0]["severity"] == "critical")
if ex and first:
    nginx = time.mktime(time.strptime(first, "%Y/%m/%d %H:%M:%S"))
    at = utc(ex[0]["at"])
    # nginx logs whole seconds: its failure lies in [nginx, nginx + 1)
    check("at %s within 2 s of nginx's first failure %s (local)" % (ex[0]["at"], first),
          nginx - 2 <= at <= nginx + 1 + 2)
others = [f["code"] for f in r["findings"] if f["code"] in ("PORT_EXHAUSTION_RISK", "CLIENT_CLOSES_FIRST")]
check("no contradicting finding beside it: %s" % others, not others)
PYEOF
relay_checks "$work/checks" echo

# The replay of the saved packets.
"$H" -r "$work/saved.pcapng" --json --all-connections -o "$work/replay.json" 2>"$work/replay.err" ||
    bad "hsanalyze -r of the -w file: exit $? $(head -n 2 "$work/replay.err")"
"$PY" - "$work/r.json" "$work/replay.json" >"$work/checks2" 2>&1 <<'PYEOF' || bad "replay checker failed"
import json, sys
live, rep = (json.load(open(f)) for f in sys.argv[1:3])
def check(what, ok):
    print(("ok " if ok else "bad ") + what)
pr = rep["time_wait_pressure"]["port_range"]
check("replay: port range %d-%d, source %s (recorded by -w)" % (pr["low"], pr["high"], pr["source"]),
      (pr["low"], pr["high"], pr["source"]) == (40000, 40999, "capture"))
def verdicts(r):
    return [(c["client"]["port"], c["server"]["port"], c["handshake"]["status"],
             c["close"]["kind"], c["close"]["time_wait"], json.dumps(c["state"]))
            for c in r["connections"]]
lv, rv = verdicts(live), verdicts(rep)
diff = [(a, b) for a, b in zip(lv, rv) if a != b]
check("replay: %d connections, live %d, %d verdicts differ %s" % (len(rv), len(lv), len(diff), diff[:3]),
      len(lv) == len(rv) and len(lv) > 0 and not diff)
codes = lambda r: sorted((f["code"], f["severity"]) for f in r["findings"])
check("replay: findings %s = live %s" % (codes(rep), codes(live)), codes(rep) == codes(live))
PYEOF
relay_checks "$work/checks2" echo
cp "$work/r.json" "${KEEP_REPORT:-/dev/null}" 2>/dev/null
finish
