#!/usr/bin/env bash
# Benchmark hsanalyze against a bare libpcap loop (the "floor").
# See bench/README for what is measured and the targets.
#
# usage: bench/run.sh [options]
#   -r, --reps N          alternated runs of each timed command (default 9)
#   --scale-reps N        runs on the 10M-packet trace (default 3)
#   --no-real             skip the real nginx trace (made by make_real_trace.sh)
#   --no-scale            skip the 10M-packet trace (peak RSS at 10M)
#   --flood               also run the 1M-SYN flood trace
#   --all                 --flood as well
#   --no-main             skip the generated 2M-packet section
#   --smoke               tiny trace, one repetition, check every command exits 0
#   --live [ARGS]         the live-capture benchmark instead (bench/live.sh ARGS)
#   --compare-reps        run tshark/tcptrace R times instead of once
#   --no-compare          do not run tshark/tcptrace
#   --hsanalyze PATH      binary to test (default: ../src/hsanalyze, or $HSANALYZE)
#   --require-hsanalyze   fail (exit 1) when the hsanalyze binary is missing
#   --check-targets       fail (exit 1) when a target is missed
#   -h, --help
#
# Exit status: 0 ok; 1 a benchmarked command failed (or a --require-*/--check-*
# condition); 2 bad usage or a missing prerequisite.  Installs nothing.
set -u
export LC_ALL=C

BENCH=$(cd "$(dirname "$0")" && pwd)
DATA=$BENCH/data
HSA=${HSANALYZE:-$BENCH/../src/hsanalyze}
REPS=9 SCALE_REPS=3
DO_MAIN=1 DO_REAL=1 DO_SCALE=1 DO_FLOOD=0 SMOKE=0
COMPARE=1 COMPARE_REPS=0 REQUIRE_HSA=0 CHECK_TARGETS=0 HSA_GIVEN=

# targets (README): median wall time over the floor's, peak RSS
TARGET_TEXT=1.5 TARGET_JSON=1.6 TARGET_NDJSON=3.0 TARGET_RSS_MIB=32

ARGS="$*"
usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }

while [ $# -gt 0 ]; do
    case $1 in
    -r|--reps) [ $# -ge 2 ] || { usage >&2; exit 2; }; REPS=$2; shift ;;
    --reps=*) REPS=${1#*=} ;;
    --scale-reps) [ $# -ge 2 ] || { usage >&2; exit 2; }; SCALE_REPS=$2; shift ;;
    --scale) DO_SCALE=1 ;;		# the default; kept for old command lines
    --no-scale) DO_SCALE=0 ;;
    --no-real) DO_REAL=0 ;;
    --flood) DO_FLOOD=1 ;;
    --all) DO_SCALE=1; DO_FLOOD=1 ;;
    --live) shift; exec bash "$BENCH/live.sh" ${HSA_GIVEN:+--hsanalyze "$HSA"} "$@" ;;
    --no-main) DO_MAIN=0 ;;
    --smoke) SMOKE=1 ;;
    --compare-reps) COMPARE_REPS=1 ;;
    --no-compare) COMPARE=0 ;;
    --hsanalyze) [ $# -ge 2 ] || { usage >&2; exit 2; }; HSA=$2; HSA_GIVEN=1; shift ;;
    --hsanalyze=*) HSA=${1#*=}; HSA_GIVEN=1 ;;
    --require-hsanalyze) REQUIRE_HSA=1 ;;
    --check-targets) CHECK_TARGETS=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown option: $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
case $REPS in ''|*[!0-9]*|0) echo "run.sh: --reps wants a positive integer, got '$REPS'" >&2; exit 2 ;; esac
case $SCALE_REPS in ''|*[!0-9]*|0) echo "run.sh: --scale-reps wants a positive integer, got '$SCALE_REPS'" >&2; exit 2 ;; esac

# ---------------------------------------------------------------- prerequisites
missing=()
for t in cc make pkg-config awk sort; do
    command -v "$t" >/dev/null 2>&1 || missing+=("$t")
