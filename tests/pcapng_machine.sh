#!/bin/sh
# pcapng_machine.sh - -w records the machine, -r uses it.
#
# In a network namespace of its own with net.ipv4.ip_local_port_range
# 40000 40999 and tcp_tw_reuse=0, hsanalyze -i lo -w captures 20 loopback
# connections.  The -w file must be a pcapng that capinfos reads with the
# machine in its section header (the comment with hostname, kernel, port
# range and tcp_tw_reuse; shb_os "Linux RELEASE"; shb_userappl), with
# every packet tshark counts; hsanalyze -r of it must judge against port
# range 40000-40999, source "capture", and --port-range must still win.
# About 3 s; root, capinfos, tshark.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=pcapng_machine
# shellcheck source=tests/live/testlib.sh
. "$live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$live/netns.sh"
netns_enter "net.ipv4.ip_local_port_range=40000 40999" net.ipv4.tcp_tw_reuse=0 -- "$@"

command -v capinfos >/dev/null 2>&1 || skip "no capinfos (tshark)"
command -v tshark >/dev/null 2>&1 || skip "no tshark"

work_dir
# The namespace is ours alone: a fixed port cannot collide.
P=18090
"$H" -i lo -w "$work/m.pcapng" --json -o "$work/live.json" --duration 2 \
    "tcp port $P" 2>"$work/live.err" &
hpid=$!
sleep 0.7
"$PY" - "$P" <<'EOF_PY' >"$work/client.out" 2>&1
import socket, sys
port = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(32)
for _ in range(20):
    c = socket.create_connection(("127.0.0.1", port))
    s, _ = srv.accept()
    c.close()       # the client closes first: TIME-WAIT on the client
    s.recv(1)
    s.close()
print("done")
EOF_PY
wait $hpid
rc=$?
[ $rc = 0 ] && grep -qx done "$work/client.out" && ok "live -w: exit 0, 20 connections made" ||
    { bad "live -w: exit $rc"; show "$work/live.err" stderr; show "$work/client.out" client; }

host=$(uname -n) rel=$(uname -r)
capinfos "$work/m.pcapng" >"$work/capinfos" 2>&1
grep -q "^File type: *Wireshark/... - pcapng$" "$work/capinfos" &&
grep -qx "Capture comment:     hsanalyze machine: hostname=$host; kernel=$rel; net.ipv4.ip_local_port_range=40000 40999; net.ipv4.tcp_tw_reuse=0" "$work/capinfos" &&
grep -qx "Capture oper-sys:    Linux $rel" "$work/capinfos" &&
grep -q "^Capture application: hsanalyze " "$work/capinfos" &&
grep -q "Time precision = nanoseconds (9)" "$work/capinfos" &&
    ok "capinfos: pcapng, nanoseconds, the machine in the section header" ||
    { bad "capinfos"; show "$work/capinfos" capinfos; }

# 20 connections of 6 or 7 packets each (an ACK may ride on the FIN):
# tshark must count what hsanalyze read.
pkts=$(tshark -r "$work/m.pcapng" 2>/dev/null | wc -l)
read_pkts=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$work/live.json" 2>/dev/null)
[ "$pkts" -ge 120 ] && [ "$pkts" = "$read_pkts" ] &&
    ok "tshark reads all $pkts packets hsanalyze captured" ||
    bad "tshark reads $pkts packets, hsanalyze captured '$read_pkts'"

# range LOW HIGH SOURCE: the report's time_wait_pressure.port_range.
range() {
    "$PY" -c 'import json,sys; r=json.load(open(sys.argv[1]))["time_wait_pressure"]["port_range"]; print(r["low"], r["high"], r["source"])' "$1" 2>/dev/null
}
"$H" -r "$work/m.pcapng" --json -o "$work/replay.json" 2>"$work/replay.err"
got=$(range "$work/replay.json")
[ "$got" = "40000 40999 capture" ] && ok "-r of the -w file: port range 40000-40999, source capture" ||
    { bad "-r of the -w file: port range '$got'"; show "$work/replay.err" stderr; }
"$H" -r "$work/m.pcapng" --port-range 1024-65535 --json -o "$work/opt.json" 2>/dev/null
got=$(range "$work/opt.json")
[ "$got" = "1024 65535 option" ] && ok "--port-range wins over the capture's" ||
    bad "--port-range with the -w file: '$got'"
finish
