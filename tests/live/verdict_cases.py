#!/usr/bin/python3
"""Real-traffic cases for hsanalyze's per-connection verdicts, and their check.

usage: verdict_cases.py run CASE WORKDIR
       verdict_cases.py trim CASE WORKDIR
       verdict_cases.py check CASE WORKDIR

Run inside a network namespace of its own (tests/verdicts_live.sh sets it
up, with the sysctls each case needs, the capture and, where a case loses
segments, tests/live/drop_segments.bpf.c on lo's tc ingress).  "run" makes
the traffic of CASE on 127.0.0.1 and writes WORKDIR/case.json (the ports
and what the case must show); the script then takes `ss -tanoH` into
WORKDIR/ss.txt.  "check" compares WORKDIR/report.json (hsanalyze --json on
the capture) with the kernel's socket table: for the latest connection on
each 4-tuple, each side's state must equal the state of its socket in
ss.txt (no socket: CLOSED); an earlier connection on a 4-tuple must be
CLOSED on both sides (its sockets are gone, the 4-tuple is another
connection's).  Then the case's own facts (RST counts, TIME-WAIT ended by
an RST, simultaneous open, fast open, retransmitted SYNs, the RTT from the
SYN the SYN/ACK echoes) are compared with the capture itself (read with
scapy), never with hsanalyze's output.  Each result is one line, "ok TEXT"
or "bad TEXT"; exit status 0 either way, 2 on a usage error.

"trim" edits the capture before hsanalyze reads it (fin_cross only); it
exits with status 3 when this run's traffic is not the case's (the FINs
did not cross), so that the caller can make the traffic again.
Every socket has a timeout and every loop a bound.
"""

import json
import logging
import os
import socket
import struct
import sys
import threading
import time

HOST = '127.0.0.1'
SERVER_PORT = 5000          # each case has its own namespace: fixed ports
CLIENT_PORT = 40000
PEER_PORT = 40001           # the other end of the simultaneous open
TIMEOUT = 5.0
NOT_PRODUCED = 3            # trim: this run did not make the case's traffic
BIG = 32 * 1024 * 1024      # syn_tw: more than the ISN clock advances
                            # (2^24 per second) before the reconnect
TFO_DATA = b'GET / HTTP/1.0\r\nHost: tfo\r\n\r\n'
MSG_FASTOPEN = 0x20000000
TCP_FASTOPEN = 23

SS_STATES = {
    'ESTAB': 'ESTABLISHED', 'SYN-SENT': 'SYN-SENT',
    'SYN-RECV': 'SYN-RECEIVED', 'FIN-WAIT-1': 'FIN-WAIT-1',
    'FIN-WAIT-2': 'FIN-WAIT-2', 'TIME-WAIT': 'TIME-WAIT',
    'CLOSE-WAIT': 'CLOSE-WAIT', 'LAST-ACK': 'LAST-ACK',
    'CLOSING': 'CLOSING', 'LISTEN': 'LISTEN',
}


# ------------------------------------------------------------- helpers

def listener(port=SERVER_PORT, fastopen=False):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fastopen:
        s.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
    s.bind((HOST, port))
    s.listen(16)
    s.settimeout(TIMEOUT)
    return s


def client(port=CLIENT_PORT):
    c = socket.socket()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    c.settimeout(TIMEOUT)
    c.bind((HOST, port))
    return c


def read_exactly(s, n):
    got = 0
    while got < n:
        b = s.recv(min(65536, n - got))
        if not b:
            raise RuntimeError('EOF after %d of %d bytes' % (got, n))
        got += len(b)


def read_to_eof(s):
    for _ in range(100000):
        if not s.recv(65536):
            return
    raise RuntimeError('no EOF')


