/*
 * time_wait_pressure.c - what the TIME-WAIT sockets cost.
 *
 * A side that closes first holds its 4-tuple in TIME-WAIT for 2*MSL (60 s on
 * Linux).  On a listening server that costs a little memory.  On the
 * connecting side each socket keeps a local port out of the ephemeral range
 * (32768-60999 by default), so a proxy that opens a new upstream connection
 * per request and closes it first runs out of ports at about 28232 / 60 = 470
 * connections per second to one upstream.
 *
 * The model: a holder enters TIME-WAIT when it has both sent and received a
 * FIN (the later FIN's capture time) and leaves it time_wait seconds later,
 * or when a new SYN reuses the 4-tuple.  Each TIME-WAIT is registered once,
 * when its connection is reported with its final verdict.  Connections are
 * reported out of time order (a closed one after a few seconds of linger,
 * one whose final ACK was lost only when idle), so their start events are
 * queued (event_queue.h: nearly in order, as most are, they cost little),
 * and the events are counted in time order up to the tracker's horizon:
 * the time before which nothing more will be reported.  All TIME-WAITs
 * last time_wait, so the ends come in the order of the starts: a counted
 * interval joins a list of ends, and only the ends that a reuse brought
 * forward need sorting.  Per client/server pair and holder side the number
 * alive is counted, and its peak kept.  Memory holds the intervals alive
 * or not yet counted (32 bytes each, and an 8-byte slot in the index by
 * connection id, at most 3/4 full), reused as they end, so it stops
 * growing once the capture is a TIME-WAIT period long; and the pairs,
 * which are bounded (HSA_PRESSURE_MAX_PAIRS; connections past it are
 * counted as lost).
 *
 * A clock that steps back (NTP, merged files) would put new intervals
 * before ones already counted.  The model then restarts: it counts
 * everything it holds to the end, and begins again from the new time; the
 * peaks are the largest of each stretch, so a step can neither add the
 * sockets of two stretches together nor make a reuse gap negative.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event_queue.h"
#include "flow_hash.h"
#include "hsa_kernel.h"
#include "hsa_pressure.h"

#define SUSTAINED_NS	1000000000LL	/* 1 s of entries before projecting */
/* Client ports that fill this share of a narrower span than the default
 * range, with at least INFER_MIN_PORTS of them, show the range that was in
 * use: Linux hands out even ports first and odd ones only when short, so
 * a densely used span is a range running full. */
#define INFER_MIN_PORTS	512
#define INFER_DENSITY	0.9
/* A TIME-WAIT starting this much before what was already counted means the
 * capture's clock stepped back; less is reordering, counted as late. */
#define CLOCK_STEP_NS	1000000000LL
/* The pairs looked up lately, by a cheap unkeyed hash: most connections
 * belong to one of a few pairs, found there without the keyed hash of the
 * index.  Crafted addresses can only make it miss. */
#define RECENT_PAIRS	256

struct side_stats {
	int n_examples;
	int n_reuse_examples;
	uint64_t examples[HSA_GROUP_EXAMPLES];
	uint64_t reuse_examples[HSA_GROUP_EXAMPLES];
	uint64_t entries;
	uint64_t kernel_entries;	/* from the kernel's table at start */
	uint64_t active;
	uint64_t peak;
	int64_t peak_at;
	uint64_t active_at_end;
	int64_t first_start;
	int64_t last_start;
	uint64_t reuse;
	int64_t reuse_min_gap;
	struct hsa_tw_series *series;	/* cfg.series only */
	struct hsa_conn_record *first;	/* examples[0] whole */
};

#define EXCHANGE_SLOTS 8

struct exchange_tally {
	uint32_t exchanges;
	uint64_t count;		/* 0: the slot is free */
};

struct pair {
	uint8_t ip_version;
	struct hsa_addr client;
	struct hsa_addr server;
	uint16_t server_port;
	uint64_t hash;
	uint64_t connections;
	bool have_syn;
	int64_t last_syn;
	struct side_stats side[2];
	/* How many request/response exchanges its connections carried:
	 * a Misra-Gries summary, so the most common count is found in
	 * fixed memory and its tally is never more than the truth. */
	uint64_t exchange_conns;	/* closed ones with at least one */
	struct exchange_tally tally[EXCHANGE_SLOTS];
};

enum iv_state { IV_FREE, IV_PENDING, IV_ACTIVE };

/* Interval numbers in links: the number + 1, 0 for none. */
struct iv_link {
	uint32_t prev;
	uint32_t next;
};

/* One TIME-WAIT of one side, 32 bytes.  Its end is start + time_wait
 * (every TIME-WAIT lasts as long) unless a reuse cut it short, so only a
 * cut one keeps its end; an uncut one counted is on the list of ends in
 * its place. */
struct interval {
	int64_t start;
	uint64_t conn_id;	/* 0: read from the kernel's table */
	union {
		struct iv_link link;	/* on the list of ends; the free
					 * list's next when free */
		int64_t cut_end;	/* cut: when it ends */
	} u;
	uint32_t gen;		/* bumped when the slot is reused */
	uint16_t pair;		/* HSA_PRESSURE_MAX_PAIRS fit */
	uint8_t side : 1;
	uint8_t state : 2;	/* enum iv_state */
	uint8_t cut : 1;	/* a reuse cut it short, at u.cut_end */
	uint8_t listed : 1;	/* on the list of ends */
};

_Static_assert(HSA_PRESSURE_MAX_PAIRS - 1 <= UINT16_MAX,
    "an interval's pair number fits in 16 bits");

/* The intervals sit in chunks of IV_CHUNK, found by number: growing adds a
 * chunk and never moves one (no copy, no doubling of what is held), and a
 * freed interval is reused first, so memory follows the most alive at
 * once. */
#define IV_CHUNK_SHIFT	10
#define IV_CHUNK	(1u << IV_CHUNK_SHIFT)
#define IV_CHUNKS_FIRST	16	/* chunk pointers first held */
#define IV_MAX		(UINT32_MAX - 1)	/* numbers + 1 fit in 32 bits */

