/*
 * metrics.c - the metric families of hsanalyze (doc/prometheus.md), written
 * through the exposition writer (exposition.c).
 *
 * Label values come from small fixed sets (handshake status, close kind,
 * holder side, drop place), so no family here can grow with the traffic.
 */
#include "config.h"

#include <string.h>

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

static void render_pressure(struct hsa_expo *e, const struct hsa_pressure *p)
{
	struct hsa_pressure_status st;

	hsa_pressure_status(p, &st);
	one(e, "hsanalyze_time_wait_sockets", HSA_EXPO_GAUGE,
	    "Sockets in TIME-WAIT now, by the capture's clock, on either side.",
	    (double)(st.active[HSA_CLIENT] + st.active[HSA_SERVER]));
	one(e, "hsanalyze_port_range_peak_share", HSA_EXPO_GAUGE,
	    "The largest share of the ephemeral port range that one connecting "
	    "side held in TIME-WAIT towards one server so far (1: exhausted).",
	    st.peak_share);
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
	return hsa_expo_end(&e);
}
