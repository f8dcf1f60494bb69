#!/bin/sh
# ladder_agrees.sh - the ladder (--ladder) and the JSON report never
# contradict each other: for every capture with an expected verdict file in
# tests/pcaps/expected, each connection the ladder draws (one of each kind)
# ends in the states the JSON report gives it, its "TIME_WAIT:" line names
# the same holder as close.time_wait, and it does not say "No FIN was seen"
# of a connection whose close.kind says a FIN was.
set -u
srcdir=${srcdir:-.}
HSANALYZE=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
pcaps=$srcdir/tests/pcaps
test_name=ladder_agrees
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# NAME PCAP for each expected file of a capture hsanalyze reads (exit 0).
"$PY" - "$pcaps"/expected/*.json >"$work/list" <<'PYEOF'
import json, os, sys
for path in sys.argv[1:]:
    d = json.load(open(path))
    if d.get('exit_status', 0) == 0 and not d.get('options'):
        print(os.path.basename(path)[:-5], d['pcap'])
PYEOF
while read -r name pcap; do
	if ! "$HSANALYZE" --json --all-connections -r "$pcaps/$pcap" >"$work/$name.json" 2>/dev/null ||
	    ! "$HSANALYZE" --ladder -r "$pcaps/$pcap" >"$work/$name.ladder" 2>/dev/null; then
		bad "$name: hsanalyze failed"
	fi
done <"$work/list"

"$PY" - "$work" >"$work/check" <<'PYEOF'
import json, os, re, sys
work = sys.argv[1]
holder = {'client': 'the client', 'server': 'the server', 'both': 'both sides',
          'pending': 'pending', 'none': 'none'}
for line in open(os.path.join(work, 'list')):
    name = line.split()[0]
    try:
        conns = {c['id']: c for c in
                 json.load(open(os.path.join(work, name + '.json')))['connections']}
        ladder = open(os.path.join(work, name + '.ladder')).read().splitlines()
    except (OSError, ValueError) as e:
        print('bad %s: %s' % (name, e))
        continue
    cur, problems, drawn = None, [], 0
    for text in ladder:
        m = re.match(r'Connection #(\d+)', text)
        if m:
            cur = conns.get(int(m.group(1)))
            if cur is None:
                problems.append('ladder draws #%s, not in the JSON' % m.group(1))
            drawn += 1
            continue
        if cur is None:
            continue
        m = re.match(r'\s+end\s+(\S+)\s+(\S+)\s*$', text)
        if m and m.groups() != (cur['state']['client'], cur['state']['server']):
            problems.append('#%d ends %s in the ladder, %s/%s in the JSON'
                            % (cur['id'], '/'.join(m.groups()),
                               cur['state']['client'], cur['state']['server']))
        m = re.match(r'TIME_WAIT: (the client|the server|both sides|pending|none)\.',
                     text)
        if m and m.group(1) != holder[cur['close']['time_wait']]:
            problems.append('#%d: the ladder says TIME_WAIT %s, the JSON %s'
                            % (cur['id'], m.group(1), cur['close']['time_wait']))
        if 'No FIN was seen' in text and cur['close']['kind'] in ('fin', 'half_closed'):
            problems.append('#%d: the ladder says no FIN was seen, the JSON '
                            'close.kind is %s' % (cur['id'], cur['close']['kind']))
    for p in problems:
        print('bad %s: %s' % (name, p))
    if not problems:
        print('ok %s: %d connections drawn, ladder and JSON agree' % (name, drawn))
PYEOF
relay_checks "$work/check" echo
finish
