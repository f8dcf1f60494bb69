#!/usr/bin/python3
"""Regenerate the pressure_* test captures and their expected reports.

These traces test the `time_wait_pressure` and `findings` members of the
JSON report (doc/json-report.md).  Like make_crafted.py (whose pcap writer,
Flow builder and helpers this script imports), the output is deterministic
and the expected values are an oracle from the construction: the schedule
each case chose gives the TIME-WAIT intervals, and the figures follow from
the contract's formulas.  Nothing is derived by running hsanalyze.

Every figure is computed twice: once in closed form from the schedule (the
numbers README states), and once by a brute-force sweep over the TIME-WAIT
intervals the builder recorded; the script stops if they disagree.

The model (doc/json-report.md, time_wait_pressure):
  - a TIME-WAIT starts at the capture time of the later of the two FINs
    (first transmissions) and lasts --time-wait seconds, or until a new SYN
    reuses the 4-tuple, whichever comes first;
  - intervals are half-open, [start, end): a TIME-WAIT ending at t is no
    longer counted for one starting at t;
  - time_wait_rate_per_s = (entries - 1) / (last start - first start):
    the holder side's own TIME-WAIT entries over the span of their
    starts, never the connections whose TIME-WAIT the peer holds;
  - active_at_end: TIME-WAITs alive at the capture's last packet;
  - time_to_exhaustion_s = (size - active_at_end) / rate, only for a
    client holder whose rate is "sustained" (the starts span at least
    1 s), strictly above size / time_wait_seconds, and whose range never
    filled;
  - exhausted_at: when a client holder's concurrent TIME-WAITs first
    reached the range size (PORTS_EXHAUSTED), else null.

Usage: make_pressure.py [OUTDIR]    (default: the directory of this script)
"""

import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in tests/pcaps
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_crafted import (BASE, C4, MS, S4, SEC, US, Capture, Flow,  # noqa
                          Opts, expected_doc, iso, ms, write,
                          write_json)

DEFAULT_TW = 60
DEFAULT_RANGE = (32768, 60999)

REQ = b'GET /p HTTP/1.1\r\nHost: t\r\n\r\n'
RESP = b'HTTP/1.1 204 No Content\r\n\r\n'


# ------------------------------------------------------------ conversation

class Conn:
    """One built connection and the times the oracle needs."""

    def __init__(self, f, cid, syn, fin_c=None, fin_s=None):
        self.f, self.id, self.syn = f, cid, syn
        self.fin = {'c': fin_c, 's': fin_s}
        self.exchanges = None   # request/response exchanges, when checked

    @property
    def holder(self):
        """Who enters TIME-WAIT: the side whose FIN came first (none of
        these traces has a simultaneous close)."""
        c, s = self.fin['c'], self.fin['s']
        if c is None or s is None:
            return None
        return 'client' if c < s else 'server'

    @property
    def tw_start(self):
        c, s = self.fin['c'], self.fin['s']
        return None if c is None or s is None else max(c, s)


def open_conn(cap, cid, cport, sport, t, cisn, sisn, data=True, ts=True):
    """Handshake (SYN/ACK +50 us, ACK +80 us) and, with data, a request at
    +100 us answered at +300 us and acknowledged at +350 us."""
    copts = Opts(1460, 7, True, ts)
    sopts = Opts(1380, 9, True, ts)
    f = Flow(cap, C4, cport, S4, sport, cisn, sisn, copts=copts,
             sopts=sopts, t0=t)
    f.send('c', t, 'S')
    f.send('s', t + 50 * US, 'SA')
    f.send('c', t + 80 * US, 'A')
    if data:
        f.send('c', t + 100 * US, 'PA', REQ)
        f.send('s', t + 300 * US, 'PA', RESP)      # acks the request
        f.send('c', t + 350 * US, 'A')
    return Conn(f, cid, t)


def close_four_way(c, first, t, answer=90 * US, final_ack=True):
    """`first` sends FIN at t, the peer ACKs it 40 us later and sends its
    own FIN at t + answer, the first side ACKs 20 us after that (unless
    final_ack is False: the capture lost it)."""
    other = 's' if first == 'c' else 'c'
    f = c.f
    f.send(first, t, 'FA')
    c.fin[first] = t
    f.send(other, t + 40 * US, 'A')
    f.send(other, t + answer, 'FA')
    c.fin[other] = t + answer
    if final_ack:
        f.send(first, t + answer + 20 * US, 'A')


