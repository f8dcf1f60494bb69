/*
 * test_decode_ipv6.c - unit tests for the IPv6 decoder (hsa_decode_ipv6) and
 * its walk of the extension-header chain, on packets built byte by byte.
 *
 * Covers the addresses and payload length, a hop-by-hop + routing +
 * destination options + fragment chain to TCP, AH, fragments, extension
 * headers that overrun the payload or are cut by the snaplen, the limit on
 * the number of extension headers, and every captured length of a chain.
 */
#include "decode_test.h"

#define NH_HOPOPTS	0
#define NH_TCP		6
#define NH_UDP		17
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_ESP		50
#define NH_AH		51
#define NH_ICMPV6	58
#define NH_NONE		59
#define NH_DSTOPTS	60

/* 2001:db8::1 and 2001:db8:ffff::fe80:2, every byte distinct enough. */
static const uint8_t src6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
};
static const uint8_t dst6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0xfe, 0x80,
	0, 0x02,
};

/* A SYN's options (20 bytes): MSS 1440, SACK permitted, TS, NOP, wscale 9. */
static const uint8_t syn_opts[SYN_OPTS_LEN] = {
	2, 4, 0x05, 0xa0,
	4, 2,
	8, 10, 0x11, 0x22, 0x33, 0x44, 0, 0, 0, 0,
	1,
	3, 3, 9,
};

/* What syn_opts decode to. */
static const struct want_options syn_want = {
	.has_mss = true, .mss = 1440, .sack_permitted = true,
	.has_timestamps = true, .tsval = 0x11223344u, .tsecr = 0,
	.has_wscale = true, .wscale = 9,
};

/* The fixed header; traffic class and flow label set to show they are
 * ignored. */
static uint32_t put_ipv6(uint8_t *b, uint16_t plen, uint8_t nh)
{
	b[0] = 0x6b;				/* version 6, TC 0xb. */
	b[1] = 0x8f;
	b[2] = 0xed;
	b[3] = 0xcb;				/* flow label 0xfedcb */
	put_be16(b + 4, plen);
	b[6] = nh;
	b[7] = 64;
	memcpy(b + 8, src6, 16);
	memcpy(b + 24, dst6, 16);
	return 40;
}

/* Hop-by-hop or destination options (a PadN filling len bytes) or a
 * routing header (type 4, no segments left): len is a multiple of 8. */
static uint32_t put_ext(uint8_t *b, uint8_t nh, uint32_t len)
{
	memset(b, 0, len);
	b[0] = nh;
	b[1] = (uint8_t)(len / 8 - 1);
	b[2] = 1;				/* PadN, or routing type 1 */
	b[3] = (uint8_t)(len - 4);
	return len;
}

/* A fragment header: offset in 8-byte units, M flag. */
static uint32_t put_frag(uint8_t *b, uint8_t nh, uint16_t offset, bool more)
{
	b[0] = nh;
	b[1] = 0;
	put_be16(b + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put_be32(b + 4, 0xcafef00du);
	return 8;
}

/* An authentication header of len bytes (a multiple of 4, at least 12). */
static uint32_t put_ah(uint8_t *b, uint8_t nh, uint32_t len)
{
	memset(b, 0xaa, len);
	b[0] = nh;
	b[1] = (uint8_t)(len / 4 - 2);
	b[2] = 0;
	b[3] = 0;
	return len;
}

/* The version and this file's addresses (check_ip()). */
static void check_ipv6(const struct hsa_packet *pkt, bool first_fragment)
{
	check_ip(pkt, 6, first_fragment, src6, dst6);
}

/* Hop-by-hop (8) + routing (24) + destination options (8) + fragment (8,
 * offset 0) + a SYN with options (40), with payload more bytes on the
 * wire: returns the 128 bytes built. */
static uint32_t build_chain(uint8_t *b, uint16_t payload, bool more)
{
	uint32_t off = 40;

	put_ipv6(b, (uint16_t)(48 + 40 + payload), NH_HOPOPTS);
	off += put_ext(b + off, NH_ROUTING, 8);
	off += put_ext(b + off, NH_DSTOPTS, 24);
	off += put_ext(b + off, NH_FRAGMENT, 8);
	off += put_frag(b + off, NH_TCP, 0, more);
	off += put_tcp(b + off, 10, HSA_TCP_SYN, syn_opts, sizeof(syn_opts));
	return off;
}

/* ---- valid packets -------------------------------------------------------- */

static void test_ipv6_tcp(void **state)
{
	uint8_t b[80];
	struct hsa_packet pkt;

	(void)state;
	put_ipv6(b, 40, NH_TCP);
	put_tcp(b + 40, 10, HSA_TCP_SYN, syn_opts, sizeof(syn_opts));
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 80), HSA_DECODE_TCP, 80);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_SYN, 0);
	check_options(&pkt.opt, syn_want);
}

