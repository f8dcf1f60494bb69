/*
 * findings.c - the analysis stage's conclusions for a person.
 *
 * Reads the finished TIME-WAIT pressure figures (time_wait_pressure.c) and
 * writes each conclusion once, with its evidence: the numbers, the groups
 * and example connections behind it, and a hint that fits them.  The rules
 * that keep the findings from contradicting each other live here:
 *
 *   - a connecting side's ports are judged only from its own TIME-WAIT
 *     entries, never from connections whose TIME-WAIT the peer holds;
 *   - a range that was full gets PORTS_EXHAUSTED (critical), not a "risk";
 *   - a connect rate pinned at range / reuse delay under tcp_tw_reuse is
 *     said as such, and then no exhaustion "risk" is projected from it;
 *   - the listening side's TIME-WAIT is said to cost memory only, without
 *     judging the clients' ports, which have their own findings.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_findings.h"
#include "hsa_format.h"
#include "hsa_kernel.h"
#include "hsa_tracker.h"

/* Ratings of a connecting side by the share of its range it held (or
 * would hold at its sustained rate). */
#define HIGH_SHARE	0.5
#define WARNING_SHARE	0.1
/* A rate this close to range / reuse delay is pinned there. */
#define PINNED_FRACTION	0.8
/* Keep-alive recycling: most connections (more than half of those that
 * carried requests, at least this many) carried the same number of
 * requests, more than one, before they were closed: a per-connection request limit such as nginx's
 * keepalive_requests (1000 by default). */
#define RECYCLED_MIN_CONNS	2
/* A silence of SYNs this long after the range filled is worth saying. */
#define SYN_SILENCE_NS	1000000000LL

const char *hsa_severity_name(enum hsa_severity s)
{
	static const char *const names[] = { "critical", "high", "warning", "info" };
	return names[s];
}

void hsa_findings_free(struct hsa_findings *f)
{
	free(f->list);
	memset(f, 0, sizeof(*f));
}

static struct hsa_finding *add_finding(struct hsa_findings *fs,
    enum hsa_severity sev, const char *code)
{
	struct hsa_finding *f;

