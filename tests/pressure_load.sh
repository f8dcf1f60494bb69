#!/bin/sh
# pressure_load.sh - TIME_WAIT pressure under real load: nginx on loopback
# proxying to a backend, driven by ab, captured live by hsanalyze -i lo, and
# the report's time_wait_pressure group checked against the kernel's own
# count of TIME-WAIT sockets (ss).
#
#   closefirst  servers.sh with FRONT_UPSTREAM_CLOSE_FIRST=1: HTTP/1.1
#               upstream without a keepalive pool, so nginx closes every
#               upstream connection itself after the response and the
#               TIME-WAIT sockets sit on the proxy's side, on its ephemeral
#               ports.  ab -n N -c 16 makes N upstream connections.  The
#               group holder "client" -> BACK must have exactly as many
#               time_wait_entries as there are connections to BACK in the
#               report and as the kernel has TIME-WAIT sockets whose peer is
#               127.0.0.1:BACK; peak_concurrent the same (the whole run is
#               far shorter than 60 s); port_range_share = peak / size of the
#               real net.ipv4.ip_local_port_range; and the finding the
#               thresholds of doc/json-report.md call for (PORT_EXHAUSTION_RISK
#               high or warning, or CLIENT_CLOSES_FIRST) naming that group.
#   keepalive   FRONT_UPSTREAM_KEEPALIVE=32: the same ab run reuses a few
#               upstream connections; the proxy-side TIME-WAIT count on BACK
#               is small, report and kernel agree exactly, and there is no
#               PORT_EXHAUSTION_RISK finding.
# In both, check_timewait.py --ports BACK compares every connection's
# close.time_wait with the kernel's list.
#
# Needs root, /usr/sbin/nginx, ab (apache2-utils), ss and /usr/bin/python3,
# else it is skipped (exit 77).  About 5 s.  Environment: srcdir, HSANALYZE,
# PYTHON3 (as for the other tests); PRESSURE_REQUESTS (ab -n, default 5000);
# KEEP_DIR=1 keeps the work directory (it is always kept on failure).
#
# It runs in a network namespace of its own (tests/live/netns.sh) with
# net.ipv4.tcp_tw_reuse=0, so that the kernel keeps every TIME-WAIT socket
# for its whole 60 s and nothing else on the machine shares its loopback;
# its TIME-WAIT sockets go with the namespace.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
N=${PRESSURE_REQUESTS:-5000}
CONC=16
POOL=32
test_name=pressure_load
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# tcp_tw_reuse=0: with Linux's default 2 the kernel reuses loopback ports
# still in TIME-WAIT for new connections, so its TIME-WAIT count would be
# lower than the connections that entered TIME-WAIT, which is what the
# report counts (and what this test compares).
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"
netns_enter net.ipv4.tcp_tw_reuse=0 -- "$@"

[ "$(id -u)" = 0 ] || skip "live capture needs root"
[ -x /usr/sbin/nginx ] || skip "no /usr/sbin/nginx"
command -v ab >/dev/null 2>&1 || skip "no ab (apache2-utils)"
command -v ss >/dev/null 2>&1 || skip "no ss (iproute2)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
case $N in ''|*[!0-9]*) echo "PRESSURE_REQUESTS must be a number"; exit 99 ;; esac

# The real ephemeral port range, so the share is measured against it.
# shellcheck disable=SC2046
set -- $(sysctl -n net.ipv4.ip_local_port_range 2>/dev/null)
LO=${1:-} HI=${2:-}
case $LO$HI in ''|*[!0-9]*) skip "cannot read net.ipv4.ip_local_port_range" ;; esac
TW_REUSE=$(sysctl -n net.ipv4.tcp_tw_reuse 2>/dev/null || echo '?')

# shellcheck source=tests/live/ports.sh
. "$live/ports.sh"

# The EXIT trap kills $bg_pid (hsanalyze -i) and stops the nginx of
# $nginx_dir.
work_dir -k /tmp/hsanalyze-pressure.XXXXXX
F='' B=''

# stop_servers: nginx of the current scenario, if running.
stop_servers() {
    [ -n "$nginx_dir" ] || return 0
    "$live/servers.sh" stop "$nginx_dir" "$F" "$B" >>"$work/servers.log" 2>&1 ||
        bad "servers.sh stop $nginx_dir"
    nginx_dir=''
}

