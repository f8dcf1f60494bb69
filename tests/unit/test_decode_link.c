/*
 * test_decode_link.c - unit tests for the link-layer decoders
 * (hsa_decode_link, hsa_decode_ethertype, hsa_link_supported) and the
 * result names and groups, on frames built byte by byte.
 *
 * Link types: Ethernet with 802.1Q / 802.1ad tags, Linux cooked v1 and v2,
 * BSD loopback (NULL in either byte order, LOOP), raw IP and the IPv4/IPv6
 * DLTs.  Each one carries the same IPv4 or IPv6 SYN, whose decoded fields are
 * checked exactly.
 */
#include <pcap/dlt.h>

#include "decode_test.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

#define ETH_IPV4	0x0800
#define ETH_ARP		0x0806
#define ETH_VLAN	0x8100
#define ETH_QINQ	0x88a8
#define ETH_QINQ_OLD	0x9100
#define ETH_IPV6	0x86dd

/* The size of the IPv4 and IPv6 SYNs built below. */
#define V4_LEN	60
#define V6_LEN	80
#define BUF	256

static const uint8_t src4[4] = { 10, 1, 2, 3 };
static const uint8_t dst4[4] = { 172, 16, 254, 1 };
static const uint8_t src6[16] = {
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x1b, 0x21, 0xff, 0xfe, 0x3c, 0x4d,
	0x5e,
};
static const uint8_t dst6[16] = {
	0x20, 0x01, 0x0d, 0xb8, 0x85, 0xa3, 0, 0, 0, 0, 0x8a, 0x2e, 0x03, 0x70,
	0x73, 0x34,
};

/* MSS 1460, SACK permitted, TS val 0x01020304 ecr 0, NOP, wscale 7. */
static const uint8_t syn_opts[SYN_OPTS_LEN] = {
	2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0, 1, 3, 3, 7,
};

/* What syn_opts decode to. */
static const struct want_options syn_want = {
	.has_mss = true, .mss = 1460, .sack_permitted = true,
	.has_timestamps = true, .tsval = 0x01020304u, .tsecr = 0,
	.has_wscale = true, .wscale = 7,
};

/* A data segment's options: NOP NOP TS val 9 ecr 8 (12 bytes). */
static const uint8_t ts_opts[12] = { 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 8 };

static void put_le32(uint8_t *b, uint32_t v)
{
	b[3] = (uint8_t)(v >> 24);
	b[2] = (uint8_t)(v >> 16);
	b[1] = (uint8_t)(v >> 8);
	b[0] = (uint8_t)v;
}

/* IPv4 + SYN: 60 bytes, total length 60 (0: TSO). */
static uint32_t put_v4(uint8_t *b, uint16_t total)
{
	memset(b, 0, 20);
	b[0] = 0x45;
	put_be16(b + 2, total);
	put_be16(b + 6, 0x4000);
	b[8] = 64;
	b[9] = 6;
	memcpy(b + 12, src4, 4);
	memcpy(b + 16, dst4, 4);
	return 20 + put_tcp(b + 20, 10, HSA_TCP_SYN, syn_opts,
	    sizeof(syn_opts));
}

/* IPv6 + SYN: 80 bytes, payload length 40. */
static uint32_t put_v6(uint8_t *b)
{
	memset(b, 0, 8);
	b[0] = 0x60;
	put_be16(b + 4, 40);
	b[6] = 6;
	b[7] = 255;
	memcpy(b + 8, src6, 16);
	memcpy(b + 24, dst6, 16);
	return 40 + put_tcp(b + 40, 10, HSA_TCP_SYN, syn_opts,
	    sizeof(syn_opts));
}

/* dst, src, ethertype. */
static uint32_t put_eth(uint8_t *b, uint16_t ethertype)
{
	static const uint8_t macs[12] = {
		0x00, 0x1b, 0x21, 0x3c, 0x4d, 0x5e, 0x02, 0x42, 0xac, 0x11,
		0x00, 0x02,
	};

	memcpy(b, macs, sizeof(macs));
	put_be16(b + 12, ethertype);
	return 14;
}

