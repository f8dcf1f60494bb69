#!/bin/sh
# make-time-wait-captures.sh [OUTDIR]
#
# Makes the two captures of doc/time-wait.md: nginx in front of a backend on
# loopback (tests/live/servers.sh), the same paced client traffic twice,
# tcpdump on the backend port only.
#
#   OUTDIR/walkthrough_no_keepalive.pcap
#       FRONT_UPSTREAM_CLOSE_FIRST=1: the front speaks HTTP/1.1 upstream but
#       has no keepalive pool, so it closes every upstream connection itself
#       once the response is in: one upstream connection per request, and
#       the front (the connecting side) holds each one in TIME-WAIT.
#   OUTDIR/walkthrough_keepalive.pcap
#       FRONT_UPSTREAM_KEEPALIVE=32: the front keeps its upstream
#       connections in a pool and reuses them.  After the requests the
#       capture goes on for KEEPALIVE_IDLE seconds (default 32) so that the
#       backend's keepalive_timeout (30 s, servers.sh) closes the idle
#       upstream connection: that close is in the capture too.
#
# The client: REQUESTS (default 400) HTTP/1.0 requests to the front, one at a
# time, each on a new connection, started RATE (default 300) per second, so
# the upstream SYNs span more than 1 s (what hsanalyze needs before it
# projects a rate).  Every socket has a 5 s timeout, the loop a fixed bound.
#
# tcpdump -i lo -s 128 (headers only, enough for hsanalyze) keeps each file
# under about 400 KB: about 960 bytes per upstream connection without
# keep-alive.  The capture is stopped before nginx, so stopping nginx is not
# in it.  Fails when tcpdump reports dropped packets, when a request fails, or
# when a file is larger than MAX_BYTES (default 409600).
#
# Needs root (tcpdump on lo, nginx `user root`), /usr/sbin/nginx, tcpdump, ss
# and /usr/bin/python3.  Prints the ports, date, nginx and tcpdump versions
# and file sizes; doc/time-wait.md quotes them.  The files are written to a
# work directory and copied to OUTDIR only when both are made.  KEEP_DIR=1
# keeps the work directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
live=$top/tests/live
outdir=${1:-$top/tests/pcaps}
REQUESTS=${REQUESTS:-400}
RATE=${RATE:-300}
KEEPALIVE_IDLE=${KEEPALIVE_IDLE:-32}
MAX_BYTES=${MAX_BYTES:-409600}

[ "$(id -u)" = 0 ] || { echo "$0: needs root (tcpdump on lo)" >&2; exit 1; }
for t in /usr/sbin/nginx /usr/bin/python3; do
    [ -x "$t" ] || { echo "$0: no $t" >&2; exit 1; }
done
for t in tcpdump ss; do
    command -v "$t" >/dev/null 2>&1 || { echo "$0: no $t" >&2; exit 1; }
done
[ -d "$outdir" ] || { echo "$0: no directory $outdir" >&2; exit 1; }
outdir=$(cd "$outdir" && pwd)

# shellcheck source=tests/live/ports.sh
. "$live/ports.sh"
# wait_listening, stop_pid (testlib.sh)
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"

work=$(mktemp -d /tmp/hsanalyze-walkthrough.XXXXXX) || exit 1
tcpdump_pid='' nginx_dir='' F='' B='' ok=0

# shellcheck disable=SC2317  # called from the traps
cleanup() {
    trap - EXIT INT TERM HUP
    stop_tcpdump
    stop_servers
    if [ "$ok" -eq 1 ] && [ "${KEEP_DIR:-0}" != 1 ]; then
        rm -rf "$work"
    else
        [ "$ok" -eq 1 ] || echo "$0: FAILED; nothing written to $outdir" >&2
        echo "$0: work directory kept: $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

stop_tcpdump() {
    [ -n "$tcpdump_pid" ] || return 0
    stop_pid "$tcpdump_pid" INT 5
    tcpdump_pid=''
}

stop_servers() {
    [ -n "$nginx_dir" ] || return 0
    "$live/servers.sh" stop "$nginx_dir" "$F" "$B" || echo "$0: servers.sh stop failed" >&2
    nginx_dir=''
}

# capture NAME ENV=VALUE IDLE_SECONDS
capture() {
    name=$1 mode_env=$2 idle=$3
    pcap=$work/walkthrough_$name.pcap     # moved to OUTDIR when both are made
    ports=$(pick_ports 2) || { echo "$0: no free ports" >&2; return 1; }
    # shellcheck disable=SC2086
    set -- $ports
    F=$1 B=$2
    nginx_dir=$work/$name/nginx
    mkdir -p "$work/$name" || return 1
    env "$mode_env" "$live/servers.sh" start "$nginx_dir" "$F" "$B" || return 1

    tcpdump -i lo -s 128 -U --immediate-mode -B 16384 -Z root -w "$pcap" \
        "tcp port $B" 2>"$work/$name/tcpdump.err" &
    tcpdump_pid=$!
    if ! wait_listening "$tcpdump_pid" "$work/$name/tcpdump.err"; then
        tcpdump_pid=''
        echo "$0: tcpdump did not start" >&2
        sed 's/^/  tcpdump: /' "$work/$name/tcpdump.err" >&2
        return 1
    fi

    timeout -k 2 60 /usr/bin/python3 - "$F" "$REQUESTS" "$RATE" <<'PY' || return 1
import socket, sys, time
port, n, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
t0 = time.monotonic()
for i in range(n):
    delay = t0 + i / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.settimeout(5)
    s.sendall(b"GET / HTTP/1.0\r\nHost: walkthrough\r\nUser-Agent: make-time-wait-captures\r\n\r\n")
    data = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        data += d
    s.close()
    if not data.startswith(b"HTTP/1.1 200 "):
        sys.exit("request %d: %r" % (i + 1, data[:40]))
print("client: %d requests in %.3f s" % (n, time.monotonic() - t0))
PY
    # Let the last FIN exchange finish (keep-alive: and the backend's
    # keepalive_timeout close the idle connection).
    sleep "$idle"
    stop_tcpdump
    stop_servers
    sed "s/^/  /" "$work/$name/tcpdump.err"
    dropped=$(sed -n 's/^\([0-9][0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/$name/tcpdump.err")
    if [ "${dropped:-x}" != 0 ]; then
        echo "$0: tcpdump dropped packets (${dropped:-unknown})" >&2
        return 1
    fi
    bytes=$(wc -c <"$pcap")
    echo "$name: ports front $F, backend $B; walkthrough_$name.pcap: $bytes bytes"
    if [ "$bytes" -gt "$MAX_BYTES" ]; then
        echo "$0: $pcap is $bytes bytes, more than $MAX_BYTES: lower REQUESTS" >&2
        return 1
    fi
    return 0
}

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(/usr/sbin/nginx -v 2>&1); $(tcpdump --version 2>&1 | head -n 1); Linux $(uname -r); $(nproc) CPUs"
echo "requests: $REQUESTS at $RATE/s, HTTP/1.0 to the front, one connection each"
capture no_keepalive FRONT_UPSTREAM_CLOSE_FIRST=1 1 || exit 1
capture keepalive FRONT_UPSTREAM_KEEPALIVE=32 "$KEEPALIVE_IDLE" || exit 1
for name in no_keepalive keepalive; do
    cp "$work/walkthrough_$name.pcap" "$outdir/walkthrough_$name.pcap.tmp" &&
        mv "$outdir/walkthrough_$name.pcap.tmp" "$outdir/walkthrough_$name.pcap" || exit 1
    echo "-> $outdir/walkthrough_$name.pcap"
done
ok=1
exit 0