	if (fs->n == fs->cap) {
		size_t n = fs->cap ? fs->cap * 2 : 8;
		struct hsa_finding *nl = realloc(fs->list, n * sizeof(*nl));

		if (!nl)
			return NULL;
		fs->list = nl;
		fs->cap = n;
	}
	f = &fs->list[fs->n++];
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

static void add_examples(struct hsa_finding *f, const uint64_t *ids, int n)
{
	int i;

	for (i = 0; i < n && f->n_conns < HSA_FINDING_MAX_CONNS; i++)
		f->conns[f->n_conns++] = ids[i];
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

static const char *const keepalive_hint =
    "nginx: keepalive in the upstream block, proxy_http_version 1.1, proxy_set_header Connection \"\"";

/* The figures every port finding carries. */
static void port_numbers(struct hsa_finding *f, const struct hsa_tw_group *g)
{
	number(f, "peak_concurrent", (double)g->peak, true);
	number(f, "port_range_share", g->port_share, false);
	if (g->projected_valid)
		number(f, "projected_share", g->projected_share, false);
	number(f, "time_wait_entries", (double)g->entries, true);
	number(f, "connections", (double)g->connections, true);
	if (g->rate_valid)
		number(f, "time_wait_rate_per_s", g->rate, false);
	number(f, "exhaustion_rate_per_s", g->exhaustion_rate, false);
	if (g->exhaustion_valid)
		number(f, "time_to_exhaustion_s", g->time_to_exhaustion, false);
}

/* The kernel's count of TIME-WAIT sockets from g's client to g's server
 * at its last read, or -1 when it was not read. */
static long kernel_count(const struct hsa_kernel_state *k,
    const struct hsa_tw_group *g)
{
	size_t i;

	if (!k || !k->available)
		return -1;
	for (i = 0; i < k->ngroups; i++) {
		const struct hsa_kernel_tw_group *kg = &k->groups[i];

		if (kg->connecting && kg->ip_version == g->ip_version &&
		    kg->remote_port == g->server_port &&
		    !memcmp(kg->local.bytes, g->client.bytes, 16) &&
		    !memcmp(kg->remote.bytes, g->server.bytes, 16))
			return kg->count;
	}
	return 0;
}

/* What to say of tcp_tw_reuse: this machine's value when it was read. */
static const char *tw_reuse_advice(const struct hsa_kernel_state *k)
{
	if (k && k->sysctls_read && k->tw_reuse == 0)
		return "net.ipv4.tcp_tw_reuse is 0 on this machine: 1 lets connect() take a TIME-WAIT port older than 1 s (2 does so on loopback only)";
	if (k && k->sysctls_read && k->tw_reuse == 2)
		return "net.ipv4.tcp_tw_reuse is 2 on this machine (loopback only): 1 extends the reuse of TIME-WAIT ports older than 1 s to other hosts";
	if (k && k->sysctls_read && k->tw_reuse == 1)
		return "net.ipv4.tcp_tw_reuse is already 1 on this machine: ports older than 1 s in TIME-WAIT are reused, the rest are not";
	return "net.ipv4.tcp_tw_reuse=1 lets connect() take a TIME-WAIT port older than 1 s";
}

static bool pinned(const struct hsa_tw_group *g, uint32_t size)
{
	double pinned_rate = size / ((double)HSA_TW_REUSE_DELAY_NS / 1e9);

	return g->client_side && g->reuse_count && g->rate_valid &&
	    g->rate >= PINNED_FRACTION * pinned_rate;
}

static int exhausted_finding(struct hsa_findings *fs, const struct hsa_pressure *p,
    const struct hsa_kernel_state *k, const struct hsa_tw_group *g, size_t gi)
{
	long kc = kernel_count(k, g);
	char kern[200] = "", pin[240] = "";
	double delay_s = (double)HSA_TW_REUSE_DELAY_NS / 1e9;
	const struct hsa_pressure_config *cfg = hsa_pressure_config(p);
	uint32_t size = hsa_pressure_range_size(cfg);
	char srv[HSA_ENDPOINT_STRLEN], cli[HSA_ADDR_STRLEN], when[HSA_TIME_STRLEN];
	char silence[200] = "";
	struct hsa_finding *f = add_finding(fs, HSA_SEV_CRITICAL, "PORTS_EXHAUSTED");

	if (!f)
		return -ENOMEM;
	where(g, srv, sizeof(srv));
	hsa_format_addr(g->ip_version, &g->client, cli, sizeof(cli));
	f->at_valid = true;
	f->at = g->exhausted_at;
	if (g->syn_seen && g->last_syn < g->exhausted_at)
		snprintf(silence, sizeof(silence),
		    " No SYN to %s was seen after that: connect() fails without sending one while the range is full.",
		    srv);
	else if (g->syn_seen)
		snprintf(silence, sizeof(silence),
		    " The last SYN to %s was seen %.1f s after it.", srv,
		    (double)(g->last_syn - g->exhausted_at) / 1e9);
	if (pinned(g, size))
		snprintf(pin, sizeof(pin),
		    " New connections took ports still in TIME-WAIT (%llu, the soonest %.3f ms after it began): tcp_tw_reuse pinned the connect rate at %.1f/s, its limit of %u ports / %.0f s.",
		    (unsigned long long)g->reuse_count, hsa_ms(g->reuse_min_gap),
		    g->rate, size, delay_s);
	if (g->kernel_entries)
		snprintf(kern, sizeof(kern),
		    " %llu of them were already in TIME-WAIT when hsanalyze started (the kernel's socket table).",
		    (unsigned long long)g->kernel_entries);
	if (kc >= 0)
		snprintf(kern + strlen(kern), sizeof(kern) - strlen(kern),
		    " The kernel's table showed %ld at its last read.", kc);
	snprintf(f->message, sizeof(f->message),
	    "%s held all %u ports of its range (%u-%u) in TIME-WAIT for its connections to %s at %s: new connections to it fail (Cannot assign requested address).%s%s%s",
	    cli, size, cfg->port_low, cfg->port_high, srv,
	    hsa_format_time(g->exhausted_at, true, when, sizeof(when)), pin,
	    silence, kern);
	snprintf(f->hint, sizeof(f->hint),
	    "Reuse connections to %s (%s), or let %s close first; %s; widening net.ipv4.ip_local_port_range only buys time.",
	    srv, keepalive_hint, srv, tw_reuse_advice(k));
	port_numbers(f, g);
	number(f, "port_range_size", size, true);
	if (pinned(g, size)) {
		number(f, "pinned_rate_per_s", size / delay_s, false);
		number(f, "reused", (double)g->reuse_count, true);
	}
	if (g->kernel_entries)
		number(f, "kernel_entries_at_start", (double)g->kernel_entries, true);
	if (kc >= 0)
		number(f, "kernel_time_wait", (double)kc, true);
	add_group(f, gi);
	add_examples(f, g->examples, g->n_examples);
	return 0;
}

static int pinned_finding(struct hsa_findings *fs, const struct hsa_pressure *p,
    const struct hsa_tw_group *g, size_t gi)
{
	uint32_t size = hsa_pressure_range_size(hsa_pressure_config(p));
	double delay_s = (double)HSA_TW_REUSE_DELAY_NS / 1e9;
	char srv[HSA_ENDPOINT_STRLEN], cli[HSA_ADDR_STRLEN];
	struct hsa_finding *f = add_finding(fs, HSA_SEV_HIGH, "CONNECT_RATE_PINNED");

	if (!f)
		return -ENOMEM;
	where(g, srv, sizeof(srv));
	hsa_format_addr(g->ip_version, &g->client, cli, sizeof(cli));
	snprintf(f->message, sizeof(f->message),
	    "%s opened %.1f connections/s to %s, pinned at its %u ports / %.0f s: %llu of them took a port still in TIME-WAIT (the soonest %.3f ms after it began), so every new connection waited for one to age.",
	    cli, g->rate, srv, size, delay_s,
	    (unsigned long long)g->reuse_count, hsa_ms(g->reuse_min_gap));
	snprintf(f->hint, sizeof(f->hint),
	    "tcp_tw_reuse reuses a TIME-WAIT port only after %.0f s, so no more than %.0f new connections/s fit; requests beyond fail. Reuse connections to %s (%s).",
	    delay_s, size / delay_s, srv, keepalive_hint);
	port_numbers(f, g);
	number(f, "pinned_rate_per_s", size / delay_s, false);
	number(f, "reused", (double)g->reuse_count, true);
	add_group(f, gi);
	add_examples(f, g->reuse_examples, g->n_reuse_examples);
	return 0;
}

static int risk_finding(struct hsa_findings *fs, const struct hsa_pressure *p,
    const struct hsa_tw_group *g, size_t gi)
{
	const struct hsa_pressure_config *cfg = hsa_pressure_config(p);
	uint32_t size = hsa_pressure_range_size(cfg);
	double tw_s = (double)cfg->time_wait_ns / 1e9, rated;
	char srv[HSA_ENDPOINT_STRLEN], cli[HSA_ADDR_STRLEN], pct[16], ppct[16], rate[200];
	struct hsa_finding *f;
	bool high, warn, burst;

	/* Rate by what was seen, or by what the sustained rate would hold
	 * over a whole TIME-WAIT period, whichever is more. */
	rated = g->port_share;
	if (g->projected_valid && g->projected_share > rated)
		rated = g->projected_share;
	high = rated >= HIGH_SHARE || g->exhaustion_valid;
	warn = rated >= WARNING_SHARE;
	burst = g->rate_valid && !g->projected_valid && g->rate > g->exhaustion_rate;
	where(g, srv, sizeof(srv));
	hsa_format_addr(g->ip_version, &g->client, cli, sizeof(cli));
	percent(g->port_share, pct, sizeof(pct));
	rate[0] = '\0';
	if (g->projected_valid)
		snprintf(rate, sizeof(rate),
		    "; at the observed %.1f TIME-WAIT entries/s, kept up for %.0f s, it would hold about %.0f (%s)",
		    g->rate, tw_s, g->rate * tw_s,
		    percent(g->projected_share, ppct, sizeof(ppct)));
	else if (burst)
		snprintf(rate, sizeof(rate),
		    "; they came in a burst of %.1f/s over %.3f s", g->rate, g->span);
	if (high || warn) {
		f = add_finding(fs, high ? HSA_SEV_HIGH : HSA_SEV_WARNING,
		    "PORT_EXHAUSTION_RISK");
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "%s held up to %llu local %s in TIME-WAIT at once for its connections to %s, %s of its %u-port range%s.",
		    cli, (unsigned long long)g->peak,
		    plural(g->peak, "port", "ports"), srv, pct, size, rate);
		if (g->exhaustion_valid)
			snprintf(f->hint, sizeof(f->hint),
			    "At %.1f/s the %.0f ports still free at the end of the capture are gone after %.1f s (the limit is %.1f/s with %.0f s of TIME-WAIT). "
			    "Reuse connections to %s (%s), or let %s close first; widening net.ipv4.ip_local_port_range only buys time.",
			    g->rate, size - (double)g->active_at_end,
			    g->time_to_exhaustion, g->exhaustion_rate, tw_s, srv,
			    keepalive_hint, srv);
		else
			snprintf(f->hint, sizeof(f->hint),
			    "%s%.1f new connections/s or more to %s would exhaust the range. Reuse connections to %s (%s), or let %s close first.",
			    burst ? "Sustained, such a burst would run the ports out; " : "",
			    g->exhaustion_rate, srv, srv, keepalive_hint, srv);
	} else if (g->entries * 2 > g->connections) {
		f = add_finding(fs, HSA_SEV_INFO, "CLIENT_CLOSES_FIRST");
		if (!f)
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "%s holds the TIME-WAIT sockets of %llu of its %llu %s to %s (it closed first, or both closed at once): peak %llu, %s of the port range%s.",
		    cli, (unsigned long long)g->entries,
		    (unsigned long long)g->connections,
		    plural(g->connections, "connection", "connections"), srv,
		    (unsigned long long)g->peak, pct, rate);
		snprintf(f->hint, sizeof(f->hint),
		    "%s; above %.1f new connections/s to %s the ports would run out.%s",
		    g->rate_valid ? "No risk at the rate seen" : "No sustained rate was seen",
		    g->exhaustion_rate, srv,
		    g->connections > g->entries * 4 ? "" :
		    " Keep-alive, or a close from the server, would free them.");
	} else
		return 0;
	port_numbers(f, g);
	add_group(f, gi);
	add_examples(f, g->examples, g->n_examples);
	return 0;
}

