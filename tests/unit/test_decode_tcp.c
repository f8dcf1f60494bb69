/*
 * test_decode_tcp.c - unit tests for the TCP header and option decoder
 * (hsa_decode_tcp, hsa_decode_tcp_options) on segments built byte by byte,
 * and the shortcut for the common option layouts against the general walk.
 *
 * Every expected value is written out here, not recomputed with the
 * decoder's own logic: ports, sequence numbers, flags, window, the payload
 * length taken from the segment length the IP layer claims, and the options
 * hsanalyze reports.  Truncation is checked at every captured length.
 */

/* Every header built here carries a checksum and an urgent pointer that are
 * not zero: the decoder reads neither. */
#define TCP_CHECKSUM	0xa5a5
#define TCP_URGENT	0x0102

#include "decode_test.h"

/* A SYN's options as Linux sends them (20 bytes):
 * MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t syn_opts[SYN_OPTS_LEN] = {
	2, 4, 0x05, 0xb4,				/* MSS 1460, ends at 4 */
	4, 2,						/* SACK permitted, 6 */
	8, 10, 0x89, 0xab, 0xcd, 0xef,			/* TS val 0x89abcdef */
	       0x01, 0x02, 0x03, 0x04,			/*    ecr 0x01020304, 16 */
	1,						/* NOP, 17 */
	3, 3, 7,					/* window scale 7, 20 */
};

/* What syn_opts decode to. */
static const struct want_options syn_want = {
	.has_mss = true, .mss = 1460, .sack_permitted = true,
	.has_timestamps = true, .tsval = 0x89abcdefu, .tsecr = 0x01020304u,
	.has_wscale = true, .wscale = 7,
};

/* A data segment's options: NOP NOP timestamps (12 bytes). */
static const uint8_t ts_opts[12] = {
	1, 1, 8, 10, 0xff, 0xff, 0xff, 0xfe, 0x7f, 0x00, 0x00, 0x01,
};

/* ---- the fixed header ------------------------------------------------- */

static void test_tcp_header_no_options(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;

	(void)state;
	put_tcp(b, 5, HSA_TCP_PSH | HSA_TCP_ACK, NULL, 0);
	garbage(&pkt);
	/* 1000 payload bytes on the wire, none captured. */
	expect_result(decode_tcp(&pkt, b, sizeof(b), 1020), HSA_DECODE_TCP,
	    sizeof(b));
	check_tcp(&pkt, HSA_TCP_PSH | HSA_TCP_ACK, 1000);
	check_no_options(&pkt.opt, false);
}

static void test_tcp_every_flag_byte(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;
	unsigned f;

	(void)state;
	for (f = 0; f < 256; f++) {
		put_tcp(b, 5, (uint8_t)f, NULL, 0);
		garbage(&pkt);
		expect_result(decode_tcp(&pkt, b, sizeof(b), 20),
		    HSA_DECODE_TCP, f);
		check_tcp(&pkt, (uint8_t)f, 0);
	}
	/* The flag constants are the bits of byte 13. */
	assert_int_equal(HSA_TCP_FIN | HSA_TCP_SYN | HSA_TCP_RST | HSA_TCP_PSH |
	    HSA_TCP_ACK | HSA_TCP_URG | HSA_TCP_ECE | HSA_TCP_CWR, 0xff);
}

/* The low nibble of byte 12 (reserved, the old NS bit) is neither part of
 * the data offset nor of the flags. */
static void test_tcp_reserved_bits_ignored(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;

	(void)state;
	put_tcp(b, 5, HSA_TCP_ACK, NULL, 0);
	b[12] |= 0x0f;
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 20 + 5),
	    HSA_DECODE_TCP, sizeof(b));
	check_tcp(&pkt, HSA_TCP_ACK, 5);
	check_no_options(&pkt.opt, false);
}

