#!/bin/sh
# cli.sh - the command line and bad input: exit statuses, one-line error
# messages that name the thing and the cause, standard input, BPF filters,
# -c, -o written atomically or not at all, and the ladder drawing.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
P=$srcdir/tests/pcaps
test_name=cli
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# expect NAME STATUS STDERR-PATTERN COMMAND...: the exit status, exactly one
# line on stderr (none for status 0) matching the pattern.
expect() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" >"$work/out" 2>"$work/err"
	got=$?
	lines=$(wc -l <"$work/err")
	if [ "$got" != "$want" ]; then
		bad "$name: exit status $got, expected $want ($(head -n 1 "$work/err"))"
	elif [ "$want" = 0 ] && [ "$lines" != 0 ]; then
		bad "$name: unexpected stderr: $(cat "$work/err")"
	elif [ "$want" != 0 ] && { [ "$lines" != 1 ] || ! grep -q -- "$pat" "$work/err"; }; then
		bad "$name: stderr should be one line matching '$pat', got: $(cat "$work/err")"
	else
		ok "$name"
	fi
}

# --- usage errors: exit 2 and a hint to --help
expect "no arguments" 2 "give a capture with -r FILE.*--help" "$H"
expect "unknown option" 2 "unknown option '-x'.*--help" "$H" -x -r "$P/client_close.pcap"
expect "unknown long option" 2 "unknown option '--frobnicate'" "$H" --frobnicate -r "$P/client_close.pcap"
expect "missing value" 2 "option '-r' needs a value" "$H" -r
expect "bad count" 2 "-c needs a positive whole number, not 'ten'" "$H" -c ten -r "$P/client_close.pcap"
expect "zero count" 2 "-c needs a positive whole number, not '0'" "$H" -c 0 -r "$P/client_close.pcap"
expect "blank before count" 2 "-c needs a positive whole number, not ' 5'" "$H" -c " 5" -r "$P/client_close.pcap"
expect "bad port range" 2 "--port-range needs LOW-HIGH with 1 <= LOW <= HIGH <= 65535, not '5- 6'" "$H" --port-range "5- 6" -r "$P/client_close.pcap"
expect "port range upside down" 2 "--port-range needs LOW-HIGH.*not '6-5'" "$H" --port-range 6-5 -r "$P/client_close.pcap"
expect "port range from 0" 2 "--port-range needs LOW-HIGH.*not '0-5'" "$H" --port-range 0-5 -r "$P/client_close.pcap"
expect "port range" 0 "" "$H" --json --port-range 40000-40099 -r "$P/client_close.pcap"
grep -q '"port_range":{"low":40000,"high":40099,"size":100,"source":"option"}' "$work/out" && ok "port range in the report" || bad "port range in the report"
expect "bad ladder id" 2 "--ladder takes a connection id" "$H" --ladder=x -r "$P/client_close.pcap"
expect "json and ladder" 2 "choose one" "$H" --json --ladder -r "$P/client_close.pcap"
expect "bad max-flows" 2 "--max-flows needs a number" "$H" --max-flows 1 -r "$P/client_close.pcap"
expect "max-flows too large" 2 "^hsanalyze: --max-flows needs a number from 2 to 16777216, not '16777217'" "$H" --max-flows 16777217 -r "$P/client_close.pcap"
expect "time-wait too long" 2 "^hsanalyze: --time-wait needs seconds from 0.001 to 86400, not '1e9'" "$H" --time-wait 1e9 -r "$P/client_close.pcap"
expect "time-wait too short" 2 "^hsanalyze: --time-wait needs seconds from 0.001 to 86400, not '0.0001'" "$H" --time-wait 0.0001 -r "$P/client_close.pcap"
expect "time-wait not a number" 2 "^hsanalyze: --time-wait needs seconds from 0.001 to 86400, not 'nan'" "$H" --time-wait nan -r "$P/client_close.pcap"
expect "close-wait too long" 2 "^hsanalyze: --close-wait needs seconds from 0.001 to 86400, not '86401'" "$H" --close-wait 86401 -r "$P/client_close.pcap"
expect "interval too long" 2 "^hsanalyze: --interval needs seconds from 0.001 to 86400, not 'inf'" "$H" --interval inf -i lo
expect "duration too long" 2 "^hsanalyze: --duration needs seconds from 0.001 to 31536000, not '1e300'" "$H" --duration 1e300 -i lo
expect "time-wait at the limit" 0 "" "$H" --time-wait 86400 -r "$P/client_close.pcap"
expect "bad filter" 2 "bad filter expression 'tcp port eighty': .*" "$H" -r "$P/client_close.pcap" tcp port eighty
expect "help" 0 "" "$H" --help
grep -q "^Usage: hsanalyze -r FILE" "$work/out" && ok "help text" || bad "help text"
grep -q "Report bugs to <hsanalyze@users.noreply.github.com>.$" "$work/out" &&
    ok "help gives the bug-report address (AC_INIT)" || bad "help: no bug-report address"
expect "version" 0 "" "$H" -V
grep -q "^hsanalyze [0-9]" "$work/out" && ok "version text" || bad "version text"

