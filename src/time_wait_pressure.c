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
 * or when a new SYN reuses the 4-tuple.  Intervals are kept in a queue in the
 * order they start; with one fixed duration they end in the same order, so
 * ending them as capture time passes is a pop from the front.  Per
 * client/server pair and holder side the number alive is counted, and its
 * peak kept.  Nothing here grows with the number of connections: the queue
 * holds the intervals alive now, and pairs are bounded.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow_hash.h"
#include "hsa_format.h"
#include "hsa_pressure.h"

#define MAX_PAIRS 65536
#define SUSTAINED_NS 1000000000LL	/* 1 s of SYNs before projecting */

#define EXAMPLES 10

struct side_stats {
	int n_examples;
	int n_reuse_examples;
	uint64_t examples[EXAMPLES];
	uint64_t reuse_examples[EXAMPLES];
	uint64_t entries;
	uint64_t active;
	uint64_t peak;
	int64_t peak_at;
	uint64_t reuse;
	int64_t reuse_min_gap;
};

struct pair {
	uint8_t ip_version;
	struct hsa_addr client;
	struct hsa_addr server;
	uint16_t server_port;
	uint64_t hash;
	uint64_t connections;
	bool have_syn;
	int64_t first_syn;
	int64_t last_syn;
	struct side_stats side[2];
};

struct interval {
	int64_t end;
	uint32_t pair;
	uint8_t side;
	bool cancelled;
};

struct hsa_pressure {
	struct hsa_pressure_config cfg;
	struct hsa_flow_key_secret secret;
	struct pair *pairs;
	size_t npairs;
	size_t pairs_cap;
	uint32_t *index;	/* open addressing: pair number + 1, 0 empty */
	size_t index_cap;
	struct interval *ring;
	size_t ring_cap;	/* a power of two */
	uint64_t head;		/* sequence numbers of the queue: [head, tail) */
	uint64_t tail;
	uint64_t active;
	double max_share;
	uint64_t cw_count;
	int64_t cw_longest;
	int cw_n;
	uint64_t cw_ids[HSA_FINDING_MAX_CONNS];
	int cw_stuck[2];	/* how many suspects had the client / server stuck */
	struct hsa_tw_group *groups;
	size_t ngroups;
	struct hsa_finding *findings;
	size_t nfindings;
	bool finalized;
};

static uint32_t port_range_size(const struct hsa_pressure *p)
{
	return (uint32_t)p->cfg.port_high - p->cfg.port_low + 1;
}

struct hsa_pressure *hsa_pressure_new(const struct hsa_pressure_config *cfg)
{
	struct hsa_pressure *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	hsa_flow_hash_seed(&p->secret);
	return p;
}

void hsa_pressure_free(struct hsa_pressure *p)
{
	if (!p)
		return;
	free(p->pairs);
	free(p->index);
	free(p->ring);
	free(p->groups);
	free(p->findings);
	free(p);
}

const struct hsa_pressure_config *hsa_pressure_config(const struct hsa_pressure *p)
{
	return &p->cfg;
}

/* --- client/server pairs --------------------------------------------- */

static bool pair_is(const struct pair *pr, const struct hsa_conn *c)
{
	return pr->ip_version == c->ip_version &&
	    pr->server_port == c->ep[HSA_SERVER].port &&
	    memcmp(pr->client.bytes, c->ep[HSA_CLIENT].addr.bytes, 16) == 0 &&
	    memcmp(pr->server.bytes, c->ep[HSA_SERVER].addr.bytes, 16) == 0;
}

static bool index_grow(struct hsa_pressure *p)
{
	size_t n = p->index_cap ? p->index_cap * 2 : 256, i, j;
	uint32_t *ni = calloc(n, sizeof(*ni));

	if (!ni)
		return false;
	for (i = 0; i < p->npairs; i++) {
		for (j = p->pairs[i].hash & (n - 1); ni[j]; j = (j + 1) & (n - 1))
			;
		ni[j] = (uint32_t)i + 1;
	}
	free(p->index);
	p->index = ni;
	p->index_cap = n;
	return true;
}

