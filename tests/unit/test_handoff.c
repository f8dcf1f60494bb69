/*
 * test_handoff.c - unit tests of the handoff to the analysing thread
 * (hsa_handoff.h) and of the batch queues (batch_queue.h): connections and
 * progress arrive on the analysing thread in the order they were queued,
 * each with its own time; hsa_handoff_drain() returns only once everything
 * queued was analysed; a flush reaches after_batch() after the
 * connections queued before it; a failure reported by after_batch() stops
 * the analysis after that batch, and the tracker's side never waits on it.
 * Two queues, one each way between two threads that share a lock, as the
 * worker and the tracker use them (reader.c): everything arrives in order
 * on both, with the smallest queues, and after a stop of one the other
 * still runs to its end.  (That the reports are the same with and without
 * the worker thread: tests/threads.sh.)
 */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "batch_queue.h"
#include "hsa_handoff.h"

#define MAX_SEEN	5000

/* What the analysing thread saw: ids of connections, or -horizon. */
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

/* A handoff served on a thread of its own, as the worker serves it. */
struct rig {
	struct hsa_batch_sync sync;
	struct hsa_handoff *h;
	pthread_t thread;
};

static void *serve_all(void *arg)
{
	struct hsa_handoff *h = arg;

	while (hsa_handoff_serve(h))
		;
	return NULL;
}

static struct hsa_handoff *start(struct rig *r, struct seen *s)
{
	const struct hsa_handoff_ops ops = {
		.connection = seen_connection,
		.progress = seen_progress,
		.after_batch = seen_batch,
		.ctx = s,
	};

	memset(s, 0, sizeof(*s));
	hsa_batch_sync_init(&r->sync);
	r->h = hsa_handoff_new(&ops, &r->sync, 1);
	assert_non_null(r->h);
	assert_int_equal(pthread_create(&r->thread, NULL, serve_all, r->h), 0);
	return r->h;
}

static void finish(struct rig *r)
{
	hsa_handoff_end(r->h);
	assert_int_equal(pthread_join(r->thread, NULL), 0);
	hsa_handoff_free(r->h);
	hsa_batch_sync_destroy(&r->sync);
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
	struct rig r;
	struct hsa_handoff *h = start(&r, &s);
	size_t i, k = 0;
	uint64_t id;

	(void)state;
	for (id = 1; id <= 3000; id++) {
		send(h, id);
		if (id % 7 == 0)
			hsa_handoff_progress(h, (int64_t)id * 10 + 5);
	}
	finish(&r);
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
	struct rig r;
	struct hsa_handoff *h = start(&r, &s);

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
	finish(&r);
	assert_int_equal(s.n, 4);
}

/* after_batch() fails after the first full batch: nothing after it is
 * analysed, the failure is seen, and queueing many more never blocks. */
static void failure_stops(void **state)
{
	static struct seen s;
	struct rig r;
	struct hsa_handoff *h = start(&r, &s);
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
	finish(&r);
	assert_int_equal(s.n, HSA_HANDOFF_BATCH);
}

/* Two queues of two slots each, one each way, sharing one sync: the
 * worker sends N numbered batches out and takes replies in; the main
 * thread takes each batch and replies with its number twice.  stop_at:
 * the main thread stops the outgoing queue after that many batches. */
#define TWO_WAY_N	5000

struct two_way {
	struct hsa_batch_sync sync;
	struct hsa_batch_queue out, in;	/* the worker's */
	unsigned sent, replies, bad;
};

static void *two_way_worker(void *arg)
{
	struct two_way *w = arg;
	bool sending = true, taking = true;
	unsigned *b;
	size_t backlog;
	int turn;

	while (sending || taking) {
		turn = hsa_batch_queue_wait_either(sending ? &w->out : NULL,
		    taking ? &w->in : NULL, &backlog);
		if (backlog > w->out.nslots)
			w->bad++;
		if (turn & HSA_BQ_READY) {
			if (!(b = hsa_batch_queue_take(&w->in))) {
				taking = false;
				continue;
			}
			if (b[0] != w->replies / 2 + 1)
				w->bad++;
			w->replies++;
			hsa_batch_queue_give_back(&w->in);
		} else if (turn & HSA_BQ_ROOM) {
			if (!(b = hsa_batch_queue_claim(&w->out))) {
				sending = false;
				continue;
			}
			b[0] = ++w->sent;
			hsa_batch_queue_publish(&w->out, true,
			    w->sent == TWO_WAY_N);
			sending = w->sent < TWO_WAY_N;
		} else
			w->bad++;
	}
	return NULL;
}

static void two_way_run(unsigned stop_at, unsigned *taken, struct two_way *w)
{
	pthread_t t;
	unsigned *b, *reply;
	unsigned expect = 1;

	memset(w, 0, sizeof(*w));
	hsa_batch_sync_init(&w->sync);
	assert_int_equal(hsa_batch_queue_init_shared(&w->out, 2,
	    sizeof(unsigned), &w->sync, 0), 0);
	assert_int_equal(hsa_batch_queue_init_shared(&w->in, 2,
	    sizeof(unsigned), &w->sync, 1), 0);
	w->out.producer_wake = 2;	/* as the reader's: sleep till both are free */
	assert_int_equal(pthread_create(&t, NULL, two_way_worker, w), 0);
	*taken = 0;
	while ((b = hsa_batch_queue_take(&w->out))) {
		assert_int_equal(b[0], expect++);
		++*taken;
		for (int k = 0; k < 2; k++) {
			reply = hsa_batch_queue_claim(&w->in);
			assert_non_null(reply);
			reply[0] = b[0];
			hsa_batch_queue_publish(&w->in, true, false);
		}
		if (*taken == stop_at) {
			hsa_batch_queue_stop(&w->out);
			while (hsa_batch_queue_take(&w->out))
				;	/* what the worker had sent, dropped */
			break;
		}
	}
	hsa_batch_queue_publish(&w->in, false, true);
	hsa_batch_queue_wait_empty(&w->in);
	assert_int_equal(pthread_join(t, NULL), 0);
	hsa_batch_queue_destroy(&w->out);
	hsa_batch_queue_destroy(&w->in);
	hsa_batch_sync_destroy(&w->sync);
}

static void two_way_in_order(void **state)
{
	static struct two_way w;
	unsigned taken;

	(void)state;
	two_way_run(0, &taken, &w);
	assert_int_equal(taken, TWO_WAY_N);
	assert_int_equal(w.sent, TWO_WAY_N);
	assert_int_equal(w.replies, 2 * TWO_WAY_N);
	assert_int_equal(w.bad, 0);
}

static void two_way_stop(void **state)
{
	static struct two_way w;
	unsigned taken;

	(void)state;
	two_way_run(100, &taken, &w);
	assert_int_equal(taken, 100);
	/* The worker sent at most two more than were taken (the slots)
	 * plus the one it was filling, and every reply came back. */
	assert_in_range(w.sent, 100, 103);
	assert_int_equal(w.replies, 200);
	assert_int_equal(w.bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(order_kept),
		cmocka_unit_test(flush_and_drain),
		cmocka_unit_test(failure_stops),
		cmocka_unit_test(two_way_in_order),
		cmocka_unit_test(two_way_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
