/*
 * summary.c - fold each reported connection into the totals.
 *
 * The worth-a-look lists keep the first HSA_NOTABLE_MAX connections of each
 * kind, except the slowest handshakes, which keep the largest total RTTs
 * seen (a small insertion-sorted array).
 */
#include "config.h"

#include <string.h>

#include "hsa_summary.h"

void hsa_summary_init(struct hsa_summary *s)
{
	memset(s, 0, sizeof(*s));
	hsa_sketch_init(&s->syn_to_synack);
	hsa_sketch_init(&s->synack_to_ack);
	hsa_sketch_init(&s->total);
}

static void fill(struct hsa_notable *n, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	int i;

	memset(n, 0, sizeof(*n));
	n->id = c->id;
	n->ip_version = c->ip_version;
	n->evidence = v->evidence;
	for (i = 0; i < 2; i++) {
		n->addr[i] = c->ep[i].addr;
		n->port[i] = c->ep[i].port;
	}
}

static struct hsa_notable *note(struct hsa_summary *s,
    enum hsa_notable_kind k, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct hsa_notable *n;

	s->notable_count[k]++;
	if (s->notable_n[k] == HSA_NOTABLE_MAX)
		return NULL;
	n = &s->notable[k][s->notable_n[k]++];
	fill(n, c, v);
	return n;
}

/* Keep the HSA_NOTABLE_MAX slowest handshakes, slowest first. */
static void note_slow(struct hsa_summary *s, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t total)
{
	struct hsa_notable *list = s->notable[HSA_NOTE_SLOW];
	int n = s->notable_n[HSA_NOTE_SLOW], i;

	s->notable_count[HSA_NOTE_SLOW]++;
	if (n == HSA_NOTABLE_MAX && total <= list[n - 1].value_ns)
		return;
	if (n < HSA_NOTABLE_MAX)
		n++;
	for (i = n - 1; i > 0 && list[i - 1].value_ns < total; i--)
		list[i] = list[i - 1];
	fill(&list[i], c, v);
	list[i].value_ns = total;
	s->notable_n[HSA_NOTE_SLOW] = n;
}

void hsa_summary_add(struct hsa_summary *s, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct hsa_notable *n;

	s->connections++;
	s->handshake[v->handshake]++;
	s->close[v->close]++;
	s->time_wait[v->time_wait]++;
	s->roles_guessed += c->roles_guessed;
	s->reused += c->has_previous;
	s->evicted += c->evicted;

	if (v->syn_to_synack_valid)
		hsa_sketch_add(&s->syn_to_synack, v->syn_to_synack_ns);
	if (v->synack_to_ack_valid)
		hsa_sketch_add(&s->synack_to_ack, v->synack_to_ack_ns);
	if (v->syn_to_synack_valid && v->synack_to_ack_valid) {
		hsa_sketch_add(&s->total, v->syn_to_synack_ns + v->synack_to_ack_ns);
		note_slow(s, c, v, v->syn_to_synack_ns + v->synack_to_ack_ns);
	}

	if (v->handshake == HSA_HS_REFUSED)
		note(s, HSA_NOTE_REFUSED, c, v);
	else if (v->handshake == HSA_HS_UNANSWERED) {
		if ((n = note(s, HSA_NOTE_UNANSWERED, c, v)))
			n->count = c->syn_retransmits + 1;
	} else if (v->close == HSA_CLOSE_RST) {
		if ((n = note(s, HSA_NOTE_RESET, c, v)))
			n->who = c->rst_from;
	}
	if (v->close == HSA_CLOSE_HALF_CLOSED)
		if ((n = note(s, HSA_NOTE_HALF_CLOSED, c, v)))
			n->who = c->ep[HSA_CLIENT].fin.seen ? HSA_CLIENT : HSA_SERVER;
}