/* A VLAN tag after its TPID: TCI, then the next ethertype. */
static uint32_t put_tag(uint8_t *b, uint16_t tci, uint16_t next)
{
	put_be16(b, tci);
	put_be16(b + 2, next);
	return 4;
}

/* Linux cooked v1: packet type, ARPHRD, address length, address, protocol. */
static uint32_t put_sll(uint8_t *b, uint16_t protocol)
{
	memset(b, 0, 16);
	put_be16(b, 0);				/* to us */
	put_be16(b + 2, 1);			/* ARPHRD_ETHER */
	put_be16(b + 4, 6);
	b[6] = 0x02; b[7] = 0x42; b[8] = 0xac; b[9] = 0x11; b[10] = 0;
	b[11] = 2;
	put_be16(b + 14, protocol);
	return 16;
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type,
 * address length, address. */
static uint32_t put_sll2(uint8_t *b, uint16_t protocol)
{
	memset(b, 0, 20);
	put_be16(b, protocol);
	put_be32(b + 4, 3);			/* ifindex */
	put_be16(b + 8, 1);			/* ARPHRD_ETHER */
	b[10] = 4;				/* outgoing */
	b[11] = 6;
	b[12] = 0x02; b[13] = 0x42; b[14] = 0xac; b[15] = 0x11; b[17] = 3;
	return 20;
}

/* The v4 (version 4) or v6 SYN that put_v4() or put_v6() build, decoded
 * whole. */
static void check_syn(const struct hsa_packet *pkt, unsigned version)
{
	if (version == 4)
		check_ip(pkt, 4, false, src4, dst4);
	else
		check_ip(pkt, 6, false, src6, dst6);
	check_tcp(pkt, HSA_TCP_SYN, 0);
	check_options(&pkt->opt, syn_want);
}

/* Decode a whole frame (wire length = captured length) and expect the v4
 * or v6 SYN. */
static void expect_syn(int dlt, const uint8_t *b, uint32_t len,
    unsigned version)
{
	struct hsa_packet pkt;

	garbage(&pkt);
	expect_result(decode_link(dlt, &pkt, b, len, len), HSA_DECODE_TCP,
	    len);
	check_syn(&pkt, version);
}

static void expect_link(int dlt, const uint8_t *b, uint32_t len,
    enum hsa_decode_result want)
{
	struct hsa_packet pkt;

	expect_result(decode_link(dlt, &pkt, b, len, len), want, len);
}

/* Every captured length from 0 to the whole frame, for a link header of hdr
 * bytes followed by the v4 (v6 false) or v6 SYN. */
static void check_every_length(int dlt, const uint8_t *b, uint32_t hdr,
    bool v6)
{
	uint32_t iplen = v6 ? 40 : 20, len = hdr + (v6 ? V6_LEN : V4_LEN);
	uint32_t c;

	for (c = 0; c <= len; c++) {
		struct hsa_packet pkt;
		enum hsa_decode_result r;
		uint32_t t = c >= hdr + iplen ? c - hdr - iplen : 0;
		uint32_t oc = t >= 20 ? t - 20 : 0;

		garbage(&pkt);
		r = decode_link(dlt, &pkt, b, c, len);
		if (c < hdr || (c == 0 && dlt == DLT_RAW)) {
			/* Raw IP needs its first byte to pick a version. */
			expect_result(r, HSA_TRUNC_LINK, c);
		} else if (expect_cut(r, c, hdr + iplen,
		    v6 ? HSA_TRUNC_IPV6 : HSA_TRUNC_IPV4)) {
			assert_int_equal(pkt.ip_version, v6 ? 6 : 4);
			check_tcp(&pkt, HSA_TCP_SYN, 0);
			check_syn_options(&pkt.opt, syn_want, oc);
		}
	}
}

/* ---- Ethernet ------------------------------------------------------------- */

static void test_eth_ipv4(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_IPV4);
	len += put_v4(b + len, V4_LEN);
	assert_int_equal(len, 74);
	expect_syn(DLT_EN10MB, b, len, 4);
}

static void test_eth_ipv6(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_IPV6);
	len += put_v6(b + len);
	expect_syn(DLT_EN10MB, b, len, 6);
}

