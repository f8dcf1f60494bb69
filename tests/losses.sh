#!/bin/sh
# losses.sh - every loss is counted, shown in the text and JSON reports and
# raised as a finding:
#   - segments dropped because the memory for their connection could not be
#     had (tests/fault_inject.so makes the tracker's connection allocations
#     fail): "dropped_out_of_memory", the text's WARNING, TRACKING_INCOMPLETE;
#     the same for a retransmitted SYN when the out-of-line handshake
#     history it needs (struct hsa_hs_more) cannot be had;
#   - connections past the pressure model's 65536 client/server pairs
#     (a capture of 65540 handshakes, each from its own client address):
#     losses.connections_past_pairs_limit, the text's WARNING,
#     PRESSURE_INCOMPLETE.
# (Evictions under --max-flows, FLOWS_EVICTED: tests/bounded.sh.)
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
FI=${FAULT_INJECT:-./tests/fault_inject.so}
P=$srcdir/tests/pcaps
test_name=losses
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
[ -f "$FI" ] || { bad "$FI was not built"; finish; }
work_dir
# The library comes before the sanitizer's runtime in an ASan build.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS

# faulty FIRST COUNT OUT ARGS...: hsanalyze ARGS with connection allocations
# FIRST..FIRST+COUNT-1 failing ("" for none), its report to OUT.
faulty() {
	spec=$1 out=$2; shift 2
	HSA_FAIL_CONN_ALLOC=$spec LD_PRELOAD=$FI "$H" "$@" >"$out" 2>"$work/err" ||
	    bad "$*: exit $? ($(cat "$work/err"))"
}

# client_close.pcap is one connection of 11 segments (tshark reads 11 frames).
C=$P/client_close.pcap
faulty "" "$work/none.json" -r "$C" --json
faulty "1 1" "$work/one.json" -r "$C" --json
faulty "1 1" "$work/one.txt" -r "$C"
faulty "1 1000" "$work/all.json" -r "$C" --json
faulty "1 1000" "$work/all.txt" -r "$C"
# syn_retrans_answered.pcap: SYN, the same SYN again, SYN/ACK, ... (12
# segments).  Chunks are asked for in this order: history entries, the
# connection, at the second SYN the out-of-line handshake history (3).
S=$P/syn_retrans_answered.pcap
faulty "3 1" "$work/more.json" -r "$S" --json --all-connections

# The text report says it twice: under the capture, and as a finding.
grep -qx '  WARNING: 1 segment dropped, out of memory for its connection: results are incomplete' "$work/one.txt" &&
    grep -qx '  \[warning\] TRACKING_INCOMPLETE: The results are incomplete: 1 segment was dropped for lack of memory for its connection, so the connection it belonged to is missing or counted in part.' "$work/one.txt" &&
    ok "first allocation failing: the text report's warning and finding for 1 segment" ||
    { bad "first allocation failing: text report"; show "$work/one.txt" text; }
grep -qx '  WARNING: 11 segments dropped, out of memory for their connection: results are incomplete' "$work/all.txt" &&
    grep -qx '  \[warning\] TRACKING_INCOMPLETE: The results are incomplete: 11 segments were dropped for lack of memory for their connection, so the connections they belonged to are missing or counted in part.' "$work/all.txt" &&
    ok "every allocation failing: the text report's warning and finding for 11 segments" ||
    { bad "every allocation failing: text report"; show "$work/all.txt" text; }

