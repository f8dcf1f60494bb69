#!/bin/sh
# prometheus_rules.sh - the example alerting rules (doc/hsanalyze.rules.yml)
# pass `promtool check rules`, and their unit tests
# (doc/hsanalyze.rules.test.yml: the port exhaustion alerts firing on a
# synthetic series, the handshake RTT p99 and capture drop alerts) pass
# `promtool test rules`.  Skips (77) without promtool (package prometheus).
set -u
test_name=prometheus_rules
srcdir=${srcdir:-$(dirname "$0")/..}
. "$srcdir/tests/live/testlib.sh"
command -v promtool >/dev/null 2>&1 || skip "no promtool (Debian package prometheus)"
work_dir
cp "$srcdir/doc/hsanalyze.rules.yml" "$srcdir/doc/hsanalyze.rules.test.yml" "$work/"

if promtool check rules "$work/hsanalyze.rules.yml" >"$work/check.log" 2>&1 &&
    grep -q 'SUCCESS: 4 rules found' "$work/check.log"; then
	ok "promtool check rules: 4 rules"
else
	bad "promtool check rules"; show "$work/check.log" promtool
fi
if (cd "$work" && promtool test rules hsanalyze.rules.test.yml) >"$work/test.log" 2>&1 &&
    grep -q SUCCESS "$work/test.log"; then
	ok "promtool test rules: the alerts fire (and only) when expected"
else
	bad "promtool test rules"; show "$work/test.log" promtool
fi
# The test must be able to fail: a rule file whose exhaustion alert waits
# 10 minutes does not fire at 7m30s.
sed 's/^        for: 1m$/        for: 10m/' "$work/hsanalyze.rules.yml" >"$work/late.yml"
sed 's/hsanalyze.rules.yml/late.yml/' "$work/hsanalyze.rules.test.yml" >"$work/late.test.yml"
if (cd "$work" && promtool test rules late.test.yml) >"$work/late.log" 2>&1; then
	bad "promtool test rules passes a rule that fires too late"
elif grep -q 'alertname: HsanalyzePortsExhausted, time: 7m30s' "$work/late.log"; then
	ok "a rule that fires too late fails its unit test"
else
	bad "the late rule failed for another reason"; show "$work/late.log" promtool
fi
finish
