/*
 * tracker.c - the connection table and each connection's life cycle.
 *
 * Entries sit in a chained hash table (flow_hash.c) and on exactly one of
 * four lists, ordered by last activity, each with its own timeout in capture
 * time:
 *
 *   HANDSHAKE    SYN seen, handshake not finished      (handshake timeout)
 *   ESTABLISHED  handshake done, or never seen          (idle timeout)
 *   CLOSED       both FINs acknowledged, or an RST      (linger)
 *   HISTORY      reported; the 4-tuple is remembered    (history)
 *
 * Because each list has one timeout, only its head needs checking, so the
 * work per packet is constant.  A connection is reported when it leaves the
 * first three lists; its entry then becomes a HISTORY entry, which is all
 * that is kept of it: memory does not grow with the number of finished
 * connections.  When the table is full, history goes first, then closed
 * connections, then the longest-idle open one, reported as evicted.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsa_tracker.h"
#include "flow_hash.h"

enum { L_HANDSHAKE, L_ESTABLISHED, L_CLOSED, L_HISTORY, L_COUNT };

struct conn_list {
	struct hsa_conn *head;	/* least recently active */
	struct hsa_conn *tail;
	size_t count;
	int64_t timeout_ns;
};

struct hsa_tracker {
	struct hsa_tracker_config cfg;
	struct hsa_flow_key_secret secret;
	struct hsa_conn **buckets;
	size_t nbuckets;	/* a power of two */
	size_t count;		/* entries in the table, history included */
	struct conn_list lists[L_COUNT];
	struct hsa_conn *free_conns;	/* released entries, for reuse */
	uint64_t next_id;
	int64_t now;		/* the latest capture time seen */
	struct hsa_tracker_stats stats;
};

#define INITIAL_BUCKETS 1024

struct hsa_tracker *hsa_tracker_new(const struct hsa_tracker_config *cfg)
{
	struct hsa_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_flows < 2)
		t->cfg.max_flows = 2;
	t->nbuckets = INITIAL_BUCKETS;
	t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	hsa_flow_hash_seed(&t->secret);
	t->lists[L_HANDSHAKE].timeout_ns = cfg->handshake_timeout_ns;
	t->lists[L_ESTABLISHED].timeout_ns = cfg->idle_timeout_ns;
	t->lists[L_CLOSED].timeout_ns = cfg->linger_ns;
	t->lists[L_HISTORY].timeout_ns = cfg->history_ns;
	t->next_id = 1;
	return t;
}

/* --- lists ------------------------------------------------------------ */

static void list_remove(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct conn_list *l = &t->lists[c->list];

	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
	l->count--;
}

static void list_append(struct hsa_tracker *t, struct hsa_conn *c, int which)
{
	struct conn_list *l = &t->lists[which];

	c->list = (uint8_t)which;
	c->next = NULL;
	c->prev = l->tail;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
	l->count++;
}

/* --- hash table ------------------------------------------------------- */

static bool conn_matches(const struct hsa_conn *c, const struct hsa_packet *p)
{
	const struct hsa_endpoint *a = &c->ep[0], *b = &c->ep[1];

	if (c->ip_version != p->ip_version)
		return false;
	if (a->port == p->sport && b->port == p->dport &&
	    memcmp(a->addr.bytes, p->src.bytes, 16) == 0 &&
	    memcmp(b->addr.bytes, p->dst.bytes, 16) == 0)
		return true;
	return a->port == p->dport && b->port == p->sport &&
	    memcmp(a->addr.bytes, p->dst.bytes, 16) == 0 &&
	    memcmp(b->addr.bytes, p->src.bytes, 16) == 0;
}

static struct hsa_conn *table_find(struct hsa_tracker *t, uint64_t h,
    const struct hsa_packet *p)
{
	struct hsa_conn *c;

	for (c = t->buckets[h & (t->nbuckets - 1)]; c; c = c->hnext)
		if (c->hash == h && conn_matches(c, p))
			return c;
	return NULL;
}

