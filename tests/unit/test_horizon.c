/*
 * test_horizon.c - unit tests of the tracker's horizon, the time the
 * progress hook is given (hsa_tracker.h): no connection reported from then
 * on may bring the analysis stage anything earlier.  It is the earliest of
 * the later FIN of every closed connection not yet reported, the SYN of
 * every unreported connection that reuses a 4-tuple, and the capture's
 * time less one second of reordering slack.  The tracker keeps these in a
 * heap; here the same value is worked out from the segments fed, at every
 * progress call, for a handful of connections by hand and for a few
 * hundred closing in scattered order; and at the end of the capture, when
 * the connections still lingering are reported, without the slack.
 *
 * Also the history entry the tracker keeps of a reported connection's
 * 4-tuple: a SYN on it is port reuse, and one that the server, still in
 * TIME-WAIT, would not accept is held until the client's next SYN.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_tracker.h"
#include "segments.h"

#define SLACK_MS	1000		/* the tracker's REORDER_SLACK_NS */

struct run {
	struct hsa_tracker *t;
	int calls;		/* progress calls so far */
	int64_t last;		/* the latest horizon, ms after T0 */
	bool reported[65536];	/* by client port */
	/* The oracle of the scattered test: a connection's later FIN (ms),
	 * set once both FINs have been fed; -1 before. */
	int64_t later_fin[65536];
	int64_t now_ms;		/* the segment being fed */
	bool at_end;		/* hsa_tracker_finish(): no slack, now_ms is
				 * the capture's latest time */
	bool check;		/* compare every call with the oracle */
	int checked;
	/* The connections reported, by id. */
	struct seen {
		bool reported;
		bool has_previous;
		uint64_t previous_id;
		int64_t reuse_gap_ns;
		int n_syn;
	} conn[16];
};

static struct run *R;

static void on_progress(void *ctx, int64_t horizon)
{
	struct run *r = ctx;
	int64_t want = r->at_end ? r->now_ms : r->now_ms - SLACK_MS;
	int port;

	r->calls++;
	r->last = (horizon - T0) / MS;
	if (!r->check)
		return;
	for (port = 0; port < 65536; port++)
		if (r->later_fin[port] >= 0 && !r->reported[port] &&
		    r->later_fin[port] < want)
			want = r->later_fin[port];
	assert_int_equal(horizon, T0 + want * MS);
	r->checked++;
}

static void on_conn(void *ctx, struct hsa_conn *c, const struct hsa_verdict *v)
{
	struct run *r = ctx;

	(void)v;
	r->reported[c->ep[HSA_CLIENT].port] = true;
	if (c->id < 16)
		r->conn[c->id] = (struct seen){ true, c->has_previous,
		    c->previous_id, c->reuse_gap_ns, c->n_syn };
}

static int setup(void **state)
{
	struct hsa_tracker_config cfg;
	int i;

	R = calloc(1, sizeof(*R));
	assert_non_null(R);
	for (i = 0; i < 65536; i++)
		R->later_fin[i] = -1;
	memset(&cfg, 0, sizeof(cfg));
	cfg.handshake_timeout_ns = HSA_DEFAULT_HANDSHAKE_TIMEOUT_NS;
	cfg.idle_timeout_ns = HSA_DEFAULT_IDLE_TIMEOUT_NS;
	cfg.linger_ns = HSA_DEFAULT_LINGER_NS;
	cfg.history_ns = HSA_DEFAULT_HISTORY_NS;
	cfg.max_flows = 4096;
	cfg.sink = on_conn;
	cfg.progress = on_progress;
	cfg.ctx = R;
	R->t = hsa_tracker_new(&cfg);
	assert_non_null(R->t);
	*state = R;
	return 0;
}

static int teardown(void **state)
{
	struct run *r = *state;

	hsa_tracker_free(r->t);
	free(r);
	return 0;
}

/* One segment of 10.0.0.1:port <-> 10.0.0.2:80 at T0 + ms. */
static void seg(struct run *r, int64_t ms, uint16_t port, int from,
    uint32_t seq, uint32_t ack, uint8_t flags)
{
	struct hsa_packet p = test_segment(ms, port, from, seq, ack, flags);

	r->now_ms = ms;
	hsa_tracker_hash(r->t, &p);
	hsa_tracker_segment(r->t, &p);
}

#define CISN	1000u
#define SISN	5000u

static void open_conn(struct run *r, int64_t ms, uint16_t port)
{
	seg(r, ms, port, FROM_CLIENT, CISN, 0, SYN);
	seg(r, ms + 1, port, FROM_SERVER, SISN, CISN + 1, SYN | ACK);
	seg(r, ms + 2, port, FROM_CLIENT, CISN + 1, SISN + 1, ACK);
}

