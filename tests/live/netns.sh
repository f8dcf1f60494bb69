# netns.sh - run a real-socket test inside a network namespace of its own,
# so that nothing else on the machine (other tests, TIME-WAIT sockets left
# by earlier runs, services, the host's sysctls) can change its result.
# Sourced (". FILE") by a test script after testlib.sh, before it opens any
# socket; POSIX sh.
#
#   netns_enter [SYSCTL=VALUE ...] -- "$@"
#        The first call (outside a namespace) creates a namespace named
#        hsa-NAME-PID with only lo (up), sets each SYSCTL inside it (names
#        as for sysctl -w, e.g. net.ipv4.tcp_tw_reuse=0), runs the calling
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
    _ns_sysctls=''
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        _ns_sysctls="$_ns_sysctls $1"
        shift
    done
    [ "${1:-}" = -- ] && shift
    if [ -n "${HSA_NETNS:-}" ]; then
        return 0
    fi
    [ "$(id -u)" = 0 ] || skip "a network namespace needs root"
    command -v ip >/dev/null 2>&1 || skip "no ip (iproute2)"
    _ns_name="hsa-${test_name:-test}-$$"
    ip netns add "$_ns_name" 2>/dev/null || skip "cannot create a network namespace"
    if ! ip -n "$_ns_name" link set lo up; then
        ip netns del "$_ns_name"
        echo "FAIL cannot bring lo up in $_ns_name"
        exit 1
    fi
    for _ns_s in $_ns_sysctls; do
        if ! ip netns exec "$_ns_name" sysctl -q -w "$_ns_s" >/dev/null; then
            ip netns del "$_ns_name"
            echo "FAIL cannot set $_ns_s in $_ns_name"
            exit 1
        fi
    done
    HSA_NETNS=$_ns_name ip netns exec "$_ns_name" "${SHELL_FOR_NETNS:-/bin/sh}" "$0" "$@"
    _ns_rc=$?
    ip netns del "$_ns_name" 2>/dev/null
    exit "$_ns_rc"
}
