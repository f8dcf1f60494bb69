/*
 * verdict.c - the handshake part of a connection's verdict: its status and
 * the RTT of the SYN exchange, and the names of every verdict value.
 *
 * RTTs are measured at the capture point: syn_to_synack is the SYN/ACK's
 * time minus that of the SYN it answers (the SYN whose TSval it echoes when
 * timestamps are on, otherwise the last SYN captured before it);
 * synack_to_ack is the time of the first ACK of the SYN/ACK minus that of
 * the last SYN/ACK before it.
 */
#include "config.h"

#include <stddef.h>

#include "hsa_conn.h"

static void consider(const struct hsa_hs_tx **best, const struct hsa_hs_tx *t,
    int64_t limit)
{
	if (t->ts <= limit && (!*best || t->ts >= (*best)->ts))
		*best = t;
}

/* The latest transmission of kind kept at or before time t, or NULL. */
static const struct hsa_hs_tx *last_before(const struct hsa_conn *c,
    int kind, int64_t t)
{
	const struct hsa_hs_tx *best = NULL;
	uint32_t n = kind == HSA_HS_SYN ? c->n_syn : c->n_synack;
	uint32_t i, kept = n < HSA_HS_RECENT ? n : HSA_HS_RECENT;

	if (n == 0)
		return NULL;
	consider(&best, &c->first_tx[kind], t);
	if (c->more)
		for (i = 0; i < kept; i++)
			consider(&best, &c->more->recent[kind][i], t);
	return best;
}

static void handshake_rtt(const struct hsa_conn *c, struct hsa_verdict *v)
{
	const struct hsa_hs_tx *synack, *syn, *last;

	if (c->n_synack == 0 || (c->simultaneous_open && !c->syn_answer_seen))
		return;
	/* The first SYN/ACK answers the SYN; in a simultaneous open, the
	 * server's first segment acknowledging it (kept only out of line). */
	if (c->simultaneous_open && !c->more)
		return;
	synack = c->simultaneous_open ? &c->more->syn_answer :
	    &c->first_tx[HSA_HS_SYNACK];
	/* The echoed SYN: out of line when there is such a history, else
	 * the first (see struct hsa_hs_more). */
	if (c->syn_echoed_valid)
		syn = c->more ? &c->more->syn_echoed : &c->first_tx[HSA_HS_SYN];
	else
		syn = last_before(c, HSA_HS_SYN, synack->ts);
	if (syn && syn->ts <= synack->ts) {
		v->syn_to_synack_valid = true;
		v->syn_to_synack_ns = synack->ts - syn->ts;
	}
	if (c->ack3_seen) {
		last = last_before(c, HSA_HS_SYNACK, c->ack3_ts);
		if (last) {
			v->synack_to_ack_valid = true;
			v->synack_to_ack_ns = c->ack3_ts - last->ts;
		}
	}
}

static enum hsa_handshake_status handshake_status(const struct hsa_conn *c)
{
	if (c->simultaneous_open && !c->refused)
		return hsa_conn_established(c) ? HSA_HS_COMPLETE :
		    HSA_HS_INCOMPLETE;
	if (c->n_synack > 0 && c->ack3_seen)
		return HSA_HS_COMPLETE;
	if (c->refused)
		return HSA_HS_REFUSED;
	if (c->n_syn > 0 && c->n_synack == 0 && c->ep[HSA_SERVER].packets == 0)
		return HSA_HS_UNANSWERED;
	if (c->n_syn > 0 || c->n_synack > 0)
		return HSA_HS_INCOMPLETE;
	return HSA_HS_NOT_SEEN;
}

void hsa_conn_verdict(const struct hsa_conn *c, struct hsa_verdict *v)
{
	*v = (struct hsa_verdict){ 0 };
	v->handshake = handshake_status(c);
	handshake_rtt(c, v);
	hsa_time_wait_verdict(c, v);
	hsa_verdict_evidence(c, v);
}

static const char *const state_names[] = {
#define HSA_X(name, text) text,
	HSA_TCP_STATES(HSA_X)
#undef HSA_X
};

static const char *const role_names[] = {
#define HSA_X(name, text) text,
	HSA_SEGMENT_ROLES(HSA_X)
#undef HSA_X
};

const char *hsa_state_name(enum hsa_tcp_state s)
{
	return state_names[s];
}

const char *hsa_role_name(enum hsa_segment_role r)
{
	return role_names[r];
}

const char *hsa_handshake_name(enum hsa_handshake_status s)
{
	static const char *const names[] = {
#define HSA_X(name, text) text,
		HSA_HANDSHAKE_STATUSES(HSA_X)
#undef HSA_X
	};
	return names[s];
}

const char *hsa_close_name(enum hsa_close_kind k)
{
	static const char *const names[] = {
#define HSA_X(name, text) text,
		HSA_CLOSE_KINDS(HSA_X)
#undef HSA_X
	};
	return names[k];
}

const char *hsa_who_name(enum hsa_who w)
{
	static const char *const names[] = {
#define HSA_X(name, text) text,
		HSA_WHOS(HSA_X)
#undef HSA_X
	};
	return names[w];
}
