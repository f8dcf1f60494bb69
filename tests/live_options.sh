#!/bin/sh
# live_options.sh - live-capture options that need no traffic: -s, --interval,
# --duration, -Z (privileges really dropped), on the loopback interface with
# a filter that matches nothing.  Needs root; skipped otherwise.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
test_name='live options'
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$srcdir/tests/live/netns.sh"
netns_enter -- "$@"
[ "$(id -u)" = 0 ] || skip "live capture needs root"
id nobody >/dev/null 2>&1 || skip "no user 'nobody' for -Z"
work_dir
# A filter no packet matches: port 9 (discard) on a loopback address nobody uses.
NONE='host 127.99.99.99 and tcp port 9'

timeout -k 2 10 "$H" -i lo -s 96 --duration 0.5 --json --all-connections -o "$work/s.json" $NONE 2>"$work/s.err"
rc=$?
[ $rc = 0 ] && grep -qx 'hsanalyze: listening on lo, link type EN10MB, snapshot length 96 bytes' "$work/s.err" \
    && grep -q '"snaplen":96,' "$work/s.json" && grep -q '"live":true' "$work/s.json" \
    && ok "-s 96: start line and report" || { bad "-s 96 (exit $rc)"; cat "$work/s.err"; }

# Live, the pressure figures use this machine's ephemeral port range.
lo=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range)
hi=$(awk '{print $2}' /proc/sys/net/ipv4/ip_local_port_range)
grep -q "\"port_range\":{\"low\":$lo,\"high\":$hi,\"size\":$((hi - lo + 1)),\"source\":\"machine\"}" "$work/s.json" \
    && ok "live: port range $lo-$hi read from the machine" || { bad "live: port range"; grep -o '"port_range":{[^}]*}' "$work/s.json"; }

timeout -k 2 10 "$H" -i lo --interval 0.25 --duration 1.1 -o "$work/i.txt" $NONE 2>"$work/i.err"
rc=$?
n=$(grep -Ec '^hsanalyze: [0-9]+s packets 0, open 0, handshakes/s 0\.0, TIME_WAIT entered client 0 server 0 both 0, in TIME_WAIT now client 0 server 0, peak port share 0\.0%, kernel TIME_WAIT 0, drops 0$' "$work/i.err")
[ $rc = 0 ] && [ "$n" -ge 3 ] && [ "$n" -le 5 ] && grep -q "no packets dropped" "$work/i.txt" \
    && ok "--interval 0.25 for 1.1 s: $n status lines" || { bad "--interval (exit $rc, $n lines)"; cat "$work/i.err"; }

# -Z: the report is written after the switch, so a directory only root may
# write refuses it, and one anyone may write gets a file owned by nobody.
chmod 711 "$work" && mkdir "$work/rootonly" "$work/open" && chmod 700 "$work/rootonly" && chmod 1777 "$work/open"
timeout -k 2 10 "$H" -i lo -Z nobody --duration 0.3 -o "$work/rootonly/r.txt" $NONE 2>"$work/z1.err"
rc=$?
[ $rc = 1 ] && grep -q "rootonly/r.txt: cannot write the report: Permission denied" "$work/z1.err" \
    && ok "-Z nobody: no longer root" || { bad "-Z nobody into a root-only directory (exit $rc)"; cat "$work/z1.err"; }
timeout -k 2 10 "$H" -i lo -Z nobody --duration 0.3 -o "$work/open/r.txt" $NONE 2>"$work/z2.err"
rc=$?
[ $rc = 0 ] && [ "$(stat -c %U "$work/open/r.txt")" = nobody ] \
    && ok "-Z nobody: report written as nobody" || { bad "-Z nobody (exit $rc)"; cat "$work/z2.err"; }
timeout -k 2 10 "$H" -i lo -Z no-such-user-hsa --duration 0.3 $NONE 2>"$work/z3.err" >/dev/null
rc=$?
[ $rc = 1 ] && [ "$(wc -l <"$work/z3.err")" = 1 ] && grep -q "no-such-user-hsa: cannot run as this user: no such user" "$work/z3.err" \
    && ok "-Z unknown user: exit 1" || { bad "-Z unknown user (exit $rc)"; cat "$work/z3.err"; }

finish
