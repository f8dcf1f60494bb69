#!/usr/bin/env python3
"""check_html.py - what must hold for every HTML report, for tests/html.sh.

    check_html.py FACTS.jsonl

FACTS.jsonl holds html_browser.py's lines; next to each page NAME.html lies
NAME.json, the JSON report hsanalyze wrote in the same run (--json -o
NAME.json --html NAME.html).  The JSON report is the oracle for what the page
must show: the same findings, the diagrams of its example connections, one chart
per TIME-WAIT group drawn.  Prints "ok TEXT" and "bad TEXT" lines
(testlib.sh's relay_checks counts them).

Checked for every page:
  - Chromium saw no console error or warning and no request but the page;
    the page has no script and no external resource;
  - every <svg> in the file is well-formed XML (xml.etree);
  - the header counts the JSON report's packets;
  - the findings: the JSON report's, most severe first, same code, same
    message text, same groups and example connections, the same Wireshark
    display filter, and for each connection in its "examples" the frame
    numbers of that connection's "frames";
  - the diagrams: exactly the JSON report's "examples" of the kinds drawn
    (DRAWN_KINDS), the same ids for each kind, each drawn once, in the
    order of the kinds then of the ids, and every one of them drawn (on the
    bundled captures no example began while its place in the ladder's
    log was taken);
  - the TIME-WAIT groups: one figure per group (at most GROUPS_DRAWN),
    captioned with the group's holder and client -> server, its chart
    labelled with the peak, the port range's line for a connecting-side
    group only, and the moment the range filled when it did;
  - the RTT table: the JSON report's counts; the histogram: its p50, p90
    and p99 marks;
  - legible in every way it is shown (html_browser.py "colours"): in the
    light scheme the page is light, in the dark scheme dark, printed (while
    the browser prefers dark) black text on white; and in all three every
    piece of text, HTML or SVG, has a contrast ratio of at least MIN_CONTRAST
    (WCAG 2's AA level for body text) against its background.  Every page
    in the light scheme; the dark scheme and print on the pages
    html_browser.py looked at that way ("looked"), which must hold every
    kind of text ("kinds": the elements from <body> down to it, all the
    style sheet sees) that any page has;
  - a page printed to PDF (--pdf) has at least one page, and its text
    (pdftotext, poppler-utils) holds each finding's message, each diagram's
    caption and the labels of each TIME-WAIT chart.
"""
import calendar
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

GROUPS_DRAWN = 5
# WCAG 2.x, success criterion 1.4.3 (AA): text at least 4.5:1.
MIN_CONTRAST = 4.5