# scenario NAME ENV=VALUE: one run; the checks print PASS/FAIL lines.
scenario() {
    name=$1 mode_env=$2
    d=$work/$name
    mkdir "$d" || return 1
    if ! ports=$(pick_ports 2); then
        bad "$name: no free ports in 20000-29999"
        return 1
    fi
    # shellcheck disable=SC2086
    set -- $ports
    F=$1 B=$2
    echo "$name: front $F, backend $B, $mode_env, ab -n $N -c $CONC, port range $LO-$HI, tcp_tw_reuse $TW_REUSE"
    nginx_dir=$d/nginx
    if ! env "$mode_env" "$live/servers.sh" start "$nginx_dir" "$F" "$B" \
            >>"$work/servers.log" 2>&1; then
        bad "$name: servers.sh start"
        show "$work/servers.log" servers
        show "$nginx_dir/logs/error.log" nginx
        stop_servers
        return 1
    fi

    report=$d/report.json
    "$H" -i lo --json --all-connections -o "$report" --port-range "$LO-$HI" "tcp port $B" \
        >"$d/hsanalyze.out" 2>"$d/hsanalyze.err" &
    bg_pid=$!
    if ! wait_listening "$bg_pid" "$d/hsanalyze.err"; then
        bg_pid=''
        bad "$name: hsanalyze -i lo did not start listening within 15 s"
        show "$d/hsanalyze.err" stderr
        stop_servers
        return 1
    fi

    timeout -k 2 30 ab -q -n "$N" -c "$CONC" "http://127.0.0.1:$F/" \
        >"$d/ab.out" 2>"$d/ab.err"
    ab_status=$?
    # The last upstream connections finish their FIN exchange within
    # microseconds on loopback; a short pause, then the kernel's list
    # right away (well inside the 60 s of TIME-WAIT).
    sleep 0.5
    if ! timewait_sockets "$B" >"$d/kernel.timewait"; then
        bad "$name: ss -tanH state time-wait failed"
    fi
    stop_pid "$bg_pid" INT 10
    stopped=$?
    bg_pid=''
    if [ "$stopped" -ne 0 ]; then
        bad "$name: hsanalyze still running 10 s after SIGINT, killed"
        stop_servers
        return 1
    fi
    stop_servers

    done_n=$(sed -n 's/^Complete requests: *//p' "$d/ab.out")
    failed_n=$(sed -n 's/^Failed requests: *//p' "$d/ab.out")
    rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$d/ab.out")
    if [ "$ab_status" -eq 0 ] && [ "${done_n:-x}" = "$N" ] && [ "${failed_n:-x}" = 0 ]; then
        ok "$name: ab: $N requests, 0 failed, $rps requests/s"
    else
        bad "$name: ab exit $ab_status, complete ${done_n:-?} of $N, failed ${failed_n:-?}"
        show "$d/ab.err" ab
    fi
    if [ "$status" -eq 0 ] && [ -s "$report" ]; then
        ok "$name: hsanalyze -i lo stopped by SIGINT, exit 0, report written"
    else
        bad "$name: hsanalyze exit $status after SIGINT, report ${report}: $( [ -s "$report" ] && echo present || echo missing)"
        show "$d/hsanalyze.err" stderr
        return 1
    fi
    awk -v b="$B" '$4 == b' "$d/kernel.timewait" >"$d/kernel.proxy"
    awk -v b="$B" '$2 == b' "$d/kernel.timewait" >"$d/kernel.backend"
    echo "$name: kernel TIME-WAIT sockets: $(wc -l <"$d/kernel.proxy") on the proxy side (peer 127.0.0.1:$B), $(wc -l <"$d/kernel.backend") on the backend side (local port $B)"

    # The figures, in Python; each line it prints is "ok TEXT" or "bad TEXT".
    "$PY" - "$name" "$report" "$d/kernel.proxy" "$B" "$LO" "$HI" "$N" "$POOL" "$TW_REUSE" \
        >"$d/checks" 2>&1 <<'PYEOF'
import datetime, json, sys
name, report, kernel_file = sys.argv[1:4]
B, LO, HI, N, POOL = (int(x) for x in sys.argv[4:9])
tw_reuse = sys.argv[9]
out = []
def ok(t): out.append("ok " + t)
def bad(t): out.append("bad " + t)
def close(a, b, rel=1e-9):
    return a is not None and b is not None and abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)
def ts(s):
    # "2026-11-22T03:18:21.839724432Z": nanoseconds as an integer
    head, frac = s.rstrip("Z").split(".")
    t = datetime.datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return int(t.timestamp()) * 10**9 + int(frac.ljust(9, "0"))

try:
    r = json.load(open(report))
except ValueError as e:
    print("bad %s: the report is not JSON: %s" % (name, e)); sys.exit(0)
