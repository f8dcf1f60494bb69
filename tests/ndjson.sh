#!/bin/sh
# ndjson.sh - the connection log (--ndjson): written in the same pass as the
# JSON or text report, one line per connection that parses on its own and
# matches the report (tests/check_ndjson.py, which also recomputes each
# Community ID), the optional summary line, the Community ID as tshark
# computes it, appending to an existing log, standard output, bad usage.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
P=$srcdir/tests/pcaps
test_name=ndjson
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# Every bundled capture that has an expected report and exits 0.
ok_captures "$P/expected" >"$work/list"
pairs=''
while read -r name pcap; do
	if "$H" --json --all-connections -o "$work/$name.json" --ndjson "$work/$name.ndjson" \
	    --ndjson-summary -r "$P/$pcap" 2>"$work/$name.err"; then
		pairs="$pairs $work/$name.ndjson $work/$name.json"
	else
		bad "$name: hsanalyze failed: $(cat "$work/$name.err")"
	fi
done <"$work/list"
# shellcheck disable=SC2086  # the pairs are paths without blanks
"$PY" "$srcdir/tests/check_ndjson.py" --summary $pairs >"$work/check.out" 2>&1
relay_checks "$work/check.out" echo

# The Community ID as Wireshark computes it, IPv4 and IPv6.
command -v tshark >/dev/null 2>&1 || skip "tshark is not installed (scripts/setup-debian.sh)"
for pcap in port_reuse.pcap linktype_ipv6.pcap; do
	want=$(tshark -r "$P/$pcap" --enable-protocol communityid -T fields -e communityid -c 1 2>/dev/null)
	got=$("$H" -r "$P/$pcap" --ndjson - | "$PY" -c 'import json,sys; print(json.loads(sys.stdin.readline())["community_id"])')
	if [ -n "$want" ] && [ "$want" = "$got" ]; then
		ok "$pcap: community_id $got, as tshark computes it"
	else
		bad "$pcap: community_id '$got', tshark says '$want'"
	fi
done

# With the text report in one pass; appending to an existing log.
log=$work/append.ndjson
"$H" -r "$P/port_reuse.pcap" --ndjson "$log" >"$work/text.out" 2>&1 &&
"$H" -r "$P/port_reuse.pcap" --ndjson "$log" >/dev/null 2>&1
n=$(wc -l <"$log")
if [ "$n" = 6 ] && grep -q '^Connections 3' "$work/text.out"; then
	ok "text report and log in one pass; a second run appends (6 lines)"
else
	bad "log append: $n lines, expected 6; text report: $(head -n 3 "$work/text.out")"
fi

# --ndjson - alone: standard output is only the log.
"$H" -r "$P/port_reuse.pcap" --ndjson - --ndjson-summary >"$work/stdout.ndjson" 2>"$work/stdout.err"
if [ "$(wc -l <"$work/stdout.ndjson")" = 4 ] && [ ! -s "$work/stdout.err" ] &&
    "$PY" -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$work/stdout.ndjson"; then
	ok "--ndjson -: standard output holds the 3 connection lines and the summary only"
else
	bad "--ndjson -: $(head -c 300 "$work/stdout.ndjson")"
fi

# expect_fail NAME STATUS PATTERN ARGS...
expect_fail() {
	name=$1 want=$2 pat=$3
	shift 3
	"$H" "$@" >/dev/null 2>"$work/err"
	got=$?
	if [ "$got" = "$want" ] && [ "$(wc -l <"$work/err")" = 1 ] && grep -q -- "$pat" "$work/err"; then
		ok "$name (exit $got)"
	else
		bad "$name: exit $got, expected $want; stderr: $(cat "$work/err")"
	fi
}
expect_fail "--ndjson-summary alone" 2 "needs --ndjson" -r "$P/port_reuse.pcap" --ndjson-summary
expect_fail "--ndjson - with --json on standard output" 2 "give the report a file" -r "$P/port_reuse.pcap" --json --ndjson -
expect_fail "--ndjson into a missing directory" 1 "cannot write the connection log" -r "$P/port_reuse.pcap" --ndjson "$work/no/such/dir/log"
finish