def segments(work, port=None):
    """(time, sport, dport, flags, seq, ack, payload length) of every IPv4
    TCP segment in the capture (tcpdump -i lo: Ethernet, microsecond pcap),
    in capture order.  Read with struct: importing scapy takes seconds."""
    out = []
    with open(os.path.join(work, 'cap.pcap'), 'rb') as fh:
        data = fh.read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from('<IIII', data, off)
        pkt = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(pkt) < 14 + 20 + 20 or pkt[12:14] != b'\x08\x00' or \
                pkt[14 + 9] != 6:
            continue
        ihl = (pkt[14] & 0x0f) * 4
        iplen = struct.unpack_from('>H', pkt, 16)[0]
        t = 14 + ihl
        if len(pkt) < t + 20:
            continue
        sp, dp, seq, ack, doff, fl = struct.unpack_from('>HHIIBB', pkt, t)
        if port is not None and port not in (sp, dp):
            continue
        plen = iplen - ihl - (doff >> 4) * 4
        out.append((sec + usec / 1e6, sp, dp, fl, seq, ack, plen))
    return out


def next_seq(work, sport, dport):
    """The sequence space sport has used towards dport so far: its
    receiver's RCV.NXT once everything arrived."""
    nxt = None
    for _, sp, dp, fl, seq, _, plen in segments(work):
        if (sp, dp) == (sport, dport) and not fl & 0x04:
            end = (seq + plen + (1 if fl & 0x03 else 0)) & 0xffffffff
            nxt = end if nxt is None or ((end - nxt) & 0xffffffff) < 2**31 \
                else nxt
    return nxt


def scapy_layers():
    """scapy's IP and TCP.  Importing scapy takes seconds (more on a busy
    machine), so the cases that forge segments import it before their
    traffic starts: an RST meant to follow a close must not arrive after
    hsanalyze's linger (4 s of capture time) has reported the connection."""
    logging.getLogger("scapy.runtime").setLevel(logging.ERROR)
    from scapy.layers.inet import IP, TCP
    return IP, TCP


FORGING = ('rst_stray', 'rst_tw_kill')


def forge_rst(sport, dport, seq):
    """An RST from 127.0.0.1:sport to :dport, built by scapy and sent
    through a raw IP socket: scapy's own send() goes out on lo through a
    packet socket with an Ethernet header that is not this host's, and TCP
    drops such a frame before it looks at it."""
    IP, TCP = scapy_layers()
    pkt = bytes(IP(src=HOST, dst=HOST) /
                TCP(sport=sport, dport=dport, flags='R', seq=seq, window=0))
    with socket.socket(socket.AF_INET, socket.SOCK_RAW,
                       socket.IPPROTO_RAW) as raw:
        raw.sendto(pkt, (HOST, 0))


def wait_captured(work, n, port=None):
    """Wait (at most 2 s) until the capture file holds n segments."""
    for _ in range(40):
        try:
            if len(segments(work, port)) >= n:
                return
        except Exception:
            pass
        time.sleep(0.05)


# ------------------------------------------------------------- the cases

def run_rst_stray(work, info):
    """Two forged RSTs "from the client" in an established connection:
    1000 bytes past the server's RCV.NXT (in the window: challenge ACK)
    and 2^30 past it (outside: dropped).  The connection goes on and the
    client closes first."""
    lst = listener()
    c = client()
    c.connect((HOST, SERVER_PORT))
    s, _ = lst.accept()
    c.sendall(b'x' * 100)
    read_exactly(s, 100)
    wait_captured(work, 5)
    nxt = next_seq(work, CLIENT_PORT, SERVER_PORT)
    forge_rst(CLIENT_PORT, SERVER_PORT, (nxt + 1000) & 0xffffffff)
    time.sleep(0.05)
    forge_rst(CLIENT_PORT, SERVER_PORT, (nxt + 2**30) & 0xffffffff)
    time.sleep(0.05)
    c.sendall(b'y' * 10)                    # still alive both ways
    read_exactly(s, 10)
    s.sendall(b'z' * 10)
    read_exactly(c, 10)
    c.close()
    read_to_eof(s)
    s.close()
    info['expect'] = {'rsts': [0, 1, 1], 'kind': 'fin'}