static void test_tcp_extreme_values(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;

	(void)state;
	memset(b, 0xff, sizeof(b));
	b[12] = 0x50;
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 65535),
	    HSA_DECODE_TCP, sizeof(b));
	assert_int_equal(pkt.sport, 65535);
	assert_int_equal(pkt.dport, 65535);
	assert_int_equal(pkt.seq, 0xffffffffu);
	assert_int_equal(pkt.ack, 0xffffffffu);
	assert_int_equal(pkt.flags, 0xff);
	assert_int_equal(pkt.window, 65535);
	assert_int_equal(pkt.payload_len, 65535 - 20);

	memset(b, 0, sizeof(b));
	b[12] = 0x50;
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 20), HSA_DECODE_TCP,
	    sizeof(b));
	assert_int_equal(pkt.sport, 0);
	assert_int_equal(pkt.dport, 0);
	assert_int_equal(pkt.seq, 0);
	assert_int_equal(pkt.ack, 0);
	assert_int_equal(pkt.flags, 0);
	assert_int_equal(pkt.window, 0);
	assert_int_equal(pkt.payload_len, 0);
	check_no_options(&pkt.opt, false);
}

/* payload_len is seglen minus the header, whatever was captured: bytes past
 * the segment (Ethernet padding) are neither payload nor options. */
static void test_tcp_payload_len_from_seglen(void **state)
{
	uint8_t b[64];
	struct hsa_packet pkt;
	uint32_t hlen;

	(void)state;
	memset(b, 0, sizeof(b));
	hlen = put_tcp(b, 8, HSA_TCP_ACK, ts_opts, sizeof(ts_opts));
	assert_int_equal(hlen, 32);

	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, hlen, 32 + 1448),
	    HSA_DECODE_TCP, hlen);
	check_tcp(&pkt, HSA_TCP_ACK, 1448);
	assert_true(pkt.opt.has_timestamps);
	assert_int_equal(pkt.opt.tsval, 0xfffffffeu);
	assert_int_equal(pkt.opt.tsecr, 0x7f000001u);
	assert_false(pkt.opt.truncated);
	assert_false(pkt.opt.invalid);

	/* A bare 20-byte ACK followed by padding that looks like options. */
	put_tcp(b, 5, HSA_TCP_ACK, syn_opts, sizeof(syn_opts));
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, 40, 20), HSA_DECODE_TCP, 40);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
	check_no_options(&pkt.opt, false);

	/* Exactly the header: no payload. */
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, 20, 20), HSA_DECODE_TCP, 20);
	check_tcp(&pkt, HSA_TCP_ACK, 0);
}

/* ---- options ------------------------------------------------------------ */

static void test_tcp_syn_options(void **state)
{
	uint8_t b[40];
	struct hsa_packet pkt;

	(void)state;
	assert_int_equal(put_tcp(b, 10, HSA_TCP_SYN, syn_opts,
	    sizeof(syn_opts)), 40);
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 40), HSA_DECODE_TCP,
	    sizeof(b));
	check_tcp(&pkt, HSA_TCP_SYN, 0);
	check_options(&pkt.opt, syn_want);
}

/* The largest values each option can carry, in another order, with a
 * 40-byte option space (data offset 15). */
static void test_tcp_options_max_values(void **state)
{
	static const uint8_t opts[40] = {
		3, 3, 255,				/* wscale 255 (as sent) */
		8, 10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		2, 4, 0xff, 0xff,			/* MSS 65535 */
		1, 1, 1,
		4, 2,					/* SACK permitted */
		0,					/* EOL, then padding */
	};
	uint8_t b[60];
	struct hsa_packet pkt;

	(void)state;
	put_tcp(b, 15, HSA_TCP_SYN | HSA_TCP_ACK, opts, sizeof(opts));
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 60 + 3),
	    HSA_DECODE_TCP, sizeof(b));
	check_tcp(&pkt, HSA_TCP_SYN | HSA_TCP_ACK, 3);
	check_options(&pkt.opt, (struct want_options){
	    .has_mss = true, .mss = 65535, .has_wscale = true, .wscale = 255,
	    .sack_permitted = true, .has_timestamps = true,
	    .tsval = 0xffffffffu, .tsecr = 0xffffffffu });
}