def close_three_way(c, t):
    """Client FIN at t, server FIN+ACK (acks the client's FIN) 50 us later,
    client ACK 20 us after that."""
    f = c.f
    f.send('c', t, 'FA')
    c.fin['c'] = t
    f.send('s', t + 50 * US, 'FA')
    c.fin['s'] = t + 50 * US
    f.send('c', t + 70 * US, 'A')


def isns(i):
    return ((1_000_000_000 + i * 7_919_000) & 0xffffffff,
            (3_000_000_000 + i * 6_101_000) & 0xffffffff)


# ------------------------------------------------------------------ oracle

def tw_intervals(conns, holder, tw_ns):
    """[(start, end, conn)] of the TIME-WAITs `holder` enters: tw_ns long,
    cut short by the next SYN on the same 4-tuple."""
    out = []
    for c in conns:
        if c.holder != holder:
            continue
        end = c.tw_start + tw_ns
        for d in conns:
            if (d.f.port == c.f.port and d.f.ip == c.f.ip and
                    c.tw_start <= d.syn < end and d is not c):
                end = d.syn
        out.append((c.tw_start, end, c))
    return out


def sweep_peak(intervals, size=None):
    """Most intervals alive at once (half-open), when first reached, and
    when the count first reached size (None if never)."""
    events = []
    for s, e, _ in intervals:
        events.append((s, 1))
        events.append((e, -1))
    events.sort(key=lambda x: (x[0], x[1]))   # ends before starts at a tie
    n = peak = 0
    at = full = None
    for t, d in events:
        n += d
        if n > peak:
            peak, at = n, t
        if size is not None and full is None and n >= size:
            full = t
    return peak, at, full


def alive_at(intervals, t):
    return sum(1 for s, e, _ in intervals if s <= t < e)


def reuse_in_tw(conns, holder, tw_ns):
    """(count, min gap in ns) of SYNs inside a TIME-WAIT held by holder."""
    gaps = []
    for c in conns:
        if c.holder != holder:
            continue
        for d in conns:
            if (d is not c and d.f.port == c.f.port and
                    c.tw_start <= d.syn < c.tw_start + tw_ns):
                gaps.append(d.syn - c.tw_start)
    return len(gaps), (min(gaps) if gaps else None)


def syn_span(conns):
    syns = [c.syn for c in conns]
    return max(syns) - min(syns)


def tw_rate(intervals):
    """(rate, span in ns) of the TIME-WAIT entries: the intervals between
    their starts over the span."""
    starts = [s for s, _, _ in intervals]
    if len(starts) < 2 or max(starts) == min(starts):
        return None, 0
    span = max(starts) - min(starts)
    return (len(starts) - 1) / (span / SEC), span


def capture_end(cap):
    return max(r[0] for r in cap.records)


def group(cap, conns, holder, tw_s, prange, closed_form):
    """The expected group, from the sweep; closed_form is the dict of
    figures the case derived by hand: they must agree."""
    tw_ns = tw_s * SEC
    size = prange[1] - prange[0] + 1
    iv = tw_intervals(conns, holder, tw_ns)
    client = holder == 'client'
    peak, at, full = sweep_peak(iv, size if client else None)
    rate, span = tw_rate(iv)
    active_end = alive_at(iv, capture_end(cap))
    count, gap = reuse_in_tw(conns, holder, tw_ns)
    g = {
        'holder': holder,
        'client_ip': C4,
        'server_ip': S4,
        'server_port': conns[0].f.port['s'],
        'connections': len(conns),
        'time_wait_entries': len(iv),
        'peak_concurrent': peak,
        'peak_at': iso(at, False),
        'active_at_end': active_end,
        'time_wait_rate_per_s': rate,
        'port_range_share': peak / size if client else None,
        'projected_share': (rate * tw_s / size if client and rate is not None
                            and span >= 1 * SEC else None),
        'exhaustion_rate_per_s': size / tw_s if client else None,
        'time_to_exhaustion_s': ((size - active_end) / rate if client and
                                 rate is not None and rate > size / tw_s and
                                 span >= 1 * SEC and full is None
                                 else None),
        'exhausted_at': iso(full, False) if full is not None else None,
        'reuse_in_time_wait': {'count': count,
                               'min_gap_ms': None if gap is None
                               else ms(gap)},
    }
    for k, v in closed_form.items():
        got = g[k]
        if isinstance(v, float) and got is not None:
            assert abs(got - v) <= 1e-9 * max(1, abs(v)), (k, v, got)
        else:
            assert got == v, (k, v, got)
    # 12 significant digits: 99.99999999999999 is written as 100.0 (the
    # checker's tolerance is 1e-6)
    for k, v in g.items():
        if isinstance(v, float):
            g[k] = float('%.12g' % v)
    return g