/* Connection id -> its intervals (two when both sides hold TIME-WAIT: two
 * slots with the same key), open addressing with linear probing.  A slot
 * keeps the id's low 32 bits, and the interval holds the whole id, which a
 * lookup compares when the low bits match: 8 bytes a slot. */
struct id_slot {
	uint32_t key;		/* (uint32_t)conn_id */
	uint32_t iv;		/* interval number + 1, 0: empty */
};

#define IDS_FIRST	1024
/* Grown past 3/4 full: a short probe still, with 8-byte slots. */
#define IDS_LOAD_NUM	3
#define IDS_LOAD_DEN	4

struct hsa_pressure {
	struct hsa_pressure_config cfg;
	struct hsa_flow_key_secret secret;
	struct pair *pairs;
	size_t npairs;
	size_t pairs_cap;
	uint32_t *index;	/* open addressing: pair number + 1, 0 empty */
	size_t index_cap;
	uint32_t recent[RECENT_PAIRS];	/* pair number + 1 by recent_slot() */
	struct interval **iv_chunks;
	size_t iv_nchunks;
	size_t iv_chunks_cap;
	uint32_t nivs;		/* numbers handed out: the chunks' use */
	uint32_t free_iv;	/* + 1, 0: none */
	/* The events not counted yet.  Starts come nearly in time order, as
	 * the connections are reported.  Ends need no queue: every TIME-WAIT
	 * lasts time_wait and the starts are counted in time order, so the
	 * ends come in the order of the counted starts, kept as a list
	 * through the intervals (ends_head the earliest; counting a start
	 * never needs memory).  A reuse cutting one short takes it off the
	 * list and queues its end apart, in cuts. */
	struct hsa_event_queue starts;
	struct hsa_event_queue cuts;
	uint32_t ends_head;	/* interval number + 1, 0: none */
	uint32_t ends_tail;
	struct id_slot *ids;
	size_t ids_cap;		/* a power of two */
	unsigned ids_shift;	/* 64 - log2(ids_cap) */
	size_t nids;
	int64_t swept;		/* every event before this has been counted */
	int64_t series_until;	/* series record changes up to this time */
	bool finished;		/* "now" is the end of the capture */
	uint64_t active[2];
	uint64_t active_end[2];
	double max_share;
	struct hsa_close_wait cw;
	uint8_t client_ports[65536 / 8];	/* seen on completed handshakes */
	uint32_t nclient_ports;
	uint16_t client_port_min;
	uint16_t client_port_max;
	struct hsa_pressure_losses losses;
	struct hsa_tw_group *groups;
	size_t ngroups;
};

uint32_t hsa_pressure_range_size(const struct hsa_pressure_config *cfg)
{
	return (uint32_t)cfg->port_high - cfg->port_low + 1;
}

const char *hsa_port_range_source_name(enum hsa_port_range_source s)
{
	static const char *const names[] = {
#define HSA_X(name, text) text,
		HSA_PORT_RANGE_SOURCES(HSA_X)
#undef HSA_X
	};
	return names[s];
}

/* a + b for b >= 0, INT64_MAX when it would pass it. */
static int64_t add_saturating(int64_t a, int64_t b, bool *saturated)
{
	if (a > INT64_MAX - b) {
		*saturated = true;
		return INT64_MAX;
	}
	*saturated = false;
	return a + b;
}

struct hsa_pressure *hsa_pressure_new(const struct hsa_pressure_config *cfg)
{
	struct hsa_pressure *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	p->swept = INT64_MIN;
	p->series_until = INT64_MAX;
	hsa_flow_hash_seed(&p->secret);
	return p;
}

void hsa_pressure_free(struct hsa_pressure *p)
{
	size_t i;
	int side;

	if (!p)
		return;
	free(p->index);
	for (i = 0; i < p->iv_nchunks; i++)
		free(p->iv_chunks[i]);
	free(p->iv_chunks);
	hsa_event_queue_free(&p->starts);
	hsa_event_queue_free(&p->cuts);
	free(p->ids);
	free(p->groups);
	for (i = 0; i < p->npairs; i++)
		for (side = 0; side < 2; side++) {
			free(p->pairs[i].side[side].series);
			free(p->pairs[i].side[side].first);
		}
	free(p->pairs);
	free(p->cw.first);
	free(p);
}

const struct hsa_pressure_config *hsa_pressure_config(const struct hsa_pressure *p)
{
	return &p->cfg;
}

const struct hsa_pressure_losses *hsa_pressure_losses(const struct hsa_pressure *p)
{
	return &p->losses;
}

const struct hsa_close_wait *hsa_pressure_close_wait(const struct hsa_pressure *p)
{
	return &p->cw;
}

/* The connecting side of a pair holding `now` TIME-WAITs: is its port
 * range full, and if not, when will it be at the rate it enters TIME-WAIT
 * (once that rate was kept up for SUSTAINED_NS and would fill the range
 * within one TIME-WAIT period)?  One rule for the --interval line, the
 * live groups and the metrics. */
static void project(const struct hsa_pressure *p, const struct side_stats *s,
    uint64_t now, bool *full, bool *tte_valid, double *tte_s)
{
	uint32_t size = hsa_pressure_range_size(&p->cfg);
	double span, rate;

	*full = now >= size;
	*tte_valid = false;
	*tte_s = 0;
	span = (double)(s->last_start - s->first_start) / 1e9;
	if (*full || s->entries < 2 || span * 1e9 < SUSTAINED_NS)
		return;
	rate = (double)(s->entries - 1) / span;
	if (rate * ((double)p->cfg.time_wait_ns / 1e9) > size) {
		*tte_valid = true;
		*tte_s = (double)(size - now) / rate;
	}
}

static uint64_t side_now(const struct hsa_pressure *p, const struct side_stats *s)
{
	/* Once finished, "now" is the end of the capture. */
	return p->finished ? s->active_at_end : s->active;
}