/* Options hsanalyze does not report (SACK blocks, MPTCP, TCP Fast Open,
 * an unassigned kind) are stepped over by their length. */
static void test_tcp_options_unknown_skipped(void **state)
{
	static const uint8_t opts[] = {
		5, 10, 0, 0, 0, 1, 0, 0, 0, 2,		/* SACK block */
		30, 4, 0x00, 0x81,			/* MPTCP */
		34, 2,					/* TFO cookie request */
		200, 3, 0xee,				/* unassigned */
		2, 4, 0x23, 0x28,			/* MSS 9000 */
		3, 3, 14,				/* wscale 14 */
		1, 1, 1, 1, 1, 1,			/* to 32 bytes */
	};
	struct hsa_tcp_options opt;

	(void)state;
	assert_int_equal(sizeof(opts), 32);
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), sizeof(opts));
	check_options(&opt, (struct want_options){
	    .has_mss = true, .mss = 9000, .has_wscale = true, .wscale = 14 });
}

/* End of option list: nothing after it is an option. */
static void test_tcp_options_eol_stops(void **state)
{
	static const uint8_t opts[12] = {
		2, 4, 0x05, 0x78,			/* MSS 1400 */
		0,					/* EOL */
		3, 3, 9, 4, 2, 1, 1,			/* not options */
	};
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), sizeof(opts));
	assert_true(opt.has_mss);
	assert_int_equal(opt.mss, 1400);
	assert_false(opt.has_wscale);
	assert_false(opt.sack_permitted);
	assert_false(opt.truncated);
	assert_false(opt.invalid);

	/* An EOL first: no options at all, and an EOL right at the cut is
	 * not a truncation. */
	garbage_opt(&opt);
	decode_options(&opt, opts + 4, 1, 8);
	check_no_options(&opt, false);
}

static void test_tcp_options_empty_and_nops(void **state)
{
	static const uint8_t nops[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, nops, 0, 0);
	check_no_options(&opt, false);
	garbage_opt(&opt);
	decode_options(&opt, nops, sizeof(nops), sizeof(nops));
	check_no_options(&opt, false);
	/* NOPs cut by the snaplen are still a cut option list. */
	garbage_opt(&opt);
	decode_options(&opt, nops, 5, sizeof(nops));
	check_no_options(&opt, true);
}

/* A length byte of 0 or 1 cannot step forward: the list is invalid there
 * and nothing after it is read.  The bytes after the length byte are a valid
 * SACK-permitted option, which a parser stepping 1 byte (or 0) would find. */
static void test_tcp_option_length_0_and_1(void **state)
{
	uint8_t opts[12] = {
		3, 3, 5,				/* wscale 5: parsed */
		2, 0,					/* MSS, length below */
		4, 2,					/* never reached */
		2, 4, 0x05, 0xb4,			/* never reached */
		1,
	};
	struct hsa_tcp_options opt;
	unsigned kind, len;

	(void)state;
	for (kind = 0; kind < 2; kind++) {
		opts[3] = kind ? 77 : 2;		/* MSS, or unknown */
		for (len = 0; len < 2; len++) {
			opts[4] = (uint8_t)len;
			garbage_opt(&opt);
			decode_options(&opt, opts, sizeof(opts), sizeof(opts));
			assert_true(opt.has_wscale);
			assert_int_equal(opt.wscale, 5);
			assert_false(opt.has_mss);
			assert_int_equal(opt.mss, 0);
			assert_false(opt.sack_permitted);
			assert_true(opt.invalid);
			assert_false(opt.truncated);
		}
	}
}

