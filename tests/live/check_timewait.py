#!/usr/bin/python3
"""Kernel-vs-report oracle for TIME-WAIT.

usage: check_timewait.py [--ports P,P,...] REPORT.json TIMEWAIT_FILE
       check_timewait.py --self-test

REPORT.json is hsanalyze's JSON report (doc/json-report.md).  TIMEWAIT_FILE
has one line per socket the kernel had in TIME-WAIT (ss -tanH state
time-wait), as written by make_real_capture.sh:

    LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT

Of the report's connections only the latest one per 4-tuple (highest id)
counts: an earlier connection on the same 4-tuple was superseded in the
kernel too.

  missing  a TIME-WAIT socket (local L, peer P) for which the latest
           connection on that 4-tuple does not have time_wait naming the side
           whose ip:port is L, nor "both" (or there is no such connection)
  extra    a latest connection whose time_wait is "client", "server" or
           "both" without the matching socket(s) in the file ("both" needs
           two sockets, one local to each side)

--ports restricts the report's connections to those with an endpoint on one
of the ports (for live captures that also see unrelated traffic; the
TIME-WAIT file is taken as is).

Prints one line per problem and exits 1, or prints "N TIME_WAIT sockets
matched" and exits 0.  Exit 2 on unreadable input.
"""

import ipaddress
import sys

sys.dont_write_bytecode = True      # no __pycache__ in the source tree
import reportlib                    # noqa: E402
from reportlib import InputError    # noqa: E402


def norm_ip(text):
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.split("%", 1)[0]             # ss may print fe80::1%lo
    try:
        return ipaddress.ip_address(text).compressed
    except ValueError:
        raise InputError("bad IP address %r" % text)


def endpoint(obj, what):
    try:
        return (norm_ip(obj["ip"]), int(obj["port"]))
    except (KeyError, TypeError, ValueError) as e:
        raise InputError("%s: bad endpoint %r (%s)" % (what, obj, e))


def fmt(ep):
    ip, port = ep
    return ("[%s]:%d" if ":" in ip else "%s:%d") % (ip, port)


