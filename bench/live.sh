#!/usr/bin/env bash
# live.sh - does live capture keep up, and what does it cost the traffic?
# bench/run.sh --live runs it; see bench/README.
#
# usage: bench/live.sh [options]
#   --seconds S        length of each capacity step (default 30)
#   --start RATE       first request rate of the capacity search (default 1000)
#   --bisect N         halving steps after the first rate with drops (default 2)
#   --ab-seconds S     length of each ab run of the cost part (default 20)
#   --reps N           runs per capture mode in (b) and (c), alternated (default 5)
#   --cpu-rate RATE    request rate of the CPU part (default 2000)
#   --cpu-seconds S    length of each CPU run (default 10)
#   --no-capacity      skip part (a);  --no-cost  skip part (b);
#   --no-cpu           skip part (c)
#   --hsanalyze PATH   binary to test (default: ../src/hsanalyze, or $HSANALYZE)
#   -h, --help
#
# Everything runs in a network namespace of its own (only lo, up): nginx as
# a front proxy to an nginx backend (tests/live/servers.sh: HTTP/1.0
# upstream, so each request is two connections, client -> front and
# front -> backend), loaded by bench/load (a fixed rate of new connections)
# or by ab.
#
# (a) capacity: the request rate doubles from --start until a capture
#     reports kernel drops during a --seconds step (or the load itself falls
#     short: then the machine, not the capture, is the limit), then halves
#     the interval --bisect times.  The capacity is the highest rate whose
#     step had 0 kernel drops, as new connections per second (2 per
#     request), for `hsanalyze -i lo` and for `tcpdump -i lo -w /dev/null`,
#     each with its default buffer and snapshot length.
# (b) cost: ab -c 16 -t S through the proxy with no capture, with tcpdump
#     capturing, with hsanalyze capturing, alternated --reps times: requests
#     per second (median, min, max) and the loss against no capture.
# (c) CPU: bench/load at --cpu-rate requests/s for --cpu-seconds under each
#     capture, alternated --reps times: the capture process's CPU time
#     (/proc/PID/schedstat, user and system, while the load runs) per
#     10,000 connections, median, min and max.  Unlike (b) this hardly
#     moves with other load on the machine.
#
# Prints a table ready to paste into bench/README.  Needs root, iproute2,
# nginx-light, apache2-utils (ab), tcpdump (scripts/setup-debian.sh installs
# them).  Exit status: 0 done; 1 a run failed; 2 bad usage or a missing
# prerequisite.
set -u
export LC_ALL=C

BENCH=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$BENCH/.." && pwd)
HSA=${HSANALYZE:-$TOP/src/hsanalyze}
SECONDS_STEP=30 START=1000 BISECT=2 AB_SECONDS=20 REPS=5
CPU_RATE=2000 CPU_SECONDS=10
DO_CAPACITY=1 DO_COST=1 DO_CPU=1
FRONT=18180 BACK=18181		# inside the namespace: nothing else there
AB_CONCURRENCY=16
# At most this many of bench/load's requests in flight: nginx's one worker
# (tests/live/servers.sh) has 256 connections, 3 per request in flight.
LOAD_MAX_OPEN=64
ENOUGH=0.95			# a step whose load reached less is machine-limited

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }
posint() { case $2 in ''|*[!0-9]*|0) echo "live.sh: $1 wants a positive integer, got '$2'" >&2; exit 2 ;; esac; }

args=("$@")
while [ $# -gt 0 ]; do
    case $1 in
    --seconds) SECONDS_STEP=${2:-}; posint "$1" "$SECONDS_STEP"; shift ;;
    --start) START=${2:-}; posint "$1" "$START"; shift ;;
    --bisect) BISECT=${2:-}; case $BISECT in ''|*[!0-9]*) posint "$1" "$BISECT" ;; esac; shift ;;
    --ab-seconds) AB_SECONDS=${2:-}; posint "$1" "$AB_SECONDS"; shift ;;
    --reps) REPS=${2:-}; posint "$1" "$REPS"; shift ;;
    --cpu-rate) CPU_RATE=${2:-}; posint "$1" "$CPU_RATE"; shift ;;
    --cpu-seconds) CPU_SECONDS=${2:-}; posint "$1" "$CPU_SECONDS"; shift ;;
    --no-capacity) DO_CAPACITY=0 ;;
    --no-cost) DO_COST=0 ;;
    --no-cpu) DO_CPU=0 ;;
    --hsanalyze) HSA=${2:-}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "live.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

