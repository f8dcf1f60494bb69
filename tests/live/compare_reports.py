#!/usr/bin/python3
"""Compares the verdicts of two hsanalyze JSON reports of the same packets.

usage: compare_reports.py [--ports P,...] A.json B.json
       compare_reports.py --self-test

Made for the live test: A is the report of a live capture (hsanalyze -i lo
-w SAVED ...), B the report of the packets it saved (hsanalyze -r SAVED
--json).  The same packets in the same order must give the same connections
with the same ids and the same verdicts.  Connections are matched by id;
for each one these fields must be equal:

    client, server, handshake.status, close.kind, close.active_closer,
    close.time_wait, state

An id in one report and not in the other is a problem, and so is a
different capture.packets or capture.tcp_segments (the saved file then does
not hold what the live analysis saw).  --ports keeps only connections with
an endpoint on one of the ports, in both reports.

Prints one line per problem and exits 1, or "N connections agree" and exits
0.  Exit 2 on unreadable input.
"""

import json
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import reportlib                    # noqa: E402
from reportlib import InputError    # noqa: E402

FIELDS = (
    ("client",),
    ("server",),
    ("handshake", "status"),
    ("close", "kind"),
    ("close", "active_closer"),
    ("close", "time_wait"),
    ("state",),
)


def get(obj, path):
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            raise KeyError(".".join(path))
        obj = obj[key]
    return obj


def show(v):
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def by_id(report, name, ports):
    try:
        conns = report["connections"]
    except (KeyError, TypeError):
        raise InputError("%s: no connections array" % name)
    if not isinstance(conns, list):
        raise InputError("%s: connections is not an array" % name)
    out = {}
    for c in conns:
        try:
            cid = int(c["id"])
            cport, sport = int(c["client"]["port"]), int(c["server"]["port"])
        except (KeyError, TypeError, ValueError) as e:
            raise InputError("%s: connection without id/client/server (%s)" % (name, e))
        if ports is not None and cport not in ports and sport not in ports:
            continue
        if cid in out:
            raise InputError("%s: connection id %d appears twice" % (name, cid))
        out[cid] = c
    return out


def label(c):
    try:
        return "%s:%s -> %s:%s" % (c["client"]["ip"], c["client"]["port"],
                                   c["server"]["ip"], c["server"]["port"])
    except (KeyError, TypeError):
        return "?"


def compare(a, b, ports=None, names=("A", "B")):
    """Returns (problems, number of connections compared)."""
    na, nb = names
    problems = []
    for what in ("packets", "tcp_segments"):
        try:
            va, vb = get(a, ("capture", what)), get(b, ("capture", what))
        except KeyError as e:
            raise InputError("capture.%s missing (%s)" % (what, e))
        if va != vb:
            problems.append("capture.%s: %s %s, %s %s" % (what, na, va, nb, vb))
    ca, cb = by_id(a, na, ports), by_id(b, nb, ports)
    for cid in sorted(set(ca) - set(cb)):
        problems.append("connection %d (%s) only in %s" % (cid, label(ca[cid]), na))
    for cid in sorted(set(cb) - set(ca)):
        problems.append("connection %d (%s) only in %s" % (cid, label(cb[cid]), nb))
    both = sorted(set(ca) & set(cb))
    for cid in both:
        for path in FIELDS:
            name = ".".join(path)
            try:
                va = get(ca[cid], path)
                vb = get(cb[cid], path)
            except KeyError as e:
                raise InputError("connection %d: missing field %s" % (cid, e))
            if va != vb:
                problems.append("connection %d (%s): %s: %s %s, %s %s"
                                % (cid, label(ca[cid]), name, na, show(va), nb, show(vb)))
    return problems, len(both)


# --- self test -------------------------------------------------------------

