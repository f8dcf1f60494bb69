/*
 * decode_link.c - the link layer: Ethernet with 802.1Q/802.1ad tags, Linux
 * cooked captures (SLL, SLL2), BSD loopback (NULL, LOOP) and raw IP.
 *
 * Each link type finds where the IP header starts and which IP version it is,
 * then hands over to hsa_decode_ethertype().  A frame too short for its link
 * header is counted as a truncated link header; a frame that carries neither
 * IPv4 nor IPv6 is skipped as not_ip.
 */
#include "config.h"

#include <pcap/dlt.h>

#include "hsa_decode.h"
#include "extract.h"

/* Older libpcap headers lack the SLL2 link type. */
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2	276
#endif

#define ETHERTYPE_IPV4	0x0800
#define ETHERTYPE_IPV6	0x86dd
#define ETHERTYPE_VLAN	0x8100	/* 802.1Q */
#define ETHERTYPE_QINQ	0x88a8	/* 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100	/* pre-standard QinQ */

/* Tags deeper than this are not real traffic; stop walking them. */
#define MAX_VLAN_TAGS	8

/* Address families seen in DLT_NULL and DLT_LOOP headers: AF_INET is 2
 * everywhere; AF_INET6 is 10 on Linux, 23 on Windows, 24 on NetBSD and
 * OpenBSD, 28 on FreeBSD and 30 on macOS. */
static enum hsa_decode_result decode_bsd_family(struct hsa_packet *pkt,
    uint32_t family, const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	switch (family) {
	case 2:
		return hsa_decode_ipv4(pkt, p, caplen, wirelen);
	case 10: case 23: case 24: case 28: case 30:
		return hsa_decode_ipv6(pkt, p, caplen, wirelen);
	default:
		return HSA_SKIP_NOT_IP;
	}
}

static bool is_vlan(uint16_t ethertype)
{
	return ethertype == ETHERTYPE_VLAN || ethertype == ETHERTYPE_QINQ ||
	    ethertype == ETHERTYPE_QINQ_OLD;
}

/* Dispatch on an ethertype, walking 802.1Q/802.1ad tags first: each tag is
 * 2 bytes of TCI followed by the next ethertype. */
enum hsa_decode_result hsa_decode_ethertype(struct hsa_packet *pkt,
    uint16_t ethertype, const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	int tags = 0;

	while (is_vlan(ethertype)) {
		if (++tags > MAX_VLAN_TAGS)
			return HSA_SKIP_NOT_IP;
		if (!hsa_have(caplen, 0, 4))
			return HSA_TRUNC_LINK;
		ethertype = hsa_be16(p, caplen, 2);
		p += 4;
		caplen -= 4;
		wirelen = wirelen >= 4 ? wirelen - 4 : 0;
	}
	switch (ethertype) {
	case ETHERTYPE_IPV4:
		return hsa_decode_ipv4(pkt, p, caplen, wirelen);
	case ETHERTYPE_IPV6:
		return hsa_decode_ipv6(pkt, p, caplen, wirelen);
	default:
		return HSA_SKIP_NOT_IP;
	}
}

/* Skip a fixed-size link header, or say it was cut. */
#define SKIP_HEADER(n)							\
	do {								\
		if (!hsa_have(caplen, 0, (n)))				\
			return HSA_TRUNC_LINK;				\
		p += (n);						\
		caplen -= (n);						\
		wirelen -= (n);						\
	} while (0)

bool hsa_link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_LINUX_SLL2:
	case DLT_NULL: case DLT_LOOP: case DLT_RAW:
	case DLT_IPV4: case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

enum hsa_decode_result hsa_decode_link(int dlt, struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen)
{
	uint16_t ethertype;
	uint32_t family;

	/* The wire length can never be less than what was captured. */
	if (wirelen < caplen)
		wirelen = caplen;

	switch (dlt) {
	case DLT_EN10MB:
		/* dst[6] src[6] ethertype[2] */
		if (!hsa_have(caplen, 0, 14))
			return HSA_TRUNC_LINK;
		ethertype = hsa_be16(p, caplen, 12);
		SKIP_HEADER(14);
		/* Below 0x0600 the field is an 802.3 length (LLC frames). */
		if (ethertype < 0x0600)
			return HSA_SKIP_NOT_IP;
		return hsa_decode_ethertype(pkt, ethertype, p, caplen, wirelen);

	case DLT_LINUX_SLL:
		/* packet type[2] ARPHRD[2] addr len[2] addr[8] protocol[2] */
		if (!hsa_have(caplen, 0, 16))
			return HSA_TRUNC_LINK;
		ethertype = hsa_be16(p, caplen, 14);
		SKIP_HEADER(16);
		return hsa_decode_ethertype(pkt, ethertype, p, caplen, wirelen);

	case DLT_LINUX_SLL2:
		/* protocol[2] reserved[2] ifindex[4] ARPHRD[2] packet type[1]
		 * addr len[1] addr[8] */
		if (!hsa_have(caplen, 0, 20))
			return HSA_TRUNC_LINK;
		ethertype = hsa_be16(p, caplen, 0);
		SKIP_HEADER(20);
		return hsa_decode_ethertype(pkt, ethertype, p, caplen, wirelen);

	case DLT_NULL:
		/* A 4-byte address family in the byte order of the host that
		 * wrote the capture: a value with high bits set was written
		 * big-endian. */
		if (!hsa_have(caplen, 0, 4))
			return HSA_TRUNC_LINK;
		family = hsa_le32(p, caplen, 0);
		if (family & 0xffff0000u)
			family = hsa_be32(p, caplen, 0);
		SKIP_HEADER(4);
		return decode_bsd_family(pkt, family, p, caplen, wirelen);

	case DLT_LOOP:
		/* The same family, always in network byte order. */
		if (!hsa_have(caplen, 0, 4))
			return HSA_TRUNC_LINK;
		family = hsa_be32(p, caplen, 0);
		SKIP_HEADER(4);
		return decode_bsd_family(pkt, family, p, caplen, wirelen);

	case DLT_RAW:
		/* No link header: the IP version nibble says which. */
		if (!hsa_have(caplen, 0, 1))
			return HSA_TRUNC_LINK;
		switch (hsa_u8(p, caplen, 0) >> 4) {
		case 4:
			return hsa_decode_ipv4(pkt, p, caplen, wirelen);
		case 6:
			return hsa_decode_ipv6(pkt, p, caplen, wirelen);
		default:
			return HSA_SKIP_NOT_IP;
		}

	case DLT_IPV4:
		return hsa_decode_ipv4(pkt, p, caplen, wirelen);

	case DLT_IPV6:
		return hsa_decode_ipv6(pkt, p, caplen, wirelen);

	default:
		return HSA_SKIP_NOT_IP;
	}
}

static const char *const result_names[] = {
#define HSA_X(name, group, text) text,
	HSA_DECODE_RESULTS(HSA_X)
#undef HSA_X
};

static const enum hsa_decode_group result_groups[] = {
#define HSA_X(name, group, text) HSA_GROUP_##group,
	HSA_DECODE_RESULTS(HSA_X)
#undef HSA_X
};

const char *hsa_decode_result_name(enum hsa_decode_result r)
{
	return r < HSA_DECODE_RESULT_COUNT ? result_names[r] : "unknown";
}

enum hsa_decode_group hsa_decode_result_group(enum hsa_decode_result r)
{
	return r < HSA_DECODE_RESULT_COUNT ? result_groups[r] : HSA_GROUP_INVALID;
}
