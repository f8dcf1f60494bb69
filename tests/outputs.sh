#!/bin/sh
# outputs.sh - outputs never destroy anything: devices, FIFOs, descriptors
# and symbolic links are written through, never replaced; on any failure
# (no such connection, a full device, a signal, an output naming the input)
# nothing at the output's name changes and no temporary file is left; a
# closed pipe stops the run at the first failed write.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
GEN=${GEN_TRACE:-./bench/gen_trace}
P=$srcdir/tests/pcaps
C=$P/client_close.pcap
test_name=outputs
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

PYTHON3=${PYTHON3:-python3}
"$GEN" -n 20000 -o "$work/big.pcap" >/dev/null 2>&1 || bad "gen_trace"
size=$(wc -c <"$work/big.pcap")

# The text report of client_close.pcap, to compare outputs with.
"$H" -r "$C" >"$work/want.txt" || bad "reference report: exit $?"

# leftovers DIR: the temporary files left in DIR (none expected).
leftovers() { find "$1" -name '*.??????' | wc -l; }

# --- character devices are written, never replaced (this replaced /dev/null
# with a regular file when run as root)
"$H" -r "$C" -o /dev/null 2>"$work/err"
rc=$?
[ $rc = 0 ] && [ -c /dev/null ] && [ ! -s "$work/err" ] \
    && ok "-o /dev/null: exit 0, still a character device" || bad "-o /dev/null: exit $rc, $(ls -l /dev/null)"
"$H" -r "$C" -o /dev/full 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ -c /dev/full ] && grep -qx "hsanalyze: /dev/full: cannot write the report: No space left on device" "$work/err" \
    && ok "-o /dev/full: exit 1, No space left on device, still a device" || { bad "-o /dev/full: exit $rc, $(ls -l /dev/full)"; show "$work/err" stderr; }
"$H" -r "$C" -w /dev/full -o "$work/r.txt" 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ ! -e "$work/r.txt" ] && [ "$(leftovers "$work")" = 0 ] \
    && grep -qx "hsanalyze: /dev/full: cannot write the packets: No space left on device" "$work/err" \
    && ok "-w /dev/full: exit 1, No space left on device, no report" || { bad "-w /dev/full: exit $rc"; show "$work/err" stderr; }

# --- descriptors: /dev/stdout, /dev/fd/N (what >(cmd) expands to)
"$H" -r "$C" -o /dev/stdout >"$work/stdout.txt" 2>"$work/err"
rc=$?
[ $rc = 0 ] && cmp -s "$work/stdout.txt" "$work/want.txt" \
    && ok "-o /dev/stdout: the report on standard output" || bad "-o /dev/stdout: exit $rc"
"$H" -r "$C" -o /dev/fd/3 3>"$work/fd3.txt" 2>"$work/err"
rc=$?
[ $rc = 0 ] && cmp -s "$work/fd3.txt" "$work/want.txt" \
    && ok "-o /dev/fd/3: the report on descriptor 3" || bad "-o /dev/fd/3: exit $rc"
"$H" -r "$C" -o /dev/fd/3 3>&1 | cat >"$work/fd3pipe.txt"
cmp -s "$work/fd3pipe.txt" "$work/want.txt" \
    && ok "-o /dev/fd/3 onto a pipe (as >(cmd))" || bad "-o /dev/fd/3 onto a pipe"

# --- a FIFO: its reader gets the report, the FIFO stays
mkfifo "$work/fifo"
cat "$work/fifo" >"$work/fifo.txt" &
reader=$!
"$H" -r "$C" -o "$work/fifo" 2>"$work/err"
rc=$?
wait $reader
[ $rc = 0 ] && [ -p "$work/fifo" ] && cmp -s "$work/fifo.txt" "$work/want.txt" \
    && ok "-o FIFO: the reader gets the report, still a FIFO" || bad "-o FIFO: exit $rc"

# --- symbolic links: the target is replaced, the link stays
echo old >"$work/target.txt"
chmod 640 "$work/target.txt"
ln -s target.txt "$work/link.txt"
"$H" -r "$C" -o "$work/link.txt" 2>"$work/err"
rc=$?
[ $rc = 0 ] && [ -L "$work/link.txt" ] && cmp -s "$work/target.txt" "$work/want.txt" \
    && [ "$(stat -c %a "$work/target.txt")" = 640 ] \
    && ok "-o symlink to a file: target replaced, mode 640 kept, link kept" || bad "-o symlink: exit $rc, $(ls -l "$work")"
