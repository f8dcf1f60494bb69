/*
 * test_hs_more.c - unit tests of the handshake history kept out of line
 * (struct hsa_hs_more, hsa_conn.h): a connection keeps its first SYN and
 * SYN/ACK in its record and asks for the rest (hsa_conn_wants_more()) only
 * when a SYN or SYN/ACK is retransmitted or both sides open at once.  The
 * expected frames and RTTs follow from how each exchange is built: the
 * first transmission and the latest HSA_HS_RECENT are kept, the echoed
 * SYN is kept whatever came after it, and without the out-of-line part
 * (its owner had no memory) retransmissions are counted, not kept.
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

#define CISN	1000u
#define SISN	5000u

struct flow {
	struct hsa_conn c;
	struct hsa_hs_more more;	/* what the owner gives, at most once */
	bool started;
	bool no_memory;		/* the owner has none to give */
	int wanted;		/* times hsa_conn_wants_more() said yes */
	uint64_t frame;
};

/* One segment of 10.0.0.1:40000 <-> 10.0.0.2:80 at T0 + ms milliseconds,
 * with TSval/TSecr when tsval is not 0; the out-of-line history is given
 * as the tracker gives it (tracker.c, apply_segment()). */
static void seg(struct flow *f, int64_t ms, int from, uint32_t seq,
    uint32_t ack, uint8_t flags, uint32_t tsval, uint32_t tsecr)
{
	struct hsa_packet p = test_segment(ms, 40000, from, seq, ack, flags);

	p.frame = ++f->frame;
	if (tsval) {
		p.opt.has_timestamps = true;
		p.opt.tsval = tsval;
		p.opt.tsecr = tsecr;
	}
	if (!f->started) {
		hsa_conn_init(&f->c, 1, &p);
		f->started = true;
	}
	if (hsa_conn_wants_more(&f->c, &p)) {
		f->wanted++;
		if (!f->no_memory)
			hsa_conn_attach_more(&f->c, &f->more);
	}
	hsa_conn_segment(&f->c, &p);
}

/* The handshake's ACK at ms, then a client close: closed, TIME-WAIT on
 * the client. */
static void ack_and_close(struct flow *f, int64_t ms)
{
	seg(f, ms, FROM_CLIENT, CISN + 1, SISN + 1, ACK, 0, 0);
	seg(f, ms + 1, FROM_CLIENT, CISN + 1, SISN + 1, FIN | ACK, 0, 0);
	seg(f, ms + 2, FROM_SERVER, SISN + 1, CISN + 2, FIN | ACK, 0, 0);
	seg(f, ms + 3, FROM_CLIENT, CISN + 2, SISN + 2, ACK, 0, 0);
}

/* One SYN, one SYN/ACK: nothing out of line is asked for. */
static void common_case_stays_inline(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 20, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	ack_and_close(&f, 21);
	assert_int_equal(f.wanted, 0);
	assert_null(f.c.more);
	assert_true(hsa_conn_closed(&f.c));
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_COMPLETE);
	assert_int_equal(v.syn_to_synack_ns, 20 * MS);
	assert_int_equal(v.synack_to_ack_ns, 1 * MS);
	assert_int_equal(v.evidence.n_syn, 1);
	assert_int_equal(v.evidence.syn[0], 1);
	assert_int_equal(v.evidence.n_synack, 1);
	assert_int_equal(v.evidence.synack[0], 2);
	assert_int_equal(v.evidence.handshake_ack, 3);
}

/* Six SYNs (frames 1-6, at 0, 1, 3, 7, 15, 31 s), two SYN/ACKs (frames 7,
 * 8): the second SYN asks once for the out-of-line history; the evidence
 * is the first SYN and the latest four (frames 1, 3-6), both SYN/ACKs;
 * SYN -> SYN/ACK from the last SYN, SYN/ACK -> ACK from the last SYN/ACK. */
