#!/bin/sh
# frames.sh - the frame numbers in the JSON report name the segments their
# roles say, as tshark numbers frames (tests/check_frames.py), on crafted
# and real traces, and still with a BPF filter that hides other records.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
P=$srcdir/tests/pcaps
test_name=frames
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
command -v tshark >/dev/null 2>&1 || skip "tshark is not installed (scripts/setup-debian.sh)"
work_dir

# check NAME PCAP [FILTER...]: the report and tshark's frames compared, the
# checks' lines in $work/NAME.out (relayed below, in order).  The checks run
# two at a time: each is mostly tshark starting.
check() {
	name=$1 pcap=$2
	shift 2
	if ! "$H" --json --all-connections -r "$P/$pcap" "$@" >"$work/$name.json" 2>"$work/$name.err"; then
		echo "bad $name: hsanalyze failed: $(cat "$work/$name.err")" >"$work/$name.out"
		return
	fi
	"$PY" "$srcdir/tests/check_frames.py" "$P/$pcap" "$work/$name.json" "$*" >"$work/$name.out" 2>&1
}

names='syn_retrans_answered fin_retransmit_lost_final_ack rst_abort refused
    simultaneous_close port_reuse real_nginx_proxy'
n=0
for t in $names; do
	check "$t" "$t.pcap" &
	n=$((n + 1))
	[ $((n % 2)) = 0 ] && wait
done
# Three connections, one of them IPv6 on port 8080: the filter keeps only
# that one, and its frames keep their numbers in the whole file.
check filtered linktype_null_le.pcap ip6 and tcp port 8080 &
wait
for t in $names filtered; do
	relay_checks "$work/$t.out" echo
done
if "$PY" -c 'import json, sys
c = json.load(open(sys.argv[1]))["connections"]
sys.exit(0 if len(c) == 1 and c[0]["frames"]["syn"] == [8] else 1)' "$work/filtered.json"; then
	ok "filtered: the one connection kept starts at frame 8 of the file"
else
	bad "filtered: expected one connection whose SYN is frame 8"
fi
finish