done
if command -v pkg-config >/dev/null 2>&1 && ! pkg-config --exists libpcap; then
    missing+=("libpcap (pkg-config libpcap)")
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "run.sh: MISSING prerequisites: ${missing[*]}" >&2
    echo "run.sh: on Debian: apt-get install build-essential pkg-config libpcap-dev" >&2
    exit 2
fi
if ! make -s -C "$BENCH" >/dev/null; then
    echo "run.sh: building the bench tools (make -C $BENCH) failed" >&2
    exit 2
fi
GEN=$BENCH/gen_trace FLOOR=$BENCH/floor MEASURE=$BENCH/measure

HAVE_HSA=0
if [ -d "$(dirname "$HSA")" ]; then HSA=$(cd "$(dirname "$HSA")" && pwd -P)/$(basename "$HSA"); fi
if [ -x "$HSA" ] && [ -f "$HSA" ]; then HAVE_HSA=1; fi
HAVE_TSHARK=0 HAVE_TCPTRACE=0
if [ $COMPARE = 1 ]; then
    command -v tshark >/dev/null 2>&1 && HAVE_TSHARK=1
    command -v tcptrace >/dev/null 2>&1 && HAVE_TCPTRACE=1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hsbench.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$DATA" || exit 2
RESULTS=$DATA/last-run.tsv
printf 'section\tcommand\truns\tmedian_s\tmin_s\tmax_s\tx_floor\tpackets_per_s\tpeak_rss_kib\n' >"$RESULTS"

FAILED=0 TARGET_MISSED=0

say() { printf '%s\n' "$*"; }
fmt_mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# ---------------------------------------------------------------- traces
# make_trace FILE GEN_ARGS...: (re)generate FILE when missing or older than gen_trace
make_trace() {
    local f=$1; shift
    if [ -s "$f" ] && [ "$f" -nt "$GEN" ]; then return 0; fi
    say "generating $(basename "$f"): gen_trace $* ..."
    if ! "$MEASURE" -o "$TMP/gen" -- "$GEN" "$@" -o "$f.tmp" 2>"$TMP/gen.err"; then
        cat "$TMP/gen.err" >&2
        rm -f "$f.tmp"
        echo "run.sh: generating $f failed" >&2
        exit 2
    fi
    mv -f "$f.tmp" "$f"
    local wall size
    read -r wall _ _ <"$TMP/gen"
    size=$(stat -c %s "$f")
    say "  $(tail -n 1 "$TMP/gen.err" | sed 's/^gen_trace: //;s/ written to.*//') in ${wall}s ($(fmt_mib $((size / 1024))) MiB)"
}

# ---------------------------------------------------------------- measuring
declare -A WALLS RSS STATUS

# run_one KEY OUTFILE CMD...: one timed run; appends to WALLS[KEY], keeps max RSS
run_one() {
    local key=$1 out=$2; shift 2
    local wall rss code
    rm -f "$TMP/res"
    "$MEASURE" -o "$TMP/res" -- "$@" >"$out" 2>"$TMP/stderr"
    if [ -s "$TMP/res" ]; then
        read -r wall rss code <"$TMP/res"
    else
        wall=0 rss=0 code=125
    fi
    if [ "$code" != 0 ]; then
        STATUS[$key]="FAILED (exit $code)"
        FAILED=1
        say "  FAILED: $* (exit $code); stderr ends:" >&2
        tail -n 5 "$TMP/stderr" | sed 's/^/    /' >&2
        return 1
    fi
    WALLS[$key]="${WALLS[$key]:-} $wall"
    if [ "${RSS[$key]:-0}" -lt "$rss" ]; then RSS[$key]=$rss; fi
    return 0
}

median() {
    printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 } END {
        if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2];
        else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
minimum() { printf '%s\n' $1 | sort -g | head -n 1; }
maximum() { printf '%s\n' $1 | sort -g | tail -n 1; }