def run_rst_tw_kill(work, info):
    """The client closes first and holds TIME-WAIT; a forged RST "from the
    server" exactly at the client's RCV.NXT ends it (tcp_rfc1337=0)."""
    lst = listener()
    c = client()
    c.connect((HOST, SERVER_PORT))
    s, _ = lst.accept()
    c.sendall(b'x' * 100)
    read_exactly(s, 100)
    c.close()
    read_to_eof(s)
    s.close()
    time.sleep(0.1)
    nxt = next_seq(work, SERVER_PORT, CLIENT_PORT)
    forge_rst(SERVER_PORT, CLIENT_PORT, nxt)
    time.sleep(0.1)
    info['expect'] = {'rsts': [1, 0, 0], 'kind': 'rst', 'rst_from': 'server',
                      'ended': 'client'}


def run_rst_first_closer(work, info):
    """net.ipv4.tcp_fin_timeout=1: the client closes first (its socket is
    orphaned in FIN-WAIT-2), the server waits 1.5 s before closing, and
    its FIN finds no socket: the client's kernel answers with an RST."""
    lst = listener()
    c = client()
    c.connect((HOST, SERVER_PORT))
    s, _ = lst.accept()
    c.close()
    read_to_eof(s)
    time.sleep(1.5)
    s.close()
    time.sleep(0.1)
    info['expect'] = {'rsts': [1, 0, 0], 'kind': 'rst', 'rst_from': 'client',
                      'active': 'client'}


def run_syn_tw(work, info):
    """net.ipv4.tcp_timestamps=0.  The client sends 32 MiB, the server
    closes first (TIME-WAIT on the server).  The client reconnects from
    the same port at once: Linux's ISN for the same 4-tuple advances with
    the clock (ns / 64: 15.6 MiB/s), by far less than 32 MiB since the
    first connect, so the SYN is not beyond the TIME-WAIT
    socket's RCV.NXT: it answers with an ACK, the client with an RST, and
    the retransmitted SYN opens the new connection, which the client
    closes first."""
    lst = listener()
    c = client()
    c.connect((HOST, SERVER_PORT))
    s, _ = lst.accept()
    t = threading.Thread(target=read_exactly, args=(s, BIG))
    t.start()
    c.sendall(b'x' * BIG)
    t.join(TIMEOUT)
    s.close()
    read_to_eof(c)
    c.close()
    time.sleep(0.05)
    c = client()
    c.connect((HOST, SERVER_PORT))          # about 1 s: SYN, ACK, RST, SYN
    s, _ = lst.accept()
    c.close()
    read_to_eof(s)
    s.close()
    time.sleep(0.1)
    info['expect'] = {'connections': 2}


def run_simopen(work, info):
    """Two sockets, bound to 40000 and 40001, connect to each other at the
    same time; drop_segments.bpf.c drops the first SYN to each port, so the
    retransmitted SYNs (1 s later) cross: a simultaneous open.  Then the
    one on 40000 closes first."""
    a, b = client(CLIENT_PORT), client(PEER_PORT)
    errs = []

    def conn(sock, port):
        try:
            sock.connect((HOST, port))
        except OSError as e:
            errs.append(repr(e))
    ta = threading.Thread(target=conn, args=(a, PEER_PORT))
    tb = threading.Thread(target=conn, args=(b, CLIENT_PORT))
    ta.start()
    tb.start()
    ta.join(TIMEOUT)
    tb.join(TIMEOUT)
    if errs:
        raise RuntimeError('simultaneous open failed: %s' % errs)
    a.sendall(b'hello')
    read_exactly(b, 5)
    a.close()
    read_to_eof(b)
    b.close()
    time.sleep(0.1)
    info['expect'] = {'simultaneous_open': True}


def run_synstorm(work, info):
    """drop_segments.bpf.c drops the first four SYNs to the server (after
    the capture tap): the client sends five, 1 s apart
    (tcp_syn_linear_timeouts=4), and the fifth is answered: the RTT is the
    fifth SYN's.  The client closes first."""
    lst = listener()
    c = client()
    c.settimeout(10)
    c.connect((HOST, SERVER_PORT))
    s, _ = lst.accept()
    c.close()
    read_to_eof(s)
    s.close()
    time.sleep(0.1)
    info['expect'] = {'syns': 5}


