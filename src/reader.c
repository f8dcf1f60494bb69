/*
 * reader.c - the reader thread of hsa_reader.h: it reads and decodes
 * records straight into batches of BATCH segments, handed to the tracker
 * through a batch queue (batch_queue.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "batch_queue.h"
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
	struct hsa_batch_queue q;
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
	size_t n;
	int rc;
	bool end = false;

	while (!end) {
		if (!(b = hsa_batch_queue_claim(&r->q)))
			break;
		/* Each record is decoded straight into the batch's next slot;
		 * a record that is not a segment leaves the slot to the next. */
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
			    hsa_batch_queue_stopped(&r->q)) {
				end = true;
				break;
			}
		}
		b->n = n;
		hsa_batch_queue_publish(&r->q, n > 0, end);
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
	if (hsa_batch_queue_init(&r->q, NBATCH, sizeof(struct batch)) != 0) {
		free(r);
		return NULL;
	}
	if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
		hsa_batch_queue_destroy(&r->q);
		free(r);
		return NULL;
	}
	return r;
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

void hsa_reader_finish(struct hsa_reader *r)
{
	if (!r)
		return;
	pthread_join(r->thread, NULL);
	hsa_batch_queue_destroy(&r->q);
	free(r);
}
