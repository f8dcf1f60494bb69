/*
 * decode_ipv4.c - the IPv4 header (RFC 791).
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                       Source Address                          |
 *   |                    Destination Address                        |
 *   |                    Options (IHL > 5)                          |
 *
 * Options are skipped.  Only the first fragment of a datagram carries the TCP
 * header; later fragments are counted and skipped.  The TCP length comes from
 * Total Length, so a segment cut by the snaplen still has its true payload
 * length.
 */
#include "config.h"

#include <string.h>

#include "hsa_decode.h"
#include "extract.h"

#define IPPROTO_TCP_NUM	6
#define IP_MF		0x2000
#define IP_OFFMASK	0x1fff

enum hsa_decode_result hsa_decode_ipv4(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	uint32_t hlen, total;
	uint16_t frag;

	if (!hsa_have(caplen, 0, 1))
		return HSA_TRUNC_IPV4;
	if (hsa_u8(p, caplen, 0) >> 4 != 4)
		return HSA_BAD_IPV4_VERSION;
	if (!hsa_have(caplen, 0, 20))
		return HSA_TRUNC_IPV4;

	hlen = (uint32_t)(hsa_u8(p, caplen, 0) & 0x0f) * 4;
	if (hlen < 20)
		return HSA_BAD_IPV4_HEADER_LENGTH;
	total = hsa_be16(p, caplen, 2);
	/* Linux captures of TCP segmentation offload show a total length of
	 * 0; the frame's own length is then the best there is. */
	if (total == 0)
		total = wirelen;
	if (total < hlen || total > wirelen)
		return HSA_BAD_IPV4_TOTAL_LENGTH;
	if (!hsa_have(caplen, 0, hlen))
		return HSA_TRUNC_IPV4;

	frag = hsa_be16(p, caplen, 6);
	if ((frag & IP_OFFMASK) != 0)
		return HSA_SKIP_IP_FRAGMENT;
	if (hsa_u8(p, caplen, 9) != IPPROTO_TCP_NUM)
		return HSA_SKIP_NOT_TCP;

	pkt->ip_version = 4;
	pkt->ip_first_fragment = (frag & IP_MF) != 0;
	memset(&pkt->src, 0, sizeof(pkt->src));
	memset(&pkt->dst, 0, sizeof(pkt->dst));
	memcpy(pkt->src.bytes, p + 12, 4);
	memcpy(pkt->dst.bytes, p + 16, 4);

	return hsa_decode_tcp(pkt, p + hlen, caplen - hlen, total - hlen);
}