def pressure(tw_s, prange, groups):
    return {'time_wait_seconds': tw_s,
            'port_range': {'low': prange[0], 'high': prange[1],
                           'size': prange[1] - prange[0] + 1},
            'groups': groups}


def short_conn(c, status='complete'):
    """The per-connection subset: id, client port, handshake status,
    close kind and who enters TIME-WAIT (state too when half closed)."""
    d = {'id': c.id, 'client': {'port': c.f.port['c']},
         'handshake': {'status': status}}
    if c.exchanges is not None:
        d['exchanges'] = c.exchanges
    if c.holder is None:
        d['close'] = {'kind': 'half_closed', 'time_wait': 'pending'}
        d['state'] = {'client': 'FIN-WAIT-2', 'server': 'CLOSE-WAIT'}
    else:
        d['close'] = {'kind': 'fin', 'time_wait': c.holder}
    return d


def capture_subset(cap):
    e = cap.capture_expect()
    return {k: e[k] for k in ('link_type', 'timestamp_precision', 'packets',
                              'tcp_segments', 'first_packet', 'last_packet')}


# =================================================================== cases

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def pressure_client_peak():
    """50 connections, one every 100 ms, each closed by the client within
    1 ms; TIME-WAIT 2 s, port range 40000-40099 (100 ports)."""
    cap = Capture('pressure_client_peak')
    conns = []
    for i in range(50):
        t = BASE + i * 100 * MS
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, *isns(i))
        close_four_way(c, 'c', t + 500 * US)
        assert c.tw_start == t + 590 * US
        conns.append(c)
    tw, prange = 2, (40000, 40099)
    # TIME-WAIT i = [S_i, S_i + 2 s) with S_i = BASE + i*100 ms + 590 us.
    # At S_j the live ones are i with S_i <= S_j < S_i + 2 s, i.e.
    # j-20 < i <= j: 20 of them (S_{j-20} + 2 s = S_j is excluded), first
    # for j = 19.
    s19 = BASE + 19 * 100 * MS + 590 * US
    rate = 49 / 4.9      # TIME-WAIT starts 100 ms apart
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 50, 'time_wait_entries': 50, 'peak_concurrent': 20,
        'peak_at': iso(s19, False), 'time_wait_rate_per_s': rate,
        'port_range_share': 0.2, 'exhaustion_rate_per_s': 50.0,
        'time_to_exhaustion_s': None})
    findings = [{'code': 'PORT_EXHAUSTION_RISK', 'severity': 'warning',
                 'groups': [0]}]
    opts = ['--time-wait', '2', '--port-range', '40000-40099']
    return cap, opts, conns, pressure(tw, prange, [g]), findings


