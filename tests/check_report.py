#!/usr/bin/python3
"""Compare an hsanalyze JSON report with an expected file.

usage: check_report.py [--status N] EXPECTED.json ACTUAL.json
       check_report.py --list FILE
       check_report.py --self-test

EXPECTED.json (tests/pcaps/expected/*.json) holds
  {"pcap": ..., "options": [...], "exit_status": n,
   "capture": {subset of the report's capture object},      (optional)
   "connections": [subset of each connection, in id order],
   "time_wait_pressure": {subset of the report's member},   (optional)
   "findings": [subset of each finding]}                     (optional)

The number of connections must be equal; actual connections are sorted by
"id" and matched to the expected ones by position.  Every field present in
the expected file must be present in the actual report and equal to it
(recursively): numbers with an absolute tolerance of 1e-6, strings, booleans
and null exactly (a boolean never equals a number).  Fields the expected
file leaves out are not checked.

"time_wait_pressure" is compared like "capture" (its "groups" list by
position: the report's order is defined).  "findings" is matched, not
compared by position: the number of findings must be equal, and each
expected finding is paired with an unused actual finding of the same
"code" whose given fields all match; one that has none is reported against
an unused finding of its code (one with the same "groups" when the
expected finding gives them), or as missing.  In a finding, the integer lists "groups" and "connections"
are compared in any order.  A mismatch there is printed as
findings[CODE].field (findings[CODE groups=[0]].field when groups are
given).

--status N   also compare hsanalyze's exit status N with "exit_status".  When
             the expected exit status is not 0, only the status is compared
             and ACTUAL.json may be missing or empty.

--list FILE  compare every pair "EXPECTED.json ACTUAL.json" of FILE (one a
             line) in one run; each is said as "ok NAME" or "bad NAME",
             its mismatches on the lines after it, indented.

Each mismatch is printed as
  NAME: connections[2].close.time_wait: expected "client", got "server"
(NAME is the expected file's name without .json; connections[i] counts from
0 in id order).  Exit status: 0 when everything matches, 1 on a mismatch,
2 on a usage or file error.
"""

import json
import os
import sys
import tempfile

TOLERANCE = 1e-6
_MISSING = object()


