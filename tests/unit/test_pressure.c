/*
 * test_pressure.c - unit tests for the TIME-WAIT pressure queue
 * (time_wait_pressure.c): connections handed over as the tracker's sink
 * would, in report order, and the figures the model counts from them.
 *
 * Every expected figure is worked out in the comment beside it from the
 * schedule the test builds, not from the model's code.
 *
 * realloc() is wrapped (-Wl,--wrap=realloc, tests/unit/local.mk) so that a
 * test can make one growth of the event queues, or one new chunk of
 * intervals, fail.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "event_queue.h"
#include "hsa_pressure.h"

/* The event queues' rings start with room for 1024 events; growing one
 * asks for 2048, and a first one for 1024.  A chunk of 1024 intervals (32
 * bytes each) is as large as a grown ring. */
#define GROWN_RING (2048 * sizeof(struct hsa_event))
#define FIRST_RING (1024 * sizeof(struct hsa_event))

void *__real_realloc(void *ptr, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static size_t fail_size;	/* fail one realloc() of this size ... */
static int fail_skip;		/* ... after letting this many through */

void *__wrap_realloc(void *ptr, size_t size)
{
	if (fail_size && size == fail_size && fail_skip-- == 0) {
		fail_size = 0;
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(ptr, size);
}

#define SEC 1000000000LL
#define T0 (1700000000LL * SEC)

static struct hsa_pressure_config config(int64_t tw_ns, uint16_t lo, uint16_t hi)
{
	struct hsa_pressure_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.time_wait_ns = tw_ns;
	cfg.port_low = lo;
	cfg.port_high = hi;
	cfg.close_wait_ns = 10 * SEC;
	cfg.port_range_source = HSA_RANGE_OPTION;
	cfg.tw_reuse = -1;
	return cfg;
}

/* A connection from 192.0.2.<client> port cport to 198.51.100.<server>:80
 * opened at syn, closed by the client: its FIN at fin, the server's 1 ms
 * later (so the TIME-WAIT starts at fin + 1 ms). */
static void conn(struct hsa_conn *c, uint64_t id, uint8_t server,
    uint16_t cport, int64_t syn, int64_t fin, struct hsa_verdict *v)
{
	memset(c, 0, sizeof(*c));
	memset(v, 0, sizeof(*v));
	c->id = id;
	c->ip_version = 4;
	c->ep[HSA_CLIENT].addr.bytes[0] = 192;
	c->ep[HSA_CLIENT].addr.bytes[3] = 10;
	c->ep[HSA_CLIENT].port = cport;
	c->ep[HSA_SERVER].addr.bytes[0] = 198;
	c->ep[HSA_SERVER].addr.bytes[3] = server;
	c->ep[HSA_SERVER].port = 80;
	c->first_ts = syn;
	c->ep[HSA_CLIENT].fin.seen = true;
	c->ep[HSA_CLIENT].fin.ts = fin;
	c->ep[HSA_SERVER].fin.seen = true;
	c->ep[HSA_SERVER].fin.ts = fin + SEC / 1000;
	v->handshake = HSA_HS_COMPLETE;
	v->close = HSA_CLOSE_FIN;
	v->active_closer = HSA_WHO_CLIENT;
	v->time_wait = HSA_WHO_CLIENT;
}

static const struct hsa_tw_group *only_group(struct hsa_pressure *p)
{
	const struct hsa_tw_group *g;

	assert_int_equal(hsa_pressure_groups(p, &g), 1);
	return g;
}

/* 100 connections 10 s apart, TIME-WAIT 60 s; the odd ones are reported
 * 300 s late (a lost final ACK keeps them until the idle timeout), the
 * tracker's horizon trailing as it would.  At any start 6 are alive
 * (60 s / 10 s), whatever the report order. */
static void late_reports_keep_the_peak(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int i, j;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < 100 + 30; i++) {
		/* Reported now: the even one closed at i, and the odd one
		 * closed 30 connections (300 s) ago. */
		if (i < 100 && i % 2 == 0) {
			conn(&c, (uint64_t)i + 1, 20, (uint16_t)(40000 + i),
			    T0 + i * 10 * SEC, T0 + i * 10 * SEC + SEC / 2, &v);
			assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
		}
		j = i - 30;
		if (j >= 0 && j % 2 == 1) {
			conn(&c, (uint64_t)j + 1, 20, (uint16_t)(40000 + j),
			    T0 + j * 10 * SEC, T0 + j * 10 * SEC + SEC / 2, &v);
			assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
		}
		/* The oldest unreported TIME-WAIT start bounds the horizon. */
		j = i - 29;
		if (j % 2 == 0)
			j--;
		hsa_pressure_progress(p, T0 + (j < 0 ? 0 : j) * 10 * SEC);
	}
	assert_int_equal(hsa_pressure_finish(p, T0 + 990 * SEC + SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 100);
	assert_int_equal(g->peak, 6);
	/* first reached at the 6th start: 50 s + 0.5 s + 1 ms */
	assert_int_equal(g->peak_at, T0 + 50 * SEC + SEC / 2 + SEC / 1000);
	assert_int_equal(hsa_pressure_losses(p)->late, 0);
	assert_int_equal(hsa_pressure_losses(p)->clock_steps, 0);
	hsa_pressure_free(p);
}

/* Half-open intervals: one TIME-WAIT ending exactly when the next starts
 * is not alive with it. */
static void an_end_comes_before_a_start(void **state)
{
	struct hsa_pressure_config cfg = config(10 * SEC, 40000, 40099);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;

	(void)state;
	conn(&c, 1, 20, 40001, T0, T0, &v);
	hsa_pressure_connection(p, &c, &v, 0);
	/* starts at T0 + 1 ms + 10 s: the first one's end */
	conn(&c, 2, 20, 40002, T0 + 10 * SEC, T0 + 10 * SEC, &v);
	hsa_pressure_connection(p, &c, &v, 0);
	assert_int_equal(hsa_pressure_finish(p, T0 + 11 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->peak, 1);
	assert_int_equal(g->active_at_end, 1);
	hsa_pressure_free(p);
}

/* A SYN 5 s into a TIME-WAIT ends it there: the gap is 5 s, and a
 * TIME-WAIT starting 30 s later is then alone. */
static void a_reusing_syn_cuts_the_time_wait(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int64_t tw1 = T0 + SEC / 1000;

	(void)state;
	conn(&c, 1, 20, 45000, T0 - SEC, T0, &v);
	hsa_pressure_connection(p, &c, &v, 0);
	conn(&c, 2, 20, 45000, tw1 + 5 * SEC, T0 + 35 * SEC, &v);
	c.has_previous = true;
	c.previous_id = 1;
	hsa_pressure_connection(p, &c, &v, 0);
	assert_int_equal(hsa_pressure_finish(p, T0 + 40 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->reuse_count, 1);
	assert_int_equal(g->reuse_min_gap, 5 * SEC);
	assert_int_equal(g->peak, 1);
	hsa_pressure_free(p);
}

/* A simultaneous close: both sides hold TIME-WAIT from T0 + 1 ms (60 s).
 * A SYN 5 s in cuts both: one reuse on each side.  Both are gone then, so
 * a later connection naming the same predecessor, at T0 + 200 s, cuts
 * nothing: still one reuse each, peak 1 each. */
static void a_reuse_cuts_both_sides_once(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int64_t tw1 = T0 + SEC / 1000;
	size_t i;

	(void)state;
	conn(&c, 1, 20, 45000, T0 - SEC, T0, &v);
	v.active_closer = HSA_WHO_BOTH;
	v.time_wait = HSA_WHO_BOTH;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	conn(&c, 2, 20, 45000, tw1 + 5 * SEC, T0 + 7 * SEC, &v);
	c.has_previous = true;
	c.previous_id = 1;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	hsa_pressure_progress(p, T0 + 100 * SEC);
	conn(&c, 3, 20, 45000, T0 + 200 * SEC, T0 + 201 * SEC, &v);
	c.has_previous = true;
	c.previous_id = 1;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	assert_int_equal(hsa_pressure_finish(p, T0 + 300 * SEC), 0);
	assert_int_equal(hsa_pressure_groups(p, &g), 2);
	for (i = 0; i < 2; i++) {
		/* the client's: connections 1 to 3; the server's: 1 only */
		assert_int_equal(g[i].entries, g[i].holder == HSA_CLIENT ? 3 : 1);
		assert_int_equal(g[i].reuse_count, 1);
		assert_int_equal(g[i].reuse_min_gap, 5 * SEC);
		assert_int_equal(g[i].peak, 1);
	}
	hsa_pressure_free(p);
}

/* The clock steps back 3 h after the first connection; then 99 more, 10 s
 * apart.  Counted in one timeline they would pile up; the model restarts
 * at the step: peak 6, no reuse with a negative gap. */
static void a_clock_step_back_restarts_the_count(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int64_t back = T0 - 3 * 3600 * SEC;
	int i;

	(void)state;
	conn(&c, 1, 20, 40000, T0, T0 + SEC / 2, &v);
	hsa_pressure_connection(p, &c, &v, 0);
	hsa_pressure_progress(p, T0 + 5 * SEC);
	for (i = 1; i < 100; i++) {
		conn(&c, (uint64_t)i + 1, 20, (uint16_t)(40000 + i),
		    back + i * 10 * SEC, back + i * 10 * SEC + SEC / 2, &v);
		/* the same 4-tuple as connection 1 for the first one: a SYN
		 * "before" its TIME-WAIT began is no reuse of it */
		if (i == 1) {
			c.ep[HSA_CLIENT].port = 40000;
			c.has_previous = true;
			c.previous_id = 1;
		}
		hsa_pressure_connection(p, &c, &v, 0);
	}
	assert_int_equal(hsa_pressure_finish(p, back + 1000 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->peak, 6);
	assert_int_equal(g->reuse_count, 0);
	assert_int_equal(hsa_pressure_losses(p)->clock_steps, 1);
	assert_true(g->rate >= 0);
	hsa_pressure_free(p);
}

/* A TIME-WAIT starting near the end of representable time ends there
 * instead of overflowing, and is counted as saturated. */
static void a_late_start_saturates(void **state)
{
	struct hsa_pressure_config cfg = config(1000000000LL * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;

	(void)state;
	conn(&c, 1, 20, 40000, INT64_MAX - 3 * SEC, INT64_MAX - 2 * SEC, &v);
	hsa_pressure_connection(p, &c, &v, 0);
	assert_int_equal(hsa_pressure_finish(p, INT64_MAX - SEC), 0);
	g = only_group(p);
	assert_int_equal(g->peak, 1);
	assert_int_equal(g->active_at_end, 1);
	assert_int_equal(hsa_pressure_losses(p)->saturated, 1);
	hsa_pressure_free(p);
}

/* Past HSA_PRESSURE_MAX_PAIRS client/server pairs, connections are not
 * counted, and the loss says how many. */
static void pairs_past_the_limit_are_counted_as_lost(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	uint32_t i;

	(void)state;
	for (i = 0; i < HSA_PRESSURE_MAX_PAIRS + 3; i++) {
		conn(&c, i + 1, 20, 40000, T0 + i, T0 + i, &v);
		/* one pair per server address */
		c.ep[HSA_SERVER].addr.bytes[1] = (uint8_t)(i >> 16);
		c.ep[HSA_SERVER].addr.bytes[2] = (uint8_t)(i >> 8);
		c.ep[HSA_SERVER].addr.bytes[3] = (uint8_t)i;
		hsa_pressure_connection(p, &c, &v, 0);
	}
	assert_int_equal(hsa_pressure_finish(p, T0 + SEC), 0);
	assert_int_equal(hsa_pressure_groups(p, &g), HSA_PRESSURE_MAX_PAIRS);
	assert_int_equal(hsa_pressure_losses(p)->pairs_full, 3);
	hsa_pressure_free(p);
}

/* The range fills: exhausted at the start that reaches its size. */
static void a_full_range_is_exhausted_at_its_time(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 40000, 40009);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int i;

	(void)state;
	for (i = 0; i < 10; i++) {
		conn(&c, (uint64_t)i + 1, 20, (uint16_t)(40000 + i),
		    T0 + i * SEC, T0 + i * SEC, &v);
		hsa_pressure_connection(p, &c, &v, 0);
	}
	assert_int_equal(hsa_pressure_finish(p, T0 + 20 * SEC), 0);
	g = only_group(p);
	assert_true(g->exhausted);
	assert_int_equal(g->exhausted_at, T0 + 9 * SEC + SEC / 1000);
	assert_false(g->exhaustion_valid);
	hsa_pressure_free(p);
}

/* A live snapshot: 3 TIME-WAITs (10 s each) started at T0, T0 + 1 s and
 * T0 + 2 s, the horizon at T0 + 10 s + 1 ms (the first one ended at T0 + 10 s):
 * one group, 3 entries, peak 3, 2 alive now.  It ends nothing: finishing at
 * T0 + 20 s afterwards gives the same entries and peak, none alive. */
static void a_snapshot_builds_the_groups_without_ending_anything(void **state)
{
	struct hsa_pressure_config cfg = config(10 * SEC, 40000, 40099);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		/* the TIME-WAIT starts at the server's FIN: + 1 ms */
		conn(&c, (uint64_t)i + 1, 20, (uint16_t)(40001 + i),
		    T0 + i * SEC - SEC / 1000, T0 + i * SEC - SEC / 1000, &v);
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	}
	hsa_pressure_progress(p, T0 + 10 * SEC + SEC / 1000);
	assert_int_equal(hsa_pressure_snapshot(p), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 3);
	assert_int_equal(g->peak, 3);
	assert_int_equal(g->active_at_end, 2);
	assert_true(g->client_side);
	assert_false(g->exhausted);
	assert_int_equal(hsa_pressure_finish(p, T0 + 20 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 3);
	assert_int_equal(g->peak, 3);
	assert_int_equal(g->active_at_end, 0);
	/* after the end, a snapshot changes nothing */
	assert_int_equal(hsa_pressure_snapshot(p), 0);
	assert_int_equal(only_group(p)->active_at_end, 0);
	hsa_pressure_free(p);
}

/* 600 pairs (more than the recent pairs' 256 slots, so that pairs share
 * a slot and push each other out), their connections in turns: round r
 * gives each pair one connection, 1 ms after the last.  Each pair counts
 * its own 3: 600 groups of 3 entries, 3 connections, peak 3. */
static void pairs_sharing_a_recent_slot_are_told_apart(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	size_t n, i;
	int r, k, id = 0;

	(void)state;
	assert_non_null(p);
	for (r = 0; r < 3; r++)
		for (k = 0; k < 600; k++) {
			id++;
			conn(&c, (uint64_t)id, (uint8_t)(k % 200), (uint16_t)(40000 + id),
			    T0 + id * SEC / 1000, T0 + id * SEC / 1000, &v);
			c.ep[HSA_SERVER].port = (uint16_t)(80 + k / 200);
			assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
		}
	assert_int_equal(hsa_pressure_finish(p, T0 + 3 * SEC), 0);
	n = hsa_pressure_groups(p, &g);
	assert_int_equal(n, 600);
	for (i = 0; i < n; i++) {
		assert_int_equal(g[i].entries, 3);
		assert_int_equal(g[i].connections, 3);
		assert_int_equal(g[i].peak, 3);
	}
	hsa_pressure_free(p);
}

/* Four TIME-WAITs 1 s apart from T0 + 1 ms (60 s each), all counted by
 * T0 + 5 s; then reuses cut the second (the middle of the ends in order)
 * at T0 + 10 s, the first (the earliest) at 12 s and the fourth (the
 * latest) at 14 s, each reusing connection entering TIME-WAIT 1 s + 1 ms
 * after its SYN.  Alive: 4 from T0 + 3.001 s (the peak, first reached
 * then), never more: each cut comes before the next start.  At T0 + 63 s
 * the third has ended (62.001 s) and the three new ones are alive; at the
 * end, T0 + 72 s, the one of 11.001 s has ended too: 2.  The soonest reuse
 * is the second's: 10 s - 1.001 s. */
static void cuts_take_counted_time_waits_off_the_ends(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_pressure_status st;
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	static const uint64_t cut[3] = { 2, 1, 4 };
	int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		conn(&c, (uint64_t)i + 1, 20, (uint16_t)(41001 + i),
		    T0 - 10 * SEC, T0 + i * SEC, &v);
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	}
	hsa_pressure_progress(p, T0 + 5 * SEC);
	for (i = 0; i < 3; i++) {
		conn(&c, (uint64_t)i + 5, 20, (uint16_t)(41000 + cut[i]),
		    T0 + (10 + 2 * i) * SEC, T0 + (11 + 2 * i) * SEC, &v);
		c.has_previous = true;
		c.previous_id = cut[i];
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	}
	hsa_pressure_progress(p, T0 + 63 * SEC);
	hsa_pressure_status(p, &st);
	assert_int_equal(st.active[HSA_CLIENT], 3);
	assert_int_equal(hsa_pressure_finish(p, T0 + 72 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 7);
	assert_int_equal(g->peak, 4);
	assert_int_equal(g->peak_at, T0 + 3 * SEC + SEC / 1000);
	assert_int_equal(g->active_at_end, 2);
	assert_int_equal(g->reuse_count, 3);
	assert_int_equal(g->reuse_min_gap, 9 * SEC - SEC / 1000);
	hsa_pressure_free(p);
}

/* Connections 7 and 7 + 2^32 (the same low 32 bits) in TIME-WAIT from
 * T0 + 1 ms and T0 + 1.001 s, on two ports.  A reuse of 7 + 2^32 at
 * T0 + 5 s cuts that one only (gap 4 s - 1 ms), one of 7 at T0 + 8 s cuts
 * 7 (gap 8 s - 1 ms); the reusing ones enter TIME-WAIT 1 s + 1 ms after
 * their SYNs.  Peak 2, first at T0 + 1.001 s; at T0 + 7.5 s 7 and the
 * one of 6.001 s are alive, at T0 + 30 s the two new ones. */
static void ids_sharing_their_low_bits_are_told_apart(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_pressure_status st;
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	uint64_t high = 7 + (1ULL << 32);

	(void)state;
	conn(&c, 7, 20, 42000, T0 - SEC, T0, &v);
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	conn(&c, high, 20, 42001, T0 - SEC, T0 + SEC, &v);
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	conn(&c, high + 1, 20, 42001, T0 + 5 * SEC, T0 + 6 * SEC, &v);
	c.has_previous = true;
	c.previous_id = high;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	/* At T0 + 7.5 s: 7, and the one of 6.001 s. */
	hsa_pressure_progress(p, T0 + 7 * SEC + SEC / 2);
	hsa_pressure_status(p, &st);
	assert_int_equal(st.active[HSA_CLIENT], 2);
	conn(&c, high + 2, 20, 42000, T0 + 8 * SEC, T0 + 9 * SEC, &v);
	c.has_previous = true;
	c.previous_id = 7;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	assert_int_equal(hsa_pressure_finish(p, T0 + 30 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 4);
	assert_int_equal(g->reuse_count, 2);
	assert_int_equal(g->reuse_min_gap, 4 * SEC - SEC / 1000);
	assert_int_equal(g->peak, 2);
	assert_int_equal(g->peak_at, T0 + SEC + SEC / 1000);
	assert_int_equal(g->active_at_end, 2);
	hsa_pressure_free(p);
}

/* 3000 TIME-WAITs 1 ms apart from T0 + 1 ms, none counted yet (several
 * chunks of intervals, the id table grown a few times), then 3000
 * connections reusing them, reported last first, connection j's SYN at
 * T0 + 10 s + j ms and its own TIME-WAIT 1 ms later: each reuse is found
 * (3000, every gap 10 s - 1 ms).  Alive: 3000 from T0 + 3 s (the peak);
 * from T0 + 10 s each cut comes with the start of the one before it at
 * the same time, the end counted first, so never more.  At T0 + 20 s the
 * 3000 new ones are alive. */
static void thousands_of_reuses_are_all_found(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	const int n = 3000;
	int j;

	(void)state;
	for (j = 0; j < n; j++) {
		conn(&c, (uint64_t)j + 1, 20, (uint16_t)(33000 + j),
		    T0 - SEC, T0 + j * SEC / 1000, &v);
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	}
	for (j = n - 1; j >= 0; j--) {
		int64_t syn = T0 + 10 * SEC + j * SEC / 1000;

		conn(&c, (uint64_t)(n + j) + 1, 20, (uint16_t)(33000 + j),
		    syn, syn, &v);
		c.has_previous = true;
		c.previous_id = (uint64_t)j + 1;
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	}
	assert_int_equal(hsa_pressure_finish(p, T0 + 20 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 2 * n);
	assert_int_equal(g->reuse_count, n);
	assert_int_equal(g->reuse_min_gap, 10 * SEC - SEC / 1000);
	assert_int_equal(g->peak, n);
	assert_int_equal(g->peak_at, T0 + 3 * SEC);
	assert_int_equal(g->active_at_end, n);
	assert_int_equal(hsa_pressure_losses(p)->out_of_memory, 0);
	hsa_pressure_free(p);
}

/* 1025 TIME-WAITs of one pair, 1 ms apart, none counted yet: the 1025th
 * needs a second chunk of intervals and the queue of the starts to grow,
 * and one of them fails (skip: 0 the chunk, 1 the queue).  That TIME-WAIT is lost, counted
 * as such; the next one is counted again: 1025 entries, all alive at once
 * (60 s long), one lost. */
static void lost_growth(int skip)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int i;

	assert_non_null(p);
	for (i = 0; i < 1026; i++) {
		conn(&c, (uint64_t)i + 1, 20, (uint16_t)(33000 + i),
		    T0 + i * SEC / 1000, T0 + i * SEC / 1000, &v);
		if (i == 1024) {
			fail_size = GROWN_RING;
			fail_skip = skip;
		}
		assert_int_equal(hsa_pressure_connection(p, &c, &v, 0),
		    i == 1024 ? -ENOMEM : 0);
		assert_int_equal(fail_size, 0);
	}
	assert_int_equal(hsa_pressure_finish(p, T0 + 2 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 1025);
	assert_int_equal(g->peak, 1025);
	assert_int_equal(g->active_at_end, 1025);
	assert_int_equal(hsa_pressure_losses(p)->out_of_memory, 1);
	hsa_pressure_free(p);
}

static void no_room_for_the_intervals_loses_one_time_wait(void **state)
{
	(void)state;
	lost_growth(0);
}

static void no_room_for_the_starts_loses_one_time_wait(void **state)
{
	(void)state;
	lost_growth(1);
}

/* The reuse of a_reusing_syn_cuts_the_time_wait, but the queue of cut
 * ends cannot be made (the second first ring, after the starts'): the cut is lost and counted, the first TIME-WAIT runs its
 * 60 s, and both are alive at T0 + 35 s: peak 2, no reuse. */
static void a_cut_without_memory_is_counted_as_lost(void **state)
{
	struct hsa_pressure_config cfg = config(60 * SEC, 32768, 60999);
	struct hsa_pressure *p = hsa_pressure_new(&cfg);
	struct hsa_conn c;
	struct hsa_verdict v;
	const struct hsa_tw_group *g;
	int64_t tw1 = T0 + SEC / 1000;

	(void)state;
	conn(&c, 1, 20, 45000, T0 - SEC, T0, &v);
	assert_int_equal(hsa_pressure_connection(p, &c, &v, 0), 0);
	conn(&c, 2, 20, 45000, tw1 + 5 * SEC, T0 + 35 * SEC, &v);
	c.has_previous = true;
	c.previous_id = 1;
	fail_size = FIRST_RING;
	fail_skip = 0;
	hsa_pressure_connection(p, &c, &v, 0);
	assert_int_equal(fail_size, 0);
	assert_int_equal(hsa_pressure_finish(p, T0 + 40 * SEC), 0);
	g = only_group(p);
	assert_int_equal(g->entries, 2);
	assert_int_equal(g->reuse_count, 0);
	assert_int_equal(g->peak, 2);
	assert_int_equal(hsa_pressure_losses(p)->out_of_memory, 1);
	hsa_pressure_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(late_reports_keep_the_peak),
		cmocka_unit_test(an_end_comes_before_a_start),
		cmocka_unit_test(a_snapshot_builds_the_groups_without_ending_anything),
		cmocka_unit_test(a_reusing_syn_cuts_the_time_wait),
		cmocka_unit_test(a_reuse_cuts_both_sides_once),
		cmocka_unit_test(a_clock_step_back_restarts_the_count),
		cmocka_unit_test(a_late_start_saturates),
		cmocka_unit_test(pairs_past_the_limit_are_counted_as_lost),
		cmocka_unit_test(a_full_range_is_exhausted_at_its_time),
		cmocka_unit_test(pairs_sharing_a_recent_slot_are_told_apart),
		cmocka_unit_test(cuts_take_counted_time_waits_off_the_ends),
		cmocka_unit_test(ids_sharing_their_low_bits_are_told_apart),
		cmocka_unit_test(thousands_of_reuses_are_all_found),
		cmocka_unit_test(no_room_for_the_intervals_loses_one_time_wait),
		cmocka_unit_test(no_room_for_the_starts_loses_one_time_wait),
		cmocka_unit_test(a_cut_without_memory_is_counted_as_lost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