/* The payload length comes from the header, not from what was captured. */
static void test_ipv6_payload_len(void **state)
{
	uint8_t b[86];
	struct hsa_packet pkt;

	(void)state;
	put_ipv6(b, 40 + 1400, NH_TCP);
	put_tcp(b + 40, 10, HSA_TCP_ACK, syn_opts, sizeof(syn_opts));
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 1480), HSA_DECODE_TCP, 80);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 1400);

	/* Padding after the packet: not payload, and not options. */
	put_ipv6(b, 20, NH_TCP);
	put_tcp(b + 40, 5, HSA_TCP_ACK, NULL, 0);
	memcpy(b + 60, syn_opts, sizeof(syn_opts));
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 86), HSA_DECODE_TCP, 80);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	assert_false(pkt.opt.has_mss);
	assert_false(pkt.opt.truncated);
	assert_false(pkt.opt.invalid);
}

/* Payload length 0 (a jumbogram, or a capture of segmentation offload):
 * the wire length stands in for it. */
static void test_ipv6_payload_length_zero(void **state)
{
	uint8_t b[80];
	struct hsa_packet pkt;

	(void)state;
	put_ipv6(b, 0, NH_TCP);
	put_tcp(b + 40, 10, HSA_TCP_ACK, syn_opts, sizeof(syn_opts));
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 64000), HSA_DECODE_TCP, 80);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 64000 - 80);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 100000), HSA_DECODE_TCP,
	    80);
	check_tcp(&pkt, HSA_TCP_ACK, 100000 - 80);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 80), HSA_DECODE_TCP, 80);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	/* Only the fixed header on the wire: no room for TCP. */
	expect_result(decode_ipv6(&pkt, b, 40, 40),
	    HSA_BAD_TCP_DATA_OFFSET, 40);
}

/* A payload length beyond the frame the packet came in. */
static void test_ipv6_payload_length_beyond_frame(void **state)
{
	uint8_t b[80];
	struct hsa_packet pkt;

	(void)state;
	put_ipv6(b, 41, NH_TCP);
	put_tcp(b + 40, 10, HSA_TCP_ACK, syn_opts, sizeof(syn_opts));
	expect_result(decode_ipv6(&pkt, b, 80, 80),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, 80);
	expect_result(decode_ipv6(&pkt, b, 40, 80),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, 40);
	put_ipv6(b, 65535, NH_TCP);
	expect_result(decode_ipv6(&pkt, b, 80, 65574),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, 80);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 80, 65575), HSA_DECODE_TCP, 80);
	check_tcp(&pkt, HSA_TCP_ACK, 65535 - 40);

	/* A wire length below the header's own 40 bytes (only a direct
	 * caller can pass one): invalid, never an unsigned wrap. */
	put_ipv6(b, 40, NH_TCP);
	expect_result(decode_ipv6(&pkt, b, 80, 0),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, 0);
	expect_result(decode_ipv6(&pkt, b, 80, 39),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, 39);
}

