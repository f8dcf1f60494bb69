#!/usr/bin/python3
"""Regenerate the crafted hsanalyze test captures and their expected reports.

Every capture in tests/pcaps/ except those kept from elsewhere is written by
this script, together with tests/pcaps/expected/<name>.json.  The output is
deterministic: fixed timestamps (integer nanoseconds), fixed ISNs, fixed IP
IDs, no randomness, so a rerun gives byte-identical files.

pcap files are written by the small writer below (struct.pack); scapy only
builds the IP/TCP bytes (checksums, options).  pcapng files are converted
from pcap files with `editcap -F pcapng`.

The expected values are an oracle derived from how each trace is built: the
case functions state the verdicts, the RTTs come from the timestamps the
case chose, and the packet/byte counts and first/last times come from the
builder's own bookkeeping of what it wrote.  Nothing is derived by running
hsanalyze.

Usage: make_crafted.py [OUTDIR]    (default: the directory of this script)
"""

import datetime
import json
import logging
import os
import shutil
import struct
import subprocess
import sys

logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
from scapy.layers.inet import IP, TCP, UDP, fragment  # noqa: E402
from scapy.layers.inet6 import (IPv6, IPv6ExtHdrDestOpt,  # noqa: E402
                                IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                                IPv6ExtHdrSegmentRouting)
from scapy.layers.l2 import ARP, Ether  # noqa: E402
from scapy.layers.dns import DNS, DNSQR  # noqa: E402
from scapy.packet import Raw  # noqa: E402

US = 1000
MS = 1000 * US
SEC = 1000 * MS
# 2023-11-14T22:13:20.123456Z: the start of most traces
BASE = 1_700_000_000 * SEC + 123_456 * US

LINKTYPES = {
    'NULL': 0, 'EN10MB': 1, 'RAW': 101, 'IEEE802_11': 105, 'LOOP': 108,
    'LINUX_SLL': 113, 'IPV4': 228, 'IPV6': 229, 'LINUX_SLL2': 276,
}

MAC_C = bytes.fromhex('020000000a01')   # client host
MAC_S = bytes.fromhex('020000000b01')   # server side (router)

C4, S4 = '192.0.2.10', '198.51.100.20'
# 2001:db8:0:0:1:0:0:1 prints as 2001:db8::1:0:0:1 (RFC 5952: the longest
# zero run is shortened, the first one on a tie); 2001:db8::a:b stays.
C6, S6 = '2001:db8:0:0:1:0:0:1', '2001:db8:0:0:0:0:a:b'
C6_TXT, S6_TXT = '2001:db8::1:0:0:1', '2001:db8::a:b'

REQUEST = (b'GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n'
           b'User-Agent: hsanalyze-test\r\nAccept: */*\r\n\r\n')
RESPONSE = (b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n'
            b'Content-Length: 94\r\nConnection: close\r\n\r\n'
            + b'<html><head><title>t</title></head><body>'
            + b'crafted test response for hsanalyze...'
            + b'</body></html>\n')
assert len(REQUEST) == 92 and len(RESPONSE) == 177, (len(REQUEST), len(RESPONSE))


def ms(ns):
    """A duration in integer ns as the report's millisecond number."""
    return ns / 1e6


