#!/usr/bin/python3
"""Client-closes-first traffic on 127.0.0.1 for the live tests that watch
TIME-WAIT build up on the client (metrics_findings_live.sh,
report_interim.sh), run inside the test's network namespace.

usage: closer_traffic.py PORT TICK_PORT COUNT TICK_SECONDS

Serves PORT (reads a request, answers "ok", waits for the client's FIN and
closes) and connects to it COUNT times, the client closing first each time
(TIME-WAIT on the client); COUNT "all" goes on until connect() fails with
EADDRNOTAVAIL (the port range is spent).  Then one connection of its own to
TICK_PORT sends a byte every 100 ms for at most TICK_SECONDS, so that a
capture's clock keeps moving after the traffic; the test stops it sooner.
One line on standard output says how many connections were made.
"""

import errno
import socket
import sys
import threading
import time

HOST = '127.0.0.1'
TICK = 0.1


def listen(port, serve):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((HOST, port))
    s.listen(64)
    threading.Thread(target=serve, args=(s,), daemon=True).start()


def answer(s):
    while True:
        c, _ = s.accept()
        c.recv(10)
        c.send(b'ok')
        c.recv(10)              # the client's FIN
        c.close()


def sink(s):
    c, _ = s.accept()
    while c.recv(100):
        pass


def main():
    if len(sys.argv) != 5:
        print(__doc__.split('\n\n')[1], file=sys.stderr)
        return 2
    port, tick_port = int(sys.argv[1]), int(sys.argv[2])
    count = None if sys.argv[3] == 'all' else int(sys.argv[3])
    tick_seconds = float(sys.argv[4])
    listen(port, answer)
    listen(tick_port, sink)
    n = 0
    while count is None or n < count:
        try:
            c = socket.create_connection((HOST, port))
        except OSError as e:
            if count is not None or e.errno != errno.EADDRNOTAVAIL:
                raise
            break
        c.send(b'hi')
        c.recv(10)
        c.close()               # the client closes first
        n += 1
    print('to port %d: %d connections%s' % (
        port, n, ', then EADDRNOTAVAIL' if count is None else ''), flush=True)
    c = socket.create_connection((HOST, tick_port))
    for _ in range(int(tick_seconds / TICK)):
        c.send(b'.')
        time.sleep(TICK)
    return 0


if __name__ == '__main__':
    sys.exit(main())
