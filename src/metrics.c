/*
 * metrics.c - the metric families of hsanalyze (doc/prometheus.md), written
 * through the exposition writer (exposition.c).
 *
 * Label values come from small fixed sets (handshake status, close kind,
 * holder side, drop place), except the addresses and ports of the TIME-WAIT
 * groups: of those, the HSA_METRICS_MAX_GROUPS with the most TIME-WAIT now
 * are shown in every per-group family; the rest are folded into one series
 * per holder side whose labels say "other", and counted in
 * hsanalyze_metrics_folded_groups.  So no family here can grow with the
 * traffic.
 */
#include "config.h"

#include <string.h>

#include "hsa_format.h"
#include "hsa_metrics.h"

static const double rtt_bounds[] = {
#define HSA_X(b) b,
	HSA_METRICS_RTT_BOUNDS(HSA_X)
#undef HSA_X
};

void hsa_metrics_init(struct hsa_metrics *m)
{
	memset(m, 0, sizeof(*m));
}

void hsa_metrics_connection(struct hsa_metrics *m, const struct hsa_verdict *v)
{
	double rtt;
	size_t i;

	m->connections[v->handshake][v->close]++;
	if (!v->syn_to_synack_valid || !v->synack_to_ack_valid)
		return;
	rtt = (double)(v->syn_to_synack_ns + v->synack_to_ack_ns) / 1e9;
	for (i = 0; i < HSA_METRICS_RTT_BUCKETS && rtt > rtt_bounds[i]; i++)
		;
	m->rtt_counts[i]++;
	m->rtt_sum += rtt;
}

static void one(struct hsa_expo *e, const char *name, enum hsa_expo_type t,
    const char *help, double value)
{
	hsa_expo_family(e, name, t, help);
	hsa_expo_sample(e, NULL, 0, value);
}

static void render_capture(struct hsa_expo *e, const struct hsa_metrics_view *v)
{
	struct hsa_expo_label l[1] = { { "interface", v->interface } };

	hsa_expo_family(e, "hsanalyze_build_info", HSA_EXPO_GAUGE,
	    "The version of hsanalyze and the interface it captures on.");
	{
		struct hsa_expo_label b[2] = {
			{ "version", PACKAGE_VERSION }, { "interface", v->interface },
		};
		hsa_expo_sample(e, b, 2, 1);
	}
	one(e, "hsanalyze_start_time_seconds", HSA_EXPO_GAUGE,
	    "When the capture began, in seconds since the Unix epoch.",
	    v->start_time);
	one(e, "hsanalyze_capture_packets", HSA_EXPO_COUNTER,
	    "Packets read from the capture.", (double)v->packets);
	hsa_expo_family(e, "hsanalyze_capture_dropped_packets", HSA_EXPO_COUNTER,
	    "Packets the kernel (no room in the buffer) or the interface dropped "
	    "before hsanalyze saw them.");
	if (v->drops_valid) {
		l[0].name = "where";
		l[0].value = "kernel";
		hsa_expo_sample(e, l, 1, (double)v->kernel_drops);
		l[0].value = "interface";
		hsa_expo_sample(e, l, 1, (double)v->interface_drops);
	}
}

static void render_flows(struct hsa_expo *e, const struct hsa_metrics_view *v)
{
	const struct hsa_tracker_stats *st = v->tracker;
	struct hsa_expo_label l[1] = { { "holder", NULL } };
	enum hsa_who w;

	one(e, "hsanalyze_flows", HSA_EXPO_GAUGE,
	    "Connections being tracked now.", (double)v->open_flows);
	one(e, "hsanalyze_flows_limit", HSA_EXPO_GAUGE,
	    "The most connections tracked at once (--max-flows).",
	    (double)v->max_flows);
	one(e, "hsanalyze_flows_evicted", HSA_EXPO_COUNTER,
	    "Connections reported early because the table was full.",
	    (double)st->evicted);
	one(e, "hsanalyze_handshakes_completed", HSA_EXPO_COUNTER,
	    "3-way handshakes completed, counted as they complete.",
	    (double)st->handshakes);
	hsa_expo_family(e, "hsanalyze_time_wait_entered", HSA_EXPO_COUNTER,
	    "Connections that left a side in TIME-WAIT, by that side, counted "
	    "as they close.");
	for (w = HSA_WHO_CLIENT; w <= HSA_WHO_BOTH; w++) {
		l[0].value = hsa_who_name(w);
		hsa_expo_sample(e, l, 1, (double)st->time_wait_entered[w]);
	}
}

