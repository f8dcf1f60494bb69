# testlib.sh - what the end-to-end test scripts (tests/*.sh) share: PASS and
# FAIL lines and their count, the summary line, the work directory and its
# cleanup, and background processes (hsanalyze -i, tcpdump) that are started,
# waited for and stopped.  Sourced (". FILE") after setting test_name (the
# NAME of the summary line); POSIX sh.  doc/make-time-wait-captures.sh and
# make_real_capture.sh use only wait_listening and stop_pid.
#
#   ok TEXT, bad TEXT  print "PASS TEXT" or "FAIL TEXT" and count it in $pass
#                      or $fail
#   show FILE LABEL    an indented copy of FILE ("    LABEL: line"), for the
#                      log of a failure; nothing when FILE is empty or missing
#   summary            prints "NAME: N passed, M failed"
#   finish             summary, then exit 0 when nothing failed, else exit 1
#   skip REASON        prints "SKIP: REASON" and exits 77
#   relay_checks FILE OTHER [PREFIX]
#                      counts the lines of a checker's output FILE: "ok TEXT"
#                      is ok TEXT, "bad TEXT" is bad TEXT, any other line L
#                      goes to the command OTHER as "PREFIXL" (bad, echo)
#   work_dir [-k] [TEMPLATE]
#                      makes the work directory $work (mktemp -d TEMPLATE;
#                      exit 99 when it cannot) and removes it at exit.  The
#                      EXIT trap first kills $bg_pid and stops the nginx of
#                      $nginx_dir (servers.sh in $live, ports $F $B) when they
#                      are set.  -k, for the live tests: the directory is kept
#                      (and the log says so) when a check failed or KEEP_DIR=1,
#                      and INT, TERM or HUP end the script as a failure
#                      ("FAIL interrupted by a signal", the summary, exit 130).
#   wait_listening PID FILE
#                      waits at most 15 s until FILE, the stderr of PID, says
#                      "listening on".  Returns 0 then; else PID is gone: 1
#                      when it exited by itself (exit status in $status), 2
#                      when it was killed for not listening in time.
#   ok_captures DIR    one line "NAME PCAP" for each expected report DIR/NAME.json
#                      (tests/pcaps/expected) whose capture exits 0, by name
#   stop_pid PID SIGNAL|- SECONDS
#                      sends SIGNAL to PID (- for none: it is to stop by
#                      itself) and waits at most SECONDS for it to end: 0
#                      then, its exit status in $status; else it is killed
#                      (kill -9), $status is 137 and the return false.

# status: set by wait_listening and stop_pid, for the script that sources this.
# shellcheck disable=SC2034
status=''
pass=0 fail=0
bg_pid='' nginx_dir=''
: "${test_name:=${0##*/}}"
_tl_keep=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
show() { [ -s "$1" ] && sed "s/^/    $2: /" "$1"; return 0; }
summary() { echo "$test_name: $pass passed, $fail failed"; }
finish() {
    summary
    [ "$fail" -eq 0 ] && exit 0
    exit 1
}
skip() { echo "SKIP: $1"; exit 77; }

relay_checks() {
    while IFS= read -r _rc_line; do
        case $_rc_line in
            'ok '*) ok "${_rc_line#ok }" ;;
            'bad '*) bad "${_rc_line#bad }" ;;
            *) "$2" "${3:-}$_rc_line" ;;
        esac
    done <"$1"
}

# shellcheck disable=SC2120  # TEMPLATE is optional
work_dir() {
    if [ "${1:-}" = -k ]; then
        _tl_keep=1
        shift
    fi
    work=$(mktemp -d ${1:+"$1"}) || exit 99
    trap _tl_cleanup EXIT
    if [ "$_tl_keep" = 1 ]; then
        trap 'bad "interrupted by a signal"; summary; exit 130' INT TERM HUP
    fi
}

# shellcheck disable=SC2317,SC2154  # the EXIT trap; $live: set by the script
_tl_cleanup() {
    trap - EXIT INT TERM HUP
    if [ -n "$bg_pid" ]; then
        _tl_kill "$bg_pid"
    fi
    if [ -n "$nginx_dir" ]; then
        "$live/servers.sh" stop "$nginx_dir" "$F" "$B" ||
            echo "cleanup: servers.sh stop failed"
    fi
    if [ "$_tl_keep" = 1 ] && { [ "$fail" -ne 0 ] || [ "${KEEP_DIR:-0}" = 1 ]; }; then
        echo "work directory kept: $work"
    else
        chmod -R u+w "$work" 2>/dev/null
        rm -rf "$work"
    fi
}

ok_captures() {
    "${PY:-/usr/bin/python3}" -c 'import json, os, sys
for f in sorted(os.listdir(sys.argv[1])):
    d = json.load(open(os.path.join(sys.argv[1], f)))
    if d.get("exit_status", 0) == 0:
        print(f[:-5], d["pcap"])' "$1"
}

wait_listening() {
    _wl_i=0
    until grep -q 'listening on' "$2" 2>/dev/null; do
        _wl_i=$((_wl_i + 1))
        if ! kill -0 "$1" 2>/dev/null; then
            wait "$1"
            status=$?
            return 1
        fi
        if [ "$_wl_i" -gt 150 ]; then	# 15 s: ASan on a busy machine
            _tl_kill "$1"
            return 2
        fi
        sleep 0.1
    done
    return 0
}

stop_pid() {
    [ "$2" = - ] || kill -s "$2" "$1" 2>/dev/null
    _sp_i=0
    while kill -0 "$1" 2>/dev/null; do
        _sp_i=$((_sp_i + 1))
        if [ "$_sp_i" -gt $(($3 * 10)) ]; then
            _tl_kill "$1"
            return 1
        fi
        sleep 0.1
    done
    wait "$1" 2>/dev/null
    status=$?
    return 0
}

# _tl_kill PID: kill -9 and reap it; $status 137.
_tl_kill() {
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    status=137
}
