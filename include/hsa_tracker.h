/*
 * hsa_tracker.h - follows TCP connections through a capture, in one pass.
 *
 * Segments go in; connections come out, each once, through the sink, when
 * hsanalyze is done with them: closed and quiet for the linger time, idle past
 * their timeout, evicted when the table is full, or at the end of the
 * capture.  Timeouts run on capture time, never on the wall clock: on the
 * tracker's own clock, which follows the capture's timestamps forward and
 * does not go back when they step back (NTP, merged files), so that a step
 * neither freezes expiry (memory would grow) nor expires everything at
 * once.  Without steps it is the latest timestamp seen.  After a
 * connection is reported, a short history entry of its 4-tuple remains, so
 * that a new SYN on it can be recognised as port reuse.
 */
#ifndef HSA_TRACKER_H
#define HSA_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "hsa_conn.h"
#include "hsa_packet.h"

/* Called once per connection when it is reported; c itself is reused
 * after the call, so a sink copies what it keeps. */
typedef void (*hsa_conn_sink)(void *ctx, struct hsa_conn *c,
    const struct hsa_verdict *v);

/* Called as capture time passes, with a horizon in capture time: no
 * connection reported from now on has a TIME-WAIT start (its later FIN) or
 * a SYN reusing an earlier 4-tuple before it, unless the capture's clock
 * steps back.  The analysis stage counts up to it. */
typedef void (*hsa_progress_hook)(void *ctx, int64_t horizon);

/* Called after each segment has been applied, with its role (--ladder). */
typedef void (*hsa_segment_hook)(void *ctx, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role);

struct hsa_tracker_config {
	int64_t handshake_timeout_ns;	/* handshake not finished */
	int64_t idle_timeout_ns;	/* established */
	int64_t linger_ns;		/* closed, waiting for stragglers */
	int64_t history_ns;		/* reported, 4-tuple remembered */
	size_t max_flows;		/* tracked connections and history */
	hsa_conn_sink sink;
	hsa_segment_hook segment_hook;
	hsa_progress_hook progress;	/* or NULL */
	void *ctx;
};

/* Memory the tracker will use soon: for another thread to make resident
 * (hsa_reader_populate()), so that its page faults are not the
 * tracker's. */
typedef void (*hsa_populate_hook)(void *ctx, void *addr, size_t len);

#define HSA_DEFAULT_HANDSHAKE_TIMEOUT_NS	(60LL * 1000000000LL)
#define HSA_DEFAULT_IDLE_TIMEOUT_NS		(300LL * 1000000000LL)
#define HSA_DEFAULT_LINGER_NS			(4LL * 1000000000LL)
#define HSA_DEFAULT_HISTORY_NS			(120LL * 1000000000LL)
#define HSA_DEFAULT_MAX_FLOWS			65536
/* --max-flows at most: 16M entries are up to 6.5 GiB of connection records
 * (416 bytes each; 2 GiB as history entries, 128 bytes each). */
#define HSA_MAX_FLOWS_LIMIT			16777216

struct hsa_tracker_stats {
	uint64_t connections;	/* reported */
	uint64_t evicted;	/* reported early because the table was full */
	uint64_t late_segments;	/* arrived after their connection was reported */
	uint64_t peak_flows;	/* most entries held at once */
	uint64_t alloc_failures;	/* segments dropped: no memory for their
					 * connection or its handshake history */
	uint64_t handshakes;	/* completed, as they complete */
	uint64_t time_wait_entered[HSA_WHO_COUNT];	/* as connections close */
};

struct hsa_tracker;

/* Returns NULL when out of memory. */
struct hsa_tracker *hsa_tracker_new(const struct hsa_tracker_config *cfg);
/* Fill p->flow_hash; reads only the per-run key, so another thread may
 * call it while the tracker works. */
void hsa_tracker_hash(const struct hsa_tracker *t, struct hsa_packet *p);
/* Hand memory the tracker will soon use to fn (NULL: none; the tracker
 * then touches it first itself, as without a hook). */
void hsa_tracker_set_populate(struct hsa_tracker *t, hsa_populate_hook fn,
    void *ctx);
/* Apply a segment whose flow_hash is set. */
void hsa_tracker_segment(struct hsa_tracker *t, const struct hsa_packet *p);
/* Apply n segments in order, as hsa_tracker_segment() each: knowing the
 * ones ahead, the tracker loads their table slots and records early. */
void hsa_tracker_segments(struct hsa_tracker *t, const struct hsa_packet *p,
    size_t n);
/* Report every connection still tracked, in id order, calling the
 * progress hook as they go: no segment comes any more, so the horizon is
 * the earliest time those not reported yet may bring, or the capture's
 * latest time. */
void hsa_tracker_finish(struct hsa_tracker *t);
const struct hsa_tracker_stats *hsa_tracker_stats(const struct hsa_tracker *t);
/* Live, while no packet comes: capture time (the wall clock) has reached
 * capture_now.  Connections whose linger or idle timeout ran out by
 * capture_now less a second (packets may still be in the capture's
 * buffer) are reported, and the analysis stage is told (the progress
 * hook). */
void hsa_tracker_idle(struct hsa_tracker *t, int64_t capture_now);
/* The capture time the tracker's clock last followed: the latest
 * timestamp seen, or the new time after a step back. */
int64_t hsa_tracker_capture_time(const struct hsa_tracker *t);
/* Connections being tracked now (not counting history entries). */
size_t hsa_tracker_open_flows(const struct hsa_tracker *t);
void hsa_tracker_free(struct hsa_tracker *t);

#endif
