/*
 * hsa_metrics.h - the Prometheus metrics of a live capture: a report like
 * the text and JSON ones, rendered from the figures of the other stages on
 * every scrape (--metrics-listen) or every --interval (--metrics-file).
 *
 * The metrics decide nothing.  The only state kept here is what the other
 * stages do not count in the shape Prometheus needs: connections by
 * handshake status and close kind together, and the handshake RTT in the
 * fixed buckets of a Prometheus histogram.  doc/prometheus.md lists every
 * metric.
 */
#ifndef HSA_METRICS_H
#define HSA_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hsa_conn.h"
#include "hsa_expo.h"
#include "hsa_findings.h"
#include "hsa_kernel.h"
#include "hsa_pressure.h"
#include "hsa_tracker.h"

/* Upper bounds of the handshake RTT buckets, in seconds: from tens of
 * microseconds (loopback, a LAN) to seconds (a WAN, a retransmitted SYN). */
#define HSA_METRICS_RTT_BOUNDS(X) \
	X(0.00001) X(0.000025) X(0.00005) X(0.0001) X(0.00025) X(0.0005) \
	X(0.001) X(0.0025) X(0.005) X(0.01) X(0.025) X(0.05) X(0.1) \
	X(0.25) X(0.5) X(1) X(2.5) X(5) X(10)
#define HSA_X(b) + 1
enum { HSA_METRICS_RTT_BUCKETS = 0 HSA_METRICS_RTT_BOUNDS(HSA_X) };
#undef HSA_X

struct hsa_metrics {
	uint64_t connections[HSA_HS_COUNT][HSA_CLOSE_COUNT];
	uint64_t rtt_counts[HSA_METRICS_RTT_BUCKETS + 1];	/* + overflow */
	double rtt_sum;		/* seconds */
};

/* What a rendering shows, besides struct hsa_metrics: handed in by the
 * caller at the moment of the scrape. */
struct hsa_metrics_view {
	const char *interface;
	double start_time;		/* Unix time the capture began */
	uint64_t packets;		/* read from the capture */
	bool drops_valid;
	uint64_t kernel_drops;
	uint64_t interface_drops;
	const struct hsa_tracker_stats *tracker;
	size_t open_flows;
	size_t max_flows;
	const struct hsa_pressure *pressure;	/* NULL: no pressure figures */
	const struct hsa_findings *findings;	/* NULL: none yet */
	const struct hsa_kernel_state *kernel;	/* NULL: not read */
};

/* TIME-WAIT groups shown with their own labels; the rest are folded into
 * series whose address and port labels say HSA_METRICS_OTHER. */
#define HSA_METRICS_MAX_GROUPS 50
#define HSA_METRICS_OTHER "other"

void hsa_metrics_init(struct hsa_metrics *m);
/* A connection was reported with verdict v. */
void hsa_metrics_connection(struct hsa_metrics *m, const struct hsa_verdict *v);
/* Every metric, in format f; 0, or -1 when a write failed. */
int hsa_metrics_render(FILE *out, enum hsa_expo_format f,
    const struct hsa_metrics *m, const struct hsa_metrics_view *v);

#endif