static bool keepalive_recycled(const struct hsa_tw_group *g)
{
	return g->exchanges_mode > 1 &&
	    g->exchange_conns >= RECYCLED_MIN_CONNS &&
	    g->exchanges_mode_count * 2 > g->exchange_conns;
}

/* Keep-alive is on and each connection is closed after the same number
 * of requests: say so, rather than advise the keep-alive in place. */
static int recycled_finding(struct hsa_findings *fs,
    const struct hsa_pressure *p, const struct hsa_tw_group *g, size_t gi)
{
	uint32_t size = hsa_pressure_range_size(hsa_pressure_config(p));
	char srv[HSA_ENDPOINT_STRLEN], cli[HSA_ADDR_STRLEN], pct[16];
	struct hsa_finding *f = add_finding(fs, HSA_SEV_INFO,
	    "KEEPALIVE_RECYCLED");

	if (!f)
		return -ENOMEM;
	where(g, srv, sizeof(srv));
	hsa_format_addr(g->ip_version, &g->client, cli, sizeof(cli));
	if (g->client_side) {
		snprintf(f->message, sizeof(f->message),
		    "%s reuses its connections to %s for %u requests each, then closes them (%llu of %llu closed connections with requests): keep-alive is on, with a per-connection request limit. Peak %llu local %s in TIME-WAIT, %s of its %u-port range.",
		    cli, srv, g->exchanges_mode,
		    (unsigned long long)g->exchanges_mode_count,
		    (unsigned long long)g->exchange_conns,
		    (unsigned long long)g->peak, plural(g->peak, "port", "ports"),
		    percent(g->port_share, pct, sizeof(pct)), size);
		snprintf(f->hint, sizeof(f->hint),
		    "Keep-alive is already in place. nginx closes an upstream connection after keepalive_requests requests (1000 by default, in the upstream block); raise it to close fewer.");
		port_numbers(f, g);
	} else {
		snprintf(f->message, sizeof(f->message),
		    "%s's connections from %s carry %u requests each, then %s closes them (%llu of %llu closed connections with requests): keep-alive is on, with a per-connection request limit. %s holds their TIME-WAIT (peak %llu).",
		    srv, cli, g->exchanges_mode, srv,
		    (unsigned long long)g->exchanges_mode_count,
		    (unsigned long long)g->exchange_conns, srv,
		    (unsigned long long)g->peak);
		snprintf(f->hint, sizeof(f->hint),
		    "Keep-alive is already in place. nginx closes a client connection after keepalive_requests requests (1000 by default, in the http or server block); raise it to close fewer.");
		number(f, "peak_concurrent", (double)g->peak, true);
		number(f, "time_wait_entries", (double)g->entries, true);
		number(f, "connections", (double)g->connections, true);
	}
	number(f, "requests_per_connection", g->exchanges_mode, true);
	add_group(f, gi);
	add_examples(f, g->examples, g->n_examples);
	return 0;
}