ln -s /dev/null "$work/null-link"
"$H" -r "$C" -o "$work/null-link" 2>"$work/err"
rc=$?
[ $rc = 0 ] && [ -L "$work/null-link" ] && [ -c /dev/null ] \
    && ok "-o symlink to /dev/null: written through" || bad "-o symlink to /dev/null: exit $rc"
ln -s nowhere/x "$work/dangling"
"$H" -r "$C" -o "$work/dangling" 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ -L "$work/dangling" ] && grep -qx "hsanalyze: $work/dangling: cannot write the report: a symbolic link to nothing (not followed)" "$work/err" \
    && ok "-o dangling symlink: refused" || { bad "-o dangling symlink: exit $rc"; show "$work/err" stderr; }
"$H" -r "$C" -o "$work" 2>"$work/err"
rc=$?
[ $rc = 1 ] && grep -qx "hsanalyze: $work: cannot write the report: Is a directory" "$work/err" \
    && ok "-o directory: refused" || { bad "-o directory: exit $rc"; show "$work/err" stderr; }

# --- failures leave the old report as it was
echo "the old report" >"$work/keep.txt"
"$H" -r "$C" --ladder 999 -o "$work/keep.txt" 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ "$(cat "$work/keep.txt")" = "the old report" ] && [ "$(leftovers "$work")" = 0 ] \
    && ok "--ladder 999 -o OLD: exit 1, OLD unchanged" || bad "--ladder 999: exit $rc, OLD now: $(head -c 60 "$work/keep.txt")"
"$H" -r "$P/empty.pcap" --ladder -o "$work/keep.txt" 2>/dev/null
"$H" -r "$P/linktype_unsupported.pcap" -o "$work/keep.txt" 2>/dev/null
[ "$(cat "$work/keep.txt")" = "the old report" ] && [ "$(leftovers "$work")" = 0 ] \
    && ok "unreadable captures: OLD unchanged" || bad "unreadable captures changed OLD"

# --- an output naming the input, or two outputs one file
cp "$C" "$work/in.pcap"
"$H" -r "$work/in.pcap" -o "$work/in.pcap" 2>"$work/err"
rc=$?
[ $rc = 1 ] && cmp -s "$work/in.pcap" "$C" \
    && grep -qx "hsanalyze: $work/in.pcap: is the capture being read; refusing to write the report over it" "$work/err" \
    && ok "-o naming the -r input: refused, capture intact" || { bad "-o = -r: exit $rc"; show "$work/err" stderr; }
ln "$work/in.pcap" "$work/hardlink.pcap"
"$H" -r "$work/in.pcap" -w "$work/hardlink.pcap" 2>"$work/err" >/dev/null
rc=$?
[ $rc = 1 ] && cmp -s "$work/in.pcap" "$C" && grep -q "is the capture being read; refusing to write the packets over it" "$work/err" \
    && ok "-w naming the input by another link: refused" || { bad "-w = -r (hard link): exit $rc"; show "$work/err" stderr; }
"$H" -r "$C" -o "$work/both" -w "$work/./both" 2>"$work/err"
rc=$?
[ $rc = 1 ] && [ ! -e "$work/both" ] && grep -q "would receive both the report and the packets" "$work/err" \
    && ok "-o and -w one new file: refused" || { bad "-o = -w: exit $rc"; show "$work/err" stderr; }
"$H" -r "$C" -w - >"$work/out" 2>"$work/err"
rc=$?
[ $rc = 2 ] && [ ! -s "$work/out" ] \
    && grep -q "^hsanalyze: -w - and the report would both go to standard output: give the report a file with -o" "$work/err" \
    && ok "-w - with the report on standard output: usage error" || { bad "-w -: exit $rc"; show "$work/err" stderr; }
"$H" -r "$C" -w - -o "$work/w.txt" >"$work/w-packets" 2>"$work/err"
rc=$?
[ $rc = 0 ] && cmp -s "$work/w.txt" "$work/want.txt" && [ "$(od -An -tx1 -N4 "$work/w-packets" | tr -d ' ')" = 0a0d0d0a ] \
    && ok "-w - -o FILE: packets (pcapng) on standard output, report in FILE" || bad "-w - -o FILE: exit $rc"

