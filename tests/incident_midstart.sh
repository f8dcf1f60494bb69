#!/bin/sh
# incident_midstart.sh - hsanalyze started after the ports are already gone.
#
# In a network namespace of its own with a 1000-port range
# (net.ipv4.ip_local_port_range=40000 40999) and tcp_tw_reuse=0, nginx's
# front proxies to its backend on loopback with HTTP/1.1 and no keep-alive
# pool (servers.sh FRONT_UPSTREAM_CLOSE_FIRST=1): the front closes each
# upstream connection first and keeps one port in TIME-WAIT per request.
# 1200 requests fill the range; nginx logs "Cannot assign requested
# address" and answers 502.  Only then is hsanalyze -i lo started: it sees
# no SYN to the backend (a full range sends none), yet from the kernel's
# socket table it must say at once that the range is full, on its first
# status line, and report PORTS_EXHAUSTED with the kernel's count, which
# must equal what ss counts in the namespace.  About 5 s; root, nginx, ab.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=incident_midstart
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"
netns_enter "net.ipv4.ip_local_port_range=40000 40999" net.ipv4.tcp_tw_reuse=0 -- "$@"

[ -x /usr/sbin/nginx ] || skip "no /usr/sbin/nginx"
command -v ab >/dev/null 2>&1 || skip "no ab (apache2-utils)"
command -v ss >/dev/null 2>&1 || skip "no ss (iproute2)"

work_dir
# The namespace is ours alone: fixed ports cannot collide.
F=18080 B=18081
nginx_dir=$work/nginx
mkdir -p "$nginx_dir"
FRONT_UPSTREAM_CLOSE_FIRST=1 "$live/servers.sh" start "$nginx_dir" "$F" "$B" >"$work/servers.out" 2>&1 ||
    { bad "servers.sh start"; show "$work/servers.out" servers; nginx_dir=''; finish; }

ab -q -n 1200 -c 4 "http://127.0.0.1:$F/" >"$work/ab.out" 2>&1
failed=$(awk '/^Non-2xx responses:/ {print $3}' "$work/ab.out")
eaddr=$(grep -c 'Cannot assign requested address' "$nginx_dir/logs/error.log")
tw=$(ss -tanH state time-wait "dst 127.0.0.1:$B" | wc -l)
if [ "$tw" = 1000 ] && [ "${eaddr:-0}" -gt 0 ] && [ "${failed:-0}" -gt 0 ]; then
    ok "before hsanalyze: ss counts $tw TIME-WAIT sockets to 127.0.0.1:$B (the whole range), nginx logged $eaddr 'Cannot assign requested address', ab saw $failed non-2xx"
else
    bad "could not fill the range: ss $tw TIME-WAIT to :$B, nginx errors ${eaddr:-0}, ab non-2xx ${failed:-0}"
    show "$work/ab.out" ab
    finish
fi

"$H" -i lo --interval 1 --duration 2.5 --json --all-connections -o "$work/r.json" "tcp port $B" 2>"$work/err"
rc=$?
first=$(grep -m1 ' packets ' "$work/err")
case $first in
*"kernel TIME_WAIT "*"(1000 to one destination, 100.0% of 40000-40999: range full)"*)
    ok "first status line: range full, from the kernel's table" ;;
*) bad "first status line does not say the range is full: $first" ;;
esac
[ "$rc" = 0 ] || bad "hsanalyze exit $rc: $(tail -n 2 "$work/err")"
after=$(ss -tanH state time-wait "dst 127.0.0.1:$B" | wc -l)
"$PY" - "$work/r.json" "$tw" "$after" >"$work/checks" 2>&1 <<'PYEOF' || bad "checker failed"
import json, sys
r = json.load(open(sys.argv[1]))
before, after = int(sys.argv[2]), int(sys.argv[3])
def check(what, ok):
    print(("ok " if ok else "bad ") + what)
k = r["kernel"]
check("kernel section: available, port range 40000-40999, tcp_tw_reuse 0 (%s)" % {x: k.get(x) for x in ("available", "ip_local_port_range", "tcp_tw_reuse")},
      k["available"] and k["ip_local_port_range"] == {"low": 40000, "high": 40999} and k["tcp_tw_reuse"] == 0)
check("kernel.at_start.busiest_destination %s = ss before %d" % (k["at_start"]["busiest_destination"], before),
      k["at_start"]["busiest_destination"] == before)
pr = r["time_wait_pressure"]["port_range"]
check("port range %s from the machine" % pr, (pr["low"], pr["high"], pr["source"]) == (40000, 40999, "machine"))
ex = [f for f in r["findings"] if f["code"] == "PORTS_EXHAUSTED"]
check("one PORTS_EXHAUSTED finding, critical (%s)" % [(f["code"], f["severity"]) for f in r["findings"]],
      len(ex) == 1 and ex[0]["severity"] == "critical")
if ex:
    n = ex[0]["numbers"]
    check("kernel_entries_at_start %s = ss before %d; kernel_time_wait %s between ss after %d and before"
          % (n.get("kernel_entries_at_start"), before, n.get("kernel_time_wait"), after),
          n.get("kernel_entries_at_start") == before and after <= n.get("kernel_time_wait", -1) <= before)
    check("finding has its time: %s" % ex[0].get("at"), bool(ex[0].get("at")))
PYEOF
relay_checks "$work/checks" echo
finish
