/*
 * hsa_ladder.h - a connection drawn as a textbook sequence diagram, one line
 * per captured segment, client on the left and server on the right.
 */
#ifndef HSA_LADDER_H
#define HSA_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hsa_conn.h"

struct hsa_ladder;

/* One logged segment: what the ladder and the HTML report draw. */
struct hsa_ladder_seg {
	int64_t ts;
	uint64_t frame;		/* its frame number in the capture */
	struct hsa_addr src;
	uint16_t sport;
	uint8_t flags;
	uint8_t role;		/* enum hsa_segment_role */
	uint8_t state[2];	/* client, server, after this segment */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;
	uint16_t window;
};

/* Connections logged at once (without --ladder ID). */
#define HSA_LADDER_CANDIDATES	256
/* Enough for hsa_ladder_kinds_text() of every drawn kind. */
#define HSA_LADDER_KINDS_STRLEN	160

/* A connection kept for drawing.  Its segments, in capture order, are
 * hsa_ladder_seg_at(ex, 0 .. n - 1); when there were too many to keep,
 * not_drawn segments are missing before index gap_at (else gap_at == n).
 * log is NULL (and n 0) for a connection to draw whose segments were not
 * logged: it began while its place among the HSA_LADDER_CANDIDATES
 * connections logged at once was taken. */
struct hsa_ladder_example {
	uint32_t kinds;		/* the drawn kinds it is an example of
				 * (hsa_examples.h bits); 0 for --ladder ID */
	const struct hsa_conn *conn;
	const struct hsa_verdict *v;
	uint32_t base[2];	/* each side's ISN, or its first sequence number */
	size_t n;
	size_t gap_at;
	uint64_t not_drawn;
	const struct hsa_ladder_log *log;
};

/* id 0: draw the example connections of the drawn kinds (hsa_examples.h),
 * as the caller names them; else connection id. */
struct hsa_ladder *hsa_ladder_new(uint64_t id, bool nano);
/* The tracker's segment hook: log the segment of a connection of interest. */
void hsa_ladder_segment(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role);
/* On report: keep the connection when kinds (what the bounded report took
 * it as an example of, hsa_examples_add()) holds a drawn kind, or when it
 * is the chosen id; else drop its log. */
void hsa_ladder_connection(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_verdict *v, uint32_t kinds);
/* No connection reported from now on is drawn (every drawn kind has its
 * examples): stop logging and free the logs of connections still open. */
void hsa_ladder_enough(struct hsa_ladder *l);
/* Draw what was kept; returns the number of connections drawn. */
int hsa_ladder_print(FILE *out, const struct hsa_ladder *l);
void hsa_ladder_free(struct hsa_ladder *l);

/* The connections kept, in drawing order: fills at most max examples and
 * returns how many there are. */
size_t hsa_ladder_examples(const struct hsa_ladder *l,
    struct hsa_ladder_example *ex, size_t max);
const struct hsa_ladder_seg *hsa_ladder_seg_at(
    const struct hsa_ladder_example *ex, size_t i);
/* True when side closed first (or at once with the other) yet is drawn in
 * CLOSE-WAIT on some row: in capture order the peer's FIN came first, but
 * the sequence numbers show side had sent its own already. */
bool hsa_ladder_close_wait_misdrawn(const struct hsa_ladder_example *ex,
    int side);
/* The titles of the drawn kinds in kinds, comma-separated ("" for none). */
void hsa_ladder_kinds_text(uint32_t kinds, char *buf, size_t len);
/* Which side sent s: HSA_CLIENT or HSA_SERVER. */
int hsa_ladder_sender(const struct hsa_conn *c, const struct hsa_ladder_seg *s);
/* Flags in tcpdump's letters ("S.", "F.", "R"); buf holds at least 10. */
void hsa_ladder_flags(uint8_t flags, char *buf);

#endif
