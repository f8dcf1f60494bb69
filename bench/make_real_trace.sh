#!/bin/sh
# make_real_trace.sh - a real capture for the benchmarks: nginx proxying to an
# nginx backend on loopback, loaded by ab, captured by tcpdump, all inside a
# network namespace of its own so that nothing else on the machine mixes in.
#
# usage: bench/make_real_trace.sh [REQUESTS] [OUTPUT]
#   REQUESTS  ab -n (default 100000; ab -c 16).  nginx's default upstream
#             (HTTP/1.0) makes two connections per request, about 20
#             packets per request in all: 100000 requests give about
#             2,000,000 packets.
#   OUTPUT    default bench/data/real_nginx.pcap
#
# Needs root, nginx-light, apache2-utils (ab), tcpdump and iproute2
# (scripts/setup-debian.sh installs them).  Rerunnable: the output is
# replaced only when the run succeeded.  Exit status: 0 made, 1 failed,
# 2 bad usage or a missing prerequisite.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
N=${1:-100000}
OUT=${2:-$BENCH/data/real_nginx.pcap}
case $N in ''|*[!0-9]*|0) echo "make_real_trace.sh: REQUESTS must be a positive number, not '$N'" >&2; exit 2 ;; esac

if [ -z "${HSA_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "make_real_trace.sh: needs root (a network namespace, tcpdump)" >&2; exit 2; }
    for t in ip tcpdump ab /usr/sbin/nginx; do
        command -v "$t" >/dev/null 2>&1 || { echo "make_real_trace.sh: $t is missing (sh scripts/setup-debian.sh)" >&2; exit 2; }
    done
    ns=hsa-bench-$$
    ip netns add "$ns" || exit 1
    ip -n "$ns" link set lo up
    # A 60 s TIME-WAIT on 200,000 proxy-side ports would exhaust the range;
    # reuse on loopback is Linux's default (2), stated here so it is sure.
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_tw_reuse=2
    trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
    HSA_NETNS=$ns ip netns exec "$ns" /bin/sh "$0" "$N" "$OUT"
    exit $?
fi

work=$(mktemp -d /tmp/hsanalyze-bench.XXXXXX) || exit 1
F=18080 B=18081
cleanup() {
    [ -n "${tcpdump_pid:-}" ] && kill "$tcpdump_pid" 2>/dev/null
    sh "$TOP/tests/live/servers.sh" stop "$work/nginx" $F $B >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

sh "$TOP/tests/live/servers.sh" start "$work/nginx" $F $B || exit 1
tcpdump -i lo -s 256 -B 65536 -U -w "$work/trace.pcap" "tcp port $F or tcp port $B" 2>"$work/tcpdump.err" &
tcpdump_pid=$!
i=0
until grep -q 'listening on' "$work/tcpdump.err" 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 50 ] && { echo "make_real_trace.sh: tcpdump did not start" >&2; cat "$work/tcpdump.err" >&2; exit 1; }
    sleep 0.1
done
ab -q -n "$N" -c 16 "http://127.0.0.1:$F/index.txt" >"$work/ab.out" 2>&1 || { cat "$work/ab.out" >&2; exit 1; }
sleep 0.5
kill -INT "$tcpdump_pid"; wait "$tcpdump_pid"; tcpdump_pid=
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$work/tcpdump.err")
failed=$(sed -n 's/^Failed requests: *//p' "$work/ab.out")
echo "make_real_trace.sh: $N requests (failed: ${failed:-?}), $(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$work/tcpdump.err") packets, ${dropped:-?} dropped by the kernel"
if [ "${dropped:-1}" != 0 ]; then
    echo "make_real_trace.sh: tcpdump dropped packets; the trace is incomplete, not kept" >&2
    exit 1
fi
mkdir -p "$(dirname "$OUT")" && mv "$work/trace.pcap" "$OUT.tmp" && mv "$OUT.tmp" "$OUT" || exit 1
echo "make_real_trace.sh: wrote $OUT"