# print_row SECTION KEY LABEL PACKETS FLOOR_MEDIAN TARGET_RATIO(or -) CHECK_RSS(0/1)
print_row() {
    local sec=$1 key=$2 label=$3 pkts=$4 fmed=$5 tratio=$6 crss=$7
    local st=${STATUS[$key]:-}
    if [ -n "$st" ] && [ -z "${WALLS[$key]:-}" ]; then
        printf '%-36s %s\n' "$label" "$st"
        return
    fi
    local walls=${WALLS[$key]:-} n med lo hi ratio pps rss note=""
    n=$(printf '%s\n' $walls | grep -c .)
    med=$(median "$walls")
    lo=$(minimum "$walls")
    hi=$(maximum "$walls")
    ratio=$(awk -v m="$med" -v f="$fmed" 'BEGIN { if (f > 0) printf "%.2f", m / f; else print "-" }')
    pps=$(awk -v p="$pkts" -v m="$med" 'BEGIN { if (m > 0) printf "%.2f", p / m / 1e6; else print "-" }')
    rss=${RSS[$key]:-0}
    if [ "$tratio" != - ] && [ $SMOKE = 0 ]; then
        if awk -v r="$ratio" -v t="$tratio" 'BEGIN { exit !(r <= t) }'; then
            note="time ok (<=${tratio}x)"
        else
            note="time MISS (>${tratio}x)"; TARGET_MISSED=1
        fi
    fi
    if [ "$crss" = 1 ] && [ $SMOKE = 0 ]; then
        if [ "$rss" -le $((TARGET_RSS_MIB * 1024)) ]; then
            note="$note, RSS ok (<=${TARGET_RSS_MIB} MiB)"
        else
            note="$note, RSS MISS (>${TARGET_RSS_MIB} MiB)"; TARGET_MISSED=1
        fi
    fi
    [ -n "$st" ] && note="$note; some runs $st"
    note=${note#, }
    printf '%-36s %4s %9.3f %9.3f %9.3f %7s %8s %9s  %s\n' "$label" "$n" "$med" "$lo" "$hi" "$ratio" "$pps" "$(fmt_mib "$rss")" "$note"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sec" "$label" "$n" "$med" "$lo" "$hi" "$ratio" \
        "$(awk -v p="$pkts" -v m="$med" 'BEGIN { if (m > 0) printf "%.0f", p / m }')" "$rss" >>"$RESULTS"
    SUMMARY+=("$sec|$label|$pkts|$n|$med|$lo|$hi|$ratio|$rss|$note")
}

SUMMARY=()
declare -A TRACES

# section NAME TRACE TITLE HSA_TARGETS(0/1) REPS
section() {
    local sec=$1 trace=$2 title=$3 targets=$4
    local reps=$5 creps=1 pkts size out_text out_json
    [ $SMOKE = 1 ] && reps=1
    [ $COMPARE_REPS = 1 ] && creps=$reps

    # warm the page cache and count packets (untimed)
    if ! "$FLOOR" "$trace" >"$TMP/floor.out" 2>"$TMP/floor.err"; then
        cat "$TMP/floor.err" >&2
        say "run.sh: floor cannot read $trace" >&2
        FAILED=1
        return
    fi
    pkts=$(awk '{ print $2 }' "$TMP/floor.out")
    size=$(stat -c %s "$trace")

    say ""
    say "== $title =="
    say "trace: $trace ($pkts packets, $(fmt_mib $((size / 1024))) MiB); $reps run(s) each, alternated"
    TRACES[$sec]="$(basename "$trace")|$pkts"

    out_text=/dev/null out_json=/dev/null out_ndjson=/dev/null
    if [ $SMOKE = 1 ]; then out_text=$TMP/text.out out_json=$TMP/json.out out_ndjson=$TMP/ndjson.out; fi

    local r
    for ((r = 1; r <= reps; r++)); do
        run_one "$sec/floor" /dev/null "$FLOOR" "$trace"
        if [ $HAVE_HSA = 1 ]; then
            run_one "$sec/text" "$out_text" "$HSA" -r "$trace"
            run_one "$sec/json" "$out_json" "$HSA" --json -r "$trace"
            run_one "$sec/ndjson" "$out_ndjson" "$HSA" --ndjson - -r "$trace"
        fi
    done
    if [ $HAVE_TSHARK = 1 ] && [ "$sec" != scale ] && [ "$sec" != real ]; then
        for ((r = 1; r <= creps; r++)); do
            run_one "$sec/tshark" /dev/null tshark -q -z conv,tcp -r "$trace"
        done
    fi
    if [ $HAVE_TCPTRACE = 1 ] && [ "$sec" != scale ] && [ "$sec" != flood ] && [ "$sec" != real ]; then
        for ((r = 1; r <= creps; r++)); do
            run_one "$sec/tcptrace" /dev/null tcptrace -l -r "$trace"
        done
    fi

    local fmed
    fmed=$(median "${WALLS[$sec/floor]:-}")
    printf '%-36s %4s %9s %9s %9s %7s %8s %9s  %s\n' command runs "median s" "min s" "max s" "x floor" "Mpkt/s" "peak MiB" targets
    print_row "$sec" "$sec/floor" "floor (pcap_next_ex loop)" "$pkts" "$fmed" - 0
    local tt=- tj=- tn=- tr=0
    if [ "$targets" = 1 ]; then tt=$TARGET_TEXT tj=$TARGET_JSON tn=$TARGET_NDJSON tr=1; fi
    if [ $HAVE_HSA = 1 ]; then
        print_row "$sec" "$sec/text" "hsanalyze -r (text)" "$pkts" "$fmed" "$tt" "$tr"
        print_row "$sec" "$sec/json" "hsanalyze --json -r (bounded)" "$pkts" "$fmed" "$tj" "$tr"
        print_row "$sec" "$sec/ndjson" "hsanalyze --ndjson - -r" "$pkts" "$fmed" "$tn" "$tr"
    else
        printf '%-36s %s\n' "hsanalyze -r (text)" "MISSING: $HSA not built, skipped"
        printf '%-36s %s\n' "hsanalyze --json -r" "MISSING: $HSA not built, skipped"
    fi
    if [ "$sec" != scale ] && [ "$sec" != real ]; then
        if [ $HAVE_TSHARK = 1 ]; then
            print_row "$sec" "$sec/tshark" "tshark -q -z conv,tcp [comparison]" "$pkts" "$fmed" - 0
        elif [ $COMPARE = 1 ]; then
            printf '%-36s %s\n' "tshark [comparison]" "not installed (apt-get install tshark), skipped"
        fi
        if [ "$sec" = flood ] && [ $COMPARE = 1 ]; then
            printf '%-36s %s\n' "tcptrace [comparison]" "not run here (takes over 5 minutes on 1M connections)"
        elif [ $HAVE_TCPTRACE = 1 ]; then
            print_row "$sec" "$sec/tcptrace" "tcptrace -l [comparison]" "$pkts" "$fmed" - 0
        elif [ $COMPARE = 1 ]; then
            printf '%-36s %s\n' "tcptrace [comparison]" "not installed (apt-get install tcptrace), skipped"
        fi
    fi

    if [ $SMOKE = 1 ] && [ $HAVE_HSA = 1 ]; then smoke_checks "$pkts"; fi
}

# Beyond exit 0: the text report is not empty, the JSON parses and agrees
# with the trace (packets read, one connection per generated connection).
smoke_checks() {
    local pkts=$1
    if [ -n "${WALLS[smoke/text]:-}" ] && [ ! -s "$TMP/text.out" ]; then
        say "  FAILED: hsanalyze -r wrote an empty report" >&2
        FAILED=1
    fi
    if [ -n "${WALLS[smoke/json]:-}" ]; then
        if [ -x /usr/bin/python3 ]; then
            if ! /usr/bin/python3 - "$TMP/json.out" "$pkts" "$SMOKE_CONNS" <<'EOF'
import json, sys
path, pkts, conns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    doc = json.load(open(path))
except ValueError as e:
    sys.exit("  FAILED: hsanalyze --json output is not JSON: %s" % e)
bad = []
got = doc.get("capture", {}).get("packets")
if got != pkts:
    bad.append("capture.packets %r, trace has %d" % (got, pkts))
got = doc.get("summary", {}).get("connections")
if got != conns:
    bad.append("%r connections, trace has %d" % (got, conns))
if bad:
    sys.exit("  FAILED: hsanalyze --json: " + "; ".join(bad))
print("  json check: %d packets, %d connections, as generated" % (pkts, conns))
EOF
            then FAILED=1; fi
            if [ -n "${WALLS[smoke/ndjson]:-}" ] &&
                [ "$(wc -l <"$TMP/ndjson.out")" != "$SMOKE_CONNS" ]; then
                say "  FAILED: hsanalyze --ndjson -: $(wc -l <"$TMP/ndjson.out") lines, trace has $SMOKE_CONNS connections" >&2
                FAILED=1
            fi
        else
            say "  (no /usr/bin/python3: JSON output not checked)"
        fi
    fi
}

# ---------------------------------------------------------------- header
CPU="$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cpu(s)"
say "hsanalyze benchmark  $(date -u +%Y-%m-%dT%H:%M:%SZ)"
say "machine: $CPU; $(uname -sr)"
if [ $HAVE_HSA = 1 ]; then
    say "hsanalyze: $HSA"
else
    say "hsanalyze: MISSING -- $HSA does not exist (build the project first); its rows are skipped"
fi
[ $COMPARE = 1 ] && [ $HAVE_TSHARK = 0 ] && say "tshark: not installed (apt-get install tshark); comparison skipped"
[ $COMPARE = 1 ] && [ $HAVE_TCPTRACE = 0 ] && say "tcptrace: not installed (apt-get install tcptrace); comparison skipped"

# The real trace: made once by make_real_trace.sh (root, nginx, ab,
# tcpdump); without them the section is skipped with the reason.
REAL=$DATA/real_nginx.pcap
real_trace() {
    [ -s "$REAL" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        say "real trace: $REAL missing and making it needs root (bench/make_real_trace.sh); skipped"
        return 1
    fi
    say "making the real trace: bench/make_real_trace.sh 100000 $REAL ..."
    if ! sh "$BENCH/make_real_trace.sh" 100000 "$REAL"; then
        say "real trace: bench/make_real_trace.sh failed; skipped"
        return 1
    fi
}

# ready_table: every figure of the run, with the machine, for bench/README.
ready_table() {
    local e s l p n m lo hi r k note tr
    say ""
    say "---- ready to paste into README and bench/README ----"
    say "Machine: $CPU; $(uname -sr); $(date -u +%Y-%m-%d); hsanalyze $(git -C "$BENCH/.." describe --always --dirty 2>/dev/null || echo '?')"
    say "Command: bench/run.sh${ARGS:+ $ARGS}; alternated runs, wall time median (min-max), ratio of medians to the floor"
    printf '%-16s %10s %-30s %4s %22s %7s %8s %9s  %s\n' trace packets command runs "median s (min-max)" "x floor" "Mpkt/s" "peak MiB" target
    for e in "${SUMMARY[@]}"; do
        IFS='|' read -r s l p n m lo hi r k note <<<"$e"
        case $l in floor*|hsanalyze*) ;; *) continue ;; esac
        tr=${TRACES[$s]%%|*}
        printf '%-16s %10s %-30s %4s %22s %7s %8.2f %9s  %s\n' "$tr" "$p" "${l}" "$n" \
            "$(printf '%.3f (%.3f-%.3f)' "$m" "$lo" "$hi")" "$r" \
            "$(awk -v p="$p" -v m="$m" 'BEGIN { print p / m / 1e6 }')" "$(fmt_mib "$k")" "$note"
    done
    say "Traces: trace-2m.pcap and trace-10m.pcap from bench/gen_trace (-n 200000 / 1000000 --seed 1);"
    say "real_nginx.pcap from bench/make_real_trace.sh (nginx proxy to an nginx backend, ab -n 100000 -c 16, on lo)."
    say "Targets: text <= ${TARGET_TEXT}x, bounded JSON <= ${TARGET_JSON}x, NDJSON <= ${TARGET_NDJSON}x the floor; peak RSS <= ${TARGET_RSS_MIB} MiB."
}
# ---------------------------------------------------------------- sections
SMOKE_CONNS=2000
if [ $SMOKE = 1 ]; then
    make_trace "$DATA/smoke.pcap" -n $SMOKE_CONNS --seed 1
    section smoke "$DATA/smoke.pcap" "smoke: $SMOKE_CONNS connections, 1 run each" 0 1