def iso(ns, nano):
    sec, frac = divmod(ns, SEC)
    dt = datetime.datetime.fromtimestamp(sec, tz=datetime.timezone.utc)
    head = dt.strftime('%Y-%m-%dT%H:%M:%S')
    if nano:
        return '%s.%09dZ' % (head, frac)
    assert frac % US == 0
    return '%s.%06dZ' % (head, frac // US)


class Opts:
    """The options one side offers in its SYN or SYN/ACK."""

    def __init__(self, mss=1460, ws=7, sack=True, ts=True):
        self.mss, self.ws, self.sack, self.ts = mss, ws, sack, ts

    def json(self):
        return {'mss': self.mss, 'window_scale': self.ws,
                'sack_permitted': self.sack, 'timestamps': self.ts}

    def scapy(self, tsval, tsecr):
        """Linux's layout of the SYN options."""
        o = []
        if self.mss is not None:
            o.append(('MSS', self.mss))
        if self.ts:
            if self.sack:
                o.append(('SAckOK', b''))
            else:
                o += [('NOP', None), ('NOP', None)]
            o.append(('Timestamp', (tsval, tsecr)))
        elif self.sack:
            o += [('NOP', None), ('NOP', None), ('SAckOK', b'')]
        if self.ws is not None:
            o += [('NOP', None), ('WScale', self.ws)]
        return o


# ---------------------------------------------------------------- capture

class Capture:
    """Records of one capture file, plus the bookkeeping for its oracle."""

    def __init__(self, name, link='EN10MB', nano=False, snaplen=262144,
                 big_endian=False, vlans=(), pad=True):
        self.name, self.link, self.nano = name, link, nano
        self.snaplen, self.big_endian = snaplen, big_endian
        self.vlans = list(vlans)      # [(tpid, vid), ...] outermost first
        self.pad = pad                # pad received Ethernet frames to 60
        self.records = []             # [t, data, orig_len, category, optcat]

    # ---- link layer
    def frame(self, l3, side, flow):
        ver = l3[0] >> 4
        if self.link == 'EN10MB':
            src, dst = (MAC_C, MAC_S) if side == 'c' else (MAC_S, MAC_C)
            et = 0x86dd if ver == 6 else 0x0800
            if flow is not None and flow.ethertype is not None:
                et = flow.ethertype
            hdr = dst + src
            for tpid, vid in self.vlans:
                hdr += struct.pack('>HH', tpid, vid)
            f = hdr + struct.pack('>H', et) + l3
            # frames the client host received went over the wire: padded
            if self.pad and side == 's' and len(f) < 60:
                f += b'\0' * (60 - len(f))
            return f
        if self.link == 'LINUX_SLL':
            pkttype = 4 if side == 'c' else 0     # OUTGOING / HOST
            src = MAC_C if side == 'c' else MAC_S
            proto = 0x86dd if ver == 6 else 0x0800
            return struct.pack('>HHH8sH', pkttype, 1, 6, src, proto) + l3
        if self.link == 'LINUX_SLL2':
            pkttype = 4 if side == 'c' else 0
            src = MAC_C if side == 'c' else MAC_S
            proto = 0x86dd if ver == 6 else 0x0800
            return struct.pack('>HHIHBB8s', proto, 0, 2, 1, pkttype, 6,
                               src) + l3
        if self.link == 'NULL':
            fam = flow.af if ver == 6 else 2
            e = '>' if self.big_endian else '<'  # the capturing host's order
            return struct.pack(e + 'I', fam) + l3
        if self.link == 'LOOP':
            fam = flow.af if ver == 6 else 2
            return struct.pack('>I', fam) + l3   # always network order
        if self.link in ('RAW', 'IPV4', 'IPV6'):
            return l3
        raise ValueError(self.link)

    def add(self, t, data, cat='tcp', optcat=None, caplen=None):
        orig = len(data)
        if caplen is not None:
            data = data[:caplen]
        data = data[:self.snaplen]
        self.records.append([t, data, orig, cat, optcat])

    # ---- writing
    def pcap_bytes(self):
        e = '>' if self.big_endian else '<'
        magic = 0xa1b23c4d if self.nano else 0xa1b2c3d4
        out = [struct.pack(e + 'IHHiIII', magic, 2, 4, 0, 0, self.snaplen,
                           LINKTYPES[self.link])]
        recs = sorted(self.records, key=lambda r: r[0])   # stable
        for t, data, orig, _, _ in recs:
            sec, frac = divmod(t, SEC)
            if not self.nano:
                assert frac % US == 0, 'microsecond file with ns time'
                frac //= US
            out.append(struct.pack(e + 'IIII', sec, frac, len(data), orig))
            out.append(data)
        return b''.join(out)

    def frame_number(self, rec):
        """Wireshark's number (from 1) of a record: its place in the
        file, which is written in time order."""
        recs = sorted(self.records, key=lambda r: r[0])
        return 1 + next(i for i, r in enumerate(recs) if r is rec)

    def frames_expect(self, frames):
        """The expected "frames" object from the records of the key
        segments (a list for "syn" and "synack", else one record or None)."""
        out = {}
        for k, v in frames.items():
            if k in ('syn', 'synack'):
                out[k] = [self.frame_number(r) for r in v]
            else:
                out[k] = None if v is None else self.frame_number(v)
        return out

    # ---- oracle for the capture object
    def capture_expect(self):
        recs = sorted(self.records, key=lambda r: r[0])
        cnt = {}
        for r in recs:
            cnt[r[3]] = cnt.get(r[3], 0) + 1
            if r[4]:
                cnt['opt.' + r[4]] = cnt.get('opt.' + r[4], 0) + 1
        known = {'tcp', 'skipped.not_ip', 'skipped.not_tcp',
                 'skipped.ip_fragment', 'truncated.link', 'truncated.ipv4',
                 'truncated.ipv6', 'truncated.tcp', 'invalid.ipv4_version',
                 'invalid.ipv4_header_length', 'invalid.ipv4_total_length',
                 'invalid.ipv6_version', 'invalid.ipv6_payload_length',
                 'invalid.ipv6_extension_header', 'invalid.tcp_data_offset',
                 'opt.truncated', 'opt.invalid'}
        assert set(cnt) <= known, set(cnt) - known

        def group(g, names):
            return {n: cnt.get('%s.%s' % (g, n), 0) for n in names}
        return {
            'link_type': self.link,
            'snaplen': self.snaplen,
            'timestamp_precision': 'ns' if self.nano else 'us',
            'packets': len(recs),
            'tcp_segments': cnt.get('tcp', 0),
            'first_packet': iso(recs[0][0], self.nano) if recs else None,
            'last_packet': iso(recs[-1][0], self.nano) if recs else None,
            'skipped': group('skipped', ['not_ip', 'not_tcp', 'ip_fragment']),
            'truncated': group('truncated', ['link', 'ipv4', 'ipv6', 'tcp']),
            'invalid': group('invalid', [
                'ipv4_version', 'ipv4_header_length', 'ipv4_total_length',
                'ipv6_version', 'ipv6_payload_length',
                'ipv6_extension_header', 'tcp_data_offset']),
            'tcp_options': group('opt', ['truncated', 'invalid']),
        }

    # ---- oracle for one connection
    def conn(self, f, cid, hs, close, state, roles_guessed=False,
             reuse=None, options=True, frames=None):
        """Expected connection object; hs/close from hs()/cl() below;
        frames: the records of its key segments (see frames_expect)."""
        d = {
            'id': cid,
            'client': {'ip': f.ip_txt['c'], 'port': f.port['c']},
            'server': {'ip': f.ip_txt['s'], 'port': f.port['s']},
            'roles_guessed': roles_guessed,
            'first_packet': iso(f.first, self.nano),
            'last_packet': iso(f.last, self.nano),
            'duration_ms': ms(f.last - f.first),
            'packets': {'client_to_server': f.npkts['c'],
                        'server_to_client': f.npkts['s']},
            'payload_bytes': {'client_to_server': f.nbytes['c'],
                              'server_to_client': f.nbytes['s']},
        }
        if options:
            d['options'] = {
                'client': f.opts['c'].json() if f.syn_seen['c'] else None,
                'server': f.opts['s'].json() if f.syn_seen['s'] else None}
        d['handshake'] = hs
        d['close'] = close
        if state is not None:
            d['state'] = state
        d['reuse'] = reuse
        d['evicted'] = False
        if frames is not None:
            d['frames'] = self.frames_expect(frames)
        return d


def hs(status, syn_to_synack=None, synack_to_ack=None, syn_re=0,
       synack_re=0, sim=None, tfo=None):
    """Expected handshake object; RTTs given in integer ns.  sim and tfo,
    when given, assert simultaneous_open and fast_open."""
    a = None if syn_to_synack is None else ms(syn_to_synack)
    b = None if synack_to_ack is None else ms(synack_to_ack)
    tot = None if a is None or b is None else ms(syn_to_synack + synack_to_ack)
    d = {'status': status, 'syn_retransmits': syn_re,
         'synack_retransmits': synack_re,
         'rtt_ms': {'syn_to_synack': a, 'synack_to_ack': b, 'total': tot}}
    if sim is not None:
        d['simultaneous_open'] = sim
    if tfo is not None:
        d['fast_open'] = tfo
    return d


def cl(kind, active, tw, fin_re=0, rsts=None, rst_from=None,
       tw_rst=None):
    """Expected close object.  rsts=(accepted, challenged, ignored), when
    given, also asserts rst_from and time_wait_ended_by_rst."""
    d = {'kind': kind, 'active_closer': active, 'time_wait': tw,
         'fin_retransmits': fin_re}
    if rsts is not None:
        d['rsts'] = {'accepted': rsts[0], 'challenged': rsts[1],
                     'ignored': rsts[2]}
        d['rst_from'] = rst_from
        d['time_wait_ended_by_rst'] = tw_rst
    return d


def st(client, server):
    d = {}
    if client is not None:
        d['client'] = client
    if server is not None:
        d['server'] = server
    return d


# ------------------------------------------------------------------- flow

class Flow:
    """One TCP connection's two endpoints; send() builds, records and
    delivers a segment, keeping sequence/ack/timestamp state."""

    def __init__(self, cap, cip, cport, sip, sport, cisn, sisn, copts=None,
                 sopts=None, t0=BASE, ext6=None, af=30, ip_id=(0x3a10, 0),
                 ethertype=None):
        self.cap = cap
        self.ip = {'c': cip, 's': sip}
        self.v6 = ':' in cip
        self.ip_txt = {'c': cip, 's': sip}
        if self.v6:
            import ipaddress
            self.ip_txt = {k: str(ipaddress.IPv6Address(v))
                           for k, v in self.ip.items()}
        self.port = {'c': cport, 's': sport}
        self.isn = {'c': cisn, 's': sisn}
        self.nxt = {'c': cisn, 's': sisn}
        self.rcv = {'c': 0, 's': 0}
        self.opts = {'c': copts or Opts(), 's': sopts or Opts(1380, 9)}
        self.use_ts = self.opts['c'].ts and self.opts['s'].ts
        self.tsbase = {'c': 2_000_000 + (cisn & 0xffff),
                       's': 3_500_000 + (sisn & 0xffff)}
        self.tsrecent = {'c': 0, 's': 0}
        self.t0 = t0
        self.ext6 = ext6          # callable -> list of scapy ext headers
        self.af = af              # DLT_NULL/LOOP address family for IPv6
        self.ethertype = ethertype
        self.ipid = {'c': ip_id[0], 's': ip_id[1]}
        self.npkts = {'c': 0, 's': 0}
        self.nbytes = {'c': 0, 's': 0}
        self.syn_seen = {'c': False, 's': False}
        self.first = self.last = None
        self.last_tsval = {'c': None, 's': None}

    def tsval(self, side, t):
        return (self.tsbase[side] + (t - self.t0) // MS) & 0xffffffff

    def build(self, side, t, flags, data=b'', seq=None, ack=None, tsecr=None,
              rawopts=None, window=None, ip_kw=None):
        """The IP packet bytes of a segment, no state change."""
        peer = 's' if side == 'c' else 'c'
        if seq is None:
            seq = self.nxt[side]
        if ack is None:
            ack = self.rcv[side] if 'A' in flags else 0
        tsv = self.tsval(side, t)
        if tsecr is None:
            tsecr = self.tsrecent[side] if 'A' in flags else 0
        syn = 'S' in flags
        if window is None:
            if syn:
                window = 64240 if side == 'c' else 65160
            else:
                window = 502 if side == 'c' else 509
        if syn:
            opts = self.opts[side].scapy(tsv, tsecr)
        elif self.use_ts and 'R' not in flags:
            opts = [('NOP', None), ('NOP', None), ('Timestamp', (tsv, tsecr))]
        else:
            opts = []
        if rawopts is not None:
            tcp = TCP(sport=self.port[side], dport=self.port[peer],
                      seq=seq, ack=ack, flags=flags, window=window,
                      dataofs=5 + len(rawopts) // 4, options=[])
            payload = rawopts + data
        else:
            tcp = TCP(sport=self.port[side], dport=self.port[peer], seq=seq,
                      ack=ack, flags=flags, window=window, options=opts)
            payload = data
        if self.v6:
            l3 = IPv6(src=self.ip[side], dst=self.ip[peer], hlim=64,
                      **(ip_kw or {}))
            if self.ext6:
                for h in self.ext6(side):
                    l3 = l3 / h
        else:
            l3 = IP(src=self.ip[side], dst=self.ip[peer], id=self.ipid[side],
                    flags='DF', ttl=64 if side == 'c' else 52,
                    **(ip_kw or {}))
            self.ipid[side] = (self.ipid[side] + 1) & 0xffff
        pkt = l3 / tcp
        if payload:
            pkt = pkt / Raw(payload)
        return bytes(pkt), seq, tsv

    def account(self, side, t, nbytes):
        self.npkts[side] += 1
        self.nbytes[side] += nbytes
        self.first = t if self.first is None else min(self.first, t)
        self.last = t if self.last is None else max(self.last, t)

    def send(self, side, t, flags, data=b'', seq=None, ack=None, tsecr=None,
             deliver=True, record=True, cat='tcp', optcat=None, caplen=None,
             rawopts=None, count=True):
        """Build a segment; record it in the capture (record=True) and let
        the peer receive it (deliver=True).  Returns its sequence number."""
        peer = 's' if side == 'c' else 'c'
        l3, seq, tsv = self.build(side, t, flags, data, seq, ack, tsecr,
                                  rawopts)
        end = (seq + len(data) + ('S' in flags) + ('F' in flags)) & 0xffffffff
        if seq == self.nxt[side]:
            self.nxt[side] = end
        if deliver and 'R' not in flags:
            self.rcv[peer] = end
            if self.use_ts or 'S' in flags:
                self.tsrecent[peer] = tsv
        if record:
            self.cap.add(t, self.cap.frame(l3, side, self), cat, optcat,
                         caplen)
            self.last_record = self.cap.records[-1]
            if count:
                self.account(side, t, len(data))
                if 'S' in flags:
                    self.syn_seen[side] = True
        return seq


# --------------------------------------------------- common conversations

def handshake(f, t, syn_to_synack=20_250 * US, synack_to_ack=125 * US):
    f.send('c', t, 'S')
    f.send('s', t + syn_to_synack, 'SA')
    f.send('c', t + syn_to_synack + synack_to_ack, 'A')
    return t + syn_to_synack + synack_to_ack


def exchange(f, t, req=REQUEST, resp=RESPONSE):
    """Request, delayed ACK, response, ACK (a client-side capture)."""
    f.send('c', t, 'PA', req)
    f.send('s', t + 20_200 * US, 'A')
    f.send('s', t + 20_500 * US, 'PA', resp)
    f.send('c', t + 20_600 * US, 'A')
    return t + 20_600 * US


def client_close(f, t):
    """FIN, ACK, FIN, ACK with the client closing first."""
    f.send('c', t, 'FA')
    f.send('s', t + 20_200 * US, 'A')
    f.send('s', t + 20_400 * US, 'FA')
    f.send('c', t + 20_500 * US, 'A')
    return t + 20_500 * US


STD_HS = hs('complete', 20_250 * US, 125 * US)
CLIENT_CLOSED = cl('fin', 'client', 'client')
ST_CC = st('TIME-WAIT', 'CLOSED')


def std_client_close(cap, cid=1, cip=C4, sip=S4, cport=51000, sport=80,
                     t=BASE, cisn=1_000_000_000, sisn=2_500_000_000, **kw):
    """The standard client_close conversation: 11 segments."""
    f = Flow(cap, cip, cport, sip, sport, cisn, sisn, t0=t, **kw)
    t = handshake(f, t)
    t = exchange(f, t + 125 * US)
    client_close(f, t + 1 * SEC)
    return f, cap.conn(f, cid, STD_HS, CLIENT_CLOSED, ST_CC)


def short_client_close(cap, cid, cip, cport, sip, sport, t, cisn, sisn,
                       **kw):
    """Handshake and client close, no data: 7 segments."""
    f = Flow(cap, cip, cport, sip, sport, cisn, sisn, t0=t, **kw)
    t = handshake(f, t, 50 * US, 30 * US)
    client_close_fast(f, t + 500 * MS)
    return f, cap.conn(f, cid, hs('complete', 50 * US, 30 * US),
                       CLIENT_CLOSED, ST_CC)


def client_close_fast(f, t):
    """A client close on loopback-like timing."""
    f.send('c', t, 'FA')
    f.send('s', t + 40 * US, 'A')
    f.send('s', t + 90 * US, 'FA')
    f.send('c', t + 110 * US, 'A')
    return t + 110 * US


# ================================================================== cases
# Each case returns a list of (Capture, [expected connections]).

CASES = []


def case(fn):
    CASES.append(fn)
    return fn


@case
def client_close_case():
    cap = Capture('client_close')
    f, e = std_client_close(cap)
    return [(cap, [e])]


@case
def server_close():
    cap = Capture('server_close')
    # server ISN close to 2^32: the response wraps the server's sequence
    f = Flow(cap, C4, 51001, S4, 80, 1_100_000_000, 0xffffff9c)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 5 * SEC                       # server's keep-alive timeout
    f.send('s', t, 'FA')
    f.send('c', t + 100 * US, 'A')
    f.send('c', t + 300 * US, 'FA')
    f.send('s', t + 20_500 * US, 'A')
    return [(cap, [cap.conn(f, 1, STD_HS, cl('fin', 'server', 'server'),
                            st('CLOSED', 'TIME-WAIT'))])]


@case
def three_segment_close():
    cap = Capture('three_segment_close')
    f = Flow(cap, C4, 51002, S4, 80, 1_200_000_000, 2_600_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 1 * SEC
    f.send('c', t, 'FA')
    f.send('s', t + 20_300 * US, 'FA')      # acks the client FIN
    f.send('c', t + 20_400 * US, 'A')
    return [(cap, [cap.conn(f, 1, STD_HS, CLIENT_CLOSED, ST_CC)])]


@case
def simultaneous_close():
    cap = Capture('simultaneous_close')
    f = Flow(cap, C4, 51003, S4, 80, 1_300_000_000, 2_700_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 1 * SEC
    srv_ack_before = f.rcv['s']
    f.send('c', t, 'FA')                          # seq X, ack Y
    # the server's FIN left before the client's FIN arrived: ack X
    f.send('s', t + 10 * MS, 'FA', ack=srv_ack_before)
    f.send('c', t + 10_100 * US, 'A')             # seq X+1, ack Y+1
    f.send('s', t + 20_200 * US, 'A')             # seq Y+1, ack X+1
    return [(cap, [cap.conn(f, 1, STD_HS, cl('fin', 'both', 'both'),
                            st('TIME-WAIT', 'TIME-WAIT'))])]


@case
def fin_retransmit_lost_final_ack():
    """Captured on the client host: the server's first ACK of the client's
    FIN was lost in the network and never reached the capture point."""
    cap = Capture('fin_retransmit_lost_final_ack')
    f = Flow(cap, C4, 51004, S4, 80, 1_400_000_000, 2_800_000_000)
    f.send('c', BASE, 'S')
    syn = f.last_record
    f.send('s', BASE + 20_250 * US, 'SA')
    synack = f.last_record
    f.send('c', BASE + 20_375 * US, 'A')
    ack3 = f.last_record
    t = exchange(f, BASE + 20_500 * US)
    t += 5 * SEC
    f.send('s', t, 'FA')                     # server closes first
    first_fin = f.last_record
    f.send('c', t + 100 * US, 'A')
    first_fin_ack = f.last_record
    fin = f.send('c', t + 2 * MS, 'FA')      # client's FIN
    peer_fin = f.last_record
    # (server's ACK of it is lost before reaching the client: not captured)
    f.send('c', t + 222 * MS, 'FA', seq=fin)   # RTO: FIN retransmitted
    f.send('s', t + 242_200 * US, 'A')
    final_ack = f.last_record
    frames = {'syn': [syn], 'synack': [synack], 'handshake_ack': ack3,
              'first_fin': first_fin, 'first_fin_ack': first_fin_ack,
              'peer_fin': peer_fin, 'final_ack': final_ack, 'rst': None}
    return [(cap, [cap.conn(f, 1, STD_HS, cl('fin', 'server', 'server', 1),
                            st('CLOSED', 'TIME-WAIT'), frames=frames)])]


@case
def fin_retransmit_ack_captured():
    """Captured on the server host: the server's final ACK is captured and
    then lost downstream; the client retransmits its FIN."""
    cap = Capture('fin_retransmit_ack_captured', pad=False)
    f = Flow(cap, C4, 51005, S4, 80, 1_500_000_000, 2_900_000_000)
    t = handshake(f, BASE, 50 * US, 20_200 * US)   # server-side view
    f.send('c', t + 100 * US, 'PA', REQUEST)
    f.send('s', t + 150 * US, 'A')
    f.send('s', t + 400 * US, 'PA', RESPONSE)
    f.send('c', t + 20_600 * US, 'A')
    t += 5 * SEC
    f.send('s', t, 'FA')
    f.send('c', t + 20_200 * US, 'A')
    fin = f.send('c', t + 22 * MS, 'FA')
    f.send('s', t + 22_050 * US, 'A', deliver=False)    # lost after capture
    f.send('c', t + 262 * MS, 'FA', seq=fin)
    f.send('s', t + 262_050 * US, 'A')
    return [(cap, [cap.conn(f, 1, hs('complete', 50 * US, 20_200 * US),
                            cl('fin', 'server', 'server', 1),
                            st('CLOSED', 'TIME-WAIT'))])]


def half_close_body(cap, port, final):
    f = Flow(cap, C4, port, S4, 80, 1_600_000_000 + port, 3_000_000_000)
    t = handshake(f, BASE)
    t += 125 * US
    f.send('c', t, 'PA', REQUEST)
    f.send('c', t + 100 * US, 'FA')              # shutdown(SHUT_WR)
    f.send('s', t + 20_300 * US, 'A')            # acks request and FIN
    chunk = (b'0123456789abcdef' * 32)[:500]
    t += 21 * MS
    for i in range(3):
        f.send('s', t + i * MS, 'PA', chunk)
    f.send('c', t + 2_100 * US, 'A')
    t += 100 * MS
    for i in range(2):
        f.send('s', t + i * MS, 'PA', chunk)
    f.send('c', t + 1_100 * US, 'A')
    if final:
        t += 50 * MS
        f.send('s', t, 'FA')
        f.send('c', t + 100 * US, 'A')
    return f


@case
def half_close_data():
    cap = Capture('half_close_data')
    f = half_close_body(cap, 51006, True)
    return [(cap, [cap.conn(f, 1, STD_HS, CLIENT_CLOSED, ST_CC)])]


@case
def half_closed_end():
    cap = Capture('half_closed_end')
    f = half_close_body(cap, 51007, False)
    return [(cap, [cap.conn(f, 1, STD_HS, cl('half_closed', 'client',
                                              'pending'),
                            st('FIN-WAIT-2', 'CLOSE-WAIT'))])]


@case
def rst_abort():
    cap = Capture('rst_abort')
    f = Flow(cap, C4, 51008, S4, 80, 1_700_000_000, 3_100_000_000)
    f.send('c', BASE, 'S')
    syn = f.last_record
    f.send('s', BASE + 20_250 * US, 'SA')
    synack = f.last_record
    f.send('c', BASE + 20_375 * US, 'A')
    ack3 = f.last_record
    t = exchange(f, BASE + 20_500 * US)
    f.send('c', t + 300 * MS, 'RA')     # SO_LINGER 0 close: abort
    frames = {'syn': [syn], 'synack': [synack], 'handshake_ack': ack3,
              'first_fin': None, 'first_fin_ack': None, 'peer_fin': None,
              'final_ack': None, 'rst': f.last_record}
    return [(cap, [cap.conn(f, 1, STD_HS, cl('rst', None, 'none',
                                              rsts=(1, 0, 0),
                                              rst_from='client'),
                            st('CLOSED', 'CLOSED'), frames=frames)])]


@case
def rst_after_fin():
    cap = Capture('rst_after_fin')
    f = Flow(cap, C4, 51009, S4, 80, 1_800_000_000, 3_200_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 1 * SEC
    f.send('c', t, 'FA')
    f.send('s', t + 20_200 * US, 'A')
    f.send('s', t + 70_200 * US, 'RA')   # server aborts before its FIN
    return [(cap, [cap.conn(f, 1, STD_HS, cl('rst', 'client', 'none',
                                              rsts=(1, 0, 0),
                                              rst_from='server'),
                            st('CLOSED', 'CLOSED'))])]


@case
def refused():
    cap = Capture('refused')
    # a SYN without any option (a scanner): options all null/false
    f = Flow(cap, C4, 51010, S4, 8080, 1_900_000_000, 0,
             copts=Opts(None, None, False, False))
    f.send('c', BASE, 'S')
    f.send('s', BASE + 210 * US, 'RA')      # seq 0, ack ISN+1, padded frame
    assert f.rcv['s'] == 1_900_000_001
    return [(cap, [cap.conn(f, 1, hs('refused'), cl('rst', None, 'none'),
                            st('CLOSED', 'CLOSED'))])]


@case
def unanswered_retrans():
    cap = Capture('unanswered_retrans')
    f = Flow(cap, C4, 51011, S4, 80, 2_000_000_000, 0)
    f.send('c', BASE, 'S')
    f.send('c', BASE + 1 * SEC, 'S', seq=2_000_000_000)
    f.send('c', BASE + 3 * SEC, 'S', seq=2_000_000_000)
    return [(cap, [cap.conn(f, 1, hs('unanswered', syn_re=2),
                            cl('open', None, 'none'),
                            st('SYN-SENT', None))])]


@case
def syn_retrans_answered():
    cap = Capture('syn_retrans_answered')
    f = Flow(cap, C4, 51012, S4, 80, 2_100_000_000, 3_300_000_000,
             copts=Opts(1460, 7, True, False), sopts=Opts(1380, None, False,
                                                          False))
    isn = f.send('c', BASE, 'S')
    syn1 = f.last_record
    f.send('c', BASE + 1 * SEC, 'S', seq=isn)
    syn2 = f.last_record
    f.send('s', BASE + 1 * SEC + 250 * US, 'SA')
    synack = f.last_record
    t = BASE + 1 * SEC + 375 * US
    f.send('c', t, 'A')
    ack3 = f.last_record
    t = exchange(f, t + 100 * US)
    t += 1 * SEC
    f.send('c', t, 'FA')                     # client_close(), recorded
    first_fin = f.last_record
    f.send('s', t + 20_200 * US, 'A')
    first_fin_ack = f.last_record
    f.send('s', t + 20_400 * US, 'FA')
    peer_fin = f.last_record
    f.send('c', t + 20_500 * US, 'A')
    frames = {'syn': [syn1, syn2], 'synack': [synack], 'handshake_ack': ack3,
              'first_fin': first_fin, 'first_fin_ack': first_fin_ack,
              'peer_fin': peer_fin, 'final_ack': f.last_record, 'rst': None}
    return [(cap, [cap.conn(f, 1, hs('complete', 250 * US, 125 * US, 1),
                            CLIENT_CLOSED, ST_CC, frames=frames)])]


@case
def syn_retrans_answered_ts():
    cap = Capture('syn_retrans_answered_ts')
    f = Flow(cap, C4, 51013, S4, 80, 2_200_000_000, 3_400_000_000)
    isn = f.send('c', BASE, 'S')
    first_tsval = f.tsval('c', BASE)
    f.send('c', BASE + 1 * SEC, 'S', seq=isn)     # TSval first+1000
    # the first SYN was slow, not lost: the SYN/ACK echoes its TSval
    f.send('s', BASE + 1 * SEC + 250 * US, 'SA', tsecr=first_tsval)
    t = BASE + 1 * SEC + 375 * US
    f.send('c', t, 'A')
    t = exchange(f, t + 100 * US)
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, hs('complete', 1 * SEC + 250 * US,
                                     125 * US, 1),
                            CLIENT_CLOSED, ST_CC)])]


@case
def synack_retrans():
    """Captured on the server host: the first SYN/ACK is lost downstream."""
    cap = Capture('synack_retrans', pad=False)
    f = Flow(cap, C4, 51014, S4, 80, 2_300_000_000, 3_500_000_000)
    f.send('c', BASE, 'S')
    isn = f.send('s', BASE + 50 * US, 'SA', deliver=False)
    f.send('s', BASE + 1 * SEC + 50 * US, 'SA', seq=isn)
    t = BASE + 1 * SEC + 20_250 * US
    f.send('c', t, 'A')
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, hs('complete', 50 * US, 20_200 * US, 0, 1),
                            CLIENT_CLOSED, ST_CC)])]


