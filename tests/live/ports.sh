# ports.sh - free loopback TCP ports for the live tests.  Sourced (". FILE")
# by make_real_capture.sh and tests/live_capture.sh; POSIX sh, needs ss.
#
#   port_unused P      true when no TCP socket (listening, connected,
#                      TIME-WAIT, ...) uses port P, as local or peer port
#   pick_port [P...]   prints a random port in 20000-29999 that is unused and
#                      not one of the P given; up to 200 tries, false if none
#   pick_ports N       prints N distinct such ports on one line, separated by
#                      spaces; false if it runs out of tries
#
# A port no socket uses, TIME-WAIT included, means leftovers of earlier runs
# (TIME-WAIT lasts 60 s) cannot mix into a new run's capture or ss output.
# The ports are only free when picked: whoever uses them should do so soon.

port_unused() {
    [ -z "$(ss -tanH "( sport = :$1 or dport = :$1 )" 2>/dev/null)" ]
}

pick_port() {
    _pp_i=0
    while [ "$_pp_i" -lt 200 ]; do
        _pp_i=$((_pp_i + 1))
        _pp_p=$(( $(od -An -N2 -tu2 /dev/urandom) % 10000 + 20000 ))
        case " $* " in *" $_pp_p "*) continue ;; esac
        if port_unused "$_pp_p"; then echo "$_pp_p"; return 0; fi
    done
    return 1
}

pick_ports() {
    _pps_list=''
    _pps_n=0
    while [ "$_pps_n" -lt "$1" ]; do
        # shellcheck disable=SC2086  # the list is words on purpose
        _pps_p=$(pick_port $_pps_list) || return 1
        _pps_list="${_pps_list:+$_pps_list }$_pps_p"
        _pps_n=$((_pps_n + 1))
    done
    echo "$_pps_list"
}

# timewait_sockets P...: the kernel's TIME-WAIT sockets with a local or peer
# port among the P given, right now (ss -tanH state time-wait), one a line as
# check_timewait.py reads them: LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT, sorted
# by local then peer port.  IPv6 addresses without brackets.  False when ss
# fails.
timewait_sockets() {
    _tw_out=$(ss -tanH state time-wait) || return 1
    printf '%s\n' "$_tw_out" | awk -v ports=" $* " '
        function split_ep(ep, r,   i) {          # "1.2.3.4:80" or "[::1]:80"
            i = match(ep, /:[0-9]+$/)
            r["ip"] = substr(ep, 1, i - 1); r["port"] = substr(ep, i + 1)
            gsub(/^\[|\]$/, "", r["ip"])
        }
        NF >= 2 {
            split_ep($(NF - 1), l); split_ep($NF, p)
            if (index(ports, " " l["port"] " ") || index(ports, " " p["port"] " "))
                print l["ip"], l["port"], p["ip"], p["port"]
        }' | sort -t' ' -k2,2n -k4,4n
}
