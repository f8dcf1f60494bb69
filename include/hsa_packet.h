/*
 * hsa_packet.h - one decoded TCP segment, as the decoders hand it to the
 * connection tracker.
 *
 * The decoders fill this from the captured bytes and never keep pointers into
 * them, so the tracker can hold on to what it needs after libpcap reuses its
 * buffer.
 */
#ifndef HSA_PACKET_H
#define HSA_PACKET_H

#include <stdbool.h>
#include <stdint.h>

/* TCP flag bits as they sit in byte 13 of the header (RFC 9293, 3.1). */
enum {
	HSA_TCP_FIN = 0x01,
	HSA_TCP_SYN = 0x02,
	HSA_TCP_RST = 0x04,
	HSA_TCP_PSH = 0x08,
	HSA_TCP_ACK = 0x10,
	HSA_TCP_URG = 0x20,
	HSA_TCP_ECE = 0x40,
	HSA_TCP_CWR = 0x80,
};

/* The TCP options hsanalyze reports; others are skipped. */
struct hsa_tcp_options {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss;
	bool has_wscale;
	bool sack_permitted;
	bool has_timestamps;
	bool truncated;		/* the snaplen cut the option list */
	bool invalid;		/* a malformed option: a known kind with the wrong
				 * length is skipped and parsing goes on; a length
				 * below 2 or past the header ends parsing */
	uint32_t tsval;
	uint32_t tsecr;
};

/* An IPv4 address is held in the first 4 bytes, the rest zero. */
struct hsa_addr {
	uint8_t bytes[16];
};

struct hsa_packet {
	int64_t ts_ns;		/* capture time, nanoseconds since the epoch */
	uint8_t ip_version;	/* 4 or 6 */
	bool ip_first_fragment;	/* payload_len covers only this fragment */
	struct hsa_addr src;
	struct hsa_addr dst;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t window;	/* as sent, not scaled */
	uint32_t payload_len;	/* from the IP length, not the captured length */
	struct hsa_tcp_options opt;
	uint64_t flow_hash;	/* set by hsa_tracker_hash() */
	uint64_t frame;		/* the record's number in the capture, from 1,
				 * as Wireshark numbers frames (set by the
				 * capture layer) */
};

#endif
