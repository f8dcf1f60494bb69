/*
 * examples.c - choose the connections a bounded report shows in full
 * (hsa_examples.h), with fixed memory: a slot table of HSA_EXAMPLES_MAX
 * connection copies, each freed as soon as it is an example of nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_examples.h"
#include "hsa_format.h"

#define BIT(k) (1u << (k))

static const char *const kind_names[] = {
#define HSA_X(name, text) text,
	HSA_EXAMPLE_KINDS(HSA_X)
#undef HSA_X
};

const char *hsa_example_kind_name(enum hsa_example_kind k)
{
	return kind_names[k];
}

static const struct {
	enum hsa_example_kind kind;
	const char *title;
} drawn[HSA_EXAMPLES_DRAWN_KINDS] = {
#define HSA_X(name, text) { name, text },
	HSA_EXAMPLES_DRAWN(HSA_X)
#undef HSA_X
};

enum hsa_example_kind hsa_examples_drawn_kind(int i)
{
	return drawn[i].kind;
}

const char *hsa_example_kind_title(enum hsa_example_kind k)
{
	int i;

	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++)
		if (drawn[i].kind == k)
			return drawn[i].title;
	return NULL;
}

uint32_t hsa_examples_drawn(uint32_t kinds)
{
	uint32_t mask = 0;
	int i;

	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++)
		mask |= BIT(drawn[i].kind);
	return kinds & mask;
}

bool hsa_examples_drawn_full(const struct hsa_examples *ex)
{
	int i;

	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++)
		if (ex->taken[drawn[i].kind] < HSA_EXAMPLES_PER_KIND)
			return false;
	return true;
}

void hsa_examples_init(struct hsa_examples *ex)
{
	memset(ex, 0, sizeof(*ex));
}

void hsa_examples_free(struct hsa_examples *ex)
{
	free(ex->evidence);
	ex->evidence = NULL;
	ex->n_evidence = 0;
}

static void release_if_idle(struct hsa_examples *ex, int s)
{
	if (!ex->slot[s].kinds)
		ex->used[s] = false;
}

static int64_t total_rtt(const struct hsa_verdict *v)
{
	return v->syn_to_synack_ns + v->synack_to_ack_ns;
}

static int time_wait_kind(enum hsa_who who)
{
	switch (who) {
	case HSA_WHO_CLIENT:
		return HSA_EXK_TW_CLIENT;
	case HSA_WHO_SERVER:
		return HSA_EXK_TW_SERVER;
	case HSA_WHO_BOTH:
		return HSA_EXK_TW_BOTH;
	case HSA_WHO_PENDING:
		return HSA_EXK_TW_PENDING;
	default:
		return -1;
	}
}

/* Does c make the slowest list?  Its place in it, or -1. */
static int slowest_place(const struct hsa_examples *ex,
    const struct hsa_verdict *v)
{
	int i;

	if (v->handshake != HSA_HS_COMPLETE || !v->syn_to_synack_valid ||
	    !v->synack_to_ack_valid)
		return -1;
	for (i = 0; i < ex->n_slowest; i++)
		if (total_rtt(v) > total_rtt(&ex->slot[ex->slowest[i]].v))
			return i;
	return ex->n_slowest < HSA_EXAMPLES_SLOWEST ? ex->n_slowest : -1;
}

/* A free slot holding a copy of c, or -1 (cannot happen: the table holds
 * every list). */
static int take_slot(struct hsa_examples *ex, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	int s;

	for (s = 0; s < HSA_EXAMPLES_MAX && ex->used[s]; s++)
		;
	if (s == HSA_EXAMPLES_MAX)
		return -1;
	ex->used[s] = true;
	hsa_conn_keep(&ex->slot[s].conn, c);
	ex->slot[s].v = *v;
	ex->slot[s].kinds = 0;
	return s;
}