/* An option whose length runs past the option space. */
static void test_tcp_option_overruns(void **state)
{
	static const uint8_t opts[8] = {
		2, 4, 0x05, 0xb4,			/* MSS 1460 */
		1, 1,
		8, 10,					/* TS needs 10, 2 left */
	};
	uint8_t b[28];
	struct hsa_packet pkt;
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), sizeof(opts));
	assert_true(opt.has_mss);
	assert_int_equal(opt.mss, 1460);
	assert_false(opt.has_timestamps);
	assert_true(opt.invalid);
	assert_false(opt.truncated);

	/* Through the segment decoder: data offset 7, 8 option bytes, and
	 * the bytes after the header (payload) must not complete the TS. */
	put_tcp(b, 7, HSA_TCP_SYN, opts, sizeof(opts));
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, sizeof(b), 28 + 100),
	    HSA_DECODE_TCP, sizeof(b));
	check_tcp(&pkt, HSA_TCP_SYN, 100);
	assert_true(pkt.opt.has_mss);
	assert_false(pkt.opt.has_timestamps);
	assert_true(pkt.opt.invalid);
	assert_false(pkt.opt.truncated);

	/* An unknown kind with a length one past the end. */
	{
		static const uint8_t o2[4] = { 1, 99, 4, 0 };
		garbage_opt(&opt);
		decode_options(&opt, o2, sizeof(o2), sizeof(o2) - 1);
		assert_true(opt.invalid);
		assert_false(opt.truncated);
	}
}

/* A kind byte in the last byte of the option space has no room for its
 * length byte: invalid, not cut. */
static void test_tcp_option_kind_without_length(void **state)
{
	static const uint8_t opts[4] = { 1, 1, 1, 2 };
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), sizeof(opts));
	assert_true(opt.invalid);
	assert_false(opt.truncated);
	assert_false(opt.has_mss);
}

/* A known option with the wrong length is flagged invalid, yet its length
 * byte is sound, so the options after it are still read. */
static void test_tcp_option_wrong_lengths(void **state)
{
	static const struct {
		const char *what;
		uint8_t bad[10];
		uint8_t badlen;
	} cases[] = {
		{ "MSS length 3",	{ 2, 3, 0x05 }, 3 },
		{ "MSS length 6",	{ 2, 6, 0x05, 0xb4, 0, 0 }, 6 },
		{ "wscale length 2",	{ 3, 2 }, 2 },
		{ "wscale length 4",	{ 3, 4, 7, 0 }, 4 },
		{ "SACK-perm length 3",	{ 4, 3, 0 }, 3 },
		{ "TS length 8",	{ 8, 8, 1, 2, 3, 4, 5, 6 }, 8 },
		{ "TS length 2",	{ 8, 2 }, 2 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		/* bad option, then every option valid */
		static const uint8_t good[] = {
			2, 4, 0x02, 0x18,		/* MSS 536 */
			3, 3, 2,			/* wscale 2 */
			4, 2,				/* SACK permitted */
			8, 10, 0, 0, 0, 42, 0, 0, 0, 7,	/* TS 42, 7 */
		};
		uint8_t opts[40];
		uint32_t n = cases[i].badlen;
		struct hsa_tcp_options opt;

		memset(opts, 0, sizeof(opts));
		memcpy(opts, cases[i].bad, n);
		memcpy(opts + n, good, sizeof(good));
		n += sizeof(good);
		garbage_opt(&opt);
		decode_options(&opt, opts, n, n);
		if (!opt.invalid)
			fail_msg("%s: not flagged invalid", cases[i].what);
		assert_false(opt.truncated);
		assert_true(opt.has_mss);
		assert_int_equal(opt.mss, 536);
		assert_true(opt.has_wscale);
		assert_int_equal(opt.wscale, 2);
		assert_true(opt.sack_permitted);
		assert_true(opt.has_timestamps);
		assert_int_equal(opt.tsval, 42);
		assert_int_equal(opt.tsecr, 7);
	}
}

/* A bad option after good ones leaves the good ones in place. */
static void test_tcp_option_wrong_length_after_valid(void **state)
{
	static const uint8_t opts[12] = {
		2, 4, 0x05, 0xb4,			/* MSS 1460 */
		3, 4, 7, 0,				/* wscale with length 4 */
		1, 1, 1, 1,
	};
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), sizeof(opts));
	assert_true(opt.has_mss);
	assert_int_equal(opt.mss, 1460);
	assert_false(opt.has_wscale);
	assert_int_equal(opt.wscale, 0);
	assert_true(opt.invalid);
	assert_false(opt.truncated);
}

