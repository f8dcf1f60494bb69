/*
 * event_queue.h - a queue of timed events, earliest first, for events that
 * mostly arrive in time order: the TIME-WAIT starts and ends of the
 * pressure model (time_wait_pressure.c).
 *
 * An event no earlier than the latest queued is appended to a ring; one a
 * little earlier is slid into place near the ring's tail; the rest go to a
 * binary min-heap.  Taking the earliest compares the two heads.  So a queue
 * fed in order costs a few instructions an event, and one fed in any order
 * still costs no more than a heap (log n), never a long shift.
 */
#ifndef HSA_EVENT_QUEUE_H
#define HSA_EVENT_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct hsa_event {
	int64_t t;
	uint32_t iv;		/* what it is about: the caller's index */
	uint32_t gen;		/* the caller's check that it still holds */
};

struct hsa_event_queue {
	struct hsa_event *ring;	/* in time order from head, wrapping */
	size_t ring_cap;	/* 0 or a power of two */
	size_t head;
	size_t n;
	struct hsa_event *heap;	/* the events that came out of order */
	size_t nheap;
	size_t heap_cap;
};

/* How far back into the ring an event may be slid before it goes to the
 * heap instead. */
#define HSA_EVENT_QUEUE_SLIDE 16

void hsa_event_queue_init(struct hsa_event_queue *q);
void hsa_event_queue_free(struct hsa_event_queue *q);

/* Queue e.  Returns 0, or -ENOMEM with the queue as it was. */
int hsa_event_queue_push(struct hsa_event_queue *q, const struct hsa_event *e);

/* Make room in the ring for more events, so that pushing that many, each
 * no earlier than the latest in the ring, cannot fail.  Returns 0, or
 * -ENOMEM with the queue as it was (perhaps with some more room). */
int hsa_event_queue_reserve(struct hsa_event_queue *q, size_t more);

/* The earliest event (of equal times, any one), NULL when empty. */
const struct hsa_event *hsa_event_queue_peek(const struct hsa_event_queue *q);

/* Remove the event hsa_event_queue_peek() returned; q is not empty. */
void hsa_event_queue_pop(struct hsa_event_queue *q);

static inline size_t hsa_event_queue_len(const struct hsa_event_queue *q)
{
	return q->n + q->nheap;
}

#endif