static void syn_retransmissions_beyond_the_ring(void **state)
{
	static const int64_t at[] = { 0, 1000, 3000, 7000, 15000, 31000 };
	struct flow f = { 0 };
	struct hsa_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++)
		seg(&f, at[i], FROM_CLIENT, CISN, 0, SYN, 0, 0);
	assert_int_equal(f.wanted, 1);
	assert_ptr_equal(f.c.more, &f.more);
	seg(&f, 31040, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	seg(&f, 32040, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	ack_and_close(&f, 32050);
	assert_int_equal(f.wanted, 1);
	assert_int_equal(f.c.n_syn, 6);
	assert_int_equal(f.c.syn_retransmits, 5);
	assert_int_equal(f.c.n_synack, 2);
	assert_int_equal(f.c.synack_retransmits, 1);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_COMPLETE);
	assert_true(v.syn_to_synack_valid && v.synack_to_ack_valid);
	assert_int_equal(v.syn_to_synack_ns, 40 * MS);
	assert_int_equal(v.synack_to_ack_ns, 10 * MS);
	assert_int_equal(v.evidence.n_syn, 5);
	assert_int_equal(v.evidence.syn[0], 1);
	assert_int_equal(v.evidence.syn[1], 3);
	assert_int_equal(v.evidence.syn[2], 4);
	assert_int_equal(v.evidence.syn[3], 5);
	assert_int_equal(v.evidence.syn[4], 6);
	assert_int_equal(v.evidence.n_synack, 2);
	assert_int_equal(v.evidence.synack[0], 7);
	assert_int_equal(v.evidence.synack[1], 8);
	assert_int_equal(v.evidence.handshake_ack, 9);
}

/* With timestamps: the SYN/ACK echoes the second SYN's TSval (the SYN sent
 * at 1 s); SYNs keep coming after it (six in all), pushing that SYN out of
 * the ring; SYN -> SYN/ACK is still measured from it. */
static void echoed_syn_kept_out_of_line(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;
	uint32_t i;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 100, 0);
	seg(&f, 1000, FROM_CLIENT, CISN, 0, SYN, 200, 0);
	seg(&f, 1030, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 900, 200);
	for (i = 0; i < 4; i++)
		seg(&f, 1100 + i, FROM_CLIENT, CISN, 0, SYN, 300 + i, 0);
	ack_and_close(&f, 1200);
	assert_int_equal(f.c.n_syn, 6);
	assert_true(f.c.syn_echoed_valid);
	hsa_conn_verdict(&f.c, &v);
	assert_true(v.syn_to_synack_valid);
	assert_int_equal(v.syn_to_synack_ns, 30 * MS);
	assert_int_equal(v.evidence.n_syn, 5);
	assert_int_equal(v.evidence.syn[0], 1);
	assert_int_equal(v.evidence.syn[1], 4);	/* frame 2 pushed out */
	assert_int_equal(v.evidence.syn[4], 7);
}

/* The SYN/ACK echoes the first SYN before any retransmission: the echoed
 * SYN is the one kept inline, and stays the one measured from after the
 * out-of-line history comes (a SYN/ACK retransmission asks for it). */
static void echoed_first_syn_then_more(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 100, 0);
	seg(&f, 25, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 900, 100);
	assert_int_equal(f.wanted, 0);
	assert_true(f.c.syn_echoed_valid);
	seg(&f, 1000, FROM_CLIENT, CISN, 0, SYN, 200, 0);
	seg(&f, 1025, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 901, 200);
	assert_int_equal(f.wanted, 1);
	ack_and_close(&f, 1030);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.syn_to_synack_ns, 25 * MS);
	assert_int_equal(v.synack_to_ack_ns, 5 * MS);
	assert_int_equal(v.evidence.n_syn, 2);
	assert_int_equal(v.evidence.n_synack, 2);
	assert_int_equal(v.evidence.synack[1], 4);
}

/* Both sides send a SYN (RFC 9293 figure 8): the server's SYN asks for the
 * out-of-line history, where its first segment acknowledging the client's
 * SYN (its SYN/ACK, at 12 ms) is kept: SYN -> SYN/ACK is 12 ms; the
 * client's SYN/ACK (13 ms) completes the handshake 1 ms after the last of
 * the server's. */
static void simultaneous_open_answer(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 1, FROM_SERVER, SISN, 0, SYN, 0, 0);
	assert_int_equal(f.wanted, 1);
	assert_true(f.c.simultaneous_open);
	seg(&f, 12, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	seg(&f, 13, FROM_CLIENT, CISN, SISN + 1, SYN | ACK, 0, 0);
	assert_int_equal(f.wanted, 1);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_COMPLETE);
	assert_true(v.syn_to_synack_valid && v.synack_to_ack_valid);
	assert_int_equal(v.syn_to_synack_ns, 12 * MS);
	assert_int_equal(v.synack_to_ack_ns, 1 * MS);
	assert_int_equal(v.evidence.n_syn, 2);
	assert_int_equal(v.evidence.syn[0], 1);
	assert_int_equal(v.evidence.syn[1], 4);
	assert_int_equal(v.evidence.n_synack, 2);
	assert_int_equal(v.evidence.synack[0], 2);
	assert_int_equal(v.evidence.synack[1], 3);
	assert_int_equal(v.evidence.handshake_ack, 4);
}