@case
def pressure_exhaustion():
    """300 connections, one every 10 ms, no data, three-segment client
    close; TIME-WAIT 60 s, port range 40000-40999 (1000 ports)."""
    cap = Capture('pressure_exhaustion')
    conns = []
    for i in range(300):
        t = BASE + i * 10 * MS
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, *isns(i), data=False,
                      ts=False)
        close_three_way(c, t + 100 * US)
        assert c.tw_start == t + 150 * US
        conns.append(c)
    tw, prange = 60, (40000, 40999)
    # all 300 TIME-WAITs (60 s each) overlap: the span is 2.99 s
    last = BASE + 299 * 10 * MS + 150 * US
    rate = 299 / 2.99    # TIME-WAIT starts 10 ms apart
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 300, 'time_wait_entries': 300,
        'peak_concurrent': 300, 'peak_at': iso(last, False),
        'time_wait_rate_per_s': rate, 'port_range_share': 0.3,
        'exhaustion_rate_per_s': 1000 / 60, 'active_at_end': 300,
        # 700 ports still free at the end, taken at 100/s
        'time_to_exhaustion_s': 700 / rate})
    findings = [{'code': 'PORT_EXHAUSTION_RISK', 'severity': 'high',
                 'groups': [0]}]
    opts = ['--time-wait', '60', '--port-range', '40000-40999']
    return cap, opts, conns, pressure(tw, prange, [g]), findings


@case
def pressure_server_holds():
    """20 connections, one every 100 ms, each closed by the server first;
    defaults (TIME-WAIT 60 s)."""
    cap = Capture('pressure_server_holds')
    conns = []
    for i in range(20):
        t = BASE + i * 100 * MS
        c = open_conn(cap, i + 1, 41000 + i, 8080, t, *isns(100 + i))
        close_four_way(c, 's', t + 500 * US)
        assert c.tw_start == t + 590 * US and c.holder == 'server'
        conns.append(c)
    tw, prange = DEFAULT_TW, DEFAULT_RANGE
    s19 = BASE + 19 * 100 * MS + 590 * US
    g = group(cap, conns, 'server', tw, prange, {
        'connections': 20, 'time_wait_entries': 20, 'peak_concurrent': 20,
        'peak_at': iso(s19, False),
        'time_wait_rate_per_s': 19 / 1.9,
        'port_range_share': None, 'exhaustion_rate_per_s': None,
        'time_to_exhaustion_s': None})
    findings = [{'code': 'SERVER_HOLDS_TIME_WAIT', 'severity': 'info',
                 'groups': [0]}]
    return cap, [], conns, pressure(tw, prange, [g]), findings


@case
def pressure_reuse_in_tw():
    """One 4-tuple, three connections, each closed by the client.  2 starts
    5 s into 1's TIME-WAIT; 3 starts 70 s after 2's TIME-WAIT began."""
    cap = Capture('pressure_reuse_in_tw')
    port = 45000
    c1 = open_conn(cap, 1, port, 80, BASE, 1_000_000_000, 3_000_000_000)
    close_four_way(c1, 'c', BASE + 500 * US)
    t2 = c1.tw_start + 5 * SEC
    # a new ISN far away from connection 1's sequence space
    c2 = open_conn(cap, 2, port, 80, t2, (1_000_000_000 + 2**30),
                   (3_000_000_000 + 2**30) & 0xffffffff)
    close_four_way(c2, 'c', t2 + 500 * US)
    t3 = c2.tw_start + 70 * SEC
    c3 = open_conn(cap, 3, port, 80, t3, (1_000_000_000 + 2**31),
                   (3_000_000_000 + 2**31) & 0xffffffff)
    close_four_way(c3, 'c', t3 + 500 * US)
    conns = [c1, c2, c3]
    tw, prange = DEFAULT_TW, DEFAULT_RANGE
    # TIME-WAITs: [F1, SYN2) (cut by the reuse, 5 s), [F2, F2 + 60 s)
    # (ends 10 s before SYN3), [F3, F3 + 60 s): never two at once.
    span = t3 - BASE       # 5 s + 590 us + 70 s + 590 us = 75.00118 s
    assert span == 75_001_180 * US
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 3, 'time_wait_entries': 3, 'peak_concurrent': 1,
        'peak_at': iso(c1.tw_start, False),
        # the TIME-WAIT starts span what the SYNs span
        'time_wait_rate_per_s': 2 / 75.00118,
        'port_range_share': 1 / 28232, 'exhaustion_rate_per_s': 28232 / 60,
        'time_to_exhaustion_s': None,
        'reuse_in_time_wait': {'count': 1, 'min_gap_ms': 5000.0}})
    findings = [{'code': 'TIME_WAIT_REUSE', 'severity': 'warning',
                 'groups': [0]},
                {'code': 'CLIENT_CLOSES_FIRST', 'severity': 'info',
                 'groups': [0]}]
    # reuse: previous connection's last packet (its final ACK, 20 us after
    # the TIME-WAIT start) to this connection's SYN
    reuse = {2: {'previous_id': 1, 'gap_ms': ms(t2 - c1.f.last)},
             3: {'previous_id': 2, 'gap_ms': ms(t3 - c2.f.last)}}
    assert reuse[2]['gap_ms'] == 4999.98 and reuse[3]['gap_ms'] == 69999.98
    return cap, [], conns, pressure(tw, prange, [g]), findings, reuse


