/*
 * conn.c - apply one TCP segment to its connection and name its role.
 *
 * This records facts as they arrive (initial sequence numbers, SYN and
 * SYN/ACK times, each side's first FIN and its acknowledgment number, RSTs,
 * counters).  Conclusions are drawn later from the facts (verdict.c,
 * time_wait.c), because merged and loopback captures are not in time order:
 * the packet order in the file is a hint, the sequence numbers are the truth.
 */
#include "config.h"

#include <string.h>

#include "hsa_conn.h"
#include "seq.h"

/* The tracker's memory is mostly closed connections waiting out the linger
 * (hsa_conn.h): at 416 bytes the benchmark trace's 33,400 of them fit in
 * one 2 MiB chunk of the record pool fewer than at 432. */
_Static_assert(sizeof(struct hsa_endpoint) == 96, "an endpoint is 96 bytes");
_Static_assert(sizeof(struct hsa_conn) <= 416, "a connection is 416 bytes");

/* The smallest window assumed when deciding whether a SYN's sequence number
 * lies inside the previous connection's window. */
#define MIN_WINDOW 65535u

static bool same_endpoint(const struct hsa_endpoint *e,
    const struct hsa_addr *a, uint16_t port)
{
	return e->port == port && memcmp(e->addr.bytes, a->bytes, 16) == 0;
}

/* Without a SYN or SYN/ACK, guess the server: a port below 1024, else the
 * lower port; on a tie, the destination of the first packet. */
static bool guess_dst_is_server(uint16_t sport, uint16_t dport)
{
	bool s_low = sport < 1024, d_low = dport < 1024;

	if (s_low != d_low)
		return d_low;
	return dport <= sport;
}

void hsa_conn_init(struct hsa_conn *c, uint64_t id, const struct hsa_packet *p)
{
	bool dst_is_server;
	int cs, ss;

	memset(c, 0, sizeof(*c));
	c->id = id;
	c->ip_version = p->ip_version;
	c->first_ts = c->last_ts = p->ts_ns;
	c->rst_from = HSA_CLIENT;

	if ((p->flags & (HSA_TCP_SYN | HSA_TCP_ACK)) == HSA_TCP_SYN)
		dst_is_server = true;		/* the SYN's sender is the client */
	else if ((p->flags & (HSA_TCP_SYN | HSA_TCP_ACK)) ==
	    (HSA_TCP_SYN | HSA_TCP_ACK))
		dst_is_server = false;		/* the SYN/ACK's sender is the server */
	else {
		dst_is_server = guess_dst_is_server(p->sport, p->dport);
		c->roles_guessed = true;
	}
	cs = dst_is_server ? 0 : 1;		/* 0: p's source, 1: p's destination */
	ss = 1 - cs;
	c->ep[HSA_CLIENT].addr = cs == 0 ? p->src : p->dst;
	c->ep[HSA_CLIENT].port = cs == 0 ? p->sport : p->dport;
	c->ep[HSA_SERVER].addr = ss == 0 ? p->src : p->dst;
	c->ep[HSA_SERVER].port = ss == 0 ? p->sport : p->dport;
}

int hsa_conn_sender(const struct hsa_conn *c, const struct hsa_packet *p)
{
	return same_endpoint(&c->ep[HSA_CLIENT], &p->src, p->sport) ?
	    HSA_CLIENT : HSA_SERVER;
}

static void swap_roles(struct hsa_conn *c)
{
	struct hsa_endpoint tmp = c->ep[HSA_CLIENT];

	c->ep[HSA_CLIENT] = c->ep[HSA_SERVER];
	c->ep[HSA_SERVER] = tmp;
}

bool hsa_conn_closed(const struct hsa_conn *c)
{
	const struct hsa_endpoint *a = &c->ep[HSA_CLIENT], *b = &c->ep[HSA_SERVER];

	if (c->rst_seen)
		return true;
	return a->fin.seen && b->fin.seen && b->ack_known && a->ack_known &&
	    hsa_seq_after(b->max_ack, a->fin.seq) &&
	    hsa_seq_after(a->max_ack, b->fin.seq);
}

bool hsa_conn_established(const struct hsa_conn *c)
{
	if (c->simultaneous_open)
		return c->ack3_seen && c->syn_answer_seen;
	return c->ack3_seen || (c->n_syn == 0 && c->n_synack == 0);
}