void hsa_pressure_status(const struct hsa_pressure *p,
    struct hsa_pressure_status *st)
{
	uint32_t size = hsa_pressure_range_size(&p->cfg);
	const struct side_stats *best = NULL, *s;
	uint64_t now, most = 0;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->active[HSA_CLIENT] = p->finished ? p->active_end[HSA_CLIENT] : p->active[HSA_CLIENT];
	st->active[HSA_SERVER] = p->finished ? p->active_end[HSA_SERVER] : p->active[HSA_SERVER];
	st->peak_share = p->max_share;
	for (i = 0; i < p->npairs; i++) {
		s = &p->pairs[i].side[HSA_CLIENT];
		now = side_now(p, s);
		if (now > most) {
			most = now;
			best = s;
		}
	}
	if (!best)
		return;
	st->busiest = most;
	st->busiest_share = (double)most / size;
	project(p, best, most, &st->full, &st->tte_valid, &st->tte_s);
}

/* The tie-break of both group orders: by addresses, port and side, so that
 * groups of equal rank always come out in the same order. */
static int same_rank_order(const struct hsa_addr *xc, const struct hsa_addr *xs,
    uint16_t xport, int xholder, const struct hsa_addr *yc,
    const struct hsa_addr *ys, uint16_t yport, int yholder)
{
	int r;

	if ((r = memcmp(xc->bytes, yc->bytes, 16)) != 0)
		return r;
	if ((r = memcmp(xs->bytes, ys->bytes, 16)) != 0)
		return r;
	if (xport != yport)
		return xport < yport ? -1 : 1;
	return xholder - yholder;
}

/* Live groups: more in TIME-WAIT now first, then more entries, then by
 * addresses, port and side, so that the order (and the cut) is stable. */
static int live_order(const struct hsa_live_group *x,
    const struct hsa_live_group *y)
{
	if (x->active != y->active)
		return x->active > y->active ? -1 : 1;
	if (x->entries != y->entries)
		return x->entries > y->entries ? -1 : 1;
	return same_rank_order(&x->client, &x->server, x->server_port,
	    x->holder, &y->client, &y->server, y->server_port, y->holder);
}

static int live_cmp(const void *a, const void *b)
{
	return live_order(a, b);
}

/* One pair side as a live group. */
static void live_group(const struct hsa_pressure *p, const struct pair *pr,
    int side, struct hsa_live_group *g)
{
	const struct side_stats *s = &pr->side[side];

	memset(g, 0, sizeof(*g));
	g->holder = side;
	g->ip_version = pr->ip_version;
	g->client = pr->client;
	g->server = pr->server;
	g->server_port = pr->server_port;
	g->entries = s->entries;
	g->active = side_now(p, s);
	if (side == HSA_CLIENT) {
		g->share = (double)g->active / hsa_pressure_range_size(&p->cfg);
		project(p, s, g->active, &g->full, &g->tte_valid, &g->tte_s);
	}
}

/* Fold g, one of the groups left out, into rest. */
static void fold(struct hsa_live_rest *rest, const struct hsa_live_group *g)
{
	struct hsa_live_rest *r = &rest[g->holder];

	r->groups++;
	r->entries += g->entries;
	r->active += g->active;
	if (g->share > r->share)
		r->share = g->share;
	r->full = r->full || g->full;
	if (g->tte_valid && (!r->tte_valid || g->tte_s < r->tte_s)) {
		r->tte_valid = true;
		r->tte_s = g->tte_s;
	}
}

size_t hsa_pressure_live_groups(const struct hsa_pressure *p,
    struct hsa_live_group *out, size_t max, struct hsa_live_rest *rest)
{
	size_t i, n = 0, total = 0, worst = 0;
	struct hsa_live_group g;
	int side;

	for (i = 0; i < p->npairs; i++) {
		for (side = HSA_CLIENT; side <= HSA_SERVER; side++) {
			size_t k;

			if (!p->pairs[i].side[side].entries)
				continue;
			total++;
			live_group(p, &p->pairs[i], side, &g);
			/* Keep the max first in order: replace the last one
			 * kept when this one comes before it. */
			if (n < max)
				out[n++] = g;
			else if (max && live_order(&g, &out[worst]) < 0)
				out[worst] = g;
			else
				continue;
			for (worst = 0, k = 1; k < n; k++)
				if (live_order(&out[k], &out[worst]) > 0)
					worst = k;
		}
	}
	if (n)
		qsort(out, n, sizeof(*out), live_cmp);
	if (!rest)
		return total;
	/* The order is total: what comes after the last kept was left out. */
	memset(rest, 0, 2 * sizeof(*rest));
	for (i = 0; i < p->npairs && total > n; i++)
		for (side = HSA_CLIENT; side <= HSA_SERVER; side++) {
			if (!p->pairs[i].side[side].entries)
				continue;
			live_group(p, &p->pairs[i], side, &g);
			if (!n || live_order(&g, &out[n - 1]) > 0)
				fold(rest, &g);
		}
	return total;
}

/* --- client/server pairs --------------------------------------------- */

/* A client/server pair's key. */
struct pair_key {
	uint8_t ip_version;
	const struct hsa_addr *client;
	const struct hsa_addr *server;
	uint16_t server_port;
};

static struct pair_key key_of(const struct hsa_conn *c)
{
	struct pair_key k = { c->ip_version, &c->ep[HSA_CLIENT].addr,
	    &c->ep[HSA_SERVER].addr, c->ep[HSA_SERVER].port };

	return k;
}

static bool pair_is(const struct pair *pr, const struct pair_key *k)
{
	return pr->ip_version == k->ip_version &&
	    pr->server_port == k->server_port &&
	    memcmp(pr->client.bytes, k->client->bytes, 16) == 0 &&
	    memcmp(pr->server.bytes, k->server->bytes, 16) == 0;
}

static int index_grow(struct hsa_pressure *p)
{
	size_t n = p->index_cap ? p->index_cap * 2 : 256, i, j;
	uint32_t *ni = calloc(n, sizeof(*ni));

	if (!ni)
		return -ENOMEM;
	for (i = 0; i < p->npairs; i++) {
		for (j = p->pairs[i].hash & (n - 1); ni[j]; j = (j + 1) & (n - 1))
			;
		ni[j] = (uint32_t)i + 1;
	}
	free(p->index);
	p->index = ni;
	p->index_cap = n;
	return 0;
}

