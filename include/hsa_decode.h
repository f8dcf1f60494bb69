/*
 * hsa_decode.h - from captured bytes to a TCP segment, one layer at a time.
 *
 * Every decoder has the same shape: it gets the packet being filled, the
 * bytes of its layer, how many of them were captured (caplen) and how long the
 * layer was on the wire (wirelen).  It checks every read against caplen, fills
 * its part and hands the rest to the next layer.  The outcome of a packet is
 * one value of enum hsa_decode_result: data, counted per reason, never a log
 * line.
 */
#ifndef HSA_DECODE_H
#define HSA_DECODE_H

#include <stdbool.h>
#include <stdint.h>

#include "hsa_packet.h"

/* What became of a packet: a TCP segment, or why not.  Columns: the enum
 * name, the group it is counted in, and the name used in reports. */
#define HSA_DECODE_RESULTS(X)						\
	X(HSA_DECODE_TCP,		TCP,		"tcp")			\
	X(HSA_SKIP_NOT_IP,		SKIPPED,	"not_ip")		\
	X(HSA_SKIP_NOT_TCP,		SKIPPED,	"not_tcp")		\
	X(HSA_SKIP_IP_FRAGMENT,		SKIPPED,	"ip_fragment")		\
	X(HSA_TRUNC_LINK,		TRUNCATED,	"link")			\
	X(HSA_TRUNC_IPV4,		TRUNCATED,	"ipv4")			\
	X(HSA_TRUNC_IPV6,		TRUNCATED,	"ipv6")			\
	X(HSA_TRUNC_TCP,		TRUNCATED,	"tcp")			\
	X(HSA_BAD_IPV4_VERSION,		INVALID,	"ipv4_version")		\
	X(HSA_BAD_IPV4_HEADER_LENGTH,	INVALID,	"ipv4_header_length")	\
	X(HSA_BAD_IPV4_TOTAL_LENGTH,	INVALID,	"ipv4_total_length")	\
	X(HSA_BAD_IPV6_VERSION,		INVALID,	"ipv6_version")		\
	X(HSA_BAD_IPV6_PAYLOAD_LENGTH,	INVALID,	"ipv6_payload_length")	\
	X(HSA_BAD_IPV6_EXTENSION_HEADER, INVALID,	"ipv6_extension_header") \
	X(HSA_BAD_TCP_DATA_OFFSET,	INVALID,	"tcp_data_offset")

enum hsa_decode_result {
#define HSA_X(name, group, text) name,
	HSA_DECODE_RESULTS(HSA_X)
#undef HSA_X
	HSA_DECODE_RESULT_COUNT
};

enum hsa_decode_group {
	HSA_GROUP_TCP,
	HSA_GROUP_SKIPPED,
	HSA_GROUP_TRUNCATED,
	HSA_GROUP_INVALID,
};

/* The report name of a result ("ipv4_total_length") and its group. */
const char *hsa_decode_result_name(enum hsa_decode_result r);
enum hsa_decode_group hsa_decode_result_group(enum hsa_decode_result r);

/* True when hsa_decode_link() knows the libpcap link type (a DLT_ value). */
bool hsa_link_supported(int dlt);

/* Decode one captured frame of link type dlt.  On HSA_DECODE_TCP, pkt holds
 * the segment (all but ts_ns, which the caller sets). */
enum hsa_decode_result hsa_decode_link(int dlt, struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen);

/* The layers below, exposed for the link decoders and the unit tests. */
enum hsa_decode_result hsa_decode_ethertype(struct hsa_packet *pkt,
    uint16_t ethertype, const uint8_t *p, uint32_t caplen, uint32_t wirelen);
enum hsa_decode_result hsa_decode_ipv4(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen);
enum hsa_decode_result hsa_decode_ipv6(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t wirelen);
/* seglen: the TCP header plus payload length the IP header claims. */
enum hsa_decode_result hsa_decode_tcp(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t seglen);
/* Parse an option list of optlen bytes of which caplen were captured. */
void hsa_decode_tcp_options(struct hsa_tcp_options *opt, const uint8_t *p,
    uint32_t caplen, uint32_t optlen);
/* The same by the general walk alone, without the shortcut for the common
 * layouts: the reference the unit tests hold hsa_decode_tcp_options() to. */
void hsa_decode_tcp_options_walk(struct hsa_tcp_options *opt,
    const uint8_t *p, uint32_t caplen, uint32_t optlen);

#endif
