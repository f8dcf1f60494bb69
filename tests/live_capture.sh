#!/bin/sh
# live_capture.sh - hsanalyze -i lo on real nginx traffic (tests/live/README):
# the live report against the kernel's own TIME-WAIT list (ss), against the
# traffic that was made, and against hsanalyze -r of the packets it saved
# with -w; then the ways a live capture ends (-c, --duration, SIGTERM, SIGINT at once) and a
# device that does not exist.  Needs root, /usr/sbin/nginx, ss and
# /usr/bin/python3, else it is skipped (exit 77).  About 5 s.
#
# Environment: srcdir, HSANALYZE, PYTHON3 (as for the other tests);
# KEEP_DIR=1 keeps the work directory (it is always kept on failure);
# for stress runs by hand, TRAFFIC_ARGS (extra traffic.py options for the
# main capture) and BIG_BYTES (size of /big, default 24000).
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=live
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"
netns_enter -- "$@"

# --- can it run at all?
[ "$(id -u)" = 0 ] || skip "live capture needs root"
[ -x /usr/sbin/nginx ] || skip "no /usr/sbin/nginx"
command -v ss >/dev/null 2>&1 || skip "no ss (iproute2)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"

# shellcheck source=tests/live/ports.sh
. "$live/ports.sh"

# The EXIT trap kills $bg_pid (the hsanalyze -i running in the background)
# and stops the nginx of $nginx_dir (set once servers.sh start is called).
work_dir -k /tmp/hsanalyze-livetest.XXXXXX
F='' B='' S='' Z=''

# jget FILE EXPR: a Python expression over the JSON document r in FILE,
# printed as JSON (true, 0, "lo", ...).
jget() {
    "$PY" -c 'import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps(eval(sys.argv[2])))' "$1" "$2" 2>/dev/null
}

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# start_capture NAME ARGS...: hsanalyze ARGS in the background, stdout and
# stderr in $work/NAME.out and $work/NAME.err; returns once it says
# "listening on" (at most 5 s), false if it does not (and then it is gone).
start_capture() {
    name=$1
    shift
    "$H" "$@" >"$work/$name.out" 2>"$work/$name.err" &
    bg_pid=$!
    wait_listening "$bg_pid" "$work/$name.err"
    case $? in
        0) return 0 ;;
        1) bad "$name: hsanalyze $* exited ($status) before capturing" ;;
        *) bad "$name: no 'listening on' within 15 s from hsanalyze $*" ;;
    esac
    show "$work/$name.err" stderr
    bg_pid=''
    return 1
}

# stop_capture NAME SIGNAL|- SECONDS: sends SIGNAL (- for none: wait for it
# to stop by itself), waits at most SECONDS; kill -9 and false if it is
# still running then.  The exit status is left in $status.
stop_capture() {
    name=$1
    stop_pid "$bg_pid" "$2" "$3"
    stopped=$?
    bg_pid=''
    [ "$stopped" -eq 0 ] && return 0
    if [ "$2" = - ]; then
        bad "$name: hsanalyze did not stop by itself within $3 s, killed"
    else
        bad "$name: hsanalyze still running $3 s after SIG$2, killed"
    fi
    show "$work/$name.err" stderr
    return 1
}

# dump_ports PCAP FILE: the packets (absolute seq/ack) of the connections
# whose client ports are named in FILE (problem lines of check_timewait.py or
# compare_reports.py: "127.0.0.1:40242"), at most 6 of them, for the log.
dump_ports() {
    command -v tcpdump >/dev/null 2>&1 || return 0
    for p in $(grep -o ':[0-9][0-9]*' "$2" | tr -d : | sort -u); do
        case " $F $B $S " in *" $p "*) continue ;; esac
        echo "    packets of port $p (tcpdump -nn -S -r $1 tcp port $p):"
        tcpdump -nn -S -r "$1" "tcp port $p" 2>/dev/null | head -n 40 | sed 's/^/      /'
    done | awk '/^    packets of/ { n++ } n <= 6'
}

# traffic NAME ARGS...: traffic.py, bounded; its summary line in
# $work/NAME.traffic.
traffic() {
    name=$1
    shift
    if timeout -k 2 30 /usr/bin/python3 "$live/traffic.py" "$@" \
            >"$work/$name.traffic" 2>"$work/$name.traffic.err"; then
        return 0
    fi
    bad "$name: traffic.py $* failed"
    show "$work/$name.traffic" traffic
    show "$work/$name.traffic.err" traffic
    return 1
}