@case
def incomplete():
    cap = Capture('incomplete')
    f = Flow(cap, C4, 51015, S4, 80, 2_400_000_000, 3_600_000_000)
    f.send('c', BASE, 'S')
    f.send('s', BASE + 20_250 * US, 'SA')
    return [(cap, [cap.conn(f, 1, hs('incomplete', 20_250 * US),
                            cl('open', None, 'none'),
                            st(None, 'SYN-RECEIVED'))])]


@case
def mid_connection():
    cap = Capture('mid_connection')
    f = Flow(cap, C4, 51000, S4, 80, 2_500_000_000, 3_700_000_000)
    # the connection was set up before the capture started
    f.nxt = {'c': 2_500_012_345, 's': 3_700_543_210}
    f.rcv = {'c': 3_700_543_210, 's': 2_500_012_345}
    f.tsrecent = {'c': f.tsval('s', BASE), 's': f.tsval('c', BASE)}
    t = BASE
    f.send('s', t, 'PA', RESPONSE)         # first packet: server to client
    f.send('c', t + 100 * US, 'A')
    t = exchange(f, t + 5 * SEC)
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, hs('not_seen'), CLIENT_CLOSED, ST_CC,
                            roles_guessed=True)])]


@case
def synack_first():
    cap = Capture('synack_first')
    # the server listens on the higher port: the port heuristic would be
    # wrong, the SYN/ACK decides
    f = Flow(cap, C4, 40000, S4, 50443, 2_600_000_000, 3_800_000_000)
    f.nxt['c'] = f.rcv['s'] = 2_600_000_001
    f.send('s', BASE, 'SA', tsecr=f.tsval('c', BASE) - 20)  # SYN not seen
    f.send('c', BASE + 125 * US, 'A')
    t = exchange(f, BASE + 225 * US)
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, hs('complete', None, 125 * US),
                            CLIENT_CLOSED, ST_CC)])]