uint32_t hsa_examples_add(struct hsa_examples *ex, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	uint32_t kinds = 0;
	int k, s, place;

	k = HSA_EXK_HS_COMPLETE + (int)v->handshake;
	if (ex->taken[k] < HSA_EXAMPLES_PER_KIND)
		kinds |= BIT(k);
	k = HSA_EXK_CLOSE_FIN + (int)v->close;
	if (ex->taken[k] < HSA_EXAMPLES_PER_KIND)
		kinds |= BIT(k);
	k = time_wait_kind(v->time_wait);
	if (k >= 0 && ex->taken[k] < HSA_EXAMPLES_PER_KIND)
		kinds |= BIT(k);
	place = slowest_place(ex, v);
	if (!kinds && place < 0)
		return 0;	/* the common case, once every list is full */

	if ((s = take_slot(ex, c, v)) < 0)
		return 0;
	ex->slot[s].kinds = kinds;
	for (k = 0; k < HSA_EXK_FIRST_COME; k++)
		if (kinds & BIT(k))
			ex->taken[k]++;

	if (place >= 0) {
		if (ex->n_slowest == HSA_EXAMPLES_SLOWEST) {
			int out = ex->slowest[HSA_EXAMPLES_SLOWEST - 1];

			ex->slot[out].kinds &= ~BIT(HSA_EXK_SLOWEST);
			release_if_idle(ex, out);
			ex->n_slowest--;
		}
		memmove(&ex->slowest[place + 1], &ex->slowest[place],
		    (size_t)(ex->n_slowest - place) * sizeof(ex->slowest[0]));
		ex->slowest[place] = s;
		ex->n_slowest++;
		ex->slot[s].kinds |= BIT(HSA_EXK_SLOWEST);
	}
	return ex->slot[s].kinds;
}

/* Append text to buf (of len) when it fits whole; false when not. */
static bool append(char *buf, size_t len, const char *text)
{
	size_t have = strlen(buf), add = strlen(text);

	if (have + add + 1 > len)
		return false;
	memcpy(buf + have, text, add + 1);
	return true;
}

static const char *ip_field(uint8_t ip_version)
{
	return ip_version == 6 ? "ipv6.addr" : "ip.addr";
}

const char *hsa_display_filter_conn(const struct hsa_conn *c, char *buf,
    size_t len)
{
	char a[HSA_ADDR_STRLEN], b[HSA_ADDR_STRLEN];

	snprintf(buf, len, "%s == %s && %s == %s && tcp.port == %u && tcp.port == %u",
	    ip_field(c->ip_version),
	    hsa_format_addr(c->ip_version, &c->ep[HSA_CLIENT].addr, a, sizeof(a)),
	    ip_field(c->ip_version),
	    hsa_format_addr(c->ip_version, &c->ep[HSA_SERVER].addr, b, sizeof(b)),
	    c->ep[HSA_CLIENT].port, c->ep[HSA_SERVER].port);
	return buf;
}

static void group_filter(const struct hsa_tw_group *g, char *buf, size_t len)
{
	char a[HSA_ADDR_STRLEN], b[HSA_ADDR_STRLEN];

	snprintf(buf, len, "%s == %s && %s == %s && tcp.port == %u",
	    ip_field(g->ip_version),
	    hsa_format_addr(g->ip_version, &g->client, a, sizeof(a)),
	    ip_field(g->ip_version),
	    hsa_format_addr(g->ip_version, &g->server, b, sizeof(b)),
	    g->server_port);
}

/* Add one part to a finding's filter: "(part)", joined with " || ". */
static void add_filter_part(struct hsa_finding_evidence *fe, const char *part)
{
	char p[HSA_DISPLAY_FILTER_MAX];

	snprintf(p, sizeof(p), "%s(%s)", fe->display_filter[0] ? " || " : "", part);
	append(fe->display_filter, sizeof(fe->display_filter), p);
}

/* The kept slot of connection id, or -1. */
static int slot_of(const struct hsa_examples *ex, uint64_t id)
{
	int s;

	for (s = 0; s < HSA_EXAMPLES_MAX; s++)
		if (ex->used[s] && ex->slot[s].conn.id == id)
			return s;
	return -1;
}

static void cite_slot(struct hsa_examples *ex, struct hsa_finding_evidence *fe,
    int s)
{
	struct hsa_example *e = &ex->slot[s];
	int i;

	e->kinds |= BIT(HSA_EXK_FINDING);
	for (i = 0; i < fe->n_examples; i++)
		if (fe->examples[i] == e->conn.id)
			return;
	if (fe->n_examples < (int)(sizeof(fe->examples) / sizeof(fe->examples[0])))
		fe->examples[fe->n_examples++] = e->conn.id;
}

