#!/bin/sh
# incident_default.sh - nginx's default upstream (HTTP/1.0, Connection: close): the backend closes
# first, so its TIME-WAIT sockets are on the listening side and the proxy
# keeps almost none.
# Under ab (20000 requests, tcp_tw_reuse=2), no finding above info may
# concern the proxy's group, and the proxy-side TIME-WAIT the report counts
# must equal what ss counts.  About 25 s (tests/slow/incident_modes.lib).
set -u
test_name=incident_default REUSE=2 MODE='' N=20000
# shellcheck source=tests/slow/incident_modes.lib
. "${srcdir:-.}/tests/slow/incident_modes.lib"
run_mode
"$PY" - "$work/r.json" "$tw_front" "${non2xx:-0}" >"$work/checks" 2>&1 <<'PYEOF' || bad "checker failed"
import json, sys
r = json.load(open(sys.argv[1]))
tw_front, non2xx = int(sys.argv[2]), int(sys.argv[3])
def check(what, ok):
    print(("ok " if ok else "bad ") + what)
check("no request failed (ab non-2xx %d)" % non2xx, non2xx == 0)
gs = r["time_wait_pressure"]["groups"]
gi = [i for i, g in enumerate(gs) if g["holder"] == "client"]
entries = gs[gi[0]]["time_wait_entries"] if gi else 0
check("proxy-side TIME-WAIT: report %d = ss %d" % (entries, tw_front), entries == tw_front)
above = [(f["code"], f["severity"]) for f in r["findings"]
         if f["severity"] != "info" and (set(f["groups"]) & set(gi) or not f["groups"])]
check("no finding above info for the proxy's group: %s (all: %s)" % (above, [(f["code"], f["severity"]) for f in r["findings"]]), not above)
PYEOF
relay_checks "$work/checks" echo
finish