static void test_eth_every_truncation_length(void **state)
{
	uint8_t b[BUF];

	(void)state;
	put_v4(b + put_eth(b, ETH_IPV4), V4_LEN);
	check_every_length(DLT_EN10MB, b, 14, false);
	put_v6(b + put_eth(b, ETH_IPV6));
	check_every_length(DLT_EN10MB, b, 14, true);
}

/* The classic 54-byte snaplen: Ethernet + IPv4 + the 20 fixed TCP bytes.
 * Ports, sequence numbers, flags, window and the payload length are all
 * there; the options are marked cut. */
static void test_eth_snaplen_54(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;

	(void)state;
	/* The SYN of test_eth_ipv4, 74 bytes on the wire. */
	put_v4(b + put_eth(b, ETH_IPV4), V4_LEN);
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 54, 74),
	    HSA_DECODE_TCP, 54);
	assert_int_equal(pkt.ip_version, 4);
	check_tcp(&pkt, HSA_TCP_SYN, 0);
	check_no_options(&pkt.opt, true);

	/* A full-size data segment with timestamps. */
	put_eth(b, ETH_IPV4);
	put_v4(b + 14, 1500);
	put_tcp(b + 34, 8, HSA_TCP_ACK | HSA_TCP_PSH, ts_opts, sizeof(ts_opts));
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 54, 1514),
	    HSA_DECODE_TCP, 54);
	assert_memory_equal(pkt.src.bytes, src4, 4);
	assert_memory_equal(pkt.dst.bytes, dst4, 4);
	check_tcp(&pkt, HSA_TCP_ACK | HSA_TCP_PSH, 1500 - 20 - 32);
	assert_true(pkt.opt.truncated);
	assert_false(pkt.opt.has_timestamps);
	/* The same captured to 66 bytes: the timestamps are in. */
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 66, 1514),
	    HSA_DECODE_TCP, 66);
	check_tcp(&pkt, HSA_TCP_ACK | HSA_TCP_PSH, 1448);
	assert_false(pkt.opt.truncated);
	assert_true(pkt.opt.has_timestamps);
	assert_int_equal(pkt.opt.tsval, 9);
	assert_int_equal(pkt.opt.tsecr, 8);
}

/* The IP layer sees the wire length minus the link header: Total Length
 * equal to it is fine, one more is not; padding past it is ignored. */
static void test_eth_wire_length(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;

	(void)state;
	put_v4(b + put_eth(b, ETH_IPV4), V4_LEN);
	/* Captured to 54 of 74 bytes: Total Length 60 = 74 - 14. */
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 54, 74),
	    HSA_DECODE_TCP, 74);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 54, 73),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 73);
	/* A wire length below the captured length is taken as the captured
	 * length (some writers store 0). */
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 74, 0),
	    HSA_DECODE_TCP, 0);
	check_syn(&pkt, 4);
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 74, 60),
	    HSA_DECODE_TCP, 60);
	check_syn(&pkt, 4);
	/* Padding to 80 bytes, captured: payload from Total Length. */
	memset(b + 74, 0, 6);
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 80, 80),
	    HSA_DECODE_TCP, 80);
	check_syn(&pkt, 4);
}

/* Total Length 0 (segmentation offload): the IP length is the frame's. */
static void test_eth_tso_total_length_zero(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;

	(void)state;
	put_v4(b + put_eth(b, ETH_IPV4), 0);
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 74, 65014),
	    HSA_DECODE_TCP, 65014);
	check_tcp(&pkt, HSA_TCP_SYN, 65014 - 14 - 60);
	garbage(&pkt);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 74, 0),
	    HSA_DECODE_TCP, 0);
	check_syn(&pkt, 4);
}

static void test_eth_8021q(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_VLAN);
	len += put_tag(b + len, 0x2064, ETH_IPV4);	/* prio 1, VID 100 */
	len += put_v4(b + len, V4_LEN);
	expect_syn(DLT_EN10MB, b, len, 4);
	check_every_length(DLT_EN10MB, b, 18, false);
	/* The tag takes 4 bytes of the wire length too. */
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 58, 78),
	    HSA_DECODE_TCP, 78);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 58, 77),
	    HSA_BAD_IPV4_TOTAL_LENGTH, 77);

	len = put_eth(b, ETH_VLAN);
	len += put_tag(b + len, 0x0fff, ETH_IPV6);
	len += put_v6(b + len);
	expect_syn(DLT_EN10MB, b, len, 6);
	check_every_length(DLT_EN10MB, b, 18, true);
}

