/*
 * test_handoff.c - unit tests of the analysis thread (hsa_handoff.h) and
 * its batch queue (batch_queue.h): connections and progress arrive on the
 * analysis thread in the order they were queued, each with its own time;
 * hsa_handoff_drain() returns only once everything queued was analysed; a
 * flush reaches after_batch() after the connections queued before it; a
 * failure reported by after_batch() stops the analysis after that batch,
 * and the tracker's side never waits on it.  (That the reports are the
 * same with and without the thread: tests/threads.sh.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_handoff.h"

#define MAX_SEEN	5000

/* What the analysis thread saw: ids of connections, or -horizon. */
struct seen {
	int64_t what[MAX_SEEN];
	int64_t when[MAX_SEEN];
	size_t n;
	size_t batches;
	size_t flushes;
	size_t n_at_flush;	/* what had been seen at the last flush */
	size_t fail_after;	/* after_batch fails once this many seen (0: never) */
};

static void seen_connection(void *ctx, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now)
{
	struct seen *s = ctx;

	assert_int_equal(v->close, c->id % HSA_CLOSE_COUNT);
	assert_true(s->n < MAX_SEEN);
	s->what[s->n] = (int64_t)c->id;
	s->when[s->n++] = now;
}

static void seen_progress(void *ctx, int64_t horizon)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_SEEN);
	s->what[s->n] = -horizon;
	s->when[s->n++] = 0;
}

static bool seen_batch(void *ctx, bool flush)
{
	struct seen *s = ctx;

	s->batches++;
	if (flush) {
		s->flushes++;
		s->n_at_flush = s->n;
	}
	return !s->fail_after || s->n < s->fail_after;
}

static struct hsa_handoff *start(struct seen *s)
{
	const struct hsa_handoff_ops ops = {
		.connection = seen_connection,
		.progress = seen_progress,
		.after_batch = seen_batch,
		.ctx = s,
	};
	struct hsa_handoff *h;

	memset(s, 0, sizeof(*s));
	h = hsa_handoff_start(&ops);
	assert_non_null(h);
	return h;
}

static void send(struct hsa_handoff *h, uint64_t id)
{
	struct hsa_conn c;
	struct hsa_verdict v;

	memset(&c, 0, sizeof(c));
	memset(&v, 0, sizeof(v));
	c.id = id;
	v.close = (enum hsa_close_kind)(id % HSA_CLOSE_COUNT);
	hsa_handoff_connection(h, &c, &v, (int64_t)id * 10);
}

/* 3000 connections, progress after every seventh: all of them, in order,
 * each with its own time, across many batches. */
static void order_kept(void **state)
{
	static struct seen s;
	struct hsa_handoff *h = start(&s);
	size_t i, k = 0;
	uint64_t id;

	(void)state;
	for (id = 1; id <= 3000; id++) {
		send(h, id);
		if (id % 7 == 0)
			hsa_handoff_progress(h, (int64_t)id * 10 + 5);
	}
	hsa_handoff_finish(h);
	assert_int_equal(s.n, 3000 + 3000 / 7);
	for (id = 1; id <= 3000; id++) {
		assert_int_equal(s.what[k], (int64_t)id);
		assert_int_equal(s.when[k++], (int64_t)id * 10);
		if (id % 7 == 0)
			assert_int_equal(s.what[k++], -((int64_t)id * 10 + 5));
	}
	for (i = 0; i < s.n; i++)
		assert_true(s.what[i] != 0);
	assert_int_equal(s.flushes, 0);
}

/* Three connections: not handed over until a batch fills, a flush, a
 * drain or the end; a flush comes after them; a drain returns once they
 * are analysed. */
static void flush_and_drain(void **state)
{
	static struct seen s;
	struct hsa_handoff *h = start(&s);

	(void)state;
	hsa_handoff_drain(h);		/* nothing queued: returns */
	assert_int_equal(s.n, 0);
	send(h, 1);
	send(h, 2);
	send(h, 3);
	hsa_handoff_flush(h);
	hsa_handoff_drain(h);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.flushes, 1);
	assert_int_equal(s.n_at_flush, 3);
	hsa_handoff_flush(h);		/* nothing queued: still a flush */
	hsa_handoff_drain(h);
	assert_int_equal(s.flushes, 2);
	assert_int_equal(s.n_at_flush, 3);
	send(h, 4);
	hsa_handoff_drain(h);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.what[3], 4);
	assert_int_equal(s.flushes, 2);
	assert_false(hsa_handoff_failed(h));
	hsa_handoff_finish(h);
	assert_int_equal(s.n, 4);
}

/* after_batch() fails after the first full batch: nothing after it is
 * analysed, the failure is seen, and queueing many more never blocks. */
static void failure_stops(void **state)
{
	static struct seen s;
	struct hsa_handoff *h = start(&s);
	uint64_t id;

	(void)state;
	s.fail_after = HSA_HANDOFF_BATCH;
	for (id = 1; id <= 40 * HSA_HANDOFF_BATCH; id++)
		send(h, id);
	hsa_handoff_drain(h);
	assert_true(hsa_handoff_failed(h));
	assert_int_equal(s.n, HSA_HANDOFF_BATCH);
	assert_int_equal(s.batches, 1);
	assert_int_equal(s.what[HSA_HANDOFF_BATCH - 1], HSA_HANDOFF_BATCH);
	hsa_handoff_finish(h);
	assert_int_equal(s.n, HSA_HANDOFF_BATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_kept),
		cmocka_unit_test(flush_and_drain),
		cmocka_unit_test(failure_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
