# netns.sh - run a real-socket test inside a network namespace of its own,
# so that nothing else on the machine (other tests, TIME-WAIT sockets left
# by earlier runs, services, the host's sysctls) can change its result.
# Sourced (". FILE") by a test script after testlib.sh, before it opens any
# socket; POSIX sh.
#
#   netns_enter [SYSCTL=VALUE ...] -- "$@"
#        The first call (outside a namespace) creates a namespace named
#        hsa-NAME-PID with only lo (up), sets each SYSCTL inside it (names
#        as for sysctl -w, e.g. net.ipv4.tcp_tw_reuse=0, one word each:
#        "net.ipv4.ip_local_port_range=40000 40999"), runs the calling
#        script again inside it with the same arguments, deletes the
#        namespace and exits with the script's status.  Inside the
#        namespace (HSA_NETNS is set) it returns at once.  Skips (exit 77)
#        without root or without `ip netns`.
#
# The defaults set in every namespace, unless overridden:
#   net.ipv4.ip_local_port_range  as on the host (a fresh namespace already
#                                 starts with Linux's 32768 60999)
#   net.ipv4.tcp_tw_reuse         left at the namespace's default (2)
# A test that depends on a sysctl names it, so its assertions hold for the
# kernel behaviour it asked for.

netns_enter() {
    if [ -n "${HSA_NETNS:-}" ]; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || skip "a network namespace needs root"
    command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
    # A name ip(8) takes: test names may have blanks ("live options").
    _ns_name="hsa-$(printf '%s' "${test_name:-test}" | tr -c 'A-Za-z0-9_-' '-')-$$"
    ip netns add "$_ns_name" 2>/dev/null || skip "cannot create a network namespace"
    if ! ip -n "$_ns_name" link set lo up; then
        ip netns del "$_ns_name"
        echo "FAIL cannot bring lo up in $_ns_name"
        exit 1
    fi
    # Each SYSCTL=VALUE is one word, spaces in VALUE included.
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        if ! ip netns exec "$_ns_name" sysctl -q -w "$1" >/dev/null; then
            ip netns del "$_ns_name"
            echo "FAIL cannot set $1 in $_ns_name"
            exit 1
        fi
        shift
    done
    [ "${1:-}" = -- ] && shift
    trap 'ip netns del "$_ns_name" 2>/dev/null; exit 130' INT TERM HUP
    HSA_NETNS=$_ns_name ip netns exec "$_ns_name" /bin/sh "$0" "$@"
    _ns_rc=$?
    ip netns del "$_ns_name" 2>/dev/null
    exit "$_ns_rc"
}