/* 802.1ad service tag + 802.1Q customer tag, and the pre-standard 0x9100. */
static void test_eth_qinq(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_QINQ);
	len += put_tag(b + len, 0x0064, ETH_VLAN);
	len += put_tag(b + len, 0x00c8, ETH_IPV6);
	len += put_v6(b + len);
	expect_syn(DLT_EN10MB, b, len, 6);
	check_every_length(DLT_EN10MB, b, 22, true);
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 80, len),
	    HSA_DECODE_TCP, len);
	/* Payload length 40 = wire length - 14 - 8 - 40. */
	expect_result(decode_link(DLT_EN10MB, &pkt, b, 80, len - 1),
	    HSA_BAD_IPV6_PAYLOAD_LENGTH, len - 1);

	len = put_eth(b, ETH_QINQ);
	len += put_tag(b + len, 0x0064, ETH_VLAN);
	len += put_tag(b + len, 0x00c8, ETH_IPV4);
	len += put_v4(b + len, V4_LEN);
	expect_syn(DLT_EN10MB, b, len, 4);

	len = put_eth(b, ETH_QINQ_OLD);
	len += put_tag(b + len, 0x0064, ETH_VLAN);
	len += put_tag(b + len, 0x00c8, ETH_IPV4);
	len += put_v4(b + len, V4_LEN);
	expect_syn(DLT_EN10MB, b, len, 4);
}

/* Up to 8 stacked tags are walked; a 9th means the frame is not IP. */
static void test_eth_stacked_tags(void **state)
{
	static const uint16_t tpids[] = { ETH_QINQ, ETH_VLAN, ETH_QINQ_OLD };
	uint8_t b[BUF];
	unsigned ntags, i;

	(void)state;
	for (ntags = 1; ntags <= 9; ntags++) {
		uint32_t len = put_eth(b, tpids[0]);

		for (i = 0; i < ntags; i++)
			len += put_tag(b + len, (uint16_t)(i + 1),
			    i + 1 < ntags ? tpids[(i + 1) % 3] : ETH_IPV4);
		len += put_v4(b + len, V4_LEN);
		if (ntags <= 8)
			expect_syn(DLT_EN10MB, b, len, 4);
		else
			expect_link(DLT_EN10MB, b, len, HSA_SKIP_NOT_IP);
	}
}

/* Below 0x0600 the type field is an 802.3 length: an LLC frame. */
static void test_eth_8023_length(void **state)
{
	static const uint16_t lens[] = { 0x0000, 0x0004, 0x002e, 0x05dc,
	    0x05ff };
	uint8_t b[BUF];
	size_t i;
	uint32_t c;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t len = put_eth(b, lens[i]);

		len += put_v4(b + len, V4_LEN);
		expect_link(DLT_EN10MB, b, len, HSA_SKIP_NOT_IP);
		for (c = 14; c < len; c++)
			expect_link(DLT_EN10MB, b, c, HSA_SKIP_NOT_IP);
		for (c = 0; c < 14; c++)
			expect_link(DLT_EN10MB, b, c, HSA_TRUNC_LINK);
	}
}

static void test_eth_not_ip(void **state)
{
	static const uint16_t types[] = { ETH_ARP, 0x0600, 0x8035, 0x8847,
	    0x8864, 0x88cc, 0x88e5, 0x88f7, 0xffff, 0x0801, 0x86de };
	uint8_t b[BUF];
	size_t i;
	uint32_t len;

	(void)state;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		len = put_eth(b, types[i]);
		len += put_v4(b + len, V4_LEN);
		expect_link(DLT_EN10MB, b, len, HSA_SKIP_NOT_IP);
		expect_link(DLT_EN10MB, b, 14, HSA_SKIP_NOT_IP);
		/* Behind a VLAN tag. */
		len = put_eth(b, ETH_VLAN);
		len += put_tag(b + len, 5, types[i]);
		len += put_v4(b + len, V4_LEN);
		expect_link(DLT_EN10MB, b, len, HSA_SKIP_NOT_IP);
	}
	/* An ARP request. */
	len = put_eth(b, ETH_ARP);
	memset(b + len, 0, 28);
	put_be16(b + len, 1);
	put_be16(b + len + 2, 0x0800);
	b[len + 4] = 6;
	b[len + 5] = 4;
	put_be16(b + len + 6, 1);
	expect_link(DLT_EN10MB, b, len + 28, HSA_SKIP_NOT_IP);
}

