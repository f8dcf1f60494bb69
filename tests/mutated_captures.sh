#!/bin/sh
# mutated_captures.sh - the whole pipeline on 150 randomly damaged copies of
# the bundled captures (tests/mutate_captures.py says how); no crash, no
# sanitizer report, only documented exit statuses.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
work=$(mktemp -d) || exit 99
if "$PY" "$srcdir/tests/mutate_captures.py" "$H" "$srcdir/tests/pcaps" 150 "$work"; then
	rm -rf "$work"
	exit 0
fi
echo "failing inputs kept in $work"
exit 1