static void table_remove(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct hsa_conn **pp = &t->buckets[c->hash & (t->nbuckets - 1)];

	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	t->count--;
}

/* Double the buckets when the load passes 1; on failure keep the old ones. */
static void table_grow(struct hsa_tracker *t)
{
	size_t n = t->nbuckets * 2, i;
	struct hsa_conn **nb = calloc(n, sizeof(*nb)), *c, *next;

	if (!nb)
		return;
	for (i = 0; i < t->nbuckets; i++)
		for (c = t->buckets[i]; c; c = next) {
			next = c->hnext;
			c->hnext = nb[c->hash & (n - 1)];
			nb[c->hash & (n - 1)] = c;
		}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static void table_insert(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct hsa_conn **b;

	if (t->count >= t->nbuckets)
		table_grow(t);
	b = &t->buckets[c->hash & (t->nbuckets - 1)];
	c->hnext = *b;
	*b = c;
	t->count++;
	if (t->count > t->stats.peak_flows)
		t->stats.peak_flows = t->count;
}

/* --- life cycle ------------------------------------------------------- */

static void release(struct hsa_tracker *t, struct hsa_conn *c)
{
	list_remove(t, c);
	table_remove(t, c);
	free(c->log);
	c->log = NULL;
	c->hnext = t->free_conns;
	t->free_conns = c;
}

/* Hand a connection to the sink, once. */
static void report(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct hsa_verdict v;

	hsa_conn_verdict(c, &v);
	t->stats.connections++;
	if (t->cfg.sink)
		t->cfg.sink(t->cfg.ctx, c, &v);
	free(c->log);
	c->log = NULL;
}

/* Report c and keep its 4-tuple in the history. */
static void report_to_history(struct hsa_tracker *t, struct hsa_conn *c)
{
	report(t, c);
	list_remove(t, c);
	list_append(t, c, L_HISTORY);
}

static void expire(struct hsa_tracker *t)
{
	struct hsa_conn *c;
	int l;

	for (l = 0; l < L_COUNT; l++)
		while ((c = t->lists[l].head) &&
		    t->now - c->last_ts > t->lists[l].timeout_ns) {
			if (l == L_HISTORY)
				release(t, c);
			else
				report_to_history(t, c);
		}
}

/* Make room for one more entry. */
static void evict_one(struct hsa_tracker *t)
{
	struct hsa_conn *c = t->lists[L_HISTORY].head, *hs, *est;

	if (c) {
		release(t, c);
		return;
	}
	if ((c = t->lists[L_CLOSED].head)) {
		report(t, c);
		release(t, c);
		return;
	}
	hs = t->lists[L_HANDSHAKE].head;
	est = t->lists[L_ESTABLISHED].head;
	c = !hs ? est : !est ? hs : (hs->last_ts <= est->last_ts ? hs : est);
	if (!c)
		return;
	c->evicted = true;
	t->stats.evicted++;
	report(t, c);
	release(t, c);
}

static struct hsa_conn *new_conn(struct hsa_tracker *t, uint64_t h,
    const struct hsa_packet *p)
{
	struct hsa_conn *c;

	while (t->count >= t->cfg.max_flows)
		evict_one(t);
	if ((c = t->free_conns))
		t->free_conns = c->hnext;
	else if (!(c = malloc(sizeof(*c))))
		return NULL;
	hsa_conn_init(c, t->next_id++, p);
	c->hash = h;
	table_insert(t, c);
	list_append(t, c, L_HANDSHAKE);
	return c;
}

static int list_for(const struct hsa_conn *c)
{
	if (hsa_conn_closed(c))
		return L_CLOSED;
	return hsa_conn_established(c) ? L_ESTABLISHED : L_HANDSHAKE;
}

void hsa_tracker_segment(struct hsa_tracker *t, const struct hsa_packet *p)
{
	uint64_t h = hsa_flow_hash(&t->secret, p->ip_version, &p->src, p->sport,
	    &p->dst, p->dport);
	bool syn = (p->flags & (HSA_TCP_SYN | HSA_TCP_ACK)) == HSA_TCP_SYN;
	struct hsa_conn *c;
	enum hsa_segment_role role;
	uint64_t previous_id = 0;
	int64_t previous_last = 0;
	bool reuse = false, had_handshake;
	int which;

	if (p->ts_ns > t->now)
		t->now = p->ts_ns;
	expire(t);

	c = table_find(t, h, p);
	if (c && c->list == L_HISTORY) {
		if (!syn) {
			t->stats.late_segments++;
			return;
		}
		reuse = true;
	} else if (c && syn && hsa_conn_syn_starts_new(c, p)) {
		report(t, c);
		reuse = true;
	}
	if (reuse) {
		previous_id = c->id;
		previous_last = c->last_ts;
		release(t, c);
		c = NULL;
	}
	if (!c) {
		c = new_conn(t, h, p);
		if (!c)
			return;
		if (reuse) {
			c->has_previous = true;
			c->previous_id = previous_id;
			c->reuse_gap_ns = p->ts_ns - previous_last;
		}
	}

	had_handshake = c->ack3_seen;
	role = hsa_conn_segment(c, p);
	if (t->cfg.segment_hook)
		t->cfg.segment_hook(t->cfg.ctx, c, p, role);
	if (c->ack3_seen && !had_handshake)
		t->stats.handshakes++;
	which = list_for(c);
	if (which == L_CLOSED && c->list != L_CLOSED) {
		/* Closed now: count who enters TIME-WAIT as it happens. */
		struct hsa_verdict v;

		hsa_time_wait_verdict(c, &v);
		t->stats.time_wait_entered[v.time_wait]++;
	}
	list_remove(t, c);
	list_append(t, c, which);
}

static int by_id(const void *a, const void *b)
{
	const struct hsa_conn *x = *(const struct hsa_conn *const *)a;
	const struct hsa_conn *y = *(const struct hsa_conn *const *)b;

	return x->id < y->id ? -1 : x->id > y->id;
}

void hsa_tracker_finish(struct hsa_tracker *t)
{
	struct hsa_conn **all, *c;
	size_t n = 0, i;
	int l;

	for (l = 0; l < L_HISTORY; l++)
		for (c = t->lists[l].head; c; c = c->next)
			n++;
	all = malloc((n ? n : 1) * sizeof(*all));
	if (!all) {
		/* Out of memory at the very end: report in list order. */
		for (l = 0; l < L_HISTORY; l++)
			while ((c = t->lists[l].head))
				report_to_history(t, c);
		return;
	}
	n = 0;
	for (l = 0; l < L_HISTORY; l++)
		for (c = t->lists[l].head; c; c = c->next)
			all[n++] = c;
	qsort(all, n, sizeof(*all), by_id);
	for (i = 0; i < n; i++)
		report_to_history(t, all[i]);
	free(all);
}

const struct hsa_tracker_stats *hsa_tracker_stats(const struct hsa_tracker *t)
{
	return &t->stats;
}

size_t hsa_tracker_open_flows(const struct hsa_tracker *t)
{
	return t->lists[L_HANDSHAKE].count + t->lists[L_ESTABLISHED].count +
	    t->lists[L_CLOSED].count;
}

void hsa_tracker_free(struct hsa_tracker *t)
{
	struct hsa_conn *c, *next;
	int l;

	if (!t)
		return;
	for (l = 0; l < L_COUNT; l++)
		for (c = t->lists[l].head; c; c = next) {
			next = c->next;
			free(c->log);
			free(c);
		}
	for (c = t->free_conns; c; c = next) {
		next = c->hnext;
		free(c);
	}
	free(t->buckets);
	free(t);
}