# Exact content of the diagrams of crafted traces, from how they were built
# (tests/pcaps/README) and RFC 9293's state diagram: the states each side
# passes through, in order, and the TIME-WAIT interval(s) drawn.
CLIENT_CLOSE = {
    'client': ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT'],
    'server': ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED'],
}
CRAFTED = {
    # The client's FIN at 1041.100 ms, the server's FIN at 1061.500 ms: the
    # client holds TIME-WAIT from then on for --time-wait.
    'client_close': dict(CLIENT_CLOSE, kinds=['time_wait:client'], notes=0,
                         frames=[str(i) for i in range(1, 12)], time_wait=[
        ('client', 'TIME-WAIT 60 s (2MSL)', '60000000000', '+1061.500 ms to +61061.500 ms')]),
    'client_close_tw30': dict(CLIENT_CLOSE, kinds=['time_wait:client'], notes=0, time_wait=[
        ('client', 'TIME-WAIT 30 s (2MSL)', '30000000000', '+1061.500 ms to +31061.500 ms')]),
    # Both FINs cross: each side goes FIN-WAIT-1 -> CLOSING -> TIME-WAIT,
    # entering TIME-WAIT when the ACK of its own FIN arrives: the server at
    # the client's ACK (1051.200 ms), the client at the server's (1061.300).
    # In capture order the server is drawn in CLOSE-WAIT until its FIN,
    # which the page explains in a note.
    'simultaneous_close': {
        'kinds': ['time_wait:both'],
        'client': ['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'CLOSING', 'TIME-WAIT'],
        'server': ['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'CLOSING', 'TIME-WAIT'],
        'notes': 1,
        'time_wait': [('client', 'TIME-WAIT 60 s (2MSL)', '60000000000', '+1061.300 ms to +61061.300 ms'),
                      ('server', 'TIME-WAIT 60 s (2MSL)', '60000000000', '+1051.200 ms to +61051.200 ms')]},
}
SEVERITY_ORDER = {'critical': 0, 'high': 1, 'warning': 2, 'info': 3}
# The JSON report's "frames" members, in order, and the page's labels.
FRAME_LABELS = [('syn', 'SYN'), ('synack', 'SYN-ACK'), ('handshake_ack', 'ACK'),
                ('first_fin', 'first FIN'), ('first_fin_ack', 'its ACK'),
                ('peer_fin', 'peer FIN'), ('final_ack', 'final ACK'), ('rst', 'RST')]


# The TIME-WAIT chart of crafted traces, from how they were built
# (tests/pcaps/README): pressure_ports_exhausted fills its 100-port range
# with the 100th TIME-WAIT, at 9.9 s + 590 us after the first packet.
CRAFTED_CHARTS = {
    'pressure_ports_exhausted': ['peak 100', 'port range: 100 ports (40000-40099)',
                                 'ports exhausted at 9.901 s'],
}


# The first finding of crafted traces, from how they were built
# (tests/pcaps/README): pressure_ports_exhausted's connections from
# 192.0.2.10 to 198.51.100.20:8080 are 7 frames each, the first one 1-7.
CRAFTED_FINDINGS = {
    'pressure_ports_exhausted': (
        'PORTS_EXHAUSTED',
        '(ip.addr == 192.0.2.10 && ip.addr == 198.51.100.20 && tcp.port == 8080)',
        [{'conn': '1', 'segs': [['syn', 'SYN 1'], ['synack', 'SYN-ACK 2'], ['handshake_ack', 'ACK 3'],
                                ['first_fin', 'first FIN 4'], ['first_fin_ack', 'its ACK 5'],
                                ['peer_fin', 'peer FIN 6'], ['final_ack', 'final ACK 7']]}]),
}


# The example kinds drawn as sequence diagrams, in their order
# (include/hsa_examples.h HSA_EXAMPLES_DRAWN).
DRAWN_KINDS = ['time_wait:client', 'time_wait:server', 'time_wait:both', 'close:rst',
               'handshake:refused', 'handshake:unanswered', 'close:half_closed',
               'close:open']


def rgb(css):
    """(r, g, b) of a computed colour, 'rgb(r, g, b)' or opaque 'rgba(...)';
    None for anything else (a transparent or missing colour is a defect)."""
    m = re.match(r'^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$', css or '')
    if not m or (m.group(4) is not None and float(m.group(4)) != 1):
        return None
    return tuple(int(m.group(i)) for i in (1, 2, 3))


def luminance(c):
    """WCAG 2's relative luminance of an sRGB colour."""
    def lin(v):
        v /= 255.0
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(v) for v in c)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b):
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def pdf_text(path):
    """The PDF's page count and its text, whitespace made single spaces."""
    info = subprocess.run(['pdfinfo', path], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r'^Pages:\s+(\d+)$', info, re.M).group(1))
    text = subprocess.run(['pdftotext', path, '-'], capture_output=True, text=True,
                          check=True).stdout
    return pages, ' '.join(text.split())


def iso_seconds(ts):
    """Seconds since the epoch of the report's ISO 8601 UTC times."""
    day, frac = ts.rstrip('Z').split('.')
    return calendar.timegm(time.strptime(day, '%Y-%m-%dT%H:%M:%S')) + float('0.' + frac)


def endpoint(ip, port):
    return ('[%s]:%d' if ':' in ip else '%s:%d') % (ip, port)