/* Truncation takes precedence only where the byte that would show the
 * error was not captured. */
static void test_tcp_option_truncated_vs_invalid(void **state)
{
	static const uint8_t opts[20] = {
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		8, 30,					/* overruns the 20 */
		0, 0, 0, 0, 0, 0,
	};
	struct hsa_tcp_options opt;

	(void)state;
	/* The length byte was not captured: cut, not invalid. */
	garbage_opt(&opt);
	decode_options(&opt, opts, 13, sizeof(opts));
	check_no_options(&opt, true);
	/* The length byte was captured: invalid. */
	garbage_opt(&opt);
	decode_options(&opt, opts, 14, sizeof(opts));
	assert_true(opt.invalid);
	assert_false(opt.truncated);
	/* A kind in the last option byte, with the length unknowable. */
	garbage_opt(&opt);
	decode_options(&opt, opts + 1, 12, 12);
	assert_true(opt.invalid);
	assert_false(opt.truncated);
	/* An option with a sound length cut by the snaplen. */
	{
		static const uint8_t o2[10] = { 8, 10, 1, 2, 3, 4, 5, 6, 7, 8 };
		garbage_opt(&opt);
		decode_options(&opt, o2, 9, sizeof(o2));
		check_no_options(&opt, true);
	}
}

/* caplen beyond optlen: the bytes past the option space are not read as
 * options. */
static void test_tcp_options_caplen_beyond_optlen(void **state)
{
	static const uint8_t opts[12] = {
		2, 4, 0x05, 0xb4,			/* MSS 1460 */
		3, 3, 7,				/* past optlen */
		4, 2, 1, 1, 1,
	};
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), 4);
	assert_true(opt.has_mss);
	assert_int_equal(opt.mss, 1460);
	assert_false(opt.has_wscale);
	assert_false(opt.sack_permitted);
	assert_false(opt.truncated);
	assert_false(opt.invalid);
	/* optlen ending inside the wscale option: it overruns. */
	garbage_opt(&opt);
	decode_options(&opt, opts, sizeof(opts), 6);
	assert_true(opt.has_mss);
	assert_false(opt.has_wscale);
	assert_true(opt.invalid);
	assert_false(opt.truncated);
}

/* ---- the common layouts: shortcut and general walk ----------------------- */

/* hsa_decode_tcp_options() takes NOP NOP TS and the Linux SYN list in one
 * step; whatever the bytes, it must give what the general walk gives. */
static void expect_same_as_walk(const uint8_t *b, uint32_t caplen,
    uint32_t optlen, unsigned what)
{
	struct hsa_tcp_options fast, walk;

	garbage_opt(&fast);
	garbage_opt(&walk);
	ON_EXACT_COPY(p, b, caplen,
	    hsa_decode_tcp_options(&fast, p, caplen, optlen));
	ON_EXACT_COPY(p, b, caplen,
	    hsa_decode_tcp_options_walk(&walk, p, caplen, optlen));
	if (fast.has_mss != walk.has_mss || fast.mss != walk.mss ||
	    fast.has_wscale != walk.has_wscale ||
	    fast.wscale != walk.wscale ||
	    fast.sack_permitted != walk.sack_permitted ||
	    fast.has_timestamps != walk.has_timestamps ||
	    fast.tsval != walk.tsval || fast.tsecr != walk.tsecr ||
	    fast.truncated != walk.truncated || fast.invalid != walk.invalid)
		fail_msg("case %u (caplen %u, optlen %u): the shortcut and "
		    "the walk differ", what, (unsigned)caplen,
		    (unsigned)optlen);
}