# --- set-up: ports (front, backend, simultaneous close, one nobody uses)
if ! ports=$(pick_ports 4); then
    bad "no free ports in 20000-29999"
    finish
fi
# shellcheck disable=SC2086
set -- $ports
F=$1 B=$2 S=$3 Z=$4
echo "ports: front $F, backend $B, simultaneous close $S, unused $Z"
nginx_dir=$work/nginx
if ! BIG_BYTES=${BIG_BYTES:-24000} "$live/servers.sh" start "$nginx_dir" "$F" "$B" \
        >"$work/servers.log" 2>&1; then
    bad "servers.sh start"
    show "$work/servers.log" servers
    show "$nginx_dir/logs/error.log" nginx
    finish
fi
# A simultaneous close is a race (tests/live/traffic.py) that a busy host
# can lose every time; a lost race is an ordinary close, and every check
# below compares hsanalyze with what the kernel did, so it holds either way.
# The "both" verdict itself is pinned by the crafted simultaneous_close
# trace (tests/corpus.sh).
sim_args=--sim-optional

# --- 1. the full traffic, captured live
main_capture() {
    n=main
    out=$work/main.d
    mkdir "$out" || return 1
    report=$out/report.json saved=$out/saved.pcapng tw=$work/main.timewait
    start_capture $n -i lo --json --all-connections -o "$report" -w "$saved" \
        "tcp port $F or tcp port $B or tcp port $S" || return 1
    if grep -q '^hsanalyze: listening on lo, link type [A-Za-z0-9_]*, snapshot length [0-9][0-9]* bytes$' \
            "$work/$n.err"; then
        ok "$n: $(grep 'listening on' "$work/$n.err")"
    else
        bad "$n: unexpected start line: $(grep 'listening on' "$work/$n.err")"
    fi
    traffic_ok=0
    # shellcheck disable=SC2086  # options: split into words on purpose
    traffic $n $sim_args ${TRAFFIC_ARGS:-} "$F" "$B" "$S" && traffic_ok=1
    sleep 1
    if timewait_sockets "$F" "$B" "$S" >"$tw"; then
        echo "kernel: $(wc -l <"$tw") TIME-WAIT sockets on the test ports"
    else
        bad "$n: ss -tanH state time-wait failed"
    fi
    stop_capture $n INT 10 || return 1
    if [ "$status" -eq 0 ]; then
        ok "$n: SIGINT ends the capture, exit 0"
    else
        bad "$n: exit status $status after SIGINT"
        show "$work/$n.err" stderr
    fi
    if [ ! -s "$report" ]; then
        bad "$n: no report in $report"
        show "$work/$n.err" stderr
        return 1
    fi
    left=''
    for f in "$out"/* "$out"/.[!.]*; do
        case ${f##*/} in report.json|saved.pcapng|'*'|'.[!.]*') ;; *) left="$left ${f##*/}" ;; esac
    done
    if [ -z "$left" ]; then
        ok "$n: -o report written, no temporary file left"
    else
        bad "$n: files left next to the report: $left"
    fi
    # traffic.py prints its summary line also when only the simultaneous-
    # close race was lost: the capture can still be checked then.
    grep -q '^traffic: http10=' "$work/$n.traffic" || return 1
    [ "$traffic_ok" = 1 ] && cat "$work/$n.traffic"

    # The capture object: live, from lo, and nothing dropped.
    src=$(jget "$report" 'r["capture"]["source"]')
    lv=$(jget "$report" 'r["capture"]["live"]')
    if [ "$lv" = true ] && [ "$src" = '"lo"' ]; then
        ok "$n: capture.live true, source \"lo\""
    else
        bad "$n: capture.live $lv, source $src (want true, \"lo\")"
    fi
    drops=$(jget "$report" '[r["capture"]["drops"][k] for k in ("kernel", "interface")]')
    case $drops in
        '[0, '[0-9]*']')
            ok "$n: no packets dropped (drops kernel, interface: $drops)" ;;
        '['[0-9]*', '[0-9]*']')
            bad "$n: the kernel dropped packets (drops kernel, interface: $drops): the verdicts cannot be trusted, the checks below may fail for that reason alone" ;;
        *)
            bad "$n: capture.drops is not {\"kernel\": n, \"interface\": n}: $(jget "$report" 'r["capture"].get("drops")')" ;;
    esac

    # As many connections as traffic.py made: exact to the front and on the
    # simultaneous-close port (from its summary line), and to the backend
    # what its bound allows (a request reset at once may not reach the
    # backend); one connection per SYN saved with -w.
    if command -v tcpdump >/dev/null 2>&1; then
        tcpdump -nn -r "$saved" 'tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn' \
            >"$work/$n.syns" 2>"$work/$n.syns.err" ||
            bad "$n: tcpdump -r $saved failed: $(cat "$work/$n.syns.err")"
    else
        : >"$work/$n.syns.none"
    fi
    if "$PY" - "$report" "$work/$n.traffic" "$work/$n.syns" "$F" "$B" "$S" \
            >"$work/$n.count" 2>&1 <<'PYEOF'
