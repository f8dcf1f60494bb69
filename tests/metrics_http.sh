#!/bin/sh
# metrics_http.sh - hsanalyze -i lo --metrics-listen and --metrics-file, in a
# network namespace of its own: what the metrics server answers to good and
# bad requests over real sockets (200 in both formats, HEAD, 404, 405, 400
# for garbage and for an endless head, connections past the limit turned
# away, a silent client timed out), that it listens on 127.0.0.1 when given
# only a port, that the page and the file pass `promtool check metrics`, and
# that SIGHUP prints the status line without stopping the capture, and
# that they count 10 handshakes made by a client of this test (and the
# file, at the end, 10 connections closed with FINs).  Clients that close
# once they have the answer's Content-Length bytes hold the TIME-WAIT (ss:
# none on the server's port; tcp_tw_reuse 0, so that no new connection
# takes over a TIME-WAIT before it is counted); one that waits for the
# server to close is closed after 1 s.  Needs root
# (skipped, 77, without it).  The SIGHUP case runs, on a port of its own,
# while the metrics server is tried.  About 8 s.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
live=$srcdir/tests/live
test_name=metrics_http
. "$live/testlib.sh"
. "$live/netns.sh"
netns_enter net.ipv4.tcp_tw_reuse=0 -- "$@"
[ -x "$PY" ] || skip "no $PY"
work_dir -k /tmp/hsa-metrics-http.XXXXXX

M=9813 T=8080 U=8081

# Usage errors first (exit 2), and a server that cannot start (exit 1).
"$H" -r "$srcdir/tests/pcaps/real_nginx_proxy.pcap" --metrics-listen $M >/dev/null 2>"$work/e1"
[ $? = 2 ] && grep -q 'are for live capture' "$work/e1" && ok "--metrics-listen with -r: usage error (2)" ||
	{ bad "--metrics-listen with -r"; show "$work/e1" stderr; }
"$H" -i lo --metrics-file "$work/x.prom" >/dev/null 2>"$work/e2"
[ $? = 2 ] && grep -q 'every --interval' "$work/e2" && ok "--metrics-file without --interval: usage error (2)" ||
	{ bad "--metrics-file without --interval"; show "$work/e2" stderr; }
"$H" -i lo --metrics-listen 'a:b:c' >/dev/null 2>"$work/e3"
[ $? = 1 ] && [ "$(cat "$work/e3")" = "hsanalyze: --metrics-listen a:b:c: not PORT, ADDRESS:PORT or [IPV6]:PORT" ] &&
	ok "a bad listen address: one line, exit 1" || { bad "bad listen address"; show "$work/e3" stderr; }

# SIGHUP: the status line at once, the capture goes on to its report.
# hup_case prints "ok TEXT" and "bad TEXT" lines; it runs in the background,
# on a port without traffic, while the metrics server is tried.
hup_case() {
	"$H" -i lo --duration 2 tcp port $U >"$work/hup.out" 2>"$work/hup.err" &
	hup_pid=$!
	if wait_listening "$hup_pid" "$work/hup.err"; then
		kill -HUP "$hup_pid"
		sleep 0.5
		lines=$(grep -c 'packets .*, open .*, handshakes/s' "$work/hup.err")
		kill -0 "$hup_pid" 2>/dev/null && [ "$lines" = 1 ] &&
			echo "ok SIGHUP: one status line, still capturing" ||
			{ echo "bad SIGHUP: $lines status lines"; show "$work/hup.err" stderr; }
		stop_pid "$hup_pid" - 5
		[ "$status" = 0 ] && grep -q . "$work/hup.out" && echo "ok after SIGHUP: the report at the end, exit 0" ||
			echo "bad after SIGHUP: exit $status"
	else
		echo "bad hsanalyze for SIGHUP did not start"
	fi
}
hup_case >"$work/hup.checks" 2>&1 &
hup_case_pid=$!
trap 'kill $hup_case_pid 2>/dev/null; _tl_cleanup' EXIT

"$H" -i lo --metrics-listen $M --metrics-file "$work/m.prom" --interval 0.5 \
    tcp port $T >"$work/run.out" 2>"$work/run.err" &