/* The client's FIN at fin_ms, the server's FIN with its ACK at
 * peer_fin_ms, the final ACK 1 ms later. */
static void client_fin(struct run *r, int64_t fin_ms, uint16_t port)
{
	seg(r, fin_ms, port, FROM_CLIENT, CISN + 1, SISN + 1, FIN | ACK);
}

static void server_fin(struct run *r, int64_t peer_fin_ms, uint16_t port)
{
	seg(r, peer_fin_ms, port, FROM_SERVER, SISN + 1, CISN + 2, FIN | ACK);
	r->later_fin[port] = peer_fin_ms;
}

static void final_ack(struct run *r, int64_t ms, uint16_t port)
{
	seg(r, ms, port, FROM_CLIENT, CISN + 2, SISN + 2, ACK);
}

/* A packet of an open connection that never closes, to move time on. */
static void tick(struct run *r, int64_t ms)
{
	seg(r, ms, 9, FROM_CLIENT, 1, 1, ACK);
}

/* Two connections close; the horizon waits for each one's later FIN
 * until its linger (4 s) has passed and it is reported, then a SYN
 * reusing the first one's 4-tuple holds it back while unanswered. */
static void by_hand(void **state)
{
	struct run *r = *state;

	open_conn(r, 0, 40000);
	open_conn(r, 100, 40001);
	tick(r, 1200);
	assert_int_equal(r->last, 1200 - SLACK_MS);
	client_fin(r, 1300, 40000);
	server_fin(r, 1310, 40000);
	final_ack(r, 1311, 40000);
	client_fin(r, 1500, 40001);
	server_fin(r, 1520, 40001);
	final_ack(r, 1521, 40001);
	tick(r, 2400);
	assert_int_equal(r->last, 1310);
	tick(r, 5300);		/* 40000 reported at 5311 */
	assert_false(r->reported[40000]);
	assert_int_equal(r->last, 1310);
	tick(r, 5400);
	assert_true(r->reported[40000]);
	assert_int_equal(r->last, 1520);
	tick(r, 5600);
	assert_true(r->reported[40001]);
	assert_int_equal(r->last, 5600 - SLACK_MS);
	/* A new SYN on 40000's 4-tuple, in its history: port reuse. */
	seg(r, 6000, 40000, FROM_CLIENT, CISN + 100000, 0, SYN);
	tick(r, 7500);
	assert_int_equal(r->last, 6000);
	tick(r, 7600);
	assert_int_equal(r->last, 6000);
}

/* A few hundred connections close in an order unrelated to their
 * opening, with FINs up to 3 s apart: at every progress call the horizon
 * is the oracle's (on_progress compares). */
