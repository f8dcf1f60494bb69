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

/* hsa_event_queue_push() of an event out of order, or without room.
 * This runs for most events of a queue fed a little out of order (the
 * pressure model's starts when the tracker's last reports come in id
 * order), so the ring is walked once, from the tail, moving the later
 * events up as it goes. */
int hsa_event_queue_insert(struct hsa_event_queue *q, const struct hsa_event *e)
{
	size_t least = q->n > HSA_EVENT_QUEUE_SLIDE ? q->n - HSA_EVENT_QUEUE_SLIDE : 0;
	size_t mask, slide, k, j, prev;
	const struct hsa_event ev = *e;	/* read once, not after each move */
	struct hsa_event *r;

	/* Earlier than the one before the last SLIDE (the ring is in order):
	 * it would slide too far, so it goes to the heap. */
	if (least > 0 && hsa_event_queue_ring_at(q, least - 1)->t > ev.t)
		return heap_push(q, &ev);
	if (q->n == q->ring_cap && ring_grow(q) != 0)
		return -ENOMEM;
	mask = q->ring_cap - 1;
	slide = q->n - least;
	j = (q->head + q->n) & mask;
	/* Slid back past the later ones, at most slide of them; the ring's
	 * end is in the way only now and then. */
	if (j >= slide) {
		struct hsa_event *at = &q->ring[j], *stop = at - slide;

		for (; at > stop && at[-1].t > ev.t; at--)
			at[0] = at[-1];
		*at = ev;
	} else {
		r = q->ring;
		for (k = slide; k > 0; k--, j = prev) {
			prev = (j - 1) & mask;
			if (r[prev].t <= ev.t)
				break;
			r[j] = r[prev];
		}
		r[j] = ev;
	}
	q->n++;
	return 0;
}