/* The ethertype says one IP version and the header the other. */
static void test_eth_version_mismatch(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_IPV4);
	len += put_v6(b + len);
	expect_link(DLT_EN10MB, b, len, HSA_BAD_IPV4_VERSION);
	len = put_eth(b, ETH_IPV6);
	len += put_v4(b + len, V4_LEN);
	expect_link(DLT_EN10MB, b, len, HSA_BAD_IPV6_VERSION);
}

static void test_ethertype_direct(void **state)
{
	uint8_t b[BUF];
	struct hsa_packet pkt;
	uint32_t len;

	(void)state;
	len = put_v4(b, V4_LEN);
	garbage(&pkt);
	expect_result(decode_ethertype(&pkt, ETH_IPV4, b, len, len),
	    HSA_DECODE_TCP, len);
	check_syn(&pkt, 4);
	len = put_tag(b, 7, ETH_IPV6);
	len += put_v6(b + len);
	garbage(&pkt);
	expect_result(decode_ethertype(&pkt, ETH_VLAN, b, len, len),
	    HSA_DECODE_TCP, len);
	check_syn(&pkt, 6);
	expect_result(decode_ethertype(&pkt, ETH_VLAN, b, 3, len),
	    HSA_TRUNC_LINK, 3);
	expect_result(decode_ethertype(&pkt, ETH_VLAN, b, 4, len),
	    HSA_TRUNC_IPV6, 4);
	expect_result(decode_ethertype(&pkt, ETH_ARP, b, len, len),
	    HSA_SKIP_NOT_IP, len);
}

/* A link header that put_hdr(b, ethertype) writes, before the v4 and then
 * the v6 SYN: each decodes whole, and at every captured length. */
static void check_syns_behind(int dlt,
    uint32_t (*put_hdr)(uint8_t *b, uint16_t ethertype))
{
	uint8_t b[BUF];
	uint32_t hdr;

	hdr = put_hdr(b, ETH_IPV4);
	put_v4(b + hdr, V4_LEN);
	expect_syn(dlt, b, hdr + V4_LEN, 4);
	check_every_length(dlt, b, hdr, false);

	hdr = put_hdr(b, ETH_IPV6);
	put_v6(b + hdr);
	expect_syn(dlt, b, hdr + V6_LEN, 6);
	check_every_length(dlt, b, hdr, true);
}

/* ---- Linux cooked captures ------------------------------------------------ */

static void test_sll(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	check_syns_behind(DLT_LINUX_SLL, put_sll);

	len = put_sll(b, ETH_VLAN);
	len += put_tag(b + len, 10, ETH_IPV4);
	len += put_v4(b + len, V4_LEN);
	expect_syn(DLT_LINUX_SLL, b, len, 4);

	len = put_sll(b, ETH_ARP);
	len += put_v4(b + len, V4_LEN);
	expect_link(DLT_LINUX_SLL, b, len, HSA_SKIP_NOT_IP);
	/* ETH_P_802_2: an LLC frame. */
	len = put_sll(b, 0x0004);
	len += put_v4(b + len, V4_LEN);
	expect_link(DLT_LINUX_SLL, b, len, HSA_SKIP_NOT_IP);
}

static void test_sll2(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	check_syns_behind(DLT_LINUX_SLL2, put_sll2);

	len = put_sll2(b, ETH_QINQ);
	len += put_tag(b + len, 10, ETH_VLAN);
	len += put_tag(b + len, 11, ETH_IPV6);
	len += put_v6(b + len);
	expect_syn(DLT_LINUX_SLL2, b, len, 6);

	len = put_sll2(b, ETH_ARP);
	len += put_v4(b + len, V4_LEN);
	expect_link(DLT_LINUX_SLL2, b, len, HSA_SKIP_NOT_IP);
}