@case
def pressure_close_wait():
    """Five connections, one every 100 ms, each closed by the client.  The
    server answers the FIN 15 s later on 1-3, 2 s later on 4, never on 5
    (the capture ends 30 s after 5's FIN)."""
    cap = Capture('pressure_close_wait')
    conns = [open_conn(cap, k, 42000 + k, 80, BASE + (k - 1) * 100 * MS,
                       *isns(200 + k)) for k in range(1, 6)]
    # 4: FIN at 1.3 s, server FIN 2 s later
    close_four_way(conns[3], 'c', BASE + 1300 * MS, answer=2 * SEC)
    # 1-3: idle until 16.0/16.1/16.2 s, server FIN 15 s later
    for k in range(3):
        close_four_way(conns[k], 'c', BASE + (16_000 + k * 100) * MS,
                       answer=15 * SEC)
    end = conns[2].f.last      # 31.2 s + 20 us: the capture's last packet
    assert end == BASE + 31_200_020 * US
    # 5: FIN exactly 30 s before the end of the capture, ACKed, no more
    c5 = conns[4]
    c5.f.send('c', end - 30 * SEC, 'FA')
    c5.fin['c'] = end - 30 * SEC
    c5.f.send('s', end - 30 * SEC + 40 * US, 'A')
    tw, prange = DEFAULT_TW, DEFAULT_RANGE
    # TIME-WAITs start at 3.3 s (4), 31.0, 31.1, 31.2 s (1-3), all 60 s:
    # 4 at once from 31.2 s
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 5, 'time_wait_entries': 4, 'peak_concurrent': 4,
        'peak_at': iso(BASE + 31_200 * MS, False),
        # starts at 3.3 s, 31.0, 31.1 and 31.2 s
        'time_wait_rate_per_s': 3 / 27.9,
        'port_range_share': 4 / 28232, 'exhaustion_rate_per_s': 28232 / 60,
        'time_to_exhaustion_s': None})
    findings = [{'code': 'CLOSE_WAIT_SUSPECTED', 'severity': 'warning',
                 'connections': [1, 2, 3, 5]},
                {'code': 'CLIENT_CLOSES_FIRST', 'severity': 'info',
                 'groups': [0]}]
    return cap, [], conns, pressure(tw, prange, [g]), findings


@case
def pressure_lost_final_ack():
    """100 connections, one every 10 s, each closed by the client; the
    capture lost the final ACK of every other one (odd ids), so those stay
    open in the tracker until their idle timeout or the end, and are
    reported long after the others.  Each TIME-WAIT still counts once, at
    its own start: 6 at once (60 s / 10 s), not more."""
    cap = Capture('pressure_lost_final_ack')
    conns = []
    for i in range(100):
        t = BASE + i * 10 * SEC
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, *isns(300 + i),
                      data=False)
        close_four_way(c, 'c', t + 500 * US, final_ack=(i % 2 == 0))
        assert c.tw_start == t + 590 * US
        conns.append(c)
    tw, prange = DEFAULT_TW, DEFAULT_RANGE
    # TIME-WAIT i = [S_i, S_i + 60 s), S_i = BASE + i*10 s + 590 us: at S_j
    # the live ones are j-5..j, 6 of them, first at j = 5.
    s5 = BASE + 50 * SEC + 590 * US
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 100, 'time_wait_entries': 100, 'peak_concurrent': 6,
        'peak_at': iso(s5, False), 'time_wait_rate_per_s': 99 / 990,
        'port_range_share': 6 / 28232, 'active_at_end': 6,
        'time_to_exhaustion_s': None, 'exhausted_at': None})
    findings = [{'code': 'CLIENT_CLOSES_FIRST', 'severity': 'info',
                 'groups': [0]}]
    return cap, [], conns, pressure(tw, prange, [g]), findings


