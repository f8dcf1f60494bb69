/*
 * test_live_groups.c - unit tests for the live TIME-WAIT groups of the
 * pressure stage (hsa_pressure_live_groups in time_wait_pressure.c), which
 * the metrics render: the figures of each group, their order, the cut at
 * the number asked for, and the groups cut folded into one per side.
 *
 * The schedule: a 10-port range (40000-40009), TIME-WAIT 60 s, every
 * connection reported before the horizon moves to T0 + 3 s, so every
 * TIME-WAIT started and none ended.
 *   A  client -> 198.51.100.1:80, 10 connections 0.2 s apart: 10 TIME-WAITs
 *      held by the client, the whole range (share 1, full, no projection);
 *   B  client -> 198.51.100.2:80, 4 connections 0.5 s apart: 4 held, share
 *      0.4; rate (4 - 1) / 1.5 s = 2/s, which fills 10 ports within 60 s:
 *      (10 - 4) / 2 = 3 s to exhaustion;
 *   C  client -> 198.51.100.3:80, 1 connection: 1 held, share 0.1, too few
 *      to project;
 *   D  client -> 198.51.100.4:80, 2 connections 0.5 s apart, the server
 *      closing first: 2 held by the server (no port figures).
 * Expected order, most in TIME-WAIT now first: A 10, B 4, D 2, C 1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_pressure.h"

#define SEC 1000000000LL
#define MS (SEC / 1000)
#define T0 (1700000000LL * SEC)

static struct hsa_pressure *model(void)
{
	struct hsa_pressure_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.time_wait_ns = 60 * SEC;
	cfg.port_low = 40000;
	cfg.port_high = 40009;
	cfg.close_wait_ns = 10 * SEC;
	cfg.port_range_source = HSA_RANGE_OPTION;
	cfg.tw_reuse = -1;
	return hsa_pressure_new(&cfg);
}

/* Connection id from 192.0.2.10 port cport to 198.51.100.server:80, its
 * FINs at fin and fin + 1 ms; closer is who sent the first. */
static void closed(struct hsa_pressure *p, uint64_t id, uint8_t server,
    uint16_t cport, int64_t fin, int closer)
{
	struct hsa_conn c;
	struct hsa_verdict v;
	int peer = closer == HSA_CLIENT ? HSA_SERVER : HSA_CLIENT;

	memset(&c, 0, sizeof(c));
	memset(&v, 0, sizeof(v));
	c.id = id;
	c.ip_version = 4;
	c.ep[HSA_CLIENT].addr.bytes[0] = 192;
	c.ep[HSA_CLIENT].addr.bytes[1] = 0;
	c.ep[HSA_CLIENT].addr.bytes[2] = 2;
	c.ep[HSA_CLIENT].addr.bytes[3] = 10;
	c.ep[HSA_CLIENT].port = cport;
	c.ep[HSA_SERVER].addr.bytes[0] = 198;
	c.ep[HSA_SERVER].addr.bytes[1] = 51;
	c.ep[HSA_SERVER].addr.bytes[2] = 100;
	c.ep[HSA_SERVER].addr.bytes[3] = server;
	c.ep[HSA_SERVER].port = 80;
	c.first_ts = fin - 100 * MS;
	c.ep[closer].fin.seen = true;
	c.ep[closer].fin.ts = fin;
	c.ep[peer].fin.seen = true;
	c.ep[peer].fin.ts = fin + MS;
	v.handshake = HSA_HS_COMPLETE;
	v.close = HSA_CLOSE_FIN;
	v.active_closer = closer == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER;
	v.time_wait = v.active_closer;
	assert_int_equal(hsa_pressure_connection(p, &c, &v, T0 + 3 * SEC), 0);
}

static struct hsa_pressure *schedule(void)
{
	struct hsa_pressure *p = model();
	uint64_t id = 1;
	int i;

	assert_non_null(p);
	for (i = 0; i < 10; i++)
		closed(p, id++, 1, (uint16_t)(40000 + i), T0 + i * 200 * MS, HSA_CLIENT);
	for (i = 0; i < 4; i++)
		closed(p, id++, 2, (uint16_t)(40000 + i), T0 + i * 500 * MS, HSA_CLIENT);
	closed(p, id++, 3, 40000, T0, HSA_CLIENT);
	for (i = 0; i < 2; i++)
		closed(p, id++, 4, (uint16_t)(40000 + i), T0 + i * 500 * MS, HSA_SERVER);
	hsa_pressure_progress(p, T0 + 3 * SEC);
	return p;
}