/* ---- BSD loopback --------------------------------------------------------- */

/* AF_INET6 as the systems that write these captures number it. */
static const uint32_t af_inet6[] = { 10, 23, 24, 28, 30 };
static const uint32_t af_other[] = { 0, 1, 3, 7, 11, 17, 29, 31, 0x0100,
    0x12345678, 0xffffffffu };

/* The family that put_family(b, family) writes, before a SYN: IPv4 (2) and
 * every AF_INET6 decode, whole and at every captured length; any other
 * family is not IP. */
static void check_families(int dlt,
    void (*put_family)(uint8_t *b, uint32_t family))
{
	uint8_t b[BUF];
	size_t i;

	put_family(b, 2);
	put_v4(b + 4, V4_LEN);
	expect_syn(dlt, b, 4 + V4_LEN, 4);
	check_every_length(dlt, b, 4, false);
	for (i = 0; i < sizeof(af_inet6) / sizeof(af_inet6[0]); i++) {
		put_family(b, af_inet6[i]);
		put_v6(b + 4);
		expect_syn(dlt, b, 4 + V6_LEN, 6);
	}
	check_every_length(dlt, b, 4, true);
	for (i = 0; i < sizeof(af_other) / sizeof(af_other[0]); i++) {
		put_family(b, af_other[i]);
		put_v4(b + 4, V4_LEN);
		expect_link(dlt, b, 4 + V4_LEN, HSA_SKIP_NOT_IP);
	}
}

static void test_null_little_endian(void **state)
{
	(void)state;
	check_families(DLT_NULL, put_le32);
}

static void test_null_big_endian(void **state)
{
	(void)state;
	check_families(DLT_NULL, put_be32);
}

/* The family picks the decoder; the header must agree. */
static void test_null_family_mismatch(void **state)
{
	uint8_t b[BUF];

	(void)state;
	put_le32(b, 2);
	put_v6(b + 4);
	expect_link(DLT_NULL, b, 4 + V6_LEN, HSA_BAD_IPV4_VERSION);
	put_le32(b, 24);
	put_v4(b + 4, V4_LEN);
	expect_link(DLT_NULL, b, 4 + V4_LEN, HSA_BAD_IPV6_VERSION);
	/* A family and nothing else. */
	expect_link(DLT_NULL, b, 4, HSA_TRUNC_IPV6);
	put_le32(b, 2);
	expect_link(DLT_NULL, b, 4, HSA_TRUNC_IPV4);
}

/* DLT_LOOP: the family always in network byte order. */
static void test_loop(void **state)
{
	uint8_t b[BUF];

	(void)state;
	check_families(DLT_LOOP, put_be32);
	/* A little-endian family is not one here. */
	put_le32(b, 2);
	put_v4(b + 4, V4_LEN);
	expect_link(DLT_LOOP, b, 4 + V4_LEN, HSA_SKIP_NOT_IP);
	put_le32(b, 24);
	put_v6(b + 4);
	expect_link(DLT_LOOP, b, 4 + V6_LEN, HSA_SKIP_NOT_IP);
}

/* ---- raw IP --------------------------------------------------------------- */

static void test_raw(void **state)
{
	uint8_t b[BUF];
	uint32_t c;
	unsigned v;

	(void)state;
	put_v4(b, V4_LEN);
	expect_syn(DLT_RAW, b, V4_LEN, 4);
	expect_link(DLT_RAW, b, 0, HSA_TRUNC_LINK);
	check_every_length(DLT_RAW, b, 0, false);
	put_v6(b);
	expect_syn(DLT_RAW, b, V6_LEN, 6);
	check_every_length(DLT_RAW, b, 0, true);
	/* Nothing captured: not even the version nibble. */
	for (c = 0; c < 2; c++) {
		struct hsa_packet pkt;

		expect_result(decode_link(DLT_RAW, &pkt, b, 0, c * 80),
		    HSA_TRUNC_LINK, c);
	}
	/* Any other version nibble is not IP. */
	for (v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		put_v4(b, V4_LEN);
		b[0] = (uint8_t)(v << 4 | 5);
		expect_link(DLT_RAW, b, V4_LEN, HSA_SKIP_NOT_IP);
		expect_link(DLT_RAW, b, 1, HSA_SKIP_NOT_IP);
	}
	memset(b, 0xff, 64);
	expect_link(DLT_RAW, b, 64, HSA_SKIP_NOT_IP);
}

