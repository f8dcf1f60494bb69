/*
 * tracker.c - the connection table and each connection's life cycle.
 *
 * Entries sit in an open-addressing hash table (linear probing; each slot
 * holds the hash beside the pointer, so a lookup reads only the entry it
 * finds) and on exactly one of four lists, ordered by last activity, each with its own timeout in capture
 * time:
 *
 *   HANDSHAKE    SYN seen, handshake not finished         (handshake timeout)
 *   ESTABLISHED  handshake done, or never seen             (idle timeout)
 *   CLOSED       both FINs acknowledged, or an accepted RST (linger)
 *   HISTORY      reported; the 4-tuple is remembered       (history)
 *
 * Because each list has one timeout, only its head needs checking, so the
 * work per packet is constant.  Moving a connection to its list's tail on
 * every packet would touch its neighbours' memory each time, so it is moved
 * only when it last moved more than 1/8 of the list's timeout ago; a head
 * found active since is moved then instead of being expired.  Expiry is
 * therefore late by at most 1/8 of the timeout.  A connection is reported when it leaves the
 * first three lists; its entry then becomes a HISTORY entry, which is all
 * that is kept of it: memory does not grow with the number of finished
 * connections.  When the table is full, history goes first, then closed
 * connections, then the longest-idle open one, reported as evicted.
 *
 * The analysis stage is told a horizon as capture time passes (see
 * hsa_tracker.h).  The connections that hold it back are kept in a
 * min-heap by the time each holds it at, updated when a segment, a held
 * SYN or its report changes that time: reading the horizon is reading the
 * heap's top, where a walk over the open connections cost a cache miss per
 * connection (a second of every two on a capture with 30,000 connections
 * lingering).
 *
 * One entry per 4-tuple, with one exception: a SYN that reaches a server
 * still in TIME-WAIT and that Linux would not accept
 * (hsa_conn_syn_hits_time_wait()) is held by the old connection, which
 * keeps the server's ACK and the client's RST that follow, until the
 * client's next SYN (or a SYN/ACK of the held one) starts the new
 * connection with the held SYN first.  The other side's SYN while the
 * first is unanswered is a simultaneous open, not a new connection.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_pool.h"
#include "hsa_time.h"
#include "hsa_tracker.h"
#include "flow_hash.h"
#include "prefetch.h"

enum { L_HANDSHAKE, L_ESTABLISHED, L_CLOSED, L_HISTORY, L_COUNT };

struct conn_list {
	struct hsa_conn_track *head;	/* least recently active */
	struct hsa_conn_track *tail;
	size_t count;
	int64_t timeout_ns;
};

struct slot {
	uint64_t hash;
	struct hsa_conn_track *c;	/* NULL: empty */
};

/* A connection that holds the horizon back, keyed by the earliest time it
 * may still bring to the analysis stage (see pending_ts()). */
struct pending {
	int64_t ts;
	uint64_t gen;		/* live while c->pending_gen is this */
	struct hsa_conn_track *c;
};

/* A SYN held for the next connection (see struct hsa_conn_track). */
struct hsa_held_syn {
	struct hsa_packet p;
	int64_t gap_ns;		/* since its connection's last segment, on
				 * the tracker's clock */
};

/* What is kept of a reported connection: its 4-tuple, its id and what a
 * SYN reusing the 4-tuple is judged by: 128 bytes.  Under a third of a connection record,
 * so that the records themselves are few (only the connections being
 * tracked) and stay in the cache. */
struct hist {
	struct hsa_conn_track tk;	/* first: a track on L_HISTORY is a hist */
	uint64_t id;
	struct hsa_addr addr[2];	/* HSA_CLIENT, HSA_SERVER */
	uint16_t port[2];
	uint8_t ip_version;
	struct hsa_tw_memo tw;
};

struct hsa_tracker {
	struct hsa_tracker_config cfg;
	struct hsa_flow_key_secret secret;
	struct slot *slots;
	size_t nslots;		/* a power of two, at least twice count */
	size_t count;		/* entries in the table, history included */
	struct conn_list lists[L_COUNT];
	struct hsa_pool conns;		/* connection records */
	struct hsa_pool mores;		/* their out-of-line handshake
					 * histories (struct hsa_hs_more) */
	/* History entries: at least one free per connection being tracked
	 * (new_conn() makes sure), so that reporting one never needs
	 * memory. */
	struct hsa_pool hists;
	uint64_t next_id;
	int64_t now;		/* the tracker's clock (see hsa_tracker.h) */
	int64_t clock_ts;	/* the capture time now last followed */
	bool started;		/* a segment has set the clock */
	int64_t next_expire;	/* look at the list heads again from then */
	int64_t next_progress;	/* tell the analysis stage again from then */
	size_t held;		/* entries holding a SYN (held_syn) */
	/* A min-heap of the entries that hold the horizon back, so that
	 * the horizon is its top instead of a walk over every open
	 * connection; pending_lost: it missed one for want of memory, and
	 * the horizon walks the lists from then on. */
	struct pending *pending;
	size_t npending;
	size_t pending_cap;
	size_t pending_stale;	/* entries no longer live */
	uint64_t pending_gens;	/* generations given so far */
	bool pending_lost;
	hsa_populate_hook populate;	/* or NULL */
	void *populate_ctx;
	struct hsa_tracker_stats stats;
};