bool hsa_conn_syn_starts_new(const struct hsa_conn *c, const struct hsa_packet *p)
{
	int s = hsa_conn_sender(c, p);
	const struct hsa_endpoint *e = &c->ep[s], *peer = &c->ep[1 - s];
	uint32_t window;

	/* A retransmission of the SYN this connection began with. */
	if (s == HSA_CLIENT && e->isn_seen && p->seq == e->isn)
		return false;
	/* The other side's SYN while the first is unanswered: the SYNs
	 * cross (simultaneous open), or the server's SYN again. */
	if (s == HSA_SERVER && !c->rst_seen && c->n_syn > 0 &&
	    (c->simultaneous_open ? e->isn_seen && p->seq == e->isn :
	    c->n_synack == 0 && !e->seq_known))
		return false;
	/* The previous connection has ended: both FINs, or an RST. */
	if (c->rst_seen || (e->fin.seen && peer->fin.seen))
		return true;
	/* The SYN the SYN/ACK answered, captured after it (merged captures). */
	if (s == HSA_CLIENT && !e->isn_seen && c->n_synack > 0 &&
	    peer->ack_known && p->seq + 1 == peer->max_ack && c->n_syn == 0)
		return false;
	if (!e->seq_known)
		return true;
	/* Outside the window the sender was last allowed to send into. */
	window = peer->window > MIN_WINDOW ? peer->window : MIN_WINDOW;
	return hsa_seq_distance(p->seq, e->next_seq) > window;
}

void hsa_conn_tw_memo(const struct hsa_conn *c, enum hsa_tcp_state server,
    struct hsa_tw_memo *m)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT];

	m->server_time_wait = server == HSA_ST_TIME_WAIT;
	m->seq_known = cl->seq_known;
	m->tsval_seen = cl->tsval_seen;
	m->next_seq = cl->next_seq;
	m->last_tsval = cl->last_tsval;
}

bool hsa_tw_memo_refuses(const struct hsa_tw_memo *m,
    const struct hsa_packet *p)
{
	if (!m->seq_known || !m->server_time_wait)
		return false;
	if (hsa_seq_after(p->seq, m->next_seq))
		return false;
	return !(p->opt.has_timestamps && m->tsval_seen &&
	    hsa_seq_after(p->opt.tsval, m->last_tsval));
}

bool hsa_conn_syn_hits_time_wait(const struct hsa_conn *c,
    const struct hsa_packet *p)
{
	struct hsa_tw_memo m;

	if (hsa_conn_sender(c, p) != HSA_CLIENT)
		return false;
	hsa_conn_tw_memo(c, hsa_endpoint_state(c, HSA_SERVER), &m);
	return hsa_tw_memo_refuses(&m, p);
}

static void tx_from(struct hsa_hs_tx *t, const struct hsa_packet *p)
{
	t->ts = p->ts_ns;
	t->frame = p->frame;
	t->has_ts = p->opt.has_timestamps;
	t->tsval = p->opt.tsval;
	t->tsecr = p->opt.tsecr;
}

static uint32_t *count_of(struct hsa_conn *c, int kind)
{
	return kind == HSA_HS_SYN ? &c->n_syn : &c->n_synack;
}

/* Count a transmission of kind and keep it: the first in first_tx, every
 * one in the ring when c has one. */
static void record_tx(struct hsa_conn *c, int kind, const struct hsa_packet *p)
{
	uint32_t *n = count_of(c, kind);

	if (*n == 0)
		tx_from(&c->first_tx[kind], p);
	if (c->more)
		tx_from(&c->more->recent[kind][*n % HSA_HS_RECENT], p);
	if (*n < UINT32_MAX)
		(*n)++;
}

void hsa_conn_attach_more(struct hsa_conn *c, struct hsa_hs_more *m)
{
	int kind;

	memset(m, 0, sizeof(*m));
	for (kind = HSA_HS_SYN; kind <= HSA_HS_SYNACK; kind++)
		m->recent[kind][0] = c->first_tx[kind];	/* transmission 0 */
	m->syn_echoed = c->first_tx[HSA_HS_SYN];	/* if echoed, the first */
	c->more = m;
}