static void test_dlt_ipv4(void **state)
{
	uint8_t b[BUF];
	uint32_t c;

	(void)state;
	put_v4(b, V4_LEN);
	expect_syn(DLT_IPV4, b, V4_LEN, 4);
	check_every_length(DLT_IPV4, b, 0, false);
	expect_link(DLT_IPV4, b, 0, HSA_TRUNC_IPV4);
	put_v6(b);
	expect_link(DLT_IPV4, b, V6_LEN, HSA_BAD_IPV4_VERSION);
	for (c = 1; c <= V6_LEN; c++)
		expect_link(DLT_IPV4, b, c, HSA_BAD_IPV4_VERSION);
}

static void test_dlt_ipv6(void **state)
{
	uint8_t b[BUF];
	uint32_t c;

	(void)state;
	put_v6(b);
	expect_syn(DLT_IPV6, b, V6_LEN, 6);
	check_every_length(DLT_IPV6, b, 0, true);
	expect_link(DLT_IPV6, b, 0, HSA_TRUNC_IPV6);
	put_v4(b, V4_LEN);
	expect_link(DLT_IPV6, b, V4_LEN, HSA_BAD_IPV6_VERSION);
	for (c = 1; c <= V4_LEN; c++)
		expect_link(DLT_IPV6, b, c, HSA_BAD_IPV6_VERSION);
}

/* ---- which link types ----------------------------------------------------- */