@case
def pressure_holder_side():
    """400 connections, one every 5 ms (200/s over 2 s), like nginx's
    default HTTP/1.0 upstream: the server closes first, except on every
    100th connection, which the client closes.  The client's ports are
    judged from its own 4 TIME-WAITs (2/s), not from the 200/s whose
    TIME-WAIT the server holds: no port finding for the client, and the
    server's TIME-WAIT costs it no ports."""
    cap = Capture('pressure_holder_side')
    conns = []
    for i in range(400):
        t = BASE + i * 5 * MS
        c = open_conn(cap, i + 1, 41000 + i, 80, t, *isns(500 + i),
                      data=False)
        close_four_way(c, 'c' if i % 100 == 0 else 's', t + 500 * US)
        conns.append(c)
    tw, prange = DEFAULT_TW, DEFAULT_RANGE
    # client TIME-WAITs start at i = 0, 100, 200, 300: 3 intervals over
    # 1.5 s; all four alive at the end
    gc = group(cap, conns, 'client', tw, prange, {
        'connections': 400, 'time_wait_entries': 4, 'peak_concurrent': 4,
        'time_wait_rate_per_s': 3 / 1.5, 'port_range_share': 4 / 28232,
        'projected_share': 2 * 60 / 28232, 'active_at_end': 4,
        'time_to_exhaustion_s': None, 'exhausted_at': None})
    # server: 396 TIME-WAITs, all alive at the end
    gs = group(cap, conns, 'server', tw, prange, {
        'connections': 400, 'time_wait_entries': 396,
        'peak_concurrent': 396, 'active_at_end': 396})
    findings = [{'code': 'SERVER_HOLDS_TIME_WAIT', 'severity': 'info',
                 'groups': [0]}]
    return cap, [], conns, pressure(tw, prange, [gs, gc]), findings


@case
def pressure_ports_exhausted():
    """100 connections, one every 100 ms, each closed by the client first;
    TIME-WAIT 60 s, port range 40000-40099 (100 ports).  The 100th
    TIME-WAIT fills the range; no SYN follows (a full range sends none)."""
    cap = Capture('pressure_ports_exhausted')
    conns = []
    for i in range(100):
        t = BASE + i * 100 * MS
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, *isns(900 + i),
                      data=False)
        close_four_way(c, 'c', t + 500 * US)
        conns.append(c)
    tw, prange = 60, (40000, 40099)
    full = BASE + 99 * 100 * MS + 590 * US
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 100, 'time_wait_entries': 100,
        'peak_concurrent': 100, 'peak_at': iso(full, False),
        'exhausted_at': iso(full, False), 'time_wait_rate_per_s': 99 / 9.9,
        'port_range_share': 1.0, 'active_at_end': 100,
        'time_to_exhaustion_s': None})
    findings = [{'code': 'PORTS_EXHAUSTED', 'severity': 'critical',
                 'groups': [0], 'at': iso(full, False)}]
    opts = ['--time-wait', '60', '--port-range', '40000-40099']
    return cap, opts, conns, pressure(tw, prange, [g]), findings


@case
def pressure_inferred_range():
    """600 connections, ports 40000..40599 (every port, odd ones too), one
    every 10 ms, each closed by the client first; no option: the default
    range 32768-60999 applies, but the client ports fill 40000-40599
    densely (600 of 600, at least 512), so that range is used, "inferred",
    and the 600th TIME-WAIT fills it."""
    cap = Capture('pressure_inferred_range')
    conns = []
    for i in range(600):
        t = BASE + i * 10 * MS
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, *isns(2000 + i),
                      data=False)
        close_four_way(c, 'c', t + 500 * US)
        conns.append(c)
    tw, prange = DEFAULT_TW, (40000, 40599)
    full = BASE + 599 * 10 * MS + 590 * US
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 600, 'time_wait_entries': 600,
        'peak_concurrent': 600, 'exhausted_at': iso(full, False),
        'time_wait_rate_per_s': 599 / 5.99, 'port_range_share': 1.0,
        'active_at_end': 600, 'time_to_exhaustion_s': None})
    twp = pressure(tw, prange, [g])
    twp['port_range']['source'] = 'inferred'
    findings = [{'code': 'PORTS_EXHAUSTED', 'severity': 'critical',
                 'groups': [0], 'at': iso(full, False)}]
    return cap, [], conns, twp, findings


