/*
 * decode_ipv6.c - the IPv6 header (RFC 8200) and its extension-header chain.
 *
 *   | Version | Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit     |
 *   |                     Source Address (16 bytes)                   |
 *   |                  Destination Address (16 bytes)                 |
 *
 * The chain is walked to TCP through hop-by-hop options (0), routing (43),
 * destination options (60), fragment (44) and authentication (51) headers.
 * A fragment header with a non-zero offset means the TCP header is in
 * another packet: counted and skipped, as for IPv4.
 */
#include "config.h"

#include <string.h>

#include "hsa_decode.h"
#include "extract.h"

#define NH_HOPOPTS	0
#define NH_TCP		6
#define NH_ROUTING	43
#define NH_FRAGMENT	44
#define NH_AH		51
#define NH_NONE		59
#define NH_DSTOPTS	60

/* More extension headers than this is an attack, not a packet. */
#define MAX_EXT_HEADERS	16

enum hsa_decode_result hsa_decode_ipv6(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	uint32_t plen, off, extlen;
	uint8_t nh;
	bool first_fragment = false;
	int n;

	if (!hsa_have(caplen, 0, 1))
		return HSA_TRUNC_IPV6;
	if (hsa_u8(p, caplen, 0) >> 4 != 6)
		return HSA_BAD_IPV6_VERSION;
	if (!hsa_have(caplen, 0, 40))
		return HSA_TRUNC_IPV6;

	/* A wire length shorter than the header itself is wrong, as for
	 * IPv4's total length. */
	if (wirelen < 40)
		return HSA_BAD_IPV6_PAYLOAD_LENGTH;
	plen = hsa_be16(p, caplen, 4);
	/* 0 is a jumbogram (RFC 2675) or a capture of segmentation offload:
	 * the frame's length is then the best there is. */
	if (plen == 0)
		plen = wirelen - 40;
	if (plen > wirelen - 40)
		return HSA_BAD_IPV6_PAYLOAD_LENGTH;

	nh = hsa_u8(p, caplen, 6);
	off = 40;		/* from the start of the IPv6 header */
	for (n = 0; nh != NH_TCP; n++) {
		if (n == MAX_EXT_HEADERS)
			return HSA_BAD_IPV6_EXTENSION_HEADER;
		switch (nh) {
		case NH_HOPOPTS:
		case NH_ROUTING:
		case NH_DSTOPTS:
		case NH_AH:
			/* next header[1] length[1] ... */
			if (!hsa_have(40 + plen, off, 2))
				return HSA_BAD_IPV6_EXTENSION_HEADER;
			if (!hsa_have(caplen, off, 2))
				return HSA_TRUNC_IPV6;
			if (nh == NH_AH)	/* RFC 4302: 4-byte units, minus 2 */
				extlen = ((uint32_t)hsa_u8(p, caplen, off + 1) + 2) * 4;
			else		/* 8-byte units, not counting the first */
				extlen = ((uint32_t)hsa_u8(p, caplen, off + 1) + 1) * 8;
			break;
		case NH_FRAGMENT:
			/* next header[1] reserved[1] offset:13 res:2 M:1 id[4] */
			extlen = 8;
			if (!hsa_have(40 + plen, off, extlen))
				return HSA_BAD_IPV6_EXTENSION_HEADER;
			if (!hsa_have(caplen, off, extlen))
				return HSA_TRUNC_IPV6;
			if ((hsa_be16(p, caplen, off + 2) & 0xfff8) != 0)
				return HSA_SKIP_IP_FRAGMENT;
			first_fragment = (hsa_be16(p, caplen, off + 2) & 1) != 0;
			break;
		case NH_NONE:
		default:
			return HSA_SKIP_NOT_TCP;
		}
		if (!hsa_have(40 + plen, off, extlen))
			return HSA_BAD_IPV6_EXTENSION_HEADER;
		if (!hsa_have(caplen, off, extlen))
			return HSA_TRUNC_IPV6;
		nh = hsa_u8(p, caplen, off);
		off += extlen;
	}

	pkt->ip_version = 6;
	pkt->ip_first_fragment = first_fragment;
	memcpy(pkt->src.bytes, p + 8, 16);
	memcpy(pkt->dst.bytes, p + 24, 16);

	return hsa_decode_tcp(pkt, p + off, caplen - off, 40 + plen - off);
}