/* The SYN transmission whose TSval is tsval, or NULL. */
static const struct hsa_hs_tx *syn_with_tsval(const struct hsa_conn *c,
    uint32_t tsval)
{
	const struct hsa_hs_tx *first = &c->first_tx[HSA_HS_SYN], *ring;
	uint32_t i, kept = c->n_syn < HSA_HS_RECENT ? c->n_syn : HSA_HS_RECENT;

	if (c->more) {
		ring = c->more->recent[HSA_HS_SYN];
		for (i = 0; i < kept; i++)
			if (ring[i].has_ts && ring[i].tsval == tsval)
				return &ring[i];
	}
	if (c->n_syn > 0 && first->has_ts && first->tsval == tsval)
		return first;
	return NULL;
}

/* The first SYN/ACK (in a simultaneous open, the server's first segment
 * acknowledging the client's SYN), or NULL when not seen or not kept. */
static const struct hsa_hs_tx *answer_of(const struct hsa_conn *c)
{
	if (c->simultaneous_open)
		return c->syn_answer_seen && c->more ? &c->more->syn_answer :
		    NULL;
	return c->n_synack > 0 ? &c->first_tx[HSA_HS_SYNACK] : NULL;
}

/* Find the SYN the first SYN/ACK echoes, once both are in. */
static void match_echoed_syn(struct hsa_conn *c)
{
	const struct hsa_hs_tx *synack = answer_of(c), *syn;

	if (c->syn_echoed_valid || !synack || !synack->has_ts ||
	    synack->tsecr == 0)
		return;
	if ((syn = syn_with_tsval(c, synack->tsecr))) {
		if (c->more)
			c->more->syn_echoed = *syn;
		c->syn_echoed_valid = true;
	}
}

/* Keep the options a side offered in its SYN or SYN/ACK. */
static void record_offer(struct hsa_endpoint *e, const struct hsa_packet *p)
{
	const struct hsa_tcp_options *o = &p->opt;

	e->opt = (struct hsa_tcp_offer){
		.mss = o->mss,
		.wscale = o->wscale,
		.has_mss = o->has_mss,
		.has_wscale = o->has_wscale,
		.sack_permitted = o->sack_permitted,
		.has_timestamps = o->has_timestamps,
		.truncated = o->truncated,
		.invalid = o->invalid,
	};
}

/* A segment with SYN from the server (e): its SYN/ACK, or its own SYN when
 * the SYNs crossed.  The first gives its ISN and options; one with that
 * ISN again is a retransmission (true).  Recorded either way. */
static bool server_syn(struct hsa_conn *c, struct hsa_endpoint *e,
    const struct hsa_packet *p)
{
	if (e->isn_seen && p->seq == e->isn) {
		c->synack_retransmits++;
		record_tx(c, HSA_HS_SYNACK, p);
		return true;
	}
	if (!e->isn_seen) {
		e->isn_seen = true;
		e->isn = p->seq;
		record_offer(e, p);
	}
	record_tx(c, HSA_HS_SYNACK, p);
	return false;
}

static enum hsa_segment_role on_syn(struct hsa_conn *c, int s,
    const struct hsa_packet *p)
{
	struct hsa_endpoint *e = &c->ep[s];

	if (p->flags & HSA_TCP_ACK) {
		/* SYN/ACK: its sender is the server, whatever was guessed. */
		if (s == HSA_CLIENT && (c->roles_guessed || c->n_syn == 0) &&
		    c->n_synack == 0) {
			swap_roles(c);
			s = HSA_SERVER;
			e = &c->ep[s];
		}
		c->roles_guessed = false;
		if (c->simultaneous_open && e->isn_seen && p->seq == e->isn &&
		    !(c->synack_sent & (1u << s))) {
			/* Each side answers the other's SYN with a SYN/ACK. */
			c->synack_sent |= (uint8_t)(1u << s);
			if (s == HSA_SERVER)
				record_tx(c, HSA_HS_SYNACK, p);
			else
				record_tx(c, HSA_HS_SYN, p);
			return HSA_ROLE_CROSSING_SYNACK;
		}
		if (s != HSA_SERVER)
			return HSA_ROLE_SYNACK;	/* a SYN/ACK from the client: odd */
		if (server_syn(c, e, p))
			return HSA_ROLE_SYNACK_RETRANSMIT;
		match_echoed_syn(c);
		return HSA_ROLE_SYNACK;
	}

	/* SYN without ACK: its sender is the client. */
	if (s == HSA_SERVER && c->roles_guessed) {
		swap_roles(c);
		s = HSA_CLIENT;
		e = &c->ep[s];
	}
	c->roles_guessed = false;
	if (s == HSA_SERVER) {
		/* The server's own SYN: the SYNs crossed. */
		c->simultaneous_open = true;
		if (server_syn(c, e, p))
			return HSA_ROLE_SYNACK_RETRANSMIT;
		return HSA_ROLE_CROSSING_SYN;
	}
	if (p->payload_len > 0)
		c->fast_open = true;	/* data in the SYN: TCP Fast Open */
	if (e->isn_seen && p->seq == e->isn) {
		c->syn_retransmits++;
		record_tx(c, HSA_HS_SYN, p);
		match_echoed_syn(c);
		return HSA_ROLE_SYN_RETRANSMIT;
	}
	if (!e->isn_seen) {
		e->isn_seen = true;
		e->isn = p->seq;
		record_offer(e, p);
	}
	record_tx(c, HSA_HS_SYN, p);
	match_echoed_syn(c);
	return HSA_ROLE_SYN;
}