/* The data segment's list followed by a SACK block, and exact values. */
static const uint8_t ts_sack_opts[24] = {
	1, 1, 8, 10, 0x00, 0x00, 0x10, 0x00, 0xca, 0xfe, 0xba, 0xbe,
	1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2,		/* SACK block */
};

static void test_tcp_options_common_layouts(void **state)
{
	/* The SYN list, then an MSS with a wrong length: the walk goes on
	 * after the shortcut and still sees it. */
	uint8_t syn_bad[24];
	struct hsa_tcp_options opt;

	(void)state;
	garbage_opt(&opt);
	decode_options(&opt, ts_opts, sizeof(ts_opts), sizeof(ts_opts));
	check_options(&opt, (struct want_options){ .has_timestamps = true,
	    .tsval = 0xfffffffeu, .tsecr = 0x7f000001u });

	garbage_opt(&opt);
	decode_options(&opt, ts_sack_opts, sizeof(ts_sack_opts),
	    sizeof(ts_sack_opts));
	check_options(&opt, (struct want_options){ .has_timestamps = true,
	    .tsval = 0x1000u, .tsecr = 0xcafebabeu });
	/* Cut inside the SACK block. */
	garbage_opt(&opt);
	decode_options(&opt, ts_sack_opts, 20, sizeof(ts_sack_opts));
	check_options(&opt, (struct want_options){ .has_timestamps = true,
	    .tsval = 0x1000u, .tsecr = 0xcafebabeu, .truncated = true });

	garbage_opt(&opt);
	decode_options(&opt, syn_opts, sizeof(syn_opts), sizeof(syn_opts));
	check_options(&opt, syn_want);

	memcpy(syn_bad, syn_opts, sizeof(syn_opts));
	memcpy(syn_bad + 20, (const uint8_t[]){ 2, 3, 0, 1 }, 4);
	garbage_opt(&opt);
	decode_options(&opt, syn_bad, sizeof(syn_bad), sizeof(syn_bad));
	{
		struct want_options w = syn_want;

		w.invalid = true;
		check_options(&opt, w);
	}
	/* An option space that ends inside the timestamps: invalid, though
	 * the bytes captured past it would complete them. */
	garbage_opt(&opt);
	decode_options(&opt, ts_opts, sizeof(ts_opts), 11);
	check_options(&opt, (struct want_options){ .invalid = true });
	garbage_opt(&opt);
	decode_options(&opt, syn_opts, sizeof(syn_opts), 19);
	check_options(&opt, (struct want_options){ .has_mss = true,
	    .mss = 1460, .sack_permitted = true, .has_timestamps = true,
	    .tsval = 0x89abcdefu, .tsecr = 0x01020304u, .invalid = true });
}

/* The shortcut against the walk: each layout (and a list matching none),
 * followed by more options, at every option-space length and captured
 * length; then every byte of the layout replaced by values that matter to
 * the walk (EOL, NOP, each reported kind, lengths around the right ones),
 * at every captured length. */
