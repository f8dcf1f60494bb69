#!/bin/sh
# ndjson_live.sh - during a live capture the connection log keeps up without
# more traffic: a connection's line is readable, in the file (--ndjson FILE)
# and through a pipe (--ndjson -), while hsanalyze still runs, once its
# linger (4 s of quiet after the close) has passed, with the flush at most a
# second later; the line names that connection: its ports, its close and its
# Community ID, computed here from the specification.  In a network
# namespace of its own, on lo; the two cases at once, each on a server port
# of its own.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
test_name=ndjson_live
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
# shellcheck source=tests/live/netns.sh
. "$srcdir/tests/live/netns.sh"
netns_enter -- "$@"
work_dir -k

FILE_PORT=18080 PIPE_PORT=18081
# The line is due linger (4 s) + the capture's reorder slack (1 s) + one
# flush (1 s) after the close, and never before the linger; DUE_S allows a
# loaded machine 4 s more.  The poll gives up at GIVE_UP_S, so that a late
# line is told from none.
LINGER_S=4 DUE_S=10 GIVE_UP_S=20

# connect_and_wait LOG CLIENT_PORT SERVER_PORT: one connection from
# CLIENT_PORT, the client closing first, then wait for its line in LOG;
# prints ok/bad lines.
connect_and_wait() {
	"$PY" - "$1" "$2" "$3" $LINGER_S $DUE_S $GIVE_UP_S <<'EOF'
import base64, hashlib, json, socket, struct, sys, time
log, cport, sport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
linger, due, give_up = (float(a) for a in sys.argv[4:7])

def community_id(saddr, sport, daddr, dport, proto=6, seed=0):
    """Community ID v1 (github.com/corelight/community-id-spec): the
    smaller endpoint first, SHA-1 of seed, addresses, protocol, a pad
    byte and ports, in base64."""
    a, b = (socket.inet_aton(saddr), sport), (socket.inet_aton(daddr), dport)
    if b < a:
        a, b = b, a
    h = hashlib.sha1(struct.pack('>H', seed) + a[0] + b[0] +
                     struct.pack('>BBHH', proto, 0, a[1], b[1])).digest()
    return '1:' + base64.b64encode(h).decode()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', sport))
srv.listen()
cli = socket.socket()
cli.bind(('127.0.0.1', cport))
cli.connect(('127.0.0.1', sport))
acc, _ = srv.accept()
cli.sendall(b'ping')
acc.recv(4)
acc.sendall(b'pong')
cli.recv(4)
cli.close()                 # the client's FIN first
acc.recv(1)                 # end of file
acc.close()
time.sleep(0.05)            # the last ACK is on the wire
closed = time.monotonic()
line = None
while line is None and time.monotonic() - closed < give_up:
    time.sleep(0.1)
    try:
        for text in open(log):
            d = json.loads(text)
            if d.get('client', {}).get('port') == cport:
                line = d
    except FileNotFoundError:
        pass
took = time.monotonic() - closed
if line is None:
    print('bad port %d: no line within %.0f s of the close' % (cport, give_up))
    sys.exit()
print(('ok' if linger <= took <= due else 'bad') +
      ' port %d: its line came %.1f s after the close (due after the %.0f s linger, within %.0f s)'
      % (cport, took, linger, due))
want = ('connection', 1, cport, sport, 'fin', 'client',
        community_id('127.0.0.1', cport, '127.0.0.1', sport))
got = (line['type'], line['id'], line['client']['port'], line['server']['port'],
       line['close']['kind'], line['close']['time_wait'], line['community_id'])
print(('ok' if got == want else 'bad') +
      ' port %d: the line is connection 1, %d -> %d, fin, client TIME-WAIT, %s%s'
      % (cport, cport, sport, want[-1], '' if got == want else ': got %r' % (got,)))
EOF
}

# start_case NAME LOG CLIENT_PORT SERVER_PORT OUT HSANALYZE-ARGS...:
# hsanalyze in the background on SERVER_PORT's traffic, its standard output
# to OUT, its log to LOG, and the connection and the wait for its line
# (connect_and_wait) in the background too; their pids in NAME_h and
# NAME_py.
start_case() {
	name=$1 log=$2 cport=$3 sport=$4 out=$5
	shift 5
	"$H" -i lo "$@" tcp port "$sport" >"$out" 2>"$work/$name.err" &
	eval "${name}_h=$!"
	if ! wait_listening $! "$work/$name.err"; then
		bad "$name: hsanalyze did not start"; show "$work/$name.err" stderr
		eval "${name}_h=''"
		return
	fi
	connect_and_wait "$log" "$cport" "$sport" >"$work/$name.out" 2>&1 &
	eval "${name}_py=$!"
}

# end_case NAME: once its wait is over, the case's checks (hsanalyze still
# running), then SIGINT.
end_case() {
	name=$1
	eval "h=\$${name}_h py=\$${name}_py"
	[ -n "$h" ] || return
	wait "$py"
	if kill -0 "$h" 2>/dev/null; then
		relay_checks "$work/$name.out" bad "$name: "
	else
		bad "$name: hsanalyze had stopped"
	fi
	stop_pid "$h" INT 5 || bad "$name: hsanalyze did not stop on SIGINT"
	eval "${name}_h=''"
}

file_h='' file_py='' pipe_h='' pipe_py='' reader=''
trap 'kill $file_h $pipe_h $file_py $pipe_py $reader 2>/dev/null; _tl_cleanup' EXIT
start_case file "$work/file.ndjson" 41001 $FILE_PORT /dev/null \
    --ndjson "$work/file.ndjson" -o "$work/file.txt"
# The pipe: a reader copies each line to a file as soon as it arrives.
mkfifo "$work/fifo" || exit 99
"$PY" -uc 'import sys
for line in sys.stdin:
    sys.stdout.write(line)
    sys.stdout.flush()' <"$work/fifo" >"$work/pipe.ndjson" &
reader=$!
start_case pipe "$work/pipe.ndjson" 41002 $PIPE_PORT "$work/fifo" --ndjson -
end_case file
end_case pipe
wait $reader || bad "pipe: the reader failed"
reader=''
finish