import json, os, re, sys
report, summary, syns = sys.argv[1:4]
F, B, S = (int(p) for p in sys.argv[4:7])
line = open(summary).read()
def num(pat):
    m = re.search(pat, line)
    if not m:
        sys.exit("cannot parse the traffic summary: %r" % line)
    return [int(g) for g in m.groups()]
http10, = num(r"http10=(\d+)")
ka, = num(r"keepalive=(\d+)")
half, = num(r"halfclose=(\d+)")
rst_now, rst_after = num(r"rst=(\d+)\+(\d+)")
upstream, = num(r"front->back<=(\d+)")
m = re.search(r"simclose=(\d+)/(\d+)", line)
sim_ok, sim_tried = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
want_front = http10 + ka + half + rst_now + rst_after
conns = [c for c in json.load(open(report))["connections"]
         if {c["client"]["port"], c["server"]["port"]} & {F, B, S}]
per = {p: sum(c["server"]["port"] == p for c in conns) for p in (F, B, S)}
bad = []
if per[F] != want_front:
    bad.append("%d connections to the front (port %d), traffic.py made %d" % (per[F], F, want_front))
if per[S] != sim_tried:
    bad.append("%d connections on the simultaneous-close port %d, traffic.py made %d" % (per[S], S, sim_tried))
if not upstream - rst_now <= per[B] <= upstream:
    bad.append("%d connections to the backend (port %d), want %d..%d" % (per[B], B, upstream - rst_now, upstream))
other = len(conns) - sum(per.values())
if other:
    bad.append("%d connections whose server is none of the test ports" % other)
incomplete = [c["id"] for c in conns if c["handshake"]["status"] != "complete"]
if incomplete:
    bad.append("handshake not complete on connections %s" % incomplete)
if os.path.exists(syns):
    seen = set()
    for l in open(syns):
        m = re.search(r" IP6? (\S+)\.(\d+) > (\S+)\.(\d+): Flags \[S[^\]]*\], seq (\d+)", l)
        if m:
            seen.add(m.groups())          # a retransmitted SYN counts once
    by_port = {p: sum(int(s[3]) == p for s in seen) for p in (F, B, S)}
    if by_port != per:
        bad.append("SYNs in the saved capture per server port %s, connections in the report %s" % (by_port, per))
    syn_note = ", one per SYN in the -w file"
else:
    syn_note = " (no tcpdump: SYNs not counted)"
for b in bad:
    print(b)
if bad:
    sys.exit(1)
print("%d connections (front %d, backend %d of at most %d, simultaneous close %d, %d of them crossed)%s"
      % (len(conns), per[F], per[B], upstream, per[S], sim_ok, syn_note))
PYEOF
    then
        ok "$n: $(cat "$work/$n.count")"
    else
        bad "$n: connection count"
        show "$work/$n.count" count
    fi

    # The kernel's TIME-WAIT list: exact.
    if "$PY" "$live/check_timewait.py" --ports "$F,$B,$S" "$report" "$tw" \
            >"$work/$n.check" 2>&1; then
        ok "$n: time_wait matches the kernel: $(cat "$work/$n.check")"
    else
        bad "$n: time_wait does not match the kernel (check_timewait.py --ports $F,$B,$S)"
        show "$work/$n.check" check_timewait
        echo "    kernel TIME-WAIT sockets:"
        show "$tw" ss
        dump_ports "$saved" "$work/$n.check"
    fi

    # The saved packets give the same verdicts.
    if "$H" -r "$saved" --json --all-connections -o "$work/$n.reread.json" 2>"$work/$n.reread.err"; then
        if "$PY" "$live/compare_reports.py" "$report" "$work/$n.reread.json" \
                >"$work/$n.compare" 2>&1; then
            ok "$n: hsanalyze -r of the -w file agrees: $(cat "$work/$n.compare")"
        else
            bad "$n: hsanalyze -r of the -w file disagrees with the live report"
            show "$work/$n.compare" compare
            dump_ports "$saved" "$work/$n.compare"
        fi
    else
        bad "$n: hsanalyze -r $saved failed"
        show "$work/$n.reread.err" stderr
    fi
}
main_capture

