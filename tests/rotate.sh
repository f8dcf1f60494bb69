#!/bin/sh
# rotate.sh - -w with -C, -G and -W during a live capture, the files named
# as tcpdump names them: -C gives FILE, FILE1, FILE2, ...; with -W N the
# numbers cycle from 0 to N - 1 and are padded with zeros to the digits of
# N - 1 (FILE0, FILE1 for -W 2; FILE00, FILE01, ... for -W 100); with -G,
# FILE is a strftime(3) pattern filled with the local time each file began
# (without a time format each period replaces the one file); -G with -W
# and no -C stops after W files, exit 0.  The -G cases, which see no traffic
# (a port of their own), run while the -C cases run.  In a network
# namespace of its own; traffic is a local TCP connection sending 150000 small messages with
# Nagle off, captured whole (-s 65535), so that the bytes saved, 6 MB and
# more, do not depend on how the kernel cuts the stream into segments.
# Before stopping, the test waits until the --interval status lines show
# hsanalyze has read everything (two lines with the same packet count), so
# a loaded machine only makes it slower.
# Checks: the exact names; every file is a whole pcapng (as -w writes);
# with -C 1, every file but the last was cut at the first size check (every
# 64 packets) past 1,000,000 bytes: it holds a multiple of 64 records, is
# larger than 1,000,000 bytes and was not without its last 64 records; the
# records of all the files add up to the packets hsanalyze read (JSON
# report); no temporary file is left; usage errors exit 2.  Needs root
# (skipped, 77, without).  About 9 s.
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

# pcapcheck FILE...: for each file "NAME RECORDS SIZE TAIL" (enhanced packet
# blocks, file size, bytes of its last 64 blocks), then "records N" for all
# of them; or "bad FILE" when one is not a whole pcapng (a section header
# first, every block's length matching its trailer, nothing after the last).
pcapcheck() {
	"$PY" - "$@" <<'EOF_PY'
import os, struct, sys
total = 0
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    if len(data) < 28 or data[:4] != b"\x0a\x0d\x0d\x0a" or data[8:12] != b"\x4d\x3c\x2b\x1a":
        print("bad %s" % path); sys.exit()
    off, epbs = 0, []
    while off < len(data):
        if off + 12 > len(data):
            print("bad %s" % path); sys.exit()
        btype, blen = struct.unpack("<II", data[off:off + 8])
        if blen < 12 or off + blen > len(data) or \
                struct.unpack("<I", data[off + blen - 4:off + blen])[0] != blen:
            print("bad %s" % path); sys.exit()
        if btype == 6:
            epbs.append(blen)
        off += blen
    total += len(epbs)
    print("%s %d %d %d" % (os.path.basename(path), len(epbs), len(data), sum(epbs[-64:])))
print("records %d" % total)
EOF_PY
}

# caught_up ERRFILE: wait (at most 20 s) until two status lines in a row
# show the same packet count.
caught_up() {
	_cu_i=0
	while [ $_cu_i -lt 100 ]; do
		[ "$(grep -o 'packets [0-9]*' "$1" | tail -n 2 | uniq | wc -l)" = 1 ] &&
			[ "$(grep -c 'packets [0-9]*' "$1")" -ge 2 ] && return 0
		sleep 0.2
		_cu_i=$((_cu_i + 1))
	done
	return 1
}

# run NAME ARGS...: capture with ARGS during the traffic, stop with SIGTERM
# once everything was read; the files written are listed in $work/NAME.ls.
run() {
	name=$1
	shift
	mkdir "$work/$name"
	"$H" -i lo -s 65535 --interval 0.3 --json --all-connections -o "$work/$name.json" "$@" "tcp port $T" >"$work/$name.out" 2>"$work/$name.err" &
	bg_pid=$!
	wait_listening "$bg_pid" "$work/$name.err" || { bad "$name: did not start"; show "$work/$name.err" stderr; return 1; }
	traffic
	sleep 0.7	# two status lines after the traffic at least
	caught_up "$work/$name.err" || { bad "$name: still reading after 20 s"; }
	stop_pid "$bg_pid" TERM 10
	bg_pid=''
	[ "$status" = 0 ] || { bad "$name: exit $status"; show "$work/$name.err" stderr; return 1; }
	ls "$work/$name" >"$work/$name.ls"
	return 0
}

# names PREFIX FIRST N [WIDTH]: the names tcpdump gives N files, one a line:
# PREFIX (FIRST empty) or PREFIX0 (FIRST 0), then PREFIX1 ..., padded to WIDTH.
names() {
	_n_i=0
	while [ $_n_i -lt "$3" ]; do
		if [ $_n_i = 0 ] && [ -z "$2" ]; then
			echo "$1"
		else
			printf '%s%0*d\n' "$1" "${4:-0}" $_n_i
		fi
		_n_i=$((_n_i + 1))
	done | sort
}