static enum hsa_segment_role on_fin(struct hsa_conn *c, int s,
    const struct hsa_packet *p, bool acked_peer_fin_before)
{
	struct hsa_endpoint *e = &c->ep[s], *peer = &c->ep[1 - s];
	uint32_t fin_seq = p->seq + p->payload_len;
	bool has_ack = (p->flags & HSA_TCP_ACK) != 0;

	if (e->fin.seen && fin_seq == e->fin.seq) {
		c->fin_retransmits++;
		/* Keep the smallest acknowledgment: the first transmission's. */
		if (has_ack && (!e->fin.ack_valid || hsa_seq_before(p->ack, e->fin.ack)))
			e->fin.ack = p->ack;
		e->fin.ack_valid = e->fin.ack_valid || has_ack;
		if (p->ts_ns < e->fin.ts)
			e->fin.ts = p->ts_ns;
		return HSA_ROLE_FIN_RETRANSMIT;
	}
	if (e->fin.seen)
		return HSA_ROLE_DATA;	/* a second, different FIN: ignore it */

	e->fin.seen = true;
	e->fin.seq = fin_seq;
	e->fin.ack_valid = has_ack;
	e->fin.ack = p->ack;
	e->fin.ts = p->ts_ns;
	e->fin.frame = p->frame;

	if (!peer->fin.seen)
		return HSA_ROLE_FIRST_FIN;
	if (!(has_ack && hsa_seq_after(p->ack, peer->fin.seq)))
		return HSA_ROLE_SIMULTANEOUS_FIN;
	return acked_peer_fin_before ? HSA_ROLE_PEER_FIN : HSA_ROLE_PEER_FIN_ACK;
}

/* What the receiver of an RST does with it, as Linux decides in
 * tcp_validate_incoming() (RFC 5961, 3.2; RFC 9293, 3.10.7.4), in
 * tcp_rcv_synsent_state_process(), tcp_check_req() and
 * tcp_timewait_state_process() (with net.ipv4.tcp_rfc1337=0, the default).
 * RCV.NXT is taken from the wire: the sequence space the RST's sender has
 * used (everything captured is assumed delivered), or the receiver's own
 * highest acknowledgment when that is further.  The window runs from the
 * receiver's last acknowledgment (Linux's rcv_wup) to RCV.NXT plus the
 * window it last advertised. */
enum rst_fate { RST_ACCEPTED, RST_CHALLENGED, RST_IGNORED };

