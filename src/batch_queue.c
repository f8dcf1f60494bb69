/*
 * batch_queue.c - the bounded queue of batches of batch_queue.h.
 *
 * slots[head] is the batch the consumer holds or takes next; the ready
 * ones follow it, then the one the producer fills.  One mutex guards the
 * counts; the batches themselves are touched by one side at a time, so
 * their contents need no lock.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "batch_queue.h"

int hsa_batch_queue_init(struct hsa_batch_queue *q, size_t nslots,
    size_t slot_size)
{
	q->slots = calloc(nslots, slot_size);
	if (!q->slots)
		return -ENOMEM;
	q->slot_size = slot_size;
	q->nslots = nslots;
	q->head = q->ready = 0;
	q->done = q->consuming = false;
	atomic_init(&q->stop, false);
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->filled, NULL);
	pthread_cond_init(&q->emptied, NULL);
	return 0;
}

void hsa_batch_queue_destroy(struct hsa_batch_queue *q)
{
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->filled);
	pthread_cond_destroy(&q->emptied);
	free(q->slots);
	q->slots = NULL;
}

/* The slots in use: ready, plus the one the consumer holds. */
static size_t in_use(const struct hsa_batch_queue *q)
{
	return q->ready + (q->consuming ? 1 : 0);
}

void *hsa_batch_queue_claim(struct hsa_batch_queue *q)
{
	size_t slot;

	pthread_mutex_lock(&q->lock);
	while (in_use(q) == q->nslots && !atomic_load(&q->stop))
		pthread_cond_wait(&q->emptied, &q->lock);
	if (atomic_load(&q->stop)) {
		q->done = true;
		pthread_cond_signal(&q->filled);
		pthread_mutex_unlock(&q->lock);
		return NULL;
	}
	slot = (q->head + in_use(q)) % q->nslots;
	pthread_mutex_unlock(&q->lock);
	return q->slots + slot * q->slot_size;
}

void hsa_batch_queue_publish(struct hsa_batch_queue *q, bool filled, bool end)
{
	pthread_mutex_lock(&q->lock);
	if (filled)
		q->ready++;
	if (end)
		q->done = true;
	pthread_cond_signal(&q->filled);
	pthread_mutex_unlock(&q->lock);
}

void hsa_batch_queue_wait_empty(struct hsa_batch_queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (in_use(q) > 0 && !atomic_load(&q->stop))
		pthread_cond_wait(&q->emptied, &q->lock);
	pthread_mutex_unlock(&q->lock);
}

void *hsa_batch_queue_take(struct hsa_batch_queue *q)
{
	void *b = NULL;

	pthread_mutex_lock(&q->lock);
	if (q->consuming) {		/* give the previous batch back */
		q->consuming = false;
		q->head = (q->head + 1) % q->nslots;
		pthread_cond_signal(&q->emptied);
	}
	while (q->ready == 0 && !q->done)
		pthread_cond_wait(&q->filled, &q->lock);
	if (q->ready > 0) {
		q->ready--;
		q->consuming = true;
		b = q->slots + q->head * q->slot_size;
	}
	pthread_mutex_unlock(&q->lock);
	return b;
}

void hsa_batch_queue_stop(struct hsa_batch_queue *q)
{
	pthread_mutex_lock(&q->lock);
	atomic_store(&q->stop, true);
	pthread_cond_signal(&q->emptied);
	pthread_mutex_unlock(&q->lock);
}