bg_pid=$!
wait_listening "$bg_pid" "$work/run.err" || { bad "hsanalyze did not start"; show "$work/run.err" stderr; finish; }

"$H" -i lo --metrics-listen $M >/dev/null 2>"$work/e4" &
p2=$!
stop_pid "$p2" - 5
[ "$status" = 1 ] && grep -q "^hsanalyze: --metrics-listen $M: Address already in use$" "$work/e4" &&
	ok "a port in use: one line, exit 1" || { bad "port in use ($status)"; show "$work/e4" stderr; }

[ "$(ss -ltnH "sport = :$M" | awk '{print $4}')" = "127.0.0.1:$M" ] &&
	ok "listens on 127.0.0.1:$M only" || bad "listening: $(ss -ltnH "sport = :$M")"

"$PY" - "$M" "$T" "$work" >"$work/checks" 2>"$work/py.err" <<'EOF_PY'
import socket, sys, threading, time
M, T, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def say(good, text):
    print(("ok " if good else "bad ") + text)

def split(resp):
    head, _, body = resp.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdr = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdr[k.strip().lower()] = v.strip()
    return lines[0], hdr, body

# As an HTTP client does: read the head, then Content-Length bytes (none
# after HEAD), then close.  The server must not have closed first.
def exchange(data, timeout=8.0, head=False):
    s = socket.create_connection(("127.0.0.1", M))
    s.settimeout(timeout)
    s.sendall(data)
    got = b""
    while b"\r\n\r\n" not in got:
        b = s.recv(65536)
        if not b:
            break
        got += b
    h = split(got)[1]
    want = 0 if head else int(h.get("content-length", 0))
    while len(got.partition(b"\r\n\r\n")[2]) < want:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return got

# Ten handshakes to a listener of our own, each closed by the client.
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", T))
srv.listen(16)
def serve():
    for _ in range(10):
        c, _ = srv.accept()
        c.recv(10)
        c.close()
threading.Thread(target=serve, daemon=True).start()
for _ in range(10):
    c = socket.create_connection(("127.0.0.1", T))
    c.sendall(b"hi")
    time.sleep(0.01)
    c.close()
# The capture reads the kernel's buffer a block at a time, at most 100 ms
# after a packet came (hsanalyze(1), -i): the last handshakes are counted
# once that delay has passed.
time.sleep(0.3)