static void every_group(void **state)
{
	struct hsa_pressure *p = schedule();
	struct hsa_live_group g[8];

	(void)state;
	assert_int_equal(hsa_pressure_live_groups(p, g, 8, NULL), 4);
	/* A */
	assert_int_equal(g[0].holder, HSA_CLIENT);
	assert_int_equal(g[0].server.bytes[3], 1);
	assert_int_equal(g[0].server_port, 80);
	assert_int_equal(g[0].client.bytes[3], 10);
	assert_int_equal(g[0].entries, 10);
	assert_int_equal(g[0].active, 10);
	assert_true(g[0].share == 1.0);
	assert_true(g[0].full);
	assert_false(g[0].tte_valid);
	/* B */
	assert_int_equal(g[1].holder, HSA_CLIENT);
	assert_int_equal(g[1].server.bytes[3], 2);
	assert_int_equal(g[1].active, 4);
	assert_true(g[1].share == 0.4);
	assert_false(g[1].full);
	assert_true(g[1].tte_valid);
	assert_true(g[1].tte_s > 2.999999 && g[1].tte_s < 3.000001);
	/* D: the server holds them; no port figures. */
	assert_int_equal(g[2].holder, HSA_SERVER);
	assert_int_equal(g[2].server.bytes[3], 4);
	assert_int_equal(g[2].active, 2);
	assert_int_equal(g[2].entries, 2);
	assert_true(g[2].share == 0);
	assert_false(g[2].full || g[2].tte_valid);
	/* C */
	assert_int_equal(g[3].holder, HSA_CLIENT);
	assert_int_equal(g[3].server.bytes[3], 3);
	assert_int_equal(g[3].active, 1);
	assert_true(g[3].share == 0.1);
	assert_false(g[3].full || g[3].tte_valid);
	hsa_pressure_free(p);
}

static void cut_at_max(void **state)
{
	struct hsa_pressure *p = schedule();
	struct hsa_live_group g[2];

	(void)state;
	/* All four counted, the first two kept, in order. */
	assert_int_equal(hsa_pressure_live_groups(p, g, 2, NULL), 4);
	assert_int_equal(g[0].active, 10);
	assert_int_equal(g[1].active, 4);
	assert_int_equal(hsa_pressure_live_groups(p, NULL, 0, NULL), 4);
	hsa_pressure_free(p);
}

/* The groups left out, folded per holder side. */
static void the_rest_is_folded(void **state)
{
	struct hsa_pressure *p = schedule();
	struct hsa_live_group g[2];
	struct hsa_live_rest rest[2];

	(void)state;
	/* Kept A and B; left out C (client) and D (server). */
	assert_int_equal(hsa_pressure_live_groups(p, g, 2, rest), 4);
	assert_int_equal(rest[HSA_CLIENT].groups, 1);
	assert_int_equal(rest[HSA_CLIENT].entries, 1);
	assert_int_equal(rest[HSA_CLIENT].active, 1);
	assert_true(rest[HSA_CLIENT].share == 0.1);
	assert_false(rest[HSA_CLIENT].full || rest[HSA_CLIENT].tte_valid);
	assert_int_equal(rest[HSA_SERVER].groups, 1);
	assert_int_equal(rest[HSA_SERVER].entries, 2);
	assert_int_equal(rest[HSA_SERVER].active, 2);
	/* Kept A; B and C folded: 4 + 1 entries and TIME-WAITs, B's share
	 * 0.4 the largest, B's 3 s the soonest exhaustion. */
	assert_int_equal(hsa_pressure_live_groups(p, g, 1, rest), 4);
	assert_int_equal(g[0].active, 10);
	assert_int_equal(rest[HSA_CLIENT].groups, 2);
	assert_int_equal(rest[HSA_CLIENT].entries, 5);
	assert_int_equal(rest[HSA_CLIENT].active, 5);
	assert_true(rest[HSA_CLIENT].share == 0.4);
	assert_false(rest[HSA_CLIENT].full);
	assert_true(rest[HSA_CLIENT].tte_valid);
	assert_true(rest[HSA_CLIENT].tte_s > 2.999999 && rest[HSA_CLIENT].tte_s < 3.000001);
	assert_int_equal(rest[HSA_SERVER].groups, 1);
	/* None kept: all four folded; A is full. */
	assert_int_equal(hsa_pressure_live_groups(p, NULL, 0, rest), 4);
	assert_int_equal(rest[HSA_CLIENT].groups, 3);
	assert_int_equal(rest[HSA_CLIENT].entries, 15);
	assert_true(rest[HSA_CLIENT].full);
	assert_true(rest[HSA_CLIENT].share == 1.0);
	/* All kept: nothing folded. */
	{
		struct hsa_live_group all[4];

		assert_int_equal(hsa_pressure_live_groups(p, all, 4, rest), 4);
		assert_int_equal(rest[HSA_CLIENT].groups + rest[HSA_SERVER].groups, 0);
		assert_int_equal(rest[HSA_CLIENT].entries + rest[HSA_SERVER].entries, 0);
	}
	hsa_pressure_free(p);
}

static void nothing_yet(void **state)
{
	struct hsa_pressure *p = model();
	struct hsa_live_group g[2];

	(void)state;
	assert_int_equal(hsa_pressure_live_groups(p, g, 2, NULL), 0);
	hsa_pressure_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_group),
		cmocka_unit_test(cut_at_max),
		cmocka_unit_test(the_rest_is_folded),
		cmocka_unit_test(nothing_yet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
