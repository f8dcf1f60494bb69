/*
 * decode_test.h - what the decoder unit tests (tests/unit/test_decode_*.c)
 * share, so that each test file holds only the frames and cases of its own
 * layer: the values every built TCP header carries, the byte writers and the
 * TCP header builder, the decoders called on an exact-size heap copy, and the
 * checks of a decoded segment (TCP header, IP addresses, TCP options).
 *
 * Static inline functions and macros only: each test program includes it
 * once and uses what it needs.  A test file may define TCP_CHECKSUM and
 * TCP_URGENT before including it, for the values put_tcp() writes in those
 * two fields (the decoders read neither; both are 0 unless so defined).
 */
#ifndef DECODE_TEST_H
#define DECODE_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_decode.h"
#include "hsa_packet.h"

/* The values every built TCP header carries; each has its top bit set
 * somewhere so a sign or byte-order mistake shows. */
#define SPORT	50000u
#define DPORT	443u
#define SEQ	0xdeadbeefu
#define ACK	0x80000001u
#define WIN	0xfedcu

#ifndef TCP_CHECKSUM
#define TCP_CHECKSUM	0
#endif
#ifndef TCP_URGENT
#define TCP_URGENT	0
#endif

static inline void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

/* Write a TCP header with data offset doff (32-bit words) and the given
 * option bytes after the fixed 20; return the bytes written. */
static inline uint32_t put_tcp(uint8_t *b, uint8_t doff, uint8_t flags,
    const uint8_t *opt, uint32_t optlen)
{
	put_be16(b, (uint16_t)SPORT);
	put_be16(b + 2, (uint16_t)DPORT);
	put_be32(b + 4, SEQ);
	put_be32(b + 8, ACK);
	b[12] = (uint8_t)(doff << 4);
	b[13] = flags;
	put_be16(b + 14, (uint16_t)WIN);
	put_be16(b + 16, TCP_CHECKSUM);
	put_be16(b + 18, TCP_URGENT);
	if (optlen > 0)
		memcpy(b + 20, opt, optlen);
	return 20 + optlen;
}

/* ---- the decoders on exact-size copies ----------------------------------- */

/* The decoders are called on a heap copy whose captured bytes end exactly at
 * the end of the allocation, so that AddressSanitizer (configure
 * --enable-sanitizers) reports a read even one byte past caplen, which the
 * test's larger buffers would hide.  The copy starts one spare byte before
 * the data, so that caplen 0 is an allocation too; free the returned base. */
static inline uint8_t *exact_copy(const uint8_t *b, uint32_t caplen,
    const uint8_t **data)
{
	uint8_t *base = malloc((size_t)caplen + 1);

	assert_non_null(base);
	base[0] = 0;
	memcpy(base + 1, b, caplen);
	*data = base + 1;
	return base;
}

/* Run call, any decoder call, with p naming an exact_copy() of the caplen
 * bytes at b; the copy is freed after it. */
#define ON_EXACT_COPY(p, b, caplen, call) do {				\
	const uint8_t *p;						\
	uint8_t *p##_base = exact_copy((b), (caplen), &p);		\
									\
	call;								\
	free(p##_base);							\
} while (0)

/* The shape of hsa_decode_ipv4(), hsa_decode_ipv6() and hsa_decode_tcp()
 * (whose last argument is the segment length). */
typedef enum hsa_decode_result (*layer_decoder)(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen);

static inline enum hsa_decode_result decode_layer(layer_decoder decode,
    struct hsa_packet *pkt, const uint8_t *b, uint32_t caplen,
    uint32_t wirelen)
{
	enum hsa_decode_result r;

	ON_EXACT_COPY(p, b, caplen, r = decode(pkt, p, caplen, wirelen));
	return r;
}

#define decode_ipv4(pkt, b, caplen, wirelen) \
	decode_layer(hsa_decode_ipv4, (pkt), (b), (caplen), (wirelen))
#define decode_ipv6(pkt, b, caplen, wirelen) \
	decode_layer(hsa_decode_ipv6, (pkt), (b), (caplen), (wirelen))
#define decode_tcp(pkt, b, caplen, seglen) \
	decode_layer(hsa_decode_tcp, (pkt), (b), (caplen), (seglen))

static inline enum hsa_decode_result decode_link(int dlt,
    struct hsa_packet *pkt, const uint8_t *b, uint32_t caplen,
    uint32_t wirelen)
{
	enum hsa_decode_result r;

	ON_EXACT_COPY(p, b, caplen,
	    r = hsa_decode_link(dlt, pkt, p, caplen, wirelen));
	return r;
}

static inline enum hsa_decode_result decode_ethertype(
    struct hsa_packet *pkt, uint16_t ethertype, const uint8_t *b,
    uint32_t caplen, uint32_t wirelen)
{
	enum hsa_decode_result r;

	ON_EXACT_COPY(p, b, caplen,
	    r = hsa_decode_ethertype(pkt, ethertype, p, caplen, wirelen));
	return r;
}

static inline void decode_options(struct hsa_tcp_options *opt,
    const uint8_t *b, uint32_t caplen, uint32_t optlen)
{
	ON_EXACT_COPY(p, b, caplen,
	    hsa_decode_tcp_options(opt, p, caplen, optlen));
}

/* ---- checks --------------------------------------------------------------- */

/* A packet (or option set) full of garbage before it is decoded, so that a
 * field the decoder forgets to set shows up. */