# ---------------------------------------------------------------- namespace
if [ -z "${HSA_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "live.sh: needs root (a network namespace, live capture)" >&2; exit 2; }
    missing=()
    for t in ip tcpdump ab /usr/sbin/nginx make cc; do
        command -v "$t" >/dev/null 2>&1 || missing+=("$t")
    done
    [ -x "$HSA" ] || missing+=("$HSA (build hsanalyze first)")
    if [ ${#missing[@]} -gt 0 ]; then
        echo "live.sh: MISSING: ${missing[*]} (sh scripts/setup-debian.sh; make)" >&2
        exit 2
    fi
    make -s -C "$BENCH" load >/dev/null || { echo "live.sh: building bench/load failed" >&2; exit 2; }
    ns=hsa-bench-live-$$
    ip netns add "$ns" || exit 1
    trap 'ip netns del "$ns" 2>/dev/null' EXIT
    trap 'exit 130' INT TERM
    ip -n "$ns" link set lo up || exit 1
    # Stated, not assumed: reuse on loopback (Linux's default, 2) and a
    # listen backlog that does not refuse the load before the capture does.
    ip netns exec "$ns" sysctl -q -w net.ipv4.tcp_tw_reuse=2 net.core.somaxconn=4096 >/dev/null || exit 1
    HSANALYZE=$HSA HSA_NETNS=$ns ip netns exec "$ns" bash "$0" "${args[@]}"
    exit $?
fi

HSA=$(cd "$(dirname "$HSA")" && pwd -P)/$(basename "$HSA")
LOAD=$BENCH/load
work=$(mktemp -d /tmp/hsanalyze-live-bench.XXXXXX) || exit 1
cap_pid=
cleanup() {
    [ -n "$cap_pid" ] && kill -TERM "$cap_pid" 2>/dev/null && wait "$cap_pid" 2>/dev/null
    sh "$TOP/tests/live/servers.sh" stop "$work/nginx" $FRONT $BACK >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

say() { printf '%s\n' "$*"; }
cpu_model() { awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo; }
# cpu_seconds PID: the CPU time the process has had so far (user and
# system, nanosecond resolution, unlike /proc/PID/stat's clock ticks).
cpu_seconds() { awk '{ printf "%.6f\n", $1 / 1e9 }' "/proc/$1/schedstat" 2>/dev/null; }

if ! sh "$TOP/tests/live/servers.sh" start "$work/nginx" $FRONT $BACK >"$work/servers.log" 2>&1; then
    cat "$work/servers.log" >&2
    echo "live.sh: nginx did not start" >&2
    exit 1
fi
URL=http://127.0.0.1:$FRONT/

# start_capture TOOL: start it on lo, wait until it says it is listening.
start_capture() {
    : >"$work/cap.err"
    case $1 in
    hsanalyze) "$HSA" -i lo --json -o "$work/hsa.json" >/dev/null 2>"$work/cap.err" & ;;
    tcpdump) tcpdump -i lo -w /dev/null 2>"$work/cap.err" & ;;
    none) cap_pid=; return 0 ;;
    esac
    cap_pid=$!
    local i=0
    until grep -q 'listening on' "$work/cap.err" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 100 ] || ! kill -0 "$cap_pid" 2>/dev/null; then
            echo "live.sh: $1 did not start:" >&2
            cat "$work/cap.err" >&2
            return 1
        fi
        sleep 0.1
    done
}

# stop_capture TOOL: SIGINT, wait; sets DROPS (kernel + interface) or
# returns 1 when the tool failed or its count cannot be read.
stop_capture() {
    DROPS=0
    [ "$1" = none ] && return 0
    kill -INT "$cap_pid" 2>/dev/null
    wait "$cap_pid"
    local rc=$?
    cap_pid=
    if [ $rc != 0 ]; then
        echo "live.sh: $1 exited with status $rc:" >&2
        tail -n 5 "$work/cap.err" >&2
        return 1
    fi
    case $1 in
    hsanalyze)
        DROPS=$(python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))["capture"]["drops"]
print(int(d["kernel"]) + int(d["interface"]))' "$work/hsa.json") || return 1 ;;
    tcpdump)
        local k i
        k=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$work/cap.err")
        i=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by interface.*/\1/p' "$work/cap.err")
        [ -n "$k" ] || { echo "live.sh: no drop count from tcpdump" >&2; return 1; }
        DROPS=$((k + ${i:-0})) ;;
    esac
}

