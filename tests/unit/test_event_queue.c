/*
 * test_event_queue.c - unit tests for the ring-and-heap event queue
 * (src/event_queue.c): events come out earliest first whatever the order
 * they went in, across the ring's wrap-around and its growth while
 * wrapped; a failed growth leaves the queue as it was.
 *
 * realloc() is wrapped (-Wl,--wrap=realloc, tests/unit/local.mk) so that
 * a test can make the next growth fail.
 */
#include "config.h"

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "event_queue.h"

/* The first ring and heap hold this many; growth doubles them. */
#define FIRST_CAP 1024

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static int fail_reallocs;	/* the next this many fail */
static int reallocs;		/* calls, failed or not */

void *__wrap_realloc(void *ptr, size_t size)
{
	reallocs++;
	if (fail_reallocs > 0) {
		fail_reallocs--;
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(ptr, size);
}

static void push(struct hsa_event_queue *q, int64_t t, uint32_t iv)
{
	struct hsa_event e = { t, iv, 0 };

	assert_int_equal(hsa_event_queue_push(q, &e), 0);
}

/* Pop one event: it is at t (and, when iv is not UINT32_MAX, about iv). */
static void pop(struct hsa_event_queue *q, int64_t t, uint32_t iv)
{
	const struct hsa_event *e = hsa_event_queue_peek(q);

	assert_non_null(e);
	assert_int_equal(e->t, t);
	if (iv != UINT32_MAX)
		assert_int_equal(e->iv, iv);
	hsa_event_queue_pop(q);
}

static void empty_queue_has_nothing(void **state)
{
	struct hsa_event_queue q;

	(void)state;
	hsa_event_queue_init(&q);
	assert_null(hsa_event_queue_peek(&q));
	assert_int_equal(hsa_event_queue_len(&q), 0);
	hsa_event_queue_free(&q);
}

/* Equal times keep the order they came in, and a slightly late event is
 * slid into place: all in the ring, none in the heap. */
static void in_order_and_slightly_late_stay_in_the_ring(void **state)
{
	struct hsa_event_queue q;

	(void)state;
	hsa_event_queue_init(&q);
	push(&q, 10, 1);
	push(&q, 20, 2);
	push(&q, 20, 3);
	push(&q, 30, 4);
	push(&q, 15, 5);	/* slid back past 3 */
	push(&q, 5, 6);		/* slid to the head */
	assert_int_equal(q.n, 6);
	assert_int_equal(q.nheap, 0);
	pop(&q, 5, 6);
	pop(&q, 10, 1);
	pop(&q, 15, 5);
	pop(&q, 20, 2);
	pop(&q, 20, 3);
	pop(&q, 30, 4);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

/* An event that would have to pass more than HSA_EVENT_QUEUE_SLIDE
 * events of the ring goes to the heap; the two heads are merged. */
static void far_late_events_go_to_the_heap(void **state)
{
	struct hsa_event_queue q;
	int i;

	(void)state;
	hsa_event_queue_init(&q);
	/* 100, 102, ..., 100 + 2 * (SLIDE + 1) */
	for (i = 0; i < HSA_EVENT_QUEUE_SLIDE + 2; i++)
		push(&q, 100 + 2 * i, (uint32_t)i);
	/* 101 would pass SLIDE + 1: to the heap */
	push(&q, 101, 1000);
	/* 103 passes SLIDE: slid into the ring */
	push(&q, 103, 1001);
	push(&q, 1, 1002);
	assert_int_equal(q.nheap, 2);
	assert_int_equal(q.n, HSA_EVENT_QUEUE_SLIDE + 3);
	assert_int_equal(hsa_event_queue_len(&q), HSA_EVENT_QUEUE_SLIDE + 5);
	pop(&q, 1, 1002);
	pop(&q, 100, 0);
	pop(&q, 101, 1000);
	pop(&q, 102, 1);
	pop(&q, 103, 1001);
	for (i = 2; i < HSA_EVENT_QUEUE_SLIDE + 2; i++)
		pop(&q, 100 + 2 * i, (uint32_t)i);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

/* The ring's tail has wrapped round to the start of the array (1024
 * events of room, the head moved on to 1020): a late event slides back
 * past the array's start and on past its end, and one slides exactly
 * HSA_EVENT_QUEUE_SLIDE back; equal times keep their order. */
static void a_late_event_slides_back_across_the_rings_end(void **state)
{
	struct hsa_event_queue q;
	int i;

	(void)state;
	hsa_event_queue_init(&q);
	for (i = 0; i < 1024; i++)
		push(&q, 10 * i, (uint32_t)i);
	for (i = 0; i < 1020; i++)
		pop(&q, 10 * i, (uint32_t)i);
	/* 10200 .. 10230 at the array's end, 10240 .. 10290 at its start */
	for (i = 1024; i < 1030; i++)
		push(&q, 10 * i, (uint32_t)i);
	assert_int_equal(q.head, 1020);
	/* after 10210: past 10220 and 10230 (the end) and 10240 .. 10290 */
	push(&q, 10215, 2000);
	/* after 10200: past 10210, 10215, 10220, ..., 10290, 10 of them */
	push(&q, 10200, 2001);
	assert_int_equal(q.nheap, 0);
	pop(&q, 10200, 1020);
	pop(&q, 10200, 2001);
	pop(&q, 10210, 1021);
	pop(&q, 10215, 2000);
	for (i = 1022; i < 1030; i++)
		pop(&q, 10 * i, (uint32_t)i);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

/* Exactly HSA_EVENT_QUEUE_SLIDE later events are passed in the ring, one
 * more sends the event to the heap; both come out in order. */
static void a_slide_of_exactly_the_limit_stays_in_the_ring(void **state)
{
	struct hsa_event_queue q;
	int i;

	(void)state;
	hsa_event_queue_init(&q);
	for (i = 0; i <= HSA_EVENT_QUEUE_SLIDE; i++)
		push(&q, 10 * (i + 1), (uint32_t)i);
	/* passes 20 .. 10 * (SLIDE + 1): SLIDE of them */
	push(&q, 15, 100);
	assert_int_equal(q.nheap, 0);
	/* would pass 15 and all those: to the heap */
	push(&q, 12, 101);
	assert_int_equal(q.nheap, 1);
	pop(&q, 10, 0);
	pop(&q, 12, 101);
	pop(&q, 15, 100);
	for (i = 1; i <= HSA_EVENT_QUEUE_SLIDE; i++)
		pop(&q, 10 * (i + 1), (uint32_t)i);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

/* The ring fills while its head has moved on (the events wrap around the
 * end of the array), then grows: the order from the head still holds. */
static void growth_while_wrapped_keeps_the_order(void **state)
{
	struct hsa_event_queue q;
	int64_t next_in = 0, next_out = 0;
	int i;

	(void)state;
	hsa_event_queue_init(&q);
	for (i = 0; i < FIRST_CAP; i++)
		push(&q, next_in++, 0);
	for (i = 0; i < FIRST_CAP / 2 + 7; i++)
		pop(&q, next_out++, UINT32_MAX);
	for (i = 0; i < FIRST_CAP / 2 + 7; i++)
		push(&q, next_in++, 0);
	/* full and wrapped: head 519 of 1024 */
	assert_int_equal(q.ring_cap, FIRST_CAP);
	assert_int_equal(q.n, FIRST_CAP);
	assert_int_equal(q.head, FIRST_CAP / 2 + 7);
	for (i = 0; i < 3 * FIRST_CAP; i++)
		push(&q, next_in++, 0);
	assert_int_equal(q.ring_cap, 4 * FIRST_CAP);
	assert_int_equal(q.nheap, 0);
	while (next_out < next_in)
		pop(&q, next_out++, UINT32_MAX);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

/* Any order in: earliest first out.  A fixed pseudo-random sequence of
 * times, pushed and popped in turns, checked against a count of each. */
static void any_order_comes_out_sorted(void **state)
{
	enum { N = 20000, SPAN = 5000 };
	static int pending[SPAN];
	struct hsa_event_queue q;
	uint64_t x = 88172645463325252ULL;
	int64_t last = -1, t;
	int i, in = 0, out = 0;

	(void)state;
	hsa_event_queue_init(&q);
	for (i = 0; i < N; i++) {
		/* xorshift64: times near a slowly moving base */
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		t = i / 8 + (int64_t)(x % 200);
		if (t >= SPAN)
			t = SPAN - 1;
		/* never earlier than what already came out */
		if (t < last)
			t = last;
		push(&q, t, (uint32_t)i);
		pending[t]++;
		in++;
		if (i % 3 == 2) {
			const struct hsa_event *e = hsa_event_queue_peek(&q);

			assert_true(e->t >= last);
			last = e->t;
			assert_true(pending[last] > 0);
			pending[last]--;
			hsa_event_queue_pop(&q);
			out++;
		}
	}
	assert_true(q.nheap > 0);	/* both parts were used */
	while (hsa_event_queue_peek(&q)) {
		const struct hsa_event *e = hsa_event_queue_peek(&q);

		assert_true(e->t >= last);
		last = e->t;
		assert_true(pending[last] > 0);
		pending[last]--;
		hsa_event_queue_pop(&q);
		out++;
	}
	assert_int_equal(out, in);
	for (i = 0; i < SPAN; i++)
		assert_int_equal(pending[i], 0);
	hsa_event_queue_free(&q);
}

/* Growth that fails: -ENOMEM, and the queue holds what it held. */
static void failed_growth_leaves_the_queue_as_it_was(void **state)
{
	struct hsa_event_queue q;
	struct hsa_event e = { 5000, 7, 0 };
	int i;

	(void)state;
	hsa_event_queue_init(&q);
	/* the ring full, its events wrapped around the end of the array */
	for (i = 0; i < FIRST_CAP; i++)
		push(&q, i, 0);
	for (i = 0; i < 10; i++)
		pop(&q, i, 0);
	for (i = 0; i < 10; i++)
		push(&q, FIRST_CAP + i, 0);
	assert_int_equal(q.n, FIRST_CAP);
	assert_int_equal(q.ring_cap, FIRST_CAP);
	/* push more into the ring: it cannot grow */
	fail_reallocs = 1;
	assert_int_equal(hsa_event_queue_push(&q, &e), -ENOMEM);
	/* a first event into the heap: it cannot be made */
	e.t = 0;
	fail_reallocs = 1;
	assert_int_equal(hsa_event_queue_push(&q, &e), -ENOMEM);
	fail_reallocs = 0;
	assert_int_equal(hsa_event_queue_len(&q), FIRST_CAP);
	assert_int_equal(q.nheap, 0);
	for (i = 10; i < FIRST_CAP + 10; i++)
		pop(&q, i, 0);
	assert_null(hsa_event_queue_peek(&q));
	hsa_event_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_queue_has_nothing),
		cmocka_unit_test(in_order_and_slightly_late_stay_in_the_ring),
		cmocka_unit_test(far_late_events_go_to_the_heap),
		cmocka_unit_test(a_late_event_slides_back_across_the_rings_end),
		cmocka_unit_test(a_slide_of_exactly_the_limit_stays_in_the_ring),
		cmocka_unit_test(growth_while_wrapped_keeps_the_order),
		cmocka_unit_test(any_order_comes_out_sorted),
		cmocka_unit_test(failed_growth_leaves_the_queue_as_it_was),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
