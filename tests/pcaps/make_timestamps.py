#!/usr/bin/python3
"""Write the captures of tests/timestamps.sh: hostile and odd timestamps.

Plain struct, no scapy.  Every connection is one client-closes-first
exchange of 7 segments (SYN, SYN/ACK, ACK, FIN/ACK, ACK, FIN/ACK, ACK), one
millisecond apart, Ethernet/IPv4/TCP, 10.0.0.1:(40000 + i) -> 10.0.0.2:80.

  ts_far_future.pcapng  one connection, then a copy of its SYN whose Enhanced
                        Packet Block time is 2^64 - 1 microseconds (the
                        default if_tsresol): 8 records, 1 unusable.
  ts_far_future_ns.pcapng  the same with if_tsresol 9 (nanoseconds) and two
                        extra SYNs at 2^63 and 2^63 - 1 ns (after 2106):
                        9 records, 2 unusable.
  clock_in_order.pcap   300 connections, connection i starting at BASE + i s,
                        except that from connection 150 on they start 0.994 s
                        earlier: connection 150 starts at BASE + 149.006 s,
                        when connection 149 ends.
  clock_step_back.pcap  the same, but from connection 150 on the clock is 3 h
                        (10800 s) behind: one step back, of exactly 10800 s,
                        with nothing lost in between.  A step hides the time
                        that passed across it; hsanalyze counts it as none,
                        so both files must give the same tracker figures.

Usage: make_timestamps.py [OUTDIR]   (default: the directory of this script)
"""
import os
import struct
import sys

BASE = 1700000000          # 2023-11-14T22:13:20Z
STEP_AT = 150
STEP_S = 10800
CONNS = 300

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10


def checksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src, dst, sport, dport, seq, ack, flags):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags,
                      65535, 0, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def connection(i):
    """The 7 frames of connection i, client closes first."""
    c, s = (10, 0, 0, 1), (10, 0, 0, 2)
    cp, sp = 40000 + i, 80
    ci, si = 1000, 5000
    return [
        frame(c, s, cp, sp, ci, 0, SYN),
        frame(s, c, sp, cp, si, ci + 1, SYN | ACK),
        frame(c, s, cp, sp, ci + 1, si + 1, ACK),
        frame(c, s, cp, sp, ci + 1, si + 1, FIN | ACK),
        frame(s, c, sp, cp, si + 1, ci + 2, ACK),
        frame(s, c, sp, cp, si + 1, ci + 2, FIN | ACK),
        frame(c, s, cp, sp, ci + 2, si + 2, ACK),
    ]


def pcap(path, records):
    """records: (seconds, microseconds, frame)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for sec, usec, data in records:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def pcapng(path, tsresol, records):
    """records: (timestamp in if_tsresol units, frame)."""
    shb = block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    idb = block(1, struct.pack("<HHI", 1, 0, 65535) + opts)
    with open(path, "wb") as f:
        f.write(shb + idb)
        for ts, data in records:
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32,
                                         ts & 0xffffffff, len(data),
                                         len(data)) + data))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    one = connection(0)
    us = [(BASE * 1000000 + k * 1000, f) for k, f in enumerate(one)]
    pcapng(os.path.join(out, "ts_far_future.pcapng"), None,
           us + [(2**64 - 1, one[0])])
    ns = [(BASE * 10**9 + k * 10**6, f) for k, f in enumerate(one)]
    pcapng(os.path.join(out, "ts_far_future_ns.pcapng"), 9,
           ns + [(2**63, one[0]), (2**63 - 1, one[0])])
    for name, step in (("clock_in_order.pcap", 0),
                       ("clock_step_back.pcap", STEP_S)):
        recs = []
        for i in range(CONNS):
            start = (BASE + i) * 1000000
            if i >= STEP_AT:
                start -= 994000 + step * 1000000
            recs += [((start + k * 1000) // 1000000,
                      (start + k * 1000) % 1000000, f)
                     for k, f in enumerate(connection(i))]
        pcap(os.path.join(out, name), recs)


if __name__ == "__main__":
    main()
