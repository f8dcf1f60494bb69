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

/* Every option in turn from off, the option space being optlen bytes of
 * which caplen (at most optlen) were captured. */
static void walk_options(struct hsa_tcp_options *opt, const uint8_t *p,
    uint32_t caplen, uint32_t optlen, uint32_t off)
{
	uint32_t len;
	uint8_t kind;

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

/* The two lists nearly every segment starts with, as Linux (and most
 * stacks) send them:
 *
 *   after the handshake:  NOP NOP TS(10)                       12 bytes
 *   SYN and SYN/ACK:      MSS(4) SACK_PERMITTED(2) TS(10) NOP WSCALE(3)
 *                                                              20 bytes
 *
 * When the captured bytes start with one of them whole, it is taken in one
 * step and the walk goes on after it: every check the walk would make on
 * those bytes passes (each kind has its right length and lies inside the
 * captured option space), so the result is the walk's, which the unit test
 * compares on every cut and every changed byte.  Returns where the walk
 * goes on: 0 when neither matched. */
#define NOP_NOP_TIMESTAMPS	0x0101080au	/* NOP, NOP, kind 8 length 10 */
#define SYN_MSS			0x0204u		/* kind 2 length 4 */
#define SYN_SACK_PERMITTED_TIMESTAMPS 0x0402080au /* kind 4 length 2, kind 8
						 * length 10 */
#define SYN_NOP_WSCALE		0x010303u	/* NOP, kind 3 length 3 */

static uint32_t common_layout(struct hsa_tcp_options *opt, const uint8_t *p,
    uint32_t caplen)
{
	if (caplen >= 12 && hsa_be32(p, caplen, 0) == NOP_NOP_TIMESTAMPS) {
		opt->has_timestamps = true;
		opt->tsval = hsa_be32(p, caplen, 4);
		opt->tsecr = hsa_be32(p, caplen, 8);
		return 12;
	}
	if (caplen >= 20 && hsa_be16(p, caplen, 0) == SYN_MSS &&
	    hsa_be32(p, caplen, 4) == SYN_SACK_PERMITTED_TIMESTAMPS &&
	    hsa_be32(p, caplen, 16) >> 8 == SYN_NOP_WSCALE) {
		opt->has_mss = true;
		opt->mss = hsa_be16(p, caplen, 2);
		opt->sack_permitted = true;
		opt->has_timestamps = true;
		opt->tsval = hsa_be32(p, caplen, 8);
		opt->tsecr = hsa_be32(p, caplen, 12);
		opt->has_wscale = true;
		opt->wscale = hsa_u8(p, caplen, 19);
		return 20;
	}
	return 0;
}

void hsa_decode_tcp_options(struct hsa_tcp_options *opt, const uint8_t *p,
    uint32_t caplen, uint32_t optlen)
{
	uint32_t off;

	memset(opt, 0, sizeof(*opt));
	if (caplen > optlen)
		caplen = optlen;
	off = common_layout(opt, p, caplen);
	if (off < optlen)
		walk_options(opt, p, caplen, optlen, off);
}

void hsa_decode_tcp_options_walk(struct hsa_tcp_options *opt,
    const uint8_t *p, uint32_t caplen, uint32_t optlen)
{
	memset(opt, 0, sizeof(*opt));
	if (caplen > optlen)
		caplen = optlen;
	walk_options(opt, p, caplen, optlen, 0);
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
