#!/bin/sh
# pcapng.sh - pcapng files with several interfaces, read by hsanalyze's own
# block reader (src/pcapng.c): each packet with its interface's link type
# and timestamp resolution; a BPF filter compiled for each link type; a
# damaged block said clearly.  The files are written by
# tests/pcaps/make_pcapng.py, whose docstring gives each construction (two
# connections of 7 segments, 6 ms long, the second 1 s after the first).
# libpcap 1.10 read none of the three good ones (0 packets, exit 1).
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
P=$srcdir/tests/pcaps
test_name=pcapng
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# facts FILE: link type, packets, segments, first and last packet, and per
# connection server port, duration, handshake, TIME-WAIT side.
facts() {
	"$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = d["capture"]
print(c["link_type"], c["packets"], c["tcp_segments"], c["first_packet"],
      c["last_packet"], " ".join("%d/%g/%s/%s" % (x["server"]["port"],
      x["duration_ms"], x["handshake"]["status"], x["close"]["time_wait"])
      for x in d["connections"]))
' "$1"
}

# check NAME PCAP WANT [OPTIONS...]: exit 0, nothing on stderr, facts WANT.
check() {
	name=$1 pcap=$2 want=$3
	shift 3
	"$H" --json --all-connections -r "$P/$pcap" "$@" >"$work/$name.json" 2>"$work/$name.err"
	rc=$?
	got=$(facts "$work/$name.json" 2>&1)
	if [ $rc = 0 ] && [ ! -s "$work/$name.err" ] && [ "$got" = "$want" ]; then
		ok "$name: $got"
	else
		bad "$name: exit $rc, got [$got], want [$want]"
		show "$work/$name.err" stderr
	fi
}

both='2023-11-14T22:13:20.000000Z 2023-11-14T22:13:21.006000Z 80/6/complete/client 8080/6/complete/client'
check "Ethernet and raw IP (ns) interfaces" pcapng_two_links.pcapng "EN10MB,RAW 14 14 $both"
check "two LINKTYPE_RAW interfaces" pcapng_two_raw.pcapng "RAW 14 14 $both"
check "two sections" pcapng_two_sections.pcapng "EN10MB,RAW 14 14 $both"
check "filter on both link types" pcapng_two_links.pcapng \
    "RAW 7 7 2023-11-14T22:13:21.000000Z 2023-11-14T22:13:21.006000Z 8080/6/complete/client" \
    tcp port 8080
check "filter, Ethernet only" pcapng_two_links.pcapng \
    "EN10MB 7 7 2023-11-14T22:13:20.000000Z 2023-11-14T22:13:20.006000Z 80/6/complete/client" \
    tcp port 80

"$H" -r "$P/pcapng_bad_interface.pcapng" >"$work/bad.txt" 2>"$work/bad.err"
rc=$?
[ $rc = 1 ] && grep -qx "hsanalyze: $P/pcapng_bad_interface.pcapng: the capture ends inside a packet record (a packet on interface 5, which no block describes); the report covers the 7 packets before it" "$work/bad.err" \
    && grep -q "^  7 packets, 7 TCP segments" "$work/bad.txt" \
    && ok "a packet on an undescribed interface: exit 1, the 7 packets before it reported" \
    || { bad "undescribed interface: exit $rc"; show "$work/bad.err" stderr; }

# -w writes pcapng, one interface per link type: both link types are kept
# and the copy reads as the original does.
"$H" -r "$P/pcapng_two_links.pcapng" -w "$work/saved.pcapng" -o "$work/r.txt" 2>"$work/w.err"
rc=$?
"$H" -r "$P/pcapng_two_links.pcapng" -o "$work/orig.txt" 2>/dev/null
"$H" -r "$work/saved.pcapng" -o "$work/copy.txt" 2>/dev/null
[ $rc = 0 ] && [ "$(tail -n +2 "$work/copy.txt")" = "$(tail -n +2 "$work/orig.txt")" ] \
    && grep -q "^  link type EN10MB,RAW," "$work/copy.txt" \
    && ok "-w of two link types: one pcapng, read back as the original" \
    || { bad "-w two link types: exit $rc"; show "$work/w.err" stderr; diff "$work/orig.txt" "$work/copy.txt" | head; }
"$H" -r "$P/pcapng_two_links.pcapng" -w "$work/port80.pcap" -o "$work/r80.txt" tcp port 80 2>"$work/w80.err"
rc=$?
[ $rc = 0 ] && [ "$("$H" --json -r "$work/port80.pcap" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["capture"]["packets"])')" = 7 ] \
    && ok "-w of one link type (filtered): 7 packets saved" || { bad "-w filtered: exit $rc"; show "$work/w80.err" stderr; }

finish