class Checker:
    def __init__(self):
        self.failed = 0

    def check(self, cond, text, detail=''):
        if cond:
            print('ok ' + text)
        else:
            self.failed += 1
            print('bad ' + text + (': ' + detail if detail else ''))

    def page(self, facts):
        path = facts['page']
        name = os.path.basename(path)
        html = open(path, encoding='utf-8').read()
        report = json.load(open(path[:-len('.html')] + '.json'))
        dom = facts['dom']
        self.check(not facts['console'], name + ': no console errors', repr(facts['console']))
        self.check(not facts['requests'], name + ': no network requests', repr(facts['requests']))
        self.check(dom['scripts'] == 0 and not dom['external'],
                   name + ': no script, no external resource', repr(dom['external']))

        svgs = re.findall(r'<svg\b.*?</svg>', html, re.S)
        bad = []
        for s in svgs:
            try:
                ET.fromstring(s)
            except ET.ParseError as e:
                bad.append(str(e))
        self.check(len(svgs) == dom['svgs'] and not bad,
                   name + ': %d SVG pictures, well-formed XML' % len(svgs), '; '.join(bad))

        cap = dict(dom['capture'])
        want = '%d packets, %d TCP segments' % (report['capture']['packets'],
                                                report['capture']['tcp_segments'])
        self.check(cap.get('Packets', '').startswith(want), name + ': header says ' + want,
                   cap.get('Packets'))

        findings = sorted(report.get('findings', []),
                          key=lambda f: SEVERITY_ORDER[f['severity']])
        want = [(f['severity'], f['code'], f['message']) for f in findings]
        got = [(f['severity'].lower(), f['code'], f['message']) for f in dom['findings']]
        self.check(got == want, name + ': %d findings, most severe first' % len(want),
                   'got %r, want %r' % (got, want))
        # Each finding's evidence: its groups (numbered from 1) and its
        # example connections.
        want = []
        for f in findings:
            ev = []
            if f.get('groups'):
                ev.append('TIME-WAIT groups: ' + ' '.join(str(g + 1) for g in f['groups']))
            if f.get('connections'):
                ev.append('Connections: ' + ' '.join('#%d' % c for c in f['connections']))
            want.append(ev)
        got = [f['evidence'] for f in dom['findings']]
        self.check(got == want, name + ': the findings\' evidence', 'got %r, want %r' % (got, want))
        # Each finding's display filter and the frames of the connections it
        # cites that the JSON report shows in full: its "examples", each
        # with the "frames" of that connection.
        shown = {e['connection']['id']: e['connection'] for e in report.get('examples', [])}
        for c in report.get('connections', []):
            shown.setdefault(c['id'], c)
        for i, (f, d) in enumerate(zip(findings, dom['findings'])):
            self.check(d['filter'] == f['display_filter'],
                       name + ': finding %d (%s) display filter %r' % (i + 1, f['code'], f['display_filter']),
                       repr(d['filter']))
            want = []
            for cid in f['examples']:
                segs = []
                for key, label in FRAME_LABELS:
                    v = shown[cid]['frames'][key] if cid in shown else None
                    v = [n for n in (v if isinstance(v, list) else [v]) if n]
                    if v:
                        segs.append([key, label + ' ' + ' '.join(str(n) for n in v)])
                want.append({'conn': str(cid), 'segs': segs})
            self.check(d['frames'] == want,
                       name + ': finding %d (%s) frames of connections %s' % (
                           i + 1, f['code'], ' '.join('#%d' % c for c in f['examples'])),
                       'got %r, want %r' % (d['frames'], want))

        diagrams = dom['diagrams']
        want = {k: sorted(e['connection']['id'] for e in report['examples'] if k in e['kinds'])
                for k in DRAWN_KINDS}
        got = {k: sorted(int(d['id'][len('conn-'):]) for d in diagrams if k in d['kinds'])
               for k in DRAWN_KINDS}
        self.check(got == want, name + ': diagrams of the JSON examples per kind %s' % (
            {k: v for k, v in want.items() if v}), repr({k: v for k, v in got.items() if v}))
        ids = [d['id'] for d in diagrams]
        order = sorted(diagrams, key=lambda d: (min(DRAWN_KINDS.index(k) for k in d['kinds'])
                                                if d['kinds'] else -1, int(d['id'][len('conn-'):])))
        self.check(len(set(ids)) == len(ids) and [d['id'] for d in order] == ids,
                   name + ': %d diagrams, each once, in the order of the kinds' % len(ids), repr(ids))
        self.check(all(d['drawn'] for d in diagrams), name + ': every example drawn',
                   repr([d['id'] for d in diagrams if not d['drawn']]))

        groups = report['time_wait_pressure']['groups'][:GROUPS_DRAWN]
        charts = dom['tw_charts']
        self.check(len(charts) == len(groups), name + ': %d TIME-WAIT groups and charts' % len(groups),
                   '%d drawn' % len(charts))
        pr = report['time_wait_pressure']['port_range']
        size = pr['size']
        for i, (g, ch) in enumerate(zip(groups, charts)):
            pair = '%s -> %s' % (g['client_ip'], endpoint(g['server_ip'], g['server_port']))
            want = 'Group %d: %s holds TIME-WAIT, %s' % (i + 1, g['holder'], pair)
            self.check(ch['caption'] == want, name + ': group caption ' + want, ch['caption'])
            ip = 'ipv6' if ':' in g['client_ip'] else 'ip'
            want = '%s.addr == %s && %s.addr == %s && tcp.port == %d' % (
                ip, g['client_ip'], ip, g['server_ip'], g['server_port'])
            self.check(ch['filter'] == want, name + ': group %d filter %s' % (i + 1, want),
                       repr(ch['filter']))
            labels = ch['labels']
            self.check('peak %d' % g['peak_concurrent'] in labels,
                       name + ': chart %d marks peak %d' % (i + 1, g['peak_concurrent']), repr(labels))
            rng = 'port range: %d ports (%d-%d)' % (size, pr['low'], pr['high'])
            self.check((rng in labels) == (g['holder'] == 'client'),
                       name + ': chart %d %s %r' % (i + 1, 'has' if g['holder'] == 'client'
                                                    else 'has no', rng), repr(labels))
            exh = [l for l in labels if l.startswith('ports exhausted at ')]
            want = []
            if g.get('exhausted_at'):
                want = ['ports exhausted at %.3f s' % (
                    iso_seconds(g['exhausted_at']) - iso_seconds(report['capture']['first_packet']))]
            self.check(exh == want, name + ': chart %d exhaustion %r' % (i + 1, want), repr(exh))

        want = CRAFTED_FINDINGS.get(name[:-len('.html')])
        if want:
            d = dom['findings'][0] if dom['findings'] else {}
            got = (d.get('code'), d.get('filter'), d.get('frames', [])[:1])
            self.check(got == want, name + ': finding 1 shows %r' % (want,), repr(got))

        want = CRAFTED_CHARTS.get(name[:-len('.html')])
        if want:
            got = charts[0]['labels'] if charts else []
            self.check(all(l in got for l in want), name + ': chart 1 shows %r' % (want,), repr(got))

        want = CRAFTED.get(name[:-len('.html')])
        if want:
            self.crafted(name, dom['diagrams'], want)

        want = ['light', 'dark', 'print'] if facts['looked'] else ['light']
        self.check(sorted(facts['colours']) == sorted(want),
                   name + ': looked at in the %s scheme%s' % (
                       ', '.join(want), 's' if len(want) > 1 else ''), repr(sorted(facts['colours'])))
        self.colours(name, facts['colours'])
        if facts.get('pdf'):
            self.pdf(name, facts['pdf'], findings, dom)

        rtt = report['summary']['rtt_ms']
        got = [row[1] for row in dom['rtt_table'][1:]]
        want = [str(rtt[k]['count']) for k in ('syn_to_synack', 'synack_to_ack', 'total')]
        self.check(got == want, name + ': RTT counts %s' % want, repr(got))
        # The histogram marks the JSON report's percentiles of the total.
        total = rtt['total']
        if total['count']:
            marks = {}
            for label in dom['rtt_labels']:
                m = re.match(r'^(p\d\d(?: = p\d\d)*) (\d+\.\d{3}) ms$', label)
                if m:
                    for p in m.group(1).split(' = '):
                        marks[p] = float(m.group(2))
            want = {p: round(total[p], 3) for p in ('p50', 'p90', 'p99')}
            self.check(marks == want, name + ': histogram marks %s' % want, repr(marks))
        else:
            self.check(not dom['rtt_labels'], name + ': no histogram without RTTs',
                       repr(dom['rtt_labels']))


    def colours(self, name, schemes):
        # The page's own background: the one behind its <h1>.
        page = {k: rgb(next((r[2] for r in rows if r[0] == 'h1'), None))
                for k, rows in schemes.items()}
        self.check(page['light'] is not None and luminance(page['light']) > 0.8,
                   name + ': light scheme, a light page', repr(page['light']))
        if 'dark' in schemes:
            self.check(page['dark'] is not None and luminance(page['dark']) < 0.05,
                       name + ': dark scheme, a dark page', repr(page['dark']))
        if 'print' in schemes:
            h1 = next((r for r in schemes['print'] if r[0] == 'h1'), [None] * 3)
            self.check((rgb(h1[1]), rgb(h1[2])) == ((0, 0, 0), (255, 255, 255)),
                       name + ': printed, black on white even when the browser prefers dark',
                       repr(h1))
        for scheme, rows in schemes.items():
            low = []
            for what, fg, bg in rows:
                a, b = rgb(fg), rgb(bg)
                if a is None or b is None or contrast(a, b) < MIN_CONTRAST:
                    low.append('%s %s on %s (%s)' % (what, fg, bg, '%.2f' % contrast(a, b)
                                                     if a and b else 'no colour'))
            self.check(rows and not low, name + ': %s: %d kinds of text, each %.1f:1 or more' % (
                scheme, len(rows), MIN_CONTRAST), '; '.join(low))

    def pdf(self, name, path, findings, dom):
        try:
            pages, text = pdf_text(path)
        except (OSError, subprocess.CalledProcessError, AttributeError) as e:
            self.check(False, name + ': printed to PDF', str(e))
            return
        self.check(pages >= 1, name + ': printed, %d pages' % pages)
        want = [f['message'] for f in findings]
        want += [d['caption'] for d in dom['diagrams']]
        want += [label for ch in dom['tw_charts'] for label in ch['labels']]
        missing = [w for w in want if ' '.join(w.split()) not in text]
        self.check(want and not missing,
                   name + ': the PDF holds the %d findings\' messages, the %d diagrams\' captions '
                   'and the %d chart labels' % (len(findings), len(dom['diagrams']),
                                                sum(len(ch['labels']) for ch in dom['tw_charts'])),
                   repr(missing))

    def crafted(self, name, diagrams, want):
        d = diagrams[0] if len(diagrams) == 1 else {}
        self.check(d.get('kinds') == want['kinds'], name + ': one diagram, ' + ' '.join(want['kinds']),
                   repr([x['kinds'] for x in diagrams]))
        for side in ('client', 'server'):
            got = d.get(side + '_states')
            self.check(got == want[side], name + ': %s states %s' % (side, ' '.join(want[side])),
                       repr(got))
        got = [(t['side'], t['text'], t['ns'], t['span']) for t in d.get('time_wait', [])]
        self.check(got == want['time_wait'], name + ': TIME-WAIT drawn %r' % (want['time_wait'],),
                   repr(got))
        if 'frames' in want:
            self.check(d.get('frames') == want['frames'],
                       name + ': frames %s' % ' '.join(want['frames']), repr(d.get('frames')))
        self.check(len(d.get('notes', [])) == want['notes'],
                   name + ': %d notes on states drawn in capture order' % want['notes'],
                   repr(d.get('notes')))


    def kinds(self, pages):
        """The pages looked at in every scheme hold every kind of text of
        all the pages: what the dark scheme and print were checked on
        covers what any page shows."""
        every = set(k for f in pages for k in f['kinds'])
        looked = [f for f in pages if f['looked']]
        covered = set(k for f in looked for k in f['kinds'])
        self.check(every and every <= covered,
                   '%d pages looked at in the dark scheme and printed hold all %d kinds '
                   'of text of the %d pages' % (len(looked), len(every), len(pages)),
                   repr(sorted(every - covered)))


def main():
    c = Checker()
    pages = [json.loads(line) for line in open(sys.argv[1])]
    for facts in pages:
        c.page(facts)
    c.kinds(pages)
    sys.exit(1 if c.failed else 0)


if __name__ == '__main__':
    main()