/* The pair of c, created when create is set; -1 when there is none. */
static long find_pair(struct hsa_pressure *p, const struct hsa_conn *c,
    bool create)
{
	uint64_t h = hsa_flow_hash(&p->secret, c->ip_version,
	    &c->ep[HSA_CLIENT].addr, 0, &c->ep[HSA_SERVER].addr,
	    c->ep[HSA_SERVER].port);
	struct pair *pr;
	size_t j;

	if (p->index_cap)
		for (j = h & (p->index_cap - 1); p->index[j];
		    j = (j + 1) & (p->index_cap - 1))
			if (p->pairs[p->index[j] - 1].hash == h &&
			    pair_is(&p->pairs[p->index[j] - 1], c))
				return (long)p->index[j] - 1;
	if (!create || p->npairs == MAX_PAIRS)
		return -1;
	if ((p->npairs + 1) * 2 > p->index_cap && !index_grow(p))
		return -1;
	if (p->npairs == p->pairs_cap) {
		size_t n = p->pairs_cap ? p->pairs_cap * 2 : 64;
		struct pair *np = realloc(p->pairs, n * sizeof(*np));

		if (!np)
			return -1;
		p->pairs = np;
		p->pairs_cap = n;
	}
	pr = &p->pairs[p->npairs];
	memset(pr, 0, sizeof(*pr));
	pr->ip_version = c->ip_version;
	pr->client = c->ep[HSA_CLIENT].addr;
	pr->server = c->ep[HSA_SERVER].addr;
	pr->server_port = c->ep[HSA_SERVER].port;
	pr->hash = h;
	for (j = h & (p->index_cap - 1); p->index[j]; j = (j + 1) & (p->index_cap - 1))
		;
	p->index[j] = (uint32_t)++p->npairs;
	return (long)p->npairs - 1;
}

/* --- the queue of TIME-WAIT intervals -------------------------------- */

void hsa_pressure_advance(struct hsa_pressure *p, int64_t now)
{
	struct interval *iv;

	while (p->head < p->tail) {
		iv = &p->ring[p->head & (p->ring_cap - 1)];
		/* Half open: an interval ending at t no longer counts at t. */
		if (iv->end > now)
			break;
		if (!iv->cancelled) {
			p->pairs[iv->pair].side[iv->side].active--;
			p->active--;
		}
		p->head++;
	}
}

static bool push_interval(struct hsa_pressure *p, const struct interval *iv)
{
	if (p->tail - p->head == p->ring_cap) {
		size_t n = p->ring_cap ? p->ring_cap * 2 : 1024;
		struct interval *nr = malloc(n * sizeof(*nr));
		uint64_t s;

		if (!nr)
			return false;
		for (s = p->head; s < p->tail; s++)
			nr[s & (n - 1)] = p->ring[s & (p->ring_cap - 1)];
		free(p->ring);
		p->ring = nr;
		p->ring_cap = n;
	}
	p->ring[p->tail & (p->ring_cap - 1)] = *iv;
	p->tail++;
	return true;
}

static void register_time_wait(struct hsa_pressure *p, struct hsa_conn *c,
    enum hsa_who who)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];
	int64_t start = cl->fin.ts > sv->fin.ts ? cl->fin.ts : sv->fin.ts;
	long pi = find_pair(p, c, true);
	struct side_stats *st;
	struct interval iv;
	int side;

	if (pi < 0)
		return;
	hsa_pressure_advance(p, start);
	c->tw_registered = true;
	c->tw_who = (uint8_t)who;
	c->tw_pair = (uint32_t)pi;
	c->tw_start = start;
	c->tw_seq = p->tail;
	for (side = 0; side < 2; side++) {
		if (!(who == HSA_WHO_BOTH ||
		    (who == HSA_WHO_CLIENT && side == HSA_CLIENT) ||
		    (who == HSA_WHO_SERVER && side == HSA_SERVER)))
			continue;
		iv.end = start + p->cfg.time_wait_ns;
		iv.pair = (uint32_t)pi;
		iv.side = (uint8_t)side;
		iv.cancelled = false;
		if (!push_interval(p, &iv))
			continue;
		st = &p->pairs[pi].side[side];
		if (st->n_examples < EXAMPLES)
			st->examples[st->n_examples++] = c->id;
		st->entries++;
		st->active++;
		p->active++;
		if (st->active > st->peak) {
			st->peak = st->active;
			st->peak_at = start;
		}
		if (side == HSA_CLIENT &&
		    (double)st->peak / port_range_size(p) > p->max_share)
			p->max_share = (double)st->peak / port_range_size(p);
	}
}

void hsa_pressure_closed(struct hsa_pressure *p, struct hsa_conn *c,
    enum hsa_who who)
{
	if (!c->tw_registered && (who == HSA_WHO_CLIENT ||
	    who == HSA_WHO_SERVER || who == HSA_WHO_BOTH))
		register_time_wait(p, c, who);
}