def _show(v):
    if v is _MISSING:
        return '(missing)'
    return json.dumps(v, sort_keys=True)


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def compare(expected, actual, path, out):
    """Append 'path: expected X, got Y' strings for every difference."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            out.append('%s: expected %s, got %s'
                       % (path, _show(expected), _show(actual)))
            return
        for key, ev in expected.items():
            sub = '%s.%s' % (path, key) if path else key
            compare(ev, actual.get(key, _MISSING), sub, out)
        return
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            out.append('%s: expected %s, got %s'
                       % (path, _show(expected), _show(actual)))
            return
        for i, (ev, av) in enumerate(zip(expected, actual)):
            compare(ev, av, '%s[%d]' % (path, i), out)
        return
    if _is_number(expected):
        if _is_number(actual) and abs(expected - actual) <= TOLERANCE:
            return
    elif expected is None or isinstance(expected, (bool, str)):
        if type(actual) is type(expected) and actual == expected:
            return
    else:
        raise ValueError('%s: unsupported expected value %r' % (path, expected))
    out.append('%s: expected %s, got %s' % (path, _show(expected),
                                            _show(actual)))


def check(expected, actual):
    """All mismatches between an expected document and an actual report."""
    out = []
    if 'capture' in expected:
        compare(expected['capture'], actual.get('capture', _MISSING),
                'capture', out)
    exp_conns = expected.get('connections', [])
    act_conns = actual.get('connections', _MISSING)
    if not isinstance(act_conns, list):
        out.append('connections: expected a list of %d, got %s'
                   % (len(exp_conns), _show(act_conns)))
        return out
    try:
        act_conns = sorted(act_conns, key=lambda c: c['id'])
    except (KeyError, TypeError):
        out.append('connections: an actual connection has no integer "id"')
        return out
    if len(act_conns) != len(exp_conns):
        out.append('connections: expected %d connections, got %d (ids %s)'
                   % (len(exp_conns), len(act_conns),
                      [c['id'] for c in act_conns]))
    for i, (ec, ac) in enumerate(zip(exp_conns, act_conns)):
        compare(ec, ac, 'connections[%d]' % i, out)
    if 'time_wait_pressure' in expected:
        compare(expected['time_wait_pressure'],
                actual.get('time_wait_pressure', _MISSING),
                'time_wait_pressure', out)
    if 'findings' in expected:
        out += check_findings(expected['findings'],
                              actual.get('findings', _MISSING))
    return out


_UNORDERED = ('groups', 'connections')


def _int_list(v):
    return isinstance(v, list) and all(
        isinstance(x, int) and not isinstance(x, bool) for x in v)


def _normalized(finding):
    """A finding with its id/index lists sorted (their order is free)."""
    if not isinstance(finding, dict):
        return finding
    d = dict(finding)
    for k in _UNORDERED:
        if _int_list(d.get(k)):
            d[k] = sorted(d[k])
    return d


def _codes(findings):
    return sorted(str(f.get('code')) if isinstance(f, dict) else '?'
                  for f in findings)


def check_findings(expected, actual):
    """Mismatches between expected findings and the report's, matched on
    "code" (+ "groups" when given), not by position."""
    if not isinstance(actual, list):
        return ['findings: expected a list of %d, got %s'
                % (len(expected), _show(actual))]
    out = []
    if len(actual) != len(expected):
        out.append('findings: expected %d findings %s, got %d %s'
                   % (len(expected), _codes(expected), len(actual),
                      _codes(actual)))
    exp = [_normalized(ef) for ef in expected]
    act = [_normalized(af) for af in actual]

    def name(ef):
        n = 'findings[%s' % ef.get('code')
        if 'groups' in ef:
            n += ' groups=%s' % json.dumps(ef['groups'])
        return n + ']'

    def problems(ef, af):
        p = []
        compare(ef, af, name(ef), p)
        return p

    def same_code(ef, used):
        return [i for i, af in enumerate(act) if i not in used and
                isinstance(af, dict) and af.get('code') == ef.get('code')]

    # first every exact match, then the rest against the closest finding
    pair, used = {}, set()
    for k, ef in enumerate(exp):
        for i in same_code(ef, used):
            if not problems(ef, act[i]):
                pair[k] = i
                used.add(i)
                break
    for k, ef in enumerate(exp):
        if k in pair:
            continue
        cands = same_code(ef, used)
        if not cands:
            out.append('%s: expected a finding with code %s, got none '
                       '(codes %s)' % (name(ef), _show(ef.get('code')),
                                        _codes(actual)))
            continue
        grouped = [i for i in cands if 'groups' in ef and
                   act[i].get('groups') == ef['groups']]
        i = (grouped or cands)[0]
        used.add(i)
        out += problems(ef, act[i])
    return out


def _load(path):
    with open(path) as fh:
        return json.load(fh)


def check_files(exp_path, act_path, status=None):
    """The expected file's name (without .json) and the mismatches of
    ACTUAL against it (with hsanalyze's exit status when given), or None
    for the mismatches when the expected file cannot be read."""
    name = os.path.basename(exp_path)
    if name.endswith('.json'):
        name = name[:-5]
    try:
        expected = _load(exp_path)
    except (OSError, ValueError) as e:
        print('%s: cannot read expected file: %s' % (name, e))
        return name, None
    problems = []
    want_status = expected.get('exit_status', 0)
    if status is not None and status != want_status:
        problems.append('exit_status: expected %d, got %d'
                        % (want_status, status))
    if status is not None and want_status != 0:
        pass                         # a failing run: no report to compare
    else:
        try:
            actual = _load(act_path)
        except (OSError, ValueError) as e:
            problems.append('report: cannot read %s: %s' % (act_path, e))
            actual = None
        if actual is not None:
            if not isinstance(actual, dict):
                problems.append('report: not a JSON object')
            else:
                problems += check(expected, actual)
    return name, problems


def check_list(path):
    """--list FILE: one "EXPECTED.json ACTUAL.json" pair per line, each
    compared as above in this one run; prints "ok NAME" or "bad NAME"
    followed by its mismatches, indented (tests/live/testlib.sh's
    relay_checks reads them)."""
    status = 0
    with open(path) as f:
        pairs = [line.split() for line in f if line.strip()]
    for exp_path, act_path in pairs:
        name, problems = check_files(exp_path, act_path)
        if problems is None:
            return 2
        print('%s %s' % ('bad' if problems else 'ok', name))
        for p in problems:
            print('    %s: %s' % (name, p))
        status = status or (1 if problems else 0)
    return status


def main(argv):
    status = None
    args = list(argv)
    if args[:1] == ['--self-test']:
        return self_test()
    if args[:1] == ['--list']:
        return check_list(args[1]) if len(args) == 2 else usage()
    if args[:1] == ['--status']:
        if len(args) < 2:
            return usage()
        try:
            status = int(args[1])
        except ValueError:
            return usage()
        args = args[2:]
    if len(args) != 2:
        return usage()
    name, problems = check_files(args[0], args[1], status)
    if problems is None:
        return 2
    for p in problems:
        print('%s: %s' % (name, p))
    return 1 if problems else 0


def usage():
    sys.stderr.write('usage: check_report.py [--status N] EXPECTED.json '
                     'ACTUAL.json\n       check_report.py --list FILE\n'
                     '       check_report.py --self-test\n')
    return 2


# ---------------------------------------------------------------- self-test

def _conn(cid, port, tw='client', rtt=20.375):
    return {
        'id': cid,
        'client': {'ip': '192.0.2.10', 'port': port},
        'server': {'ip': '198.51.100.20', 'port': 80},
        'roles_guessed': False,
        'packets': {'client_to_server': 6, 'server_to_client': 5},
        'options': {'client': {'mss': 1460, 'window_scale': 7,
                               'sack_permitted': True, 'timestamps': True},
                    'server': None},
        'handshake': {'status': 'complete', 'syn_retransmits': 0,
                      'synack_retransmits': 0,
                      'rtt_ms': {'syn_to_synack': 20.25,
                                 'synack_to_ack': 0.125, 'total': rtt}},
        'close': {'kind': 'fin', 'active_closer': 'client', 'time_wait': tw,
                  'fin_retransmits': 0},
        'reuse': None,
    }


def _group(peak=20, holder='client'):
    return {'holder': holder, 'client_ip': '192.0.2.10',
            'server_ip': '198.51.100.20', 'server_port': 80,
            'connections': 50, 'time_wait_entries': 50,
            'peak_concurrent': peak, 'peak_at': '2023-11-14T22:13:22.024046Z',
            'connection_rate_per_s': 10.0, 'port_range_share': peak / 100,
            'exhaustion_rate_per_s': 50.0, 'time_to_exhaustion_s': None,
            'reuse_in_time_wait': {'count': 0, 'min_gap_ms': None}}


def _twp(*groups):
    return {'time_wait_seconds': 2,
            'port_range': {'low': 40000, 'high': 40099, 'size': 100},
            'groups': list(groups) or [_group()]}


def _finding(code, severity, groups=(0,), conns=()):
    return {'severity': severity, 'code': code, 'message': 'm',
            'numbers': {}, 'groups': list(groups),
            'connections': list(conns), 'hint': 'h'}


_FINDINGS = [_finding('PORT_EXHAUSTION_RISK', 'warning'),
             _finding('TIME_WAIT_REUSE', 'warning', (0,)),
             _finding('TIME_WAIT_REUSE', 'info', (1,)),
             _finding('CLOSE_WAIT_SUSPECTED', 'warning', (), (1, 2, 5))]


def self_test():
    expected = {'pcap': 'x.pcap', 'options': [], 'exit_status': 0,
                'capture': {'link_type': 'EN10MB', 'packets': 22,
                            'skipped': {'not_ip': 0, 'not_tcp': 1}},
                'connections': [_conn(1, 51000), _conn(2, 51001)],
                'time_wait_pressure': _twp(_group(),
                                           _group(3, 'server')),
                'findings': [
                    {'code': 'PORT_EXHAUSTION_RISK', 'severity': 'warning'},
                    {'code': 'TIME_WAIT_REUSE', 'severity': 'info',
                     'groups': [1]},
                    {'code': 'TIME_WAIT_REUSE', 'severity': 'warning'},
                    {'code': 'CLOSE_WAIT_SUSPECTED',
                     'connections': [5, 2, 1]}]}
    twp_ok = _twp(_group(), _group(3, 'server'))

    def report(conns, twp=None, findings=None, **cap):
        c = {'source': 'x.pcap', 'link_type': 'EN10MB', 'packets': 22,
             'tcp_segments': 21,
             'skipped': {'not_ip': 0, 'not_tcp': 1, 'ip_fragment': 0}}
        c.update(cap)
        # extra actual fields are fine: the expected file is a subset
        for x in conns:
            x.setdefault('evicted', False)
            x.setdefault('state', {'client': 'TIME-WAIT', 'server': 'CLOSED'})
        r = {'format': 'hsanalyze-report', 'format_version': 1,
             'connections': conns, 'capture': c, 'summary': {},
             'time_wait_pressure': twp if twp is not None else twp_ok,
             'findings': findings if findings is not None else
             list(_FINDINGS)}
        if twp is False:
            del r['time_wait_pressure']
        return r

    two = [_conn(1, 51000), _conn(2, 51001)]

    cases = [
        # (what, actual report, expect a mismatch, text a mismatch shows)
        ('identical', report([_conn(1, 51000), _conn(2, 51001)]), False, None),
        ('out of id order', report([_conn(2, 51001), _conn(1, 51000)]),
         False, None),
        ('within tolerance', report([_conn(1, 51000, rtt=20.3750004),
                                     _conn(2, 51001)]), False, None),
        ('wrong value', report([_conn(1, 51000), _conn(2, 51001, 'server')]),
         True, 'connections[1].close.time_wait: expected "client", '
               'got "server"'),
        ('number out of tolerance',
         report([_conn(1, 51000, rtt=20.37501), _conn(2, 51001)]),
         True, 'connections[0].handshake.rtt_ms.total'),
        ('missing connection', report([_conn(1, 51000)]), True,
         'connections: expected 2 connections, got 1'),
        ('extra connection',
         report([_conn(1, 51000), _conn(2, 51001), _conn(3, 51002)]),
         True, 'connections: expected 2 connections, got 3'),
        ('capture counter', report([_conn(1, 51000), _conn(2, 51001)],
                                   skipped={'not_ip': 0, 'not_tcp': 0}),
         True, 'capture.skipped.not_tcp: expected 1, got 0'),
        ('null vs object', report([_conn(1, 51000), dict(
            _conn(2, 51001), options={'client': None, 'server': None})]),
         True, 'connections[1].options.client'),
        ('missing field', report([_conn(1, 51000), {
            k: v for k, v in _conn(2, 51001).items() if k != 'reuse'}]),
         True, 'connections[1].reuse: expected null, got (missing)'),
        ('bool vs number', report([_conn(1, 51000), dict(
            _conn(2, 51001), roles_guessed=0)]),
         True, 'connections[1].roles_guessed'),
        ('findings reordered', report(two, findings=list(
            reversed(_FINDINGS))), False, None),
        ('finding severity', report(two, findings=[
            _finding('PORT_EXHAUSTION_RISK', 'high')] + _FINDINGS[1:]),
         True, 'findings[PORT_EXHAUSTION_RISK].severity: expected '
               '"warning", got "high"'),
        ('finding missing', report(two, findings=_FINDINGS[1:]), True,
         'findings[PORT_EXHAUSTION_RISK]: expected a finding with code'),
        ('finding extra', report(two, findings=_FINDINGS + [_finding(
            'SERVER_HOLDS_TIME_WAIT', 'info')]), True,
         'findings: expected 4 findings'),
        ('finding groups', report(two, findings=_FINDINGS[:1] + [
            _finding('TIME_WAIT_REUSE', 'warning', (0,)),
            _finding('TIME_WAIT_REUSE', 'info', (2,))] + _FINDINGS[3:]),
         True, 'findings[TIME_WAIT_REUSE groups=[1]].groups'),
        ('finding connections', report(two, findings=_FINDINGS[:3] + [
            _finding('CLOSE_WAIT_SUSPECTED', 'warning', (), (1, 2, 4))]),
         True, 'findings[CLOSE_WAIT_SUSPECTED].connections'),
        ('findings missing', dict(report(two), findings=None), True,
         'findings: expected a list of 4, got null'),
        ('pressure peak', report(two, twp=_twp(_group(21),
                                                _group(3, 'server'))),
         True, 'time_wait_pressure.groups[0].peak_concurrent: expected 20, '
               'got 21'),
        ('pressure group order', report(two, twp=_twp(
            _group(3, 'server'), _group())), True,
         'time_wait_pressure.groups[0].holder'),
        ('pressure missing', report(two, twp=False), True,
         'time_wait_pressure: expected'),
        ('null vs 0', report([_conn(1, 51000), dict(
            _conn(2, 51001), reuse=0)]), True, 'connections[1].reuse'),
    ]
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        exp_path = os.path.join(tmp, 'selftest.json')
        with open(exp_path, 'w') as fh:
            json.dump(expected, fh)
        for what, actual, want_mismatch, text in cases:
            act_path = os.path.join(tmp, 'actual.json')
            with open(act_path, 'w') as fh:
                json.dump(actual, fh)
            problems = check(expected, actual)
            rc = _run_quiet([exp_path, act_path])
            ok = (bool(problems) == want_mismatch and
                  rc == (1 if want_mismatch else 0) and
                  (text is None or any(text in p for p in problems)))
            print('self-test %-24s %s%s' % (
                what, 'ok' if ok else 'FAILED',
                '' if ok else ': rc %d, %s' % (rc, problems)))
            failures += not ok
        # exit status handling
        fail_exp = os.path.join(tmp, 'fail.json')
        with open(fail_exp, 'w') as fh:
            json.dump({'pcap': 'y.pcap', 'options': [], 'exit_status': 1,
                       'connections': []}, fh)
        for what, argv, want in (
                ('status matches', ['--status', '1', fail_exp,
                                    os.path.join(tmp, 'none.json')], 0),
                ('status differs', ['--status', '0', fail_exp,
                                    os.path.join(tmp, 'none.json')], 1),
                ('status ok, report bad', ['--status', '0', exp_path,
                                           act_path], 1),   # last: 'null vs 0'
                ('no report', [exp_path, os.path.join(tmp, 'none.json')], 1)):
            rc = _run_quiet(argv)
            ok = rc == want
            print('self-test %-24s %s' % (what, 'ok' if ok else
                                          'FAILED: rc %d' % rc))
            failures += not ok
    print('self-test: %s' % ('all ok' if not failures else
                             '%d FAILED' % failures))
    return 1 if failures else 0


def _run_quiet(argv):
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        return main(argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
