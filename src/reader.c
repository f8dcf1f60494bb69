/*
 * reader.c - the worker thread of hsa_reader.h: it reads and decodes
 * records into batches of BATCH segments, handed to the tracker
 * through a batch queue (batch_queue.h), and analyses the connections the
 * tracker hands back (handoff.c) in between.
 *
 * The two queues share one lock: the worker waits only when it can neither
 * read (every batch is full, the tracker has plenty) nor analyse (no batch
 * of connections is ready).  When it can do both, it reads while the
 * tracker has little in hand, so that the tracker, the larger share of
 * the work, never waits; else it analyses first, so that the tracker never
 * waits for room to report either.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "batch_queue.h"
#include "hsa_reader.h"

#define BATCH	512		/* segments per batch */
#define NBATCH	8		/* batches in flight */
/* Analyse first once the tracker has this many batches in hand. */
#define BACKLOG_TO_ANALYSE	2

#define WORKER_NAME	"hsa-worker"	/* at most 15 characters */

enum { WORKER, TRACKER };	/* who waits on which condition variable */

struct batch {
	size_t n;
	struct hsa_packet pkt[BATCH];
};

/* Populate requests in flight, from the tracker to the worker. */
#define NPOPULATE	4

struct populate {
	void *addr;
	size_t len;
};

struct hsa_reader {
	struct hsa_capture *cap;
	unsigned long long count;
	hsa_reader_prepare prepare;
	void *ctx;
	pthread_t thread;
	struct hsa_batch_sync sync;
	struct hsa_batch_queue q;	/* segments, to the tracker */
	struct hsa_handoff *handoff;	/* connections, back; or NULL */
	/* A ring of populate requests, one producer (the tracker) and one
	 * consumer (the worker): each side moves only its own index. */
	struct populate populate[NPOPULATE];
	atomic_size_t populate_head;	/* the worker's: next to do */
	atomic_size_t populate_tail;	/* the tracker's: next free */
};

/* Fill b from a plain pcap file with hsa_capture_dispatch(): never more
 * records than free slots, nor past the count.  The segments it holds;
 * *end set when reading is over. */
static size_t fill_dispatch(struct hsa_reader *r, struct batch *b, bool *end)
{
	struct hsa_capture *cap = r->cap;
	struct hsa_capture_sink sink = {
		.slot = b->pkt, .free = BATCH, .prepare = r->prepare,
		.ctx = r->ctx, .stop = &r->q.stop,
	};
	unsigned long long left;
	int max, rc;

	while (sink.free > 0) {
		max = (int)sink.free;
		if (r->count) {
			left = r->count > cap->stats.packets ?
			    r->count - cap->stats.packets : 0;
			if (left == 0) {
				*end = true;
				break;
			}
			if (left < (unsigned long long)max)
				max = (int)left;
		}
		rc = hsa_capture_dispatch(cap, max, &sink);
		if (rc <= 0 || hsa_batch_queue_stopped(&r->q)) {
			*end = true;
			break;
		}
	}
	if (r->count && cap->stats.packets >= r->count)
		*end = true;
	return (size_t)(sink.slot - b->pkt);
}

/* Fill b from any other source, a record at a time. */
static size_t fill_next(struct hsa_reader *r, struct batch *b, bool *end)
{
	struct hsa_capture *cap = r->cap;
	struct hsa_packet *p;
	size_t n = 0;
	int rc;

	while (n < BATCH) {
		p = &b->pkt[n];
		rc = hsa_capture_next(cap, p);
		if (rc < 0) {
			*end = true;
			break;
		}
		if (rc == 1) {
			if (r->prepare)
				r->prepare(r->ctx, p);
			n++;
		}
		if ((r->count && cap->stats.packets >= r->count) ||
		    hsa_batch_queue_stopped(&r->q)) {
			*end = true;
			break;
		}
	}
	return n;
}

/* Read one batch and hand it over: false when reading is over. */
static bool read_batch(struct hsa_reader *r)
{
	struct batch *b = hsa_batch_queue_claim(&r->q);
	bool end = false;

	if (!b)			/* the tracker stopped reading */
		return false;
	b->n = hsa_capture_plain(r->cap) ? fill_dispatch(r, b, &end) :
	    fill_next(r, b, &end);
	hsa_batch_queue_publish(&r->q, b->n > 0, end);
	return !end;
}