static void render_connections(struct hsa_expo *e, const struct hsa_metrics *m)
{
	struct hsa_expo_label l[2] = { { "handshake", NULL }, { "close", NULL } };
	int hs, ck;

	hsa_expo_family(e, "hsanalyze_connections", HSA_EXPO_COUNTER,
	    "Connections reported (closed and quiet, idle, evicted), by "
	    "handshake status and close kind.");
	for (hs = 0; hs < HSA_HS_COUNT; hs++)
		for (ck = 0; ck < HSA_CLOSE_COUNT; ck++) {
			l[0].value = hsa_handshake_name((enum hsa_handshake_status)hs);
			l[1].value = hsa_close_name((enum hsa_close_kind)ck);
			hsa_expo_sample(e, l, 2, (double)m->connections[hs][ck]);
		}
	hsa_expo_family(e, "hsanalyze_handshake_rtt_seconds", HSA_EXPO_HISTOGRAM,
	    "Handshake round-trip time seen at the capture point, SYN to final "
	    "ACK, of the connections reported.");
	hsa_expo_histogram(e, NULL, 0, rtt_bounds, m->rtt_counts,
	    HSA_METRICS_RTT_BUCKETS, m->rtt_sum);
}

/* The labels of one group: holder side (unless skipped), client, server
 * and server port, in bufs. */
struct group_labels {
	struct hsa_expo_label l[4];
	char client[HSA_ADDR_STRLEN];
	char server[HSA_ADDR_STRLEN];
	char port[8];
};

static void group_labels(struct group_labels *gl, const struct hsa_live_group *g)
{
	gl->l[0].name = "holder";
	gl->l[0].value = hsa_who_name(g->holder == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER);
	gl->l[1].name = "client";
	gl->l[1].value = hsa_format_addr(g->ip_version, &g->client, gl->client, sizeof(gl->client));
	gl->l[2].name = "server";
	gl->l[2].value = hsa_format_addr(g->ip_version, &g->server, gl->server, sizeof(gl->server));
	snprintf(gl->port, sizeof(gl->port), "%u", (unsigned)g->server_port);
	gl->l[3].name = "server_port";
	gl->l[3].value = gl->port;
}

/* The labels of the series that stands for the groups left out. */
static void other_labels(struct group_labels *gl, int holder)
{
	gl->l[0].name = "holder";
	gl->l[0].value = hsa_who_name(holder == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER);
	gl->l[1].name = "client";
	gl->l[1].value = HSA_METRICS_OTHER;
	gl->l[2].name = "server";
	gl->l[2].value = HSA_METRICS_OTHER;
	gl->l[3].name = "server_port";
	gl->l[3].value = HSA_METRICS_OTHER;
}

/* Every per-group family shows the same HSA_METRICS_MAX_GROUPS groups,
 * and one "other" series per holder side for the rest: their sum (the
 * TIME-WAIT now, the entries), the largest share, the soonest exhaustion. */
static void render_groups(struct hsa_expo *e, const struct hsa_pressure *p)
{
	static struct hsa_live_group g[HSA_METRICS_MAX_GROUPS];
	struct hsa_live_rest rest[2];
	size_t total = hsa_pressure_live_groups(p, g, HSA_METRICS_MAX_GROUPS, rest);
	size_t n = total < HSA_METRICS_MAX_GROUPS ? total : HSA_METRICS_MAX_GROUPS;
	const struct hsa_live_rest *rc = &rest[HSA_CLIENT];
	struct group_labels gl;
	size_t i;
	int h;

	hsa_expo_family(e, "hsanalyze_group_time_wait_sockets", HSA_EXPO_GAUGE,
	    "Sockets in TIME-WAIT now per group: the side holding them, the "
	    "client and the server address and the server port.");
	for (i = 0; i < n; i++) {
		group_labels(&gl, &g[i]);
		hsa_expo_sample(e, gl.l, 4, (double)g[i].active);
	}
	for (h = HSA_CLIENT; h <= HSA_SERVER; h++)
		if (rest[h].groups) {
			other_labels(&gl, h);
			hsa_expo_sample(e, gl.l, 4, (double)rest[h].active);
		}
	hsa_expo_family(e, "hsanalyze_group_time_wait_entered", HSA_EXPO_COUNTER,
	    "TIME-WAITs entered per group (the groups shown above).");
	for (i = 0; i < n; i++) {
		group_labels(&gl, &g[i]);
		hsa_expo_sample(e, gl.l, 4, (double)g[i].entries);
	}
	for (h = HSA_CLIENT; h <= HSA_SERVER; h++)
		if (rest[h].groups) {
			other_labels(&gl, h);
			hsa_expo_sample(e, gl.l, 4, (double)rest[h].entries);
		}
	hsa_expo_family(e, "hsanalyze_port_range_share", HSA_EXPO_GAUGE,
	    "The share of the ephemeral port range the client holds in "
	    "TIME-WAIT towards the server and port now (1: exhausted).");
	for (i = 0; i < n; i++)
		if (g[i].holder == HSA_CLIENT) {
			group_labels(&gl, &g[i]);
			hsa_expo_sample(e, gl.l + 1, 3, g[i].share);
		}
	if (rc->groups) {
		other_labels(&gl, HSA_CLIENT);
		hsa_expo_sample(e, gl.l + 1, 3, rc->share);
	}
	hsa_expo_family(e, "hsanalyze_port_exhaustion_seconds", HSA_EXPO_GAUGE,
	    "Seconds until the client holds every ephemeral port towards the "
	    "server and port in TIME-WAIT, at the rate it enters TIME-WAIT (0: "
	    "full); only where that rate would fill the range.");
	for (i = 0; i < n; i++)
		if (g[i].holder == HSA_CLIENT && (g[i].full || g[i].tte_valid)) {
			group_labels(&gl, &g[i]);
			hsa_expo_sample(e, gl.l + 1, 3, g[i].full ? 0 : g[i].tte_s);
		}
	if (rc->full || rc->tte_valid) {
		other_labels(&gl, HSA_CLIENT);
		hsa_expo_sample(e, gl.l + 1, 3, rc->full ? 0 : rc->tte_s);
	}
	one(e, "hsanalyze_metrics_folded_groups", HSA_EXPO_GAUGE,
	    "TIME-WAIT groups beyond the ones shown, left out of every "
	    "per-group series and folded into the ones labelled \"other\".",
	    (double)(total - n));
}