/* A payload too short for the TCP header. */
static void test_ipv6_payload_too_short_for_tcp(void **state)
{
	uint8_t b[80];
	struct hsa_packet pkt;
	uint16_t plen;

	(void)state;
	for (plen = 1; plen < 40; plen++) {
		put_ipv6(b, plen, NH_TCP);
		put_tcp(b + 40, 10, HSA_TCP_SYN, syn_opts, sizeof(syn_opts));
		expect_result(decode_ipv6(&pkt, b, 80, 80),
		    HSA_BAD_TCP_DATA_OFFSET, plen);
	}
}

static void test_ipv6_ext_chain_to_tcp(void **state)
{
	uint8_t b[128];
	struct hsa_packet pkt;

	(void)state;
	assert_int_equal(build_chain(b, 100, false), 128);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 128, 228), HSA_DECODE_TCP, 128);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_SYN, 100);
	check_options(&pkt.opt, syn_want);
}

/* The first fragment (offset 0, M set) holds the TCP header, and says its
 * payload length covers this fragment only. */
static void test_ipv6_first_fragment(void **state)
{
	uint8_t b[128];
	struct hsa_packet pkt;

	(void)state;
	build_chain(b, 1000, true);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 128, 1128), HSA_DECODE_TCP,
	    128);
	check_ipv6(&pkt, true);
	check_tcp(&pkt, HSA_TCP_SYN, 1000);

	/* The two reserved bits next to M are not the offset. */
	b[40 + 40 + 3] |= 0x06;
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 128, 1128), HSA_DECODE_TCP,
	    128);
	check_ipv6(&pkt, true);

	/* A fragment header straight after the fixed header. */
	put_ipv6(b, 8 + 20, NH_FRAGMENT);
	put_frag(b + 40, NH_TCP, 0, true);
	put_tcp(b + 48, 5, HSA_TCP_ACK, NULL, 0);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, 68, 68), HSA_DECODE_TCP, 68);
	check_ipv6(&pkt, true);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
}

static void test_ipv6_authentication_header(void **state)
{
	uint8_t b[40 + 24 + 8 + 20];
	struct hsa_packet pkt;
	uint32_t off = 40;

	(void)state;
	put_ipv6(b, 24 + 8 + 20 + 500, NH_AH);
	off += put_ah(b + off, NH_DSTOPTS, 24);
	off += put_ext(b + off, NH_TCP, 8);
	off += put_tcp(b + off, 5, HSA_TCP_ACK, NULL, 0);
	assert_int_equal(off, sizeof(b));
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, off, off + 500), HSA_DECODE_TCP,
	    off);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 500);

	/* An AH longer than the payload. */
	b[41] = 200;
	expect_result(decode_ipv6(&pkt, b, off, off + 500),
	    HSA_BAD_IPV6_EXTENSION_HEADER, off);
}

/* A fragment header with a non-zero offset: the TCP header is in another
 * packet. */