def run_tfo(work, info):
    """net.ipv4.tcp_fastopen=3.  The first connection asks for a cookie;
    the second sends its request in the SYN (MSG_FASTOPEN).  The server
    answers each and the client closes first."""
    lst = listener(fastopen=True)
    for port in (CLIENT_PORT, PEER_PORT):
        c = client(port)
        c.settimeout(None)      # blocking: sendto() then waits for the SYN/ACK
        c.sendto(TFO_DATA, MSG_FASTOPEN, (HOST, SERVER_PORT))
        c.settimeout(TIMEOUT)
        s, _ = lst.accept()
        read_exactly(s, len(TFO_DATA))
        s.sendall(b'HTTP/1.0 200 OK\r\n\r\n')
        read_exactly(c, 19)
        c.close()
        read_to_eof(s)
        s.close()
    time.sleep(0.1)
    info['expect'] = {'fast_open': [False, True], 'connections': 2}


def run_fin_cross(work, info):
    """Both sides shut down at once; drop_segments.bpf.c drops the first FIN
    to each port and then the pure ACK each side sends when the other's
    retransmitted FIN arrives (both in CLOSING), so both retransmit their
    FIN again, now acknowledging the other's.  "trim" then removes every
    earlier FIN transmission from the capture (a capture point that missed
    them): each FIN left acknowledges the other's, and the kernel holds
    TIME-WAIT on both sides.  The retransmitted FINs cross only when both
    RTO timers expire on the same timer tick; when the two shutdowns fall on
    either side of a tick (rarely, more often on a busy machine), one FIN
    arrives first and the case is not made: "trim" says so."""
    lst = listener(PEER_PORT)
    a = client(CLIENT_PORT)
    a.connect((HOST, PEER_PORT))
    b, _ = lst.accept()
    lst.close()
    a.shutdown(socket.SHUT_WR)
    b.shutdown(socket.SHUT_WR)
    read_to_eof(a)
    read_to_eof(b)
    a.close()
    b.close()
    time.sleep(0.2)
    info['expect'] = {'fin_cross': True}


def fins_cross(segs):
    """(whether each side's last FIN acknowledges the other side's last
    FIN, those FINs) in segments() of a capture."""
    fins = {}
    for x in segs:
        if x[3] & 0x01:
            fins[x[1]] = x
    cross = len(fins) == 2 and all(
        ((f[5] - fins[f[2]][4]) & 0xffffffff) == 1 for f in fins.values())
    return cross, sorted(fins.values())


def time_wait_acks(segs):
    """The server's bare ACKs between the client's new SYN (the first with
    another ISN than the first connection's) and the last SYN/ACK in
    segments() of a capture: its TIME-WAIT socket refusing that SYN."""
    syns = [s for s in segs if s[3] == 0x02]
    new_syn = next((s for s in syns if s[4] != syns[0][4]), None)
    synacks = [s for s in segs if s[3] == 0x12]
    if not new_syn or not synacks:
        return []
    return [s for s in segs if s[1] == SERVER_PORT and s[3] == 0x10 and
            new_syn[0] <= s[0] <= synacks[-1][0]]


def trim_fins(work):
    """Keep only the last transmission of each side's FIN in cap.pcap (the
    whole capture stays in cap-full.pcap)."""
    full = os.path.join(work, 'cap-full.pcap')
    os.rename(os.path.join(work, 'cap.pcap'), full)
    with open(full, 'rb') as fh:
        data = fh.read()
    recs, off = [], 24
    while off + 16 <= len(data):
        caplen = struct.unpack_from('<I', data, off + 8)[0]
        recs.append(data[off:off + 16 + caplen])
        off += 16 + caplen
    fin_of = {}
    for i, r in enumerate(recs):
        pkt = r[16:]
        if len(pkt) >= 54 and pkt[12:14] == b'\x08\x00' and pkt[23] == 6:
            t = 14 + (pkt[14] & 0x0f) * 4
            if pkt[t + 13] & 0x01:
                fin_of.setdefault(pkt[t:t + 2], []).append(i)
    drop = {i for idx in fin_of.values() for i in idx[:-1]}
    with open(os.path.join(work, 'cap.pcap'), 'wb') as fh:
        fh.write(data[:24])
        for i, r in enumerate(recs):
            if i not in drop:
                fh.write(r)


