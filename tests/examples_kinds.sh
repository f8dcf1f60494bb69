#!/bin/sh
# examples_kinds.sh - the JSON report's examples, kind by kind, on a
# generated capture of three connections of each shape (tests/pcaps/
# make_kinds.py, whose docstring gives the ids): the first two reported of
# each handshake status, close kind and TIME-WAIT holder, the three slowest
# handshakes, and the connections of the one finding.  Expected from the
# construction: every connection is reported at the end, in id order.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
test_name=examples_kinds
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
"$PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed (scripts/setup-debian.sh)"
work_dir

"$PY" "$srcdir/tests/pcaps/make_kinds.py" "$work/kinds.pcap" || exit 99
"$H" --json -o "$work/kinds.json" -r "$work/kinds.pcap" 2>"$work/err" ||
    { bad "hsanalyze failed: $(cat "$work/err")"; finish; }

"$PY" - "$work/kinds.json" >"$work/checks" 2>&1 <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
# Shape k of round r is connection 7r + k + 1: fin_client 1 8 15,
# fin_server 2 9 16, refused 3 10 17, unanswered 4 11 18, incomplete
# 5 12 19, rst 6 13 20, half_closed 7 14 21.
want = {
    'handshake:complete': [1, 2],       # every shape but 3, 4, 5
    'handshake:refused': [3, 10],
    'handshake:unanswered': [4, 11],
    'handshake:incomplete': [5, 12],
    'handshake:not_seen': [],
    'close:fin': [1, 2],
    'close:rst': [3, 6],                # refused, then reset
    'close:open': [4, 5],               # unanswered, incomplete
    'close:half_closed': [7, 14],
    'time_wait:client': [1, 8],
    'time_wait:server': [2, 9],
    'time_wait:both': [],
    'time_wait:pending': [7, 14],       # half closed
    'slowest_handshake': [16, 20, 21],  # the latest complete handshakes
    # SERVER_HOLDS_TIME_WAIT: its group's first (2) and the connections it
    # names that are kept (2, 9 as time_wait:server, 16 as slowest).
    'finding': [2, 9, 16],
}
got = {k: [e['connection']['id'] for e in r['examples'] if k in e['kinds']]
       for k in want}
for k in want:
    print(('ok ' if got[k] == want[k] else 'bad ') + '%s: %s' % (k, want[k]) +
          ('' if got[k] == want[k] else ', got %s' % got[k]))
f = [(x['code'], x['examples']) for x in r['findings']]
print(('ok ' if f == [('SERVER_HOLDS_TIME_WAIT', [2, 9, 16])] else 'bad ') +
      'one finding, SERVER_HOLDS_TIME_WAIT, citing 2 9 16' + ('' if f == [('SERVER_HOLDS_TIME_WAIT', [2, 9, 16])] else ': got %r' % f))
ids = [e['connection']['id'] for e in r['examples']]
want_ids = sorted(set(i for l in want.values() for i in l))
print(('ok ' if ids == want_ids else 'bad ') + 'the examples are those, each once, in id order' +
      ('' if ids == want_ids else ': got %s' % ids))
PYEOF
relay_checks "$work/checks" bad "checker: "

# The two kinds no shape above has, each the one connection of a bundled
# capture (tests/pcaps/README): handshake:not_seen in mid_connection
# (fin, client TIME-WAIT), time_wait:both in simultaneous_close.
for case in "mid_connection:handshake:not_seen close:fin time_wait:client finding" \
    "simultaneous_close:handshake:complete close:fin time_wait:both slowest_handshake finding"; do
	pcap=${case%%:*} kinds=${case#*:}
	got=$("$H" --json -r "$srcdir/tests/pcaps/$pcap.pcap" | "$PY" -c 'import json, sys
print(" ".join("%d:%s" % (e["connection"]["id"], " ".join(e["kinds"])) for e in json.load(sys.stdin)["examples"]))')
	if [ "$got" = "1:$kinds" ]; then
		ok "$pcap: connection 1, $kinds"
	else
		bad "$pcap: examples '$got', expected '1:$kinds'"
	fi
done
finish
