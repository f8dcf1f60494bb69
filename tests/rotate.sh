#!/bin/sh
# rotate.sh - -w with -C, -G and -W during a live capture, as tcpdump's:
# new files FILE.0, FILE.1, ... by size or by time, and with -W a fixed
# number of names reused.  In a network namespace of its own; traffic is a
# local TCP connection sending 150000 small messages with Nagle off.
# Checks: every file is a whole pcapng (as -w writes); with -C 1, each file but the last
# holds at least 1,000,000 bytes and less than a million plus 64 records
# more (the size is looked at every 64 packets), and the records of all the
# files add up to the packets hsanalyze read (JSON report); with -W 2 only
# FILE.0 and FILE.1 exist; -G 0.5 over 2.2 s gives 5 files (4 to 6, as
# timing allows); no temporary file is left; usage errors exit 2.  Needs
# root (skipped, 77, without).  About 6 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=rotate
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter -- "$@"
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-rotate.XXXXXX
T=8080

usage() {
	"$H" "$@" >/dev/null 2>"$work/usage.err"
	rc=$?
	[ $rc = 2 ] && [ "$(wc -l <"$work/usage.err")" = 1 ] && ok "usage error (2): hsanalyze $*" ||
		{ bad "hsanalyze $*: exit $rc"; show "$work/usage.err" stderr; }
}
usage -i lo -C 1
usage -r "$srcdir/tests/pcaps/client_close.pcap" -w "$work/x" -C 1
usage -i lo -w "$work/x" -W 2
usage -i lo -w "$work/x" -C 0
usage -i lo -w "$work/x" -G 0

# traffic: 150000 small messages on one connection to port $T.
traffic() {
	"$PY" - $T <<'EOF_PY'
import socket, sys, threading
T = int(sys.argv[1])
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", T))
srv.listen(1)
def sink():
    c, _ = srv.accept()
    while c.recv(65536):
        pass
    c.close()
t = threading.Thread(target=sink)
t.start()
c = socket.create_connection(("127.0.0.1", T))
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(150000):
    c.send(b"x" * 40)
c.close()
t.join()
EOF_PY
}

# pcapcheck FILE...: "records N" (enhanced packet blocks) for all the files
# together, or "bad FILE" when one is not a whole pcapng (a section header
# first, every block's length matching its trailer, nothing after the last).
pcapcheck() {
	"$PY" - "$@" <<'EOF_PY'
import struct, sys
total = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if len(data) < 28 or data[:4] != b"\x0a\x0d\x0d\x0a" or data[8:12] != b"\x4d\x3c\x2b\x1a":
        print("bad %s" % path); sys.exit()
    off = 0
    while off < len(data):
        if off + 12 > len(data):
            print("bad %s" % path); sys.exit()
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or off + blen > len(data) or \
                struct.unpack("<I", data[off + blen - 4:off + blen])[0] != blen:
            print("bad %s" % path); sys.exit()
        total += btype == 6
        off += blen
print("records %d" % total)
EOF_PY
}

# run NAME ARGS...: capture with ARGS during the traffic, stop with SIGTERM.
run() {
	name=$1
	shift
	mkdir "$work/$name"
	"$H" -i lo --json --all-connections -o "$work/$name.json" "$@" "tcp port $T" >"$work/$name.out" 2>"$work/$name.err" &
	bg_pid=$!
	wait_listening "$bg_pid" "$work/$name.err" || { bad "$name: did not start"; show "$work/$name.err" stderr; return 1; }
	traffic
	sleep 0.3
	stop_pid "$bg_pid" TERM 10
	bg_pid=''
	[ "$status" = 0 ] || { bad "$name: exit $status"; show "$work/$name.err" stderr; return 1; }
	ls "$work/$name" | grep -v '^p\.pcap\.[0-9]*$' >"$work/$name.stray"
	[ -s "$work/$name.stray" ] && { bad "$name: files left besides p.pcap.N"; show "$work/$name.stray" file; }
	return 0
}

if run size -w "$work/size/p.pcap" -C 1; then
	n=$(ls "$work/size" | wc -l)
	files=$(i=0; while [ $i -lt "$n" ]; do echo "$work/size/p.pcap.$i"; i=$((i + 1)); done)
	read_pkts=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$work/size.json")
	# shellcheck disable=SC2086
	got=$(pcapcheck $files)
	[ "$n" -ge 3 ] && [ "$got" = "records $read_pkts" ] &&
		ok "-C 1: $n files p.pcap.0..$((n - 1)), whole pcapngs, $read_pkts records in all = packets read" ||
		bad "-C 1: $n files, '$got', packets read $read_pkts"
	sizes_ok=1 i=0
	while [ $i -lt $((n - 1)) ]; do
		sz=$(stat -c %s "$work/size/p.pcap.$i")
		{ [ "$sz" -ge 1000000 ] && [ "$sz" -lt $((1000000 + 64 * (32 + 262144))) ]; } || sizes_ok=0
		[ "$sz" -lt $((1000000 + 64 * 292)) ] || sizes_ok=0	# snaplen 256 + block
		i=$((i + 1))
	done
	[ $sizes_ok = 1 ] && ok "-C 1: each full file between 1,000,000 bytes and 64 records more" ||
		{ bad "-C 1: sizes"; ls -l "$work/size"; }
fi

if run ring -w "$work/ring/p.pcap" -C 1 -W 2; then
	[ "$(ls "$work/ring" | tr '\n' ' ')" = "p.pcap.0 p.pcap.1 " ] &&
		[ "$(pcapcheck "$work/ring/p.pcap.0" "$work/ring/p.pcap.1" | cut -c1-7)" = records ] &&
		ok "-C 1 -W 2: only p.pcap.0 and p.pcap.1, whole pcapngs" ||
		{ bad "-W 2: $(ls "$work/ring" | tr '\n' ' ')"; }
fi

mkdir "$work/time"
"$H" -i lo -w "$work/time/p.pcap" -G 0.5 --duration 2.2 "tcp port $T" >/dev/null 2>"$work/time.err"
rc=$?
n=$(ls "$work/time" | wc -l)
[ $rc = 0 ] && [ "$n" -ge 4 ] && [ "$n" -le 6 ] &&
	[ "$(pcapcheck "$work"/time/*)" = "records 0" ] &&
	ok "-G 0.5 for 2.2 s: $n files, whole (empty) pcapngs" || { bad "-G: exit $rc, $n files"; show "$work/time.err" stderr; }
finish