#define INITIAL_SLOTS 2048
#define EXPIRE_EVERY_NS 1000000LL	/* 1 ms of capture time */
#define LINUX_TIME_WAIT_NS (60LL * 1000000000LL)	/* TCP_TIMEWAIT_LEN */
/* The horizon costs a walk over the open connections: every 100 ms of
 * capture time is often enough for a status line and keeps the analysis
 * stage's backlog short. */
#define PROGRESS_EVERY_NS 100000000LL
/* Segments may come out of time order (merged and loopback captures): a
 * FIN stamped this much before the latest time seen is still expected. */
#define REORDER_SLACK_NS 1000000000LL

struct hsa_tracker *hsa_tracker_new(const struct hsa_tracker_config *cfg)
{
	struct hsa_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (t->cfg.max_flows < 2)
		t->cfg.max_flows = 2;
	t->nslots = INITIAL_SLOTS;
	t->slots = calloc(t->nslots, sizeof(*t->slots));
	if (!t->slots) {
		free(t);
		return NULL;
	}
	hsa_flow_hash_seed(&t->secret);
	hsa_pool_init(&t->conns, sizeof(struct hsa_conn));
	hsa_pool_init(&t->mores, sizeof(struct hsa_hs_more));
	hsa_pool_init(&t->hists, sizeof(struct hist));
	t->lists[L_HANDSHAKE].timeout_ns = cfg->handshake_timeout_ns;
	t->lists[L_ESTABLISHED].timeout_ns = cfg->idle_timeout_ns;
	t->lists[L_CLOSED].timeout_ns = cfg->linger_ns;
	t->lists[L_HISTORY].timeout_ns = cfg->history_ns;
	t->next_id = 1;
	return t;
}

/* --- entries: a connection or its history ----------------------------- */

static bool is_hist(const struct hsa_conn_track *e)
{
	return e->list == L_HISTORY;
}

static struct hsa_conn *conn_of(struct hsa_conn_track *e)
{
	return (struct hsa_conn *)((char *)e - offsetof(struct hsa_conn, tk));
}

static const struct hsa_conn *const_conn_of(const struct hsa_conn_track *e)
{
	return (const struct hsa_conn *)((const char *)e -
	    offsetof(struct hsa_conn, tk));
}

static const struct hist *hist_of(const struct hsa_conn_track *e)
{
	return (const struct hist *)e;
}

static uint64_t entry_id(const struct hsa_conn_track *e)
{
	return is_hist(e) ? hist_of(e)->id : const_conn_of(e)->id;
}

/* Which end sent p, HSA_CLIENT or HSA_SERVER. */
static int entry_sender(const struct hsa_conn_track *e,
    const struct hsa_packet *p)
{
	const struct hist *h;

	if (!is_hist(e))
		return hsa_conn_sender(const_conn_of(e), p);
	h = hist_of(e);
	return h->port[HSA_CLIENT] == p->sport &&
	    memcmp(h->addr[HSA_CLIENT].bytes, p->src.bytes, 16) == 0 ?
	    HSA_CLIENT : HSA_SERVER;
}

/* --- lists ------------------------------------------------------------ */

static void list_remove(struct hsa_tracker *t, struct hsa_conn_track *c)
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

static void list_append(struct hsa_tracker *t, struct hsa_conn_track *c,
    int which)
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

/* True when p travels between a:aport and b:bport, either way. */
static bool tuple_matches(uint8_t ip_version, const struct hsa_addr *a,
    uint16_t aport, const struct hsa_addr *b, uint16_t bport,
    const struct hsa_packet *p)
{
	if (ip_version != p->ip_version)
		return false;
	if (aport == p->sport && bport == p->dport &&
	    memcmp(a->bytes, p->src.bytes, 16) == 0 &&
	    memcmp(b->bytes, p->dst.bytes, 16) == 0)
		return true;
	return aport == p->dport && bport == p->sport &&
	    memcmp(a->bytes, p->dst.bytes, 16) == 0 &&
	    memcmp(b->bytes, p->src.bytes, 16) == 0;
}

static bool entry_matches(const struct hsa_conn_track *e,
    const struct hsa_packet *p)
{
	const struct hsa_conn *c;
	const struct hist *h;

	if (is_hist(e)) {
		h = hist_of(e);
		return tuple_matches(h->ip_version, &h->addr[0], h->port[0],
		    &h->addr[1], h->port[1], p);
	}
	c = const_conn_of(e);
	return tuple_matches(c->ip_version, &c->ep[0].addr, c->ep[0].port,
	    &c->ep[1].addr, c->ep[1].port, p);
}

static struct hsa_conn_track *table_find(struct hsa_tracker *t, uint64_t h,
    const struct hsa_packet *p)
{
	size_t mask = t->nslots - 1, i;

	for (i = h & mask; t->slots[i].c; i = (i + 1) & mask)
		if (t->slots[i].hash == h && entry_matches(t->slots[i].c, p))
			return t->slots[i].c;
	return NULL;
}