/* The pair of c, created when create is set: its index, -ENOENT when there
 * is none (or no room: counted), -ENOMEM. */
/* The slot of k in recent[]: its words folded, then a multiplicative
 * hash's top bits. */
static size_t recent_slot(const struct pair_key *k)
{
	uint64_t c[2], s[2], x;

	memcpy(c, k->client->bytes, sizeof(c));
	memcpy(s, k->server->bytes, sizeof(s));
	x = (c[0] ^ c[1]) ^ (s[0] ^ s[1] ^ k->server_port) * 0xC2B2AE3D27D4EB4FULL;
	return (size_t)((x * 0x9E3779B97F4A7C15ULL) >> 56) % RECENT_PAIRS;
}

static long find_pair(struct hsa_pressure *p, const struct pair_key *k,
    bool create)
{
	size_t slot = recent_slot(k);
	uint32_t r = p->recent[slot];
	uint64_t h;
	struct pair *pr;
	size_t j;

	if (r && pair_is(&p->pairs[r - 1], k))
		return (long)r - 1;
	h = hsa_flow_hash(&p->secret, k->ip_version, k->client, 0, k->server,
	    k->server_port);
	if (p->index_cap)
		for (j = h & (p->index_cap - 1); p->index[j];
		    j = (j + 1) & (p->index_cap - 1))
			if (p->pairs[p->index[j] - 1].hash == h &&
			    pair_is(&p->pairs[p->index[j] - 1], k)) {
				p->recent[slot] = p->index[j];
				return (long)p->index[j] - 1;
			}
	if (!create)
		return -ENOENT;
	if (p->npairs == HSA_PRESSURE_MAX_PAIRS) {
		p->losses.pairs_full++;
		return -ENOENT;
	}
	if ((p->npairs + 1) * 2 > p->index_cap && index_grow(p) != 0)
		return -ENOMEM;
	if (p->npairs == p->pairs_cap) {
		size_t n = p->pairs_cap ? p->pairs_cap * 2 : 64;
		struct pair *np = realloc(p->pairs, n * sizeof(*np));

		if (!np)
			return -ENOMEM;
		p->pairs = np;
		p->pairs_cap = n;
	}
	pr = &p->pairs[p->npairs];
	memset(pr, 0, sizeof(*pr));
	pr->ip_version = k->ip_version;
	pr->client = *k->client;
	pr->server = *k->server;
	pr->server_port = k->server_port;
	pr->hash = h;
	for (j = h & (p->index_cap - 1); p->index[j]; j = (j + 1) & (p->index_cap - 1))
		;
	p->index[j] = (uint32_t)++p->npairs;
	p->recent[slot] = p->index[j];
	return (long)p->npairs - 1;
}

/* --- intervals --------------------------------------------------------- */

static struct interval *iv_at(const struct hsa_pressure *p, uint32_t i)
{
	return &p->iv_chunks[i >> IV_CHUNK_SHIFT][i & (IV_CHUNK - 1)];
}

/* One more chunk of intervals.  Allocated with realloc() of the chunk's
 * (empty) slot, as the event queues' rings are grown, so that the unit
 * tests' realloc() wrapper can fail it too. */
static int iv_add_chunk(struct hsa_pressure *p)
{
	struct interval *chunk;

	if (p->iv_nchunks == p->iv_chunks_cap) {
		size_t n = p->iv_chunks_cap ? p->iv_chunks_cap * 2 : IV_CHUNKS_FIRST;
		struct interval **nc = realloc(p->iv_chunks, n * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		memset(&nc[p->iv_chunks_cap], 0,
		    (n - p->iv_chunks_cap) * sizeof(*nc));
		p->iv_chunks = nc;
		p->iv_chunks_cap = n;
	}
	chunk = realloc(p->iv_chunks[p->iv_nchunks], IV_CHUNK * sizeof(*chunk));
	if (!chunk)
		return -ENOMEM;
	p->iv_chunks[p->iv_nchunks++] = chunk;
	return 0;
}

/* A free interval's number (the caller sets its fields; gen goes on
 * counting in a reused one), or -ENOMEM. */
static long iv_new(struct hsa_pressure *p)
{
	uint32_t i;

	if (p->free_iv) {
		i = p->free_iv - 1;
		p->free_iv = iv_at(p, i)->u.link.next;
	} else {
		if (p->nivs == IV_MAX)
			return -ENOMEM;
		if (p->nivs == p->iv_nchunks * IV_CHUNK && iv_add_chunk(p) != 0)
			return -ENOMEM;
		i = p->nivs++;
		iv_at(p, i)->gen = 0;
	}
	return (long)i;
}

/* When interval iv ends: start + time_wait, or where a reuse cut it;
 * INT64_MAX (never) when that would pass the end of time. */
static int64_t iv_end(const struct hsa_pressure *p, const struct interval *iv)
{
	bool saturated;

	if (iv->cut)
		return iv->u.cut_end;
	return add_saturating(iv->start, p->cfg.time_wait_ns, &saturated);
}

/* The list of ends: interval i, just counted, ends last. */
static void ends_append(struct hsa_pressure *p, uint32_t i)
{
	struct interval *iv = iv_at(p, i);

	iv->u.link.prev = p->ends_tail;
	iv->u.link.next = 0;
	if (p->ends_tail)
		iv_at(p, p->ends_tail - 1)->u.link.next = i + 1;
	else
		p->ends_head = i + 1;
	p->ends_tail = i + 1;
	iv->listed = true;
}

static void ends_remove(struct hsa_pressure *p, uint32_t i)
{
	struct interval *iv = iv_at(p, i);

	if (iv->u.link.prev)
		iv_at(p, iv->u.link.prev - 1)->u.link.next = iv->u.link.next;
	else
		p->ends_head = iv->u.link.next;
	if (iv->u.link.next)
		iv_at(p, iv->u.link.next - 1)->u.link.prev = iv->u.link.prev;
	else
		p->ends_tail = iv->u.link.prev;
	iv->listed = false;
}

/* --- connection id -> intervals ---------------------------------------- */

static size_t id_home(const struct hsa_pressure *p, uint32_t key)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> p->ids_shift);
}

