#!/usr/bin/python3
"""Bounded real TCP traffic on 127.0.0.1 for the hsanalyze live tests.

usage: traffic.py [options] FRONT_PORT BACK_PORT [SIM_PORT]

FRONT_PORT is the nginx front (reverse proxy) and BACK_PORT its backend, as
started by servers.sh.  Connection types, all to the front unless noted:

  http10     GET / HTTP/1.0; nginx answers and closes first, the client reads
             to EOF and closes            -> TIME-WAIT on the server (front)
  keepalive  several HTTP/1.1 requests on one connection, then the client
             closes first                 -> TIME-WAIT on the client
  halfclose  GET /big HTTP/1.1 then shutdown(SHUT_WR) at once; the client
             keeps reading the response until EOF (data flows after its FIN),
             then closes                  -> TIME-WAIT on the client
  rst        abortive close (SO_LINGER on, timeout 0, close()) right after
             sending a request (rst-immediate) and after reading a complete
             response (rst-after-response) -> no TIME-WAIT
  simclose   two sockets of our own (a listener on SIM_PORT and a client)
             that both call shutdown(SHUT_WR) at the same moment from two
             processes, so the FINs cross   -> TIME-WAIT on both sides

Every request to the front also makes one front->backend connection; nginx
does not keep upstream connections alive by default, so the backend closes
those first (TIME-WAIT on the backend side, local port BACK_PORT).

Simultaneous close cannot be forced on loopback (a FIN is delivered to the
peer inside the sender's own system call), so it is a race: each attempt
forks a process that shuts one end down while this process shuts the other
down, then checks /proc/net/tcp for two TIME-WAIT sockets on that 4-tuple.
Attempts that lose the race are ordinary closes and stay in the traffic.
Up to --sim-attempts attempts are made until --sim successes.  Without
SIM_PORT a free port is used (not covered by make_real_capture.sh's filter).

Prints one summary line; exits 1 if any request failed or fewer than --sim
simultaneous closes succeeded (unless --sim-optional).
"""

import argparse
import mmap
import os
import socket
import struct
import sys
import time

HOST = "127.0.0.1"
TIMEOUT = 5.0


class Failure(Exception):
    pass


def connect(port):
    s = socket.create_connection((HOST, port), timeout=TIMEOUT)
    s.settimeout(TIMEOUT)
    return s


def request(path, version, host="hsanalyze-test"):
    return ("GET %s HTTP/%s\r\nHost: %s\r\nUser-Agent: hsanalyze-traffic\r\n\r\n"
            % (path, version, host)).encode()


