/*
 * time_wait.c - who closes first, who enters TIME-WAIT, and each side's state.
 *
 * Why TIME-WAIT exists (RFC 9293, 3.6.1): the side that closes first sends
 * the last ACK of the connection.  If that ACK is lost, the peer retransmits
 * its FIN, and someone must still be there to acknowledge it; and old
 * duplicate segments must die out before the 4-tuple carries a new
 * connection.  So the active closer keeps the socket for 2*MSL (60 s on
 * Linux), holding the 4-tuple.  On a simultaneous close both sides do.
 *
 * The decision is made from sequence and acknowledgment numbers only: a side
 * closed first when the first transmission of its FIN did not acknowledge the
 * peer's FIN, that is, it sent its FIN before it had received the peer's.
 * Timestamps and packet order are not used, because merged captures and
 * loopback captures are not in time order.
 *
 * An RST counts only when its receiver accepted it (conn.c: exactly
 * RCV.NXT, RFC 5961).  An accepted RST leaves both sides CLOSED, whenever
 * it comes: its sender had no socket or aborted it, and its receiver drops
 * the connection.  One that reaches a TIME-WAIT socket ends it: Linux's
 * default net.ipv4.tcp_rfc1337=0 lets an RST "assassinate" TIME-WAIT
 * (RFC 1337); with tcp_rfc1337=1 the socket would stay, which packets
 * cannot show.
 */
#include "config.h"

#include "hsa_conn.h"
#include "seq.h"

static bool fin_acks(const struct hsa_endpoint *e,
    const struct hsa_endpoint *peer)
{
	return e->fin.ack_valid && hsa_seq_after(e->fin.ack, peer->fin.seq);
}

/* Side e sent its FIN before it had received the peer's FIN.
 *
 * When each captured FIN acknowledges the other's, the capture missed the
 * earlier transmissions, and the numbers still decide: a FIN is sent again
 * only while it is unacknowledged, and a side that sends its first FIN
 * after the peer's acknowledges the peer's FIN in every transmission of it.
 * So had one side closed second, the peer's FIN would have been
 * acknowledged by the time the peer learned of it and never sent again
 * acknowledging the other; both FINs must have left before their senders
 * had the other's: a simultaneous close, TIME-WAIT on both sides. */
static bool fin_went_first(const struct hsa_endpoint *e,
    const struct hsa_endpoint *peer)
{
	if (!fin_acks(e, peer))
		return true;
	return peer->fin.seen && fin_acks(peer, e);
}

/* The peer has acknowledged e's FIN. */
static bool fin_acked(const struct hsa_endpoint *e,
    const struct hsa_endpoint *peer)
{
	return peer->ack_known && hsa_seq_after(peer->max_ack, e->fin.seq);
}

static enum hsa_who who(bool client, bool server)
{
	if (client && server)
		return HSA_WHO_BOTH;
	if (client)
		return HSA_WHO_CLIENT;
	if (server)
		return HSA_WHO_SERVER;
	return HSA_WHO_NONE;
}

void hsa_time_wait_verdict(const struct hsa_conn *c, struct hsa_verdict *v)
{
	const struct hsa_endpoint *cl = &c->ep[HSA_CLIENT], *sv = &c->ep[HSA_SERVER];
	bool both = cl->fin.seen && sv->fin.seen;

	v->fins_ack_each_other = false;
	if (both) {
		v->active_closer = who(fin_went_first(cl, sv), fin_went_first(sv, cl));
		v->fins_ack_each_other = fin_acks(cl, sv) && fin_acks(sv, cl);
	}
	else
		v->active_closer = who(cl->fin.seen, sv->fin.seen);
	if (c->rst_seen) {
		v->close = HSA_CLOSE_RST;
		v->time_wait = HSA_WHO_NONE;
	} else if (both) {
		v->close = HSA_CLOSE_FIN;
		v->time_wait = v->active_closer;
	} else if (cl->fin.seen || sv->fin.seen) {
		v->close = HSA_CLOSE_HALF_CLOSED;
		v->time_wait = HSA_WHO_PENDING;
	} else {
		v->close = HSA_CLOSE_OPEN;
		v->time_wait = HSA_WHO_NONE;
	}
	v->time_wait_ended_by_rst = who(c->tw_ended_by_rst & (1u << HSA_CLIENT),
	    c->tw_ended_by_rst & (1u << HSA_SERVER));
	v->state[HSA_CLIENT] = hsa_endpoint_state(c, HSA_CLIENT);
	v->state[HSA_SERVER] = hsa_endpoint_state(c, HSA_SERVER);
}

/* The state side s is in, judged from everything seen so far. */
enum hsa_tcp_state hsa_endpoint_state(const struct hsa_conn *c, int s)
{
	const struct hsa_endpoint *e = &c->ep[s], *peer = &c->ep[1 - s];

	if (c->rst_seen)
		return HSA_ST_CLOSED;
	if (e->fin.seen && peer->fin.seen) {
		if (fin_went_first(e, peer))
			return fin_acked(e, peer) ? HSA_ST_TIME_WAIT : HSA_ST_CLOSING;
		return fin_acked(e, peer) ? HSA_ST_CLOSED : HSA_ST_LAST_ACK;
	}
	if (e->fin.seen)
		return fin_acked(e, peer) ? HSA_ST_FIN_WAIT_2 : HSA_ST_FIN_WAIT_1;
	if (peer->fin.seen)
		return HSA_ST_CLOSE_WAIT;
	if (hsa_conn_established(c))
		return HSA_ST_ESTABLISHED;
	if (c->simultaneous_open)
		/* Each side is in SYN-RECEIVED once it has the other's SYN,
		 * ESTABLISHED once its own SYN is acknowledged as well. */
		return (s == HSA_CLIENT ? c->syn_answer_seen : c->ack3_seen) ?
		    HSA_ST_ESTABLISHED : HSA_ST_SYN_RECEIVED;
	if (s == HSA_CLIENT)
		/* The client is ESTABLISHED once the SYN/ACK reaches it. */
		return c->n_synack > 0 ? HSA_ST_ESTABLISHED :
		    c->n_syn > 0 ? HSA_ST_SYN_SENT : HSA_ST_CLOSED;
	return c->n_synack > 0 ? HSA_ST_SYN_RECEIVED : HSA_ST_LISTEN;
}
