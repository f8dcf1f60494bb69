/*
 * test_decode_ipv4.c - unit tests for the IPv4 decoder (hsa_decode_ipv4) on
 * datagrams built byte by byte, down to the TCP segment it hands on.
 *
 * Covers the addresses and lengths it fills in, every captured length of a
 * datagram with IP and TCP options, the malformed-header results (version,
 * IHL, total length), the TSO total length of 0, and fragments.
 */
#include "decode_test.h"

#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMP	1

#define IP_DF	0x4000
#define IP_MF	0x2000

static const uint8_t src4[4] = { 192, 0, 2, 1 };
static const uint8_t dst4[4] = { 198, 51, 100, 254 };

/* NOP NOP timestamps: a data segment's 12 option bytes. */
static const uint8_t ts_opts[12] = {
	1, 1, 8, 10, 0x00, 0x0a, 0xbc, 0xde, 0xf0, 0x00, 0x00, 0x01,
};

/* An IPv4 header of ihl 32-bit words (options: a router alert, then NOPs);
 * returns ihl * 4. */
static uint32_t put_ipv4(uint8_t *b, uint8_t ihl, uint16_t total,
    uint16_t frag, uint8_t proto)
{
	uint32_t i;

	b[0] = (uint8_t)(0x40 | (ihl & 0x0f));
	b[1] = 0x10;				/* TOS */
	put_be16(b + 2, total);
	put_be16(b + 4, 0x1c46);		/* identification */
	put_be16(b + 6, frag);
	b[8] = 64;				/* TTL */
	b[9] = proto;
	put_be16(b + 10, 0xb1e6);		/* checksum, not checked */
	memcpy(b + 12, src4, 4);
	memcpy(b + 16, dst4, 4);
	for (i = 20; i < (uint32_t)ihl * 4; i++)
		b[i] = 1;			/* NOP */
	if (ihl >= 6) {
		b[20] = 0x94;			/* router alert */
		b[21] = 4;
		b[22] = 0;
		b[23] = 0;
	}
	return (uint32_t)ihl * 4;
}

/* The version and this file's addresses (check_ip()). */
static void check_ipv4(const struct hsa_packet *pkt, bool first_fragment)
{
	check_ip(pkt, 4, first_fragment, src4, dst4);
}

/* A plain 20-byte header and a 20-byte TCP header: 40 bytes, with total
 * length 40 + payload. */
static uint32_t build_plain(uint8_t *b, uint16_t payload, uint16_t frag,
    uint8_t proto)
{
	put_ipv4(b, 5, (uint16_t)(40 + payload), frag, proto);
	put_tcp(b + 20, 5, HSA_TCP_ACK, NULL, 0);
	return 40;
}

/* ---- valid datagrams ------------------------------------------------------ */

static void test_ipv4_tcp(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;

	(void)state;
	build_plain(b, 0, IP_DF, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 40), HSA_DECODE_TCP, 40);
	check_ipv4(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	assert_false(pkt.opt.truncated);
	assert_false(pkt.opt.invalid);
}

/* The payload length comes from Total Length, whatever was captured. */
static void test_ipv4_payload_len_from_total_length(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;

	(void)state;
	/* A 1500-byte datagram captured to the end of its TCP header. */
	put_ipv4(b, 5, 1500, IP_DF, PROTO_TCP);
	put_tcp(b + 20, 8, HSA_TCP_ACK | HSA_TCP_PSH, ts_opts,
	    sizeof(ts_opts));
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 52, 1500), HSA_DECODE_TCP, 52);
	check_ipv4(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK | HSA_TCP_PSH, 1500 - 20 - 32);
	assert_true(pkt.opt.has_timestamps);
	assert_int_equal(pkt.opt.tsval, 0x000abcdeu);
	assert_int_equal(pkt.opt.tsecr, 0xf0000001u);
	assert_false(pkt.opt.truncated);

	/* The largest datagram. */
	put_ipv4(b, 5, 65535, 0, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 52, 65535), HSA_DECODE_TCP, 52);
	check_tcp(&pkt, HSA_TCP_ACK | HSA_TCP_PSH, 65535 - 20 - 32);
}

/* A wire length above Total Length (Ethernet padding): the padding is
 * neither payload nor options. */