# 65540 connections (SYN, SYN/ACK, ACK), each from its own client to
# 198.51.100.20:80: 65540 pairs, 4 past the limit.  --max-flows keeps them
# all tracked (no eviction).
"$PY" - "$work/pairs.pcap" <<'PYEOF' || exit 99
import struct, sys
N = 65540
rec, ip, tcp = struct.Struct('<IIII'), struct.Struct('!BBHHHBBH4s4s'), struct.Struct('!HHIIBBHHH')
srv = bytes([198, 51, 100, 20])
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]  # LINKTYPE_RAW
for i in range(N):
    cli = bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255])
    for k, (src, dst, sp, dp, flags, seq, ack) in enumerate((
            (cli, srv, 40000, 80, 0x02, 1000, 0),       # SYN
            (srv, cli, 80, 40000, 0x12, 5000, 1001),    # SYN/ACK
            (cli, srv, 40000, 80, 0x10, 1001, 5001))):  # ACK
        us = i * 1000 + k * 100
        out.append(rec.pack(1700000000 + us // 1000000, us % 1000000, 40, 40) +
                   ip.pack(0x45, 0, 40, 0, 0, 64, 6, 0, src, dst) +
                   tcp.pack(sp, dp, seq, ack, 0x50, flags, 65535, 0, 0))
open(sys.argv[1], 'wb').write(b''.join(out))
PYEOF
"$H" -r "$work/pairs.pcap" --max-flows 100000 --json -o "$work/pairs.json" &&
    "$H" -r "$work/pairs.pcap" --max-flows 100000 -o "$work/pairs.txt" || bad "pairs: exit $?"
grep -qx '  WARNING: 4 connections not counted: more than 65536 client/server pairs' "$work/pairs.txt" &&
    grep -qx '  \[warning\] PRESSURE_INCOMPLETE: The TIME-WAIT figures are incomplete: 4 connections of client/server pairs past the first 65536 were not counted, and 0 TIME-WAIT entries were lost for lack of memory.' "$work/pairs.txt" &&
    ok "65540 pairs: the text report's warning and finding for the 4 past the limit" ||
    { bad "65540 pairs: text report"; show "$work/pairs.txt" text; }

"$PY" - "$work" >"$work/checks" 2>&1 <<'PYEOF'
import json, os, sys
w = sys.argv[1]
def load(name):
    return json.load(open(os.path.join(w, name)))
def say(cond, text):
    print(('ok ' if cond else 'bad ') + text)
def codes(r):
    return [(f['code'], f['severity'], f['numbers']) for f in r['findings']
            if f['code'] in ('TRACKING_INCOMPLETE', 'PRESSURE_INCOMPLETE', 'FLOWS_EVICTED')]

r = load('none.json')
say(r['capture']['dropped_out_of_memory'] == 0 and r['summary']['connections'] == 1 and codes(r) == [],
    'library loaded, nothing failing: 0 dropped, 1 connection, no loss finding')
r = load('one.json')
say(r['capture']['dropped_out_of_memory'] == 1, 'first allocation failing: dropped_out_of_memory 1')
say(codes(r) == [('TRACKING_INCOMPLETE', 'warning', {'segments_dropped': 1})],
    'first allocation failing: TRACKING_INCOMPLETE, warning, segments_dropped 1: %s' % codes(r))
say(r['summary']['connections'] == 1, 'first allocation failing: the SYN/ACK still starts the connection (1)')
r = load('all.json')
say(r['capture']['dropped_out_of_memory'] == 11 and r['capture']['tcp_segments'] == 11,
    'every allocation failing: all 11 segments dropped: %s' % r['capture']['dropped_out_of_memory'])
say(r['summary']['connections'] == 0, 'every allocation failing: 0 connections')
say(codes(r) == [('TRACKING_INCOMPLETE', 'warning', {'segments_dropped': 11})],
    'every allocation failing: TRACKING_INCOMPLETE, segments_dropped 11: %s' % codes(r))
r = load('more.json')
c = r['connections'][0] if r['connections'] else {}
say(r['capture']['dropped_out_of_memory'] == 1 and r['summary']['connections'] == 1,
    'no memory for the handshake history: the retransmitted SYN dropped, 1 connection: %s' % r['capture']['dropped_out_of_memory'])
say(codes(r) == [('TRACKING_INCOMPLETE', 'warning', {'segments_dropped': 1})],
    'no memory for the handshake history: TRACKING_INCOMPLETE, segments_dropped 1: %s' % codes(r))
say(c.get('frames', {}).get('syn') == [1] and c['handshake']['syn_retransmits'] == 0 and
    c['handshake']['rtt_ms']['syn_to_synack'] == 1000.25 and c['packets']['client_to_server'] == 6,
    'no memory for the handshake history: the connection as if the second SYN (frame 2) was not captured: %s' % c.get('handshake'))
r = load('pairs.json')
lo = r['time_wait_pressure']['losses']
say(r['summary']['connections'] == 65540 and r['summary']['evicted'] == 0,
    '65540 pairs: 65540 connections, none evicted')
say(lo['pairs_limit'] == 65536 and lo['connections_past_pairs_limit'] == 4 and lo['out_of_memory'] == 0,
    '65540 pairs: losses.connections_past_pairs_limit 4: %s' % lo)
say(codes(r) == [('PRESSURE_INCOMPLETE', 'warning', {'pairs_limit_connections': 4, 'out_of_memory': 0})],
    '65540 pairs: PRESSURE_INCOMPLETE, pairs_limit_connections 4: %s' % codes(r))
PYEOF
relay_checks "$work/checks" echo "    "
finish