# --- signals while reading a file: exit at once, old report unchanged, no
# temporary file (one was left, 24 MB, before).  The capture never ends: it
# comes from a pipe kept open after 19 MB.
for sig in INT TERM; do
	mkfifo "$work/feed-$sig"
	{ cat "$work/big.pcap"; sleep 30; } >"$work/feed-$sig" &
	feeder=$!
	"$H" -r "$work/feed-$sig" -o "$work/keep.txt" -w "$work/saved.pcap" 2>"$work/err" &
	pid=$!
	n=0
	while [ "$(leftovers "$work")" != 2 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
	[ "$(leftovers "$work")" = 2 ] || bad "SIG$sig: the two temporary files never appeared"
	kill -"$sig" $pid
	wait $pid
	rc=$?
	kill $feeder 2>/dev/null
	want=130
	[ $sig = TERM ] && want=143
	[ $rc = $want ] && [ "$(cat "$work/keep.txt")" = "the old report" ] && [ ! -e "$work/saved.pcap" ] \
	    && [ "$(leftovers "$work")" = 0 ] \
	    && ok "SIG$sig while reading: exit $want, no temporary file, old report kept" \
	    || { bad "SIG$sig while reading: exit $rc (want $want), $(leftovers "$work") temporary files"; ls -l "$work"; }
done

# --- a signal once the outputs are being put in place changes nothing: the
# run was not stopped, it exits 0 with every output in place.  SIGINT comes
# from tests/fault_inject.so right after rename() put the named file in
# place: the -w file (committed first), or the report (last).  Before, the
# signal exited 130 ("no output was written") after that rename.
FI=${FAULT_INJECT:-./tests/fault_inject.so}
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS
"$H" -r "$C" -w "$work/want.pcap" >/dev/null || bad "reference -w: exit $?"
for name in late.pcap late.txt; do
	rm -f "$work/late.txt" "$work/late.pcap"
	HSA_SIGINT_AFTER_RENAME=$name LD_PRELOAD=$FI "$H" -r "$C" -o "$work/late.txt" -w "$work/late.pcap" 2>"$work/err"
	rc=$?
	[ $rc = 0 ] && [ ! -s "$work/err" ] && cmp -s "$work/late.txt" "$work/want.txt" &&
	    cmp -s "$work/late.pcap" "$work/want.pcap" && [ "$(leftovers "$work")" = 0 ] &&
	    ok "SIGINT once $name is in place: exit 0, report and -w file whole" ||
	    { bad "SIGINT once $name is in place: exit $rc (want 0)"; show "$work/err" stderr; ls -l "$work"; }
done

# --- a closed pipe stops the run at the first failed write (SIGPIPE
# ignored), not after the whole capture: the feeder counts how much was read.
# The capture is stretched to 50 times its 2.4 s, so that connections end
# (and the connection log is written) all along, not only at the end.
"$PYTHON3" -c '
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read())
off = 24
while off + 16 <= len(d):
    sec, usec, caplen = struct.unpack_from("<III", d, off)
    t = ((sec - 1704067200) * 1000000 + usec) * 50
    struct.pack_into("<II", d, off, 1704067200 + t // 1000000, t % 1000000)
    off += 16 + caplen
open(sys.argv[2], "wb").write(d)
' "$work/big.pcap" "$work/long.pcap" || bad "stretching the capture"
# feed_closed NAME OPTIONS...: hsanalyze OPTIONS -r - fed long.pcap, its
# standard output closed after 100 bytes.
feed_closed() {
	name=$1
	shift
	(
		trap '' PIPE
		"$PYTHON3" -c '
import sys, signal
signal.signal(signal.SIGPIPE, signal.SIG_IGN)
data = open(sys.argv[1], "rb").read()
sent = 0
try:
    while sent < len(data):
        sent += sys.stdout.buffer.write(data[sent:sent + 65536])
        sys.stdout.buffer.flush()
except BrokenPipeError:
    pass
open(sys.argv[2], "w").write(str(sent))
' "$work/long.pcap" "$work/fed" | "$H" "$@" -r - 2>"$work/err" | head -c 100 >/dev/null
	)
	fed=$(cat "$work/fed" 2>/dev/null || echo "$size")
}
# (The JSON report is written at the end, in its reading order; the
# connection log is what streams.)
feed_closed ndjson --ndjson -
grep -qx "hsanalyze: standard output: cannot write the connection log: Broken pipe" "$work/err" && [ "$fed" -lt $((size / 2)) ] \
    && ok "closed pipe, --ndjson -: stopped after reading $fed of $size bytes, Broken pipe" \
    || { bad "closed pipe, --ndjson -: read $fed of $size bytes"; show "$work/err" stderr; }
feed_closed w -w - -o "$work/pipe-report.txt"
grep -qx "hsanalyze: standard output: cannot write the packets: Broken pipe" "$work/err" && [ "$fed" -lt $((size / 2)) ] \
    && [ ! -e "$work/pipe-report.txt" ] \
    && ok "closed pipe, -w -: stopped after reading $fed of $size bytes, Broken pipe, no report" \
    || { bad "closed pipe, -w -: read $fed of $size bytes"; show "$work/err" stderr; }

finish