static int port_findings(struct hsa_findings *fs, const struct hsa_pressure *p,
    const struct hsa_kernel_state *k)
{
	uint32_t size = hsa_pressure_range_size(hsa_pressure_config(p));
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(p, &g), i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++) {
		if (!g[i].client_side)
			continue;
		if (g[i].exhausted)
			r = exhausted_finding(fs, p, k, &g[i], i);
		else if (pinned(&g[i], size))
			r = pinned_finding(fs, p, &g[i], i);
		else if (keepalive_recycled(&g[i]))
			r = recycled_finding(fs, p, &g[i], i);
		else
			r = risk_finding(fs, p, &g[i], i);
	}
	return r;
}

/* The listening side closes each connection after the same number of
 * requests.  Apart from server_findings(): adding a finding may move the
 * list that one holds a pointer into. */
static int server_recycled_findings(struct hsa_findings *fs,
    const struct hsa_pressure *p)
{
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(p, &g), i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		if (!g[i].client_side && keepalive_recycled(&g[i]))
			r = recycled_finding(fs, p, &g[i], i);
	return r;
}

static int server_findings(struct hsa_findings *fs, const struct hsa_pressure *p)
{
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(p, &g), i;
	struct hsa_finding *f = NULL;
	uint64_t entries = 0, peak = 0;

	for (i = 0; i < n; i++) {
		if (g[i].client_side)
			continue;
		if (!f && !(f = add_finding(fs, HSA_SEV_INFO, "SERVER_HOLDS_TIME_WAIT")))
			return -ENOMEM;
		entries += g[i].entries;
		if (g[i].peak > peak)
			peak = g[i].peak;
		add_group(f, i);
		add_examples(f, g[i].examples, g[i].n_examples);
	}
	if (!f)
		return 0;
	snprintf(f->message, sizeof(f->message),
	    "The listening side holds the TIME-WAIT sockets of %llu %s (it closed first, or both sides closed at once); it needs no ephemeral ports for them.",
	    (unsigned long long)entries, plural(entries, "connection", "connections"));
	snprintf(f->hint, sizeof(f->hint),
	    "A listening socket's TIME-WAIT costs only memory (peak %llu in one group); it takes no port from the connecting side.",
	    (unsigned long long)peak);
	number(f, "time_wait_entries", (double)entries, true);
	number(f, "peak_concurrent", (double)peak, true);
	return 0;
}