CASES = {
    'rst_stray': run_rst_stray,
    'rst_tw_kill': run_rst_tw_kill,
    'rst_first_closer': run_rst_first_closer,
    'syn_tw': run_syn_tw,
    'simopen': run_simopen,
    'synstorm': run_synstorm,
    'tfo': run_tfo,
    'fin_cross': run_fin_cross,
}


# ------------------------------------------------------------- checking

def kernel_states(work):
    """{(local port, peer port): state} of every socket on 127.0.0.1."""
    out = {}
    with open(os.path.join(work, 'ss.txt')) as fh:
        for line in fh:
            f = line.split()
            if len(f) < 5 or f[0] == 'LISTEN':
                continue
            lp, pp = int(f[3].rsplit(':', 1)[1]), int(f[4].rsplit(':', 1)[1])
            out[(lp, pp)] = SS_STATES.get(f[0], f[0])
    return out


def check(case, work):
    res = []

    def ok(cond, text):
        res.append(('ok ' if cond else 'bad ') + '%s: %s' % (case, text))

    info = json.load(open(os.path.join(work, 'case.json')))
    report = json.load(open(os.path.join(work, 'report.json')))
    conns = sorted(report['connections'], key=lambda c: c['id'])
    kernel = kernel_states(work)
    exp = info['expect']
    latest = {}
    for c in conns:
        key = tuple(sorted((c['client']['port'], c['server']['port'])))
        latest[key] = c['id']
    for c in conns:
        cp, sp = c['client']['port'], c['server']['port']
        key = tuple(sorted((cp, sp)))
        if latest[key] == c['id']:
            want = (kernel.get((cp, sp), 'CLOSED'),
                    kernel.get((sp, cp), 'CLOSED'))
        else:
            want = ('CLOSED', 'CLOSED')
        got = (c['state']['client'], c['state']['server'])
        ok(got == want, 'connection %d %d->%d states %s, kernel (ss) %s'
           % (c['id'], cp, sp, '/'.join(got), '/'.join(want)))
    ok(len(conns) == exp.get('connections', 1),
       '%d connections, %d expected' % (len(conns),
                                        exp.get('connections', 1)))
    if not conns:
        return res
    c = conns[-1]
    segs = segments(work)
    if 'rsts' in exp:
        r = c['close']['rsts']
        got = [r['accepted'], r['challenged'], r['ignored']]
        nrst = sum(1 for s in segs if s[3] & 0x04)
        ok(got == exp['rsts'] and sum(got) == nrst,
           'rsts %s (accepted, challenged, ignored), expected %s; %d RSTs '
           'captured' % (got, exp['rsts'], nrst))
        ok(c['close']['kind'] == exp['kind'],
           'close.kind %s, expected %s' % (c['close']['kind'], exp['kind']))
    if 'rst_from' in exp:
        ok(c['close']['rst_from'] == exp['rst_from'],
           'rst_from %s' % c['close']['rst_from'])
    if 'ended' in exp:
        ok(c['close']['time_wait_ended_by_rst'] == exp['ended'],
           'time_wait_ended_by_rst %s' % c['close']['time_wait_ended_by_rst'])
    if 'active' in exp:
        ok(c['close']['active_closer'] == exp['active'],
           'active_closer %s' % c['close']['active_closer'])
    if case == 'rst_stray':
        # the server's challenge ACK: an ACK right after the in-window RST
        rst_i = [i for i, s in enumerate(segs) if s[3] & 0x04]
        after = segs[rst_i[0] + 1] if rst_i and rst_i[0] + 1 < len(segs) \
            else None
        ok(after is not None and after[1] == SERVER_PORT and
           after[3] == 0x10, 'the server answered the in-window RST with '
           'a challenge ACK: %s' % (after,))
    if case == 'syn_tw':
        old, new = conns[0], conns[-1]
        tw_ack = time_wait_acks(segs)
        ok(bool(tw_ack), 'the TIME-WAIT socket answered the new SYN with an '
           'ACK: %s' % (tw_ack,))
        ok(old['close']['time_wait_ended_by_rst'] == 'server' and
           old['close']['kind'] == 'rst',
           'old connection: kind %s, time_wait_ended_by_rst %s'
           % (old['close']['kind'], old['close']['time_wait_ended_by_rst']))
        isn = [s for s in segs if s[3] == 0x02]
        nsyn = sum(1 for s in isn if s[4] == isn[-1][4])
        ok(new['handshake']['status'] == 'complete' and
           new['handshake']['syn_retransmits'] == nsyn - 1 and
           (new['reuse'] or {}).get('previous_id') == old['id'],
           'new connection: %s, syn_retransmits %d (%d SYNs with its ISN '
           'captured), reuse %s' % (new['handshake']['status'],
                                    new['handshake']['syn_retransmits'],
                                    nsyn, new['reuse']))
    if case == 'simopen':
        syns = [s for s in segs if s[3] == 0x02]
        ports = {s[1] for s in syns}
        ok(ports == {CLIENT_PORT, PEER_PORT},
           'both sides sent SYNs: from ports %s' % sorted(ports))
        h = c['handshake']
        ok(h['simultaneous_open'] is True and h['status'] == 'complete',
           'simultaneous_open %s, status %s' % (h['simultaneous_open'],
                                                h['status']))
        ok(c['client']['port'] == syns[0][1],
           'client %d is the sender of the first SYN captured (%d)'
           % (c['client']['port'], syns[0][1]))
    if case == 'synstorm':
        syns = [s for s in segs if s[3] == 0x02]
        synack = next(s for s in segs if s[3] == 0x12)
        h = c['handshake']
        want = (synack[0] - syns[-1][0]) * 1000
        ok(len(syns) == exp['syns'] and
           h['syn_retransmits'] == len(syns) - 1,
           'syn_retransmits %d, %d SYNs captured'
           % (h['syn_retransmits'], len(syns)))
        got = h['rtt_ms']['syn_to_synack']
        ok(got is not None and abs(got - want) < 0.002,
           'syn_to_synack %s ms, the SYN/ACK minus the last SYN %.6f ms'
           % (got, want))
    if case == 'fin_cross':
        cross, fins = fins_cross(segs)
        ok(cross, 'each FIN left in the trimmed capture acknowledges the '
           "other's: %s" % fins)
        cl = c['close']
        ok(cl['kind'] == 'fin' and cl['active_closer'] == 'both' and
           cl['time_wait'] == 'both', 'close %s, active_closer %s, '
           'time_wait %s' % (cl['kind'], cl['active_closer'],
                             cl['time_wait']))
    if case == 'tfo':
        got = [x['handshake']['fast_open'] for x in conns]
        data_syn = [s[6] for s in segs if s[3] == 0x02 and s[2] == SERVER_PORT]
        ok(got == exp['fast_open'] and [n > 0 for n in data_syn] == got,
           'fast_open %s; SYN payloads captured %s' % (got, data_syn))
        last = conns[-1]
        ok(last['handshake']['status'] == 'complete' and
           last['payload_bytes']['client_to_server'] == len(TFO_DATA),
           'TFO connection: %s, client payload %d bytes (%d sent in the SYN)'
           % (last['handshake']['status'],
              last['payload_bytes']['client_to_server'], len(TFO_DATA)))
    return res


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ('run', 'trim', 'check') or \
            sys.argv[2] not in CASES:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    what, case, work = sys.argv[1:]
    if what == 'run':
        if case in FORGING:
            scapy_layers()
        info = {'case': case}
        CASES[case](work, info)
        with open(os.path.join(work, 'case.json'), 'w') as fh:
            json.dump(info, fh)
        return 0
    if what == 'trim':
        if case == 'fin_cross':
            trim_fins(work)
            cross, fins = fins_cross(segments(work))
            if not cross:
                print('the FINs did not cross: %s' % fins)
                return NOT_PRODUCED
        if case == 'syn_tw' and not time_wait_acks(segments(work)):
            # The first connection took so long (a loaded machine) that
            # the ISN clock passed its 32 MiB: the server took the SYN.
            print('the new SYN was beyond the TIME-WAIT socket\'s RCV.NXT: '
                  'no ACK answered it')
            return NOT_PRODUCED
        return 0
    for line in check(case, work):
        print(line)
    return 0


if __name__ == '__main__':
    sys.exit(main())