static void render_pressure(struct hsa_expo *e, const struct hsa_pressure *p)
{
	const struct hsa_pressure_losses *lost = hsa_pressure_losses(p);
	struct hsa_expo_label l[1] = { { "holder", NULL } };
	struct hsa_pressure_status st;
	int h;

	hsa_pressure_status(p, &st);
	hsa_expo_family(e, "hsanalyze_time_wait_sockets", HSA_EXPO_GAUGE,
	    "Sockets in TIME-WAIT now, by the side holding them.");
	for (h = HSA_CLIENT; h <= HSA_SERVER; h++) {
		l[0].value = hsa_who_name(h == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER);
		hsa_expo_sample(e, l, 1, (double)st.active[h]);
	}
	one(e, "hsanalyze_port_range_peak_share", HSA_EXPO_GAUGE,
	    "The largest share of the ephemeral port range that one connecting "
	    "side held in TIME-WAIT towards one server so far (1: exhausted).",
	    st.peak_share);
	render_groups(e, p);
	hsa_expo_family(e, "hsanalyze_pressure_lost", HSA_EXPO_COUNTER,
	    "What the TIME-WAIT model could not count, by reason.");
	{
		static const char *const names[] = {
			"pairs_full", "out_of_memory", "clock_steps", "late", "saturated",
		};
		const uint64_t v[] = {
			lost->pairs_full, lost->out_of_memory, lost->clock_steps,
			lost->late, lost->saturated,
		};
		size_t i;

		l[0].name = "reason";
		for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
			l[0].value = names[i];
			hsa_expo_sample(e, l, 1, (double)v[i]);
		}
	}
}

/* The kernel's own count, read every --interval (and at start). */
static void render_kernel(struct hsa_expo *e, const struct hsa_kernel_state *k)
{
	uint64_t busiest = 0;
	size_t i;

	one(e, "hsanalyze_kernel_read_ok", HSA_EXPO_GAUGE,
	    "1 when the last read of the kernel's socket table (netlink "
	    "sock_diag, as ss reads it) worked, else 0.", k->available);
	if (!k->available)
		return;
	one(e, "hsanalyze_kernel_time_wait_sockets", HSA_EXPO_GAUGE,
	    "TIME-WAIT sockets in the kernel's table at the last read.",
	    (double)k->time_wait);
	for (i = 0; i < k->ngroups; i++)
		if (k->groups[i].connecting && k->groups[i].count > busiest)
			busiest = k->groups[i].count;
	one(e, "hsanalyze_kernel_time_wait_busiest", HSA_EXPO_GAUGE,
	    "The most TIME-WAIT sockets the kernel holds from one local address "
	    "to one destination on ephemeral ports, at the last read.",
	    (double)busiest);
}

/* The findings as composed for this rendering: live, from the analysis as
 * it stands (every --interval and scrape); at the end, the final ones. */
static void render_findings(struct hsa_expo *e, const struct hsa_findings *f)
{
	struct hsa_expo_label l[2] = { { "code", NULL }, { "severity", NULL } };
	size_t i, j;

	hsa_expo_family(e, "hsanalyze_findings", HSA_EXPO_GAUGE,
	    "Findings the analysis holds now, by code and severity.");
	for (i = 0; i < f->n; i++) {
		size_t same = 0;

		for (j = 0; j < i; j++)
			if (!strcmp(f->list[j].code, f->list[i].code) &&
			    f->list[j].severity == f->list[i].severity)
				break;
		if (j < i)
			continue;	/* counted with the first of its kind */
		for (j = i; j < f->n; j++)
			same += !strcmp(f->list[j].code, f->list[i].code) &&
			    f->list[j].severity == f->list[i].severity;
		l[0].value = f->list[i].code;
		l[1].value = hsa_severity_name(f->list[i].severity);
		hsa_expo_sample(e, l, 2, (double)same);
	}
}

int hsa_metrics_render(FILE *out, enum hsa_expo_format f,
    const struct hsa_metrics *m, const struct hsa_metrics_view *v)
{
	struct hsa_expo e;

	hsa_expo_begin(&e, out, f);
	render_capture(&e, v);
	render_flows(&e, v);
	render_connections(&e, m);
	if (v->pressure)
		render_pressure(&e, v->pressure);
	if (v->kernel)
		render_kernel(&e, v->kernel);
	if (v->findings)
		render_findings(&e, v->findings);
	return hsa_expo_end(&e);
}
