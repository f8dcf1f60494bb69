#!/usr/bin/env python3
"""html_browser.py - load HTML reports in headless Chromium and say what the
browser saw, for tests/html.sh.

    html_browser.py [--pdf PAGE.html]... CHROMIUM SHOTS_DIR PAGE.html...

One Chromium (headless, no sandbox, a fresh temporary profile, no display)
loads every page in turn over the DevTools protocol, spoken here with the
standard library only (a minimal WebSocket client).  For each page it prints
one JSON line:

    {"page": PATH, "console": [messages of level error or warning, script
     exceptions, log entries of level error], "requests": [every URL the
     page asked for besides itself], "dom": {what the page's DOM holds, see
     DOM_FACTS}, "screenshot": PNG path or null}

and, for the pages looked at in every scheme (below), saves a screenshot of
the top of the page as SHOTS_DIR/NAME.png.

Each line also has "colours": for each way the page is shown ("light": as
loaded, "dark": prefers-color-scheme emulated, "print": print media
emulated while the browser prefers dark), every distinct [what, text
colour, background] of the page's text (see COLOUR_FACTS), and "kinds":
every kind of text the page has, each piece of text named by the elements
from <body> down to it (tag and classes each; see COLOUR_FACTS).  Every page
is read in the light scheme; the dark scheme, print and the screenshot,
which cost a restyle or a paint each, are for the pages that have a kind of
text no page before them had, and for the --pdf pages ("looked": true):
together these hold every kind of text of all the pages, which
check_html.py checks.  Chromium is told through the DevTools protocol
(Emulation.setEmulatedMedia), in the one browser that loads every page: no
start per scheme.  For each page given with --pdf, the page is also printed
(Page.printToPDF, print media as a printer sees it) to SHOTS_DIR/NAME.pdf,
named in "pdf".  The assertions are in check_html.py.
"""
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request

LOAD_TIMEOUT = 10.0	# seconds per page; a report loads in well under 1 s
START_TIMEOUT = 15.0
SHOT_WIDTH = 1000
SHOT_HEIGHT = 1500	# the top of the page: what was read, findings, charts
SHOT_SCALE = 0.6	# a whole page, or full size, takes seconds per page

# Read from the DOM after the load, in the page.  Only standard DOM calls.
DOM_FACTS = r"""
(() => {
  const txt = e => e.textContent.trim();
  const all = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  return JSON.stringify({
    title: document.title,
    h1: all('h1').map(txt),
    capture: all('#capture dt').map(dt => [txt(dt), txt(dt.nextElementSibling)]),
    findings: all('article.finding').map(a => ({
      severity: txt(a.querySelector('.sev')),
      code: txt(a.querySelector('code')),
      message: txt(a.querySelector('.message')),
      evidence: all('.evidence', a).map(txt),
      frames: all('ul.frames li', a).map(li => ({
        conn: li.dataset.conn,
        segs: all('[data-frames]', li).map(s => [s.dataset.frames, txt(s)])})),
      filter: a.querySelector('.wireshark code.filter') ?
        txt(a.querySelector('.wireshark code.filter')) : null})),
    tw_charts: all('figure.twgroup').map(f => ({
      caption: txt(f.querySelector('figcaption')),
      filter: f.querySelector('code.filter') ? txt(f.querySelector('code.filter')) : null,
      labels: all('svg text', f).map(txt)})),
    rtt_labels: all('#rtt svg text').map(txt),
    rtt_table: all('#rtt-table tr').map(r => all('th,td', r).map(txt)),
    diagrams: all('figure.diagram').map(f => ({
      id: f.id, kinds: f.dataset.kinds ? f.dataset.kinds.split(' ') : [],
      drawn: !f.classList.contains('missing') && f.querySelector('svg') !== null,
      caption: txt(f.querySelector('figcaption')),
      client_states: all('text.state.client', f).map(txt),
      server_states: all('text.state.server', f).map(txt),
      time_wait: all('text.twl', f).map(t => ({
        side: t.classList.contains('client') ? 'client' : 'server',
        text: txt(t), ns: t.getAttribute('data-time-wait-ns'),
        span: t.nextElementSibling ? txt(t.nextElementSibling) : null})),
      arrows: all('text.seg', f).map(txt),
      frames: all('text.frame', f).map(txt),
      notes: all('p.note', f).map(txt)})),
    svgs: all('svg').length,
    scripts: all('script').length,
    external: all('[src],link[href]').map(e => e.getAttribute('src') || e.getAttribute('href'))
  });
})()
"""