static void test_ipv6_later_fragment_skipped(void **state)
{
	static const uint16_t offs[] = { 1, 2, 185, 0x1000, 0x1fff };
	uint8_t b[128];
	struct hsa_packet pkt;
	size_t i;
	unsigned more;

	(void)state;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (more = 0; more < 2; more++) {
			build_chain(b, 0, false);
			put_frag(b + 80, NH_TCP, offs[i], more != 0);
			expect_result(decode_ipv6(&pkt, b, 128, 128),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
			/* Known once the fragment header is in. */
			expect_result(decode_ipv6(&pkt, b, 88, 128),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
			/* Whatever the next header is. */
			put_frag(b + 80, NH_UDP, offs[i], more != 0);
			expect_result(decode_ipv6(&pkt, b, 128, 128),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
		}
	}
}

static void test_ipv6_not_tcp(void **state)
{
	static const uint8_t nhs[] = { NH_NONE, NH_UDP, NH_ICMPV6, NH_ESP, 4,
	    41, 132, 135, 139, 253, 255 };
	uint8_t b[80];
	struct hsa_packet pkt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(nhs); i++) {
		put_ipv6(b, 40, nhs[i]);
		put_tcp(b + 40, 5, HSA_TCP_ACK, NULL, 0);
		expect_result(decode_ipv6(&pkt, b, 80, 80),
		    HSA_SKIP_NOT_TCP, nhs[i]);
		expect_result(decode_ipv6(&pkt, b, 40, 80),
		    HSA_SKIP_NOT_TCP, nhs[i]);
		/* At the end of an extension-header chain. */
		put_ipv6(b, 40, NH_HOPOPTS);
		put_ext(b + 40, nhs[i], 8);
		put_frag(b + 48, nhs[i], 0, false);
		expect_result(decode_ipv6(&pkt, b, 80, 80),
		    HSA_SKIP_NOT_TCP, nhs[i]);
		put_ext(b + 40, NH_FRAGMENT, 8);
		expect_result(decode_ipv6(&pkt, b, 80, 80),
		    HSA_SKIP_NOT_TCP, nhs[i]);
	}
	/* No next header with nothing after it. */
	put_ipv6(b, 0, NH_NONE);
	expect_result(decode_ipv6(&pkt, b, 40, 40), HSA_SKIP_NOT_TCP, 40);
}

/* ---- every captured length ------------------------------------------------ */

static void test_ipv6_every_truncation_length(void **state)
{
	uint8_t b[128];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	build_chain(b, 0, false);
	for (c = 0; c <= sizeof(b); c++) {
		uint32_t t = c >= 88 ? c - 88 : 0;	/* TCP bytes */
		uint32_t oc = t >= 20 ? t - 20 : 0;	/* option bytes */

		garbage(&pkt);
		/* 0-39 the fixed header, 40-87 in the chain. */
		if (!expect_cut(decode_ipv6(&pkt, b, c, 128), c, 88,
		    HSA_TRUNC_IPV6))
			continue;
		check_ipv6(&pkt, false);
		check_tcp(&pkt, HSA_TCP_SYN, 0);
		check_syn_options(&pkt.opt, syn_want, oc);
	}
}

/* Cut inside an extension header whose length fits the payload. */
static void test_ipv6_cut_inside_ext_header(void **state)
{
	uint8_t b[40 + 64 + 20];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	put_ipv6(b, 64 + 20, NH_DSTOPTS);
	put_ext(b + 40, NH_TCP, 64);
	put_tcp(b + 104, 5, HSA_TCP_ACK, NULL, 0);
	for (c = 40; c < 104; c++)
		expect_result(decode_ipv6(&pkt, b, c, sizeof(b)),
		    HSA_TRUNC_IPV6, c);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, sizeof(b), sizeof(b)),
	    HSA_DECODE_TCP, sizeof(b));
	check_tcp(&pkt, HSA_TCP_ACK, 0);
}

/* ---- malformed ------------------------------------------------------------ */

static void test_ipv6_bad_version(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;
	unsigned v;
	uint32_t c;

	(void)state;
	for (v = 0; v < 16; v++) {
		if (v == 6)
			continue;
		put_ipv6(b, 20, NH_TCP);
		put_tcp(b + 40, 5, HSA_TCP_ACK, NULL, 0);
		b[0] = (uint8_t)(v << 4);
		for (c = 1; c <= sizeof(b); c++)
			expect_result(decode_ipv6(&pkt, b, c, 60),
			    HSA_BAD_IPV6_VERSION, c);
		expect_result(decode_ipv6(&pkt, b, 0, 60), HSA_TRUNC_IPV6,
		    0);
	}
	/* An IPv4 header where IPv6 was announced. */
	memset(b, 0, sizeof(b));
	b[0] = 0x45;
	expect_result(decode_ipv6(&pkt, b, 60, 60), HSA_BAD_IPV6_VERSION,
	    60);
}