static int reuse_findings(struct hsa_findings *fs, const struct hsa_pressure *p)
{
	uint32_t size = hsa_pressure_range_size(hsa_pressure_config(p));
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(p, &g), i;
	int side;

	for (side = 0; side < 2; side++) {
		struct hsa_finding *f = NULL;
		uint64_t count = 0;
		int64_t gap = 0;

		for (i = 0; i < n; i++) {
			/* A pinned rate already says it, with these numbers. */
			if (g[i].holder != side || !g[i].reuse_count ||
			    pinned(&g[i], size))
				continue;
			if (!f && !(f = add_finding(fs, side == HSA_CLIENT ?
			    HSA_SEV_WARNING : HSA_SEV_INFO, "TIME_WAIT_REUSE")))
				return -ENOMEM;
			if (!count || g[i].reuse_min_gap < gap)
				gap = g[i].reuse_min_gap;
			count += g[i].reuse_count;
			add_group(f, i);
			add_examples(f, g[i].reuse_examples, g[i].n_reuse_examples);
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
	return 0;
}

static int close_wait_finding(struct hsa_findings *fs, const struct hsa_pressure *p)
{
	const struct hsa_close_wait *cw = hsa_pressure_close_wait(p);
	double threshold = (double)hsa_pressure_config(p)->close_wait_ns / 1e9;
	struct hsa_finding *f;
	const char *who;

	if (!cw->count)
		return 0;
	who = cw->stuck[HSA_SERVER] >= cw->stuck[HSA_CLIENT] ? "server" : "client";
	if (!(f = add_finding(fs, HSA_SEV_WARNING, "CLOSE_WAIT_SUSPECTED")))
		return -ENOMEM;
	snprintf(f->message, sizeof(f->message),
	    "In %llu %s one side received a FIN and did not send its own for more than %.0f s (longest %.1f s), mostly the %s: it sat in CLOSE-WAIT.",
	    (unsigned long long)cw->count, plural(cw->count, "connection", "connections"),
	    threshold, (double)cw->longest / 1e9, who);
	snprintf(f->hint, sizeof(f->hint),
	    "Check that the %s's application closes its socket when it reads end-of-file (on that host: ss -tanp state close-wait).",
	    who);
	number(f, "connections", (double)cw->count, true);
	number(f, "threshold_s", threshold, false);
	number(f, "longest_s", (double)cw->longest / 1e9, false);
	add_examples(f, cw->examples, cw->n_examples);
	return 0;
}

/* What the tracker could not follow whole: every figure of the report is
 * then short (segments dropped) or counted in pieces (evictions). */
static int tracking_findings(struct hsa_findings *fs,
    const struct hsa_tracking_losses *t)
{
	struct hsa_finding *f;

	if (!t)
		return 0;
	if (t->dropped_out_of_memory) {
		if (!(f = add_finding(fs, HSA_SEV_WARNING, "TRACKING_INCOMPLETE")))
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "The results are incomplete: %llu %s dropped for lack of memory for %s connection, so %s belonged to %s missing or counted in part.",
		    (unsigned long long)t->dropped_out_of_memory,
		    plural(t->dropped_out_of_memory, "segment was", "segments were"),
		    plural(t->dropped_out_of_memory, "its", "their"),
		    plural(t->dropped_out_of_memory, "the connection it", "the connections they"),
		    plural(t->dropped_out_of_memory, "is", "are"));
		snprintf(f->hint, sizeof(f->hint),
		    "Counts, verdicts and TIME-WAIT figures are lower bounds. Give hsanalyze more memory, or follow fewer connections at once: a lower --max-flows, or a filter expression.");
		number(f, "segments_dropped", (double)t->dropped_out_of_memory, true);
	}
	if (t->evicted) {
		if (!(f = add_finding(fs, HSA_SEV_WARNING, "FLOWS_EVICTED")))
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "%llu %s evicted to stay within --max-flows %zu: those still active were reported in pieces (each later segment starts a new connection), so connections are overcounted and judged in part.",
		    (unsigned long long)t->evicted,
		    plural(t->evicted, "connection was", "connections were"),
		    t->max_flows);
		snprintf(f->hint, sizeof(f->hint),
		    "Raise --max-flows (at most %d) to follow them whole, or narrow the capture with a filter expression.",
		    HSA_MAX_FLOWS_LIMIT);
		number(f, "evicted", (double)t->evicted, true);
		number(f, "max_flows", (double)t->max_flows, true);
	}
	return 0;
}

