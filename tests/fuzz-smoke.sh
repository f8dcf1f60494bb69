#!/bin/sh
# fuzz-smoke.sh - the decoders' libFuzzer target on its corpus, as part of make
# check (a replay: every input once), or fuzzing for FUZZ_SECONDS.
#
# Builds fuzz/fuzz_decode with clang (-fsanitize=fuzzer,address,undefined)
# unless make check built it and it is newer than its sources, seeds it with every packet of tests/pcaps/*.pcap and *.pcapng (when python3
# is there to read them) and with the checked-in fuzz/corpus/, and fuzzes for
# FUZZ_SECONDS seconds (0: a replay).  A crash or a failed invariant fails the test; the
# input that did it is kept as fuzz/smoke-crash-* (or -timeout-, -oom-) in the
# build directory.  Without clang, or with a clang that cannot link libFuzzer,
# the test is skipped (exit 77).
#
# Run from the build directory (make check does); srcdir, CLANG, PYTHON3 and
# FUZZ_SECONDS may be set in the environment.
set -u

srcdir=${srcdir:-$(dirname "$0")/..}
# make check replays the corpus (FUZZ_SECONDS 0: every input once, no
# fuzzing); `make fuzz-run` fuzzes for FUZZ_SECONDS (600 by default).
seconds=${FUZZ_SECONDS:-0}
bin=fuzz/fuzz_decode

skip() {
	echo "fuzz-smoke: SKIP: $*"
	exit 77
}

fail() {
	echo "fuzz-smoke: FAIL: $*"
	exit 1
}

if test -z "${CLANG:-}"; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then
			CLANG=$c
			break
		fi
	done
fi
test -n "${CLANG:-}" || skip "no clang in PATH; install clang to fuzz the decoders"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/hsa-fuzz-smoke.XXXXXX") || fail "mktemp"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

# The decoders include config.h, which configure wrote in the build directory.
test -f config.h || fail "no config.h here: run this from the build directory"

# Build (again) when a source is newer than the binary.  The same flags as
# `make fuzz` in fuzz/local.mk.
sources="$srcdir/fuzz/fuzz_decode.c $srcdir/src/decode_link.c
    $srcdir/src/decode_ipv4.c $srcdir/src/decode_ipv6.c
    $srcdir/src/decode_tcp.c"
deps="$sources $srcdir/src/extract.h $srcdir/include/hsa_decode.h
    $srcdir/include/hsa_packet.h config.h"
build=yes
if test -x "$bin"; then
	build=no
	for f in $deps; do
		if test "$f" -nt "$bin"; then
			build=yes
		fi
	done
fi
if test "$build" = yes; then
	# Does this clang have libFuzzer and the sanitizers?  (make check built the
	# target already: then there is nothing to ask.)
	cat >"$tmp/probe.c" <<-'EOF'
	#include <stddef.h>
	#include <stdint.h>
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
	{
		(void)data;
		(void)size;
		return 0;
	}
	EOF
	"$CLANG" -fsanitize=fuzzer,address,undefined -o "$tmp/probe" "$tmp/probe.c" \
	    >"$tmp/probe.log" 2>&1 ||
		skip "$CLANG cannot build a libFuzzer target: $(head -n 3 "$tmp/probe.log")"
	pcap_cflags=${PCAP_CFLAGS-$(pkg-config --cflags libpcap 2>/dev/null)}
	mkdir -p fuzz
	echo "fuzz-smoke: building $bin with $CLANG"
	# shellcheck disable=SC2086
	"$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -I. -I"$srcdir/include" -I"$srcdir/src" \
	    $pcap_cflags -o "$bin" $sources || fail "could not build $bin"
fi

