#!/bin/sh
# make_real_capture.sh OUT_PREFIX
#
# Captures real nginx traffic on loopback and records the kernel's view of
# TIME-WAIT next to it:
#   OUT_PREFIX.pcap      tcpdump -i lo -s 262144 of the test ports
#   OUT_PREFIX.timewait  one line per TIME-WAIT socket on those ports, taken
#                        with `ss -tanH state time-wait` ~1 s after the
#                        traffic: LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT
#
# Picks three random free ports in 20000-29999 (front, backend, the
# simultaneous-close pair) that no socket, TIME-WAIT included, uses, so
# leftovers of earlier runs cannot mix in.  Starts tcpdump, servers.sh and
# traffic.py; tcpdump and nginx are stopped on every exit path.
#
# Environment: BIG_BYTES (size of the backend's /big, default 24000 here to
# keep the capture small), TRAFFIC_ARGS (extra traffic.py options), KEEP_DIR=1
# (keep the nginx work directory), TCPDUMP_BUFFER_KB (tcpdump -B, default
# 65536: in immediate mode each ring slot is sized for the 256 KiB snaplen, so
# the default 2 MiB buffer holds only a few packets and drops bursts).
# Needs root (tcpdump on lo).
set -u

here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 1 ] || { echo "usage: $0 OUT_PREFIX" >&2; exit 2; }
out=$1
pcap=$out.pcap
twfile=$out.timewait
: "${BIG_BYTES:=24000}"
: "${TRAFFIC_ARGS:=}"
export BIG_BYTES

work=$(mktemp -d /tmp/hsanalyze-live.XXXXXX) || exit 1
tcpdump_pid=
front='' back='' sim=''
ok=0

# shellcheck disable=SC2317  # called from the EXIT trap
cleanup() {
    trap - EXIT INT TERM HUP
    if [ -n "$tcpdump_pid" ]; then
        stop_pid "$tcpdump_pid" INT 5
    fi
    if [ -n "$front" ]; then
        "$here/servers.sh" stop "$work/nginx" "$front" "$back" || true
    fi
    if [ "$ok" -eq 1 ]; then
        if [ "${KEEP_DIR:-0}" = 1 ]; then
            echo "work directory kept: $work" >&2
        else
            rm -rf "$work"
        fi
    else
        rm -f "$pcap" "$twfile"
        echo "$0: FAILED; logs in $work" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# port_unused, pick_port: free ports, TIME-WAIT included; timewait_sockets:
# the kernel's TIME-WAIT list on some ports (ports.sh).  wait_listening,
# stop_pid: tcpdump in the background (testlib.sh).
# shellcheck source=tests/live/ports.sh
. "$here/ports.sh"
# shellcheck source=tests/live/testlib.sh
. "$here/testlib.sh"

if ! { front=$(pick_port) && back=$(pick_port "$front") &&
       sim=$(pick_port "$front" "$back"); }; then
    front=''
    echo "$0: no free ports" >&2
    exit 1
fi
echo "ports: front $front, backend $back, simultaneous-close $sim" >&2

# Capture.  --immediate-mode: without it packets wait in the kernel ring
# buffer and the last ones are lost when tcpdump is stopped.
tcpdump -i lo -s 262144 -U --immediate-mode -B "${TCPDUMP_BUFFER_KB:-65536}" -Z root -w "$pcap" \
    "tcp port $front or tcp port $back or tcp port $sim" \
    2>"$work/tcpdump.err" &
tcpdump_pid=$!
if ! wait_listening "$tcpdump_pid" "$work/tcpdump.err"; then
    tcpdump_pid=
    echo "$0: tcpdump did not start" >&2
    sed 's/^/  tcpdump: /' "$work/tcpdump.err" >&2
    exit 1
fi

"$here/servers.sh" start "$work/nginx" "$front" "$back" || exit 1

# shellcheck disable=SC2086
/usr/bin/python3 "$here/traffic.py" $TRAFFIC_ARGS "$front" "$back" "$sim" || exit 1

sleep 1
# TIME-WAIT sockets on the test ports, as the kernel sees them right now.
timewait_sockets "$front" "$back" "$sim" > "$twfile" || exit 1

kill -INT "$tcpdump_pid"
wait "$tcpdump_pid"
tcpdump_pid=
sed 's/^/tcpdump: /' "$work/tcpdump.err" >&2
dropped=$(sed -n 's/^\([0-9][0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/tcpdump.err")
if [ "${dropped:-x}" != 0 ]; then
    echo "$0: tcpdump dropped packets (${dropped:-unknown}); raise TCPDUMP_BUFFER_KB" >&2
    exit 1
fi

echo "$(wc -l < "$twfile") TIME_WAIT sockets -> $twfile; capture -> $pcap ($(wc -c < "$pcap") bytes)" >&2
ok=1
exit 0