static enum rst_fate rst_fate(const struct hsa_conn *c, int s,
    const struct hsa_packet *p, enum hsa_tcp_state rs)
{
	const struct hsa_endpoint *snd = &c->ep[s], *rcv = &c->ep[1 - s];
	uint32_t rcv_nxt, rcv_wup, window;
	bool known = snd->seq_known || rcv->ack_known;

	switch (rs) {
	case HSA_ST_CLOSED:
	case HSA_ST_LISTEN:
		return RST_IGNORED;	/* no socket holds this 4-tuple */
	case HSA_ST_SYN_SENT:
		/* Only an RST that acknowledges the SYN: ack = ISN + 1. */
		return (p->flags & HSA_TCP_ACK) && rcv->isn_seen &&
		    p->ack == rcv->isn + 1 ? RST_ACCEPTED : RST_IGNORED;
	default:
		break;
	}
	if (!known)
		return RST_ACCEPTED;	/* nothing to check it against */
	rcv_nxt = snd->seq_known ? snd->next_seq : rcv->max_ack;
	if (rcv->ack_known && hsa_seq_after(rcv->max_ack, rcv_nxt))
		rcv_nxt = rcv->max_ack;
	rcv_wup = rcv->ack_known ? rcv->max_ack : rcv_nxt;
	window = rcv->packets > 0 ? rcv->window : MIN_WINDOW;

	if (p->seq == rcv_nxt)
		return RST_ACCEPTED;
	/* tcp_reset_check(): RCV.NXT - 1 once the sender's FIN is in. */
	if (p->seq == rcv_nxt - 1 && (rs == HSA_ST_CLOSE_WAIT ||
	    rs == HSA_ST_LAST_ACK || rs == HSA_ST_CLOSING))
		return RST_ACCEPTED;
	/* TIME-WAIT resets only on an exact match and never challenges. */
	if (rs == HSA_ST_TIME_WAIT)
		return RST_IGNORED;
	if (hsa_seq_before(p->seq, rcv_wup) ||
	    hsa_seq_after(p->seq, rcv_nxt + window))
		return RST_IGNORED;
	/* A request socket (SYN-RECEIVED) takes any RST in its window. */
	if (rs == HSA_ST_SYN_RECEIVED && !c->ack3_seen)
		return RST_ACCEPTED;
	return RST_CHALLENGED;
}

static enum hsa_segment_role on_rst(struct hsa_conn *c, int s,
    const struct hsa_packet *p)
{
	const struct hsa_endpoint *e = &c->ep[s], *peer = &c->ep[1 - s];
	enum hsa_tcp_state rs = hsa_endpoint_state(c, 1 - s);

	switch (rst_fate(c, s, p, rs)) {
	case RST_CHALLENGED:
		c->rst_challenged++;
		c->challenge_due |= (uint8_t)(1u << (1 - s));
		return HSA_ROLE_RST_CHALLENGED;
	case RST_IGNORED:
		c->rst_ignored++;
		return HSA_ROLE_RST_IGNORED;
	case RST_ACCEPTED:
		break;
	}
	c->rst_accepted++;
	if (!c->rst_seen) {
		c->rst_seen = true;
		c->rst_from = (uint8_t)s;
		c->rst_frame = p->frame;
		c->rst_before_fins = !(e->fin.seen && peer->fin.seen);
	}
	if (rs == HSA_ST_TIME_WAIT) {
		c->tw_ended_by_rst |= (uint8_t)(1u << (1 - s));
		return HSA_ROLE_RST_TIME_WAIT;
	}
	/* A SYN answered by an RST: nothing listens there. */
	if (s == HSA_SERVER && c->n_syn > 0 && c->n_synack == 0) {
		c->refused = true;
		return HSA_ROLE_RST_REFUSED;
	}
	return HSA_ROLE_RST;
}

/* New data from side s (not a retransmission): the client's first data,
 * or its first after the server's, starts a request/response exchange. */
static void count_exchange(struct hsa_conn *c, int s)
{
	if (s == HSA_CLIENT && c->last_data_from != HSA_CLIENT + 1)
		c->exchanges++;
	c->last_data_from = (uint8_t)(s + 1);
}

