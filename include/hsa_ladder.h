/*
 * hsa_ladder.h - a connection drawn as a textbook sequence diagram, one line
 * per captured segment, client on the left and server on the right.
 */
#ifndef HSA_LADDER_H
#define HSA_LADDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hsa_conn.h"

struct hsa_ladder;

/* id 0: draw one representative connection of each kind seen. */
struct hsa_ladder *hsa_ladder_new(uint64_t id, bool nano);
/* The tracker's segment hook: log the segment of a connection of interest. */
void hsa_ladder_segment(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role);
/* On report: keep the connection if it is to be drawn (takes c->log). */
void hsa_ladder_connection(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_verdict *v);
/* Draw what was kept; returns the number of connections drawn. */
int hsa_ladder_print(FILE *out, const struct hsa_ladder *l);
void hsa_ladder_free(struct hsa_ladder *l);

#endif