void hsa_pressure_reuse(struct hsa_pressure *p, const struct hsa_conn *prev,
    int64_t syn_ns)
{
	struct interval *iv;
	struct side_stats *st;
	uint64_t s;

	if (!prev->tw_registered || syn_ns >= prev->tw_start + p->cfg.time_wait_ns)
		return;
	/* The SYN came while prev's TIME-WAIT was running. */
	for (s = prev->tw_seq; s < prev->tw_seq + (prev->tw_who == HSA_WHO_BOTH ? 2 : 1); s++) {
		if (s < p->head || s >= p->tail)
			continue;	/* already ended */
		iv = &p->ring[s & (p->ring_cap - 1)];
		if (iv->cancelled || iv->pair != prev->tw_pair)
			continue;
		st = &p->pairs[iv->pair].side[iv->side];
		if (st->n_reuse_examples < EXAMPLES)
			st->reuse_examples[st->n_reuse_examples++] = prev->id;
		st->reuse++;
		if (st->reuse == 1 || syn_ns - prev->tw_start < st->reuse_min_gap)
			st->reuse_min_gap = syn_ns - prev->tw_start;
		/* The new connection ends the TIME-WAIT of the old one. */
		iv->cancelled = true;
		st->active--;
		p->active--;
	}
}

void hsa_pressure_connection(struct hsa_pressure *p, struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];
	const struct hsa_endpoint *first, *second;
	long pi;
	int64_t lag;

	hsa_pressure_closed(p, c, v->time_wait);
	pi = find_pair(p, c, v->handshake == HSA_HS_COMPLETE);
	if (pi >= 0) {
		struct pair *pr = &p->pairs[pi];

		pr->connections++;
		if (!pr->have_syn || c->first_ts < pr->first_syn)
			pr->first_syn = c->first_ts;
		if (!pr->have_syn || c->first_ts > pr->last_syn)
			pr->last_syn = c->first_ts;
		pr->have_syn = true;
	}

	/* CLOSE-WAIT: one side's FIN, and the other's came late or never. */
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
	p->cw_count++;
	if (lag > p->cw_longest)
		p->cw_longest = lag;
	p->cw_stuck[second == cl ? HSA_CLIENT : HSA_SERVER]++;
	if (p->cw_n < HSA_FINDING_MAX_CONNS)
		p->cw_ids[p->cw_n++] = c->id;
}

uint64_t hsa_pressure_active(const struct hsa_pressure *p)
{
	return p->active;
}

double hsa_pressure_peak_share(const struct hsa_pressure *p)
{
	return p->max_share;
}

const char *hsa_severity_name(enum hsa_severity s)
{
	static const char *const names[] = { "high", "warning", "info" };
	return names[s];
}

/* --- results --------------------------------------------------------- */

static int group_order(const void *a, const void *b)
{
	const struct hsa_tw_group *x = a, *y = b;
	int r;

	if (x->peak != y->peak)
		return x->peak > y->peak ? -1 : 1;
	if ((r = memcmp(x->client.bytes, y->client.bytes, 16)) != 0)
		return r;
	if ((r = memcmp(x->server.bytes, y->server.bytes, 16)) != 0)
		return r;
	if (x->server_port != y->server_port)
		return x->server_port < y->server_port ? -1 : 1;
	return x->holder - y->holder;
}