@case
def port_reuse():
    cap = Capture('port_reuse')
    f1, e1 = std_client_close(cap, 1, cport=51016, cisn=2_700_000_000,
                              sisn=100_000_000)
    t = f1.last + 2_500 * MS
    f2 = Flow(cap, C4, 51016, S4, 80, 2_700_100_000, 900_000_000, t0=BASE)
    t = handshake(f2, t)
    t = exchange(f2, t + 125 * US)
    f2.send('c', t + 200 * MS, 'RA')
    gap1 = f2.first - f1.last
    t = f2.last + 500 * MS
    f3 = Flow(cap, C4, 51016, S4, 80, 2_700_200_000, 1_700_000_000, t0=BASE)
    t = handshake(f3, t)
    client_close(f3, t + 300 * MS)
    gap2 = f3.first - f2.last
    assert (gap1, gap2) == (2_500 * MS, 500 * MS)
    e2 = cap.conn(f2, 2, STD_HS, cl('rst', None, 'none'),
                  st('CLOSED', 'CLOSED'),
                  reuse={'previous_id': 1, 'gap_ms': ms(gap1)})
    e3 = cap.conn(f3, 3, STD_HS, CLIENT_CLOSED, ST_CC,
                  reuse={'previous_id': 2, 'gap_ms': ms(gap2)})
    return [(cap, [e1, e2, e3])]


