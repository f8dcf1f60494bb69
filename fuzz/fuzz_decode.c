/*
 * fuzz_decode.c - libFuzzer target for the decoders, from the link layer
 * down to the TCP options.
 *
 * Input: one control byte, then the captured frame.
 *
 *   control % NLINKS              the link type: links[] holds every DLT that
 *                                 hsa_link_supported() accepts (checked at
 *                                 start-up, so a new one cannot be missed)
 *   (control / NLINKS) % 4        the wire length: 0 the captured length;
 *                                 1 zero (below caplen: must be clamped);
 *                                 2 caplen + 1 + 512 * (control / NLINKS / 4),
 *                                 a frame cut by the snaplen; 3 UINT32_MAX
 *
 * The frame is the tail of libFuzzer's own exact-size buffer, so AddressSanitizer
 * catches a read even one byte past the captured length.  Besides crashes and
 * undefined behaviour, it checks what must hold for any input:
 *
 *   - the result is a known value, with a name;
 *   - a TCP result carries IP version 4 or 6, IPv4 addresses padded with
 *     zeros, option values only for the options present, and a payload
 *     length that fits in the wire length;
 *   - capturing fewer bytes of the same frame (same wire length) gives the
 *     same result or a truncation, and when it gives TCP, the very same
 *     header fields: the snaplen may hide facts, never change them;
 *   - the option parser, on the same bytes taken as an option list, gives
 *     what its general walk alone gives (its shortcut for the common
 *     layouts changes no result).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "hsa_decode.h"
#include "hsa_packet.h"

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

static const int links[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_NULL, DLT_LOOP,
	DLT_RAW, DLT_IPV4, DLT_IPV6,
};
#define NLINKS	(sizeof(links) / sizeof(links[0]))

/* Cut lengths tried per input: every one up to this (all headers live in
 * the first bytes), then a few beyond. */
#define CUT_ALL	160

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;
	int dlt, n = 0;

	(void)argc;
	(void)argv;
	/* links[] must be exactly the supported link types. */
	for (i = 0; i < NLINKS; i++)
		CHECK(hsa_link_supported(links[i]));
	for (dlt = -1; dlt < 70000; dlt++)
		n += hsa_link_supported(dlt);
	CHECK((size_t)n == NLINKS);
	return 0;
}

static void check_packet(const struct hsa_packet *pkt, uint32_t caplen,
    uint32_t wirelen)
{
	static const uint8_t zero[12];
	const struct hsa_tcp_options *o = &pkt->opt;
	uint32_t wire = wirelen > caplen ? wirelen : caplen;

	CHECK(pkt->ip_version == 4 || pkt->ip_version == 6);
	if (pkt->ip_version == 4) {
		CHECK(memcmp(pkt->src.bytes + 4, zero, 12) == 0);
		CHECK(memcmp(pkt->dst.bytes + 4, zero, 12) == 0);
	}
	/* At least an IP header and a TCP header were on the wire. */
	CHECK(wire >= 40);
	CHECK(pkt->payload_len <= wire - 40);
	CHECK(o->has_mss || o->mss == 0);
	CHECK(o->has_wscale || o->wscale == 0);
	CHECK(o->has_timestamps || (o->tsval == 0 && o->tsecr == 0));
}

static bool same_header(const struct hsa_packet *a, const struct hsa_packet *b)
{
	return a->ip_version == b->ip_version &&
	    a->ip_first_fragment == b->ip_first_fragment &&
	    memcmp(&a->src, &b->src, sizeof(a->src)) == 0 &&
	    memcmp(&a->dst, &b->dst, sizeof(a->dst)) == 0 &&
	    a->sport == b->sport && a->dport == b->dport &&
	    a->seq == b->seq && a->ack == b->ack && a->flags == b->flags &&
	    a->window == b->window && a->payload_len == b->payload_len;
}

static enum hsa_decode_result decode(int dlt, struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	enum hsa_decode_result r;

	memset(pkt, 0, sizeof(*pkt));
	r = hsa_decode_link(dlt, pkt, p, caplen, wirelen);
	CHECK(r < HSA_DECODE_RESULT_COUNT);
	CHECK(strcmp(hsa_decode_result_name(r), "unknown") != 0);
	CHECK((hsa_decode_result_group(r) == HSA_GROUP_TCP) ==
	    (r == HSA_DECODE_TCP));
	if (r == HSA_DECODE_TCP)
		check_packet(pkt, caplen, wirelen);
	return r;
}

/* Decode the frame cut to c bytes and compare with the whole frame. */
static void check_cut(int dlt, const uint8_t *p, uint32_t c, uint32_t wire,
    enum hsa_decode_result full, const struct hsa_packet *fullpkt)
{
	struct hsa_packet pkt;
	enum hsa_decode_result r;

	r = decode(dlt, &pkt, p, c, wire);
	if (r == full) {
		if (r == HSA_DECODE_TCP)
			CHECK(same_header(&pkt, fullpkt));
		return;
	}
	CHECK(hsa_decode_result_group(r) == HSA_GROUP_TRUNCATED);
}

static bool same_options(const struct hsa_tcp_options *a,
    const struct hsa_tcp_options *b)
{
	return a->has_mss == b->has_mss && a->mss == b->mss &&
	    a->has_wscale == b->has_wscale && a->wscale == b->wscale &&
	    a->sack_permitted == b->sack_permitted &&
	    a->has_timestamps == b->has_timestamps &&
	    a->tsval == b->tsval && a->tsecr == b->tsecr &&
	    a->truncated == b->truncated && a->invalid == b->invalid;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsa_packet full;
	enum hsa_decode_result r;
	const uint8_t *p;
	uint32_t caplen, wirelen, wire, c;
	unsigned ctl, mode;
	int dlt;

	if (size < 1 || size - 1 > UINT32_MAX)
		return 0;
	ctl = data[0];
	dlt = links[ctl % NLINKS];
	mode = (unsigned)(ctl / NLINKS) % 4;
	p = data + 1;
	caplen = (uint32_t)(size - 1);
	switch (mode) {
	case 0:
		wirelen = caplen;
		break;
	case 1:
		wirelen = 0;
		break;
	case 2:
		wirelen = caplen + 1 + 512 * (uint32_t)(ctl / NLINKS / 4);
		if (wirelen < caplen)
			wirelen = UINT32_MAX;
		break;
	default:
		wirelen = UINT32_MAX;
		break;
	}

	r = decode(dlt, &full, p, caplen, wirelen);

	/* The same frame with fewer bytes captured, on the same wire. */
	wire = wirelen > caplen ? wirelen : caplen;
	for (c = 0; c < caplen && c <= CUT_ALL; c++)
		check_cut(dlt, p, c, wire, r, &full);
	if (caplen > CUT_ALL + 1) {
		check_cut(dlt, p, caplen / 2, wire, r, &full);
		check_cut(dlt, p, caplen - 1, wire, r, &full);
	}

	/* The option parser alone, on the same bytes, as any option space. */
	if (caplen >= 1) {
		struct hsa_tcp_options opt, walk;
		uint32_t optlen = p[0] % 41;

		hsa_decode_tcp_options(&opt, p + 1, caplen - 1, optlen);
		CHECK(opt.has_mss || opt.mss == 0);
		CHECK(!(opt.truncated && caplen - 1 >= optlen));
		hsa_decode_tcp_options_walk(&walk, p + 1, caplen - 1, optlen);
		CHECK(same_options(&opt, &walk));
	}
	return 0;
}
