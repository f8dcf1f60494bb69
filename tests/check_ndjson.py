#!/usr/bin/python3
"""Check a connection log (--ndjson) against the JSON report of the same run.

usage: check_ndjson.py [--summary] LOG REPORT.json [LOG REPORT.json ...]

- every line is one JSON object that parses on its own, with "type"
  "connection" or (the last line only, and only with --summary) "summary";
- a connection line has "ts" equal to its "first_packet", the Community ID
  (v1, seed 0) of its endpoints computed here from the specification, and
  the same members as the report's connection object of the same "id";
- the log has one line per connection of the report (summary.connections);
- the summary line's "capture" and "summary" equal the report's.
Prints "ok TEXT" / "bad TEXT" lines; exit 0 when all are ok.
"""

import base64
import hashlib
import ipaddress
import json
import struct
import sys

TCP = 6


def community_id(a_ip, a_port, b_ip, b_port, seed=0):
    a = ipaddress.ip_address(a_ip).packed
    b = ipaddress.ip_address(b_ip).packed
    if (a, a_port) > (b, b_port):
        a, a_port, b, b_port = b, b_port, a, a_port
    data = (struct.pack('>H', seed) + a + b + struct.pack('>BB', TCP, 0)
            + struct.pack('>HH', a_port, b_port))
    return '1:' + base64.b64encode(hashlib.sha1(data).digest()).decode()


def check(log, report, want_summary):
    r = json.load(open(report))
    conns = {c['id']: c for c in r.get('connections', [])}
    lines = open(log, encoding='utf-8').read().split('\n')
    if lines and lines[-1] == '':
        lines.pop()
    else:
        print('bad %s: the log does not end with a newline' % log)
        return 1
    problems = []
    seen = 0
    for i, line in enumerate(lines, 1):
        try:
            o = json.loads(line)
        except ValueError as e:
            problems.append('line %d does not parse alone: %s' % (i, e))
            continue
        kind = o.get('type') if isinstance(o, dict) else None
        if kind == 'summary':
            if not want_summary or i != len(lines):
                problems.append('line %d: a summary line here' % i)
            if o.get('summary') != r['summary'] or o.get('capture') != r['capture']:
                problems.append('line %d: summary differs from the report' % i)
            continue
        if kind != 'connection':
            problems.append('line %d: type %r' % (i, kind))
            continue
        seen += 1
        c = dict(o)
        for k in ('type', 'ts', 'community_id'):
            c.pop(k)
        if o['ts'] != o['first_packet']:
            problems.append('line %d: ts %s != first_packet %s'
                            % (i, o['ts'], o['first_packet']))
        want = community_id(o['client']['ip'], o['client']['port'],
                            o['server']['ip'], o['server']['port'])
        if o['community_id'] != want:
            problems.append('line %d: community_id %s, expected %s'
                            % (i, o['community_id'], want))
        if conns and conns.get(o['id']) != c:
            problems.append('line %d: connection %s differs from the report'
                            % (i, o['id']))
    if want_summary and (not lines or '"type":"summary"' not in lines[-1]):
        problems.append('no summary line at the end')
    if seen != r['summary']['connections']:
        problems.append('%d connection lines, the report has %d connections'
                        % (seen, r['summary']['connections']))
    for p in problems:
        print('bad %s: %s' % (log.rsplit('/', 1)[-1], p))
    if not problems:
        print('ok %s: %d lines, each parses alone and matches the report'
              % (log.rsplit('/', 1)[-1], len(lines)))
    return 1 if problems else 0


def main():
    args = sys.argv[1:]
    want_summary = '--summary' in args
    args = [a for a in args if a != '--summary']
    status = 0
    for log, report in zip(args[0::2], args[1::2]):
        status |= check(log, report, want_summary)
    return status


if __name__ == '__main__':
    sys.exit(main())
