/*
 * reader.c - the reader thread of hsa_reader.h: a bounded queue of batches
 * between one producer (pcap reading and decoding) and one consumer (the
 * tracker).  Batches keep the cost of the lock and the wake-ups to one per
 * BATCH segments.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "hsa_reader.h"

#define BATCH	512		/* segments per batch */
#define NBATCH	8		/* batches in flight */

struct batch {
	size_t n;
	struct hsa_packet pkt[BATCH];
};

struct hsa_reader {
	struct hsa_capture *cap;
	unsigned long long count;
	hsa_reader_prepare prepare;
	void *ctx;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t filled;		/* a batch is ready, or the end */
	pthread_cond_t emptied;		/* a batch was given back */
	struct batch batches[NBATCH];
	size_t head;			/* next batch to consume */
	size_t ready;			/* batches ready to consume */
	bool done;			/* the reader has finished */
	bool consuming;			/* the consumer holds batches[head] */
	atomic_bool stop;		/* hsa_reader_stop(): read no more */
};

/* Fill b from a plain pcap file with hsa_capture_dispatch(): never more
 * records than free slots, nor past the count.  The segments it holds;
 * *end set when reading is over. */
static size_t fill_dispatch(struct hsa_reader *r, struct batch *b, bool *end)
{
	struct hsa_capture *cap = r->cap;
	struct hsa_capture_sink sink = {
		.slot = b->pkt, .free = BATCH, .prepare = r->prepare,
		.ctx = r->ctx, .stop = &r->stop,
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
		if (rc <= 0 ||
		    atomic_load_explicit(&r->stop, memory_order_relaxed)) {
			*end = true;
			break;
		}
	}
	if (r->count && cap->stats.packets >= r->count)
		*end = true;
	return (size_t)(sink.slot - b->pkt);
}

static void *reader_main(void *arg)
{
	struct hsa_reader *r = arg;
	/* Copies the compiler can keep in registers across the calls. */
	struct hsa_capture *cap = r->cap;
	const unsigned long long count = r->count;
	const hsa_reader_prepare prepare = r->prepare;
	void *const ctx = r->ctx;
	struct batch *b;
	struct hsa_packet *p;
	const bool plain = hsa_capture_plain(cap);
	size_t slot, n;
	int rc;
	bool end = false;

	while (!end) {
		pthread_mutex_lock(&r->lock);
		while (r->ready + (r->consuming ? 1 : 0) == NBATCH &&
		    !atomic_load(&r->stop))
			pthread_cond_wait(&r->emptied, &r->lock);
		if (atomic_load(&r->stop)) {
			r->done = true;
			pthread_cond_signal(&r->filled);
			pthread_mutex_unlock(&r->lock);
			break;
		}
		slot = (r->head + r->ready + (r->consuming ? 1 : 0)) % NBATCH;
		pthread_mutex_unlock(&r->lock);

		/* Each record is decoded straight into the batch's next slot;
		 * a record that is not a segment leaves the slot to the next. */
		b = &r->batches[slot];
		n = plain ? fill_dispatch(r, b, &end) : 0;
		while (!plain && n < BATCH) {
			p = &b->pkt[n];
			rc = hsa_capture_next(cap, p);
			if (rc < 0) {
				end = true;
				break;
			}
			if (rc == 1) {
				if (prepare)
					prepare(ctx, p);
				n++;
			}
			if ((count && cap->stats.packets >= count) ||
			    atomic_load_explicit(&r->stop, memory_order_relaxed)) {
				end = true;
				break;
			}
		}
		b->n = n;
		pthread_mutex_lock(&r->lock);
		if (b->n > 0)
			r->ready++;
		if (end)
			r->done = true;
		pthread_cond_signal(&r->filled);
		pthread_mutex_unlock(&r->lock);
	}
	return NULL;
}

struct hsa_reader *hsa_reader_start(struct hsa_capture *cap,
    unsigned long long count, hsa_reader_prepare prepare, void *ctx)
{
	struct hsa_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cap = cap;
	r->count = count;
	r->prepare = prepare;
	r->ctx = ctx;
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->filled, NULL);
	pthread_cond_init(&r->emptied, NULL);
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		pthread_mutex_destroy(&r->lock);
		pthread_cond_destroy(&r->filled);
		pthread_cond_destroy(&r->emptied);
		free(r);
		return NULL;
	}
	return r;
}

const struct hsa_packet *hsa_reader_next(struct hsa_reader *r, size_t *n)
{
	const struct batch *b = NULL;

	pthread_mutex_lock(&r->lock);
	if (r->consuming) {		/* give the previous batch back */
		r->consuming = false;
		r->head = (r->head + 1) % NBATCH;
		pthread_cond_signal(&r->emptied);
	}
	while (r->ready == 0 && !r->done)
		pthread_cond_wait(&r->filled, &r->lock);
	if (r->ready > 0) {
		r->ready--;
		r->consuming = true;
		b = &r->batches[r->head];
	}
	pthread_mutex_unlock(&r->lock);
	if (!b)
		return NULL;
	*n = b->n;
	return b->pkt;
}

void hsa_reader_stop(struct hsa_reader *r)
{
	pthread_mutex_lock(&r->lock);
	atomic_store(&r->stop, true);
	pthread_cond_signal(&r->emptied);
	pthread_mutex_unlock(&r->lock);
}

void hsa_reader_finish(struct hsa_reader *r)
{
	if (!r)
		return;
	pthread_join(r->thread, NULL);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->filled);
	pthread_cond_destroy(&r->emptied);
	free(r);
}
