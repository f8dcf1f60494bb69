#!/bin/sh
# html.sh - the HTML report (--html) in a real browser.  Every bundled
# capture in tests/pcaps is reported as HTML and JSON in one run; each page
# must pass `tidy -errors`, load in headless Chromium with no console error
# and no network request, and show what the JSON report says (check_html.py:
# the findings with their display filters and their connections' frames),
# and keep a 4.5:1 contrast for every text.  The pages that, in capture
# order, show a kind of text (the elements from <body> down to it) that no
# page before them showed are also looked at in the dark scheme and as
# printed (media emulated in the same browser), with the same contrast;
# together they show every kind of text of all the pages (checked).  A
# screenshot of each of those is kept in tests/html-screenshots/ of the
# build directory.  Two pages are printed to PDF there too, and pdftotext
# must find their findings, diagram captions and chart labels in it.  The diagrams
# are the JSON report's examples of their kinds, the same ids.  On crafted
# traces the diagrams are checked exactly: the states
# drawn along a client close and a simultaneous close, and the TIME-WAIT
# interval's length.  The page of a generated proxy trace stays small.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
GEN=${GEN_TRACE:-./bench/gen_trace}
PY=${PYTHON3:-/usr/bin/python3}
CHROMIUM=${CHROMIUM:-chromium}
P=$srcdir/tests/pcaps
SHOTS=${HTML_SCREENSHOTS:-tests/html-screenshots}
test_name=html
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
command -v "$CHROMIUM" >/dev/null 2>&1 || skip "no $CHROMIUM (scripts/setup-debian.sh installs it)"
command -v tidy >/dev/null 2>&1 || skip "no tidy (scripts/setup-debian.sh installs it)"
command -v pdftotext >/dev/null 2>&1 || skip "no pdftotext (poppler-utils: scripts/setup-debian.sh installs it)"
# Chromium's DevTools endpoint is a real socket on 127.0.0.1: in a
# namespace of its own, nothing else on the machine can reach or disturb it.
# shellcheck source=tests/live/netns.sh
. "$srcdir/tests/live/netns.sh"
netns_enter -- "$@"
work_dir
# The page of a 2M-packet trace must stay under this (it does not grow with
# the capture: the same bound holds for the small trace made here).
MAX_BYTES=1048576

# expect NAME STATUS TEXT CMD...: exit STATUS and TEXT in its one stderr line.
expect() {
	name=$1 want=$2 text=$3; shift 3
	"$@" >/dev/null 2>"$work/err"; got=$?
	if [ "$got" = "$want" ] && grep -q -- "$text" "$work/err" && [ "$(wc -l <"$work/err")" = 1 ]; then
		ok "$name: exit $got, $(cat "$work/err")"
	else
		bad "$name: exit $got (want $want)"; show "$work/err" stderr
	fi
}
expect "--html needs a name" 2 "--html needs a file name" "$H" -r "$P/client_close.pcap" --html ''
expect "-o and --html the same" 1 "would receive both the report and the HTML report" "$H" -r "$P/client_close.pcap" -o "$work/x" --html "$work/x"
expect "--html - and the report on stdout" 2 "would both go to standard output" "$H" -r "$P/client_close.pcap" --html -
expect "--html in a missing directory" 1 "cannot write the HTML report" "$H" -r "$P/client_close.pcap" --html "$work/none/r.html"
expect "--html of a bad capture" 1 "not_a_capture.pcap" "$H" -r "$P/not_a_capture.pcap" --html "$work/bad.html"
if ls "$work"/bad.html* >/dev/null 2>&1; then bad "a failed run left an HTML file"; else ok "a failed run leaves no HTML file"; fi

