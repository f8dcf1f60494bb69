#!/bin/sh
# corpus.sh - every crafted and real trace in tests/pcaps that has an
# expected verdict file (tests/pcaps/expected/NAME.json) is run through
# hsanalyze --json, and check_report.py compares the verdicts field by field.
# The expected files were written from how each trace was built, not from
# hsanalyze's output.
set -u
srcdir=${srcdir:-.}
HSANALYZE=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
pcaps=$srcdir/tests/pcaps
test_name=corpus
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

# Each expected file names the pcap, extra options and the exit status: one
# line "NAME PCAP STATUS OPTIONS" each, read in one Python run.
"$PY" - "$pcaps"/expected/*.json >"$work/cases" <<'PYEOF' || exit 99
import json, os, shlex, sys
for exp in sys.argv[1:]:
    d = json.load(open(exp))
    print(shlex.quote(os.path.basename(exp)[:-5]), shlex.quote(d["pcap"]),
          d.get("exit_status", 0), " ".join(shlex.quote(o) for o in d.get("options", [])))
PYEOF
: >"$work/compare"
while read -r line; do
	eval "set -- $line"
	name=$1 pcap=$2 want=$3; shift 3
	"$HSANALYZE" --json --all-connections -r "$pcaps/$pcap" "$@" </dev/null >"$work/$name.json" 2>"$work/$name.err"
	got=$?
	if [ "$got" != "$want" ]; then
		bad "$name: exit status $got, expected $want: $(head -n 1 "$work/$name.err")"
		continue
	fi
	if [ "$want" != 0 ]; then
		# A failure must say so in exactly one line on stderr.
		if [ "$(wc -l <"$work/$name.err")" != 1 ]; then
			bad "$name: expected one line on stderr, got:"; cat "$work/$name.err"
		else
			ok "$name (exit $got: $(cat "$work/$name.err"))"
		fi
		continue
	fi
	echo "$pcaps/expected/$name.json $work/$name.json" >>"$work/compare"
done <"$work/cases"
# Every report against its expected file, in one run of check_report.py.
"$PY" "$srcdir/tests/check_report.py" --list "$work/compare" >"$work/compare.out" 2>&1
st=$?
relay_checks "$work/compare.out" echo
[ "$st" -le 1 ] || bad "check_report.py failed (exit $st)"
summary
[ "$pass" -gt 0 ] && [ "$fail" = 0 ]