/* One SYN, the SYN/ACK twice (frames 2, 3, at 20 ms and 1020 ms): the
 * second SYN/ACK asks for the out-of-line history; SYN/ACK -> ACK is
 * measured from it. */
static void synack_retransmitted(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 20, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	assert_int_equal(f.wanted, 0);
	seg(&f, 1020, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	assert_int_equal(f.wanted, 1);
	ack_and_close(&f, 1021);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(f.c.synack_retransmits, 1);
	assert_int_equal(v.syn_to_synack_ns, 20 * MS);
	assert_int_equal(v.synack_to_ack_ns, 1 * MS);
	assert_int_equal(v.evidence.n_synack, 2);
	assert_int_equal(v.evidence.synack[0], 2);
	assert_int_equal(v.evidence.synack[1], 3);
}

/* The capture begins with the SYN/ACK (frame 1); the server then sends its
 * SYN again without ACK (frame 2, same ISN): a SYN of the second kind with
 * no SYN of the client's kept asks for the out-of-line history, and both
 * server transmissions are kept. */
static void server_syn_after_its_synack(void **state)
{
	struct flow f = { 0 };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	assert_int_equal(f.wanted, 0);
	seg(&f, 5, FROM_SERVER, SISN, 0, SYN, 0, 0);
	assert_int_equal(f.wanted, 1);
	assert_int_equal(f.c.n_syn, 0);
	assert_int_equal(f.c.n_synack, 2);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.evidence.n_syn, 0);
	assert_int_equal(v.evidence.n_synack, 2);
	assert_int_equal(v.evidence.synack[0], 1);
	assert_int_equal(v.evidence.synack[1], 2);
}

/* The owner has no memory for the out-of-line history: the retransmitted
 * SYNs are counted, only the first is kept (evidence: frame 1 alone), and
 * SYN -> SYN/ACK is measured from it. */
static void without_memory_only_the_first(void **state)
{
	struct flow f = { .no_memory = true };
	struct hsa_verdict v;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 1000, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 3000, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 3020, FROM_SERVER, SISN, CISN + 1, SYN | ACK, 0, 0);
	ack_and_close(&f, 3021);
	assert_int_equal(f.wanted, 2);	/* asked again at each SYN after the first */
	assert_null(f.c.more);
	assert_int_equal(f.c.n_syn, 3);
	assert_int_equal(f.c.syn_retransmits, 2);
	hsa_conn_verdict(&f.c, &v);
	assert_int_equal(v.handshake, HSA_HS_COMPLETE);
	assert_int_equal(v.syn_to_synack_ns, 3020 * MS);
	assert_int_equal(v.evidence.n_syn, 1);
	assert_int_equal(v.evidence.syn[0], 1);
}

/* A kept copy has no out-of-line history (it is the tracker's memory). */
static void keep_drops_the_history(void **state)
{
	struct flow f = { 0 };
	static struct hsa_conn copy;

	(void)state;
	seg(&f, 0, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	seg(&f, 1000, FROM_CLIENT, CISN, 0, SYN, 0, 0);
	assert_non_null(f.c.more);
	hsa_conn_keep(&copy, &f.c);
	assert_null(copy.more);
	assert_int_equal(copy.n_syn, 2);
	assert_int_equal(copy.first_tx[HSA_HS_SYN].frame, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(common_case_stays_inline),
		cmocka_unit_test(syn_retransmissions_beyond_the_ring),
		cmocka_unit_test(echoed_syn_kept_out_of_line),
		cmocka_unit_test(echoed_first_syn_then_more),
		cmocka_unit_test(simultaneous_open_answer),
		cmocka_unit_test(synack_retransmitted),
		cmocka_unit_test(server_syn_after_its_synack),
		cmocka_unit_test(without_memory_only_the_first),
		cmocka_unit_test(keep_drops_the_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