static void make_groups(struct hsa_pressure *p)
{
	double size = port_range_size(p), tw_s = (double)p->cfg.time_wait_ns / 1e9;
	size_t i, n = 0;
	int side;

	p->groups = calloc(p->npairs * 2 + 1, sizeof(*p->groups));
	if (!p->groups)
		return;
	for (i = 0; i < p->npairs; i++) {
		const struct pair *pr = &p->pairs[i];

		for (side = 0; side < 2; side++) {
			const struct side_stats *st = &pr->side[side];
			struct hsa_tw_group *g = &p->groups[n];

			if (!st->entries)
				continue;
			n++;
			g->holder = side;
			g->ip_version = pr->ip_version;
			g->client = pr->client;
			g->server = pr->server;
			g->server_port = pr->server_port;
			g->connections = pr->connections;
			g->entries = st->entries;
			g->peak = st->peak;
			g->peak_at = st->peak_at;
			if (pr->connections >= 2 && pr->last_syn > pr->first_syn) {
				g->rate_valid = true;
				g->rate = (double)(pr->connections - 1) /
				    ((double)(pr->last_syn - pr->first_syn) / 1e9);
			}
			g->client_side = side == HSA_CLIENT;
			g->syn_span = pr->have_syn ?
			    (double)(pr->last_syn - pr->first_syn) / 1e9 : 0;
			if (g->client_side) {
				g->port_share = (double)st->peak / size;
				g->exhaustion_rate = size / tw_s;
				/* A burst shorter than SUSTAINED_NS is not a rate
				 * to project from.  A sustained one, kept up for a
				 * whole TIME-WAIT period, holds rate * time_wait
				 * ports: a capture shorter than that period sees
				 * only the start of it. */
				if (g->rate_valid &&
				    pr->last_syn - pr->first_syn >= SUSTAINED_NS) {
					g->projected_valid = true;
					g->projected_share = g->rate * tw_s / size;
					if (g->rate > g->exhaustion_rate) {
						g->exhaustion_valid = true;
						g->time_to_exhaustion = size / g->rate;
					}
				}
			}
			g->reuse_count = st->reuse;
			g->reuse_min_gap = st->reuse_min_gap;
			g->n_examples = st->n_examples;
			memcpy(g->examples, st->examples, sizeof(g->examples));
			g->n_reuse_examples = st->n_reuse_examples;
			memcpy(g->reuse_examples, st->reuse_examples,
			    sizeof(g->reuse_examples));
		}
	}
	qsort(p->groups, n, sizeof(*p->groups), group_order);
	p->ngroups = n;
}

static struct hsa_finding *add_finding(struct hsa_pressure *p,
    enum hsa_severity sev, const char *code)
{
	struct hsa_finding *f = &p->findings[p->nfindings++];

	memset(f, 0, sizeof(*f));
	f->severity = sev;
	f->code = code;
	return f;
}

static void number(struct hsa_finding *f, const char *name, double v,
    bool integer)
{
	if (f->n_numbers == HSA_FINDING_MAX_NUMBERS)
		return;
	f->numbers[f->n_numbers].name = name;
	f->numbers[f->n_numbers].value = v;
	f->numbers[f->n_numbers].integer = integer;
	f->n_numbers++;
}

static void add_group(struct hsa_finding *f, size_t g)
{
	if (f->n_groups < HSA_FINDING_MAX_GROUPS)
		f->groups[f->n_groups++] = g;
}

static const char *where(const struct hsa_tw_group *g, char *buf, size_t len)
{
	return hsa_format_endpoint(g->ip_version, &g->server, g->server_port,
	    buf, len);
}