kernel = len([l for l in open(kernel_file) if l.strip()])
drops = r["capture"]["drops"]
if drops and drops.get("kernel") == 0:
    ok("%s: no packets dropped by the kernel (drops %s)" % (name, json.dumps(drops)))
else:
    bad("%s: capture.drops %s: the kernel dropped packets, the counts below cannot be trusted" % (name, drops))

conns = [c for c in r["connections"] if c["server"]["port"] == B]
complete = [c for c in conns if c["handshake"]["status"] == "complete"]
twp = r["time_wait_pressure"]
pr = twp["port_range"]
size = HI - LO + 1
tw_s = twp["time_wait_seconds"]
if (pr["low"], pr["high"], pr["size"], tw_s) == (LO, HI, size, 60):
    ok("%s: port_range %d-%d (size %d) from --port-range, time_wait_seconds 60" % (name, LO, HI, size))
else:
    bad("%s: port_range %s, time_wait_seconds %s; want %d-%d size %d, 60" % (name, pr, tw_s, LO, HI, size))
groups = twp["groups"]
gi = [i for i, g in enumerate(groups) if g["holder"] == "client" and g["server_port"] == B
      and g["client_ip"] == "127.0.0.1" and g["server_ip"] == "127.0.0.1"]
g = groups[gi[0]] if gi else None
findings = r["findings"]

if name == "closefirst":
    if len(conns) == N and len(complete) == N:
        ok("%s: %d connections to %d in the report, all with a complete handshake (one per request)" % (name, N, B))
    else:
        bad("%s: %d connections to %d (%d complete), want %d: one upstream connection per request" % (name, len(conns), B, len(complete), N))
    tw_client = sum(c["close"]["time_wait"] == "client" for c in conns)
    if g is None:
        bad("%s: no time_wait_pressure group holder client -> 127.0.0.1:%d; groups: %s" % (name, B, groups))
        print("\n".join(out)); sys.exit(0)
    e, pk = g["time_wait_entries"], g["peak_concurrent"]
    if g["connections"] == len(conns) and e == len(conns) == kernel and tw_client == e:
        ok("%s: group client -> %d: time_wait_entries %d = connections in the report %d = kernel TIME-WAIT sockets on the proxy side %d" % (name, B, e, len(conns), kernel))
    else:
        bad("%s: group client -> %d: connections %d, time_wait_entries %d; connections to %d in the report %d (time_wait client: %d); kernel proxy-side TIME-WAIT %d; all must be equal" % (name, B, g["connections"], e, B, len(conns), tw_client, kernel))
    if pk == e == kernel:
        ok("%s: peak_concurrent %d = entries = kernel count (all within %d s, none expired)" % (name, pk, tw_s))
    else:
        bad("%s: peak_concurrent %d, want %d (= entries = kernel count; the run is much shorter than %d s)" % (name, pk, kernel, tw_s))
    ru = g["reuse_in_time_wait"]
    if ru["count"] == 0:
        ok("%s: no 4-tuple reused inside TIME-WAIT" % name)
    else:
        bad("%s: reuse_in_time_wait %s: the kernel gave a port still in TIME-WAIT to a new connection to %d (net.ipv4.tcp_tw_reuse is %s; 2 allows it on loopback once the TIME-WAIT is 1 s old): then entries, peak and the kernel's list no longer match one to one" % (name, ru, B, tw_reuse))
    share = g["port_range_share"]
    if close(share, pk / size):
        ok("%s: port_range_share %.6f = peak %d / %d" % (name, share, pk, size))
    else:
        bad("%s: port_range_share %s, want peak/size = %d/%d = %.6f" % (name, share, pk, size, pk / size))
    # The rate of the proxy's own TIME-WAIT entries: (n - 1) over the span
    # of their starts.  Each starts at the later FIN, which the report's
    # last packet of the connection (the final ACK) follows by microseconds.
    lasts = sorted(ts(c["last_packet"]) for c in conns)
    span = (lasts[-1] - lasts[0]) / 1e9 if len(lasts) > 1 else 0.0
    rate = (len(lasts) - 1) / span if span > 0 else None
    if close(g["time_wait_rate_per_s"], rate, 0.01 * rate):
        ok("%s: time_wait_rate_per_s %.1f = (%d - 1) / %.6f s between the first and last close (within 1%%)" % (name, g["time_wait_rate_per_s"], len(lasts), span))
    else:
        bad("%s: time_wait_rate_per_s %s, want %s ((n - 1) / %.6f s)" % (name, g["time_wait_rate_per_s"], rate, span))
    rate = g["time_wait_rate_per_s"]
    exh = size / tw_s
    sustained = rate is not None and rate > exh and span >= 1.0
    if not close(g["exhaustion_rate_per_s"], exh):
        bad("%s: exhaustion_rate_per_s %s, want size / %d s = %.3f" % (name, g["exhaustion_rate_per_s"], tw_s, exh))
    tte = g["time_to_exhaustion_s"]
    # From the ports still free at the end: none has expired yet.
    if (tte is None) == (not sustained) and (tte is None or close(tte, (size - g["active_at_end"]) / rate, 1e-6)):
        ok("%s: exhaustion_rate_per_s %.1f; time_to_exhaustion_s %s (rate %.1f/s over %.3f s of SYNs: %s)" % (
            name, exh, "null" if tte is None else "%.3f" % tte, rate, span, "sustained above the limit" if sustained else
            "not projected: below the limit or under 1 s of SYNs"))
    else:
        bad("%s: time_to_exhaustion_s %s; want %s (rate %.1f/s, limit %.1f/s, %.3f s of SYNs)" % (
            name, tte, "(size - active_at_end)/rate = %.3f" % ((size - g["active_at_end"]) / rate) if sustained else "null", rate, exh, span))
    # The finding the thresholds of doc/json-report.md call for.
    if share >= 0.5 or sustained:
        want = ("PORT_EXHAUSTION_RISK", "high")
    elif share >= 0.1:
        want = ("PORT_EXHAUSTION_RISK", "warning")
    elif e * 2 > g["connections"]:
        want = ("CLIENT_CLOSES_FIRST", "info")
    else:
        want = None
    mine = [f for f in findings if gi[0] in f["groups"] and f["code"] in ("PORT_EXHAUSTION_RISK", "CLIENT_CLOSES_FIRST")]
    got = [(f["code"], f["severity"]) for f in mine]
    if want and got == [want]:
        f = mine[0]
        nums = f["numbers"]
        if nums.get("peak_concurrent") == pk and close(nums.get("port_range_share"), share):
            ok("%s: finding %s (%s) for group %d, as the thresholds say for share %.1f%%%s: %s" % (
                name, want[0], want[1], gi[0], share * 100, ", sustained rate above the limit" if sustained else "", f["message"]))
        else:
            bad("%s: finding %s numbers %s disagree with the group (peak %d, share %s)" % (name, want[0], nums, pk, share))
    else:
        bad("%s: findings for group %d: %s; want exactly %s (share %.4f, rate %s, span %.3f s)" % (name, gi[0], got, want, share, rate, span))
