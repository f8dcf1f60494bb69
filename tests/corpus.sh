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

for exp in "$pcaps"/expected/*.json; do
	name=$(basename "$exp" .json)
	# The expected file names the pcap, extra options and the exit status.
	eval "$("$PY" - "$exp" <<'PYEOF'
import json, shlex, sys
d = json.load(open(sys.argv[1]))
print("pcap=%s" % shlex.quote(d["pcap"]))
print("opts=%s" % shlex.quote(" ".join(shlex.quote(o) for o in d.get("options", []))))
print("want=%d" % d.get("exit_status", 0))
PYEOF
)"
	eval "set -- $opts"
	"$HSANALYZE" --json --all-connections -r "$pcaps/$pcap" "$@" >"$work/$name.json" 2>"$work/$name.err"
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
	if "$PY" "$srcdir/tests/check_report.py" "$exp" "$work/$name.json" >"$work/$name.chk" 2>&1; then
		ok "$name"
	else
		bad "$name"; sed 's/^/    /' "$work/$name.chk"
	fi
done
summary
[ "$pass" -gt 0 ] && [ "$fail" = 0 ]