static void test_tcp_options_shortcut_equals_walk(void **state)
{
	static const uint8_t values[] = {
		0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 0x12, 0x80, 0xff,
	};
	const uint8_t *layouts[] = { ts_opts, syn_opts, ts_sack_opts };
	const uint32_t lens[] = { sizeof(ts_opts), sizeof(syn_opts),
	    sizeof(ts_sack_opts) };
	uint8_t b[40];
	unsigned what = 0;
	size_t l, i, v;
	uint32_t optlen, caplen;

	(void)state;
	for (l = 0; l < sizeof(layouts) / sizeof(layouts[0]); l++) {
		/* After the layout: NOP NOP then an MSS, then EOL. */
		memset(b, 0, sizeof(b));
		memcpy(b, layouts[l], lens[l]);
		memcpy(b + lens[l], (const uint8_t[]){ 1, 1, 2, 4, 0x05, 0xdc },
		    6);
		for (optlen = 0; optlen <= sizeof(b); optlen++)
			for (caplen = 0; caplen <= sizeof(b); caplen++)
				expect_same_as_walk(b, caplen, optlen, what++);
		for (i = 0; i < lens[l]; i++) {
			for (v = 0; v < sizeof(values); v++) {
				uint8_t old = b[i];

				b[i] = values[v];
				for (caplen = 0; caplen <= lens[l] + 6;
				    caplen++) {
					expect_same_as_walk(b, caplen,
					    lens[l] + 6, what++);
					expect_same_as_walk(b, caplen,
					    lens[l], what++);
				}
				b[i] = old;
			}
		}
	}
}

/* ---- truncation at every captured length ------------------------------- */

/* A SYN with the Linux options and 10 payload bytes, captured from 0 bytes
 * to all 50.  Below 16 bytes the ports/seq/ack/flags/window are not all
 * there; from 16 on the segment is decoded and the options the snaplen
 * reached are reported, with opt.truncated until the list is complete. */
static void test_tcp_every_truncation_length(void **state)
{
	uint8_t b[50];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	put_tcp(b, 10, HSA_TCP_SYN, syn_opts, sizeof(syn_opts));
	memset(b + 40, 'x', 10);
	for (c = 0; c <= sizeof(b); c++) {
		uint32_t oc = c >= 20 ? c - 20 : 0;	/* option bytes */

		garbage(&pkt);
		if (!expect_cut(decode_tcp(&pkt, b, c, 50), c, 0,
		    HSA_TRUNC_TCP))
			continue;
		check_tcp(&pkt, HSA_TCP_SYN, 10);
		check_syn_options(&pkt.opt, syn_want, oc);
	}
}

/* A 20-byte header with no options: 16..19 captured bytes decode, and
 * with no option list there is nothing to call truncated. */
static void test_tcp_every_truncation_length_no_options(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;
	uint32_t c;

	(void)state;
	put_tcp(b, 5, HSA_TCP_FIN | HSA_TCP_ACK, NULL, 0);
	for (c = 0; c <= sizeof(b); c++) {
		garbage(&pkt);
		if (!expect_cut(decode_tcp(&pkt, b, c, 20), c, 0,
		    HSA_TRUNC_TCP))
			continue;
		check_tcp(&pkt, HSA_TCP_FIN | HSA_TCP_ACK, 0);
		check_no_options(&pkt.opt, false);
	}
}

/* The 54-byte Ethernet snaplen leaves exactly the 20 fixed bytes of TCP:
 * a timestamped data segment still yields its header, and the options are
 * marked cut. */
static void test_tcp_snaplen_leaves_fixed_header(void **state)
{
	uint8_t b[32];
	struct hsa_packet pkt;

	(void)state;
	put_tcp(b, 8, HSA_TCP_ACK | HSA_TCP_PSH, ts_opts, sizeof(ts_opts));
	garbage(&pkt);
	expect_result(decode_tcp(&pkt, b, 20, 32 + 1448), HSA_DECODE_TCP,
	    20);
	check_tcp(&pkt, HSA_TCP_ACK | HSA_TCP_PSH, 1448);
	check_no_options(&pkt.opt, true);
}

/* ---- malformed headers --------------------------------------------------- */