@case
def pressure_keepalive_recycled():
    """Keep-alive with a per-connection request limit (nginx's
    keepalive_requests): 31 connections, one every 100 ms, each closed by
    the client 5 ms after its SYN.  Connections 1-30 carry exactly 3
    request/response exchanges, 1 ms apart; the last request of each is
    retransmitted once after its response (not a new exchange), and the
    client's sequence numbers wrap during it (ISN 2^32 - 40).  Connection
    31 (left idle, then closed) carries 1.  TIME-WAIT 2 s, port range
    40000-40099: without the recognition the group would rate a warning
    (projected 20%, as pressure_client_peak); with it, 30 of 31
    connections carried 3 requests: KEEPALIVE_RECYCLED, info."""
    cap = Capture('pressure_keepalive_recycled')
    conns = []
    for i in range(31):
        t = BASE + i * 100 * MS
        cisn = (2 ** 32 - 40) & 0xffffffff
        c = open_conn(cap, i + 1, 40000 + i, 8080, t, cisn,
                      isns(i)[1], data=False)
        n = 3 if i < 30 else 1
        for k in range(n):
            tk = t + 100 * US + k * MS
            seq = c.f.send('c', tk, 'PA', REQ)
            c.f.send('s', tk + 200 * US, 'PA', RESP)
            if k == n - 1:  # spurious: after the response
                c.f.send('c', tk + 220 * US, 'PA', REQ, seq=seq)
            c.f.send('c', tk + 250 * US, 'A')
        c.exchanges = n
        close_four_way(c, 'c', t + 5 * MS)
        assert c.tw_start == t + 5 * MS + 90 * US
        conns.append(c)
    tw, prange = 2, (40000, 40099)
    # as pressure_client_peak: starts 100 ms apart, 2 s each: 20 at once,
    # first at S_19
    s19 = BASE + 19 * 100 * MS + 5 * MS + 90 * US
    g = group(cap, conns, 'client', tw, prange, {
        'connections': 31, 'time_wait_entries': 31, 'peak_concurrent': 20,
        'peak_at': iso(s19, False), 'time_wait_rate_per_s': 30 / 3.0,
        'port_range_share': 0.2, 'projected_share': 0.2,
        'exhaustion_rate_per_s': 50.0, 'time_to_exhaustion_s': None})
    findings = [{'code': 'KEEPALIVE_RECYCLED', 'severity': 'info',
                 'groups': [0],
                 'numbers': {'requests_per_connection': 3,
                             'peak_concurrent': 20}}]
    opts = ['--time-wait', '2', '--port-range', '40000-40099']
    return cap, opts, conns, pressure(tw, prange, [g]), findings


# ------------------------------------------------------------------ driver

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    expdir = os.path.join(out, 'expected')
    os.makedirs(expdir, exist_ok=True)
    for fn in CASES:
        res = fn()
        cap, opts, conns, twp, findings = res[:5]
        reuse = res[5] if len(res) > 5 else {}
        name = cap.name + '.pcap'
        write(os.path.join(out, name), cap.pcap_bytes())
        exp_conns = []
        for c in conns:
            d = short_conn(c)
            if reuse or c.id in reuse:
                d['reuse'] = reuse.get(c.id)
            exp_conns.append(d)
        doc = expected_doc(name, capture_subset(cap), exp_conns,
                           options=opts)
        doc['time_wait_pressure'] = twp
        doc['findings'] = findings
        write_json(os.path.join(expdir, cap.name + '.json'), doc)


if __name__ == '__main__':
    main()