# Each capture with the options its expected verdict file gives (a port
# range...): one line "PCAP OPTIONS" each, read in one Python run.
"$PY" - "$P" "$P"/*.pcap "$P"/*.pcapng >"$work/captures" <<'PYEOF' || exit 99
import json, os, shlex, sys
for pcap in sys.argv[2:]:
    name = os.path.splitext(os.path.basename(pcap))[0]
    exp = os.path.join(sys.argv[1], 'expected', name + '.json')
    opts = json.load(open(exp)).get('options', []) if os.path.exists(exp) else []
    print(shlex.quote(pcap), ' '.join(shlex.quote(o) for o in opts))
PYEOF
pages=''
while read -r line; do
	eval "set -- $line"
	pcap=$1; shift
	name=$(basename "$pcap"); name=${name%.*}
	"$H" -r "$pcap" "$@" --json --all-connections -o "$work/$name.json" --html "$work/$name.html" \
	    </dev/null >/dev/null 2>"$work/$name.err"
	st=$?
	if [ -f "$work/$name.html" ]; then
		pages="$pages $work/$name.html"
	elif [ "$st" = 0 ]; then
		bad "$name: exit 0 but no HTML report"
	elif ls "$work/$name".html.* >/dev/null 2>&1; then
		bad "$name: exit $st left a temporary file"
	fi
done <"$work/captures"
# The TIME-WAIT interval is drawn with the length given by --time-wait.
"$H" -r "$P/client_close.pcap" --time-wait 30 --html "$work/client_close_tw30.html" >"$work/client_close_tw30.txt" &&
    "$H" -r "$P/client_close.pcap" --time-wait 30 --json --all-connections -o "$work/client_close_tw30.json" ||
    bad "client_close with --time-wait 30"
# The text report in the same run is the one written without --html.
"$H" -r "$P/client_close.pcap" --time-wait 30 >"$work/plain.txt"
if cmp -s "$work/plain.txt" "$work/client_close_tw30.txt"; then
	ok "--html leaves the text report as it is"
else
	bad "--html changed the text report"
fi
pages="$pages $work/client_close_tw30.html"

# A page of a generated proxy trace: many connections, a few groups.
"$GEN" -n 4000 --seed 3 -o "$work/proxy.pcap" >/dev/null || exit 99
"$H" -r "$work/proxy.pcap" --json --all-connections -o "$work/proxy.json" --html "$work/proxy.html" >/dev/null ||
    bad "proxy trace: exit $?"
size=$(wc -c <"$work/proxy.html")
if [ "$size" -le "$MAX_BYTES" ]; then ok "proxy trace page: $size bytes"; else bad "proxy trace page: $size bytes"; fi
pages="$pages $work/proxy.html"

# Status 0: neither errors nor warnings.  One tidy run for all the pages;
# when it has something to say, one per page names them.
n=0
for page in $pages; do n=$((n + 1)); done
# shellcheck disable=SC2086  # one word per page
if tidy -errors -q $pages >"$work/tidy.out" 2>&1; then
	ok "tidy -errors: nothing to say about $n pages"
else
	cp "$work/tidy.out" "$work/tidy.all"
	tidy_bad=0
	for page in $pages; do
		tidy -errors -q "$page" >"$work/tidy.out" 2>&1 && continue
		tidy_bad=$((tidy_bad + 1))
		bad "tidy -errors: $(basename "$page")"; show "$work/tidy.out" tidy
	done
	[ "$tidy_bad" = 0 ] && { bad "tidy -errors on all $n pages"; show "$work/tidy.all" tidy; }
fi

mkdir -p "$SHOTS" || exit 99
# Printed to PDF: a page with a critical finding, the exhaustion marked and
# its diagrams; and one with a logarithmic chart and seven diagrams.
# shellcheck disable=SC2086  # one word per page
if "$PY" "$srcdir/tests/html_browser.py" --pdf "$work/pressure_ports_exhausted.html" \
    --pdf "$work/real_nginx_proxy.html" "$CHROMIUM" "$SHOTS" $pages >"$work/facts.jsonl" 2>"$work/browser.err"; then
	ok "chromium loaded $n pages, $(grep -c '"looked": true' "$work/facts.jsonl") of them looked at in every scheme, screenshots in $SHOTS"
else
	bad "chromium driver failed"; show "$work/browser.err" chromium
	finish
fi
n_pdf=$(grep -c '"pdf": "' "$work/facts.jsonl")
if [ "$n_pdf" = 2 ]; then ok "2 pages printed to PDF"; else bad "$n_pdf pages printed to PDF, not 2"; fi
"$PY" "$srcdir/tests/check_html.py" "$work/facts.jsonl" >"$work/checks" 2>&1
relay_checks "$work/checks" echo "    "
finish