# --- bad files: exit 1 and a message naming the file and the cause
expect "missing file" 1 "^hsanalyze: $work/nope.pcap: No such file or directory$" "$H" -r "$work/nope.pcap"
expect "directory" 1 "^hsanalyze: $work: Is a directory$" "$H" -r "$work"
expect "empty file" 1 "empty.pcap: empty file, not a capture$" "$H" -r "$P/empty.pcap"
expect "not a capture" 1 "not_a_capture.pcap: not a capture file (libpcap: unknown file format)" "$H" -r "$P/not_a_capture.pcap"
expect "unsupported link type" 1 "link type IEEE802_11 (105) is not supported" "$H" -r "$P/linktype_unsupported.pcap"
if [ "$(id -u)" != 0 ]; then
	cp "$P/client_close.pcap" "$work/unreadable.pcap" && chmod 000 "$work/unreadable.pcap"
	expect "unreadable file" 1 "unreadable.pcap: Permission denied" "$H" -r "$work/unreadable.pcap"
fi
# Cut inside a record: the report of what was read, then exit 1.
expect "cut mid record" 1 "cut_mid_record.pcap: the capture ends inside a packet record (truncated dump file.*); the report covers the 4 packets before it" \
    "$H" -r "$P/cut_mid_record.pcap"
grep -q "4 packets, 4 TCP segments" "$work/out" && grep -q "WARNING: the capture ends inside a packet record" "$work/out" \
    && ok "cut mid record: report" || bad "cut mid record: report"

# --- standard input, filters, -c
expect "stdin" 0 "" sh -c "cat '$P/client_close.pcap' | '$H' --json -r -"
grep -q '"source":"-"' "$work/out" && grep -q '"packets":11,' "$work/out" && ok "stdin: 11 packets" || bad "stdin: 11 packets"
expect "stdin gzip" 0 "" sh -c "gzip -c '$P/nanosecond.pcap' | gzip -dc | '$H' --json -r -"
grep -q '"timestamp_precision":"ns"' "$work/out" && ok "stdin: nanosecond precision kept" || bad "stdin: nanosecond precision kept"
expect "stdin pcapng" 0 "" sh -c "cat '$P/pcapng_nanosecond.pcapng' | '$H' --json -r -"
grep -q '"timestamp_precision":"ns"' "$work/out" && ok "stdin pcapng: ns" || bad "stdin pcapng: ns"
expect "filter" 0 "" "$H" --json -r "$P/linktype_null_le.pcap" ip6 and tcp port 8080
grep -q '"tcp_segments":7,' "$work/out" && grep -q '"connections":1,' "$work/out" && ok "filter keeps one connection" || bad "filter keeps one connection"
expect "count" 0 "" "$H" --json -c 3 -r "$P/client_close.pcap"
grep -q '"packets":3,' "$work/out" && ok "-c 3 reads 3 packets" || bad "-c 3 reads 3 packets"

# --- -o: atomic, or nothing
expect "-o writes" 0 "" "$H" --json -o "$work/report.json" -r "$P/client_close.pcap"
[ -s "$work/report.json" ] && [ ! -s "$work/out" ] && ls "$work" | grep -vq 'report.json\.' \
    && ok "-o: file in place, stdout empty, no temporary left" || bad "-o: file in place"
expect "-o missing dir" 1 "^hsanalyze: $work/no/such/dir/r.json: cannot write the report: No such file or directory$" \
    "$H" --json -o "$work/no/such/dir/r.json" -r "$P/client_close.pcap"
if [ -w /dev/full ]; then
	expect "stdout full" 1 "standard output: cannot write the report: No space left on device" \
	    sh -c "'$H' -r '$P/client_close.pcap' >/dev/full"
fi
mkdir "$work/ro" && chmod 555 "$work/ro"
if [ "$(id -u)" != 0 ]; then
	expect "-o read-only dir" 1 "cannot write the report: Permission denied" "$H" -o "$work/ro/r.txt" -r "$P/client_close.pcap"
fi
# A capture error leaves no report file behind.
expect "-o on a bad capture" 1 "not a capture file" "$H" --json -o "$work/bad.json" -r "$P/not_a_capture.pcap"
[ ! -e "$work/bad.json" ] && [ -z "$(ls "$work" | grep 'bad.json')" ] && ok "-o on a bad capture: no file" || bad "-o on a bad capture: no file"

# --- ladder
expect "ladder id" 0 "" "$H" --ladder 1 -r "$P/client_close.pcap"
if diff -u "$srcdir/tests/ladder/client_close.txt" "$work/out" >"$work/diff"; then
	ok "ladder of client_close matches tests/ladder/client_close.txt"
else
	bad "ladder of client_close"; cat "$work/diff"
fi
expect "ladder representative" 0 "" "$H" --ladder -r "$P/port_reuse.pcap"
# The JSON report's examples of each kind drawn: #1 and #3 close from the
# client, #2 is reset; in the order of the kinds, then of the ids.
[ "$(grep '^Connection #' "$work/out" | cut -d: -f1 | tr '\n' ,)" = "Connection #1 (client closes first),Connection #3 (client closes first),Connection #2 (reset)," ] &&
    ok "ladder: the examples of each kind" || bad "ladder: the examples of each kind"
expect "ladder id missing" 1 "no connection with id 9 (the capture has 1)" "$H" --ladder 9 -r "$P/client_close.pcap"

finish
