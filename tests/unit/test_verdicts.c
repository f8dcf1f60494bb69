/*
 * test_verdicts.c - unit tests of the verdicts through their public
 * functions (hsa_conn.h): a connection is built from segments with
 * hsa_conn_init() and hsa_conn_segment(), and hsa_conn_verdict() must say
 * what the exchange was by construction: handshake, its RTTs, close kind,
 * who closed first and who holds TIME-WAIT.  Sequence numbers are chosen
 * across the 2^32 wrap, where a plain `<` instead of the wraparound-safe
 * comparisons of src/seq.h gives the wrong answer.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_conn.h"
#include "segments.h"

struct flow {
	struct hsa_conn c;
	bool started;
};

/* One segment of 10.0.0.1:40000 <-> 10.0.0.2:80 at T0 + ms milliseconds. */
static void seg(struct flow *f, int64_t ms, int from, uint32_t seq,
    uint32_t ack, uint8_t flags, uint32_t len)
{
	struct hsa_packet p = test_segment(ms, 40000, from, seq, ack, flags);

	p.payload_len = len;
	if (!f->started) {
		hsa_conn_init(&f->c, 1, &p);
		f->started = true;
	}
	hsa_conn_segment(&f->c, &p);
}

/* Client ISN 0xfffffff0: its 14 bytes of data end at 0xfffffffe and its FIN
 * is 0xffffffff, acknowledged by 0x00000000.  Server ISN 0xffffffff: its
 * data starts at 0, its FIN acknowledged across nothing but after the
 * client's wrapped one. */
#define CISN	0xfffffff0u
#define SISN	0xffffffffu

static void handshake(struct flow *f)
{
	seg(f, 0, FROM_CLIENT, CISN, 0, SYN, 0);
	seg(f, 20, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0);
	seg(f, 21, FROM_CLIENT, CISN + 1, SISN + 1, ACK, 0);
	seg(f, 22, FROM_CLIENT, CISN + 1, SISN + 1, PSH | ACK, 14);
	seg(f, 23, FROM_SERVER, SISN + 1, CISN + 15, PSH | ACK, 100);
}

static void client_closes_across_wrap(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	handshake(&f);
	seg(&f, 30, FROM_CLIENT, CISN + 15, SISN + 101, FIN | ACK, 0);
	seg(&f, 31, FROM_SERVER, SISN + 101, CISN + 16, ACK, 0);	/* = 0 */
	seg(&f, 32, FROM_SERVER, SISN + 101, CISN + 16, FIN | ACK, 0);
	seg(&f, 33, FROM_CLIENT, CISN + 16, SISN + 102, ACK, 0);
	assert_true(hsa_conn_closed(&f.c));
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_COMPLETE);
	assert_true(v.syn_to_synack_valid && v.synack_to_ack_valid);
	assert_int_equal(v.syn_to_synack_ns, 20 * MS);
	assert_int_equal(v.synack_to_ack_ns, 1 * MS);
	assert_int_equal(v.close, HSA_CLOSE_FIN);
	assert_int_equal(v.active_closer, HSA_WHO_CLIENT);
	assert_int_equal(v.time_wait, HSA_WHO_CLIENT);
	assert_int_equal(v.state[0], HSA_ST_TIME_WAIT);
	assert_int_equal(v.state[1], HSA_ST_CLOSED);
}

static void server_closes_across_wrap(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	handshake(&f);
	seg(&f, 30, FROM_SERVER, SISN + 101, CISN + 15, FIN | ACK, 0);
	seg(&f, 31, FROM_CLIENT, CISN + 15, SISN + 102, ACK, 0);
	seg(&f, 32, FROM_CLIENT, CISN + 15, SISN + 102, FIN | ACK, 0);
	seg(&f, 33, FROM_SERVER, SISN + 102, CISN + 16, ACK, 0);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.close, HSA_CLOSE_FIN);
	assert_int_equal(v.active_closer, HSA_WHO_SERVER);
	assert_int_equal(v.time_wait, HSA_WHO_SERVER);
}

/* Both FINs sent before either side saw the other's. */
static void simultaneous_close(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	handshake(&f);
	seg(&f, 30, FROM_CLIENT, CISN + 15, SISN + 101, FIN | ACK, 0);
	seg(&f, 30, FROM_SERVER, SISN + 101, CISN + 15, FIN | ACK, 0);
	seg(&f, 31, FROM_CLIENT, CISN + 16, SISN + 102, ACK, 0);
	seg(&f, 31, FROM_SERVER, SISN + 102, CISN + 16, ACK, 0);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.close, HSA_CLOSE_FIN);
	assert_int_equal(v.active_closer, HSA_WHO_BOTH);
	assert_int_equal(v.time_wait, HSA_WHO_BOTH);
}

/* An ACK short of the FIN does not acknowledge it: across the wrap, 0xffffffff
 * is before the FIN's 0x00000000 + 1. */
static void fin_not_yet_acknowledged(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	handshake(&f);
	seg(&f, 30, FROM_CLIENT, CISN + 15, SISN + 101, FIN | ACK, 0);
	seg(&f, 31, FROM_SERVER, SISN + 101, CISN + 15, ACK, 0);	/* old ack */
	hsa_conn_verdict(&f.c, &v);
	assert_false(hsa_conn_closed(&f.c));
	assert_int_equal(v.state[0], HSA_ST_FIN_WAIT_1);
	assert_int_equal(v.time_wait, HSA_WHO_PENDING);
}

static void refused(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0);
	seg(&f, 1, FROM_SERVER, 0, CISN + 1, RST | ACK, 0);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_REFUSED);
	assert_int_equal(v.close, HSA_CLOSE_RST);
	assert_int_equal(v.time_wait, HSA_WHO_NONE);
}

static void unanswered(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0);
	seg(&f, 1000, FROM_CLIENT, CISN, 0, SYN, 0);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_UNANSWERED);
	assert_false(v.syn_to_synack_valid);
	assert_int_equal(v.close, HSA_CLOSE_OPEN);
	assert_int_equal(v.time_wait, HSA_WHO_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_closes_across_wrap),
		cmocka_unit_test(server_closes_across_wrap),
		cmocka_unit_test(simultaneous_close),
		cmocka_unit_test(fin_not_yet_acknowledged),
		cmocka_unit_test(refused),
		cmocka_unit_test(unanswered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