static void test_ipv4_padding_after_datagram(void **state)
{
	uint8_t b[46];
	struct hsa_packet pkt;

	(void)state;
	build_plain(b, 0, 0, PROTO_TCP);
	/* 6 bytes of padding that would read as an MSS option. */
	b[40] = 2; b[41] = 4; b[42] = 0x05; b[43] = 0xb4; b[44] = 0; b[45] = 0;
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 46, 46), HSA_DECODE_TCP, 46);
	check_ipv4(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	assert_false(pkt.opt.has_mss);
	assert_false(pkt.opt.truncated);
	assert_false(pkt.opt.invalid);
}

/* IP options are skipped: the TCP header follows IHL * 4 bytes. */
static void test_ipv4_options_every_ihl(void **state)
{
	uint8_t b[60 + 20];
	struct hsa_packet pkt;
	unsigned ihl;

	(void)state;
	for (ihl = 5; ihl <= 15; ihl++) {
		uint32_t hlen = ihl * 4;

		memset(b, 0, sizeof(b));
		put_ipv4(b, (uint8_t)ihl, (uint16_t)(hlen + 20 + 7), 0,
		    PROTO_TCP);
		put_tcp(b + hlen, 5, HSA_TCP_SYN, NULL, 0);
		garbage(&pkt);
		expect_result(decode_ipv4(&pkt, b, hlen + 20,
		    hlen + 20 + 7), HSA_DECODE_TCP, ihl);
		check_ipv4(&pkt, false);
		check_tcp(&pkt, HSA_TCP_SYN, 7);
	}
}

static void test_ipv4_not_tcp(void **state)
{
	static const uint8_t protos[] = { 0, PROTO_ICMP, PROTO_UDP, 41, 47,
	    50, 132, 255 };
	uint8_t b[40];
	struct hsa_packet pkt;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(protos); i++) {
		build_plain(b, 0, 0, protos[i]);
		expect_result(decode_ipv4(&pkt, b, 40, 40),
		    HSA_SKIP_NOT_TCP, protos[i]);
		/* Known from the 20 fixed bytes alone. */
		expect_result(decode_ipv4(&pkt, b, 20, 40),
		    HSA_SKIP_NOT_TCP, protos[i]);
	}
}

/* ---- every captured length ------------------------------------------------ */

/* IHL 6 (a router alert), TCP with NOP NOP TS (32 bytes) and 8 payload
 * bytes: total 64, captured from 0 to 64. */
static void test_ipv4_every_truncation_length(void **state)
{
	uint8_t b[64];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	put_ipv4(b, 6, 64, IP_DF, PROTO_TCP);
	put_tcp(b + 24, 8, HSA_TCP_ACK, ts_opts, sizeof(ts_opts));
	memset(b + 56, 'y', 8);
	for (c = 0; c <= sizeof(b); c++) {
		uint32_t t = c >= 24 ? c - 24 : 0;	/* TCP bytes */

		garbage(&pkt);
		/* 0-19: the fixed header; 20-23: its options. */
		if (!expect_cut(decode_ipv4(&pkt, b, c, 64), c, 24,
		    HSA_TRUNC_IPV4))
			continue;
		check_ipv4(&pkt, false);
		check_tcp(&pkt, HSA_TCP_ACK, 8);
		/* The TS option ends 12 bytes into the option list. */
		check_options(&pkt.opt, (struct want_options){
		    .has_timestamps = t >= 32,
		    .tsval = t >= 32 ? 0x000abcdeu : 0,
		    .tsecr = t >= 32 ? 0xf0000001u : 0,
		    .truncated = t < 32 });
	}
}

/* ---- malformed headers ---------------------------------------------------- */

static void test_ipv4_bad_version(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;
	unsigned v;
	uint32_t c;

	(void)state;
	for (v = 0; v < 16; v++) {
		if (v == 4)
			continue;
		build_plain(b, 0, 0, PROTO_TCP);
		b[0] = (uint8_t)(v << 4 | 5);
		expect_result(decode_ipv4(&pkt, b, 40, 40),
		    HSA_BAD_IPV4_VERSION, v);
		/* One byte is enough to tell. */
		for (c = 1; c <= 40; c++)
			expect_result(decode_ipv4(&pkt, b, c, 40),
			    HSA_BAD_IPV4_VERSION, c);
		expect_result(decode_ipv4(&pkt, b, 0, 40),
		    HSA_TRUNC_IPV4, 0);
	}
}

