/*
 * event_queue.c - the ring-and-heap event queue of event_queue.h.
 *
 * The ring holds events in time order from its head; its tail is the
 * latest queued.  The heap holds the ones that came too far out of order
 * to be slid into the ring.  The earliest event is the earlier of the two
 * heads.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "event_queue.h"

#define FIRST_CAP 1024

void hsa_event_queue_init(struct hsa_event_queue *q)
{
	memset(q, 0, sizeof(*q));
}

void hsa_event_queue_free(struct hsa_event_queue *q)
{
	free(q->ring);
	free(q->heap);
	hsa_event_queue_init(q);
}

static struct hsa_event *ring_at(const struct hsa_event_queue *q, size_t i)
{
	return hsa_event_queue_ring_at(q, i);
}

/* Twice the ring, the wrapped part moved after the rest so that the order
 * from head still holds. */
static int ring_grow(struct hsa_event_queue *q)
{
	size_t cap = q->ring_cap ? q->ring_cap * 2 : FIRST_CAP, wrapped;
	struct hsa_event *r;

	if (cap > SIZE_MAX / sizeof(*r) || !(r = realloc(q->ring, cap * sizeof(*r))))
		return -ENOMEM;
	if (q->head + q->n > q->ring_cap) {
		wrapped = q->head + q->n - q->ring_cap;
		memcpy(&r[q->ring_cap], r, wrapped * sizeof(*r));
	}
	q->ring = r;
	q->ring_cap = cap;
	return 0;
}

/* hsa_event_queue_reserve() without the room. */
int hsa_event_queue_grow(struct hsa_event_queue *q, size_t more)
{
	while (q->ring_cap - q->n < more)
		if (ring_grow(q) != 0)
			return -ENOMEM;
	return 0;
}

static int heap_push(struct hsa_event_queue *q, const struct hsa_event *e)
{
	size_t i, parent;

	if (q->nheap == q->heap_cap) {
		size_t cap = q->heap_cap ? q->heap_cap * 2 : FIRST_CAP;
		struct hsa_event *h;

		if (cap > SIZE_MAX / sizeof(*h) ||
		    !(h = realloc(q->heap, cap * sizeof(*h))))
			return -ENOMEM;
		q->heap = h;
		q->heap_cap = cap;
	}
	for (i = q->nheap++; i > 0; i = parent) {
		parent = (i - 1) / 2;
		if (e->t >= q->heap[parent].t)
			break;
		q->heap[i] = q->heap[parent];
	}
	q->heap[i] = *e;
	return 0;
}

/* hsa_event_queue_pop() of the heap's top. */
void hsa_event_queue_pop_heap(struct hsa_event_queue *q)
{
	struct hsa_event last = q->heap[--q->nheap];
	size_t i = 0, child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= q->nheap)
			break;
		if (child + 1 < q->nheap && q->heap[child + 1].t < q->heap[child].t)
			child++;
		if (q->heap[child].t >= last.t)
			break;
		q->heap[i] = q->heap[child];
		i = child;
	}
	if (q->nheap)
		q->heap[i] = last;
}

/* hsa_event_queue_push() of an event out of order, or without room. */
int hsa_event_queue_insert(struct hsa_event_queue *q, const struct hsa_event *e)
{
	size_t k;

	/* In order, or slid back past a few later ones: into the ring. */
	for (k = q->n; k > 0 && q->n - k < HSA_EVENT_QUEUE_SLIDE; k--)
		if (ring_at(q, k - 1)->t <= e->t)
			break;
	if (k == 0 ? q->n <= HSA_EVENT_QUEUE_SLIDE : ring_at(q, k - 1)->t <= e->t) {
		size_t i;

		if (q->n == q->ring_cap && ring_grow(q) != 0)
			return -ENOMEM;
		for (i = q->n; i > k; i--)
			*ring_at(q, i) = *ring_at(q, i - 1);
		*ring_at(q, k) = *e;
		q->n++;
		return 0;
	}
	return heap_push(q, e);
}
