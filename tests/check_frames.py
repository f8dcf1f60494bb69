#!/usr/bin/python3
"""Check an hsanalyze report's frame numbers against tshark's.

usage: check_frames.py CAPTURE REPORT.json [FILTER]

For every connection of the report (its "connections", or its "examples"
when it has no "connections") and every frame number in its "frames", the
frame with that frame.number in tshark's reading of CAPTURE must be a TCP
segment between the connection's two endpoints with the flags its role
needs: SYN without ACK for "syn", SYN and ACK for "synack", ACK without SYN
for "handshake_ack", "first_fin_ack" and "final_ack", FIN for "first_fin"
and "peer_fin", RST for "rst".  FILTER, when given, is the BPF filter
hsanalyze was run with: frame numbers must still be those of the whole
file.  Prints "ok TEXT" or "bad TEXT" lines; exit 0 when all are ok.
"""

import json
import subprocess
import sys

SYN, ACK, FIN, RST = 0x02, 0x10, 0x01, 0x04

NEED = {
    'syn': (SYN, ACK), 'synack': (SYN | ACK, 0),
    'handshake_ack': (ACK, SYN), 'first_fin_ack': (ACK, SYN),
    'final_ack': (ACK, SYN), 'first_fin': (FIN, 0), 'peer_fin': (FIN, 0),
    'rst': (RST, 0),
}


def tshark_frames(capture):
    out = subprocess.run(
        ['tshark', '-r', capture, '-T', 'fields', '-e', 'frame.number',
         '-e', 'tcp.flags', '-e', 'tcp.srcport', '-e', 'tcp.dstport'],
        check=True, capture_output=True, text=True).stdout
    frames = {}
    for line in out.splitlines():
        f = line.split('\t')
        if len(f) == 4 and f[1]:
            frames[int(f[0])] = (int(f[1], 16), int(f[2]), int(f[3]))
    return frames


def main():
    capture, report = sys.argv[1], sys.argv[2]
    r = json.load(open(report))
    conns = r.get('connections')
    if conns is None:
        conns = [c for kind in r['examples'].values() for c in kind]
    frames = tshark_frames(capture)
    bad = checked = 0
    for c in conns:
        ports = {c['client']['port'], c['server']['port']}
        for role, v in c['frames'].items():
            for n in (v if isinstance(v, list) else [v]):
                if n is None:
                    continue
                checked += 1
                need, forbid = NEED[role]
                got = frames.get(n)
                if (got is None or got[0] & need != need or got[0] & forbid
                        or {got[1], got[2]} != ports):
                    bad += 1
                    print('bad %s: connection %d %s frame %d is %s in tshark'
                          % (capture, c['id'], role, n, got))
    if checked == 0:
        print('bad %s: no frame numbers to check' % capture)
        return 1
    if not bad:
        print('ok %s: %d frame numbers of %d connections agree with tshark'
              % (capture.rsplit('/', 1)[-1], checked, len(conns)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