static inline void garbage(struct hsa_packet *pkt)
{
	memset(pkt, 0xa5, sizeof(*pkt));
}

static inline void garbage_opt(struct hsa_tcp_options *opt)
{
	memset(opt, 0xa5, sizeof(*opt));
}

/* Fail unless the decoder returned want; what names the case (a captured
 * length, a version, a protocol ...) in the message. */
#define expect_result(got, want, what) do {				\
	enum hsa_decode_result got_ = (got), want_ = (want);		\
	if (got_ != want_)						\
		fail_msg("case %u: got %s (%d), want %s (%d)",		\
		    (unsigned)(what), hsa_decode_result_name(got_),	\
		    (int)got_, hsa_decode_result_name(want_), (int)want_); \
} while (0)

/* Expect what a decoder returns for a segment whose TCP header starts
 * tcp_at bytes in, when c bytes were captured: below (the layers before TCP
 * cut) short of tcp_at, HSA_TRUNC_TCP until the 16 TCP bytes up to the
 * window are in, then the decoded segment.  True in that last case, where
 * the caller goes on to check the fields. */
static inline bool expect_cut(enum hsa_decode_result r, uint32_t c,
    uint32_t tcp_at, enum hsa_decode_result below)
{
	enum hsa_decode_result want = HSA_DECODE_TCP;

	if (c < tcp_at)
		want = below;
	else if (c - tcp_at < 16)
		want = HSA_TRUNC_TCP;
	expect_result(r, want, c);
	return want == HSA_DECODE_TCP;
}

/* The fixed TCP header put_tcp() writes, with these flags, and the payload
 * length. */
static inline void check_tcp(const struct hsa_packet *pkt, uint8_t flags,
    uint32_t payload_len)
{
	assert_int_equal(pkt->sport, SPORT);
	assert_int_equal(pkt->dport, DPORT);
	assert_int_equal(pkt->seq, SEQ);
	assert_int_equal(pkt->ack, ACK);
	assert_int_equal(pkt->flags, flags);
	assert_int_equal(pkt->window, WIN);
	assert_int_equal(pkt->payload_len, payload_len);
}

/* The IP version and addresses (4 or 16 bytes); an IPv4 address is held in
 * the first 4 bytes, the other 12 zeroed. */
static inline void check_ip(const struct hsa_packet *pkt, unsigned version,
    bool first_fragment, const uint8_t *src, const uint8_t *dst)
{
	static const uint8_t zero[12];

	assert_int_equal(pkt->ip_version, version);
	assert_int_equal(pkt->ip_first_fragment, first_fragment);
	if (version == 4) {
		assert_memory_equal(pkt->src.bytes, src, 4);
		assert_memory_equal(pkt->dst.bytes, dst, 4);
		assert_memory_equal(pkt->src.bytes + 4, zero, 12);
		assert_memory_equal(pkt->dst.bytes + 4, zero, 12);
	} else {
		assert_memory_equal(pkt->src.bytes, src, 16);
		assert_memory_equal(pkt->dst.bytes, dst, 16);
	}
}

/* Every field of struct hsa_tcp_options, as the decoder should fill it. */
struct want_options {
	bool has_mss;
	uint16_t mss;
	bool has_wscale;
	uint8_t wscale;
	bool sack_permitted;
	bool has_timestamps;
	uint32_t tsval;
	uint32_t tsecr;
	bool truncated;
	bool invalid;
};

static inline void check_options(const struct hsa_tcp_options *opt,
    struct want_options w)
{
	assert_int_equal(opt->has_mss, w.has_mss);
	assert_int_equal(opt->mss, w.mss);
	assert_int_equal(opt->has_wscale, w.has_wscale);
	assert_int_equal(opt->wscale, w.wscale);
	assert_int_equal(opt->sack_permitted, w.sack_permitted);
	assert_int_equal(opt->has_timestamps, w.has_timestamps);
	assert_int_equal(opt->tsval, w.tsval);
	assert_int_equal(opt->tsecr, w.tsecr);
	assert_int_equal(opt->truncated, w.truncated);
	assert_int_equal(opt->invalid, w.invalid);
}

/* All option fields clear but the truncated flag. */
static inline void check_no_options(const struct hsa_tcp_options *opt,
    bool truncated)
{
	check_options(opt, (struct want_options){ .truncated = truncated });
}

/* A SYN's 20 option bytes laid out as the tests' syn_opts are: MSS (ends at
 * byte 4), SACK permitted (6), timestamps (16), NOP, window scale (20). */
#define SYN_OPTS_LEN	20

/* The options of such a SYN, whose values are in syn, when oc of its 20
 * option bytes were captured: each option the capture holds whole, and
 * truncated until all 20 are in. */
static inline void check_syn_options(const struct hsa_tcp_options *opt,
    struct want_options syn, uint32_t oc)
{
	struct want_options w = { .truncated = oc < SYN_OPTS_LEN };

	if (oc >= 4) {
		w.has_mss = true;
		w.mss = syn.mss;
	}
	w.sack_permitted = oc >= 6;
	if (oc >= 16) {
		w.has_timestamps = true;
		w.tsval = syn.tsval;
		w.tsecr = syn.tsecr;
	}
	if (oc >= SYN_OPTS_LEN) {
		w.has_wscale = true;
		w.wscale = syn.wscale;
	}
	check_options(opt, w);
}

#endif