/* A share as a person reads it: "<0.1%" rather than "0.0%". */
static const char *percent(double share, char *buf, size_t len)
{
	if (share > 0 && share < 0.0005)
		snprintf(buf, len, "<0.1%%");
	else
		snprintf(buf, len, "%.1f%%", share * 100);
	return buf;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void add_examples(struct hsa_finding *f, const uint64_t *ids, int n)
{
	int i;

	for (i = 0; i < n && f->n_conns < HSA_FINDING_MAX_CONNS; i++)
		f->conns[f->n_conns++] = ids[i];
}

static const char *const keepalive_hint =
    "nginx: keepalive in the upstream block, proxy_http_version 1.1, proxy_set_header Connection \"\"";

static void port_findings(struct hsa_pressure *p)
{
	double tw_s = (double)p->cfg.time_wait_ns / 1e9;
	char srv[HSA_ENDPOINT_STRLEN], cli[HSA_ADDR_STRLEN], pct[16], ppct[16], rate[160];
	struct hsa_finding *f;
	size_t i;

	for (i = 0; i < p->ngroups; i++) {
		const struct hsa_tw_group *g = &p->groups[i];
		double rated;
		bool high, warn, burst;

		if (!g->client_side)
			continue;
		/* Rate by what was seen, or by what the sustained rate would
		 * hold over a whole TIME-WAIT period, whichever is more. */
		rated = g->port_share;
		if (g->projected_valid && g->projected_share > rated)
			rated = g->projected_share;
		high = rated >= 0.5 || g->exhaustion_valid;
		warn = rated >= 0.1;
		burst = g->rate_valid && !g->projected_valid &&
		    g->rate > g->exhaustion_rate;
		where(g, srv, sizeof(srv));
		hsa_format_addr(g->ip_version, &g->client, cli, sizeof(cli));
		percent(g->port_share, pct, sizeof(pct));
		rate[0] = '\0';
		if (g->projected_valid)
			snprintf(rate, sizeof(rate),
			    "; at the observed %.1f connections/s, kept up for %.0f s, it would hold about %.0f (%s)",
			    g->rate, tw_s, g->rate * tw_s,
			    percent(g->projected_share, ppct, sizeof(ppct)));
		else if (burst)
			snprintf(rate, sizeof(rate),
			    "; they came in a burst of %.1f connections/s over %.3f s",
			    g->rate, g->syn_span);
		if (high || warn) {
			f = add_finding(p, high ? HSA_SEV_HIGH : HSA_SEV_WARNING,
			    "PORT_EXHAUSTION_RISK");
			snprintf(f->message, sizeof(f->message),
			    "%s held up to %llu local %s in TIME-WAIT at once for its connections to %s, %s of its %u-port range%s.",
			    cli, (unsigned long long)g->peak,
			    plural(g->peak, "port", "ports"), srv, pct,
			    port_range_size(p), rate);
			if (g->exhaustion_valid)
				snprintf(f->hint, sizeof(f->hint),
				    "At %.1f connections/s the %u ports are gone after %.1f s (the limit is %.1f/s with %.0f s of TIME-WAIT). "
				    "Reuse connections to %s (%s), or let %s close first; %s; widening net.ipv4.ip_local_port_range only buys time.",
				    g->rate, port_range_size(p), g->time_to_exhaustion,
				    g->exhaustion_rate, tw_s, srv, keepalive_hint, srv,
				    g->reuse_count ? "TIME-WAIT ports are already being reused" :
				    "net.ipv4.tcp_tw_reuse=1 lets new connections take ports still in TIME-WAIT (Linux's default of 2 allows it only on loopback)");
			else
				snprintf(f->hint, sizeof(f->hint),
				    "%s%.1f new connections/s or more to %s would exhaust the range. Reuse connections to %s (%s), or let %s close first%s.",
				    burst ? "Sustained, such a burst would run the ports out; " : "",
				    g->exhaustion_rate, srv, srv, keepalive_hint, srv,
				    g->reuse_count ? " (TIME-WAIT ports are already being reused)" :
				    "; net.ipv4.tcp_tw_reuse=1 lets new connections reuse TIME-WAIT ports (Linux's default of 2 allows it only on loopback)");
		} else if (g->entries * 2 > g->connections) {
			f = add_finding(p, HSA_SEV_INFO, "CLIENT_CLOSES_FIRST");
			snprintf(f->message, sizeof(f->message),
			    "%s holds the TIME-WAIT sockets of %llu of its %llu %s to %s (it closed first, or both closed at once): peak %llu, %s of the port range%s.",
			    cli, (unsigned long long)g->entries,
			    (unsigned long long)g->connections,
			    plural(g->connections, "connection", "connections"), srv,
			    (unsigned long long)g->peak, pct, rate);
			snprintf(f->hint, sizeof(f->hint),
			    "%s; above %.1f new connections/s to %s the ports would run out. Keep-alive, or a close from %s, would free them.",
			    g->rate_valid ? "No risk at the rate seen" : "No sustained rate was seen",
			    g->exhaustion_rate, srv, srv);
		} else
			continue;
		number(f, "peak_concurrent", (double)g->peak, true);
		number(f, "port_range_share", g->port_share, false);
		if (g->projected_valid)
			number(f, "projected_share", g->projected_share, false);
		number(f, "time_wait_entries", (double)g->entries, true);
		number(f, "connections", (double)g->connections, true);
		if (g->rate_valid)
			number(f, "connection_rate_per_s", g->rate, false);
		number(f, "exhaustion_rate_per_s", g->exhaustion_rate, false);
		if (g->exhaustion_valid)
			number(f, "time_to_exhaustion_s", g->time_to_exhaustion, false);
		add_group(f, i);
		add_examples(f, g->examples, g->n_examples);
	}
}

static void server_findings(struct hsa_pressure *p)
{
	struct hsa_finding *f = NULL;
	uint64_t entries = 0, peak = 0;
	size_t i;

	for (i = 0; i < p->ngroups; i++) {
		if (p->groups[i].client_side)
			continue;
		if (!f)
			f = add_finding(p, HSA_SEV_INFO, "SERVER_HOLDS_TIME_WAIT");
		entries += p->groups[i].entries;
		if (p->groups[i].peak > peak)
			peak = p->groups[i].peak;
		add_group(f, i);
		add_examples(f, p->groups[i].examples, p->groups[i].n_examples);
	}
	if (!f)
		return;
	snprintf(f->message, sizeof(f->message),
	    "The listening side holds the TIME-WAIT sockets of %llu %s (it closed first, or both sides closed at once); it needs no ephemeral ports for them.",
	    (unsigned long long)entries, plural(entries, "connection", "connections"));
	snprintf(f->hint, sizeof(f->hint),
	    "Nothing to do for the clients' ports; a listening socket's TIME-WAIT costs only memory (peak %llu in one group).",
	    (unsigned long long)peak);
	number(f, "time_wait_entries", (double)entries, true);
	number(f, "peak_concurrent", (double)peak, true);
}

static void reuse_findings(struct hsa_pressure *p)
{
	int side;
	size_t i;

	for (side = 0; side < 2; side++) {
		struct hsa_finding *f = NULL;
		uint64_t count = 0;
		int64_t gap = 0;

		for (i = 0; i < p->ngroups; i++) {
			const struct hsa_tw_group *g = &p->groups[i];

			if (g->holder != side || !g->reuse_count)
				continue;
			if (!f)
				f = add_finding(p, side == HSA_CLIENT ? HSA_SEV_WARNING :
				    HSA_SEV_INFO, "TIME_WAIT_REUSE");
			if (!count || g->reuse_min_gap < gap)
				gap = g->reuse_min_gap;
			count += g->reuse_count;
			add_group(f, i);
			add_examples(f, g->reuse_examples, g->n_reuse_examples);
		}
		if (!f)
			continue;
		snprintf(f->message, sizeof(f->message),
		    "%llu new %s reused a 4-tuple whose TIME-WAIT, held by the %s, was still running (the soonest %.3f ms after it began).",
		    (unsigned long long)count, plural(count, "connection", "connections"),
		    side == HSA_CLIENT ? "connecting side" : "listening side",
		    hsa_ms(gap));
		snprintf(f->hint, sizeof(f->hint), "%s",
		    side == HSA_CLIENT ?
		    "The connecting side is short of ports or has net.ipv4.tcp_tw_reuse on; a lost late segment of the old connection could now reach the new one. Fewer new connections (keep-alive) remove the need." :
		    "Linux accepts such a SYN on a listening socket when its sequence number or timestamp moves forward; no action needed unless connections fail.");
		number(f, "count", (double)count, true);
		number(f, "min_gap_ms", hsa_ms(gap), false);
	}
}

static void close_wait_finding(struct hsa_pressure *p)
{
	struct hsa_finding *f;
	const char *who;

	if (!p->cw_count)
		return;
	who = p->cw_stuck[HSA_SERVER] >= p->cw_stuck[HSA_CLIENT] ? "server" : "client";
	f = add_finding(p, HSA_SEV_WARNING, "CLOSE_WAIT_SUSPECTED");
	snprintf(f->message, sizeof(f->message),
	    "In %llu %s one side received a FIN and did not send its own for more than %.0f s (longest %.1f s), mostly the %s: it sat in CLOSE-WAIT.",
	    (unsigned long long)p->cw_count, plural(p->cw_count, "connection", "connections"),
	    (double)p->cfg.close_wait_ns / 1e9, (double)p->cw_longest / 1e9, who);
	snprintf(f->hint, sizeof(f->hint),
	    "Check that the %s's application closes its socket when it reads end-of-file (on that host: ss -tanp state close-wait).",
	    who);
	number(f, "connections", (double)p->cw_count, true);
	number(f, "threshold_s", (double)p->cfg.close_wait_ns / 1e9, false);
	number(f, "longest_s", (double)p->cw_longest / 1e9, false);
	memcpy(f->conns, p->cw_ids, sizeof(p->cw_ids));
	f->n_conns = p->cw_n;
}

static void finalize(struct hsa_pressure *p)
{
	if (p->finalized)
		return;
	p->finalized = true;
	make_groups(p);
	/* At most: one per connecting-side group, and four more. */
	p->findings = calloc(p->ngroups + 5, sizeof(*p->findings));
	if (!p->findings)
		return;
	port_findings(p);
	server_findings(p);
	reuse_findings(p);
	close_wait_finding(p);
}

size_t hsa_pressure_groups(struct hsa_pressure *p,
    const struct hsa_tw_group **groups)
{
	finalize(p);
	*groups = p->groups;
	return p->groups ? p->ngroups : 0;
}

size_t hsa_pressure_findings(struct hsa_pressure *p,
    const struct hsa_finding **findings)
{
	finalize(p);
	*findings = p->findings;
	return p->findings ? p->nfindings : 0;
}