static void scattered(void **state)
{
	enum { N = 400 };
	struct run *r = *state;
	struct ev {
		int64_t ms;
		uint16_t port;
		uint8_t what;	/* 0 open, 1 client FIN, 2 server FIN, 3 ACK */
	} *ev = calloc(4 * N, sizeof(*ev)), e;
	uint32_t x = 12345;
	size_t n = 0, i, j;
	int64_t ms;

	assert_non_null(ev);
	for (i = 0; i < N; i++) {
		uint16_t port = (uint16_t)(41000 + i);

		ms = (int64_t)i * 10;
		x = x * 1103515245u + 12345u;
		ev[n++] = (struct ev){ ms, port, 0 };
		ms += 10 + (x >> 16) % 5000;
		ev[n++] = (struct ev){ ms, port, 1 };
		x = x * 1103515245u + 12345u;
		ms += 1 + (x >> 16) % 3000;
		ev[n++] = (struct ev){ ms, port, 2 };
		ev[n++] = (struct ev){ ms + 1, port, 3 };
	}
	/* In time order (insertion sort: stable, small). */
	for (i = 1; i < n; i++) {
		e = ev[i];
		for (j = i; j > 0 && ev[j - 1].ms > e.ms; j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
	r->check = true;
	for (i = 0; i < n; i++) {
		switch (ev[i].what) {
		case 0:
			/* SYN, SYN/ACK and ACK within the same ms. */
			seg(r, ev[i].ms, ev[i].port, FROM_CLIENT, CISN, 0, SYN);
			seg(r, ev[i].ms, ev[i].port, FROM_SERVER, SISN, CISN + 1, SYN | ACK);
			seg(r, ev[i].ms, ev[i].port, FROM_CLIENT, CISN + 1, SISN + 1, ACK);
			break;
		case 1:
			client_fin(r, ev[i].ms, ev[i].port);
			break;
		case 2:
			/* The oracle learns the FIN after the tracker has
			 * it: the hook may run before it is applied. */
			seg(r, ev[i].ms, ev[i].port, FROM_SERVER, SISN + 1, CISN + 2, FIN | ACK);
			r->later_fin[ev[i].port] = ev[i].ms;
			break;
		default:
			final_ack(r, ev[i].ms, ev[i].port);
		}
	}
	for (ms = ev[n - 1].ms + 100; ms < ev[n - 1].ms + 6000; ms += 100)
		tick(r, ms);
	/* 400 connections, about 10 s of capture: a call per 100 ms. */
	assert_true(r->checked > 100);
	for (i = 0; i < N; i++)
		assert_true(r->reported[41000 + i]);
	free(ev);
}

/* Connection 1 on port 40000, opened at 0 ms, closed by the server
 * first (FIN at 100 ms, its final ACK at 102 ms: the server is in
 * TIME-WAIT and the client's next sequence number is CISN + 2), or by the
 * client first. */
static void closed_conn(struct run *r, bool server_first)
{
	open_conn(r, 0, 40000);
	if (server_first) {
		seg(r, 100, 40000, FROM_SERVER, SISN + 1, CISN + 1, FIN | ACK);
		seg(r, 101, 40000, FROM_CLIENT, CISN + 1, SISN + 2, FIN | ACK);
		seg(r, 102, 40000, FROM_SERVER, SISN + 2, CISN + 2, ACK);
	} else {
		client_fin(r, 100, 40000);
		server_fin(r, 101, 40000);
		final_ack(r, 102, 40000);
	}
}

static const struct hsa_tracker_stats *stats(const struct run *r)
{
	return hsa_tracker_stats(r->t);
}

/* 10 s after the close (past the 4 s linger: only the history entry is
 * left), a SYN below the server's RCV.NXT: the server in TIME-WAIT
 * answers with an ACK of the old connection, the client with an RST
 * (both late for the old connection); the client's next SYN starts the
 * new one, with the held SYN as its first. */
static void history_holds_syn(void **state)
{
	struct run *r = *state;

	closed_conn(r, true);
	seg(r, 10000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	assert_true(r->conn[1].reported);
	assert_false(r->conn[2].reported);
	seg(r, 10001, 40000, FROM_SERVER, SISN + 2, CISN + 2, ACK);
	seg(r, 10002, 40000, FROM_CLIENT, CISN + 2, 0, HSA_TCP_RST);
	assert_int_equal(stats(r)->late_segments, 2);
	seg(r, 11000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	seg(r, 11001, 40000, FROM_SERVER, 7000, CISN + 2, SYN | ACK);
	seg(r, 11002, 40000, FROM_CLIENT, CISN + 2, 7001, ACK);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].reported);
	assert_true(r->conn[2].has_previous);
	assert_int_equal(r->conn[2].previous_id, 1);
	assert_int_equal(r->conn[2].reuse_gap_ns, (10000 - 102) * MS);
	assert_int_equal(r->conn[2].n_syn, 2);
	assert_int_equal(stats(r)->connections, 2);
	assert_int_equal(stats(r)->late_segments, 2);
}

/* The capture ends while the history entry holds the SYN: the end starts
 * the new connection from it. */
static void history_holds_syn_at_end(void **state)
{
	struct run *r = *state;

	closed_conn(r, true);
	seg(r, 10000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].reported);
	assert_int_equal(r->conn[2].previous_id, 1);
	assert_int_equal(r->conn[2].n_syn, 1);
	assert_int_equal(stats(r)->connections, 2);
}

/* SYNs on the history entry that start the new connection at once: one
 * beyond RCV.NXT, one after the server's TIME-WAIT (60 s) is over, one
 * to a server that is not in TIME-WAIT (the client closed first); and
 * one after the history itself (120 s) is gone, which is no reuse. */
static void history_reuse(void **state)
{
	struct run *r = *state;

	closed_conn(r, true);
	seg(r, 10000, 40000, FROM_CLIENT, CISN + 100, 0, SYN);
	assert_true(r->conn[1].reported);
	assert_false(r->conn[2].reported);
	seg(r, 10001, 40000, FROM_SERVER, 7000, CISN + 101, SYN | ACK);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].has_previous);
	assert_int_equal(r->conn[2].previous_id, 1);
	assert_int_equal(r->conn[2].reuse_gap_ns, (10000 - 102) * MS);
	assert_int_equal(r->conn[2].n_syn, 1);
	assert_int_equal(stats(r)->late_segments, 0);
}

