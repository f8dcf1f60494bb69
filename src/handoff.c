/*
 * handoff.c - hsa_handoff.h: the tracker's reported connections and
 * progress, copied into batches of a batch queue (batch_queue.h) and
 * replayed in order on the thread that analyses.
 *
 * A connection costs a copy of its record and verdict, about 700 bytes,
 * while it is still in the tracker's cache; the analysis and the reports
 * then run beside the tracker instead of after it.  The copy is the one
 * the analysis keeps of any connection (hsa_conn_keep()): without the
 * tracker's links, held segment and out-of-line handshake history, which
 * the tracker reuses at once.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "batch_queue.h"
#include "hsa_handoff.h"
#include "prefetch.h"

#define BATCH	HSA_HANDOFF_BATCH
#define NBATCH	8		/* batches in flight */
/* Messages ahead of the one written that are asked for. */
#define MSG_WRITE_AHEAD	2
/* The analysis is told of a connection this many messages ahead. */
#define PREFETCH_AHEAD	4

enum msg_kind { MSG_CONNECTION, MSG_PROGRESS };

struct msg {
	uint8_t kind;
	int64_t t;		/* capture time: now, or the horizon */
	struct hsa_verdict v;
	struct hsa_conn c;
};

struct batch {
	size_t n;
	bool flush;
	struct msg m[BATCH];
};

struct hsa_handoff {
	struct hsa_handoff_ops ops;
	struct hsa_batch_queue q;
	struct batch *cur;	/* the tracker's: being filled, or NULL */
	atomic_bool failed;
};

struct hsa_handoff *hsa_handoff_new(const struct hsa_handoff_ops *ops,
    struct hsa_batch_sync *sync, int tracker)
{
	struct hsa_handoff *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->ops = *ops;
	atomic_init(&h->failed, false);
	if (hsa_batch_queue_init_shared(&h->q, NBATCH, sizeof(struct batch),
	    sync, tracker) != 0) {
		free(h);
		return NULL;
	}
	return h;
}

struct hsa_batch_queue *hsa_handoff_queue(struct hsa_handoff *h)
{
	return &h->q;
}

bool hsa_handoff_serve(struct hsa_handoff *h)
{
	const struct hsa_handoff_ops *ops = &h->ops;
	struct batch *b = hsa_batch_queue_take(&h->q);
	size_t i;

	if (!b)
		return false;
	/* After a failure the batches are only given back, so that the
	 * tracker never waits for room. */
	if (!atomic_load_explicit(&h->failed, memory_order_relaxed)) {
		for (i = 0; i < b->n; i++) {
			const struct msg *m = &b->m[i];

			if (ops->prefetch && i + PREFETCH_AHEAD < b->n &&
			    m[PREFETCH_AHEAD].kind == MSG_CONNECTION)
				ops->prefetch(ops->ctx, &m[PREFETCH_AHEAD].c);
			if (m->kind == MSG_CONNECTION)
				ops->connection(ops->ctx, &m->c, &m->v, m->t);
			else
				ops->progress(ops->ctx, m->t);
		}
		if (!ops->after_batch(ops->ctx, b->flush))
			atomic_store(&h->failed, true);
	}
	hsa_batch_queue_give_back(&h->q);
	return true;
}

/* The tracker's side: hand the batch being filled over. */
static void hand_over(struct hsa_handoff *h, bool flush)
{
	struct batch *b = h->cur;

	if (!b && !flush)
		return;
	if (!b) {		/* an empty batch carries the flush */
		b = hsa_batch_queue_claim(&h->q);
		b->n = 0;
	}
	b->flush = flush;
	h->cur = NULL;
	hsa_batch_queue_publish(&h->q, true, false);
}

/* The slot of the next message, in the batch being filled (claimed when
 * there is none; this queue is never stopped, so a claim only waits). */
static struct msg *next_msg(struct hsa_handoff *h)
{
	if (!h->cur) {
		h->cur = hsa_batch_queue_claim(&h->q);
		h->cur->n = 0;
	}
	return &h->cur->m[h->cur->n];
}

/* The message in the next slot is written: a full batch goes; else the
 * slot MSG_WRITE_AHEAD on is asked for (prefetch.h). */
static void sent(struct hsa_handoff *h)
{
	if (++h->cur->n == BATCH)
		hand_over(h, false);
	else if (h->cur->n + MSG_WRITE_AHEAD < BATCH)
		hsa_prefetch_range(&h->cur->m[h->cur->n + MSG_WRITE_AHEAD],
		    sizeof(struct msg), true);
}

void hsa_handoff_connection(struct hsa_handoff *h, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	struct msg *m = next_msg(h);

	m->kind = MSG_CONNECTION;
	m->t = now;
	m->v = *v;
	hsa_conn_keep(&m->c, c);	/* nothing of the tracker's */
	sent(h);
}

void hsa_handoff_progress(struct hsa_handoff *h, int64_t horizon)
{
	struct msg *m = next_msg(h);

	m->kind = MSG_PROGRESS;
	m->t = horizon;
	sent(h);
}

void hsa_handoff_flush(struct hsa_handoff *h)
{
	hand_over(h, true);
}

void hsa_handoff_drain(struct hsa_handoff *h)
{
	hand_over(h, false);
	hsa_batch_queue_wait_empty(&h->q);
}

bool hsa_handoff_failed(const struct hsa_handoff *h)
{
	return atomic_load_explicit(&h->failed, memory_order_relaxed);
}

void hsa_handoff_end(struct hsa_handoff *h)
{
	hand_over(h, false);
	hsa_batch_queue_publish(&h->q, false, true);
	hsa_batch_queue_wait_empty(&h->q);
}

void hsa_handoff_free(struct hsa_handoff *h)
{
	if (!h)
		return;
	hsa_batch_queue_destroy(&h->q);
	free(h);
}