static void test_tcp_data_offset_below_5(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;
	unsigned doff;

	(void)state;
	for (doff = 0; doff < 5; doff++) {
		put_tcp(b, (uint8_t)doff, HSA_TCP_ACK, NULL, 0);
		garbage(&pkt);
		expect_result(decode_tcp(&pkt, b, sizeof(b), 20),
		    HSA_BAD_TCP_DATA_OFFSET, doff);
		garbage(&pkt);
		expect_result(decode_tcp(&pkt, b, sizeof(b), 1000),
		    HSA_BAD_TCP_DATA_OFFSET, doff);
		/* The offset byte is not judged before 16 bytes are in. */
		expect_result(decode_tcp(&pkt, b, 15, 1000),
		    HSA_TRUNC_TCP, doff);
	}
}

/* A header longer than the segment the IP layer carries. */
static void test_tcp_data_offset_beyond_segment(void **state)
{
	uint8_t b[60];
	struct hsa_packet pkt;
	unsigned doff;
	uint32_t seglen;

	(void)state;
	memset(b, 1, sizeof(b));			/* NOP options */
	for (doff = 5; doff <= 15; doff++) {
		uint32_t hlen = doff * 4;

		put_tcp(b, (uint8_t)doff, HSA_TCP_ACK, NULL, 0);
		for (seglen = 20; seglen < hlen; seglen++) {
			expect_result(decode_tcp(&pkt, b, sizeof(b),
			    seglen), HSA_BAD_TCP_DATA_OFFSET, seglen);
		}
		garbage(&pkt);
		expect_result(decode_tcp(&pkt, b, sizeof(b), hlen),
		    HSA_DECODE_TCP, hlen);
		check_tcp(&pkt, HSA_TCP_ACK, 0);
		check_no_options(&pkt.opt, false);
	}
}

/* A segment shorter than the smallest TCP header is malformed whatever was
 * captured: the length comes from the IP header. */
static void test_tcp_seglen_below_20(void **state)
{
	uint8_t b[20];
	struct hsa_packet pkt;
	uint32_t seglen, c;

	(void)state;
	put_tcp(b, 5, HSA_TCP_ACK, NULL, 0);
	for (seglen = 0; seglen < 20; seglen++) {
		for (c = 0; c <= sizeof(b); c++) {
			expect_result(decode_tcp(&pkt, b, c, seglen),
			    HSA_BAD_TCP_DATA_OFFSET, seglen * 100 + c);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_header_no_options),
		cmocka_unit_test(test_tcp_every_flag_byte),
		cmocka_unit_test(test_tcp_reserved_bits_ignored),
		cmocka_unit_test(test_tcp_extreme_values),
		cmocka_unit_test(test_tcp_payload_len_from_seglen),
		cmocka_unit_test(test_tcp_syn_options),
		cmocka_unit_test(test_tcp_options_max_values),
		cmocka_unit_test(test_tcp_options_unknown_skipped),
		cmocka_unit_test(test_tcp_options_eol_stops),
		cmocka_unit_test(test_tcp_options_empty_and_nops),
		cmocka_unit_test(test_tcp_option_length_0_and_1),
		cmocka_unit_test(test_tcp_option_overruns),
		cmocka_unit_test(test_tcp_option_kind_without_length),
		cmocka_unit_test(test_tcp_option_wrong_lengths),
		cmocka_unit_test(test_tcp_option_wrong_length_after_valid),
		cmocka_unit_test(test_tcp_option_truncated_vs_invalid),
		cmocka_unit_test(test_tcp_options_caplen_beyond_optlen),
		cmocka_unit_test(test_tcp_options_common_layouts),
		cmocka_unit_test(test_tcp_options_shortcut_equals_walk),
		cmocka_unit_test(test_tcp_every_truncation_length),
		cmocka_unit_test(test_tcp_every_truncation_length_no_options),
		cmocka_unit_test(test_tcp_snaplen_leaves_fixed_header),
		cmocka_unit_test(test_tcp_data_offset_below_5),
		cmocka_unit_test(test_tcp_data_offset_beyond_segment),
		cmocka_unit_test(test_tcp_seglen_below_20),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