static void test_link_supported(void **state)
{
	static const int yes[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2,
	    DLT_NULL, DLT_LOOP, DLT_RAW, DLT_IPV4, DLT_IPV6 };
	static const int no[] = { -1, DLT_PPP, DLT_FDDI, DLT_IEEE802,
	    DLT_PPP_SERIAL, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_PRISM_HEADER,
	    DLT_USB_LINUX, DLT_NFLOG, DLT_BLUETOOTH_HCI_H4, DLT_CAN_SOCKETCAN,
	    101 /* LINKTYPE_RAW: libpcap hands it out as DLT_RAW */,
	    1000, 65535, 0x7fffffff };
	size_t i;
	int dlt, n = 0;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		if (!hsa_link_supported(yes[i]))
			fail_msg("link type %d not supported", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		if (hsa_link_supported(no[i]))
			fail_msg("link type %d supported", no[i]);
	/* Exactly these, among all link types libpcap defines. */
	for (dlt = 0; dlt < 1024; dlt++)
		n += hsa_link_supported(dlt);
	assert_int_equal(n, sizeof(yes) / sizeof(yes[0]));
}

/* A link type the decoder does not know: not IP, bytes unread. */
static void test_link_unsupported(void **state)
{
	uint8_t b[BUF];
	uint32_t len;

	(void)state;
	len = put_eth(b, ETH_IPV4);
	len += put_v4(b + len, V4_LEN);
	expect_link(DLT_IEEE802_11, b, len, HSA_SKIP_NOT_IP);
	expect_link(DLT_PPP, b, len, HSA_SKIP_NOT_IP);
	expect_link(-1, b, 0, HSA_SKIP_NOT_IP);
	expect_link(12345, b, 0, HSA_SKIP_NOT_IP);
}

/* ---- result names and groups ---------------------------------------------- */

static const struct {
	enum hsa_decode_result r;
	const char *name;
	enum hsa_decode_group group;
} results[] = {
	{ HSA_DECODE_TCP,		"tcp",			HSA_GROUP_TCP },
	{ HSA_SKIP_NOT_IP,		"not_ip",		HSA_GROUP_SKIPPED },
	{ HSA_SKIP_NOT_TCP,		"not_tcp",		HSA_GROUP_SKIPPED },
	{ HSA_SKIP_IP_FRAGMENT,		"ip_fragment",		HSA_GROUP_SKIPPED },
	{ HSA_TRUNC_LINK,		"link",			HSA_GROUP_TRUNCATED },
	{ HSA_TRUNC_IPV4,		"ipv4",			HSA_GROUP_TRUNCATED },
	{ HSA_TRUNC_IPV6,		"ipv6",			HSA_GROUP_TRUNCATED },
	{ HSA_TRUNC_TCP,		"tcp",			HSA_GROUP_TRUNCATED },
	{ HSA_BAD_IPV4_VERSION,		"ipv4_version",		HSA_GROUP_INVALID },
	{ HSA_BAD_IPV4_HEADER_LENGTH,	"ipv4_header_length",	HSA_GROUP_INVALID },
	{ HSA_BAD_IPV4_TOTAL_LENGTH,	"ipv4_total_length",	HSA_GROUP_INVALID },
	{ HSA_BAD_IPV6_VERSION,		"ipv6_version",		HSA_GROUP_INVALID },
	{ HSA_BAD_IPV6_PAYLOAD_LENGTH,	"ipv6_payload_length",	HSA_GROUP_INVALID },
	{ HSA_BAD_IPV6_EXTENSION_HEADER, "ipv6_extension_header", HSA_GROUP_INVALID },
	{ HSA_BAD_TCP_DATA_OFFSET,	"tcp_data_offset",	HSA_GROUP_INVALID },
};

#define NRESULTS	(sizeof(results) / sizeof(results[0]))

static void test_result_names(void **state)
{
	size_t i, j;

	(void)state;
	/* A new result must be added here too. */
	assert_int_equal(HSA_DECODE_RESULT_COUNT, NRESULTS);
	for (i = 0; i < NRESULTS; i++) {
		assert_int_equal(results[i].r, i);
		assert_string_equal(hsa_decode_result_name(results[i].r),
		    results[i].name);
	}
	/* Within a group, names are unique (a report keys on both). */
	for (i = 0; i < NRESULTS; i++)
		for (j = i + 1; j < NRESULTS; j++)
			if (results[i].group == results[j].group &&
			    strcmp(results[i].name, results[j].name) == 0)
				fail_msg("%s twice in one group",
				    results[i].name);
}

static void test_result_groups(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NRESULTS; i++)
		assert_int_equal(hsa_decode_result_group(results[i].r),
		    results[i].group);
}

static void test_result_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(hsa_decode_result_name(HSA_DECODE_RESULT_COUNT),
	    "unknown");
	assert_int_equal(hsa_decode_result_group(HSA_DECODE_RESULT_COUNT),
	    HSA_GROUP_INVALID);
	assert_string_equal(
	    hsa_decode_result_name((enum hsa_decode_result)1000), "unknown");
	assert_int_equal(
	    hsa_decode_result_group((enum hsa_decode_result)1000),
	    HSA_GROUP_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eth_ipv4),
		cmocka_unit_test(test_eth_ipv6),
		cmocka_unit_test(test_eth_every_truncation_length),
		cmocka_unit_test(test_eth_snaplen_54),
		cmocka_unit_test(test_eth_wire_length),
		cmocka_unit_test(test_eth_tso_total_length_zero),
		cmocka_unit_test(test_eth_8021q),
		cmocka_unit_test(test_eth_qinq),
		cmocka_unit_test(test_eth_stacked_tags),
		cmocka_unit_test(test_eth_8023_length),
		cmocka_unit_test(test_eth_not_ip),
		cmocka_unit_test(test_eth_version_mismatch),
		cmocka_unit_test(test_ethertype_direct),
		cmocka_unit_test(test_sll),
		cmocka_unit_test(test_sll2),
		cmocka_unit_test(test_null_little_endian),
		cmocka_unit_test(test_null_big_endian),
		cmocka_unit_test(test_null_family_mismatch),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_dlt_ipv4),
		cmocka_unit_test(test_dlt_ipv6),
		cmocka_unit_test(test_link_supported),
		cmocka_unit_test(test_link_unsupported),
		cmocka_unit_test(test_result_names),
		cmocka_unit_test(test_result_groups),
		cmocka_unit_test(test_result_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