static void test_ipv4_ihl_below_5(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;
	unsigned ihl;
	uint32_t c;

	(void)state;
	for (ihl = 0; ihl < 5; ihl++) {
		build_plain(b, 0, 0, PROTO_TCP);
		b[0] = (uint8_t)(0x40 | ihl);
		expect_result(decode_ipv4(&pkt, b, 40, 40),
		    HSA_BAD_IPV4_HEADER_LENGTH, ihl);
		/* The IHL is judged once the 20 fixed bytes are in. */
		for (c = 1; c < 20; c++)
			expect_result(decode_ipv4(&pkt, b, c, 40),
			    HSA_TRUNC_IPV4, c);
		for (c = 20; c <= 40; c++)
			expect_result(decode_ipv4(&pkt, b, c, 40),
			    HSA_BAD_IPV4_HEADER_LENGTH, c);
	}
}

/* Total Length below the header length. */
static void test_ipv4_total_length_below_header(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;
	unsigned ihl;
	uint32_t total;

	(void)state;
	for (ihl = 5; ihl <= 15; ihl++) {
		for (total = 1; total < ihl * 4; total++) {
			memset(b, 0, sizeof(b));
			put_ipv4(b, (uint8_t)ihl, (uint16_t)total, 0,
			    PROTO_TCP);
			expect_result(decode_ipv4(&pkt, b, sizeof(b),
			    sizeof(b)), HSA_BAD_IPV4_TOTAL_LENGTH, total);
		}
	}
}

/* Total Length at least the IP header but too short for a TCP header. */
static void test_ipv4_total_length_too_short_for_tcp(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;
	uint32_t total;

	(void)state;
	for (total = 20; total < 40; total++) {
		build_plain(b, 0, 0, PROTO_TCP);
		put_be16(b + 2, (uint16_t)total);
		expect_result(decode_ipv4(&pkt, b, 40, 40),
		    HSA_BAD_TCP_DATA_OFFSET, total);
	}
}

/* Total Length beyond the datagram's length on the wire. */
static void test_ipv4_total_length_beyond_wire(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;

	(void)state;
	build_plain(b, 0, 0, PROTO_TCP);		/* total 40 */
	expect_result(decode_ipv4(&pkt, b, 40, 39),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 39);
	expect_result(decode_ipv4(&pkt, b, 20, 39),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 20);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 40), HSA_DECODE_TCP, 40);
	check_tcp(&pkt, HSA_TCP_ACK, 0);

	put_be16(b + 2, 65535);
	expect_result(decode_ipv4(&pkt, b, 40, 65534),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 65534);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 65535), HSA_DECODE_TCP, 40);
	check_tcp(&pkt, HSA_TCP_ACK, 65535 - 40);
}

/* Total Length 0, as captures of TCP segmentation offload show it: the
 * wire length stands in for it. */
static void test_ipv4_total_length_zero_tso(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;

	(void)state;
	put_ipv4(b, 5, 0, IP_DF, PROTO_TCP);
	put_tcp(b + 20, 8, HSA_TCP_ACK, ts_opts, sizeof(ts_opts));
	/* A 64 KB super-segment captured to the end of its headers. */
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 52, 65000), HSA_DECODE_TCP,
	    52);
	check_ipv4(&pkt, false);
	check_tcp(&pkt, HSA_TCP_ACK, 65000 - 52);
	assert_true(pkt.opt.has_timestamps);
	/* Beyond 65535, which Total Length itself could not say. */
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 52, 200000), HSA_DECODE_TCP,
	    52);
	check_tcp(&pkt, HSA_TCP_ACK, 200000 - 52);
	/* Exactly the headers. */
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 52, 52), HSA_DECODE_TCP, 52);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	/* A wire length too short for the TCP header it shows. */
	expect_result(decode_ipv4(&pkt, b, 40, 40),
	    HSA_BAD_TCP_DATA_OFFSET, 40);
	/* ... or for the IP options. */
	put_ipv4(b, 15, 0, 0, PROTO_TCP);
	expect_result(decode_ipv4(&pkt, b, 52, 52),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 52);
}

/* ---- fragments ------------------------------------------------------------ */

/* A fragment other than the first has no TCP header: skipped, whatever its
 * protocol and MF bit. */