def _conn(cid, cport, tw="server", closer="server", kind="fin"):
    return {"id": cid,
            "client": {"ip": "127.0.0.1", "port": cport},
            "server": {"ip": "127.0.0.1", "port": 8080},
            "handshake": {"status": "complete", "rtt_ms": {"total": 0.01 * cid}},
            "close": {"kind": kind, "active_closer": closer, "time_wait": tw,
                      "fin_retransmits": 0},
            "state": {"client": "CLOSED",
                      "server": "TIME-WAIT" if tw == "server" else "CLOSED"}}


def _report(conns, packets=10, segments=10):
    return {"connections": conns,
            "capture": {"packets": packets, "tcp_segments": segments}}


def self_test():
    base = [_conn(1, 40001), _conn(2, 40002, "client", "client"),
            _conn(3, 40003, "none", None, "rst")]

    def variant(i, path, value):
        conns = json.loads(json.dumps(base))
        obj = conns[i]
        for key in path[:-1]:
            obj = obj[key]
        obj[path[-1]] = value
        return _report(conns)

    same_other_order = _report(list(reversed(json.loads(json.dumps(base)))))
    rtt_differs = variant(0, ("handshake", "rtt_ms", "total"), 99.0)
    cases = [
        ("identical", _report(base), []),
        ("other order, other RTT", same_other_order, []),
        ("RTT is not a verdict", rtt_differs, []),
        ("time_wait differs", variant(0, ("close", "time_wait"), "client"),
         ["connection 1 (127.0.0.1:40001 -> 127.0.0.1:8080): close.time_wait"]),
        ("active_closer differs", variant(1, ("close", "active_closer"), "both"),
         ["connection 2 (127.0.0.1:40002 -> 127.0.0.1:8080): close.active_closer"]),
        ("kind differs", variant(2, ("close", "kind"), "fin"),
         ["connection 3 (127.0.0.1:40003 -> 127.0.0.1:8080): close.kind"]),
        ("handshake differs", variant(0, ("handshake", "status"), "incomplete"),
         ["connection 1 (127.0.0.1:40001 -> 127.0.0.1:8080): handshake.status"]),
        ("state differs", variant(1, ("state", "client"), "TIME-WAIT"),
         ["connection 2 (127.0.0.1:40002 -> 127.0.0.1:8080): state"]),
        ("client port differs", variant(0, ("client", "port"), 40009),
         ["connection 1 (127.0.0.1:40001 -> 127.0.0.1:8080): client"]),
        ("roles swapped", variant(0, ("server",), {"ip": "127.0.0.1", "port": 40001}),
         ["connection 1 (127.0.0.1:40001 -> 127.0.0.1:8080): server"]),
        ("connection only in A", _report(base[:2]),
         ["connection 3 (127.0.0.1:40003 -> 127.0.0.1:8080) only in A"]),
        ("connection only in B", _report(base + [_conn(4, 40004)]),
         ["connection 4 (127.0.0.1:40004 -> 127.0.0.1:8080) only in B"]),
        ("fewer packets saved", _report(base, 9, 9),
         ["capture.packets: A 10, B 9", "capture.tcp_segments: A 10, B 9"]),
    ]
    t = reportlib.SelfTest(28)
    for name, other, expect in cases:
        problems, n = compare(_report(base), other)
        t.problems(name, problems, expect)
    # --ports: a difference on a connection outside the ports is ignored
    problems, n = compare(_report(base + [_conn(4, 40004)]),
                          _report(base + [_conn(4, 40004, "client", "client")]),
                          ports={40001, 40002, 40003})
    t.result("--ports filter", not problems and n == 3)
    # a missing field is an input error, not a silent pass
    broken = _report(json.loads(json.dumps(base)))
    del broken["connections"][0]["close"]["time_wait"]
    try:
        compare(_report(base), broken)
        ok = False
    except InputError:
        ok = True
    t.result("missing field", ok)
    return t.end()


def run(paths, ports):
    a, b = (reportlib.load_json(p) for p in paths)
    problems, n = compare(a, b, ports, tuple(paths))
    return problems, "%d connections agree" % n


def main(argv):
    return reportlib.main(argv, __doc__, "compare_reports", self_test, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
