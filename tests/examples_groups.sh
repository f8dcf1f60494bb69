#!/bin/sh
# examples_groups.sh - every finding the bounded JSON report shows cites a
# connection that the report shows in full, with its frame numbers, however
# many TIME-WAIT groups the capture has: on a generated capture of 30 groups
# (tests/pcaps/make_many_groups.py) whose busiest group, first in the
# findings, is the last one seen, and 30 findings of which the report shows
# 24.  Expected ids and frame numbers come from how the capture was built.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
test_name=examples_groups
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
"$PY" -c 'import scapy' 2>/dev/null || skip "python3-scapy is not installed (scripts/setup-debian.sh)"
work_dir

GROUPS=30 BUSY=3
"$PY" "$srcdir/tests/pcaps/make_many_groups.py" "$work/groups.pcap" $GROUPS $BUSY \
    >"$work/oracle.json" || exit 99
"$H" --json -o "$work/groups.json" -r "$work/groups.pcap" 2>"$work/err" ||
    { bad "hsanalyze failed: $(cat "$work/err")"; finish; }

"$PY" - "$work/oracle.json" "$work/groups.json" $GROUPS $BUSY >"$work/checks" 2>&1 <<'EOF'
import json, sys
oracle, r = (json.load(open(p)) for p in sys.argv[1:3])
groups, busy = int(sys.argv[3]), int(sys.argv[4])
frames = {int(k): v for k, v in oracle['frames'].items()}
first = {g['server_port']: g['connections'][0] for g in oracle['groups']}
shown = {e['connection']['id']: e for e in r['examples']}
tw = {i: g['server_port'] for i, g in enumerate(r['time_wait_pressure']['groups'])}

def check(name, cond, got):
    print(('ok ' if cond else 'bad ') + name + ('' if cond else ': got %r' % (got,)))

f0 = r['findings'][0]
check('the busiest group, seen last, is the first finding\'s: group 0, port 8030, connections 30 31 32',
      (f0['code'], f0['groups'], tw[0], f0['connections']) ==
      ('CLIENT_CLOSES_FIRST', [0], 8000 + groups, list(range(groups, groups + busy))),
      (f0['code'], f0['groups'], tw.get(0), f0['connections']))
check('it cites connection 30, its group\'s first', f0['examples'] == [groups], f0['examples'])
c = shown.get(groups, {}).get('connection', {})
check('connection 30 is shown in full: port 40030 to 8030, the frames it was built with %r' % frames[groups],
      (c.get('client', {}).get('port'), c.get('server', {}).get('port'), c.get('frames')) ==
      (40000 + groups, 8000 + groups, frames[groups]), c)
check('30 findings, 24 shown', (r['findings_total'], len(r['findings'])) == (groups, 24),
      (r['findings_total'], len(r['findings'])))
want = [[first[tw[f['groups'][0]]]] for f in r['findings']]
got = [f['examples'] for f in r['findings']]
check('each finding shown cites its group\'s first connection', got == want, got)
bad = [i for l in got for i in l if shown.get(i, {}).get('connection', {}).get('frames') != frames[i]]
check('each of them is shown in full with the frames it was built with', not bad, bad)
check('the report shows %d connections, at most 77 (HSA_EXAMPLES_MAX)' % len(shown),
      len(shown) <= 77 and len(shown) == len(r['examples']), len(shown))
EOF
relay_checks "$work/checks" bad "checker: "
finish