def read_timewait(lines, name="timewait"):
    """Returns a list of (local, peer) endpoint pairs."""
    out = []
    for n, line in enumerate(lines, 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        f = line.split()
        if len(f) != 4:
            raise InputError("%s:%d: want LOCAL_IP LOCAL_PORT PEER_IP PEER_PORT"
                             % (name, n))
        try:
            out.append(((norm_ip(f[0]), int(f[1])), (norm_ip(f[2]), int(f[3]))))
        except ValueError as e:
            raise InputError("%s:%d: %s" % (name, n, e))
    return out


def latest_connections(report, ports=None):
    """Maps frozenset({ep1, ep2}) -> (id, client_ep, server_ep, time_wait)
    for the highest id per 4-tuple."""
    try:
        conns = report["connections"]
    except (KeyError, TypeError):
        raise InputError("report has no connections array")
    latest = {}
    for c in conns:
        try:
            cid = int(c["id"])
            cl = endpoint(c["client"], "connection %s client" % c.get("id"))
            sv = endpoint(c["server"], "connection %s server" % c.get("id"))
            tw = c["close"]["time_wait"]
        except (KeyError, TypeError, ValueError) as e:
            raise InputError("connection %r: missing field %s" % (c.get("id"), e))
        if tw not in ("client", "server", "both", "none", "pending"):
            raise InputError("connection %d: bad time_wait %r" % (cid, tw))
        if ports is not None and cl[1] not in ports and sv[1] not in ports:
            continue
        key = frozenset((cl, sv))
        if key not in latest or latest[key][0] < cid:
            latest[key] = (cid, cl, sv, tw)
    return latest


def check(report, timewait, ports=None):
    """Returns (problems, matched)."""
    latest = latest_connections(report, ports)
    problems = []
    sockets = set()
    matched = 0
    for local, peer in timewait:
        if (local, peer) in sockets:
            problems.append("missing: TIME_WAIT socket %s (peer %s) listed twice"
                            % (fmt(local), fmt(peer)))
            continue
        sockets.add((local, peer))
        c = latest.get(frozenset((local, peer)))
        if c is None:
            problems.append("missing: TIME_WAIT socket %s (peer %s): no connection"
                            " on this 4-tuple in the report" % (fmt(local), fmt(peer)))
            continue
        cid, cl, sv, tw = c
        side = "client" if local == cl else "server"
        if tw in (side, "both"):
            matched += 1
        else:
            problems.append("missing: TIME_WAIT socket %s (peer %s) is the %s of"
                            " connection %d, but the report says time_wait=%s"
                            % (fmt(local), fmt(peer), side, cid, tw))
    for key in sorted(latest, key=lambda k: latest[k][0]):
        cid, cl, sv, tw = latest[key]
        want = {"client": [(cl, sv)], "server": [(sv, cl)],
                "both": [(cl, sv), (sv, cl)]}.get(tw, [])
        for local, peer in want:
            if (local, peer) not in sockets:
                side = "client" if local == cl else "server"
                problems.append("extra: connection %d %s -> %s has time_wait=%s,"
                                " but the kernel had no TIME_WAIT socket on its %s %s"
                                % (cid, fmt(cl), fmt(sv), tw, side, fmt(local)))
    return problems, matched


# --- self test -------------------------------------------------------------

def _conn(cid, cl, sv, tw):
    return {"id": cid, "client": {"ip": cl[0], "port": cl[1]},
            "server": {"ip": sv[0], "port": sv[1]},
            "close": {"kind": "fin", "time_wait": tw}}


def self_test():
    C1, C2, C3, C4, C5 = (("127.0.0.1", p) for p in (40001, 40002, 40003, 40004, 40005))
    S = ("127.0.0.1", 8080)
    V6c, V6s = ("::1", 40006), ("0:0:0:0:0:0:0:1", 8080)
    report = {"connections": [
        _conn(1, C1, S, "server"),
        _conn(2, C2, S, "client"),
        _conn(3, C3, S, "both"),
        _conn(4, C4, S, "none"),
        _conn(5, C5, S, "pending"),
        _conn(6, C1, S, "client"),      # reuses 1's 4-tuple: only 6 counts
        _conn(7, V6c, V6s, "server"),
    ]}
    good = [
        "# local peer",
        "127.0.0.1 40001 127.0.0.1 8080",    # conn 6: client
        "127.0.0.1 40002 127.0.0.1 8080",    # conn 2: client
        "127.0.0.1 40003 127.0.0.1 8080",    # conn 3: both
        "127.0.0.1 8080 127.0.0.1 40003",
        "[::1] 8080 ::1 40006",              # conn 7: server, IPv6 spelled oddly
    ]
    cases = [
        ("consistent", good, report, []),
        ("socket of a both missing", [l for l in good if l != "127.0.0.1 8080 127.0.0.1 40003"],
         report, ["extra: connection 3 "]),
        ("unexplained socket", good + ["127.0.0.1 8080 127.0.0.1 40004"],
         report, ["missing: TIME_WAIT socket 127.0.0.1:8080 (peer 127.0.0.1:40004)"]),
        ("socket on an unknown 4-tuple", good + ["127.0.0.1 8080 127.0.0.1 49999"],
         report, ["missing: TIME_WAIT socket 127.0.0.1:8080 (peer 127.0.0.1:49999): no connection"]),
        ("superseded connection's side", [l for l in good if l != "127.0.0.1 40001 127.0.0.1 8080"]
         + ["127.0.0.1 8080 127.0.0.1 40001"], report,
         ["missing: TIME_WAIT socket 127.0.0.1:8080 (peer 127.0.0.1:40001) is the server of connection 6",
          "extra: connection 6 "]),
        ("wrong side", good, {"connections": report["connections"][:-1]
                              + [_conn(7, V6c, V6s, "client")]},
         ["missing: TIME_WAIT socket [::1]:8080", "extra: connection 7 "]),
        ("pending is not TIME-WAIT", good + ["127.0.0.1 40005 127.0.0.1 8080"],
         report, ["missing: TIME_WAIT socket 127.0.0.1:40005"]),
    ]
    t = reportlib.SelfTest(32)
    for name, tw_lines, rep, expect in cases:
        problems, matched = check(rep, read_timewait(tw_lines, name))
        t.problems(name, problems, expect, name != "consistent" or matched == 5)
    # --ports filter: with only port 9 no connection counts, so every socket
    # is unexplained
    p, _ = check(report, read_timewait(good), ports={9})
    t.result("--ports filter", len(p) == 5 and all(x.startswith("missing:") for x in p))
    return t.end()


def run(paths, ports):
    report = reportlib.load_json(paths[0])
    with open(paths[1]) as f:
        timewait = read_timewait(f, paths[1])
    problems, matched = check(report, timewait, ports)
    return problems, "%d TIME_WAIT sockets matched" % matched


def main(argv):
    return reportlib.main(argv, __doc__, "check_timewait", self_test, run)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
