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

#include <stdbool.h>
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

/* The slow paths of the inline functions below. */
int hsa_event_queue_insert(struct hsa_event_queue *q, const struct hsa_event *e);
void hsa_event_queue_pop_heap(struct hsa_event_queue *q);

static inline struct hsa_event *hsa_event_queue_ring_at(
    const struct hsa_event_queue *q, size_t i)
{
	return &q->ring[(q->head + i) & (q->ring_cap - 1)];
}

/* Queue e.  Returns 0, or -ENOMEM with the queue as it was. */
static inline int hsa_event_queue_push(struct hsa_event_queue *q,
    const struct hsa_event *e)
{
	/* The common case: in order, with room. */
	if (q->n && q->n < q->ring_cap &&
	    hsa_event_queue_ring_at(q, q->n - 1)->t <= e->t) {
		*hsa_event_queue_ring_at(q, q->n++) = *e;
		return 0;
	}
	return hsa_event_queue_insert(q, e);
}

/* The ring's head is the earliest (and not the heap's top). */
static inline bool hsa_event_queue_ring_first(const struct hsa_event_queue *q)
{
	return q->n && (!q->nheap || q->ring[q->head].t <= q->heap[0].t);
}

/* The earliest event (of equal times, any one), NULL when empty. */
static inline const struct hsa_event *hsa_event_queue_peek(
    const struct hsa_event_queue *q)
{
	if (hsa_event_queue_ring_first(q))
		return &q->ring[q->head];
	return q->nheap ? &q->heap[0] : NULL;
}

/* Remove the event hsa_event_queue_peek() returned; q is not empty. */
static inline void hsa_event_queue_pop(struct hsa_event_queue *q)
{
	if (hsa_event_queue_ring_first(q)) {
		q->head = (q->head + 1) & (q->ring_cap - 1);
		q->n--;
	} else {
		hsa_event_queue_pop_heap(q);
	}
}

static inline size_t hsa_event_queue_len(const struct hsa_event_queue *q)
{
	return q->n + q->nheap;
}

#endif
