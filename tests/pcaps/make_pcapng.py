#!/usr/bin/python3
"""Write the pcapng files with several interfaces (tests/pcapng.sh).

Plain struct, no scapy; little-endian sections.  Each connection is one
client-closes-first exchange of 7 segments, 1 ms apart (make_timestamps.py's
connection()), 10.0.0.1:(40000 + i) -> 10.0.0.2:(80 or 8080).

  pcapng_two_links.pcapng   interface 0 EN10MB (microseconds), interface 1
                            LINKTYPE_RAW (101) with if_tsresol 9; connection
                            0 (port 80) on interface 0 from BASE, connection
                            1 (port 8080) on interface 1 from BASE + 1 s, its
                            times in nanoseconds.  14 packets, 2 connections.
  pcapng_two_raw.pcapng     two LINKTYPE_RAW interfaces (libpcap 1.10 refuses
                            the second), connection 0 on 0, connection 1 on 1.
  pcapng_two_sections.pcapng  a section with one EN10MB interface and
                            connection 0, then a second section whose only
                            interface (0 again) is LINKTYPE_RAW, connection 1.
  pcapng_bad_interface.pcapng  one EN10MB interface, connection 0, then an
                            Enhanced Packet Block on interface 5: damaged.

Usage: make_pcapng.py [OUTDIR]   (default: the directory of this script)
"""
import os
import struct
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_timestamps import BASE, connection  # noqa: E402

ETH_HEADER = 14


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def shb():
    return block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1))


def idb(linktype, tsresol=None):
    opts = b""
    if tsresol is not None:
        opts = struct.pack("<HHB3x", 9, 1, tsresol) + struct.pack("<HH", 0, 0)
    return block(1, struct.pack("<HHI", linktype, 0, 0) + opts)


def epb(iface, units, data):
    return block(6, struct.pack("<IIIII", iface, units >> 32,
                                units & 0xffffffff, len(data), len(data)) + data)


def conn_blocks(iface, i, start_units, unit_per_ms, raw, dport=80):
    frames = connection(i)
    if dport != 80:
        frames = [retarget(f, dport) for f in frames]
    if raw:
        frames = [f[ETH_HEADER:] for f in frames]
    return b"".join(epb(iface, start_units + k * unit_per_ms, f)
                    for k, f in enumerate(frames))


def retarget(frame, port):
    """The frame with server port 80 replaced by port (TCP checksum 0)."""
    f = bytearray(frame)
    tcp = ETH_HEADER + 20
    sport, dport = struct.unpack_from("!HH", f, tcp)
    if sport == 80:
        struct.pack_into("!H", f, tcp, port)
    if dport == 80:
        struct.pack_into("!H", f, tcp + 2, port)
    return bytes(f)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    us, ns = BASE * 10**6, BASE * 10**9
    files = {
        "pcapng_two_links.pcapng":
            shb() + idb(1) + idb(101, 9) +
            conn_blocks(0, 0, us, 1000, False) +
            conn_blocks(1, 1, ns + 10**9, 10**6, True, 8080),
        "pcapng_two_raw.pcapng":
            shb() + idb(101) + idb(101) +
            conn_blocks(0, 0, us, 1000, True) +
            conn_blocks(1, 1, us + 10**6, 1000, True, 8080),
        "pcapng_two_sections.pcapng":
            shb() + idb(1) + conn_blocks(0, 0, us, 1000, False) +
            shb() + idb(101) + conn_blocks(0, 1, us + 10**6, 1000, True, 8080),
        "pcapng_bad_interface.pcapng":
            shb() + idb(1) + conn_blocks(0, 0, us, 1000, False) +
            epb(5, us + 10**6, connection(1)[0]),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