@case
def reuse_out_of_window():
    cap = Capture('reuse_out_of_window')
    f1 = Flow(cap, C4, 51017, S4, 80, 2_800_000_000, 400_000_000)
    t = handshake(f1, BASE)
    exchange(f1, t + 125 * US)              # stays open: no FIN, no RST
    # 30 s later the client host (rebooted) reuses the port; its ISN is
    # 2^31 away from the old connection's sequence space
    cisn = (f1.nxt['c'] + 0x80000000) & 0xffffffff
    f2 = Flow(cap, C4, 51017, S4, 80, cisn, 1_400_000_000)
    t = f1.last + 30 * SEC
    t2 = handshake(f2, t)
    t2 = exchange(f2, t2 + 125 * US)
    client_close(f2, t2 + 1 * SEC)
    e1 = cap.conn(f1, 1, STD_HS, cl('open', None, 'none'),
                  st('ESTABLISHED', 'ESTABLISHED'))
    e2 = cap.conn(f2, 2, STD_HS, CLIENT_CLOSED, ST_CC,
                  reuse={'previous_id': 1, 'gap_ms': ms(30 * SEC)})
    return [(cap, [e1, e2])]


@case
def merged_skew():
    """mergecap of a client-host capture (client-sent packets only, client
    clock) and a server-host capture (server-sent packets only, server
    clock), one-way delay 10 ms.  The server's clock was stepped back
    25.1 ms (NTP) between the data exchange and the teardown, so its FIN,
    which acknowledges the client's FIN and really left 10.1 ms after it,
    is stamped 15 ms before that FIN and sorted before it."""
    cap = Capture('merged_skew', pad=False)
    f = Flow(cap, C4, 51018, S4, 80, 2_900_000_000, 500_000_000)
    # one-way delay 10 ms; server turnaround 50-150 us
    f.send('c', BASE, 'S')
    f.send('s', BASE + 10_150 * US, 'SA')
    f.send('c', BASE + 20_375 * US, 'A')
    t = BASE + 20_500 * US
    f.send('c', t, 'PA', REQUEST)
    f.send('s', t + 10_100 * US, 'A')
    f.send('s', t + 10_300 * US, 'PA', RESPONSE)
    f.send('c', t + 20_600 * US, 'A')
    T = t + 20_600 * US + 1 * SEC
    f.send('c', T, 'FA')
    # real send time T+10.1 ms, server clock 25.1 ms behind: T-15 ms
    f.send('s', T - 15 * MS, 'FA')          # acks the client's FIN
    f.send('c', T + 20_250 * US, 'A')
    return [(cap, [cap.conn(f, 1, hs('complete', 10_150 * US, 10_225 * US),
                            CLIENT_CLOSED, ST_CC)])]


# -------- IPv6 extension headers

def ext_chain(side):
    """HBH, Destination Options, Routing (type 4, segments left 0),
    atomic Fragment (offset 0, M=0), Destination Options, then TCP."""
    dst = S6 if side == 'c' else C6
    return [IPv6ExtHdrHopByHop(),
            IPv6ExtHdrDestOpt(),
            IPv6ExtHdrSegmentRouting(addresses=[dst], segleft=0, lastentry=0),
            IPv6ExtHdrFragment(offset=0, m=0, id=0x1000 + (side == 's')),
            IPv6ExtHdrDestOpt()]


@case
def ipv6_ext_headers():
    cap = Capture('ipv6_ext_headers')
    f = Flow(cap, C6, 50123, S6, 443, 3_000_000_000, 600_000_000,
             copts=Opts(1440, 7), sopts=Opts(1360, 9), ext6=ext_chain)
    t = handshake(f, BASE)
    # a non-first fragment of some other datagram: its data starts with
    # bytes that would read as a TCP SYN to port 22 if parsed as TCP
    bait = bytes(TCP(sport=40022, dport=22, flags='S', seq=7)) + b'x' * 64
    nf = IPv6(src=S6, dst=C6, hlim=64) / IPv6ExtHdrFragment(
        nh=6, offset=154, m=0, id=0xbeef) / Raw(bait)
    cap.add(t + 1 * MS, cap.frame(bytes(nf), 's', f), 'skipped.ip_fragment')
    t = exchange(f, t + 125 * US)
    client_close(f, t + 1 * SEC)
    e = cap.conn(f, 1, STD_HS, CLIENT_CLOSED, ST_CC)
    assert e['client']['ip'] == C6_TXT and e['server']['ip'] == S6_TXT
    return [(cap, [e])]


@case
def ipv4_fragments():
    cap = Capture('ipv4_fragments')
    f = Flow(cap, C4, 51019, S4, 80, 3_100_000_000, 700_000_000)
    t = handshake(f, BASE)
    t += 125 * US
    # the request segment (32-byte TCP header + 92 bytes) sent as two IPv4
    # fragments: 120 bytes (TCP header + 88 payload bytes), then 4 bytes
    l3, seq, _ = f.build('c', t, 'PA', REQUEST)
    f.send('c', t, 'PA', REQUEST, record=False)
    whole = IP(l3)
    whole.flags = 0
    frags = fragment(whole, fragsize=120)
    assert len(frags) == 2
    b0, b1 = bytes(frags[0]), bytes(frags[1])
    assert len(b0) == 20 + 120 and (b0[6] & 0x20) and len(b1) == 20 + 4
    assert struct.unpack('>H', b1[6:8])[0] == 15
    cap.add(t, cap.frame(b0, 'c', f))
    f.account('c', t, 120 - 32)          # payload from the IP length
    cap.add(t + 10 * US, cap.frame(b1, 'c', f), 'skipped.ip_fragment')
    f.send('s', t + 20_200 * US, 'A')
    f.send('s', t + 20_500 * US, 'PA', RESPONSE)
    f.send('c', t + 20_600 * US, 'A')
    t += 20_600 * US
    # a DNS query (UDP) and an ARP request between the same hosts
    dns = IP(src=C4, dst='198.51.100.53', id=0x7000, ttl=64) / UDP(
        sport=53000, dport=53) / DNS(id=0x1234, rd=1, qd=DNSQR(
            qname='www.example.com'))
    cap.add(t + 300 * MS, cap.frame(bytes(dns), 'c', None), 'skipped.not_tcp')
    arp = Ether(dst='ff:ff:ff:ff:ff:ff', src=MAC_C.hex(':')) / ARP(
        op=1, hwsrc=MAC_C.hex(':'), psrc=C4, pdst='192.0.2.1')
    cap.add(t + 400 * MS, bytes(arp), 'skipped.not_ip')
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, STD_HS, CLIENT_CLOSED, ST_CC)])]


@case
def vlan():
    cap = Capture('vlan', vlans=[(0x8100, 100)])
    f, e = std_client_close(cap, cport=51020)
    return [(cap, [e])]


@case
def qinq():
    cap = Capture('qinq', vlans=[(0x88a8, 200), (0x8100, 100)])
    f, e = std_client_close(cap, cport=51021)
    return [(cap, [e])]


@case
def snaplen54():
    cap = Capture('snaplen54', snaplen=54)
    f, e = std_client_close(cap, cport=51022)
    for r in cap.records:
        # every segment carries options (timestamps are on): all are cut
        assert r[3] == 'tcp' and r[2] > 54 and len(r[1]) == 54
        r[4] = 'truncated'
    del e['options']      # not determinable when the options were cut
    return [(cap, [e])]


@case
def nanosecond():
    cap = Capture('nanosecond', nano=True)
    t0 = 1_700_000_000 * SEC + 123_456_789
    f = Flow(cap, C4, 51023, S4, 80, 3_200_000_000, 800_000_000, t0=t0)
    t = handshake(f, t0, 123_456, 45_678)   # 0.123456 ms + 0.045678 ms
    f.send('c', t + 1_001, 'PA', REQUEST)
    f.send('s', t + 123_457 + 1_001, 'A')
    f.send('s', t + 200_003, 'PA', RESPONSE)
    f.send('c', t + 210_007, 'A')
    t += 1 * SEC + 987_654_321
    f.send('c', t, 'FA')
    f.send('s', t + 123_499, 'A')
    f.send('s', t + 150_001, 'FA')
    f.send('c', t + 170_009, 'A')
    e = cap.conn(f, 1, hs('complete', 123_456, 45_678), CLIENT_CLOSED, ST_CC)
    assert e['handshake']['rtt_ms']['syn_to_synack'] == 0.123456
    assert e['handshake']['rtt_ms']['total'] == 0.169134
    return [(cap, [e])]


# -------- decode errors