# step TOOL RATE: RATE requests/s for SECONDS_STEP s under TOOL; sets
# DROPS, ACHIEVED (requests/s completed) and FAILED (load's failures).
step() {
    local tool=$1 rate=$2 line
    start_capture "$tool" || return 1
    line=$("$LOAD" -p $FRONT -r "$rate" -d "$SECONDS_STEP" -m $LOAD_MAX_OPEN)
    stop_capture "$tool" || return 1
    ACHIEVED=$(printf '%s\n' "$line" | sed -n 's/.* achieved \([0-9]*\)\/s.*/\1/p')
    FAILED=$(printf '%s\n' "$line" | sed -n 's/.* failed \([0-9]*\) .*/\1/p')
    say "  $tool: $rate req/s: $line; drops $DROPS" >&2
    [ -n "$ACHIEVED" ] && [ -n "$FAILED" ] || { echo "live.sh: bench/load said: $line" >&2; return 1; }
}

# capacity TOOL: sets CAP (highest rate with 0 drops, requests/s), BAD
# (lowest rate with drops, or empty) and LIMIT (why the search stopped).
capacity() {
    local tool=$1 rate=$START good=0 bad= i
    LIMIT=
    while :; do
        step "$tool" "$rate" || return 1
        if [ "$DROPS" != 0 ]; then
            bad=$rate
            break
        fi
        if ! awk -v a="$ACHIEVED" -v r="$rate" -v e=$ENOUGH 'BEGIN { exit !(a >= r * e) }'; then
            # The capture kept up with all the machine could do.
            LIMIT="at least: the load reached only $ACHIEVED of $rate req/s, without drops (the machine's limit, not the capture's)"
            [ "$ACHIEVED" -gt "$good" ] && good=$ACHIEVED
            break
        fi
        good=$rate
        rate=$((rate * 2))
    done
    if [ -n "$bad" ]; then
        for ((i = 0; i < BISECT; i++)); do
            rate=$(( (good + bad) / 2 / 100 * 100 ))
            [ "$rate" -le "$good" ] && break
            step "$tool" "$rate" || return 1
            if [ "$DROPS" != 0 ]; then
                bad=$rate
            elif awk -v a="$ACHIEVED" -v r="$rate" -v e=$ENOUGH 'BEGIN { exit !(a >= r * e) }'; then
                good=$rate
            else
                LIMIT="at least: the load reached only $ACHIEVED of $rate req/s, without drops (the machine's limit, not the capture's)"
                [ "$ACHIEVED" -gt "$good" ] && good=$ACHIEVED
                break
            fi
        done
    fi
    CAP=$good BAD=$bad
}

median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.1f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
minimum() { printf '%s\n' "$@" | sort -g | head -n 1; }
maximum() { printf '%s\n' "$@" | sort -g | tail -n 1; }

say "hsanalyze live benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $(cpu_model), $(nproc) cpu(s), $(uname -sr); network namespace $HSA_NETNS"
say "hsanalyze: $HSA ($("$HSA" --version 2>/dev/null | head -n 1))"
say "tcpdump: $(tcpdump --version 2>&1 | head -n 1); nginx front 127.0.0.1:$FRONT -> backend 127.0.0.1:$BACK, HTTP/1.0 upstream"
status=0
out=()

if [ $DO_CAPACITY = 1 ]; then
    say ""
    say "(a) capacity: request rate doubled from $START/s, ${SECONDS_STEP} s a step, then $BISECT halvings (progress on stderr)"
    declare -A CAPS BADS LIMITS
    for tool in tcpdump hsanalyze; do
        if capacity "$tool"; then
            CAPS[$tool]=$CAP BADS[$tool]=$BAD LIMITS[$tool]=$LIMIT
        else
            CAPS[$tool]=FAILED status=1
        fi
    done
    out+=("" "(a) capacity: new connections/s (2 per request) with 0 kernel drops for ${SECONDS_STEP} s")
    out+=("$(printf '%-30s %14s %22s  %s' capture "conn/s ok" "conn/s with drops" note)")
    for tool in tcpdump hsanalyze; do
        label="tcpdump -i lo -w /dev/null"
        [ $tool = hsanalyze ] && label="hsanalyze -i lo"
        if [ "${CAPS[$tool]}" = FAILED ]; then
            out+=("$(printf '%-30s %s' "$label" FAILED)")
            continue
        fi
        b=${BADS[$tool]}
        out+=("$(printf '%-30s %14s %22s  %s' "$label" $((CAPS[$tool] * 2)) "${b:+$((b * 2))}${b:-none}" "${LIMITS[$tool]}")")
    done
fi