static void id_put(struct hsa_pressure *p, uint32_t key, uint32_t iv)
{
	size_t mask = p->ids_cap - 1, i;

	for (i = id_home(p, key); p->ids[i].iv; i = (i + 1) & mask)
		;
	p->ids[i].key = key;
	p->ids[i].iv = iv;
}

/* Twice the slots (IDS_FIRST at first), every slot put again. */
static int id_grow(struct hsa_pressure *p)
{
	size_t n = p->ids_cap ? p->ids_cap * 2 : IDS_FIRST, i, old_cap = p->ids_cap;
	struct id_slot *old = p->ids, *nt = calloc(n, sizeof(*nt));
	unsigned shift = 64;

	if (!nt)
		return -ENOMEM;
	for (i = n; i > 1; i >>= 1)
		shift--;
	p->ids = nt;
	p->ids_cap = n;
	p->ids_shift = shift;
	for (i = 0; i < old_cap; i++)
		if (old[i].iv)
			id_put(p, old[i].key, old[i].iv);
	free(old);
	return 0;
}

/* Connection id leads to interval i too.  Returns 0 or -ENOMEM. */
static int id_insert(struct hsa_pressure *p, uint64_t id, uint32_t i)
{
	if ((p->nids + 1) * IDS_LOAD_DEN > p->ids_cap * IDS_LOAD_NUM &&
	    id_grow(p) != 0)
		return -ENOMEM;
	id_put(p, (uint32_t)id, i + 1);
	p->nids++;
	return 0;
}

/* The next interval of connection id from slot *at on (the first: *at is
 * its home), -1 when there is none; *at is then past the slot found. */
static long id_next(const struct hsa_pressure *p, uint64_t id, size_t *at)
{
	size_t mask = p->ids_cap - 1, i;
	uint32_t key = (uint32_t)id;

	for (i = *at; p->ids[i].iv; i = (i + 1) & mask)
		if (p->ids[i].key == key &&
		    iv_at(p, p->ids[i].iv - 1)->conn_id == id) {
			*at = (i + 1) & mask;
			return (long)p->ids[i].iv - 1;
		}
	return -1;
}

/* Empty slot i, shifting the rest of its probe run back (no tombstones). */
static void id_remove_at(struct hsa_pressure *p, size_t i)
{
	size_t mask = p->ids_cap - 1, j, home;

	for (j = i;;) {
		j = (j + 1) & mask;
		if (!p->ids[j].iv)
			break;
		home = id_home(p, p->ids[j].key);
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			p->ids[i] = p->ids[j];
			i = j;
		}
	}
	p->ids[i].iv = 0;
	p->nids--;
}

void hsa_pressure_prefetch(const struct hsa_pressure *p,
    const struct hsa_conn *c)
{
	if (!p->ids_cap)
		return;
	__builtin_prefetch(&p->ids[id_home(p, (uint32_t)c->id)]);
	if (c->has_previous)
		__builtin_prefetch(&p->ids[id_home(p, (uint32_t)c->previous_id)]);
}

/* Connection id no longer leads to interval i. */
static void id_remove(struct hsa_pressure *p, uint64_t id, uint32_t i)
{
	size_t mask = p->ids_cap - 1, j;

	if (!p->ids_cap)
		return;
	for (j = id_home(p, (uint32_t)id); p->ids[j].iv; j = (j + 1) & mask)
		if (p->ids[j].iv == i + 1) {
			id_remove_at(p, j);
			return;
		}
}

static void iv_release(struct hsa_pressure *p, uint32_t i)
{
	struct interval *iv = iv_at(p, i);

	if (iv->conn_id)
		id_remove(p, iv->conn_id, i);
	iv->state = IV_FREE;
	iv->gen++;
	iv->u.link.next = p->free_iv;
	p->free_iv = i + 1;
}

/* The series of st follows its count, up to the capture's last packet. */
static void series_note(struct hsa_pressure *p, struct side_stats *st,
    int64_t t)
{
	if (!p->cfg.series || t > p->series_until)
		return;
	if (!st->series) {
		/* Without memory the group is reported without its
		 * chart; the figures do not depend on it. */
		if (!(st->series = malloc(sizeof(*st->series))))
			return;
		hsa_tw_series_init(st->series);
	}
	hsa_tw_series_set(st->series, t, st->active);
}

/* Queue the start or cut end of interval i at t. */
static int queue_event(struct hsa_pressure *p, struct hsa_event_queue *q,
    int64_t t, uint32_t i)
{
	struct hsa_event e = { t, i, iv_at(p, i)->gen };

	return hsa_event_queue_push(q, &e);
}

static void count_start(struct hsa_pressure *p, uint32_t i, int64_t t)
{
	struct interval *iv = iv_at(p, i);
	struct side_stats *st = &p->pairs[iv->pair].side[iv->side];
	uint32_t size = hsa_pressure_range_size(&p->cfg);
	int64_t end = iv_end(p, iv);

	if (end <= t) {
		/* No time in TIME-WAIT (none configured): never alive. */
		iv_release(p, i);
		return;
	}
	iv->state = IV_ACTIVE;
	/* Its end, unless a reuse queued an earlier one, or it never comes
	 * (saturated: no sweep counts an event at INT64_MAX).  The starts
	 * are counted in time order and all last time_wait, so it ends
	 * last. */
	if (!iv->cut && end != INT64_MAX)
		ends_append(p, i);
	st->active++;
	p->active[iv->side]++;
	if (st->active > st->peak) {
		st->peak = st->active;
		st->peak_at = t;
	}
	series_note(p, st, t);
	if (iv->side == HSA_CLIENT && (double)st->active / size > p->max_share)
		p->max_share = (double)st->active / size;
}

/* Interval i ends at t: no longer alive (if it was counted), and free. */
static void count_end(struct hsa_pressure *p, uint32_t i, int64_t t)
{
	struct interval *iv = iv_at(p, i);
	struct side_stats *st;

	if (iv->state == IV_ACTIVE) {
		st = &p->pairs[iv->pair].side[iv->side];
		st->active--;
		p->active[iv->side]--;
		series_note(p, st, t);
	}
	iv_release(p, i);
}