def read_response(s, buf=b""):
    """Reads one response with a Content-Length body.  Returns
    (status, headers, body, leftover)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise Failure("EOF inside response header")
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "content-length" not in headers:
        raise Failure("response without Content-Length: %r" % lines[0])
    n = int(headers["content-length"])
    while len(rest) < n:
        d = s.recv(65536)
        if not d:
            raise Failure("EOF inside response body (%d of %d)" % (len(rest), n))
        rest += d
    return status, headers, rest[:n], rest[n:]


def read_to_eof(s):
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            return buf
        buf += d


def expect_ok(status, what):
    if status != 200:
        raise Failure("%s: HTTP status %d" % (what, status))


# --- connection types -----------------------------------------------------

def http10(front):
    """Server closes first."""
    s = connect(front)
    s.sendall(request("/", "1.0"))
    data = read_to_eof(s)            # nginx closes after the response
    s.close()
    status, _, body, _ = read_response(_Buf(data))
    expect_ok(status, "http10")
    return len(body)


class _Buf:
    """Minimal recv() over bytes already read."""
    def __init__(self, data):
        self.data = data

    def recv(self, n):
        d, self.data = self.data[:n], self.data[n:]
        return d


def keepalive(front, nreq):
    """Several HTTP/1.1 requests, then the client closes first."""
    s = connect(front)
    left = b""
    for i in range(nreq):
        s.sendall(request("/ka%d" % i, "1.1"))
        status, headers, _, left = read_response(s, left)
        expect_ok(status, "keepalive")
        if headers.get("connection", "").lower() == "close":
            raise Failure("keepalive: server sent Connection: close")
    s.close()                        # client FIN first, nginx is idle
    return nreq


def halfclose(front):
    """Request, then SHUT_WR at once; read /big until EOF, then close."""
    s = connect(front)
    s.sendall(request("/big", "1.1"))
    s.shutdown(socket.SHUT_WR)       # our FIN goes out before the response
    data = read_to_eof(s)            # nginx answers, sees our FIN, closes
    s.close()
    status, _, body, _ = read_response(_Buf(data))
    expect_ok(status, "halfclose")
    return len(body)


def abort(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()                        # RST, no FIN


def rst_immediate(front):
    s = connect(front)
    s.sendall(request("/rst-now", "1.1"))
    abort(s)


def rst_after_response(front):
    s = connect(front)
    s.sendall(request("/rst-after", "1.1"))
    status, _, _, _ = read_response(s)
    expect_ok(status, "rst-after-response")
    abort(s)


# --- simultaneous close ---------------------------------------------------

def timewait_sides(port_a, port_b):
    """Local ports of the TIME-WAIT sockets between 127.0.0.1:port_a and
    127.0.0.1:port_b (port_a: the client side, port_b: the listener side)."""
    sides = []
    want = {port_a, port_b}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            fields = line.split()
            if fields[3] != "06":    # TCP_TIME_WAIT
                continue
            lp = int(fields[1].split(":")[1], 16)
            rp = int(fields[2].split(":")[1], 16)
            if {lp, rp} == want:
                sides.append(lp)
    return sides


NOW = time.perf_counter_ns          # CLOCK_MONOTONIC: same clock on all CPUs


def spin_flag(shm, idx, timeout_ns=2_000_000_000):
    deadline = NOW() + timeout_ns
    while not shm[idx]:
        if NOW() > deadline:
            return False
    return True


def spin_until(t_ns):
    while NOW() < t_ns:
        pass


def simclose_attempt(listener, sim_port, lead_ns):
    """One attempt: this process shuts the client end down at time T, a
    forked child shuts the accepted end down at T - lead_ns (both spin on
    the monotonic clock).  Returns the local ports that ended in TIME-WAIT:
    both ports on success."""
    a = connect(sim_port)
    b, _ = listener.accept()
    b.settimeout(TIMEOUT)
    a_port = a.getsockname()[1]
    a.sendall(b"ping\n")             # some data each way so it is a real flow
    if b.recv(16) != b"ping\n":
        raise Failure("simclose: bad ping")
    b.sendall(b"pong\n")
    if a.recv(16) != b"pong\n":
        raise Failure("simclose: bad pong")

    shm = mmap.mmap(-1, 16)          # [0] go, [1] child ready, [8:16] T
    pid = os.fork()
    if pid == 0:                     # child: owns b
        code = 1
        try:
            a.close()
            listener.close()
            try:
                os.sched_setaffinity(0, {1})
            except OSError:
                pass
            shm[1] = 1
            if spin_flag(shm, 0):
                spin_until(struct.unpack("q", shm[8:16])[0])
                b.shutdown(socket.SHUT_WR)
                read_to_eof(b)
                code = 0
            b.close()
        finally:
            os._exit(code)
    b.close()
    try:
        ready = spin_flag(shm, 1)
        t = NOW() + 300_000
        shm[8:16] = struct.pack("q", t - lead_ns)
        shm[0] = 1
        if ready:
            spin_until(t)
            a.shutdown(socket.SHUT_WR)
            read_to_eof(a)
    finally:
        a.close()
        _, status = os.waitpid(pid, 0)
    if status != 0:
        raise Failure("simclose: child failed")
    # The final ACKs are delivered on loopback within the close() calls;
    # allow a moment anyway.
    for _ in range(20):
        sides = timewait_sides(a_port, sim_port)
        if len(sides) == 2:
            break
        time.sleep(0.001)
    return a_port, sim_port, sides


def simclose(sim_port, want, attempts):
    """Up to `attempts` tries for `want` simultaneous closes.  The child's
    lead time is steered by who lost: if only the client end is in
    TIME-WAIT the client's FIN got there first, so the child must start
    earlier, and the other way round."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, sim_port))
    listener.listen(8)
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]
    ok = tried = 0
    lead, step = 9_000, 3_000        # ns; tuned on a 2-CPU VM, then steered
    old_aff = None
    try:
        aff = os.sched_getaffinity(0)
        if len(aff) >= 2 and {0, 1} <= aff:
            old_aff = aff
            os.sched_setaffinity(0, {0})
    except OSError:
        old_aff = None
    try:
        while ok < want and tried < attempts:
            tried += 1
            a_port, b_port, sides = simclose_attempt(listener, port, lead)
            if len(sides) == 2:
                ok += 1
            elif sides == [a_port]:  # client closed first: child earlier
                lead += step
            elif sides == [b_port]:  # child closed first: child later
                lead -= step
            if tried % 4 == 0:
                step = max(1_000, step * 2 // 3)
    finally:
        listener.close()
        if old_aff is not None:
            os.sched_setaffinity(0, old_aff)
    return ok, tried


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [options] FRONT_PORT BACK_PORT [SIM_PORT]")
    ap.add_argument("front", type=int)
    ap.add_argument("back", type=int)
    ap.add_argument("sim_port", type=int, nargs="?", default=0,
                    help="port for the simultaneous-close pair (0: any)")
    ap.add_argument("--http10", type=int, default=4)
    ap.add_argument("--keepalive", type=int, default=3,
                    help="keep-alive connections (client closes)")
    ap.add_argument("--requests", type=int, default=3,
                    help="requests per keep-alive connection")
    ap.add_argument("--halfclose", type=int, default=2)
    ap.add_argument("--rst", type=int, default=1,
                    help="connections of each RST variant")
    ap.add_argument("--sim", type=int, default=1,
                    help="simultaneous closes wanted (0: none)")
    ap.add_argument("--sim-attempts", type=int, default=20)
    ap.add_argument("--sim-optional", action="store_true",
                    help="do not fail when the simultaneous close race is lost")
    args = ap.parse_args()

    t0 = time.monotonic()
    done = []
    try:
        body = 0
        for _ in range(args.http10):
            body += http10(args.front)
        done.append("http10=%d" % args.http10)
        for _ in range(args.keepalive):
            keepalive(args.front, args.requests)
        done.append("keepalive=%d(x%d req)" % (args.keepalive, args.requests))
        hb = 0
        for _ in range(args.halfclose):
            hb += halfclose(args.front)
        done.append("halfclose=%d(%d body bytes)" % (args.halfclose, hb))
        for _ in range(args.rst):
            rst_immediate(args.front)
            rst_after_response(args.front)
        done.append("rst=%d+%d(immediate+after-response)" % (args.rst, args.rst))
        upstream = (args.http10 + args.keepalive * args.requests
                    + args.halfclose + 2 * args.rst)
        done.append("front->back<=%d" % upstream)
        sim_ok, sim_tried = 0, 0
        if args.sim > 0:
            sim_ok, sim_tried = simclose(args.sim_port, args.sim, args.sim_attempts)
            done.append("simclose=%d/%d attempts" % (sim_ok, sim_tried))
    except (OSError, Failure) as e:
        print("traffic: FAILED after %s: %s" % (" ".join(done) or "nothing", e),
              file=sys.stderr)
        return 1
    print("traffic: %s in %.2fs" % (" ".join(done), time.monotonic() - t0))
    if args.sim > 0 and sim_ok < args.sim and not args.sim_optional:
        print("traffic: simultaneous close race lost %d times" % sim_tried,
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
