/*
 * decode_tcp.c - the TCP header and the options hsanalyze reports
 * (RFC 9293 3.1, RFC 7323, RFC 2018).
 *
 *   |          Source Port          |       Destination Port        |
 *   |                        Sequence Number                        |
 *   |                    Acknowledgment Number                      |
 *   |  Data |       |C|E|U|A|P|R|S|F|                               |
 *   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 *   |           Checksum            |         Urgent Pointer        |
 *   |                    Options (Data Offset > 5)                  |
 *
 * The analysis needs ports, sequence and acknowledgment numbers, flags and
 * window: the first 16 bytes.  Options cut off by the snaplen are not an
 * error for those fields (a 54-byte Ethernet snaplen still yields them); the
 * segment is marked so the report can count it.
 */
#include "config.h"

#include <string.h>

#include "hsa_decode.h"
#include "extract.h"

#define TCP_MIN_HEADER	20
#define TCP_NEEDED	16	/* through the window field */

enum {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERMITTED = 4,
	TCPOPT_TIMESTAMPS = 8,
};

void hsa_decode_tcp_options(struct hsa_tcp_options *opt, const uint8_t *p,
    uint32_t caplen, uint32_t optlen)
{
	uint32_t off = 0, len;
	uint8_t kind;

	memset(opt, 0, sizeof(*opt));
	if (caplen > optlen)
		caplen = optlen;
	while (off < optlen) {
		if (!hsa_have(caplen, off, 1)) {
			opt->truncated = true;
			return;
		}
		kind = hsa_u8(p, caplen, off);
		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			off++;
			continue;
		}
		/* kind[1] length[1] data[length - 2] */
		if (!hsa_have(optlen, off, 2)) {
			opt->invalid = true;
			return;
		}
		if (!hsa_have(caplen, off, 2)) {
			opt->truncated = true;
			return;
		}
		len = hsa_u8(p, caplen, off + 1);
		if (len < 2 || !hsa_have(optlen, off, len)) {
			opt->invalid = true;
			return;
		}
		if (!hsa_have(caplen, off, len)) {
			opt->truncated = true;
			return;
		}
		switch (kind) {
		case TCPOPT_MSS:
			if (len != 4) {
				opt->invalid = true;
				break;
			}
			opt->has_mss = true;
			opt->mss = hsa_be16(p, caplen, off + 2);
			break;
		case TCPOPT_WSCALE:
			if (len != 3) {
				opt->invalid = true;
				break;
			}
			opt->has_wscale = true;
			opt->wscale = hsa_u8(p, caplen, off + 2);
			break;
		case TCPOPT_SACK_PERMITTED:
			if (len != 2) {
				opt->invalid = true;
				break;
			}
			opt->sack_permitted = true;
			break;
		case TCPOPT_TIMESTAMPS:
			if (len != 10) {
				opt->invalid = true;
				break;
			}
			opt->has_timestamps = true;
			opt->tsval = hsa_be32(p, caplen, off + 2);
			opt->tsecr = hsa_be32(p, caplen, off + 6);
			break;
		default:
			break;
		}
		off += len;
	}
}

enum hsa_decode_result hsa_decode_tcp(struct hsa_packet *pkt,
    const uint8_t *p, uint32_t caplen, uint32_t seglen)
{
	uint32_t hlen;

	if (seglen < TCP_MIN_HEADER)
		return HSA_BAD_TCP_DATA_OFFSET;
	if (!hsa_have(caplen, 0, TCP_NEEDED))
		return HSA_TRUNC_TCP;

	hlen = (uint32_t)(hsa_u8(p, caplen, 12) >> 4) * 4;
	if (hlen < TCP_MIN_HEADER || hlen > seglen)
		return HSA_BAD_TCP_DATA_OFFSET;

	pkt->sport = hsa_be16(p, caplen, 0);
	pkt->dport = hsa_be16(p, caplen, 2);
	pkt->seq = hsa_be32(p, caplen, 4);
	pkt->ack = hsa_be32(p, caplen, 8);
	pkt->flags = hsa_u8(p, caplen, 13);
	pkt->window = hsa_be16(p, caplen, 14);
	pkt->payload_len = seglen - hlen;

	if (hsa_have(caplen, 0, TCP_MIN_HEADER))
		hsa_decode_tcp_options(&pkt->opt, p + TCP_MIN_HEADER,
		    caplen - TCP_MIN_HEADER, hlen - TCP_MIN_HEADER);
	else {
		memset(&pkt->opt, 0, sizeof(pkt->opt));
		pkt->opt.truncated = hlen > TCP_MIN_HEADER;
	}
	return HSA_DECODE_TCP;
}
