#!/bin/sh
# threads.sh - the reports do not depend on how the stages share threads.
# Reading a file, hsanalyze reads, decodes, analyses and reports on a
# worker thread and tracks on the main thread (hsa_reader.h,
# hsa_handoff.h).  When the worker cannot be started everything runs on
# the main thread (tests/fault_inject.so makes the Nth pthread_create()
# fail).  Bundled captures of every kind of close,
# reuse and TIME-WAIT pressure, and a generated one of 4000 connections
# (they cross many batches, interleaved with the tracker's progress), must
# give the same text report, JSON report with every connection, and
# connection log, byte for byte but for the time and host of the run.
set -u
srcdir=${srcdir:-.}
H=${HSANALYZE:-./src/hsanalyze}
FI=${FAULT_INJECT:-./tests/fault_inject.so}
GEN=${GEN_TRACE:-./bench/gen_trace}
P=$srcdir/tests/pcaps
test_name=threads
# shellcheck source=tests/live/testlib.sh
. "$srcdir/tests/live/testlib.sh"
[ -f "$FI" ] || { bad "$FI was not built"; finish; }
[ -x "$GEN" ] || { bad "$GEN was not built"; finish; }
work_dir
# The library comes before the sanitizer's runtime in an ASan build.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
export ASAN_OPTIONS

"$GEN" -n 4000 --seed 3 -o "$work/gen.pcap" 2>/dev/null || bad "gen_trace failed"

# run LAYOUT OUT ARGS...: hsanalyze ARGS with pthread_create number LAYOUT
# failing (0: none), its output, exit status and errors in OUT, without
# the fields that name the run's time and host.
run() {
	layout=$1 out=$2; shift 2
	rm -f "$out.faults"
	HSA_FAIL_THREAD=$layout HSA_FAULT_LOG=$out.faults LD_PRELOAD=$FI \
	    "$H" "$@" >"$out.raw" 2>"$out.err"
	echo "exit $?" >>"$out.err"
	grep -v -e '"started_at"' -e '"hostname"' -e '"finished_at"' \
	    "$out.raw" >"$out"
}

checked=0 differ=0 injected=0
for f in "$P"/real_nginx_proxy.pcap "$P"/port_reuse.pcap \
    "$P"/rst_kills_time_wait.pcap "$P"/simultaneous_close.pcap \
    "$P"/syn_retrans_answered.pcap "$P"/pressure_reuse_in_tw.pcap \
    "$P"/pressure_ports_exhausted.pcap "$P"/merged_skew.pcap \
    "$P"/pcapng_two_links.pcapng "$work/gen.pcap"; do
	for mode in text json ndjson; do
		case $mode in
		text) set -- -r "$f" ;;
		json) set -- -r "$f" --json --all-connections ;;
		ndjson) set -- -r "$f" --ndjson - ;;
		esac
		for layout in 0 1; do
			run $layout "$work/$layout" "$@"
			# The thread asked to fail did fail.
			if [ $layout != 0 ]; then
				if [ "$(cat "$work/$layout.faults" 2>/dev/null)" = \
				    "pthread_create $layout: EAGAIN" ]; then
					injected=$((injected + 1))
				else
					bad "$(basename "$f") $mode: pthread_create $layout did not fail"
				fi
			fi
		done
		checked=$((checked + 1))
		for layout in 1; do
			if ! cmp -s "$work/0" "$work/$layout" ||
			    ! cmp -s "$work/0.err" "$work/$layout.err"; then
				differ=$((differ + 1))
				bad "$(basename "$f") $mode: threads 1..$layout differ"
				diff "$work/0" "$work/$layout" | head -n 5
			fi
		done
	done
done
# The generated capture's log has one line per connection, and its report
# 4000 connections, in every layout.
n=$(wc -l <"$work/0")
[ "$n" = 4000 ] && ok "generated capture: 4000 lines in each layout's log" ||
    bad "generated capture: $n lines, expected 4000"
[ $differ = 0 ] && ok "$checked capture and report pairs: the same in both layouts"
[ $injected = $checked ] && ok "$injected runs with the worker thread refused"
finish
