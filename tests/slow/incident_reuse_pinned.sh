#!/bin/sh
# incident_reuse_pinned.sh - the proxy closes first with tcp_tw_reuse=2
# (Linux's default, loopback only) under ab: the kernel hands out a port
# again 1 s into its TIME-WAIT, so the connect rate is pinned at about
# 1000 ports / 1 s and the requests beyond fail.  hsanalyze must report the
# pinned rate (pinned_rate_per_s 1000, the reuse counted) in its one port
# finding for the proxy's group.  About 30 s (tests/incident_modes.lib).
set -u
test_name=incident_reuse_pinned REUSE=2 MODE=FRONT_UPSTREAM_CLOSE_FIRST=1 N=20000
# shellcheck source=tests/slow/incident_modes.lib
. "${srcdir:-.}/tests/slow/incident_modes.lib"
run_mode
"$PY" - "$work/r.json" "$eaddr" >"$work/checks" 2>&1 <<'PYEOF' || bad "checker failed"
import json, sys
r = json.load(open(sys.argv[1]))
eaddr = int(sys.argv[2])
def check(what, ok):
    print(("ok " if ok else "bad ") + what)
check("nginx failed with EADDRNOTAVAIL (%d times)" % eaddr, eaddr > 0)
gs = r["time_wait_pressure"]["groups"]
gi = [i for i, g in enumerate(gs) if g["holder"] == "client"]
check("one client-holder group", len(gi) == 1)
g = gs[gi[0]]
check("reuse inside TIME-WAIT counted: %s" % g["reuse_in_time_wait"],
      g["reuse_in_time_wait"]["count"] > 0 and g["reuse_in_time_wait"]["min_gap_ms"] >= 1000)
mine = [f for f in r["findings"] if gi[0] in f["groups"] and f["code"] in
        ("PORTS_EXHAUSTED", "CONNECT_RATE_PINNED", "PORT_EXHAUSTION_RISK", "CLIENT_CLOSES_FIRST")]
check("one port finding for the proxy's group: %s" % [(f["code"], f["severity"]) for f in mine], len(mine) == 1)
if mine:
    n = mine[0]["numbers"]
    # The range starts free: its 1000 ports go at once, then 1000 per
    # second as TIME-WAIT ports become reusable.  Over a span of S seconds
    # the kernel allows at most 1000 * (S + 1) entries, and under the pin
    # no fewer than 80% of 1000 * S.
    e, rate = g["time_wait_entries"], g["time_wait_rate_per_s"]
    span = (e - 1) / rate if rate else 0
    check("pinned_rate_per_s %s = 1000 ports / 1 s; %d entries at %.1f/s over %.2f s: "
          "between 80%% of 1000/s and 1000 ports + 1000/s (+5%%)"
          % (n.get("pinned_rate_per_s"), e, rate, span),
          n.get("pinned_rate_per_s") == 1000 and span > 0 and
          0.8 * 1000 * span <= e <= 1.05 * 1000 * (span + 1))
    check("severity %s is critical or high" % mine[0]["severity"], mine[0]["severity"] in ("critical", "high"))
PYEOF
relay_checks "$work/checks" echo
finish