/* The end a reuse queued, unless it was cut shorter again since. */
static void count_cut(struct hsa_pressure *p, const struct hsa_event *e)
{
	struct interval *iv = iv_at(p, e->iv);

	if (e->gen == iv->gen && iv->state != IV_FREE && iv->cut &&
	    e->t == iv->u.cut_end)
		count_end(p, e->iv, e->t);
}

/* Count every event before limit, in time order; of equal times the ends
 * first, since intervals are [start, end), and of the ends the listed
 * ones before the cuts. */
static void sweep(struct hsa_pressure *p, int64_t limit)
{
	const struct hsa_event *s, *c;
	struct hsa_event ev;
	int64_t end;
	uint32_t i;

	for (;;) {
		s = hsa_event_queue_peek(&p->starts);
		c = hsa_event_queue_peek(&p->cuts);
		i = p->ends_head;
		/* A listed one is neither cut nor saturated. */
		end = i ? iv_at(p, i - 1)->start + p->cfg.time_wait_ns : INT64_MAX;
		if (c && (!i || c->t < end)) {
			i = 0;
			end = c->t;
		}
		if ((c || i) && (!s || end <= s->t)) {
			if (end >= limit)
				break;
			if (i) {
				ends_remove(p, i - 1);
				count_end(p, i - 1, end);
			} else {
				ev = *c;
				hsa_event_queue_pop(&p->cuts);
				count_cut(p, &ev);
			}
			continue;
		}
		if (!s || s->t >= limit)
			break;
		ev = *s;
		hsa_event_queue_pop(&p->starts);
		/* Not cut short before it began. */
		if (ev.gen == iv_at(p, ev.iv)->gen &&
		    iv_at(p, ev.iv)->state == IV_PENDING)
			count_start(p, ev.iv, ev.t);
	}
	if (limit > p->swept)
		p->swept = limit;
}

void hsa_pressure_progress(struct hsa_pressure *p, int64_t horizon)
{
	if (horizon > p->swept)
		sweep(p, horizon);
}

/* The clock stepped back: count everything held, start again. */
static void restart(struct hsa_pressure *p)
{
	sweep(p, INT64_MAX);
	p->swept = INT64_MIN;
	p->losses.clock_steps++;
}

/* A whole copy of c, for a finding to show; NULL when out of memory (the
 * figures are whole: the finding then shows the connection's id only). */
static struct hsa_conn_record *keep_whole(const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct hsa_conn_record *r = malloc(sizeof(*r));

	if (!r)
		return NULL;
	hsa_conn_keep(&r->conn, c);
	r->v = *v;
	return r;
}

/* One TIME-WAIT of side in pair pi: connection id (0 for one read from
 * the kernel's table, which counts in the peaks but not in the rates). */
static int register_side(struct hsa_pressure *p, uint64_t id, long pi,
    int side, int64_t start)
{
	struct side_stats *st = &p->pairs[pi].side[side];
	struct interval *iv;
	bool saturated;
	long i = iv_new(p);

	if (i < 0)
		return (int)i;
	iv = iv_at(p, (uint32_t)i);
	iv->start = start;
	(void)add_saturating(start, p->cfg.time_wait_ns, &saturated);
	if (saturated)
		p->losses.saturated++;
	iv->conn_id = id;
	iv->pair = (uint16_t)pi;
	iv->side = (uint8_t)side;
	iv->state = IV_PENDING;
	iv->cut = false;
	iv->listed = false;
	if (queue_event(p, &p->starts, start, (uint32_t)i) != 0) {
		iv->conn_id = 0;	/* not in the id table yet */
		iv_release(p, (uint32_t)i);
		return -ENOMEM;
	}
	if (!id) {
		st->kernel_entries++;
		return 0;
	}
	if (id_insert(p, id, (uint32_t)i) != 0)
		p->losses.out_of_memory++;	/* counted, but not reusable */
	if (st->n_examples < HSA_GROUP_EXAMPLES)
		st->examples[st->n_examples++] = id;
	if (!st->entries || start < st->first_start)
		st->first_start = start;
	if (!st->entries || start > st->last_start)
		st->last_start = start;
	st->entries++;
	return 0;
}

static int register_time_wait(struct hsa_pressure *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, long pi)
{
	enum hsa_who who = v->time_wait;
	struct side_stats *st;
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];
	int64_t start = cl->fin.ts > sv->fin.ts ? cl->fin.ts : sv->fin.ts;
	int side, r = 0;

	if (start < p->swept) {
		if (p->swept - start > CLOCK_STEP_NS)
			restart(p);
		else {
			/* Reordered by less than a step: count it from the
			 * time already reached. */
			p->losses.late++;
			start = p->swept;
		}
	}
	for (side = 0; side < 2; side++) {
		if (!(who == HSA_WHO_BOTH ||
		    (who == HSA_WHO_CLIENT && side == HSA_CLIENT) ||
		    (who == HSA_WHO_SERVER && side == HSA_SERVER)))
			continue;
		if (register_side(p, c->id, pi, side, start) != 0) {
			p->losses.out_of_memory++;
			r = -ENOMEM;
			continue;
		}
		st = &p->pairs[pi].side[side];
		if (st->n_examples == 1 && st->examples[0] == c->id && !st->first &&
		    !(st->first = keep_whole(c, v)))
			r = -ENOMEM;
	}
	return r;
}

/* A SYN at syn reused the 4-tuple of connection prev_id: if that one's
 * TIME-WAIT was running, it ends there. */
