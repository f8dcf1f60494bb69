/*
 * hsa_handoff.h - the analysis and report stages beside the tracker.
 *
 * Reading a file, the stages share two threads: the worker reads and
 * decodes (hsa_reader.h), the tracker follows connections, and the worker
 * also takes each connection the tracker reports, with the tracker's
 * progress, in the tracker's order, and hands them to the analysis and
 * the reports.  The tracker has the larger share of the work; reading and
 * analysing together come close to it.
 * The tracker reuses a reported record at once (hsa_tracker.h), so each
 * one is copied into the batch as the analysis keeps copies
 * (hsa_conn_keep()), with its verdict: the sinks must follow no pointer of
 * the tracker's.  Only files use this: a live capture serves
 * scrapes and interim reports from the analysis as it stands, so there it
 * all stays on one thread.
 */
#ifndef HSA_HANDOFF_H
#define HSA_HANDOFF_H

#include <stdbool.h>
#include <stdint.h>

#include "hsa_conn.h"

/* What the analysing thread calls, in the order the tracker reported. */
struct hsa_handoff_ops {
	/* A connection, with the tracker's capture time when it was
	 * reported. */
	void (*connection)(void *ctx, const struct hsa_conn *c,
	    const struct hsa_verdict *v, int64_t now);
	void (*progress)(void *ctx, int64_t horizon);
	/* Optional: a connection comes a few calls from now (the analysis
	 * may load what it will look at). */
	void (*prefetch)(void *ctx, const struct hsa_conn *c);
	/* After each batch; flush is set when hsa_handoff_flush() asked
	 * for it.  false: stop (an output failed); the rest is not
	 * analysed, and hsa_handoff_failed() says so. */
	bool (*after_batch)(void *ctx, bool flush);
	void *ctx;
};

/* Messages (connections and progress) per batch handed over. */
#define HSA_HANDOFF_BATCH	64

struct hsa_handoff;
struct hsa_batch_sync;
struct hsa_batch_queue;

/* A handoff whose queue takes sync's lock, the tracker waiting on
 * sync->cv[tracker] and the analysing thread on the other (batch_queue.h).
 * NULL when out of memory. */
struct hsa_handoff *hsa_handoff_new(const struct hsa_handoff_ops *ops,
    struct hsa_batch_sync *sync, int tracker);

/* The analysing thread: replay the next batch through the ops, waiting for
 * one; false once hsa_handoff_end() was called and all is replayed. */
bool hsa_handoff_serve(struct hsa_handoff *h);
/* Its queue, for hsa_batch_queue_wait_either(). */
struct hsa_batch_queue *hsa_handoff_queue(struct hsa_handoff *h);

/* The tracker's thread: queue a reported connection, or the tracker's
 * progress.  They are handed over a batch at a time. */
void hsa_handoff_connection(struct hsa_handoff *h, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now);
void hsa_handoff_progress(struct hsa_handoff *h, int64_t horizon);

/* Hand over what is queued now, and have after_batch() flush after it
 * (the connection log of a pipe keeps flowing). */
void hsa_handoff_flush(struct hsa_handoff *h);

/* Hand over what is queued and wait until it has all been analysed: the
 * analysis state and the outputs may then be read on this thread, until
 * the next connection is queued. */
void hsa_handoff_drain(struct hsa_handoff *h);

/* after_batch() asked to stop. */
bool hsa_handoff_failed(const struct hsa_handoff *h);

/* Hand over the rest as the last, and wait until it has been analysed. */
void hsa_handoff_end(struct hsa_handoff *h);

/* Free it, once ended and served to the end (or never used). */
void hsa_handoff_free(struct hsa_handoff *h);

#endif