else
    if [ $DO_MAIN = 1 ] || [ $DO_SCALE = 1 ]; then
        make_trace "$DATA/trace-2m.pcap" -n 200000 --seed 1
    fi
    [ $DO_SCALE = 1 ] && make_trace "$DATA/trace-10m.pcap" -n 1000000 --seed 1
    [ $DO_FLOOD = 1 ] && make_trace "$DATA/flood-1m.pcap" --syn-flood 1000000 --seed 1

    if [ $DO_MAIN = 1 ]; then
        section main "$DATA/trace-2m.pcap" "generated, 2M packets: 200,000 proxied HTTP connections" 1 "$REPS"
    fi
    if [ $DO_REAL = 1 ] && real_trace; then
        section real "$REAL" "real, nginx proxying on lo under ab (comparisons not run)" 1 "$REPS"
    fi
    if [ $DO_SCALE = 1 ]; then
        section scale "$DATA/trace-10m.pcap" "generated, 10M packets: 1,000,000 proxied HTTP connections (comparisons not run: tshark/tcptrace need many GiB here)" 1 "$SCALE_REPS"
        say ""
        say "== scaling: packets/s and peak RSS by trace size (RSS target: <= ${TARGET_RSS_MIB} MiB, flat) =="
        printf '%-6s %-30s %10s %10s %10s %10s\n' trace command packets "median s" "Mpkt/s" "peak MiB"
        for e in "${SUMMARY[@]}"; do
            IFS='|' read -r s l p n m lo hi r k note <<<"$e"
            case $s in main|scale) ;; *) continue ;; esac
            case $l in floor*|hsanalyze*) ;; *) continue ;; esac
            printf '%-6s %-30s %10s %10.3f %10.2f %10s\n' "$([ "$s" = main ] && echo 2M || echo 10M)" "${l%% (*}" "$p" "$m" \
                "$(awk -v p="$p" -v m="$m" 'BEGIN { print p / m / 1e6 }')" "$(fmt_mib "$k")"
        done
    fi
    if [ $DO_FLOOD = 1 ]; then
        section flood "$DATA/flood-1m.pcap" "SYN flood: 1,000,000 unanswered SYNs from random sources (report only)" 0 "$REPS"
    fi
    ready_table
fi

say ""
say "results also in $RESULTS"
status=0
if [ $FAILED = 1 ]; then
    say "RESULT: a benchmarked command FAILED"
    status=1
fi
if [ $HAVE_HSA = 0 ]; then
    say "NOTE: hsanalyze was not benchmarked (missing: $HSA)"
    [ $REQUIRE_HSA = 1 ] && status=1
fi
if [ $TARGET_MISSED = 1 ]; then
    say "NOTE: a target was missed (see the targets column)"
    [ $CHECK_TARGETS = 1 ] && status=1
fi
exit $status