if [ $DO_COST = 1 ]; then
    say ""
    say "(b) cost: ab -c $AB_CONCURRENCY -t $AB_SECONDS $URL, $REPS run(s) per mode, alternated"
    declare -A RPS
    for ((r = 1; r <= REPS; r++)); do
        for mode in none tcpdump hsanalyze; do
            if ! start_capture $mode; then status=1; continue; fi
            ab -q -c $AB_CONCURRENCY -t "$AB_SECONDS" -n 100000000 "$URL" >"$work/ab.out" 2>&1
            rc=$?
            stop_capture $mode || status=1
            rps=$(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$work/ab.out")
            if [ $rc != 0 ] || [ -z "$rps" ]; then
                echo "live.sh: ab failed under $mode:" >&2
                tail -n 5 "$work/ab.out" >&2
                status=1
                continue
            fi
            say "  run $r, $mode: $rps req/s, drops $DROPS" >&2
            RPS[$mode]="${RPS[$mode]:-} $rps"
        done
    done
    out+=("" "(b) cost: requests/s served through the proxy under ab -c $AB_CONCURRENCY -t $AB_SECONDS, $REPS runs each, alternated")
    out+=("$(printf '%-30s %10s %10s %10s %12s' capture median min max "vs none")")
    base=$(median ${RPS[none]:-0})
    for mode in none tcpdump hsanalyze; do
        label="no capture"
        [ $mode = tcpdump ] && label="tcpdump -i lo -w /dev/null"
        [ $mode = hsanalyze ] && label="hsanalyze -i lo"
        v=${RPS[$mode]:-}
        if [ -z "$v" ]; then out+=("$(printf '%-30s %s' "$label" FAILED)"); continue; fi
        m=$(median $v)
        out+=("$(printf '%-30s %10s %10s %10s %12s' "$label" "$m" "$(minimum $v)" "$(maximum $v)" \
            "$(awk -v m="$m" -v b="$base" 'BEGIN { if (b > 0) printf "%+.1f%%", (m - b) / b * 100; else print "-" }')")")
    done
fi

if [ $DO_CPU = 1 ]; then
    say ""
    say "(c) CPU: bench/load -r $CPU_RATE -d $CPU_SECONDS under each capture, $REPS run(s) each, alternated"
    declare -A CPUS
    for ((r = 1; r <= REPS; r++)); do
        for tool in tcpdump hsanalyze; do
            start_capture $tool || { status=1; continue; }
            c0=$(cpu_seconds "$cap_pid")
            line=$("$LOAD" -p $FRONT -r "$CPU_RATE" -d "$CPU_SECONDS" -m $LOAD_MAX_OPEN)
            c1=$(cpu_seconds "$cap_pid")
            stop_capture $tool || { status=1; continue; }
            done_=$(printf '%s\n' "$line" | sed -n 's/.* done \([0-9]*\) .*/\1/p')
            if [ -z "$done_" ] || [ "$done_" = 0 ] || [ -z "$c0" ] || [ -z "$c1" ]; then
                echo "live.sh: no CPU figure under $tool: $line" >&2
                status=1
                continue
            fi
            # Two connections per request (client -> front -> backend).
            per=$(awk -v a="$c0" -v b="$c1" -v d="$done_" 'BEGIN { printf "%.4f", (b - a) / (2 * d) * 10000 }')
            say "  run $r, $tool: $per CPU s per 10,000 connections; $line; drops $DROPS" >&2
            CPUS[$tool]="${CPUS[$tool]:-} $per"
            [ "$DROPS" = 0 ] || say "  ($tool dropped $DROPS packets in run $r)"
        done
    done
    out+=("" "(c) CPU: the capture's CPU seconds per 10,000 connections under bench/load -r $CPU_RATE -d $CPU_SECONDS, $REPS runs each, alternated")
    out+=("$(printf '%-30s %10s %10s %10s' capture median min max)")
    for tool in tcpdump hsanalyze; do
        label="tcpdump -i lo -w /dev/null"
        [ $tool = hsanalyze ] && label="hsanalyze -i lo"
        v=${CPUS[$tool]:-}
        if [ -z "$v" ]; then out+=("$(printf '%-30s %s' "$label" FAILED)"); continue; fi
        out+=("$(printf '%-30s %10s %10s %10s' "$label" "$(median $v)" "$(minimum $v)" "$(maximum $v)")")
    done
fi

say ""
say "---- ready to paste into bench/README ----"
say "Machine: $(cpu_model), $(nproc) cpu(s); $(uname -sr); $(date -u +%Y-%m-%d)"
say "Command: bench/run.sh --live$( [ ${#args[@]} -gt 0 ] && printf ' %s' "${args[@]}")"
for l in "${out[@]}"; do say "$l"; done
exit $status