static void cut_by_reuse(struct hsa_pressure *p, uint64_t prev_id, int64_t syn)
{
	struct interval *iv;
	struct side_stats *st;
	size_t at;
	long i;

	if (!p->ids_cap)
		return;
	/* Its intervals, the first registered first. */
	at = id_home(p, (uint32_t)prev_id);
	while ((i = id_next(p, prev_id, &at)) >= 0) {
		iv = iv_at(p, (uint32_t)i);
		/* A SYN before the TIME-WAIT began (a clock step) is no reuse
		 * of it: the gap is never negative. */
		if (iv->state == IV_FREE || syn < iv->start || syn >= iv_end(p, iv))
			continue;
		st = &p->pairs[iv->pair].side[iv->side];
		if (!st->reuse || syn - iv->start < st->reuse_min_gap)
			st->reuse_min_gap = syn - iv->start;
		if (st->n_reuse_examples < HSA_GROUP_EXAMPLES)
			st->reuse_examples[st->n_reuse_examples++] = prev_id;
		if (queue_event(p, &p->cuts, syn, (uint32_t)i) != 0) {
			p->losses.out_of_memory++;
			continue;
		}
		/* It ends there now: off the list of ends, if on it. */
		if (iv->listed)
			ends_remove(p, (uint32_t)i);
		iv->u.cut_end = syn;
		iv->cut = true;
		st->reuse++;
	}
}

static void close_wait(struct hsa_pressure *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];
	const struct hsa_endpoint *first, *second;
	int64_t lag;

	/* One side's FIN, and the other's came late or never. */
	if (!(cl->fin.seen || sv->fin.seen) || v->active_closer == HSA_WHO_BOTH ||
	    (c->rst_seen && c->rst_before_fins))
		return;
	if (cl->fin.seen && (!sv->fin.seen || v->active_closer == HSA_WHO_CLIENT)) {
		first = cl;
		second = sv;
	} else {
		first = sv;
		second = cl;
	}
	lag = (second->fin.seen ? second->fin.ts : now) - first->fin.ts;
	if (lag <= p->cfg.close_wait_ns)
		return;
	p->cw.count++;
	if (lag > p->cw.longest)
		p->cw.longest = lag;
	p->cw.stuck[second == cl ? HSA_CLIENT : HSA_SERVER]++;
	if (p->cw.n_examples < HSA_CLOSE_WAIT_EXAMPLES)
		p->cw.examples[p->cw.n_examples++] = c->id;
	if (p->cw.n_examples == 1 && !p->cw.first)
		p->cw.first = keep_whole(c, v);
}

static void note_client_port(struct hsa_pressure *p, uint16_t port)
{
	if (p->client_ports[port / 8] & (1u << (port % 8)))
		return;
	p->client_ports[port / 8] |= (uint8_t)(1u << (port % 8));
	if (!p->nclient_ports++ || port < p->client_port_min)
		p->client_port_min = port;
	if (p->nclient_ports == 1 || port > p->client_port_max)
		p->client_port_max = port;
}

/* Misra-Gries: count n in its slot or a free one; with none free, take
 * one from every slot instead.  A value carried by more than
 * 1/(EXCHANGE_SLOTS + 1) of the connections keeps a slot, its count short
 * by at most that share. */
static void tally_exchanges(struct pair *pr, uint32_t n)
{
	struct exchange_tally *free_slot = NULL;
	int i;

	pr->exchange_conns++;
	for (i = 0; i < EXCHANGE_SLOTS; i++) {
		if (pr->tally[i].count && pr->tally[i].exchanges == n) {
			pr->tally[i].count++;
			return;
		}
		if (!pr->tally[i].count && !free_slot)
			free_slot = &pr->tally[i];
	}
	if (free_slot) {
		free_slot->exchanges = n;
		free_slot->count = 1;
		return;
	}
	for (i = 0; i < EXCHANGE_SLOTS; i++)
		pr->tally[i].count--;
}

/* Without a range given or read, use the one the client ports show. */
static void infer_range(struct hsa_pressure *p)
{
	uint32_t span = (uint32_t)p->client_port_max - p->client_port_min + 1;

	if (p->cfg.port_range_source != HSA_RANGE_DEFAULT ||
	    p->nclient_ports < INFER_MIN_PORTS ||
	    span >= hsa_pressure_range_size(&p->cfg) ||
	    p->nclient_ports < INFER_DENSITY * span)
		return;
	p->cfg.port_low = p->client_port_min;
	p->cfg.port_high = p->client_port_max;
	p->cfg.port_range_source = HSA_RANGE_INFERRED;
}

int hsa_pressure_connection(struct hsa_pressure *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	bool enters = v->time_wait == HSA_WHO_CLIENT ||
	    v->time_wait == HSA_WHO_SERVER || v->time_wait == HSA_WHO_BOTH;
	struct pair_key key;
	long pi;
	int r = 0;

	if (c->has_previous)
		cut_by_reuse(p, c->previous_id, c->first_ts);
	key = key_of(c);
	pi = find_pair(p, &key, enters || v->handshake == HSA_HS_COMPLETE);
	if (pi == -ENOMEM) {
		p->losses.out_of_memory += enters;
		r = -ENOMEM;
	} else if (pi >= 0) {
		struct pair *pr = &p->pairs[pi];

		if (v->handshake == HSA_HS_COMPLETE) {
			note_client_port(p, c->ep[HSA_CLIENT].port);
			pr->connections++;
			/* Closed ones only: those still open (an idle
			 * keep-alive pool) have not met their limit. */
			if (c->exchanges > 0 && enters)
				tally_exchanges(pr, c->exchanges);
			if (!pr->have_syn || c->first_ts > pr->last_syn)
				pr->last_syn = c->first_ts;
			pr->have_syn = true;
		}
		if (enters)
			r = register_time_wait(p, c, v, pi);
	}
	close_wait(p, c, v, now);
	return r;
}

int hsa_pressure_kernel_start(struct hsa_pressure *p,
    const struct hsa_kernel_state *k, hsa_kernel_group_filter keep, void *ctx)
{
	int64_t tw = p->cfg.time_wait_ns, left;
	struct pair_key key;
	size_t i;
	long pi;

	for (i = 0; i < k->nsocks; i++) {
		const struct hsa_kernel_tw_group *g = &k->groups[k->socks[i].group];

		if (!g->connecting || (keep && !keep(ctx, g)))
			continue;
		key.ip_version = g->ip_version;
		key.client = &g->local;
		key.server = &g->remote;
		key.server_port = g->remote_port;
		if ((pi = find_pair(p, &key, true)) < 0) {
			p->losses.out_of_memory += pi == -ENOMEM;
			continue;
		}
		/* It began time_wait minus its remaining timer ago. */
		left = (int64_t)k->socks[i].timer_ms * 1000000LL;
		if (left > tw)
			left = tw;
		if (register_side(p, 0, pi, HSA_CLIENT, k->read_at - (tw - left))
		    != 0)
			p->losses.out_of_memory++;
	}
	return 0;
}

