/*
 * test_json_writer.c - the cursor writers of json_writer.h and the
 * connection object of json_conn.c: literals and tokens, a whole
 * connection as the report writes it, and the bound the log's line buffer
 * is sized by.  (Numbers and times: test_format.c.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "report_json.h"

/* What call writes at p, up to the end it returns, is want.  (Writers
 * may use the room after the end as scratch: tokens are copied whole.) */
#define CHECK_PUT(call, want) do {					\
	char buf_[64], *end_;						\
	char *p = buf_;							\
	memset(buf_, '#', sizeof(buf_));				\
	end_ = (call);							\
	assert_true(end_ > buf_ && end_ < buf_ + sizeof(buf_));		\
	*end_ = '\0';							\
	assert_string_equal(buf_, (want));				\
} while (0)

/* The writer of the once-per-run parts writes numbers as the cursor
 * does. */
static void test_old_writer(void **state)
{
	struct hsa_jw w;

	(void)state;
	hsa_jw_init(&w);
	hsa_jw_open(&w, NULL);
	hsa_jw_ms(&w, "a", -20375000);
	hsa_jw_uint(&w, "b", UINT64_MAX);
	hsa_jw_null(&w, "c");
	hsa_jw_close(&w);
	assert_false(w.failed);
	assert_int_equal(w.len, strlen("{\"a\":-20.375,\"b\":18446744073709551615,\"c\":null}"));
	assert_memory_equal(w.buf, "{\"a\":-20.375,\"b\":18446744073709551615,\"c\":null}", w.len);
	hsa_jw_free(&w);
}

static void test_put_token(void **state)
{
	static const struct hsa_jw_token t = HSA_JW_TOKEN("SYN-RECEIVED");
	static const struct hsa_jw_token longest = HSA_JW_TOKEN("fourteen bytes");

	(void)state;
	CHECK_PUT(hsa_jw_put_token(p, &t), "\"SYN-RECEIVED\"");
	CHECK_PUT(hsa_jw_put_token(p, &longest), "\"fourteen bytes\"");
	CHECK_PUT(HSA_JW_LIT(p, ",\"key\":"), ",\"key\":");
}

/* The first connection of bench/gen_trace's trace, as the log wrote it
 * before the object was written at a cursor. */
static void test_connection(void **state)
{
	static const char want[] =
	    ",\"client\":{\"ip\":\"127.0.0.1\",\"port\":32775},"
	    "\"server\":{\"ip\":\"127.0.0.1\",\"port\":8080},"
	    "\"roles_guessed\":false,"
	    "\"first_packet\":\"2024-01-01T00:00:00.000008Z\","
	    "\"last_packet\":\"2024-01-01T00:00:00.003127Z\","
	    "\"duration_ms\":3.119,"
	    "\"packets\":{\"client_to_server\":5,\"server_to_client\":5},"
	    "\"payload_bytes\":{\"client_to_server\":92,\"server_to_client\":758},"
	    "\"exchanges\":1,"
	    "\"options\":{\"client\":{\"mss\":65495,\"window_scale\":7,\"sack_permitted\":true,\"timestamps\":true},"
	    "\"server\":{\"mss\":65495,\"window_scale\":7,\"sack_permitted\":true,\"timestamps\":true}},"
	    "\"handshake\":{\"status\":\"complete\",\"syn_retransmits\":0,\"synack_retransmits\":0,"
	    "\"simultaneous_open\":false,\"fast_open\":false,"
	    "\"rtt_ms\":{\"syn_to_synack\":0.016,\"synack_to_ack\":0.013,\"total\":0.029}},"
	    "\"close\":{\"kind\":\"fin\",\"active_closer\":\"server\",\"time_wait\":\"server\","
	    "\"fin_retransmits\":0,\"rst_from\":null,"
	    "\"rsts\":{\"accepted\":0,\"challenged\":0,\"ignored\":0},"
	    "\"time_wait_ended_by_rst\":null},"
	    "\"state\":{\"client\":\"CLOSED\",\"server\":\"TIME-WAIT\"},"
	    "\"reuse\":null,\"evicted\":false,"
	    "\"frames\":{\"syn\":[1],\"synack\":[2],\"handshake_ack\":4,\"first_fin\":227,"
	    "\"first_fin_ack\":228,\"peer_fin\":238,\"final_ack\":240,\"rst\":null}";
	static struct hsa_conn c;
	static struct hsa_verdict v;
	struct hsa_jw w;
	int side;

	(void)state;
	c.ip_version = 4;
	for (side = 0; side < 2; side++) {
		struct hsa_endpoint *e = &c.ep[side];

		memcpy(e->addr.bytes, "\x7f\0\0\x01", 4);
		e->isn_seen = true;
		e->opt = (struct hsa_tcp_offer){ .mss = 65495, .wscale = 7,
		    .has_mss = true, .has_wscale = true, .sack_permitted = true,
		    .has_timestamps = true };
		e->packets = 5;
	}
	c.ep[HSA_CLIENT].port = 32775;
	c.ep[HSA_SERVER].port = 8080;
	c.ep[HSA_CLIENT].bytes = 92;
	c.ep[HSA_SERVER].bytes = 758;
	c.first_ts = 1704067200000008000LL;
	c.last_ts = 1704067200003127000LL;
	c.exchanges = 1;
	v.handshake = HSA_HS_COMPLETE;
	v.syn_to_synack_valid = v.synack_to_ack_valid = true;
	v.syn_to_synack_ns = 16000;
	v.synack_to_ack_ns = 13000;
	v.close = HSA_CLOSE_FIN;
	v.active_closer = v.time_wait = HSA_WHO_SERVER;
	v.time_wait_ended_by_rst = HSA_WHO_NONE;
	v.state[HSA_CLIENT] = HSA_ST_CLOSED;
	v.state[HSA_SERVER] = HSA_ST_TIME_WAIT;
	v.evidence = (struct hsa_evidence){ .n_syn = 1, .syn = { 1 },
	    .n_synack = 1, .synack = { 2 }, .handshake_ack = 4,
	    .first_fin = 227, .first_fin_ack = 228, .peer_fin = 238,
	    .final_ack = 240 };

	hsa_jw_init(&w);
	hsa_jw_open(&w, NULL);
	hsa_jw_uint(&w, "id", 1);
	hsa_json_conn_members(&w, &c, &v, false);
	assert_false(w.failed);
	assert_int_equal(w.len, strlen("{\"id\":1") + strlen(want));
	assert_memory_equal(w.buf + strlen("{\"id\":1"), want, strlen(want));
	hsa_jw_free(&w);
}