st, h, body = split(exchange(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"))
say(st == "HTTP/1.1 200 OK", "GET /metrics: %s" % st)
say(h.get("content-type") == "text/plain; version=0.0.4; charset=utf-8",
    "text format content type: %s" % h.get("content-type"))
say(int(h.get("content-length", -1)) == len(body), "Content-Length matches the body (%d)" % len(body))
say(b"\nhsanalyze_handshakes_completed_total 10\n" in body,
    "page: hsanalyze_handshakes_completed_total 10")
open(work + "/page.txt", "wb").write(body)

st, h, body = split(exchange(b"GET /metrics HTTP/1.1\r\nAccept: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n"))
say(st == "HTTP/1.1 200 OK" and h.get("content-type") ==
    "application/openmetrics-text; version=1.0.0; charset=utf-8" and body.endswith(b"\n# EOF\n"),
    "OpenMetrics when asked: %s, ends with # EOF" % h.get("content-type"))

st, h, body = split(exchange(b"HEAD /metrics HTTP/1.0\r\n\r\n", head=True))
say(st == "HTTP/1.1 200 OK" and int(h["content-length"]) > 0 and body == b"",
    "HEAD: 200, a length, no body")
st, h, body = split(exchange(b"GET /metricsx HTTP/1.1\r\n\r\n"))
say(st == "HTTP/1.1 404 Not Found", "GET /metricsx: %s" % st)
st, h, body = split(exchange(b"POST /metrics HTTP/1.1\r\n\r\n"))
say(st == "HTTP/1.1 405 Method Not Allowed" and h.get("allow") == "GET, HEAD",
    "POST: %s, Allow: %s" % (st, h.get("allow")))
st, h, body = split(exchange(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n"))
say(st == "HTTP/1.1 400 Bad Request", "binary garbage: %s" % st)
st, h, body = split(exchange(b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 5000))
say(st == "HTTP/1.1 400 Bad Request", "a 5000-byte head: %s" % st)

# The client closed first every time: the 7 TIME-WAITs are on its side,
# none on the server's port.
import subprocess
def time_waits(f):
    out = subprocess.run(["ss", "-tanH", "state", "time-wait", f],
                         capture_output=True, text=True).stdout
    return len(out.splitlines())
# The server closes once its loop sees the last client's FIN: until then
# that client waits in FIN-WAIT-2 (at most 3 s here).
for _ in range(30):
    srv_tw = time_waits("( sport = :%d )" % M)
    cli_tw = time_waits("( dport = :%d )" % M)
    if cli_tw + srv_tw >= 7:
        break
    time.sleep(0.1)
say(srv_tw == 0 and cli_tw == 7,
    "7 answers, the clients closed first: TIME-WAIT %d on their side, %d on the server's" % (cli_tw, srv_tw))
# A client that reads until the server closes: closed after 1 s.
s = socket.create_connection(("127.0.0.1", M))
s.settimeout(8)
t0 = time.time()
s.sendall(b"GET /metrics HTTP/1.1\r\n\r\n")
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
dt = time.time() - t0
s.close()
st, h, body = split(got)
say(st == "HTTP/1.1 200 OK" and len(body) == int(h["content-length"]) and 0.9 <= dt <= 2.5,
    "a client waiting for the server to close: the whole answer, closed after %.1f s (1 s)" % dt)

# Eight silent connections take every slot: a ninth is closed at once.
idle = [socket.create_connection(("127.0.0.1", M)) for _ in range(8)]
time.sleep(0.3)
extra = socket.create_connection(("127.0.0.1", M))
extra.settimeout(3)
t0 = time.time()
try:
    gone = extra.recv(10) == b""
except (ConnectionResetError, socket.timeout):
    gone = False
say(gone and time.time() - t0 < 1.5, "a ninth connection is closed at once")
# The silent ones are closed after the 5 s timeout.
idle[0].settimeout(8)
t0 = time.time()
try:
    closed = idle[0].recv(10) == b""
except ConnectionResetError:
    closed = True
dt = time.time() - t0
say(closed and 4.0 <= dt + 0.3 <= 7.0, "a silent client is closed after %.1f s (5 s)" % (dt + 0.3))
for s in idle:
    s.close()
time.sleep(0.2)
st, h, body = split(exchange(b"GET /metrics HTTP/1.1\r\n\r\n"))
say(st == "HTTP/1.1 200 OK", "answers again once they are gone: %s" % st)
EOF_PY
relay_checks "$work/checks" echo
show "$work/py.err" python

if command -v promtool >/dev/null 2>&1; then
	promtool check metrics <"$work/page.txt" >"$work/lint1" 2>&1 &&
		ok "promtool check metrics: the page" || { bad "promtool: page"; show "$work/lint1" promtool; }
	promtool check metrics <"$work/m.prom" >"$work/lint2" 2>&1 &&
		ok "promtool check metrics: the file" || { bad "promtool: file"; show "$work/lint2" promtool; }
else
	bad "no promtool (package prometheus, scripts/setup-debian.sh)"
fi
grep -q '^hsanalyze_handshakes_completed_total 10$' "$work/m.prom" &&
	ok "metrics file, while running: 10 handshakes" ||
	{ bad "metrics file while running"; grep '^hsanalyze_hand' "$work/m.prom"; }
stop_pid "$bg_pid" TERM 5 && [ "$status" = 0 ] && ok "SIGTERM: exit 0" || bad "exit status $status"
bg_pid=''
wait $hup_case_pid
hup_case_pid=''
relay_checks "$work/hup.checks" echo
# The tracker reports connections on the capture's clock; at the end it
# reports them all, and the file is written once more.
grep -q '^hsanalyze_connections_total{handshake="complete",close="fin"} 10$' "$work/m.prom" &&
	ok "metrics file at the end: 10 connections complete/fin" ||
	{ bad "metrics file counts at the end"; grep '^hsanalyze_conn.*} [1-9]' "$work/m.prom"; }
finish
