/*
 * batch_queue.c - the bounded queue of batches of batch_queue.h.
 *
 * slots[head] is the batch the consumer holds or takes next; the ready
 * ones follow it, then the one the producer fills.  One mutex guards the
 * counts; the batches themselves are touched by one side at a time, so
 * their contents need no lock.
 *
 * A side that waits is signalled only when it is waiting and what it
 * waits for has come: the consumer once a batch is ready (or at the end),
 * the producer once there is room for producer_wake batches (or the queue
 * is empty, when that is what it waits for).  Each
 * wake-up is a system call and a switch of threads, far dearer on a
 * virtual machine than a batch's worth of work.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "batch_queue.h"

void hsa_batch_sync_init(struct hsa_batch_sync *s)
{
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cv[0], NULL);
	pthread_cond_init(&s->cv[1], NULL);
}

void hsa_batch_sync_destroy(struct hsa_batch_sync *s)
{
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->cv[0]);
	pthread_cond_destroy(&s->cv[1]);
}

int hsa_batch_queue_init_shared(struct hsa_batch_queue *q, size_t nslots,
    size_t slot_size, struct hsa_batch_sync *s, int producer)
{
	q->slots = calloc(nslots, slot_size);
	if (!q->slots)
		return -ENOMEM;
	q->sync = s;
	q->emptied = &s->cv[producer ? 1 : 0];
	q->filled = &s->cv[producer ? 0 : 1];
	q->slot_size = slot_size;
	q->nslots = nslots;
	q->head = q->ready = 0;
	q->producer_wake = 1;
	q->done = q->consuming = q->consumer_waits = false;
	q->producer_waits = HSA_BQ_NOT_WAITING;
	atomic_init(&q->stop, false);
	return 0;
}

void hsa_batch_queue_destroy(struct hsa_batch_queue *q)
{
	free(q->slots);
	q->slots = NULL;
}

/* The slots in use: ready, plus the one the consumer holds. */
static size_t in_use(const struct hsa_batch_queue *q)
{
	return q->ready + (q->consuming ? 1 : 0);
}

/* The producer can go on: a slot is free, or the consumer stopped the
 * queue (claim() then returns at once). */
static bool has_room(const struct hsa_batch_queue *q)
{
	return in_use(q) < q->nslots || atomic_load(&q->stop);
}

/* The consumer can go on: a batch is ready, or the producer is done. */
static bool has_batch(const struct hsa_batch_queue *q)
{
	return q->ready > 0 || q->done;
}

/* The producer waits, and what it waits for has come: room for wake
 * batches, or an empty queue. */
static bool producer_may_go(const struct hsa_batch_queue *q)
{
	switch (q->producer_waits) {
	case HSA_BQ_WAITS_ROOM:
		return in_use(q) + q->producer_wake <= q->nslots ||
		    atomic_load(&q->stop);
	case HSA_BQ_WAITS_EMPTY:
		return in_use(q) == 0;
	default:
		return false;
	}
}

void *hsa_batch_queue_claim(struct hsa_batch_queue *q)
{
	size_t slot;

	pthread_mutex_lock(&q->sync->lock);
	while (!has_room(q)) {
		q->producer_waits = HSA_BQ_WAITS_ROOM;
		pthread_cond_wait(q->emptied, &q->sync->lock);
	}
	q->producer_waits = HSA_BQ_NOT_WAITING;
	if (atomic_load(&q->stop)) {
		q->done = true;
		if (q->consumer_waits)
			pthread_cond_signal(q->filled);
		pthread_mutex_unlock(&q->sync->lock);
		return NULL;
	}
	slot = (q->head + in_use(q)) % q->nslots;
	pthread_mutex_unlock(&q->sync->lock);
	return q->slots + slot * q->slot_size;
}

void hsa_batch_queue_publish(struct hsa_batch_queue *q, bool filled, bool end)
{
	pthread_mutex_lock(&q->sync->lock);
	if (filled)
		q->ready++;
	if (end)
		q->done = true;
	if (q->consumer_waits && has_batch(q))
		pthread_cond_signal(q->filled);
	pthread_mutex_unlock(&q->sync->lock);
}

void hsa_batch_queue_wait_empty(struct hsa_batch_queue *q)
{
	pthread_mutex_lock(&q->sync->lock);
	while (in_use(q) > 0 && !atomic_load(&q->stop)) {
		q->producer_waits = HSA_BQ_WAITS_EMPTY;
		pthread_cond_wait(q->emptied, &q->sync->lock);
	}
	q->producer_waits = HSA_BQ_NOT_WAITING;
	pthread_mutex_unlock(&q->sync->lock);
}

/* Give back the batch the consumer holds; the lock is held. */
static void give_back(struct hsa_batch_queue *q)
{
	if (!q->consuming)
		return;
	q->consuming = false;
	q->head = (q->head + 1) % q->nslots;
	if (producer_may_go(q))
		pthread_cond_signal(q->emptied);
}

void *hsa_batch_queue_take(struct hsa_batch_queue *q)
{
	void *b = NULL;

	pthread_mutex_lock(&q->sync->lock);
	give_back(q);
	while (!has_batch(q)) {
		q->consumer_waits = true;
		pthread_cond_wait(q->filled, &q->sync->lock);
	}
	q->consumer_waits = false;
	if (q->ready > 0) {
		q->ready--;
		q->consuming = true;
		b = q->slots + q->head * q->slot_size;
	}
	pthread_mutex_unlock(&q->sync->lock);
	return b;
}

void hsa_batch_queue_give_back(struct hsa_batch_queue *q)
{
	pthread_mutex_lock(&q->sync->lock);
	give_back(q);
	pthread_mutex_unlock(&q->sync->lock);
}

void hsa_batch_queue_stop(struct hsa_batch_queue *q)
{
	pthread_mutex_lock(&q->sync->lock);
	atomic_store(&q->stop, true);
	if (q->producer_waits != HSA_BQ_NOT_WAITING)
		pthread_cond_signal(q->emptied);
	pthread_mutex_unlock(&q->sync->lock);
}

/* What wait_either() may do now, as HSA_BQ_ROOM | HSA_BQ_READY. */
static int either_turn(const struct hsa_batch_queue *out,
    const struct hsa_batch_queue *in)
{
	int turn = 0;

	if (out && has_room(out))
		turn |= HSA_BQ_ROOM;
	if (in && has_batch(in))
		turn |= HSA_BQ_READY;
	return turn;
}

int hsa_batch_queue_wait_either(struct hsa_batch_queue *out,
    struct hsa_batch_queue *in, size_t *backlog)
{
	struct hsa_batch_sync *s = out ? out->sync : in ? in->sync : NULL;
	pthread_cond_t *cv = out ? out->emptied : in ? in->filled : NULL;
	int turn;

	*backlog = 0;
	if (!s)
		return 0;
	pthread_mutex_lock(&s->lock);
	while (!(turn = either_turn(out, in))) {
		if (out)
			out->producer_waits = HSA_BQ_WAITS_ROOM;
		if (in)
			in->consumer_waits = true;
		pthread_cond_wait(cv, &s->lock);
	}
	if (out) {
		out->producer_waits = HSA_BQ_NOT_WAITING;
		*backlog = out->ready;
	}
	if (in)
		in->consumer_waits = false;
	pthread_mutex_unlock(&s->lock);
	return turn;
}