else:
    e = g["time_wait_entries"] if g else 0
    pk = g["peak_concurrent"] if g else 0
    if e == kernel and e <= POOL and e * 100 <= N:
        ok("%s: proxy-side TIME-WAIT on %d: report %d (%s) = kernel %d, small (<= pool %d, <= 1%% of %d requests)" % (
            name, B, e, "group %d, peak %d" % (gi[0], pk) if g else "no client-holder group", kernel, POOL, N))
    else:
        bad("%s: proxy-side TIME-WAIT on %d: report %d, kernel %d; want equal and <= %d" % (name, B, e, kernel, POOL))
    if len(conns) <= 2 * POOL:
        ok("%s: %d upstream connections for %d requests (keep-alive pool %d)" % (name, len(conns), N, POOL))
    else:
        bad("%s: %d upstream connections for %d requests, want at most %d with a pool of %d" % (name, len(conns), N, 2 * POOL, POOL))
    risk = [f for f in findings if f["code"] == "PORT_EXHAUSTION_RISK"]
    if not risk:
        ok("%s: no PORT_EXHAUSTION_RISK finding (findings: %s)" % (name, [f["code"] for f in findings] or "none"))
    else:
        bad("%s: PORT_EXHAUSTION_RISK with keep-alive: %s" % (name, [f["message"] for f in risk]))
print("\n".join(out))
PYEOF
    relay_checks "$d/checks" bad "$name: checker: "

    # Every connection's close.time_wait against the kernel's list.
    if "$PY" "$live/check_timewait.py" --ports "$B" "$report" "$d/kernel.timewait" \
            >"$d/check_timewait" 2>&1; then
        ok "$name: check_timewait.py --ports $B: $(cat "$d/check_timewait")"
    else
        bad "$name: check_timewait.py --ports $B disagrees with the kernel"
        head -n 10 "$d/check_timewait" | sed 's/^/    /'
    fi
}

t0=$(date +%s)
scenario closefirst FRONT_UPSTREAM_CLOSE_FIRST=1
scenario keepalive FRONT_UPSTREAM_KEEPALIVE=$POOL
echo "pressure_load: took $(($(date +%s) - t0)) s"
finish