static void test_ipv4_later_fragment_skipped(void **state)
{
	static const uint16_t offs[] = { 1, 2, 185, 0x1000, 0x1fff };
	uint8_t b[40];
	struct hsa_packet pkt;
	size_t i;
	unsigned more;

	(void)state;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (more = 0; more < 2; more++) {
			uint16_t frag = (uint16_t)(offs[i] |
			    (more ? IP_MF : 0));

			build_plain(b, 0, frag, PROTO_TCP);
			expect_result(decode_ipv4(&pkt, b, 40, 40),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
			expect_result(decode_ipv4(&pkt, b, 20, 40),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
			build_plain(b, 0, frag, PROTO_UDP);
			expect_result(decode_ipv4(&pkt, b, 40, 40),
			    HSA_SKIP_IP_FRAGMENT, offs[i]);
		}
	}
	/* A later fragment with room for less than a TCP header. */
	build_plain(b, 0, 185, PROTO_TCP);
	put_be16(b + 2, 28);
	expect_result(decode_ipv4(&pkt, b, 28, 28), HSA_SKIP_IP_FRAGMENT,
	    28);
}

/* The first fragment (MF, offset 0) holds the TCP header; its payload
 * length covers this fragment only, and the packet says so. */
static void test_ipv4_first_fragment(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;

	(void)state;
	build_plain(b, 1440, IP_MF, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 1480), HSA_DECODE_TCP, 40);
	check_ipv4(&pkt, true);
	check_tcp(&pkt, HSA_TCP_ACK, 1440);

	/* DF, or the reserved bit, is not a fragment. */
	build_plain(b, 0, IP_DF, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 40), HSA_DECODE_TCP, 40);
	check_ipv4(&pkt, false);
	build_plain(b, 0, 0x8000, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 40), HSA_DECODE_TCP, 40);
	check_ipv4(&pkt, false);
	/* MF and DF together: still the first fragment. */
	build_plain(b, 0, IP_MF | IP_DF, PROTO_TCP);
	garbage(&pkt);
	expect_result(decode_ipv4(&pkt, b, 40, 40), HSA_DECODE_TCP, 40);
	check_ipv4(&pkt, true);
}

/* Checks come in a fixed order: version, the 20 bytes, IHL, total length,
 * the options being captured, fragment, protocol. */
static void test_ipv4_check_order(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;

	(void)state;
	/* Bad IHL wins over a bad total length. */
	build_plain(b, 0, 0, PROTO_TCP);
	b[0] = 0x44;
	put_be16(b + 2, 1000);
	expect_result(decode_ipv4(&pkt, b, 40, 40),
	    HSA_BAD_IPV4_HEADER_LENGTH, 40);
	/* A bad total length wins over cut IP options. */
	put_ipv4(b, 15, 1000, 0, PROTO_TCP);
	expect_result(decode_ipv4(&pkt, b, 30, 100),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 30);
	/* Cut IP options win over fragment and protocol. */
	put_ipv4(b, 15, 100, 185, PROTO_UDP);
	expect_result(decode_ipv4(&pkt, b, 59, 100), HSA_TRUNC_IPV4, 59);
	expect_result(decode_ipv4(&pkt, b, 60, 100),
	    HSA_SKIP_IP_FRAGMENT, 60);
	/* Fragment wins over protocol. */
	put_ipv4(b, 5, 100, 185, PROTO_UDP);
	expect_result(decode_ipv4(&pkt, b, 20, 100),
	    HSA_SKIP_IP_FRAGMENT, 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_payload_len_from_total_length),
		cmocka_unit_test(test_ipv4_padding_after_datagram),
		cmocka_unit_test(test_ipv4_options_every_ihl),
		cmocka_unit_test(test_ipv4_not_tcp),
		cmocka_unit_test(test_ipv4_every_truncation_length),
		cmocka_unit_test(test_ipv4_bad_version),
		cmocka_unit_test(test_ipv4_ihl_below_5),
		cmocka_unit_test(test_ipv4_total_length_below_header),
		cmocka_unit_test(test_ipv4_total_length_too_short_for_tcp),
		cmocka_unit_test(test_ipv4_total_length_beyond_wire),
		cmocka_unit_test(test_ipv4_total_length_zero_tso),
		cmocka_unit_test(test_ipv4_later_fragment_skipped),
		cmocka_unit_test(test_ipv4_first_fragment),
		cmocka_unit_test(test_ipv4_check_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