# g_cases: the -G cases, on a port without traffic (-G makes files by
# time alone), "ok TEXT" and "bad TEXT" lines; they run in the background
# while the -C cases run.
g_cases() {
	# -G: FILE is a strftime pattern, here the Unix time in seconds.
	mkdir "$work/time"
	before=$(date +%s)
	"$H" -i lo -w "$work/time/p-%s.pcap" -G 1 --duration 2.5 "tcp port $I" >/dev/null 2>"$work/time.err"
	rc=$?
	after=$(date +%s)
	ls "$work/time" >"$work/time.ls"
	# Three names p-T.pcap, T rising, from before to after the run.
	good=$(sed -n 's/^p-\([0-9]*\)\.pcap$/\1/p' "$work/time.ls" | sort -n |
	    awk -v lo="$before" -v hi="$after" '$1 >= lo && $1 <= hi && $1 > last { n++; last = $1 } END { print n + 0 }')
	[ $rc = 0 ] && [ "$(wc -l <"$work/time.ls")" = 3 ] && [ "$good" = 3 ] &&
		[ "$(cd "$work/time" && pcapcheck * | tail -n 1)" = "records 0" ] &&
		ok "-G 1 -w 'p-%s.pcap' for 2.5 s: 3 files named by their start, $before..$after: $(tr '\n' ' ' <"$work/time.ls")" ||
		{ bad "-G: exit $rc"; show "$work/time.ls" file; show "$work/time.err" stderr; }

	# -G without a time format: every period replaces the one file.
	mkdir "$work/same"
	"$H" -i lo -w "$work/same/p.pcap" -G 0.5 --duration 1.7 "tcp port $I" >/dev/null 2>"$work/same.err"
	rc=$?
	[ $rc = 0 ] && [ "$(ls "$work/same")" = p.pcap ] && [ "$(pcapcheck "$work/same/p.pcap" | tail -n 1)" = "records 0" ] &&
		ok "-G 0.5 -w p.pcap: one file, p.pcap, each period replacing it" ||
		{ bad "-G without a time format: exit $rc, $(ls "$work/same" | tr '\n' ' ')"; show "$work/same.err" stderr; }

	# -G -W without -C: W files, then the end, exit 0 (no --duration).
	mkdir "$work/limit"
	"$H" -i lo -w "$work/limit/p-%s.pcap" -G 1 -W 2 "tcp port $I" >"$work/limit.out" 2>"$work/limit.err" &
	limit_pid=$!
	stop_pid "$limit_pid" - 6
	[ "$status" = 0 ] && [ "$(ls "$work/limit" | wc -l)" = 2 ] &&
		grep -q '^hsanalyze: -W 2: the last -w file is written; stopping$' "$work/limit.err" &&
		grep -q . "$work/limit.out" &&
		ok "-G 1 -W 2: 2 files ($(ls "$work/limit" | tr '\n' ' ')), then the report and exit 0" ||
		{ bad "-G -W: exit $status, $(ls "$work/limit" | tr '\n' ' ')"; show "$work/limit.err" stderr; }
}

I=8090
limit_pid=''
( ok() { echo "ok $1"; }; bad() { echo "bad $1"; }; g_cases ) >"$work/g.checks" 2>&1 &
g_pid=$!
trap 'kill $g_pid 2>/dev/null; _tl_cleanup' EXIT

if run size -w "$work/size/p.pcap" -C 1; then
	n=$(wc -l <"$work/size.ls")
	names p.pcap '' "$n" >"$work/size.want"
	read_pkts=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$work/size.json")
	# In order: p.pcap, p.pcap1, p.pcap2, ...
	# shellcheck disable=SC2046
	pcapcheck "$work/size/p.pcap" $(i=1; while [ $i -lt "$n" ]; do echo "$work/size/p.pcap$i"; i=$((i + 1)); done) >"$work/size.check"
	[ "$n" -ge 3 ] && cmp -s "$work/size.ls" "$work/size.want" &&
		[ "$(tail -n 1 "$work/size.check")" = "records $read_pkts" ] &&
		ok "-C 1: $n files p.pcap, p.pcap1 .. p.pcap$((n - 1)), whole pcapngs, $read_pkts records in all = packets read" ||
		{ bad "-C 1: $n files, packets read $read_pkts"; show "$work/size.ls" file; show "$work/size.check" pcapcheck; }
	# Every file but the last: cut at the first check past 1,000,000.
	sizes=$(head -n $((n - 1)) "$work/size.check" | awk '
	    $2 % 64 != 0 || $3 <= 1000000 || $3 - $4 > 1000000 { bad++ } END { print bad + 0 }')
	[ "$sizes" = 0 ] && ok "-C 1: each full file cut at the first size check past 1,000,000 bytes" ||
		{ bad "-C 1: $sizes files cut elsewhere"; show "$work/size.check" pcapcheck; }
fi

if run ring -w "$work/ring/p.pcap" -C 1 -W 2; then
	printf 'p.pcap0\np.pcap1\n' >"$work/ring.want"
	cmp -s "$work/ring.ls" "$work/ring.want" &&
		[ "$(pcapcheck "$work/ring/p.pcap0" "$work/ring/p.pcap1" | tail -n 1 | cut -c1-7)" = records ] &&
		ok "-C 1 -W 2: only p.pcap0 and p.pcap1, whole pcapngs" ||
		{ bad "-W 2"; show "$work/ring.ls" file; }
fi

if run wide -w "$work/wide/p.pcap" -C 1 -W 100; then
	n=$(wc -l <"$work/wide.ls")
	names p.pcap 0 "$n" 2 >"$work/wide.want"
	[ "$n" -ge 3 ] && cmp -s "$work/wide.ls" "$work/wide.want" &&
		ok "-C 1 -W 100: $n files p.pcap00 .. $(tail -n 1 "$work/wide.want"), padded to 2 digits" ||
		{ bad "-W 100: names"; show "$work/wide.ls" file; }
fi

wait $g_pid
g_pid=''
relay_checks "$work/g.checks" echo
finish
