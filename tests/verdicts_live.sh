#!/bin/sh
# verdicts_live.sh - hsanalyze's per-connection verdicts against the Linux
# kernel on real loopback traffic: RSTs in and out of the window, an RST
# that ends a TIME-WAIT, an RST from the side that closed first, a SYN that
# meets a server in TIME-WAIT, a simultaneous open, five SYNs before an
# answer, TCP Fast Open, FINs that acknowledge each other.  Each case runs in a network namespace of its own
# (tests/live/netns.sh) with the sysctls it needs; its traffic comes from
# tests/live/verdict_cases.py, lost segments from tests/live/
# drop_segments.bpf.c (compiled here with clang -target bpf, on lo's tc
# ingress, after the capture tap), and the ground truth is `ss -tanoH` in
# the namespace right after the traffic.  The cases run at once: about
# 10 s in all.
set -u
srcdir=${srcdir:-.}
HSANALYZE=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
CLANG=${CLANG:-clang}
live=$srcdir/tests/live
test_name=verdicts_live
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"

CASES='rst_stray rst_tw_kill rst_first_closer syn_tw simopen synstorm tfo fin_cross'
SERVER_PORT=5000 CLIENT_PORT=40000 PEER_PORT=40001	# as in verdict_cases.py
NOT_PRODUCED=3	# verdict_cases.py trim: the traffic is not the case's
ATTEMPTS=5

if [ $# -eq 0 ]; then
    [ "$(id -u)" = 0 ] || skip "needs root (network namespaces, tcpdump, tc)"
    for tool in tcpdump tc ss ip "$CLANG"; do
        command -v "$tool" >/dev/null 2>&1 || skip "no $tool"
    done
    "$PY" -c 'import scapy' 2>/dev/null || skip "no scapy for $PY"
    work_dir
    # The cases run at once, each in a namespace of its own (they mostly
    # wait on timers), then their results are told in order.  A case whose
    # traffic did not come out as the case needs (exit status 3:
    # fin_cross's FINs did not cross, syn_tw's SYN was past the TIME-WAIT
    # socket's RCV.NXT) is made again, in a new namespace, at
    # most $ATTEMPTS times in all.
    run_case() {
        attempt=1
        while :; do
            sh "$0" "$1" >"$work/$1.out" 2>&1
            rc=$?
            [ "$rc" = "$NOT_PRODUCED" ] && [ "$attempt" -lt "$ATTEMPTS" ] || break
            echo "attempt $attempt: $(tail -n 1 "$work/$1.out"); again" >>"$work/$1.attempts"
            attempt=$((attempt + 1))
        done
        echo "rc $rc" >>"$work/$1.out"
    }
    pids=''
    for c in $CASES; do
        : >"$work/$c.attempts"
        run_case "$c" &
        pids="$pids $!"
    done
    # shellcheck disable=SC2086  # one word per pid
    wait $pids
    for c in $CASES; do
        sed "s/^/  $c: /" "$work/$c.attempts"
        relay_checks "$work/$c.out" echo "  $c: "
        grep -q '^rc 0$' "$work/$c.out" || bad "$c: the case did not finish (see above)"
    done
    finish
fi

case=$1
case $case in
    rst_first_closer) set -- net.ipv4.tcp_fin_timeout=1 ;;
    syn_tw) set -- net.ipv4.tcp_timestamps=0 ;;
    synstorm) set -- net.ipv4.tcp_syn_linear_timeouts=4 ;;
    tfo) set -- net.ipv4.tcp_fastopen=3 ;;
    *) set -- ;;
esac
netns_enter "$@" -- "$case"

# Inside the namespace from here on: lines "ok TEXT" / "bad TEXT" for the
# caller, anything else is its log.
work_dir
fail_case() { echo "bad $case: $1"; exit 1; }

drop=''
case $case in
    simopen) drop="-DDROP_PORT_A=$CLIENT_PORT -DDROP_PORT_B=$PEER_PORT -DDROP_COUNT=1" ;;
    synstorm) drop="-DDROP_PORT_A=$SERVER_PORT -DDROP_COUNT=4" ;;
    fin_cross) drop="-DDROP_PORT_A=$CLIENT_PORT -DDROP_PORT_B=$PEER_PORT -DDROP_FLAGS=0x01 -DDROP_MASK=0x01 -DDROP_ACK_AFTER" ;;
esac
if [ -n "$drop" ]; then
    # shellcheck disable=SC2086  # the -D options are separate words
    "$CLANG" -g -O2 -target bpf -I/usr/include/"$(uname -m)"-linux-gnu $drop \
        -c "$live/drop_segments.bpf.c" -o "$work/drop.o" 2>"$work/clang.err" ||
        { show "$work/clang.err" clang; fail_case "clang -target bpf failed"; }
    if ! { tc qdisc add dev lo clsact &&
        tc filter add dev lo ingress bpf direct-action obj "$work/drop.o" sec tc; } \
        2>"$work/tc.err"; then
        show "$work/tc.err" tc
        fail_case "cannot attach the eBPF program"
    fi
fi

tcpdump -i lo -s 200 -U --immediate-mode -B 8192 -w "$work/cap.pcap" tcp \
    2>"$work/tcpdump.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/tcpdump.err" || { show "$work/tcpdump.err" tcpdump; fail_case "tcpdump did not start"; }
if ! "$PY" "$live/verdict_cases.py" run "$case" "$work" 2>"$work/run.err"; then
    show "$work/run.err" traffic
    fail_case "the traffic failed"
fi
ss -tanoH >"$work/ss.txt"
sleep 0.2
stop_pid "$bg_pid" INT 3
bg_pid=''
grep -q '^0 packets dropped by kernel' "$work/tcpdump.err" ||
    { show "$work/tcpdump.err" tcpdump; fail_case "tcpdump dropped packets"; }
"$PY" "$live/verdict_cases.py" trim "$case" "$work" >"$work/trim.out"
rc=$?
if [ "$rc" = "$NOT_PRODUCED" ]; then
    cat "$work/trim.out"
    exit "$NOT_PRODUCED"
fi
[ "$rc" = 0 ] || fail_case "cannot trim the capture"
"$HSANALYZE" --json --all-connections -r "$work/cap.pcap" >"$work/report.json" 2>"$work/hsa.err" ||
    { show "$work/hsa.err" hsanalyze; fail_case "hsanalyze failed"; }
"$PY" "$live/verdict_cases.py" check "$case" "$work" >"$work/check.out" 2>&1
cat "$work/check.out"
if grep -q '^bad ' "$work/check.out" || ! grep -q '^ok ' "$work/check.out"; then
    show "$work/ss.txt" ss
    tcpdump -nn -r "$work/cap.pcap" 2>/dev/null | sed 's/^/    capture: /'
    exit 1
fi
exit 0