def dec_base(name, v6=False):
    cap = Capture(name)
    if v6:
        f, e = std_client_close(cap, cip=C6, sip=S6, cport=50124, sport=443,
                                copts=Opts(1440, 7), sopts=Opts(1360, 9))
    else:
        f, e = std_client_close(cap)
    # bad packets go between the client's ACK of the response and its FIN
    t = f.last - 20_500 * US - 1 * SEC + 10 * MS
    return cap, f, e, t


def eth_frame(cap, l3, side='c'):
    return cap.frame(l3, side, None)


def req_l3(f, t, side='c', **kw):
    """A copy of a data segment on the flow's 4-tuple (not recorded)."""
    return f.build(side, t, 'PA', b'extra data that must not be counted',
                   **kw)[0]


@case
def dec_link_truncated():
    cap, f, e, t = dec_base('dec_link_truncated')
    cap.add(t, eth_frame(cap, req_l3(f, t)), 'truncated.link', caplen=10)
    tagged = MAC_S + MAC_C + struct.pack('>HH', 0x8100, 100) + \
        struct.pack('>H', 0x0800) + req_l3(f, t + MS)
    cap.add(t + MS, tagged, 'truncated.link', caplen=16)   # inside the tag
    return [(cap, [e])]


@case
def dec_ipv4_truncated():
    cap, f, e, t = dec_base('dec_ipv4_truncated')
    cap.add(t, eth_frame(cap, req_l3(f, t)), 'truncated.ipv4',
            caplen=14 + 12)
    # IHL 6 (4 option bytes), cut after 22 bytes: inside the IPv4 options
    l3 = bytearray(req_l3(f, t + MS))
    l3 = l3[:20] + b'\x01\x01\x01\x00' + l3[20:]
    l3[0] = 0x46
    l3[2:4] = struct.pack('>H', len(l3))
    cap.add(t + MS, eth_frame(cap, bytes(l3)), 'truncated.ipv4',
            caplen=14 + 22)
    return [(cap, [e])]


@case
def dec_ipv4_header_length():
    cap, f, e, t = dec_base('dec_ipv4_header_length')
    for i, ihl in enumerate((4, 0)):
        l3 = bytearray(req_l3(f, t + i * MS))
        l3[0] = 0x40 | ihl
        cap.add(t + i * MS, eth_frame(cap, bytes(l3)),
                'invalid.ipv4_header_length')
    return [(cap, [e])]


@case
def dec_ipv4_total_length():
    cap, f, e, t = dec_base('dec_ipv4_total_length')
    l3 = bytearray(req_l3(f, t))
    l3[2:4] = struct.pack('>H', 16)              # < 20
    cap.add(t, eth_frame(cap, bytes(l3)), 'invalid.ipv4_total_length')
    l3 = bytearray(req_l3(f, t + MS))
    l3 = l3[:20] + b'\x01\x01\x01\x00' + l3[20:]
    l3[0] = 0x46
    l3[2:4] = struct.pack('>H', 23)              # < 24 (IHL 6)
    cap.add(t + MS, eth_frame(cap, bytes(l3)), 'invalid.ipv4_total_length')
    return [(cap, [e])]


@case
def dec_ipv4_version():
    cap, f, e, t = dec_base('dec_ipv4_version')
    l3 = bytearray(req_l3(f, t))
    l3[0] = 0x65                                 # version 6, IHL 5
    # the ethertype is written by hand: frame() would pick it from the
    # (now wrong) version nibble
    fr = MAC_S + MAC_C + struct.pack('>H', 0x0800) + bytes(l3)
    cap.add(t, fr, 'invalid.ipv4_version')
    # a whole IPv6 packet behind ethertype 0x0800
    v6 = bytes(IPv6(src=C6, dst=S6) / TCP(sport=50999, dport=443, flags='S'))
    fr = MAC_S + MAC_C + struct.pack('>H', 0x0800) + v6
    cap.add(t + MS, fr, 'invalid.ipv4_version')
    return [(cap, [e])]


@case
def dec_tcp_data_offset():
    cap, f, e, t = dec_base('dec_tcp_data_offset')
    for i, off in enumerate((4, 0)):
        l3 = bytearray(req_l3(f, t + i * MS))
        l3[20 + 12] = (off << 4) | (l3[20 + 12] & 0x0f)
        cap.add(t + i * MS, eth_frame(cap, bytes(l3)),
                'invalid.tcp_data_offset')
    return [(cap, [e])]


@case
def dec_tcp_truncated():
    cap, f, e, t = dec_base('dec_tcp_truncated')
    # cut 12 bytes into the TCP header (before the flags at offset 13)
    cap.add(t, eth_frame(cap, req_l3(f, t)), 'truncated.tcp',
            caplen=14 + 20 + 12)
    # cut right after the IPv4 header: no TCP byte at all
    cap.add(t + MS, eth_frame(cap, req_l3(f, t + MS)), 'truncated.tcp',
            caplen=14 + 20)
    return [(cap, [e])]


@case
def dec_tcp_options_invalid():
    cap = Capture('dec_tcp_options_invalid')
    f = Flow(cap, C4, 51000, S4, 80, 1_000_000_000, 2_500_000_000)
    t = handshake(f, BASE)
    t += 125 * US
    f.send('c', t, 'PA', REQUEST)
    # option length 0 (kind 8 with length 0), 12-byte option area
    f.send('s', t + 20_200 * US, 'A', optcat='invalid',
           rawopts=b'\x01\x01\x08\x00' + b'\0' * 8)
    f.send('s', t + 20_500 * US, 'PA', RESPONSE)
    # timestamp option (length 10) starting 4 bytes into a 12-byte area:
    # it runs 2 bytes past the header
    f.send('c', t + 20_600 * US, 'A', optcat='invalid',
           rawopts=b'\x01\x01\x01\x01\x08\x0a' + b'\x00\x1e\x84\x80\x00\x35')
    client_close(f, t + 20_600 * US + 1 * SEC)
    return [(cap, [cap.conn(f, 1, STD_HS, CLIENT_CLOSED, ST_CC)])]


@case
def dec_ipv6_truncated():
    cap, f, e, t = dec_base('dec_ipv6_truncated', v6=True)
    cap.add(t, eth_frame(cap, req_l3(f, t)), 'truncated.ipv6',
            caplen=14 + 30)
    # a hop-by-hop header cut in its middle
    l3 = bytes(IPv6(src=C6, dst=S6, hlim=64) / IPv6ExtHdrHopByHop() / TCP(
        sport=50124, dport=443, flags='PA', seq=f.nxt['c'], ack=f.rcv['c']) /
        Raw(b'extra data that must not be counted'))
    cap.add(t + MS, eth_frame(cap, l3), 'truncated.ipv6', caplen=14 + 44)
    return [(cap, [e])]


@case
def dec_ipv6_payload_length():
    cap, f, e, t = dec_base('dec_ipv6_payload_length', v6=True)
    l3 = bytearray(req_l3(f, t))
    plen = struct.unpack('>H', l3[4:6])[0]
    assert plen == len(l3) - 40
    l3[4:6] = struct.pack('>H', plen + 100)      # beyond the (whole) frame
    cap.add(t, eth_frame(cap, bytes(l3)), 'invalid.ipv6_payload_length')
    return [(cap, [e])]


@case
def dec_ipv6_extension_header():
    cap, f, e, t = dec_base('dec_ipv6_extension_header', v6=True)
    for i, hdr in enumerate((IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop)):
        l3 = bytearray(bytes(IPv6(src=C6, dst=S6, hlim=64) / hdr() / TCP(
            sport=50124, dport=443, flags='PA', seq=f.nxt['c'],
            ack=f.rcv['c'])))
        assert l3[41] == 0 and len(l3) == 40 + 8 + 20
        l3[41] = 10        # 88 bytes claimed, 28 left in the packet
        cap.add(t + i * MS, eth_frame(cap, bytes(l3)),
                'invalid.ipv6_extension_header')
    return [(cap, [e])]


@case
def dec_ipv6_version():
    cap, f, e, t = dec_base('dec_ipv6_version', v6=True)
    l3 = bytearray(req_l3(f, t))
    l3[0] = 0x40 | (l3[0] & 0x0f)                # version 4 behind 0x86dd
    fr = MAC_S + MAC_C + struct.pack('>H', 0x86dd) + bytes(l3)
    cap.add(t, fr, 'invalid.ipv6_version')
    return [(cap, [e])]


# -------- link types

def v4_v6_pair(cap, t=BASE, af=30):
    f1, e1 = short_client_close(cap, 1, C4, 51030, S4, 80, t,
                                3_300_000_000, 900_000_000)
    f2, e2 = short_client_close(cap, 2, C6, 50130, S6, 443, t + 2 * SEC,
                                3_400_000_000, 1_000_000_000, af=af,
                                copts=Opts(1440, 7), sopts=Opts(1360, 9))
    return [e1, e2]


@case
def linktype_linux_sll():
    cap = Capture('linktype_linux_sll', link='LINUX_SLL')
    return [(cap, v4_v6_pair(cap))]


@case
def linktype_linux_sll2():
    cap = Capture('linktype_linux_sll2', link='LINUX_SLL2')
    return [(cap, v4_v6_pair(cap))]


