/*
 * evidence.c - which captured segments a connection's verdict rests on,
 * by frame number, so that a reader can open the capture in Wireshark and
 * check the verdict for themselves.
 *
 * The connection record holds the frames as facts (each SYN and SYN/ACK
 * transmission kept, each side's first FIN and the first segment that
 * acknowledged it, the handshake ACK, the RST); here they are named by the
 * part they play in the verdict: the active closer's FIN is the first FIN,
 * the other side's is the peer's FIN.
 */
#include "config.h"

#include "hsa_conn.h"

/* The frames of the transmissions of kind kept, in capture order: the
 * first, then the latest HSA_HS_RECENT. */
static int copy_frames(uint64_t *out, const struct hsa_conn *c, int kind)
{
	uint32_t n = kind == HSA_HS_SYN ? c->n_syn : c->n_synack;
	uint32_t i = n > HSA_HS_RECENT ? n - HSA_HS_RECENT : 1;
	int k = 0;

	if (n == 0)
		return 0;
	out[k++] = c->first_tx[kind].frame;
	if (!c->more)
		return k;	/* only the first is kept */
	for (; i < n; i++)
		out[k++] = c->more->recent[kind][i % HSA_HS_RECENT].frame;
	return k;
}

/* The side whose FIN the verdict counts as the first. */
static int first_closer(const struct hsa_conn *c, const struct hsa_verdict *v)
{
	const struct hsa_fin *cf = &c->ep[HSA_CLIENT].fin, *sf = &c->ep[HSA_SERVER].fin;

	if (v->active_closer == HSA_WHO_CLIENT)
		return HSA_CLIENT;
	if (v->active_closer == HSA_WHO_SERVER)
		return HSA_SERVER;
	/* Both (simultaneous) or undecided: the one captured first. */
	if (cf->seen && sf->seen)
		return cf->frame <= sf->frame ? HSA_CLIENT : HSA_SERVER;
	return sf->seen ? HSA_SERVER : HSA_CLIENT;
}

void hsa_verdict_evidence(const struct hsa_conn *c, struct hsa_verdict *v)
{
	struct hsa_evidence *e = &v->evidence;
	const struct hsa_fin *first, *peer;
	int side;

	*e = (struct hsa_evidence){ 0 };
	e->n_syn = copy_frames(e->syn, c, HSA_HS_SYN);
	e->n_synack = copy_frames(e->synack, c, HSA_HS_SYNACK);
	if (c->ack3_seen)
		e->handshake_ack = c->ack3_frame;
	side = first_closer(c, v);
	first = &c->ep[side].fin;
	peer = &c->ep[1 - side].fin;
	if (first->seen) {
		e->first_fin = first->frame;
		e->first_fin_ack = first->acked_frame;
	}
	if (peer->seen) {
		e->peer_fin = peer->frame;
		e->final_ack = peer->acked_frame;
	}
	if (c->rst_seen)
		e->rst = c->rst_frame;
}
