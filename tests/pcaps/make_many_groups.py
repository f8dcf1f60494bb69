#!/usr/bin/python3
"""Write a capture with more TIME-WAIT groups than a report shows, and what
its report must say of them (tests/examples_groups.sh).

GROUPS client/server groups (client 192.0.2.10 to 198.51.100.20, one
server port each, 8001 up), opened one after the other 10 ms apart, each
connection a handshake, one request and response, then a client close
(the client holds TIME-WAIT).  Groups 1 to GROUPS - 1 have one connection
each; the last group, opened last, has BUSY connections, all in TIME-WAIT
at once: its peak is the largest, so its finding (CLIENT_CLOSES_FIRST)
comes first although its group was seen last.  The connections are numbered
in the order they open: the busy group's are GROUPS to GROUPS + BUSY - 1.

The oracle (standard output, JSON) comes from the construction: for each
group its server port and its connections' ids, and for each connection its
frame numbers (Wireshark's, from 1) as the builder wrote them.

Usage: make_many_groups.py OUT.pcap GROUPS BUSY
"""

import json
import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in tests/pcaps
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_crafted import BASE, C4, MS, S4, US, Capture, Flow, write  # noqa

REQ = b'GET /g HTTP/1.1\r\nHost: t\r\n\r\n'
RESP = b'HTTP/1.1 204 No Content\r\n\r\n'
FIRST_PORT = 8001
CLIENT_PORT = 40000


def conversation(cap, cport, sport, t, i):
    """One connection, client close; its key segments' records."""
    f = Flow(cap, C4, cport, S4, sport, 1_000_000 + i * 65_536,
             2_000_000 + i * 65_536, t0=t)
    rec = {}

    def send(key, side, dt, flags, data=b''):
        f.send(side, t + dt, flags, data)
        if key:
            rec[key] = f.last_record

    send('syn', 'c', 0, 'S')
    send('synack', 's', 50 * US, 'SA')
    send('handshake_ack', 'c', 80 * US, 'A')
    send(None, 'c', 100 * US, 'PA', REQ)
    send(None, 's', 300 * US, 'PA', RESP)
    send(None, 'c', 350 * US, 'A')
    send('first_fin', 'c', 1 * MS, 'FA')
    send('first_fin_ack', 's', 1 * MS + 40 * US, 'A')
    send('peer_fin', 's', 1 * MS + 90 * US, 'FA')
    send('final_ack', 'c', 1 * MS + 110 * US, 'A')
    return rec


def main():
    out, groups, busy = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cap = Capture('many_groups')
    conns = []              # (id, server port, records)
    t = BASE
    for g in range(groups):
        for _ in range(busy if g == groups - 1 else 1):
            cid = len(conns) + 1
            conns.append((cid, FIRST_PORT + g,
                          conversation(cap, CLIENT_PORT + cid,
                                       FIRST_PORT + g, t, cid)))
            t += 10 * MS
    write(out, cap.pcap_bytes())
    frames = {}
    for cid, _, rec in conns:
        rec['syn'], rec['synack'] = [rec['syn']], [rec['synack']]
        rec['rst'] = None
        frames[cid] = cap.frames_expect(rec)
    json.dump({'groups': [{'server_port': FIRST_PORT + g,
                           'connections': [c for c, p, _ in conns
                                           if p == FIRST_PORT + g]}
                          for g in range(groups)],
               'frames': frames}, sys.stdout)


if __name__ == '__main__':
    main()