enum hsa_segment_role hsa_conn_segment(struct hsa_conn *c,
    const struct hsa_packet *p)
{
	int s = hsa_conn_sender(c, p);
	struct hsa_endpoint *e, *peer;
	enum hsa_segment_role role;
	bool has_ack = (p->flags & HSA_TCP_ACK) != 0;
	bool acked_peer_fin_before;
	uint32_t end;

	if (p->ts_ns < c->first_ts)
		c->first_ts = p->ts_ns;
	if (p->ts_ns > c->last_ts)
		c->last_ts = p->ts_ns;

	if (p->flags & HSA_TCP_SYN) {
		role = on_syn(c, s, p);
		s = hsa_conn_sender(c, p);	/* roles may have been set */
	} else
		role = p->payload_len > 0 ? HSA_ROLE_DATA : HSA_ROLE_ACK;

	e = &c->ep[s];
	peer = &c->ep[1 - s];
	e->packets++;
	e->bytes += p->payload_len;
	if (p->opt.has_timestamps &&
	    (!e->tsval_seen || hsa_seq_after(p->opt.tsval, e->last_tsval))) {
		e->last_tsval = p->opt.tsval;
		e->tsval_seen = true;
	}

	/* An RST changes nothing but what its receiver makes of it. */
	if (p->flags & HSA_TCP_RST)
		return on_rst(c, s, p);

	/* Sequence space used and acknowledgment sent. */
	end = p->seq + p->payload_len + ((p->flags & HSA_TCP_SYN) ? 1 : 0) +
	    ((p->flags & HSA_TCP_FIN) ? 1 : 0);
	if (p->payload_len > 0 &&
	    (!e->seq_known || hsa_seq_after(end, e->next_seq)))
		count_exchange(c, s);
	if (!e->seq_known || hsa_seq_after(end, e->next_seq)) {
		e->next_seq = end;
		e->seq_known = true;
	}
	acked_peer_fin_before = peer->fin.seen && e->ack_known &&
	    hsa_seq_after(e->max_ack, peer->fin.seq);
	/* Evidence: the first segment of e acknowledging the peer's FIN. */
	if (has_ack && !(p->flags & HSA_TCP_RST) && peer->fin.seen &&
	    !peer->fin.acked_frame && hsa_seq_after(p->ack, peer->fin.seq))
		peer->fin.acked_frame = p->frame;
	if (has_ack && (!e->ack_known || hsa_seq_after(p->ack, e->max_ack))) {
		e->max_ack = p->ack;
		e->ack_known = true;
	}
	/* The window is scaled only when both sides offered scaling, and
	 * never in a SYN (RFC 7323, 2.2). */
	e->window = p->window;
	if (!(p->flags & HSA_TCP_SYN) && e->opt.has_wscale &&
	    peer->opt.has_wscale)
		e->window <<= (e->opt.wscale > 14 ? 14 : e->opt.wscale);

	/* The first pure ACK after a challenged RST is the challenge ACK.
	 * Most segments owe none: the two bits are tested together first. */
	if (c->challenge_due && (c->challenge_due & (1u << s))) {
		c->challenge_due &= (uint8_t)~(1u << s);
		if (role == HSA_ROLE_ACK && !(p->flags & HSA_TCP_FIN))
			role = HSA_ROLE_CHALLENGE_ACK;
	}

	/* Handshake 3/3: the client's first ACK of the SYN/ACK (in a
	 * simultaneous open, of the server's SYN, maybe in its SYN/ACK). */
	if (s == HSA_CLIENT && has_ack &&
	    (!(p->flags & HSA_TCP_SYN) || c->simultaneous_open) &&
	    !c->ack3_seen && peer->isn_seen &&
	    hsa_seq_after(p->ack, peer->isn)) {
		c->ack3_seen = true;
		c->ack3_ts = p->ts_ns;
		c->ack3_frame = p->frame;
		if (!(p->flags & (HSA_TCP_FIN | HSA_TCP_SYN)))
			role = HSA_ROLE_HANDSHAKE_ACK;
	}
	/* In a simultaneous open: the server's first ACK of the client's SYN. */
	if (s == HSA_SERVER && has_ack && c->simultaneous_open &&
	    !c->syn_answer_seen && peer->isn_seen &&
	    hsa_seq_after(p->ack, peer->isn)) {
		c->syn_answer_seen = true;
		if (c->more)
			tx_from(&c->more->syn_answer, p);
		match_echoed_syn(c);
	}
	/* A TIME-WAIT server answering a SYN it does not accept. */
	if (c->tk.held_syn && s == HSA_SERVER && role == HSA_ROLE_ACK)
		role = HSA_ROLE_TIME_WAIT_ACK;

	if (p->flags & HSA_TCP_FIN)
		return on_fin(c, s, p, acked_peer_fin_before);

	/* An ACK that newly covers the peer's FIN. */
	if (peer->fin.seen && !acked_peer_fin_before && has_ack &&
	    hsa_seq_after(p->ack, peer->fin.seq))
		return e->fin.seen ? HSA_ROLE_FINAL_ACK : HSA_ROLE_ACK_OF_FIRST_FIN;
	return role;
}