def loopback_conns(cap, v6_af, extra_afs=()):
    """IPv4 and IPv6 loopback conversations (same address both ends: the
    ports tell the sides apart), plus refused IPv6 SYNs, one per extra
    address family."""
    f1, e1 = short_client_close(cap, 1, '127.0.0.1', 45000, '127.0.0.1',
                                8080, BASE, 3_500_000_000, 1_100_000_000,
                                copts=Opts(65495, 7), sopts=Opts(65495, 7))
    f2, e2 = short_client_close(cap, 2, '::1', 45001, '::1', 8080,
                                BASE + 2 * SEC, 3_600_000_000,
                                1_200_000_000, af=v6_af,
                                copts=Opts(65476, 7), sopts=Opts(65476, 7))
    exp = [e1, e2]
    t = BASE + 4 * SEC
    for i, af in enumerate(extra_afs):
        f = Flow(cap, '::1', 45002 + i, '::1', 9000 + i,
                 3_700_000_000 + i, 0, af=af, copts=Opts(65476, 7))
        f.send('c', t + i * SEC, 'S')
        f.send('s', t + i * SEC + 20 * US, 'RA')
        exp.append(cap.conn(f, 3 + i, hs('refused'), cl('rst', None, 'none'),
                            st('CLOSED', 'CLOSED')))
    return exp


@case
def linktype_null_le():
    """DLT_NULL written by a little-endian host: family in little-endian
    order; IPv6 as Darwin (30), FreeBSD (28) and NetBSD/OpenBSD (24)."""
    cap = Capture('linktype_null_le', link='NULL')
    return [(cap, loopback_conns(cap, 30, (28, 24)))]


@case
def linktype_null_be():
    """DLT_NULL written by a big-endian host: the whole file is big-endian
    (magic a1b2c3d4 stored big-endian) and so is the family."""
    cap = Capture('linktype_null_be', link='NULL', big_endian=True)
    return [(cap, loopback_conns(cap, 30, (28, 24)))]


@case
def linktype_loop():
    """DLT_LOOP (OpenBSD): family always big-endian, in a little-endian
    file; IPv6 is 24 on OpenBSD."""
    cap = Capture('linktype_loop', link='LOOP')
    return [(cap, loopback_conns(cap, 24))]


@case
def linktype_raw():
    cap = Capture('linktype_raw', link='RAW')
    return [(cap, v4_v6_pair(cap))]


@case
def linktype_ipv4():
    cap = Capture('linktype_ipv4', link='IPV4')
    f, e = short_client_close(cap, 1, C4, 51031, S4, 80, BASE,
                              3_800_000_000, 1_300_000_000)
    return [(cap, [e])]


@case
def linktype_ipv6():
    cap = Capture('linktype_ipv6', link='IPV6')
    f, e = short_client_close(cap, 1, C6, 50131, S6, 443, BASE,
                              3_900_000_000, 1_400_000_000,
                              copts=Opts(1440, 7), sopts=Opts(1360, 9))
    return [(cap, [e])]


# -------------------------------------------------- RSTs (RFC 5961 rules)
# The receiver of an RST believes it only when its sequence number is
# exactly RCV.NXT (the sequence space the sender has used: everything
# here is delivered); in the window it answers with a challenge ACK, out of
# it (or with no socket) it drops the RST.  The server's window is
# 509 << 9 = 260608 bytes, the client's 502 << 7 = 64256.