/* --- results --------------------------------------------------------- */

static int group_order(const void *a, const void *b)
{
	const struct hsa_tw_group *x = a, *y = b;

	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	return same_rank_order(&x->client, &x->server, x->server_port,
	    x->holder, &y->client, &y->server, y->server_port, y->holder);
}

static void fill_group(const struct hsa_pressure *p, const struct pair *pr,
    int side, struct hsa_tw_group *g)
{
	const struct side_stats *st = &pr->side[side];
	double size = hsa_pressure_range_size(&p->cfg);
	int i;
	double tw_s = (double)p->cfg.time_wait_ns / 1e9;

	g->holder = side;
	g->ip_version = pr->ip_version;
	g->client = pr->client;
	g->server = pr->server;
	g->server_port = pr->server_port;
	g->connections = pr->connections;
	g->entries = st->entries;
	g->kernel_entries = st->kernel_entries;
	g->peak = st->peak;
	g->peak_at = st->peak_at;
	g->active_at_end = side_now(p, st);
	g->syn_seen = pr->have_syn;
	g->exchange_conns = pr->exchange_conns;
	for (i = 0; i < EXCHANGE_SLOTS; i++)
		if (pr->tally[i].count > g->exchanges_mode_count) {
			g->exchanges_mode = pr->tally[i].exchanges;
			g->exchanges_mode_count = pr->tally[i].count;
		}
	g->last_syn = pr->last_syn;
	/* The rate of this side's own TIME-WAIT entries: never the
	 * connections whose TIME-WAIT sits on the peer. */
	g->span = (double)(st->last_start - st->first_start) / 1e9;
	if (st->entries >= 2 && st->last_start > st->first_start) {
		g->rate_valid = true;
		g->rate = (double)(st->entries - 1) / g->span;
	}
	g->client_side = side == HSA_CLIENT;
	if (g->client_side) {
		g->port_share = (double)st->peak / size;
		g->exhaustion_rate = size / tw_s;
		/* Reaching the size first is reaching the peak. */
		g->exhausted = st->peak >= size;
		g->exhausted_at = st->peak_at;
		/* A burst shorter than SUSTAINED_NS is not a rate to project
		 * from.  A sustained one, kept up for a whole TIME-WAIT
		 * period, holds rate * time_wait ports. */
		if (g->rate_valid && st->last_start - st->first_start >= SUSTAINED_NS) {
			g->projected_valid = true;
			g->projected_share = g->rate * tw_s / size;
			/* From the ports the capture shows free at its end:
			 * new ones are taken at the rate, and none of those
			 * frees before a whole TIME-WAIT has passed. */
			if (g->rate > g->exhaustion_rate && !g->exhausted) {
				double free_ports = size - (double)g->active_at_end;

				g->exhaustion_valid = true;
				g->time_to_exhaustion = free_ports > 0 ?
				    free_ports / g->rate : 0;
			}
		}
	}
	g->reuse_count = st->reuse;
	g->reuse_min_gap = st->reuse_min_gap;
	g->series = st->series;
	g->n_examples = st->n_examples;
	memcpy(g->examples, st->examples, sizeof(g->examples));
	g->n_reuse_examples = st->n_reuse_examples;
	memcpy(g->reuse_examples, st->reuse_examples, sizeof(g->reuse_examples));
	g->first = st->first;
}

/* The groups of every pair side that entered TIME-WAIT, as things stand
 * "now" (side_now()), most concurrent first. */
static int build_groups(struct hsa_pressure *p)
{
	size_t i, n = 0;
	int side;

	for (i = 0; i < p->npairs; i++)
		for (side = 0; side < 2; side++)
			n += p->pairs[i].side[side].entries ||
			    p->pairs[i].side[side].kernel_entries;
	free(p->groups);
	p->ngroups = 0;
	p->groups = calloc(n + 1, sizeof(*p->groups));
	if (!p->groups)
		return -ENOMEM;
	n = 0;
	for (i = 0; i < p->npairs; i++)
		for (side = 0; side < 2; side++)
			if (p->pairs[i].side[side].entries ||
			    p->pairs[i].side[side].kernel_entries)
				fill_group(p, &p->pairs[i], side, &p->groups[n++]);
	qsort(p->groups, n, sizeof(*p->groups), group_order);
	p->ngroups = n;
	return 0;
}

int hsa_pressure_finish(struct hsa_pressure *p, int64_t capture_end)
{
	size_t i;
	int side;

	/* What is alive at the capture's last timestamp is "now" for the
	 * time to exhaustion; after it only ends remain. */
	if (capture_end >= p->swept) {
		sweep(p, capture_end == INT64_MAX ? INT64_MAX : capture_end + 1);
		for (i = 0; i < p->npairs; i++)
			for (side = 0; side < 2; side++)
				p->pairs[i].side[side].active_at_end =
				    p->pairs[i].side[side].active;
		p->active_end[HSA_CLIENT] = p->active[HSA_CLIENT];
		p->active_end[HSA_SERVER] = p->active[HSA_SERVER];
	}
	/* The chart covers the capture: what ends after it is not drawn. */
	p->series_until = capture_end;
	sweep(p, INT64_MAX);
	p->finished = true;
	infer_range(p);
	return build_groups(p);
}

int hsa_pressure_snapshot(struct hsa_pressure *p)
{
	/* Once finished, the groups are final. */
	if (p->finished)
		return 0;
	return build_groups(p);
}

size_t hsa_pressure_groups(const struct hsa_pressure *p,
    const struct hsa_tw_group **groups)
{
	*groups = p->groups;
	return p->groups ? p->ngroups : 0;
}
