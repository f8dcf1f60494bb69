/*
 * batch_queue.h - a bounded queue of batches between two threads: one
 * producer, one consumer, in order.
 *
 * The stages of a run over a file each take a share of the time, and on a
 * machine with two cores they overlap: the reader thread hands decoded
 * segments to the tracker (reader.c), the tracker hands finished
 * connections to the analysis thread (handoff.c).  Handing them over a
 * batch at a time keeps the lock and the wake-ups to one per batch.  The
 * slots are fixed: the queue holds at most nslots batches, whatever the
 * rate, so memory does not grow when the consumer is the slower.
 */
#ifndef HSA_BATCH_QUEUE_H
#define HSA_BATCH_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct hsa_batch_queue {
	pthread_mutex_t lock;
	pthread_cond_t filled;		/* a batch is ready, or the end */
	pthread_cond_t emptied;		/* a batch was given back */
	unsigned char *slots;
	size_t slot_size;
	size_t nslots;
	size_t head;			/* next batch to consume */
	size_t ready;			/* batches ready to consume */
	bool done;			/* the producer has finished */
	bool consuming;			/* the consumer holds slots[head] */
	atomic_bool stop;		/* the consumer wants no more */
};

/* nslots batches of slot_size bytes each: 0, or -ENOMEM. */
int hsa_batch_queue_init(struct hsa_batch_queue *q, size_t nslots,
    size_t slot_size);
void hsa_batch_queue_destroy(struct hsa_batch_queue *q);

/* Producer: the slot to fill next, waiting while every slot is full; NULL
 * once the consumer has stopped the queue. */
void *hsa_batch_queue_claim(struct hsa_batch_queue *q);
/* Producer: hand the claimed slot over (filled false: it holds nothing and
 * is not handed over), and say whether this is the end. */
void hsa_batch_queue_publish(struct hsa_batch_queue *q, bool filled, bool end);
/* Producer: wait until the consumer has given back every batch. */
void hsa_batch_queue_wait_empty(struct hsa_batch_queue *q);

/* Consumer: give back the previous batch and take the next, waiting for
 * one; NULL at the end. */
void *hsa_batch_queue_take(struct hsa_batch_queue *q);
/* Consumer: ask the producer to hand over no more. */
void hsa_batch_queue_stop(struct hsa_batch_queue *q);

static inline bool hsa_batch_queue_stopped(struct hsa_batch_queue *q)
{
	return atomic_load_explicit(&q->stop, memory_order_relaxed);
}

#endif