void hsa_reader_populate(void *reader, void *addr, size_t len)
{
	struct hsa_reader *r = reader;
	size_t tail = atomic_load_explicit(&r->populate_tail,
	    memory_order_relaxed);

	if (tail - atomic_load_explicit(&r->populate_head,
	    memory_order_acquire) == NPOPULATE)
		return;
	r->populate[tail % NPOPULATE] = (struct populate){ addr, len };
	atomic_store_explicit(&r->populate_tail, tail + 1,
	    memory_order_release);
}

/* The tracker's populate requests, done. */
static void populate_pending(struct hsa_reader *r)
{
	size_t head = atomic_load_explicit(&r->populate_head,
	    memory_order_relaxed);
	struct populate *q;

	while (head != atomic_load_explicit(&r->populate_tail,
	    memory_order_acquire)) {
		q = &r->populate[head % NPOPULATE];
#ifdef MADV_POPULATE_WRITE
		(void)madvise(q->addr, q->len, MADV_POPULATE_WRITE);
#else
		(void)q;
#endif
		atomic_store_explicit(&r->populate_head, ++head,
		    memory_order_release);
	}
}

static void *worker_main(void *arg)
{
	struct hsa_reader *r = arg;
	bool reading = true, analysing = r->handoff != NULL;
	size_t backlog;
	int turn;

	/* Named for top -H and perf: reading and analysing show apart from
	 * the tracker. */
	pthread_setname_np(pthread_self(), WORKER_NAME);
	while (reading || analysing) {
		populate_pending(r);
		turn = hsa_batch_queue_wait_either(reading ? &r->q : NULL,
		    analysing ? hsa_handoff_queue(r->handoff) : NULL, &backlog);
		if ((turn & HSA_BQ_READY) &&
		    (!(turn & HSA_BQ_ROOM) || backlog >= BACKLOG_TO_ANALYSE))
			analysing = hsa_handoff_serve(r->handoff);
		else if (turn & HSA_BQ_ROOM)
			reading = read_batch(r);
	}
	return NULL;
}

struct hsa_reader *hsa_reader_start(struct hsa_capture *cap,
    unsigned long long count, hsa_reader_prepare prepare, void *ctx,
    const struct hsa_handoff_ops *analysis)
{
	struct hsa_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cap = cap;
	r->count = count;
	r->prepare = prepare;
	r->ctx = ctx;
	atomic_init(&r->populate_head, 0);
	atomic_init(&r->populate_tail, 0);
	hsa_batch_sync_init(&r->sync);
	if (hsa_batch_queue_init_shared(&r->q, NBATCH, sizeof(struct batch),
	    &r->sync, WORKER) != 0)
		goto fail;
	/* The tracker, the slower, is woken at once; the worker only once
	 * there is room for a run of batches. */
	r->q.producer_wake = NBATCH / 2;
	if (analysis &&
	    !(r->handoff = hsa_handoff_new(analysis, &r->sync, TRACKER)))
		goto fail_queue;
	if (pthread_create(&r->thread, NULL, worker_main, r) != 0)
		goto fail_handoff;
	return r;

fail_handoff:
	hsa_handoff_free(r->handoff);
fail_queue:
	hsa_batch_queue_destroy(&r->q);
fail:
	hsa_batch_sync_destroy(&r->sync);
	free(r);
	return NULL;
}

struct hsa_handoff *hsa_reader_handoff(struct hsa_reader *r)
{
	return r ? r->handoff : NULL;
}

const struct hsa_packet *hsa_reader_next(struct hsa_reader *r, size_t *n)
{
	const struct batch *b = hsa_batch_queue_take(&r->q);

	if (!b)
		return NULL;
	*n = b->n;
	return b->pkt;
}

void hsa_reader_stop(struct hsa_reader *r)
{
	hsa_batch_queue_stop(&r->q);
}

void hsa_reader_wait_read(struct hsa_reader *r)
{
	/* After a stop the worker hands over what it had read: taken and
	 * dropped here, until it says it is done. */
	while (hsa_batch_queue_take(&r->q))
		;
}

void hsa_reader_finish(struct hsa_reader *r)
{
	if (!r)
		return;
	hsa_reader_stop(r);
	hsa_reader_wait_read(r);
	if (r->handoff)
		hsa_handoff_end(r->handoff);
	pthread_join(r->thread, NULL);
	hsa_handoff_free(r->handoff);
	hsa_batch_queue_destroy(&r->q);
	hsa_batch_sync_destroy(&r->sync);
	free(r);
}