/* The slot holding c, or SIZE_MAX when it is not in the table.  c's home
 * slot is the low half of its hash masked: the table never has 2^32 slots
 * (--max-flows is at most HSA_MAX_FLOWS_LIMIT). */
static size_t table_slot(const struct hsa_tracker *t,
    const struct hsa_conn_track *c)
{
	size_t mask = t->nslots - 1, i;

	for (i = c->hash & mask; t->slots[i].c != c; i = (i + 1) & mask)
		if (!t->slots[i].c)
			return SIZE_MAX;
	return i;
}

/* Remove c, shifting later entries of its probe run back into the gap so
 * that no lookup stops early (no tombstones needed). */
static void table_remove(struct hsa_tracker *t, struct hsa_conn_track *c)
{
	size_t mask = t->nslots - 1, i = table_slot(t, c), j, home;

	if (i == SIZE_MAX)
		return;
	for (j = i;;) {
		j = (j + 1) & mask;
		if (!t->slots[j].c)
			break;
		home = t->slots[j].hash & mask;
		/* Move j back to i unless its home lies in (i, j]. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			t->slots[i] = t->slots[j];
			i = j;
		}
	}
	t->slots[i].c = NULL;
	t->count--;
}

static void slot_put(struct slot *slots, size_t n, uint64_t h,
    struct hsa_conn_track *c)
{
	size_t i;

	for (i = h & (n - 1); slots[i].c; i = (i + 1) & (n - 1))
		;
	slots[i].hash = h;
	slots[i].c = c;
}

/* Double the slots when more than half are used; on failure keep going
 * with the old ones (still correct, only slower). */
static void table_grow(struct hsa_tracker *t)
{
	size_t n = t->nslots * 2, i;
	struct slot *ns = calloc(n, sizeof(*ns));

	if (!ns)
		return;
	for (i = 0; i < t->nslots; i++)
		if (t->slots[i].c)
			slot_put(ns, n, t->slots[i].hash, t->slots[i].c);
	free(t->slots);
	t->slots = ns;
	t->nslots = n;
}

/* Put c, of hash h, in the table: 0, or -1 when the table could not grow
 * and is full. */
static int table_insert(struct hsa_tracker *t, struct hsa_conn_track *c,
    uint64_t h)
{
	if ((t->count + 1) * 2 > t->nslots)
		table_grow(t);
	if (t->count + 1 >= t->nslots)
		return -1;
	c->hash = (uint32_t)h;
	slot_put(t->slots, t->nslots, h, c);
	t->count++;
	if (t->count > t->stats.peak_flows)
		t->stats.peak_flows = t->count;
	return 0;
}

/* --- the horizon ------------------------------------------------------- */

/* The earliest time e may still bring to the analysis stage, INT64_MAX for
 * none: while it is not reported, the later FIN of one that has both (its
 * TIME-WAIT start) and the SYN of one reusing a 4-tuple; reported or not,
 * a SYN it holds. */
static int64_t pending_ts(const struct hsa_conn_track *e)
{
	int64_t h = INT64_MAX, fin;

	if (!is_hist(e)) {
		const struct hsa_conn *c = const_conn_of(e);
		const struct hsa_endpoint *a = &c->ep[HSA_CLIENT];
		const struct hsa_endpoint *b = &c->ep[HSA_SERVER];

		if (a->fin.seen && b->fin.seen) {
			fin = a->fin.ts > b->fin.ts ? a->fin.ts : b->fin.ts;
			if (fin < h)
				h = fin;
		}
		if (c->has_previous && c->first_ts < h)
			h = c->first_ts;
	}
	if (e->held_syn && e->held_syn->p.ts_ns < h)
		h = e->held_syn->p.ts_ns;
	return h;
}

/* The heap's entries are not moved when their entry's time changes or it
 * is reported: a new entry is pushed and the old one left behind, stale
 * (its generation no longer the entry's), to be dropped when it reaches
 * the top.  Moving them kept an index in every entry up to date, a write
 * into a cold connection record at every level of every sift.  Stale
 * entries are dropped all at once when they outnumber the live ones, so
 * the heap stays within twice the live entries (plus COMPACT_SLACK). */
#define COMPACT_SLACK 1024

static bool pending_live(const struct pending *e)
{
	return e->c->pending_gen == e->gen;
}

static void pending_down(struct pending *h, size_t n, size_t i)
{
	struct pending e = h[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= n)
			break;
		if (child + 1 < n && h[child + 1].ts < h[child].ts)
			child++;
		if (e.ts <= h[child].ts)
			break;
		h[i] = h[child];
		i = child;
	}
	h[i] = e;
}

/* Drop every stale entry and make a heap of the rest (Floyd's). */
static void pending_compact(struct hsa_tracker *t)
{
	size_t i, n = 0;

	for (i = 0; i < t->npending; i++)
		if (pending_live(&t->pending[i]))
			t->pending[n++] = t->pending[i];
	t->npending = n;
	t->pending_stale = 0;
	for (i = n / 2; i-- > 0;)
		pending_down(t->pending, n, i);
}

/* The live entry with the earliest time, or NULL: stale entries on top
 * are dropped on the way. */
static const struct pending *pending_top(struct hsa_tracker *t)
{
	while (t->npending && !pending_live(&t->pending[0])) {
		t->pending[0] = t->pending[--t->npending];
		pending_down(t->pending, t->npending, 0);
		t->pending_stale--;
	}
	return t->npending ? &t->pending[0] : NULL;
}

/* c's entry, if it has one, is stale from now on. */
static void pending_drop(struct hsa_tracker *t, struct hsa_conn_track *c)
{
	if (c->pending_gen) {
		c->pending_gen = 0;
		t->pending_stale++;
	}
}

/* Give c an entry at its pending_ts(), after anything that may change it:
 * a segment, a held SYN, its report. */
static void pending_update(struct hsa_tracker *t, struct hsa_conn_track *c)
{
	int64_t ts = pending_ts(c);
	struct pending *h;
	size_t i, parent;

	if (t->pending_lost || (c->pending_gen && ts == c->pending_ts))
		return;
	pending_drop(t, c);
	if (ts == INT64_MAX)
		return;
	if (t->pending_stale > t->npending / 2 + COMPACT_SLACK)
		pending_compact(t);
	if (t->npending == t->pending_cap) {
		size_t n = t->pending_cap ? t->pending_cap * 2 : 1024;
		struct pending *np = realloc(t->pending, n * sizeof(*np));

		if (!np) {
			t->pending_lost = true;
			return;
		}
		t->pending = np;
		t->pending_cap = n;
	}
	c->pending_gen = ++t->pending_gens;
	c->pending_ts = ts;
	h = t->pending;
	for (i = t->npending++; i > 0; i = parent) {
		parent = (i - 1) / 2;
		if (h[parent].ts <= ts)
			break;
		h[i] = h[parent];
	}
	h[i] = (struct pending){ ts, c->pending_gen, c };
}

/* --- life cycle ------------------------------------------------------- */

/* Give a connection record back, with its handshake history. */
static void conn_put(struct hsa_tracker *t, struct hsa_conn *c)
{
	if (c->more)
		hsa_pool_put(&t->mores, c->more);
	hsa_pool_put(&t->conns, c);
}

static void release(struct hsa_tracker *t, struct hsa_conn_track *c)
{
	list_remove(t, c);
	table_remove(t, c);
	pending_drop(t, c);
	if (c->held_syn)
		t->held--;
	free(c->held_syn);
	c->held_syn = NULL;
	if (is_hist(c))
		hsa_pool_put(&t->hists, c);
	else
		conn_put(t, conn_of(c));
}

/* Hand a connection to the sink, once; v is its verdict. */
static void report(struct hsa_tracker *t, struct hsa_conn *c,
    struct hsa_verdict *v)
{
	hsa_conn_verdict(c, v);
	t->stats.connections++;
	if (t->cfg.sink)
		t->cfg.sink(t->cfg.ctx, c, v);
}

/* Report c and keep a history entry of its 4-tuple in its place (the
 * entry was reserved when c was made). */
static void report_to_history(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct hsa_verdict v;
	struct hist *h = hsa_pool_get(&t->hists);	/* reserved: never NULL */
	size_t i;

	report(t, c, &v);
	h->tk = c->tk;
	h->tk.prev = h->tk.next = NULL;
	h->id = c->id;
	h->ip_version = c->ip_version;
	for (i = 0; i < 2; i++) {
		h->addr[i] = c->ep[i].addr;
		h->port[i] = c->ep[i].port;
	}
	hsa_conn_tw_memo(c, v.state[HSA_SERVER], &h->tw);
	if ((i = table_slot(t, &c->tk)) != SIZE_MAX)
		t->slots[i].c = &h->tk;
	pending_drop(t, &c->tk);	/* h gets its own entry, if any */
	h->tk.pending_gen = 0;
	list_remove(t, &c->tk);
	conn_put(t, c);
	list_append(t, &h->tk, L_HISTORY);
	h->tk.queued_ts = h->tk.active_ns;
	pending_update(t, &h->tk);
}

/* At the end of the capture: report c and forget it.  No segment will
 * come that a history entry of its 4-tuple would serve, and making one
 * for every connection still lingering would only add to the peak. */
static void report_last(struct hsa_tracker *t, struct hsa_conn *c)
{
	struct hsa_verdict v;

	report(t, c, &v);
	release(t, &c->tk);
}

static void apply_segment(struct hsa_tracker *t, struct hsa_conn *c,
    const struct hsa_packet *p);
static struct hsa_conn *new_conn(struct hsa_tracker *t, uint64_t h,
    const struct hsa_packet *p);

/* Start the connection whose SYN e holds, reporting e (unless it already
 * was) and putting the new connection in its place. */
static void start_held(struct hsa_tracker *t, struct hsa_conn_track *e)
{
	struct hsa_held_syn *held = e->held_syn;
	uint64_t previous_id = entry_id(e);
	struct hsa_conn *n;
	struct hsa_verdict v;

	e->held_syn = NULL;
	t->held--;
	if (!is_hist(e))
		report(t, conn_of(e), &v);
	release(t, e);
	if ((n = new_conn(t, held->p.flow_hash, &held->p))) {
		n->has_previous = true;
		n->previous_id = previous_id;
		n->reuse_gap_ns = held->gap_ns;
		apply_segment(t, n, &held->p);
	} else
		t->stats.alloc_failures++;
	free(held);
}

/* Keep SYN p in e (see hsa_conn.h); false when out of memory. */
static bool hold_syn(struct hsa_tracker *t, struct hsa_conn_track *e,
    const struct hsa_packet *p)
{
	if (!(e->held_syn = malloc(sizeof(*e->held_syn))))
		return false;
	t->held++;
	e->held_syn->p = *p;
	e->held_syn->gap_ns = t->now - e->active_ns;
	pending_update(t, e);
	return true;
}

/* p belongs to the connection whose SYN e holds: the client's next SYN,
 * or a SYN/ACK of the held SYN.  The server's ACKs and the client's RST
 * answering them are still e's. */
static bool starts_held(const struct hsa_conn_track *e,
    const struct hsa_packet *p)
{
	int s = entry_sender(e, p);

	if (!(p->flags & HSA_TCP_SYN))
		return false;
	if (!(p->flags & HSA_TCP_ACK))
		return s == HSA_CLIENT;
	return s == HSA_SERVER && p->ack == e->held_syn->p.seq + 1 +
	    e->held_syn->p.payload_len;
}

/* Expiring a connection reads the whole of its record, which has not
 * been touched for a linger's time: the record next in line is loaded
 * while this one is reported, and so is this one's table slot. */
HSA_PREFETCHER prefetch_expiring(const struct hsa_tracker *t,
    const struct hsa_conn_track *c)
{
	__builtin_prefetch(&t->slots[c->hash & (t->nslots - 1)]);
	if (c->next)
		hsa_prefetch_range(c->next, sizeof(struct hsa_conn), false);
}

static void expire(struct hsa_tracker *t)
{
	struct hsa_conn_track *c;
	int l;

	for (l = 0; l < L_COUNT; l++)
		while ((c = t->lists[l].head) &&
		    t->now - c->queued_ts > t->lists[l].timeout_ns) {
			prefetch_expiring(t, c);
			if (t->now - c->active_ns <= t->lists[l].timeout_ns) {
				/* Active since it was queued: requeue it. */
				list_remove(t, c);
				list_append(t, c, l);
				c->queued_ts = c->active_ns;
			} else if (c->held_syn)
				start_held(t, c);
			else if (l == L_HISTORY)
				release(t, c);
			else
				report_to_history(t, conn_of(c));
		}
}

/* Make room for one more entry. */
static void evict_one(struct hsa_tracker *t)
{
	struct hsa_conn_track *c = t->lists[L_HISTORY].head, *hs, *est;
	struct hsa_verdict v;

	if (c) {
		release(t, c);
		return;
	}
	if ((c = t->lists[L_CLOSED].head)) {
		report(t, conn_of(c), &v);
		release(t, c);
		return;
	}
	hs = t->lists[L_HANDSHAKE].head;
	est = t->lists[L_ESTABLISHED].head;
	c = !hs ? est : !est ? hs : (hs->active_ns <= est->active_ns ? hs : est);
	if (!c)
		return;
	conn_of(c)->evicted = true;
	t->stats.evicted++;
	report(t, conn_of(c), &v);
	release(t, c);
}

/* The next chunk of the record pool and of the history pool, given to
 * the populate hook while the current one still has a quarter left: the
 * first touch of a chunk, the kernel zeroing its huge page, was up to a
 * sixth of the tracker thread's samples. */
static void populate_ahead(struct hsa_tracker *t)
{
	void *addr;
	size_t len;

	if (!t->populate)
		return;
	if (hsa_pool_ahead(&t->conns, &addr, &len) == 1)
		t->populate(t->populate_ctx, addr, len);
	if (hsa_pool_ahead(&t->hists, &addr, &len) == 1)
		t->populate(t->populate_ctx, addr, len);
}

void hsa_tracker_set_populate(struct hsa_tracker *t, hsa_populate_hook fn,
    void *ctx)
{
	t->populate = fn;
	t->populate_ctx = ctx;
}

static struct hsa_conn *new_conn(struct hsa_tracker *t, uint64_t h,
    const struct hsa_packet *p)
{
	struct hsa_conn *c;

	while (t->count >= t->cfg.max_flows)
		evict_one(t);
	/* Its history entry, for when it is reported. */
	if (hsa_pool_reserve(&t->hists, hsa_tracker_open_flows(t) + 1) != 0 ||
	    !(c = hsa_pool_get(&t->conns)))
		return NULL;
	if (table_insert(t, &c->tk, h) != 0) {
		hsa_pool_put(&t->conns, c);
		return NULL;
	}
	populate_ahead(t);
	hsa_conn_init(c, t->next_id++, p);
	c->tk.hash = (uint32_t)h;
	c->tk.queued_ts = c->tk.active_ns = t->now;
	list_append(t, &c->tk, L_HANDSHAKE);
	return c;
}

/* Where a walk over list l for what is not reported yet starts: every
 * open connection, and a history entry only for the SYN it may hold, so
 * the history list (as long as --max-flows) is walked only when some
 * entry holds one; NULL: nothing to walk. */
static struct hsa_conn_track *walk_head(const struct hsa_tracker *t, int l)
{
	return l < L_HISTORY || t->held ? t->lists[l].head : NULL;
}

/* The earliest time a connection not yet reported may still bring to the
 * analysis stage (see pending_ts()), or limit when that is earlier.  The
 * heap of pending connections has it at its top; without the heap (out of
 * memory once) every open connection, and every held SYN, is looked at. */
static int64_t horizon_below(struct hsa_tracker *t, int64_t limit)
{
	const struct hsa_conn_track *c;
	const struct pending *top;
	int64_t h = limit, ts;
	int l;

	if (!t->pending_lost) {
		if ((top = pending_top(t)) && top->ts < h)
			h = top->ts;
		return h;
	}
	for (l = 0; l < L_COUNT; l++)
		for (c = walk_head(t, l); c; c = c->next)
			if ((ts = pending_ts(c)) < h)
				h = ts;
	return h;
}

/* The horizon while segments still come: anything from capture_now less
 * the reordering slack on may still be brought by a segment. */
static int64_t horizon(struct hsa_tracker *t, int64_t capture_now)
{
	return horizon_below(t, capture_now - REORDER_SLACK_NS);
}

static int list_for(const struct hsa_conn *c)
{
	if (hsa_conn_closed(c))
		return L_CLOSED;
	return hsa_conn_established(c) ? L_ESTABLISHED : L_HANDSHAKE;
}

void hsa_tracker_hash(const struct hsa_tracker *t, struct hsa_packet *p)
{
	p->flow_hash = hsa_flow_hash(&t->secret, p->ip_version, &p->src,
	    p->sport, &p->dst, p->dport);
}

/* Follow the capture's clock forward from where it was last followed; a
 * step back by more than HSA_CLOCK_STEP_NS is followed from its new value
 * without moving the tracker's clock back.  Smaller steps back are
 * reordering and change nothing. */
static void advance_clock(struct hsa_tracker *t, int64_t ts)
{
	if (!t->started) {
		t->now = t->clock_ts = ts;
		t->started = true;
	} else if (ts > t->clock_ts) {
		t->now = hsa_ns_add_sat(t->now, ts - t->clock_ts);
		t->clock_ts = ts;
	} else if (t->clock_ts - ts > HSA_CLOCK_STEP_NS)
		t->clock_ts = ts;
}

/* A SYN from e's client that reaches its server still in TIME-WAIT, which
 * does not accept it (hsa_conn_syn_hits_time_wait()). */
static bool syn_hits_time_wait(const struct hsa_conn_track *e,
    const struct hsa_packet *p)
{
	if (!is_hist(e))
		return hsa_conn_syn_hits_time_wait(const_conn_of(e), p);
	return entry_sender(e, p) == HSA_CLIENT &&
	    hsa_tw_memo_refuses(&hist_of(e)->tw, p);
}

void hsa_tracker_segment(struct hsa_tracker *t, const struct hsa_packet *p)
{
	uint64_t h = p->flow_hash;
	bool syn = (p->flags & (HSA_TCP_SYN | HSA_TCP_ACK)) == HSA_TCP_SYN;
	struct hsa_conn_track *e;
	struct hsa_conn *c = NULL;
	struct hsa_verdict v;
	uint64_t previous_id = 0;
	int64_t previous_active = 0;
	bool reuse = false;

	advance_clock(t, p->ts_ns);
	/* Timeouts are seconds long: looking once per millisecond of
	 * capture time is enough, and spares the list heads' cache lines. */
	if (t->now >= t->next_expire) {
		expire(t);
		t->next_expire = hsa_ns_add_sat(t->now, EXPIRE_EVERY_NS);
	}
	if (t->cfg.progress && t->now >= t->next_progress) {
		t->cfg.progress(t->cfg.ctx, horizon(t, t->clock_ts));
		t->next_progress = hsa_ns_add_sat(t->now, PROGRESS_EVERY_NS);
	}

	e = table_find(t, h, p);
	if (e && e->held_syn) {
		if (starts_held(e, p)) {
			start_held(t, e);
			hsa_tracker_segment(t, p);
			return;
		}
		if (is_hist(e)) {
			t->stats.late_segments++;
			return;
		}
		apply_segment(t, conn_of(e), p);
		return;
	}
	if (e && is_hist(e)) {
		if (!syn) {
			t->stats.late_segments++;
			return;
		}
		if (t->now - e->active_ns < LINUX_TIME_WAIT_NS &&
		    syn_hits_time_wait(e, p) && hold_syn(t, e, p))
			return;
		reuse = true;
	} else if (e && syn && hsa_conn_syn_starts_new(conn_of(e), p)) {
		if (syn_hits_time_wait(e, p) && hold_syn(t, e, p))
			return;
		report(t, conn_of(e), &v);
		reuse = true;
	} else if (e)
		c = conn_of(e);
	if (reuse) {
		previous_id = entry_id(e);
		previous_active = e->active_ns;
		release(t, e);
	}
	if (!c) {
		c = new_conn(t, h, p);
		if (!c) {
			t->stats.alloc_failures++;
			return;
		}
		if (reuse) {
			c->has_previous = true;
			c->previous_id = previous_id;
			/* On the tracker's clock: never negative. */
			c->reuse_gap_ns = t->now - previous_active;
		}
	}
	apply_segment(t, c, p);
}

/* A batch's segments are known ahead of their turn, and most of the time
 * one takes goes into waiting for memory: its slot in a table too large
 * for the cache, then its connection's record.  So the slot of the
 * segment SLOT_AHEAD places ahead is loaded early, and the record of the
 * one RECORD_AHEAD ahead (its slot loaded by then), its hot part
 * (struct hsa_conn) at least.  A hint only: the table may change before
 * the segment's turn, and a stale guess costs a wasted load. */
#define PACKET_AHEAD	32
#define SLOT_AHEAD	16
#define RECORD_AHEAD	8
#define RECORD_HOT_BYTES	256

HSA_PREFETCHER prefetch_slot(const struct hsa_tracker *t,
    const struct hsa_packet *p)
{
	__builtin_prefetch(&t->slots[p->flow_hash & (t->nslots - 1)]);
}

HSA_PREFETCHER prefetch_record(const struct hsa_tracker *t,
    const struct hsa_packet *p)
{
	const struct slot *s = &t->slots[p->flow_hash & (t->nslots - 1)];

	if (s->c)
		hsa_prefetch_range(s->c, RECORD_HOT_BYTES, false);
}

void hsa_tracker_segments(struct hsa_tracker *t, const struct hsa_packet *p,
    size_t n)
{
	size_t i;

	for (i = 0; i < n && i < SLOT_AHEAD; i++)
		prefetch_slot(t, &p[i]);
	for (i = 0; i < n && i < RECORD_AHEAD; i++)
		prefetch_record(t, &p[i]);
	for (i = 0; i < n; i++) {
		if (i + PACKET_AHEAD < n)
			hsa_prefetch_range(&p[i + PACKET_AHEAD], sizeof(*p),
			    false);
		if (i + SLOT_AHEAD < n)
			prefetch_slot(t, &p[i + SLOT_AHEAD]);
		if (i + RECORD_AHEAD < n)
			prefetch_record(t, &p[i + RECORD_AHEAD]);
		hsa_tracker_segment(t, &p[i]);
	}
}

static void apply_segment(struct hsa_tracker *t, struct hsa_conn *c,
    const struct hsa_packet *p)
{
	struct hsa_conn_track *e = &c->tk;
	struct hsa_hs_more *more;
	enum hsa_segment_role role;
	bool had_handshake;
	int which;

	/* A retransmitted SYN or SYN/ACK, or a simultaneous open: its
	 * history needs room out of line.  Without memory for it the
	 * segment is dropped, as when a connection cannot be had. */
	if (hsa_conn_wants_more(c, p)) {
		if (!(more = hsa_pool_get(&t->mores))) {
			t->stats.alloc_failures++;
			return;
		}
		hsa_conn_attach_more(c, more);
	}
	had_handshake = c->ack3_seen;
	e->active_ns = t->now;
	role = hsa_conn_segment(c, p);
	if (t->cfg.segment_hook)
		t->cfg.segment_hook(t->cfg.ctx, c, p, role);
	if (!had_handshake && c->ack3_seen)
		t->stats.handshakes++;
	which = list_for(c);
	if (which == L_CLOSED && e->list != L_CLOSED) {
		/* Closed now: count who enters TIME-WAIT as it happens. */
		struct hsa_verdict v;

		hsa_time_wait_verdict(c, &v);
		t->stats.time_wait_entered[v.time_wait]++;
	}
	if (which != e->list || (e != t->lists[which].tail &&
	    e->active_ns - e->queued_ts > t->lists[which].timeout_ns / 8)) {
		list_remove(t, e);
		list_append(t, e, which);
		e->queued_ts = e->active_ns;
	}
	pending_update(t, e);
}

static int by_id(const void *a, const void *b)
{
	uint64_t x = entry_id(*(const struct hsa_conn_track *const *)a);
	uint64_t y = entry_id(*(const struct hsa_conn_track *const *)b);

	return x < y ? -1 : x > y;
}

/* At the end of the capture no segment can come any more, so nothing but
 * the connections still tracked holds the horizon back: the analysis
 * stage is told it after every FINISH_PROGRESS_EVERY of their reports, and
 * counts their TIME-WAITs as they come.  Told only once at the end, it
 * held every one of them (on the benchmark trace, 33,000 lingering
 * connections: 3 MB of events and intervals at the peak). */
#define FINISH_PROGRESS_EVERY 256

/* Report all[0..n) in order (start the connection of a held SYN), telling
 * the analysis stage the horizon after every FINISH_PROGRESS_EVERY and at
 * the end: the earliest pending_ts() of the entries not reported yet and
 * of the connections the held SYNs started (the next round reports them),
 * or the capture's latest time.  It is worked out per block of entries
 * beforehand, from the end: the heap's top is the same time, but dropping
 * every reported entry from it cost a sift each (7 million instructions
 * on a 200,000-packet capture).  Without memory for the blocks the
 * analysis stage is told nothing until the end. */
static void report_in_order(struct hsa_tracker *t,
    struct hsa_conn_track **all, size_t n)
{
	size_t nblocks = (n + FINISH_PROGRESS_EVERY - 1) / FINISH_PROGRESS_EVERY;
	int64_t *from_block = malloc(nblocks * sizeof(*from_block));
	int64_t held = INT64_MAX, h, ts;
	size_t i, b;

	/* from_block[b]: the earliest of all[b * FINISH_PROGRESS_EVERY..n). */
	for (b = nblocks; from_block && b-- > 0;) {
		from_block[b] = b + 1 < nblocks ? from_block[b + 1] : INT64_MAX;
		for (i = b * FINISH_PROGRESS_EVERY;
		    i < n && i < (b + 1) * FINISH_PROGRESS_EVERY; i++)
			if ((ts = pending_ts(all[i])) < from_block[b])
				from_block[b] = ts;
	}
	for (i = 0; i < n; i++) {
		if (all[i]->held_syn) {
			if (all[i]->held_syn->p.ts_ns < held)
				held = all[i]->held_syn->p.ts_ns;
			start_held(t, all[i]);
		} else
			report_last(t, conn_of(all[i]));
		if (!from_block || !t->cfg.progress ||
		    ((i + 1) % FINISH_PROGRESS_EVERY != 0 && i + 1 < n))
			continue;
		/* all[i + 1] starts a block, or there is none. */
		h = i + 1 < n ? from_block[(i + 1) / FINISH_PROGRESS_EVERY] :
		    INT64_MAX;
		if (held < h)
			h = held;
		t->cfg.progress(t->cfg.ctx, h < t->clock_ts ? h : t->clock_ts);
	}
	free(from_block);
}

/* Memory for the id-ordered list of n entries at the end: the pending
 * heap's when it is large enough, or NULL (*owned: the caller frees what
 * malloc() gave).  From the end on the heap is not read (report_in_order()
 * works the horizon out itself) and nothing more is pushed on it; its
 * memory is resident already, where a list of its own was as much again
 * at the peak (33,000 entries on the benchmark trace: 260 KB). */
static struct hsa_conn_track **finish_list(struct hsa_tracker *t, size_t n,
    bool *owned)
{
	t->pending_lost = true;		/* no more pushes */
	t->npending = t->pending_stale = 0;
	*owned = !t->pending || n > t->pending_cap * sizeof(*t->pending) /
	    sizeof(struct hsa_conn_track *);
	if (!*owned)
		return (struct hsa_conn_track **)(void *)t->pending;
	return malloc(n * sizeof(struct hsa_conn_track *));
}

/* Report every connection still tracked, in id order; a held SYN starts
 * its connection, which a second round reports. */
void hsa_tracker_finish(struct hsa_tracker *t)
{
	struct hsa_conn_track **all, *c;
	size_t n;
	bool owned;
	int l;

	for (;;) {
		/* At most: the held SYNs of open connections count twice. */
		n = hsa_tracker_open_flows(t) + t->held;
		if (n == 0)
			return;
		all = finish_list(t, n, &owned);
		if (!all) {
			/* Out of memory at the very end: report in list order. */
			for (l = 0; l < L_HISTORY; l++)
				while ((c = t->lists[l].head))
					report_last(t, conn_of(c));
			return;
		}
		n = 0;
		for (l = 0; l < L_COUNT; l++)
			for (c = walk_head(t, l); c; c = c->next)
				if (l < L_HISTORY || c->held_syn)
					all[n++] = c;
		qsort(all, n, sizeof(*all), by_id);
		report_in_order(t, all, n);
		if (owned)
			free(all);
	}
}

const struct hsa_tracker_stats *hsa_tracker_stats(const struct hsa_tracker *t)
{
	return &t->stats;
}

void hsa_tracker_idle(struct hsa_tracker *t, int64_t capture_now)
{
	/* Capture time moves on without packets: what has lingered or idled
	 * past its timeout by then is reported now, not at the next packet.
	 * Up to the reorder slack only, so that a segment still in the
	 * capture's buffer does not come after its connection's report. */
	if (t->started && capture_now - REORDER_SLACK_NS > t->clock_ts) {
		advance_clock(t, capture_now - REORDER_SLACK_NS);
		expire(t);
		t->next_expire = hsa_ns_add_sat(t->now, EXPIRE_EVERY_NS);
	}
	if (t->cfg.progress && (!t->started || capture_now > t->clock_ts))
		t->cfg.progress(t->cfg.ctx, horizon(t, capture_now));
}

int64_t hsa_tracker_capture_time(const struct hsa_tracker *t)
{
	return t->clock_ts;
}

size_t hsa_tracker_open_flows(const struct hsa_tracker *t)
{
	return t->lists[L_HANDSHAKE].count + t->lists[L_ESTABLISHED].count +
	    t->lists[L_CLOSED].count;
}

void hsa_tracker_free(struct hsa_tracker *t)
{
	const struct hsa_conn_track *c;
	int l;

	if (!t)
		return;
	for (l = 0; l < L_COUNT && t->held; l++)
		for (c = t->lists[l].head; c; c = c->next)
			free(c->held_syn);
	hsa_pool_destroy(&t->conns);
	hsa_pool_destroy(&t->mores);
	hsa_pool_destroy(&t->hists);
	free(t->slots);
	free(t->pending);
	free(t);
}