/* The slot of a connection the pressure model kept whole (r, NULL when
 * none): the kept example of it, or a new one while the finding may keep
 * more (*kept counts those it kept); -1 when neither. */
static int keep_record(struct hsa_examples *ex, const struct hsa_conn_record *r,
    bool may_keep, int *kept)
{
	int s;

	if (!r)
		return -1;
	if ((s = slot_of(ex, r->conn.id)) < 0 && may_keep &&
	    *kept < HSA_EXAMPLES_PER_FINDING) {
		s = take_slot(ex, &r->conn, &r->v);
		*kept += s >= 0;
	}
	return s;
}

/* The pressure model's whole copy of a CLOSE-WAIT suspect named id. */
static const struct hsa_conn_record *close_wait_record(
    const struct hsa_pressure *p, uint64_t id)
{
	const struct hsa_close_wait *cw = p ? hsa_pressure_close_wait(p) : NULL;

	return cw && cw->first && cw->first->conn.id == id ? cw->first : NULL;
}

int hsa_examples_cite(struct hsa_examples *ex, const struct hsa_pressure *p,
    const struct hsa_finding *findings, size_t n_findings)
{
	char part[HSA_DISPLAY_FILTER_MAX];
	const struct hsa_tw_group *groups = NULL;
	size_t n_groups = p ? hsa_pressure_groups(p, &groups) : 0, i;
	int k, s, kept;

	/* Cited again (a live capture's interim reports, then the end): the
	 * marks of the last citing are for findings that may be gone. */
	for (s = 0; s < HSA_EXAMPLES_MAX; s++)
		if (ex->used[s]) {
			ex->slot[s].kinds &= ~BIT(HSA_EXK_FINDING);
			release_if_idle(ex, s);
		}
	free(ex->evidence);
	ex->n_evidence = 0;
	ex->evidence = n_findings ? calloc(n_findings, sizeof(*ex->evidence)) : NULL;
	if (n_findings && !ex->evidence)
		return -1;
	ex->n_evidence = n_findings;
	for (i = 0; i < n_findings; i++) {
		const struct hsa_finding *f = &findings[i];
		struct hsa_finding_evidence *fe = &ex->evidence[i];
		/* Only the findings a bounded report shows keep more. */
		bool may_keep = i < HSA_EXAMPLES_FINDINGS;

		kept = 0;
		/* A group's connections: its filter, and its first one. */
		for (k = 0; k < f->n_groups; k++) {
			const struct hsa_tw_group *g;

			if (f->groups[k] >= n_groups)
				continue;
			g = &groups[f->groups[k]];
			group_filter(g, part, sizeof(part));
			add_filter_part(fe, part);
			if ((s = keep_record(ex, g->first, may_keep, &kept)) >= 0)
				cite_slot(ex, fe, s);
		}
		/* Connections named by id: those kept, and a CLOSE-WAIT
		 * suspect kept whole. */
		for (k = 0; k < f->n_conns; k++) {
			s = slot_of(ex, f->conns[k]);
			if (s < 0 && !f->n_groups)
				s = keep_record(ex, close_wait_record(p, f->conns[k]),
				    may_keep, &kept);
			if (s < 0)
				continue;
			if (!f->n_groups) {
				hsa_display_filter_conn(&ex->slot[s].conn, part,
				    sizeof(part));
				add_filter_part(fe, part);
			}
			cite_slot(ex, fe, s);
		}
	}
	return 0;
}

const struct hsa_finding_evidence *hsa_examples_evidence(
    const struct hsa_examples *ex, size_t i)
{
	return i < ex->n_evidence ? &ex->evidence[i] : NULL;
}

static int by_id(const void *a, const void *b)
{
	const struct hsa_example *x = *(const struct hsa_example *const *)a;
	const struct hsa_example *y = *(const struct hsa_example *const *)b;

	return x->conn.id < y->conn.id ? -1 : x->conn.id > y->conn.id;
}

size_t hsa_examples_list(const struct hsa_examples *ex,
    const struct hsa_example **out, size_t max)
{
	size_t n = 0;
	int s;

	for (s = 0; s < HSA_EXAMPLES_MAX && n < max; s++)
		if (ex->used[s] && ex->slot[s].kinds)
			out[n++] = &ex->slot[s];
	qsort(out, n, sizeof(*out), by_id);
	return n;
}