# one_request NAME SIGNAL|- SECONDS WHAT PASS_TEXT FIELDS EXPR WANT [OPTION...]:
# hsanalyze -i lo OPTION... --json on the front port while one HTTP/1.0
# request goes through it, then (after $settle seconds) stop_capture NAME
# SIGNAL SECONDS; passes when it exits 0 and EXPR (jget) over its report is
# WANT.  WHAT names the case in a FAIL line, FIELDS what EXPR lists.
settle=0.2
one_request() {
    n=$1 sig=$2 secs=$3 what=$4 pass_text=$5 fields=$6 expr=$7 want=$8
    shift 8
    start_capture "$n" -i lo "$@" --json --all-connections -o "$work/$n.json" "tcp port $F" || return 1
    traffic "$n" --http10 1 --keepalive 0 --halfclose 0 --rst 0 --sim 0 "$F" "$B"
    [ "$sig" = - ] || sleep "$settle"
    stop_capture "$n" "$sig" "$secs" || return 1
    got=$(jget "$work/$n.json" "$expr")
    if [ "$status" -eq 0 ] && [ "$got" = "$want" ]; then
        ok "$n: $pass_text"
    else
        bad "$n: $what: exit $status, $fields = ${got:-no report} (want $want)"
        show "$work/$n.err" stderr
    fi
}

# --- 2. -c 5: stops by itself after 5 packets of one small connection
one_request count - 5 "-c 5" "-c 5 stops after 5 packets, exit 0, 1 connection" \
    '[packets, live, connections]' \
    '[r["capture"]["packets"], r["capture"]["live"], r["summary"]["connections"]]' \
    '[5, true, 1]' -c 5

# --- 3. SIGTERM ends the capture with a report
one_request term TERM 10 SIGTERM "SIGTERM ends the capture, exit 0, report of the 1 connection" \
    '[live, connections, time_wait]' \
    '[r["capture"]["live"], r["summary"]["connections"], [c["close"]["time_wait"] for c in r["connections"]]]' \
    '[true, 1, ["server"]]'

# --- 3b. SIGINT as soon as the traffic is over: the packets the kernel
# still holds in the block it is filling (delivered every 100 ms when not
# full) are read before the report is written.
settle=0
one_request at_once INT 10 "SIGINT at once" "SIGINT right after the traffic: exit 0, the connection whole, its 10 packets" \
    '[connections, packets, time_wait]' \
    '[r["summary"]["connections"], r["capture"]["packets"], [c["close"]["time_wait"] for c in r["connections"]]]' \
    '[1, 10, ["server"]]'
settle=0.2

# --- 4. --duration 1 with a filter that matches nothing.  Timed from
# "listening on" (the capture's start, not the program's: under ASan on a
# busy machine starting up alone took over 2 s) to the exit.
duration_capture() {
    n=duration
    start_capture "$n" -i lo --duration 1 --json --all-connections -o "$work/$n.json" "tcp port $Z" ||
        return
    t0=$(now_ms)
    stop_capture "$n" - 10 || return
    ms=$(($(now_ms) - t0))
    got=$(jget "$work/$n.json" '[r["capture"]["live"], r["capture"]["packets"], r["summary"]["connections"]]')
    if [ "$status" -eq 0 ] && [ "$ms" -ge 800 ] && [ "$ms" -le 3000 ] &&
            [ "$got" = '[true, 0, 0]' ]; then
        ok "$n: --duration 1 with no packets: exit 0 $ms ms after 'listening on', report with 0 connections"
    else
        bad "$n: --duration 1: exit $status $ms ms after 'listening on' (want 0 after 800-3000), [live, packets, connections] = ${got:-no report} (want [true, 0, 0])"
        show "$work/$n.err" stderr
    fi
}
duration_capture

# --- 5. a device that does not exist
nodev() {
    n=nodev
    timeout -k 1 5 "$H" -i no-such-iface0 --json --all-connections >"$work/$n.out" 2>"$work/$n.err"
    status=$?
    lines=$(wc -l <"$work/$n.err")
    if [ "$status" -eq 1 ] && [ "$lines" -eq 1 ] && grep -q 'no-such-iface0' "$work/$n.err"; then
        ok "$n: exit 1: $(cat "$work/$n.err")"
    else
        bad "$n: -i no-such-iface0: exit $status (want 1), $lines stderr lines (want 1 naming the device)"
        show "$work/$n.err" stderr
    fi
}
nodev

finish