@case
def rst_stray():
    """Two forged RSTs "from the client" during an exchange: one 1000
    bytes past RCV.NXT (in the window: the server sends a challenge ACK,
    the connection goes on), one 10^7 bytes past it (outside the window:
    dropped).  Then the standard client close."""
    cap = Capture('rst_stray')
    f = Flow(cap, C4, 51040, S4, 80, 1_040_000_000, 2_040_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    f.send('c', t + 100 * MS, 'R', seq=f.nxt['c'] + 1000)
    f.send('s', t + 100 * MS + 20 * US, 'A')          # challenge ACK
    f.send('c', t + 200 * MS, 'R', seq=f.nxt['c'] + 10_000_000)
    client_close(f, t + 1 * SEC)
    return [(cap, [cap.conn(f, 1, STD_HS,
                            cl('fin', 'client', 'client', rsts=(0, 1, 1)),
                            ST_CC)])]


@case
def rst_kills_time_wait():
    """The standard client close, then 2 s later an RST from the server's
    address with exactly the client's RCV.NXT (the server's FIN + 1): the
    client's TIME-WAIT socket accepts it and is gone (RFC 1337
    assassination, Linux with tcp_rfc1337=0)."""
    cap = Capture('rst_kills_time_wait')
    f = Flow(cap, C4, 51041, S4, 80, 1_041_000_000, 2_041_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t = client_close(f, t + 1 * SEC)
    f.send('s', t + 2 * SEC, 'R', seq=f.nxt['s'])
    return [(cap, [cap.conn(f, 1, STD_HS,
                            cl('rst', 'client', 'none', rsts=(1, 0, 0),
                               rst_from='server', tw_rst='client'),
                            st('CLOSED', 'CLOSED'))])]


@case
def rst_time_wait_inexact():
    """As rst_kills_time_wait, but the RST is 100 bytes past the client's
    RCV.NXT: a TIME-WAIT socket ignores any RST that is not exact."""
    cap = Capture('rst_time_wait_inexact')
    f = Flow(cap, C4, 51042, S4, 80, 1_042_000_000, 2_042_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t = client_close(f, t + 1 * SEC)
    f.send('s', t + 2 * SEC, 'R', seq=f.nxt['s'] + 100)
    return [(cap, [cap.conn(f, 1, STD_HS,
                            cl('fin', 'client', 'client', rsts=(0, 0, 1)),
                            ST_CC)])]


@case
def rst_first_closer():
    """The client closes first and the server ACKs its FIN; the client's
    orphaned FIN-WAIT-2 socket times out (tcp_fin_timeout) before the
    server's FIN comes 2 s later, so that FIN finds no socket and the
    client's kernel answers with an RST (seq = the FIN's ack, no ACK
    flag), which the server in LAST-ACK accepts.  Nobody is in TIME-WAIT."""
    cap = Capture('rst_first_closer')
    f = Flow(cap, C4, 51043, S4, 80, 1_043_000_000, 2_043_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 1 * SEC
    f.send('c', t, 'FA')
    f.send('s', t + 20_200 * US, 'A')
    f.send('s', t + 2 * SEC, 'FA')
    f.send('c', t + 2 * SEC + 20_100 * US, 'R', seq=f.nxt['c'])
    return [(cap, [cap.conn(f, 1, STD_HS,
                            cl('rst', 'client', 'none', rsts=(1, 0, 0),
                               rst_from='client'),
                            st('CLOSED', 'CLOSED'))])]


# ------------------------------------------------- many SYN transmissions

SYN_BACKOFF = [0, 1, 3, 7, 15, 31, 63]     # s: Linux's 1, 2, 4, ... s RTO


def syn_storm_body(name, port, echo):
    """Seven SYNs (same ISN) while the server is unreachable; the SYN/ACK
    comes 30 us after the last and echoes the TSval of SYN number `echo`
    (1-based); then ACK and a client close without data."""
    cap = Capture(name)
    f = Flow(cap, C4, port, S4, 80, 1_050_000_000 + port, 2_050_000_000)
    isn = f.nxt['c']
    times = [BASE + k * SEC for k in SYN_BACKOFF]
    for t in times:
        f.send('c', t, 'S', seq=isn)
    t = times[-1] + 30 * US
    f.send('s', t, 'SA', tsecr=f.tsval('c', times[echo - 1]))
    f.send('c', t + 20 * US, 'A')
    client_close_fast(f, t + 100 * MS)
    return cap, f, t - times[echo - 1]


@case
def syn_storm():
    """The SYN/ACK echoes the seventh SYN: the RTT is 0.03 ms."""
    cap, f, rtt = syn_storm_body('syn_storm', 51050, 7)
    assert rtt == 30 * US
    return [(cap, [cap.conn(f, 1, hs('complete', rtt, 20 * US, 6),
                            CLIENT_CLOSED, ST_CC)])]


@case
def syn_storm_crossed():
    """The SYN/ACK captured after the seventh SYN echoes the sixth (the
    server answered the sixth late): syn_to_synack runs from the sixth SYN,
    32 s + 30 us.  Neither the first SYN nor the latest is the echoed
    one."""
    cap, f, rtt = syn_storm_body('syn_storm_crossed', 51051, 6)
    assert rtt == 32 * SEC + 30 * US
    return [(cap, [cap.conn(f, 1, hs('complete', rtt, 20 * US, 6),
                            CLIENT_CLOSED, ST_CC)])]


# ------------------------------------------- FINs that acknowledge each other

@case
def fin_cross_acked():
    """A simultaneous close whose first FIN transmissions (client: seq X,
    ack Y; server: seq Y, ack X) the capture missed, and whose ACKs were
    lost: what was captured is each side's retransmitted FIN, and each
    acknowledges the other's (client seq X ack Y+1, server seq Y ack X+1),
    then both final ACKs.  A FIN is retransmitted only while unacknowledged
    and a side closing second acknowledges the peer's FIN in every
    transmission, so both closed first: TIME-WAIT both."""
    cap = Capture('fin_cross_acked')
    f = Flow(cap, C4, 51060, S4, 80, 1_060_000_000, 2_060_000_000)
    t = handshake(f, BASE)
    t = exchange(f, t + 125 * US)
    t += 1 * SEC
    x, y = f.nxt['c'], f.nxt['s']
    f.send('c', t, 'FA', record=False, deliver=False)             # missed
    f.send('s', t + 5 * MS, 'FA', record=False, deliver=False)    # missed
    f.send('c', t + 220 * MS, 'FA', seq=x, ack=y + 1)
    f.send('s', t + 225 * MS, 'FA', seq=y, ack=x + 1)
    f.send('c', t + 225 * MS + 100 * US, 'A', seq=x + 1, ack=y + 1)
    f.send('s', t + 240 * MS, 'A', seq=y + 1, ack=x + 1)
    return [(cap, [cap.conn(f, 1, STD_HS, cl('fin', 'both', 'both'),
                            st('TIME-WAIT', 'TIME-WAIT'))])]


# ------------------------------------- simultaneous open, fast open, reuse

@case
def simultaneous_open():
    """RFC 9293 figure 8 between two ephemeral ports: A (192.0.2.10:40001)
    sends its SYN, B (198.51.100.20:40002) its own 10 us later, before A's
    arrived; each answers the other's SYN with a SYN/ACK (A after 40 us,
    B after 50 us); then A closes first.  One connection: the client is A,
    the sender of the first SYN captured; syn_to_synack = B's SYN/ACK - A's
    SYN = 50 us (B's first acknowledgment of A's SYN, echoing its TSval),
    synack_to_ack = A's SYN/ACK - B's SYN = 30 us (A's first
    acknowledgment of B's SYN)."""
    cap = Capture('simultaneous_open')
    f = Flow(cap, C4, 40001, S4, 40002, 1_070_000_000, 2_070_000_000)
    a = f.send('c', BASE, 'S')
    b = f.send('s', BASE + 10 * US, 'S')
    f.send('c', BASE + 40 * US, 'SA', seq=a)
    f.send('s', BASE + 50 * US, 'SA', seq=b)
    client_close_fast(f, BASE + 100 * MS)
    return [(cap, [cap.conn(f, 1, hs('complete', 50 * US, 30 * US, sim=True,
                                     tfo=False),
                            CLIENT_CLOSED, ST_CC)])]


@case
def fast_open():
    """TCP Fast Open: the client's SYN carries the 92-byte request; the
    SYN/ACK 50 us later acknowledges it (ISN + 93); the server sends its
    177-byte response 20 us after the SYN/ACK, before the client's ACK of
    the SYN/ACK (30 us after the SYN/ACK), which acknowledges both; then
    a client close.  The handshake ACK is the client's."""
    cap = Capture('fast_open')
    f = Flow(cap, C4, 51090, S4, 80, 1_090_000_000, 2_090_000_000)
    f.send('c', BASE, 'S', REQUEST)
    f.send('s', BASE + 50 * US, 'SA')
    f.send('s', BASE + 70 * US, 'PA', RESPONSE)
    f.send('c', BASE + 80 * US, 'A')
    client_close_fast(f, BASE + 100 * MS)
    return [(cap, [cap.conn(f, 1, hs('complete', 50 * US, 30 * US, sim=False,
                                     tfo=True),
                            CLIENT_CLOSED, ST_CC)])]


@case
def syn_to_time_wait():
    """Timestamps off.  Connection 1: the server closes first and is in
    TIME-WAIT.  50 ms later the client's new SYN on the same 4-tuple has an
    ISN (old ISN + 50) below the server's RCV.NXT, so the TIME-WAIT socket
    does not accept it: it answers with an ACK of the old connection (seq
    its SND.NXT, ack its RCV.NXT); the client, in SYN-SENT, answers that
    with an RST (seq = that ack), which ends the server's TIME-WAIT; 1 s
    later the client retransmits its SYN and connection 2 completes and
    closes normally (client first).  The ACK and the RST are connection
    1's; connection 2 begins with the first SYN."""
    nots = dict(copts=Opts(1460, 7, True, False),
                sopts=Opts(1380, 9, True, False))
    cap = Capture('syn_to_time_wait')
    f1 = Flow(cap, C4, 51100, S4, 80, 1_100_000_000, 2_100_000_000, **nots)
    t = handshake(f1, BASE)
    t = exchange(f1, t + 125 * US)
    t += 1 * SEC
    f1.send('s', t, 'FA')
    f1.send('c', t + 100 * US, 'A')
    f1.send('c', t + 300 * US, 'FA')
    f1.send('s', t + 20_500 * US, 'A')
    last1 = f1.last
    t = last1 + 50 * MS
    f2 = Flow(cap, C4, 51100, S4, 80, 1_100_000_050, 2_200_000_000, t0=t,
              **nots)
    assert f2.isn['c'] < f1.nxt['c']
    isn = f2.send('c', t, 'S')
    f1.send('s', t + 30 * US, 'A')                 # TIME-WAIT: ACK
    f1.send('c', t + 40 * US, 'R', seq=f1.rcv['s'])   # SYN-SENT: RST
    t += 1 * SEC
    f2.send('c', t, 'S', seq=isn)
    f2.send('s', t + 50 * US, 'SA')
    f2.send('c', t + 80 * US, 'A')
    client_close_fast(f2, t + 100 * MS)
    e1 = cap.conn(f1, 1, STD_HS, cl('rst', 'server', 'none', rsts=(1, 0, 0),
                                    rst_from='client', tw_rst='server'),
                  st('CLOSED', 'CLOSED'))
    e2 = cap.conn(f2, 2, hs('complete', 50 * US, 30 * US, 1), CLIENT_CLOSED,
                  ST_CC, reuse={'previous_id': 1,
                                'gap_ms': ms(f2.first - last1)})
    return [(cap, [e1, e2])]


# ------------------------------------------------------------------ driver

def write(path, data):
    with open(path, 'wb') as fh:
        fh.write(data)


def expected_doc(pcap_name, cap_exp, conns, exit_status=0, options=()):
    d = {'pcap': pcap_name, 'options': list(options),
         'exit_status': exit_status}
    if cap_exp is not None:
        d['capture'] = cap_exp
    d['connections'] = conns
    return d


def write_json(path, doc):
    with open(path, 'w') as fh:
        json.dump(doc, fh, indent=2)
        fh.write('\n')


def to_pcapng(src, dst):
    editcap = shutil.which('editcap')
    if not editcap:
        sys.exit('make_crafted.py: editcap (wireshark-common) is needed')
    subprocess.run([editcap, '-F', 'pcapng', src, dst], check=True)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    expdir = os.path.join(out, 'expected')
    os.makedirs(expdir, exist_ok=True)
    docs = {}
    for fn in CASES:
        for cap, conns in fn():
            name = cap.name + '.pcap'
            write(os.path.join(out, name), cap.pcap_bytes())
            doc = expected_doc(name, cap.capture_expect(), conns)
            docs[cap.name] = doc
            write_json(os.path.join(expdir, cap.name + '.json'), doc)

    # pcapng conversions: same verdicts
    for src, dst in (('client_close', 'pcapng_client_close'),
                     ('nanosecond', 'pcapng_nanosecond')):
        to_pcapng(os.path.join(out, src + '.pcap'),
                  os.path.join(out, dst + '.pcapng'))
        doc = json.loads(json.dumps(docs[src]))
        doc['pcap'] = dst + '.pcapng'
        write_json(os.path.join(expdir, dst + '.json'), doc)

    # unsupported link type: IEEE 802.11, a few bytes
    cap = Capture('linktype_unsupported', link='IEEE802_11')
    beacon = bytes.fromhex('80000000ffffffffffff020000000c01020000000c01'
                           '1000')
    cap.add(BASE, beacon, 'skipped.not_ip')
    write(os.path.join(out, cap.name + '.pcap'), cap.pcap_bytes())
    write_json(os.path.join(expdir, cap.name + '.json'),
               expected_doc(cap.name + '.pcap', None, [], exit_status=1))

    # bad files (no expected JSON)
    write(os.path.join(out, 'empty.pcap'), b'')
    write(os.path.join(out, 'not_a_capture.pcap'),
          b'This is not a capture file.\nJust some text.\n')
    cc = Capture('client_close')
    std_client_close(cc)
    data = cc.pcap_bytes()
    off = 24
    for i in range(4):
        caplen = struct.unpack('<I', data[off + 8:off + 12])[0]
        off += 16 + caplen
    caplen5 = struct.unpack('<I', data[off + 8:off + 12])[0]
    write(os.path.join(out, 'cut_mid_record.pcap'),
          data[:off + 16 + caplen5 // 2])


if __name__ == '__main__':
    main()