# Every piece of text on the page: each element with text of its own, and
# every SVG <text>; its colour (fill for SVG) and the background it is on,
# the first ancestor's that is not transparent (an SVG's is the page's).
# "rows": one entry per distinct combination; "kinds": one entry per
# distinct path of elements from <body> down to a piece of text (the style
# sheet's selectors see no more than that: tags and classes).
COLOUR_FACTS = r"""
(() => {
  const clear = c => c === 'transparent' || /^rgba\(.*, 0\)$/.test(c);
  const background = e => {
    for (; e; e = e.parentElement) {
      if (e instanceof SVGElement) continue;
      const c = getComputedStyle(e).backgroundColor;
      if (!clear(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const what = e => e.tagName.toLowerCase() +
    (e.getAttribute('class') ? '.' + e.getAttribute('class').trim().split(/\s+/).join('.') : '');
  const seen = {}, out = [], kinds = {};
  for (const e of document.querySelectorAll('body, body *')) {
    const svg = e instanceof SVGElement;
    if (svg ? e.tagName !== 'text' :
        !Array.from(e.childNodes).some(n => n.nodeType === 3 && n.textContent.trim()))
      continue;
    const cs = getComputedStyle(e);
    if (cs.display === 'none' || cs.visibility === 'hidden') continue;
    const row = [what(e), svg ? cs.fill : cs.color, background(e)];
    const key = row.join('|');
    if (!seen[key]) { seen[key] = true; out.push(row); }
    const path = [];
    for (let a = e; a && a !== document.body.parentElement; a = a.parentElement)
      path.unshift(what(a));
    kinds[path.join(' > ')] = true;
  }
  return JSON.stringify({rows: out, kinds: Object.keys(kinds)});
})()
"""
# How a page is looked at besides as loaded (the light scheme: no emulation,
# headless Chromium prefers light, and the check that the page is light
# says so; it costs no restyle): [name, CSS media type,
# prefers-color-scheme].
SCHEMES = [('dark', '', 'dark'), ('print', 'print', 'dark')]


