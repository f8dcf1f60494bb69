#!/bin/sh
# real_capture.sh - the checked-in capture of nginx proxying on loopback
# (tests/live/README says how it was made), against the kernel's own list of
# TIME_WAIT sockets taken right after the traffic (ss -tan state time-wait),
# and, when tshark is installed, the handshake RTTs against tshark's
# tcp.analysis.initial_rtt.
set -u
srcdir=${srcdir:-.}
HSANALYZE=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
pcap=$srcdir/tests/pcaps/real_nginx_proxy.pcap
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

"$HSANALYZE" --json --all-connections -r "$pcap" >"$work/report.json" || { echo "FAIL: hsanalyze exit $?"; exit 1; }
"$PY" "$srcdir/tests/live/check_timewait.py" "$work/report.json" \
    "$srcdir/tests/pcaps/real_nginx_proxy.timewait" || exit 1

if ! command -v tshark >/dev/null 2>&1; then
	echo "tshark not installed: RTT cross-check not run"
	exit 0
fi
tshark -r "$pcap" -Y 'tcp.analysis.initial_rtt && tcp.flags.syn == 0' \
    -T fields -e tcp.srcport -e tcp.dstport -e tcp.analysis.initial_rtt \
    -e tcp.stream 2>/dev/null >"$work/tshark.txt"
"$PY" - "$work/report.json" "$work/tshark.txt" <<'PYEOF'
import json, sys
report = json.load(open(sys.argv[1]))
# tshark: one initial_rtt per stream, on every segment after the handshake;
# the first line of each stream is enough.
seen = {}
for line in open(sys.argv[2]):
    sport, dport, rtt, stream = line.split("\t")
    seen.setdefault(int(stream), (int(sport), int(dport), float(rtt)))
ours = {}
for c in report["connections"]:
    t = c["handshake"]["rtt_ms"]["total"]
    if t is not None:
        ours.setdefault((c["client"]["port"], c["server"]["port"]), []).append(t)
bad = checked = 0
for sport, dport, rtt in seen.values():
    key = (sport, dport) if (sport, dport) in ours else (dport, sport)
    if key not in ours:
        continue
    checked += 1
    if not any(abs(t - rtt * 1000) < 0.0005 for t in ours[key]):
        bad += 1
        print("RTT mismatch on %s: tshark %.6f ms, hsanalyze %s" % (key, rtt * 1000, ours[key]))
print("initial RTT: %d connections checked against tshark, %d mismatched" % (checked, bad))
sys.exit(1 if bad or not checked else 0)
PYEOF