static void history_reuse_after_time_wait(void **state)
{
	struct run *r = *state;

	closed_conn(r, true);
	seg(r, 70000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].has_previous);
	assert_int_equal(r->conn[2].previous_id, 1);
	assert_int_equal(r->conn[2].reuse_gap_ns, (70000 - 102) * MS);
}

static void history_reuse_client_closed(void **state)
{
	struct run *r = *state;

	closed_conn(r, false);
	seg(r, 10000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].has_previous);
	assert_int_equal(r->conn[2].previous_id, 1);
	assert_int_equal(r->conn[2].n_syn, 1);
}

static void history_forgotten(void **state)
{
	struct run *r = *state;

	closed_conn(r, true);
	seg(r, 10000, 40000, FROM_CLIENT, CISN + 2, SISN + 2, ACK);
	assert_int_equal(stats(r)->late_segments, 1);
	seg(r, 200000, 40000, FROM_CLIENT, CISN + 1, 0, SYN);
	hsa_tracker_finish(r->t);
	assert_true(r->conn[2].reported);
	assert_false(r->conn[2].has_previous);
	assert_int_equal(stats(r)->late_segments, 1);
}

/* A connection reusing a 4-tuple stays open and holds the horizon at its
 * SYN while 3000 others close and are reported behind it: the heap drops
 * their entries (several compactions) and the horizon stays right. */
static void many_reported_behind_a_reuse(void **state)
{
	struct run *r = *state;
	int64_t ms = 6000;
	int i;

	closed_conn(r, false);
	seg(r, 5000, 40000, FROM_CLIENT, CISN + 100000, 0, SYN);
	for (i = 0; i < 3000; i++, ms += 10) {
		uint16_t port = (uint16_t)(41000 + i);

		seg(r, ms, port, FROM_CLIENT, CISN, 0, SYN);
		seg(r, ms, port, FROM_SERVER, SISN, CISN + 1, SYN | ACK);
		seg(r, ms, port, FROM_CLIENT, CISN + 1, SISN + 1, ACK);
		client_fin(r, ms + 1, port);
		server_fin(r, ms + 2, port);
		final_ack(r, ms + 3, port);
		if (i == 1500)
			assert_int_equal(r->last, 5000);
	}
	for (; ms < 6000 + 30000 + 6000; ms += 100)
		tick(r, ms);
	assert_int_equal(r->last, 5000);
	for (i = 0; i < 3000; i++)
		assert_true(r->reported[41000 + i]);
	assert_false(r->conn[2].reported);
}

/* At the end of the capture a thousand connections still linger; they
 * are reported in id order, and the horizon follows them: at every call
 * the earliest later FIN of those not reported yet, with no slack (no
 * segment comes any more), and the capture's latest time once all are
 * reported.  The analysis stage can then count their TIME-WAITs as they
 * come, instead of holding them all to the end. */
static void finish_moves_horizon(void **state)
{
	enum { N = 1000 };
	struct run *r = *state;
	int64_t fin_ms, latest = 0;
	int i;

	for (i = 0; i < N; i++)
		open_conn(r, i, (uint16_t)(41000 + i));
	for (i = 0; i < N; i++) {
		uint16_t port = (uint16_t)(41000 + i);

		/* Later FINs out of id order, up to 49 ms apart. */
		fin_ms = 2000 + i + (i * 7) % 50;
		client_fin(r, 2000 + i, port);
		server_fin(r, fin_ms, port);
		final_ack(r, fin_ms + 1, port);
		if (fin_ms + 1 > latest)
			latest = fin_ms + 1;
	}
	assert_int_equal(stats(r)->connections, 0);
	r->at_end = true;
	r->now_ms = latest;
	r->check = true;
	hsa_tracker_finish(r->t);
	/* One call per 256 reports, and one when all are done. */
	assert_int_equal(r->checked, N / 256 + 1);
	assert_int_equal(r->last, latest);
	assert_int_equal(stats(r)->connections, N);
	for (i = 0; i < N; i++)
		assert_true(r->reported[41000 + i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(by_hand, setup, teardown),
		cmocka_unit_test_setup_teardown(scattered, setup, teardown),
		cmocka_unit_test_setup_teardown(history_holds_syn, setup, teardown),
		cmocka_unit_test_setup_teardown(history_holds_syn_at_end, setup, teardown),
		cmocka_unit_test_setup_teardown(history_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(history_reuse_after_time_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(history_reuse_client_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(history_forgotten, setup, teardown),
		cmocka_unit_test_setup_teardown(many_reported_behind_a_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(finish_moves_horizon, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
