/*
 * hsa_summary.h - the totals over all connections, kept as they are
 * reported: counts by verdict, the RTT distributions, and a bounded list of
 * the connections worth a look.  Nothing here grows with the capture.
 */
#ifndef HSA_SUMMARY_H
#define HSA_SUMMARY_H

#include <stdint.h>

#include "hsa_conn.h"
#include "hsa_sketch.h"

/* Why a connection is worth a look. */
enum hsa_notable_kind {
	HSA_NOTE_REFUSED,
	HSA_NOTE_UNANSWERED,
	HSA_NOTE_RESET,
	HSA_NOTE_HALF_CLOSED,
	HSA_NOTE_SLOW,
	HSA_NOTE_COUNT
};

#define HSA_NOTABLE_MAX 5	/* kept per kind */

/* Enough of a connection to name it in the text report. */
struct hsa_notable {
	uint64_t id;
	uint8_t ip_version;
	struct hsa_addr addr[2];	/* client, server */
	uint16_t port[2];
	int64_t value_ns;	/* the total handshake RTT, for HSA_NOTE_SLOW */
	uint32_t count;		/* SYNs sent, for HSA_NOTE_UNANSWERED */
	uint8_t who;		/* the RST's or the FIN's sender */
	struct hsa_evidence evidence;	/* its frame numbers */
};

struct hsa_summary {
	uint64_t connections;
	uint64_t handshake[HSA_HS_COUNT];
	uint64_t close[HSA_CLOSE_COUNT];
	uint64_t time_wait[HSA_WHO_COUNT];
	uint64_t roles_guessed;
	uint64_t reused;
	uint64_t evicted;
	struct hsa_sketch syn_to_synack;
	struct hsa_sketch synack_to_ack;
	struct hsa_sketch total;
	uint64_t notable_count[HSA_NOTE_COUNT];
	int notable_n[HSA_NOTE_COUNT];
	struct hsa_notable notable[HSA_NOTE_COUNT][HSA_NOTABLE_MAX];
};

void hsa_summary_init(struct hsa_summary *s);
void hsa_summary_add(struct hsa_summary *s, const struct hsa_conn *c,
    const struct hsa_verdict *v);

#endif
