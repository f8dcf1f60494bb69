#!/bin/sh
# incident_keepalive.sh - the keep-alive fix (keepalive 32 in the upstream block, HTTP/1.1):
# few upstream connections carry all requests.
# Under ab (20000 requests, tcp_tw_reuse=2), no finding above info may
# concern the proxy's group, and the proxy-side TIME-WAIT the report counts
# must equal what ss counts; the recycling after nginx's keepalive_requests
# (1000) is recognised (KEEPALIVE_RECYCLED).  About 25 s (tests/slow/incident_modes.lib).
set -u
test_name=incident_keepalive REUSE=2 MODE=FRONT_UPSTREAM_KEEPALIVE=32 N=20000
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
# nginx closes a keep-alive connection after keepalive_requests (1000 by
# default) requests (here the backend does, and holds the TIME-WAIT, as ss
# shows): the recycling is recognised and named, once.
rec = [f for f in r["findings"] if f["code"] == "KEEPALIVE_RECYCLED"]
check("KEEPALIVE_RECYCLED once, severity info, requests_per_connection 1000: %s" % [(f["severity"], f["numbers"]) for f in rec],
      len(rec) == 1 and rec[0]["severity"] == "info" and rec[0]["numbers"]["requests_per_connection"] == 1000)
PYEOF
relay_checks "$work/checks" echo
finish