class WebSocket:
    """Just enough of RFC 6455 for the DevTools protocol: text frames,
    client frames masked, no extensions."""

    def __init__(self, url):
        assert url.startswith('ws://')
        hostport, path = url[5:].split('/', 1)
        host, port = hostport.split(':')
        self.sock = socket.create_connection((host, int(port)), timeout=LOAD_TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((
            'GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n'
            'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
            'Sec-WebSocket-Version: 13\r\n\r\n' % (path, hostport, key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise OSError('websocket handshake: connection closed')
            head += chunk
        if b' 101 ' not in head.split(b'\r\n', 1)[0]:
            raise OSError('websocket handshake refused: %r' % head[:80])
        self.buf = b''

    def send(self, text):
        data = text.encode()
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            hdr = struct.pack('!BB', 0x81, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack('!BBH', 0x81, 0x80 | 126, n)
        else:
            hdr = struct.pack('!BBQ', 0x81, 0x80 | 127, n)
        self.sock.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise OSError('websocket closed')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        message = b''
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('!H', self._read(2))[0]
            elif n == 127:
                n = struct.unpack('!Q', self._read(8))[0]
            payload = self._read(n)
            opcode = b0 & 0x0f
            if opcode == 8:
                raise OSError('websocket closed by the browser')
            if opcode in (0, 1, 2):
                message += payload
                if b0 & 0x80:
                    return message.decode()


class DevTools:
    def __init__(self, ws):
        self.ws = ws
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        my_id = self.next_id
        self.ws.send(json.dumps({'id': my_id, 'method': method, 'params': params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get('id') == my_id:
                if 'error' in msg:
                    raise RuntimeError('%s: %s' % (method, msg['error']))
                return msg.get('result', {})
            if 'method' in msg:
                self.events.append(msg)

    def wait_event(self, method, deadline):
        while time.time() < deadline:
            for i, e in enumerate(self.events):
                if e['method'] == method:
                    del self.events[i]
                    return e
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError('no %s within %.0f s' % (method, LOAD_TIMEOUT))


def start_browser(chromium, profile):
    proc = subprocess.Popen(
        [chromium, '--headless', '--no-sandbox', '--disable-gpu',
         '--no-first-run', '--no-default-browser-check', '--disable-extensions',
         '--hide-scrollbars',
         '--disable-background-networking', '--disable-sync',
         '--disable-component-update', '--user-data-dir=' + profile,
         '--remote-debugging-port=0', '--remote-debugging-address=127.0.0.1',
         '--window-size=%d,%d' % (SHOT_WIDTH, SHOT_HEIGHT), 'about:blank'],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port_file = os.path.join(profile, 'DevToolsActivePort')
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        if os.path.exists(port_file):
            lines = open(port_file).read().split('\n')
            if len(lines) >= 2 and lines[0].isdigit():
                return proc, int(lines[0])
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    raise RuntimeError('chromium did not start (no DevToolsActivePort)')


def page_target(port):
    deadline = time.time() + START_TIMEOUT
    while time.time() < deadline:
        targets = json.load(urllib.request.urlopen('http://127.0.0.1:%d/json/list' % port))
        for t in targets:
            if t.get('type') == 'page':
                return t['webSocketDebuggerUrl']
        time.sleep(0.05)
    raise RuntimeError('no page target')


def colour_facts(dt):
    """COLOUR_FACTS of the page as it is shown now."""
    return json.loads(dt.call('Runtime.evaluate', expression=COLOUR_FACTS,
                              returnByValue=True)['result']['value'])


def colours(dt):
    """The page's COLOUR_FACTS rows in each of SCHEMES; the emulation is
    then undone."""
    out = {}
    for name, media, scheme in SCHEMES:
        dt.call('Emulation.setEmulatedMedia', media=media,
                features=[{'name': 'prefers-color-scheme', 'value': scheme}])
        out[name] = colour_facts(dt)['rows']
    dt.call('Emulation.setEmulatedMedia', media='', features=[])
    return out


def print_pdf(dt, path, shots):
    """Print the loaded page as a browser's Print would (no backgrounds,
    the page's print style) to SHOTS_DIR/NAME.pdf."""
    pdf = os.path.join(shots, os.path.splitext(os.path.basename(path))[0] + '.pdf')
    data = dt.call('Page.printToPDF', printBackground=False)['data']
    with open(pdf, 'wb') as f:
        f.write(base64.b64decode(data))
    return pdf


def load(dt, path, shots, seen, pdf=False):
    """The page's line.  SEEN: the kinds of text of the pages before; a
    page with a kind not among them (added now), or a --pdf page, is also
    looked at in the dark scheme and printed, and its screenshot taken."""
    url = 'file://' + os.path.abspath(path)
    dt.events = []
    dt.call('Page.navigate', url=url)
    dt.wait_event('Page.loadEventFired', time.time() + LOAD_TIMEOUT)
    facts = json.loads(dt.call('Runtime.evaluate', expression=DOM_FACTS,
                               returnByValue=True)['result']['value'])
    light = colour_facts(dt)
    new = set(light['kinds']) - seen
    seen |= new
    looked = bool(new) or pdf
    schemes, png, pdf_path = {'light': light['rows']}, None, None
    if looked:
        shot = dt.call('Page.captureScreenshot', format='png', clip={
            'x': 0, 'y': 0, 'width': SHOT_WIDTH, 'height': SHOT_HEIGHT, 'scale': SHOT_SCALE})
        png = os.path.join(shots, os.path.splitext(os.path.basename(path))[0] + '.png')
        with open(png, 'wb') as f:
            f.write(base64.b64decode(shot['data']))
        schemes.update(colours(dt))
        if pdf:
            pdf_path = print_pdf(dt, path, shots)
    # Drain what is still queued: late console messages or requests.
    dt.call('Runtime.evaluate', expression='1')
    console, requests = [], []
    for e in dt.events:
        m, p = e['method'], e.get('params', {})
        if m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'warning', 'assert'):
            console.append('console.%s: %s' % (p['type'], ' '.join(
                str(a.get('value', a.get('description', ''))) for a in p.get('args', []))))
        elif m == 'Runtime.exceptionThrown':
            console.append('exception: %s' % p['exceptionDetails'].get('text'))
        elif m == 'Log.entryAdded' and p['entry'].get('level') in ('error', 'warning'):
            console.append('log %s: %s' % (p['entry']['level'], p['entry'].get('text')))
        elif m == 'Network.requestWillBeSent':
            if p['request']['url'] != url:
                requests.append(p['request']['url'])
    return {'page': path, 'console': console, 'requests': requests,
            'dom': facts, 'screenshot': png, 'colours': schemes,
            'kinds': light['kinds'], 'looked': looked, 'pdf': pdf_path}


def main():
    args, pdfs = sys.argv[1:], set()
    while len(args) >= 2 and args[0] == '--pdf':
        pdfs.add(os.path.abspath(args[1]))
        args = args[2:]
    if len(args) < 3:
        sys.exit('usage: html_browser.py [--pdf PAGE.html]... CHROMIUM SHOTS_DIR PAGE.html...')
    chromium, shots, pages = args[0], args[1], args[2:]
    os.makedirs(shots, exist_ok=True)
    profile = tempfile.mkdtemp(prefix='hsa-chromium-')
    proc = None
    try:
        proc, port = start_browser(chromium, profile)
        dt = DevTools(WebSocket(page_target(port)))
        for domain in ('Page', 'Runtime', 'Log', 'Network'):
            dt.call(domain + '.enable')
        # The window's size is not the page's: fix the viewport itself.
        dt.call('Emulation.setDeviceMetricsOverride', width=SHOT_WIDTH,
                height=SHOT_HEIGHT, deviceScaleFactor=1, mobile=False)
        seen = set()
        for path in pages:
            print(json.dumps(load(dt, path, shots, seen, os.path.abspath(path) in pdfs)),
                  flush=True)
    finally:
        if proc:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == '__main__':
    main()
