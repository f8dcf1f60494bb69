/*
 * segments.h - the segments of the unit tests that play a TCP conversation
 * (test_verdicts.c, test_hs_more.c, test_horizon.c): one builder, so that
 * each test says only what is particular to its segments.
 */
#ifndef HSA_TEST_SEGMENTS_H
#define HSA_TEST_SEGMENTS_H

#include <stdint.h>
#include <string.h>

#include "hsa_packet.h"

#define MS	1000000LL		/* nanoseconds */
#define T0	(1700000000LL * 1000000000LL)

enum { FROM_CLIENT, FROM_SERVER };

#define SYN	HSA_TCP_SYN
#define ACK	HSA_TCP_ACK
#define FIN	HSA_TCP_FIN
#define RST	HSA_TCP_RST
#define PSH	HSA_TCP_PSH

/* One segment of 10.0.0.1:client_port <-> 10.0.0.2:80, sent by from at
 * T0 + ms milliseconds, with a window of 65535 and nothing else set. */
static inline struct hsa_packet test_segment(int64_t ms, uint16_t client_port,
    int from, uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct hsa_packet p;
	struct hsa_addr a = { { 10, 0, 0, 1 } }, b = { { 10, 0, 0, 2 } };

	memset(&p, 0, sizeof(p));
	p.ts_ns = T0 + ms * MS;
	p.ip_version = 4;
	p.src = from == FROM_CLIENT ? a : b;
	p.dst = from == FROM_CLIENT ? b : a;
	p.sport = from == FROM_CLIENT ? client_port : 80;
	p.dport = from == FROM_CLIENT ? 80 : client_port;
	p.seq = seq;
	p.ack = ack;
	p.flags = flags;
	p.window = 65535;
	return p;
}

#endif
