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
 */
#include "config.h"

#include "hsa_conn.h"
#include "seq.h"

/* Side e sent its FIN before it had received the peer's FIN. */
static bool fin_went_first(const struct hsa_endpoint *e,
    const struct hsa_endpoint *peer)
{
	return !(e->fin.ack_valid && hsa_seq_after(e->fin.ack, peer->fin.seq));
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

	if (both && !(c->rst_seen && c->rst_before_fins)) {
		v->close = HSA_CLOSE_FIN;
		v->active_closer = who(fin_went_first(cl, sv), fin_went_first(sv, cl));
		v->time_wait = v->active_closer;
	} else {
		v->close = c->rst_seen ? HSA_CLOSE_RST :
		    (cl->fin.seen || sv->fin.seen) ? HSA_CLOSE_HALF_CLOSED :
		    HSA_CLOSE_OPEN;
		/* With one FIN (and maybe an RST after it), its sender began
		 * the close; with both before an RST, the numbers decide. */
		if (both)
			v->active_closer = who(fin_went_first(cl, sv),
			    fin_went_first(sv, cl));
		else
			v->active_closer = who(cl->fin.seen, sv->fin.seen);
		v->time_wait = v->close == HSA_CLOSE_HALF_CLOSED ?
		    HSA_WHO_PENDING : HSA_WHO_NONE;
	}
	v->state[HSA_CLIENT] = hsa_endpoint_state(c, HSA_CLIENT);
	v->state[HSA_SERVER] = hsa_endpoint_state(c, HSA_SERVER);
}

/* The state side s is in, judged from everything seen so far. */
enum hsa_tcp_state hsa_endpoint_state(const struct hsa_conn *c, int s)
{
	const struct hsa_endpoint *e = &c->ep[s], *peer = &c->ep[1 - s];

	if (e->fin.seen && peer->fin.seen &&
	    !(c->rst_seen && c->rst_before_fins)) {
		if (fin_went_first(e, peer))
			return fin_acked(e, peer) ? HSA_ST_TIME_WAIT : HSA_ST_CLOSING;
		return fin_acked(e, peer) ? HSA_ST_CLOSED : HSA_ST_LAST_ACK;
	}
	if (c->rst_seen)
		return HSA_ST_CLOSED;
	if (e->fin.seen)
		return fin_acked(e, peer) ? HSA_ST_FIN_WAIT_2 : HSA_ST_FIN_WAIT_1;
	if (peer->fin.seen)
		return HSA_ST_CLOSE_WAIT;
	if (hsa_conn_established(c))
		return HSA_ST_ESTABLISHED;
	if (s == HSA_CLIENT)
		/* The client is ESTABLISHED once the SYN/ACK reaches it. */
		return c->n_synack > 0 ? HSA_ST_ESTABLISHED :
		    c->n_syn > 0 ? HSA_ST_SYN_SENT : HSA_ST_CLOSED;
	return c->n_synack > 0 ? HSA_ST_SYN_RECEIVED : HSA_ST_LISTEN;
}
