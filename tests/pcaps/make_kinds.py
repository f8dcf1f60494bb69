#!/usr/bin/python3
"""Write a capture with three connections of each kind the JSON report
chooses examples of (tests/examples_kinds.sh).

Client 192.0.2.10, port 42000 + id, to server 198.51.100.20:80.  Three
rounds of seven connections, 10 ms apart, numbered in that order from 1
(round r, shape k: id 7r + k + 1):

  1 fin_client   handshake, request, response, the client closes first
  2 fin_server   the same, the server closes first
  3 refused      SYN answered by RST/ACK
  4 unanswered   a SYN
  5 incomplete   SYN, SYN/ACK, no ACK
  6 rst          handshake, request, response, the client resets
  7 half_closed  handshake, request, response, the client's FIN, acknowledged

Each handshake's SYN to SYN/ACK time is 100 us + 10 us * id (its SYN/ACK to
ACK 50 us), so the later a connection, the slower.  The capture lasts less
than the 4 s linger, so every connection is reported at its end, in id
order (doc/json-report.md): the first two of a kind are the two lowest ids
of that kind.

Usage: make_kinds.py OUT.pcap
"""

import os
import sys

sys.dont_write_bytecode = True     # no __pycache__ in tests/pcaps
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_crafted import BASE, C4, MS, S4, US, Capture, Flow, write  # noqa

REQ = b'GET /k HTTP/1.1\r\nHost: t\r\n\r\n'
RESP = b'HTTP/1.1 204 No Content\r\n\r\n'
SHAPES = ('fin_client', 'fin_server', 'refused', 'unanswered', 'incomplete',
          'rst', 'half_closed')


def conversation(cap, cid, shape, t):
    f = Flow(cap, C4, 42000 + cid, S4, 80, 5_000_000 + cid * 65_536,
             6_000_000 + cid * 65_536, t0=t)
    synack = t + 100 * US + 10 * US * cid
    f.send('c', t, 'S')
    if shape == 'unanswered':
        return
    if shape == 'refused':
        f.send('s', synack, 'RA')
        return
    f.send('s', synack, 'SA')
    if shape == 'incomplete':
        return
    f.send('c', synack + 50 * US, 'A')
    t = synack + 100 * US
    f.send('c', t, 'PA', REQ)
    f.send('s', t + 200 * US, 'PA', RESP)
    f.send('c', t + 250 * US, 'A')
    t += 1 * MS
    if shape == 'rst':
        f.send('c', t, 'RA')
        return
    first, peer = ('s', 'c') if shape == 'fin_server' else ('c', 's')
    f.send(first, t, 'FA')
    f.send(peer, t + 40 * US, 'A')
    if shape == 'half_closed':
        return
    f.send(peer, t + 90 * US, 'FA')
    f.send(first, t + 110 * US, 'A')


def main():
    cap = Capture('kinds')
    cid = 0
    for _ in range(3):
        for shape in SHAPES:
            cid += 1
            conversation(cap, cid, shape, BASE + (cid - 1) * 10 * MS)
    write(sys.argv[1], cap.pcap_bytes())


if __name__ == '__main__':
    main()
