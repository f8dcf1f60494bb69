#!/bin/sh
# walkthrough.sh - doc/time-wait.md must not go stale.
#
#  1. The key figures the walk-through states, from the JSON reports of the
#     two captures doc/make-time-wait-captures.sh made
#     (tests/pcaps/walkthrough_no_keepalive.pcap, walkthrough_keepalive.pcap):
#     the group holder "client" 127.0.0.1 -> 127.0.0.1:20821 with 400
#     connections, 400 TIME-WAIT entries, peak 400, 300.6 TIME-WAIT entries/s,
#     1.4% of 32768-60999 seen but 63.9% projected, so a high
#     PORT_EXHAUSTION_RISK finding only; with
#     --port-range 50000-59999 a high PORT_EXHAUSTION_RISK, 31.9 s to
#     exhaustion from the 9600 ports still free; with keep-alive one upstream connection for the same 400
#     requests, no TIME-WAIT on the proxy's side, one on the backend's, and
#     SERVER_HOLDS_TIME_WAIT as the only finding.
#  2. Every output block of the doc that starts with a line "$ hsanalyze ..."
#     is the output of that command (run from the source directory with
#     this build's hsanalyze; trailing blanks ignored).
# Environment: srcdir, HSANALYZE, PYTHON3 (as for the other tests).
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
PY=${PYTHON3:-/usr/bin/python3}
case $H in /*) ;; *) H=$(pwd)/$H ;; esac
doc=$srcdir/doc/time-wait.md
nk=$srcdir/tests/pcaps/walkthrough_no_keepalive.pcap
ka=$srcdir/tests/pcaps/walkthrough_keepalive.pcap
test_name=walkthrough
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
work_dir

for f in "$doc" "$nk" "$ka"; do
    [ -f "$f" ] || { bad "missing $f"; finish; }
done

"$H" -r "$nk" --json --all-connections -o "$work/nk.json" 2>"$work/nk.err" || bad "hsanalyze -r $nk --json: exit $?: $(cat "$work/nk.err")"
"$H" -r "$nk" --json --all-connections --port-range 50000-59999 -o "$work/nk10k.json" 2>"$work/nk10k.err" ||
    bad "hsanalyze -r $nk --port-range 50000-59999: exit $?: $(cat "$work/nk10k.err")"
"$H" -r "$ka" --json --all-connections -o "$work/ka.json" 2>"$work/ka.err" || bad "hsanalyze -r $ka --json: exit $?: $(cat "$work/ka.err")"

# --- 1. the figures
"$PY" - "$work/nk.json" "$work/nk10k.json" "$work/ka.json" >"$work/figures" 2>&1 <<'PYEOF' || bad "the figure checker itself failed (exit $?)"
import json, sys
nk, nk10k, ka = (json.load(open(p)) for p in sys.argv[1:4])
BACK_NK, BACK_KA = 20821, 26289
def check(what, got, want):
    print("%s %s: %r%s" % ("ok" if got == want else "bad", what, got,
                           "" if got == want else " (the doc says %r)" % (want,)))
def codes(r):
    return [(f["code"], f["severity"], f["groups"]) for f in r["findings"]]
def one_decimal(x):
    return None if x is None else round(x, 1)

# Without upstream keep-alive: the proxy (client) holds every TIME-WAIT.
check("no_keepalive: connections, all to %d" % BACK_NK,
      (nk["summary"]["connections"], sum(c["server"]["port"] == BACK_NK for c in nk["connections"])), (400, 400))
check("no_keepalive: summary time_wait", nk["summary"]["time_wait"],
      {"none": 0, "client": 400, "server": 0, "both": 0, "pending": 0})
check("no_keepalive: payload bytes, 70 and 256 per request",
      (sum(c["payload_bytes"]["client_to_server"] for c in nk["connections"]),
       sum(c["payload_bytes"]["server_to_client"] for c in nk["connections"])), (28000, 102400))
check("no_keepalive: capture packets, snaplen", (nk["capture"]["packets"], nk["capture"]["snaplen"]), (4000, 128))
g = nk["time_wait_pressure"]["groups"]
check("no_keepalive: groups (holder, client, server, port)",
      [(x["holder"], x["client_ip"], x["server_ip"], x["server_port"]) for x in g],
      [("client", "127.0.0.1", "127.0.0.1", BACK_NK)])
g = g[0]
check("no_keepalive: connections, time_wait_entries, peak_concurrent",
      (g["connections"], g["time_wait_entries"], g["peak_concurrent"]), (400, 400, 400))
check("no_keepalive: time_wait_rate_per_s (1 decimal)", one_decimal(g["time_wait_rate_per_s"]), 300.6)
check("no_keepalive: port_range_share = 400 / 28232",
      abs(g["port_range_share"] - 400 / 28232) < 1e-12, True)
check("no_keepalive: share in percent (1 decimal)", round(g["port_range_share"] * 100, 1), 1.4)
check("no_keepalive: projected_share = rate * 60 / 28232",
      abs(g["projected_share"] - g["time_wait_rate_per_s"] * 60 / 28232) < 1e-12, True)
check("no_keepalive: projected share in percent (1 decimal)", round(g["projected_share"] * 100, 1), 63.9)
check("no_keepalive: exhaustion_rate_per_s (1 decimal), time_to_exhaustion_s",
      (one_decimal(g["exhaustion_rate_per_s"]), g["time_to_exhaustion_s"]), (470.5, None))
check("no_keepalive: reuse_in_time_wait", g["reuse_in_time_wait"], {"count": 0, "min_gap_ms": None})
check("no_keepalive: findings", codes(nk), [("PORT_EXHAUSTION_RISK", "high", [0])])

# The same capture against a 10000-port range.
g = nk10k["time_wait_pressure"]["groups"][0]
check("--port-range 50000-59999: share (1 decimal %), exhaustion rate, time to exhaustion",
      (round(g["port_range_share"] * 100, 1), one_decimal(g["exhaustion_rate_per_s"]), one_decimal(g["time_to_exhaustion_s"])),
      (4.0, 166.7, 31.9))
check("--port-range 50000-59999: findings", codes(nk10k), [("PORT_EXHAUSTION_RISK", "high", [0])])

# With upstream keep-alive: one connection carries all 400 requests.
check("keepalive: connections", ka["summary"]["connections"], 1)
c = ka["connections"][0]
check("keepalive: the connection (server port, payload bytes, close)",
      (c["server"]["port"], c["payload_bytes"], c["close"]["active_closer"], c["close"]["time_wait"]),
      (BACK_KA, {"client_to_server": 28000, "server_to_client": 102400}, "server", "server"))
check("keepalive: duration_ms (whole ms)", int(c["duration_ms"]), 31359)
g = ka["time_wait_pressure"]["groups"]
check("keepalive: groups (holder, port, entries, peak)",
      [(x["holder"], x["server_port"], x["time_wait_entries"], x["peak_concurrent"]) for x in g],
      [("server", BACK_KA, 1, 1)])
check("keepalive: findings", codes(ka), [("SERVER_HOLDS_TIME_WAIT", "info", [0])])
check("keepalive: no PORT_EXHAUSTION_RISK or CLIENT_CLOSES_FIRST",
      [f["code"] for f in ka["findings"] if f["code"] in ("PORT_EXHAUSTION_RISK", "CLIENT_CLOSES_FIRST")], [])
PYEOF
relay_checks "$work/figures" bad "checker: "

# --- 2. every "$ hsanalyze ..." block of the doc, reproduced
"$PY" - "$doc" "$H" "$srcdir" "$work/nk.json" >"$work/blocks" 2>&1 <<'PYEOF' || bad "the doc-block checker itself failed (exit $?)"
import json, os, subprocess, sys
doc, hsa, srcdir, nk = sys.argv[1:5]
lines = open(doc).read().split("\n")
blocks, cur, start = [], None, 0
for n, l in enumerate(lines, 1):
    if l.startswith("```"):
        if cur is None:
            cur, start, kind = [], n, l[3:].strip()
        else:
            blocks.append((start, kind, cur))
            cur = None
    elif cur is not None:
        cur.append(l)
checked = 0
# The JSON excerpt of the no-keepalive group: every member as in the report.
for start, kind, b in blocks:
    if kind == "json" and b and b[0].startswith('"groups": ['):
        shown = json.loads("{" + "\n".join(b) + "}")["groups"]
        actual = json.load(open(nk))["time_wait_pressure"]["groups"]
        if shown == actual:
            print("ok doc line %d: the JSON excerpt of time_wait_pressure.groups is the report's" % start)
        else:
            print("bad doc line %d: the JSON excerpt of time_wait_pressure.groups differs from the report: %s" % (start, actual))
        checked += 1
if not checked:
    print("bad no JSON excerpt of time_wait_pressure.groups found in %s" % doc)
checked = 0
for start, kind, b in blocks:
    if not b or not b[0].startswith("$ hsanalyze "):
        continue
    cmd = b[0][2:]
    want = [l.rstrip() for l in b[1:]]
    p = subprocess.run(["sh", "-c", 'hsanalyze() { "$HSA" "$@"; }; ' + cmd],
                       cwd=srcdir, env=dict(os.environ, HSA=hsa),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    got = [l.rstrip() for l in p.stdout.decode("utf-8", "replace").split("\n")]
    while got and got[-1] == "":
        got.pop()
    while want and want[-1] == "":
        want.pop()
    checked += 1
    if p.returncode != 0:
        print("bad doc line %d: `%s` exits %d: %s" % (start, cmd, p.returncode, p.stderr.decode().strip()))
    elif got != want:
        diff = next(i for i in range(max(len(got), len(want)))
                    if i >= len(got) or i >= len(want) or got[i] != want[i])
        print("bad doc line %d: `%s` prints something else from its line %d:\n    doc: %r\n    now: %r" % (
            start, cmd, diff + 1, want[diff] if diff < len(want) else "<end>",
            got[diff] if diff < len(got) else "<end>"))
    else:
        print("ok doc line %d: `%s` (%d lines) as shown" % (start, cmd, len(want)))
if checked < 8:
    print("bad only %d \"$ hsanalyze\" blocks found in %s, expected at least 8" % (checked, doc))
PYEOF
relay_checks "$work/blocks" echo

finish
