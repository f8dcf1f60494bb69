/*
 * batch_queue.h - a bounded queue of batches between two threads: one
 * producer, one consumer, in order.
 *
 * Reading a file, two threads share the work (hsa_reader.h): the worker
 * reads and decodes segments and hands them to the tracker a batch at a
 * time; the tracker hands the connections it reports back to the worker,
 * which analyses them, through a second queue (handoff.c).  Handing them
 * over a batch at a time keeps the lock and the wake-ups to one per batch
 * at most.  The slots are fixed: the queue holds at most nslots batches,
 * whatever the rate, so memory does not grow when the consumer is the
 * slower.
 *
 * A queue's lock and condition variables are its owner's (struct
 * hsa_batch_sync), so that two queues between the same two threads, one
 * each way, share them: a thread that is the producer of one and the
 * consumer of the other then waits for either
 * (hsa_batch_queue_wait_either()).
 */
#ifndef HSA_BATCH_QUEUE_H
#define HSA_BATCH_QUEUE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

/* A lock and a condition variable for each of two threads. */
struct hsa_batch_sync {
	pthread_mutex_t lock;
	pthread_cond_t cv[2];
};

void hsa_batch_sync_init(struct hsa_batch_sync *s);
void hsa_batch_sync_destroy(struct hsa_batch_sync *s);

struct hsa_batch_queue {
	struct hsa_batch_sync *sync;	/* its owner's */
	pthread_cond_t *filled;		/* the consumer waits on it */
	pthread_cond_t *emptied;	/* the producer waits on it */
	unsigned char *slots;
	size_t slot_size;
	size_t nslots;
	size_t head;			/* next batch to consume */
	size_t ready;			/* batches ready to consume */
	/* A waiting producer is woken once there is room for this many
	 * batches: 1 unless the owner sets more, for a producer that may as
	 * well sleep longer and wake less often. */
	size_t producer_wake;
	bool done;			/* the producer has finished */
	bool consuming;			/* the consumer holds slots[head] */
	bool consumer_waits;		/* ... for a batch */
	enum {
		HSA_BQ_NOT_WAITING,
		HSA_BQ_WAITS_ROOM,	/* claim(), wait_either() */
		HSA_BQ_WAITS_EMPTY,	/* wait_empty() */
	} producer_waits;
	atomic_bool stop;		/* the consumer wants no more */
};

/* nslots batches of slot_size bytes each, with s's lock (s outlives the
 * queue); the producer waits on s->cv[producer], the consumer on the
 * other.  0, or -ENOMEM. */
int hsa_batch_queue_init_shared(struct hsa_batch_queue *q, size_t nslots,
    size_t slot_size, struct hsa_batch_sync *s, int producer);
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
/* Consumer: give back the batch taken, at once. */
void hsa_batch_queue_give_back(struct hsa_batch_queue *q);
/* Consumer: ask the producer to hand over no more. */
void hsa_batch_queue_stop(struct hsa_batch_queue *q);

static inline bool hsa_batch_queue_stopped(struct hsa_batch_queue *q)
{
	return atomic_load_explicit(&q->stop, memory_order_relaxed);
}

/* What wait_either() found: room in out (or out stopped, so that claim()
 * returns at once), a batch ready in in (or its end). */
enum {
	HSA_BQ_ROOM = 1,
	HSA_BQ_READY = 2,
};

/* The producer of out and consumer of in, two queues sharing one sync
 * (either may be NULL: left out): wait until out has room or in has a
 * batch (or its end) and say which, as HSA_BQ_ROOM | HSA_BQ_READY; 0 when
 * both are NULL.  Out's ready batches, how much work the other thread has
 * in hand, go in *backlog (0 without out). */
int hsa_batch_queue_wait_either(struct hsa_batch_queue *out,
    struct hsa_batch_queue *in, size_t *backlog);

#endif