/* An extension header longer than the payload length allows. */
static void test_ipv6_ext_header_overruns_payload(void **state)
{
	uint8_t b[128];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	/* Hop-by-hop claiming 16 bytes in a 12-byte payload. */
	memset(b, 0, sizeof(b));
	put_ipv6(b, 12, NH_HOPOPTS);
	put_ext(b + 40, NH_TCP, 16);
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 128);
	/* The payload length tells before the capture does. */
	for (c = 42; c <= 56; c++)
		expect_result(decode_ipv6(&pkt, b, c, 128),
		    HSA_BAD_IPV6_EXTENSION_HEADER, c);

	/* Room for less than the 2-byte next header + length. */
	put_ipv6(b, 1, NH_DSTOPTS);
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 1);
	/* A fragment header in a 6-byte payload. */
	put_ipv6(b, 6, NH_FRAGMENT);
	put_frag(b + 40, NH_TCP, 0, false);
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 6);
	/* Routing header, the last of a chain, one byte too long. */
	build_chain(b, 0, false);
	put_be16(b + 4, 8 + 7);
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 15);
	/* The maximum length field: 2048 bytes. */
	build_chain(b, 0, false);
	b[48 + 1] = 255;
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 255);
	/* Headers that fill the payload exactly leave no room for TCP. */
	build_chain(b, 0, false);
	put_be16(b + 4, 48);
	expect_result(decode_ipv6(&pkt, b, 128, 128),
	    HSA_BAD_TCP_DATA_OFFSET, 48);
}

static uint32_t build_dstopts(uint8_t *b, unsigned n)
{
	uint32_t off = 40;
	unsigned i;

	put_ipv6(b, (uint16_t)(n * 8 + 20), NH_DSTOPTS);
	for (i = 0; i < n; i++)
		off += put_ext(b + off, i + 1 < n ? NH_DSTOPTS : NH_TCP, 8);
	off += put_tcp(b + off, 5, HSA_TCP_ACK, NULL, 0);
	return off;
}

/* Up to 16 extension headers are walked; the 17th is refused. */
static void test_ipv6_ext_header_limit(void **state)
{
	uint8_t b[40 + 17 * 8 + 20];
	struct hsa_packet pkt;
	uint32_t len;

	(void)state;
	len = build_dstopts(b, 16);
	garbage(&pkt);
	expect_result(decode_ipv6(&pkt, b, len, len), HSA_DECODE_TCP, 16);
	check_ipv6(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 0);

	len = build_dstopts(b, 17);
	assert_int_equal(len, sizeof(b));
	expect_result(decode_ipv6(&pkt, b, len, len),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 17);
	/* 17 headers of which only 16 are captured: the walk stops at the
	 * limit before it needs the 17th. */
	expect_result(decode_ipv6(&pkt, b, 40 + 16 * 8, len),
	    HSA_BAD_IPV6_EXTENSION_HEADER, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv6_tcp),
		cmocka_unit_test(test_ipv6_payload_len),
		cmocka_unit_test(test_ipv6_payload_length_zero),
		cmocka_unit_test(test_ipv6_payload_length_beyond_frame),
		cmocka_unit_test(test_ipv6_payload_too_short_for_tcp),
		cmocka_unit_test(test_ipv6_ext_chain_to_tcp),
		cmocka_unit_test(test_ipv6_first_fragment),
		cmocka_unit_test(test_ipv6_authentication_header),
		cmocka_unit_test(test_ipv6_later_fragment_skipped),
		cmocka_unit_test(test_ipv6_not_tcp),
		cmocka_unit_test(test_ipv6_every_truncation_length),
		cmocka_unit_test(test_ipv6_cut_inside_ext_header),
		cmocka_unit_test(test_ipv6_bad_version),
		cmocka_unit_test(test_ipv6_ext_header_overruns_payload),
		cmocka_unit_test(test_ipv6_ext_header_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