# Seeds: the fuzz target's input is one control byte (the link type, as an
# index into links[] in fuzz_decode.c, and how the wire length relates to the
# captured length) followed by the captured frame.
mkdir -p "$tmp/seeds" "$tmp/corpus"
python=${PYTHON3:-python3}
npcaps=0
for f in "$srcdir"/tests/pcaps/*.pcap "$srcdir"/tests/pcaps/*.pcapng; do
	test -f "$f" && npcaps=$((npcaps + 1))
done
if test "$npcaps" -gt 0 && command -v "$python" >/dev/null 2>&1; then
	"$python" - "$tmp/seeds" "$srcdir"/tests/pcaps/*.pcap \
	    "$srcdir"/tests/pcaps/*.pcapng <<'EOF' || fail "seed extraction"
import hashlib, os, struct, sys

# LINKTYPE_ value -> index into links[] of fuzz/fuzz_decode.c:
# EN10MB, LINUX_SLL, LINUX_SLL2, NULL, LOOP, RAW, IPV4, IPV6.
INDEX = {1: 0, 113: 1, 276: 2, 0: 3, 108: 4, 101: 5, 12: 5, 14: 5,
         228: 6, 229: 7}
NLINKS = 8
MAX_PER_FILE = 300

def control(linktype, caplen, wirelen):
    idx = INDEX[linktype]
    extra = wirelen - caplen
    if extra <= 0:
        return idx                              # wire = captured
    k = (extra - 1 + 511) // 512                # wire = cap + 1 + 512 k
    if k <= 7:
        return idx + NLINKS * (2 + 4 * k)
    return idx + NLINKS * 3                     # wire = UINT32_MAX

def pcap_packets(data):
    magic = data[:4]
    order = {b'\xd4\xc3\xb2\xa1': '<', b'\x4d\x3c\xb2\xa1': '<',
             b'\xa1\xb2\xc3\xd4': '>', b'\xa1\xb2\x3c\x4d': '>'}.get(magic)
    if order is None or len(data) < 24:
        return
    linktype = struct.unpack(order + 'I', data[20:24])[0] & 0xffff
    off = 24
    while off + 16 <= len(data):
        _, _, incl, orig = struct.unpack(order + 'IIII', data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        yield linktype, frame, orig

def pcapng_packets(data):
    off, order, links = 0, '<', []
    while off + 12 <= len(data):
        btype = struct.unpack('<I', data[off:off + 4])[0]
        if btype == 0x0a0d0d0a:
            order = '<' if data[off + 8:off + 12] == b'\x4d\x3c\x2b\x1a' \
                else '>'
            links = []
        blen = struct.unpack(order + 'I', data[off + 4:off + 8])[0]
        if blen < 12 or off + blen > len(data):
            return
        body = data[off + 8:off + blen - 4]
        btype = struct.unpack(order + 'I', data[off:off + 4])[0]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack(order + 'H', body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            ifc, _, _, cap, orig = struct.unpack(order + 'IIIII', body[:20])
            if ifc < len(links):
                yield links[ifc], body[20:20 + cap], orig
        elif btype == 3 and len(body) >= 4 and links:
            orig = struct.unpack(order + 'I', body[:4])[0]
            yield links[0], body[4:4 + orig], orig
        off += blen

outdir = sys.argv[1]
seen = set()
for path in sys.argv[2:]:
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError:
        continue
    gen = pcapng_packets(data) if data[:4] == b'\x0a\x0d\x0d\x0a' \
        else pcap_packets(data)
    n = 0
    try:
        for linktype, frame, orig in gen:
            if linktype not in INDEX or n >= MAX_PER_FILE:
                continue
            seed = bytes([control(linktype, len(frame), orig)]) + frame
            h = hashlib.sha1(seed).hexdigest()
            if h in seen:
                continue
            seen.add(h)
            n += 1
            name = '%s-%d' % (os.path.basename(path), n)
            with open(os.path.join(outdir, name), 'wb') as out:
                out.write(seed)
    except struct.error:
        pass                                    # a cut file: keep what came
print('fuzz-smoke: %d seeds from the captures' % len(seen))
EOF
else
	echo "fuzz-smoke: no captures or no $python: seeding from fuzz/corpus only"
fi

corpora="$tmp/corpus $tmp/seeds"
test -d "$srcdir/fuzz/corpus" && corpora="$corpora $srcdir/fuzz/corpus"

# libFuzzer's default exit code for a crash is 77, which automake would read
# as a skip: ask for 1.
if test "$seconds" = 0; then
	echo "fuzz-smoke: replaying the corpus"
	budget=-runs=0
else
	echo "fuzz-smoke: fuzzing for $seconds s"
	budget=-max_total_time=$seconds
fi
# shellcheck disable=SC2086
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
"./$bin" "$budget" -timeout=10 -rss_limit_mb=2048 \
    -error_exitcode=1 -timeout_exitcode=1 -print_final_stats=1 \
    -artifact_prefix=fuzz/smoke- $corpora >"$tmp/fuzz.log" 2>&1
status=$?
if test "$status" -ne 0; then
	cat "$tmp/fuzz.log"
	fail "the fuzzer stopped with status $status; see fuzz/smoke-* for the input"
fi
grep -E '^(INFO: (seed corpus|-max_len)|Done|stat::)' "$tmp/fuzz.log"
echo "fuzz-smoke: PASS"
exit 0