/* What the model could not count, said where it matters. */
static int loss_findings(struct hsa_findings *fs, const struct hsa_pressure *p)
{
	const struct hsa_pressure_losses *l = hsa_pressure_losses(p);
	struct hsa_finding *f;

	if (l->pairs_full || l->out_of_memory) {
		if (!(f = add_finding(fs, HSA_SEV_WARNING, "PRESSURE_INCOMPLETE")))
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "The TIME-WAIT figures are incomplete: %llu %s of client/server pairs past the first %d were not counted, and %llu TIME-WAIT %s for lack of memory.",
		    (unsigned long long)l->pairs_full,
		    plural(l->pairs_full, "connection", "connections"),
		    HSA_PRESSURE_MAX_PAIRS, (unsigned long long)l->out_of_memory,
		    l->out_of_memory == 1 ? "entry was lost" : "entries were lost");
		snprintf(f->hint, sizeof(f->hint),
		    "Peaks and rates are lower bounds. Narrow the capture with a filter expression (for example the upstream's address) to follow fewer pairs.");
		number(f, "pairs_limit_connections", (double)l->pairs_full, true);
		number(f, "out_of_memory", (double)l->out_of_memory, true);
	}
	if (l->clock_steps) {
		if (!(f = add_finding(fs, HSA_SEV_INFO, "CLOCK_STEPPED_BACK")))
			return -ENOMEM;
		snprintf(f->message, sizeof(f->message),
		    "The capture's clock stepped back %llu %s: the TIME-WAIT count restarted from zero at each step, and the peaks are the largest of the stretches between them.",
		    (unsigned long long)l->clock_steps, plural(l->clock_steps, "time", "times"));
		snprintf(f->hint, sizeof(f->hint),
		    "A merged capture or a clock corrected by NTP does this; sockets alive across a step are counted only before it.");
		number(f, "clock_steps", (double)l->clock_steps, true);
	}
	return 0;
}

int hsa_findings_compose(struct hsa_findings *fs, const struct hsa_pressure *p,
    const struct hsa_tracking_losses *t, const struct hsa_kernel_state *k)
{
	memset(fs, 0, sizeof(*fs));
	if (port_findings(fs, p, k) != 0 || server_findings(fs, p) != 0 ||
	    server_recycled_findings(fs, p) != 0 ||
	    reuse_findings(fs, p) != 0 || close_wait_finding(fs, p) != 0 ||
	    tracking_findings(fs, t) != 0 || loss_findings(fs, p) != 0)
		return -ENOMEM;
	return 0;
}