/* Every member at its longest: the object stays within
 * HSA_JSON_CONN_MEMBERS_MAX. */
static void test_connection_bound(void **state)
{
	static struct hsa_conn c;
	static struct hsa_verdict v;
	static char buf[2 * HSA_JSON_CONN_MEMBERS_MAX];
	char *end;
	int side, i;

	(void)state;
	memset(&c, 0xff, sizeof(c));
	c.ip_version = 6;
	for (side = 0; side < 2; side++) {
		struct hsa_endpoint *e = &c.ep[side];

		/* ffff:ffff:...: the longest text an address has. */
		memset(e->addr.bytes, 0xff, sizeof(e->addr.bytes));
		e->isn_seen = e->opt.has_mss = e->opt.has_wscale = true;
		e->opt.sack_permitted = e->opt.has_timestamps = true;
		e->opt.truncated = true;
	}
	c.roles_guessed = c.simultaneous_open = c.fast_open = false;
	c.rst_seen = c.has_previous = true;
	c.evicted = false;
	c.rst_from = HSA_SERVER;
	c.first_ts = INT64_MIN / 2;
	c.last_ts = INT64_MAX / 2;
	c.reuse_gap_ns = INT64_MIN;
	memset(&v, 0, sizeof(v));
	v.handshake = HSA_HS_INCOMPLETE;
	v.syn_to_synack_valid = v.synack_to_ack_valid = true;
	v.syn_to_synack_ns = v.synack_to_ack_ns = INT64_MIN / 2;
	v.close = HSA_CLOSE_HALF_CLOSED;
	v.active_closer = v.time_wait = v.time_wait_ended_by_rst = HSA_WHO_PENDING;
	v.state[HSA_CLIENT] = v.state[HSA_SERVER] = HSA_ST_SYN_RECEIVED;
	v.evidence.n_syn = v.evidence.n_synack = 1 + HSA_HS_RECENT;
	for (i = 0; i < 1 + HSA_HS_RECENT; i++)
		v.evidence.syn[i] = v.evidence.synack[i] = UINT64_MAX;
	v.evidence.handshake_ack = v.evidence.first_fin = UINT64_MAX;
	v.evidence.first_fin_ack = v.evidence.peer_fin = UINT64_MAX;
	v.evidence.final_ack = v.evidence.rst = UINT64_MAX;

	end = hsa_json_put_conn_members(buf, &c, &v, true);
	assert_true(end - buf <= HSA_JSON_CONN_MEMBERS_MAX);
	/* The bound is not far above the longest object: it is checked. */
	assert_true(end - buf > HSA_JSON_CONN_MEMBERS_MAX / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_old_writer),
		cmocka_unit_test(test_put_token),
		cmocka_unit_test(test_connection),
		cmocka_unit_test(test_connection_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
