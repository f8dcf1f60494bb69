/*
 * ladder.c - draw connections as sequence diagrams from their real segments.
 *
 * While the capture is read, the segments of every connection that may be
 * drawn are logged (the first and the last LOG_EDGE of them when there are
 * many).  When a connection is reported, it is kept if it is the one asked
 * for, or the first of its kind (client close, server close, simultaneous
 * close, reset, ...); otherwise its log is dropped.  Sequence and
 * acknowledgment numbers are shown relative to each side's ISN (or to its
 * first sequence number when the SYN was not captured).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsa_format.h"
#include "hsa_ladder.h"

struct ladder_seg {
	int64_t ts;
	struct hsa_addr src;
	uint16_t sport;
	uint8_t flags;
	uint8_t role;
	uint8_t state[2];	/* client, server, after this segment */
	uint32_t seq;
	uint32_t ack;
	uint32_t len;
	uint16_t window;
};

struct hsa_ladder_log {
	uint64_t total;		/* segments seen */
	int edge;		/* first `edge` kept, then a ring of `edge` */
	struct ladder_seg seg[];	/* 2 * edge */
};

enum kind {
	K_CLIENT_CLOSE, K_SERVER_CLOSE, K_SIMULTANEOUS, K_RESET, K_REFUSED,
	K_UNANSWERED, K_HALF_CLOSED, K_OPEN, K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	"client closes first", "server closes first", "simultaneous close",
	"reset", "refused", "unanswered", "half closed", "still open"
};

struct kept {
	struct hsa_conn conn;
	struct hsa_verdict v;
	struct hsa_ladder_log *log;
};

struct hsa_ladder {
	uint64_t id;
	bool nano;
	int edge;
	struct kept kept[K_COUNT];	/* by kind; slot 0 for a chosen id */
	bool have[K_COUNT];
};

#define EDGE_ONE	5000	/* --ladder ID: up to 10,000 segments drawn */
#define EDGE_EACH	40	/* --ladder: up to 80 per connection */

struct hsa_ladder *hsa_ladder_new(uint64_t id, bool nano)
{
	struct hsa_ladder *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->id = id;
	l->nano = nano;
	l->edge = id ? EDGE_ONE : EDGE_EACH;
	return l;
}

void hsa_ladder_segment(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role)
{
	struct hsa_ladder_log *log = c->log;
	struct ladder_seg *s;
	uint64_t i;

	if (l->id && c->id != l->id)
		return;
	if (!log) {
		log = calloc(1, sizeof(*log) + 2 * (size_t)l->edge * sizeof(log->seg[0]));
		if (!log)
			return;
		log->edge = l->edge;
		c->log = log;
	}
	i = log->total++;
	if (i >= (uint64_t)log->edge)	/* the ring of the latest */
		i = (uint64_t)log->edge + (i - (uint64_t)log->edge) % (uint64_t)log->edge;
	s = &log->seg[i];
	s->ts = p->ts_ns;
	s->src = p->src;
	s->sport = p->sport;
	s->flags = p->flags;
	s->role = (uint8_t)role;
	s->seq = p->seq;
	s->ack = p->ack;
	s->len = p->payload_len;
	s->window = p->window;
	s->state[HSA_CLIENT] = (uint8_t)hsa_endpoint_state(c, HSA_CLIENT);
	s->state[HSA_SERVER] = (uint8_t)hsa_endpoint_state(c, HSA_SERVER);
}

static enum kind kind_of(const struct hsa_verdict *v)
{
	if (v->handshake == HSA_HS_REFUSED)
		return K_REFUSED;
	if (v->handshake == HSA_HS_UNANSWERED)
		return K_UNANSWERED;
	switch (v->close) {
	case HSA_CLOSE_RST:
		return K_RESET;
	case HSA_CLOSE_HALF_CLOSED:
		return K_HALF_CLOSED;
	case HSA_CLOSE_OPEN:
		return K_OPEN;
	default:
		break;
	}
	return v->time_wait == HSA_WHO_BOTH ? K_SIMULTANEOUS :
	    v->time_wait == HSA_WHO_SERVER ? K_SERVER_CLOSE : K_CLIENT_CLOSE;
}

void hsa_ladder_connection(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	int k;

	if (!c->log)
		return;
	if (l->id) {
		if (c->id != l->id || l->have[0])
			return;
		k = 0;
	} else {
		k = kind_of(v);
		if (l->have[k])
			return;
	}
	l->have[k] = true;
	l->kept[k].conn = *c;
	l->kept[k].v = *v;
	l->kept[k].log = c->log;
	c->log = NULL;
}

static void flags_text(uint8_t f, char *buf)
{
	/* tcpdump's letters: S F R P U E W, '.' for ACK. */
	char *p = buf;

	if (f & HSA_TCP_SYN) *p++ = 'S';
	if (f & HSA_TCP_FIN) *p++ = 'F';
	if (f & HSA_TCP_RST) *p++ = 'R';
	if (f & HSA_TCP_PSH) *p++ = 'P';
	if (f & HSA_TCP_URG) *p++ = 'U';
	if (f & HSA_TCP_ECE) *p++ = 'E';
	if (f & HSA_TCP_CWR) *p++ = 'W';
	if (f & HSA_TCP_ACK) *p++ = '.';
	if (p == buf) *p++ = '-';
	*p = '\0';
}

static const char *endpoint_text(const struct hsa_conn *c, int side,
    char *buf, size_t len)
{
	return hsa_format_endpoint(c->ip_version, &c->ep[side].addr,
	    c->ep[side].port, buf, len);
}

static void print_segment(FILE *out, const struct kept *k,
    const struct ladder_seg *s, const struct ladder_seg *prev,
    const uint32_t base[2], int64_t t0)
{
	const struct hsa_conn *c = &k->conn;
	int from = (s->sport == c->ep[HSA_CLIENT].port &&
	    memcmp(s->src.bytes, c->ep[HSA_CLIENT].addr.bytes, 16) == 0) ?
	    HSA_CLIENT : HSA_SERVER;
	char fl[12], mid[64], line[128];
	const char *cs = "", *ss = "";
	static const char dashes[] = "----------------------------------------------";
	int pad;

	flags_text(s->flags, fl);
	snprintf(mid, sizeof(mid), "%s seq=%u ack=%u len=%u", fl,
	    s->seq - base[from],
	    (s->flags & HSA_TCP_ACK) ? s->ack - base[1 - from] : 0, s->len);
	pad = 44 - (int)strlen(mid);
	if (pad < 1)
		pad = 1;
	if (from == HSA_CLIENT)
		snprintf(line, sizeof(line), "--%s%.*s>", mid, pad, dashes);
	else
		snprintf(line, sizeof(line), "<%.*s%s--", pad, dashes, mid);
	if (!prev || prev->state[HSA_CLIENT] != s->state[HSA_CLIENT])
		cs = hsa_state_name(s->state[HSA_CLIENT]);
	if (!prev || prev->state[HSA_SERVER] != s->state[HSA_SERVER])
		ss = hsa_state_name(s->state[HSA_SERVER]);
	fprintf(out, "%10.3f  %-12s %-47s %-12s %s\n", hsa_ms(s->ts - t0), cs,
	    line, ss, hsa_role_name(s->role));
}

static const char *side_name(int side)
{
	return side == HSA_CLIENT ? "client" : "server";
}

/* An accepted RST: its sequence number was exactly the receiver's RCV.NXT. */
static void explain_rst(FILE *out, const struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	const char *from = side_name(c->rst_from), *to = side_name(1 - c->rst_from);

	if (v->time_wait_ended_by_rst != HSA_WHO_NONE) {
		fprintf(out,
		    "TIME_WAIT: none. The %s was in TIME-WAIT until the %s's RST, exactly at its\n"
		    "  RCV.NXT, ended it (RFC 1337 TIME-WAIT assassination: Linux's default\n"
		    "  net.ipv4.tcp_rfc1337=0; with 1 the socket would stay, which packets cannot show).\n",
		    to, from);
		return;
	}
	if (c->ep[c->rst_from].fin.seen && c->ep[1 - c->rst_from].fin.seen &&
	    v->active_closer == (c->rst_from == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER)) {
		fprintf(out,
		    "TIME_WAIT: none. The %s closed first, yet it answered with an RST: its socket\n"
		    "  was already gone (an orphaned FIN-WAIT-2 that outlived tcp_fin_timeout),\n"
		    "  so it holds no TIME-WAIT, and the %s accepted the RST and closed.\n",
		    from, to);
		return;
	}
	fprintf(out, "TIME_WAIT: none. The %s sent an RST exactly at the %s's RCV.NXT: it\n"
	    "  ends the connection at once on both sides, with no TIME-WAIT.\n",
	    from, to);
}

static void explain_time_wait(FILE *out, const struct kept *k,
    const uint32_t base[2])
{
	const struct hsa_conn *c = &k->conn;
	const struct hsa_verdict *v = &k->v;
	char a[80], b[80];
	int side;

	endpoint_text(c, HSA_CLIENT, a, sizeof(a));
	endpoint_text(c, HSA_SERVER, b, sizeof(b));
	switch (v->time_wait) {
	case HSA_WHO_CLIENT:
	case HSA_WHO_SERVER:
		side = v->time_wait == HSA_WHO_CLIENT ? HSA_CLIENT : HSA_SERVER;
		fprintf(out,
		    "TIME_WAIT: the %s. Its FIN (seq=%u) went out before it had received the\n"
		    "  %s's FIN: that FIN's ack=%u does not cover the %s's FIN at seq=%u. The %s's\n"
		    "  FIN followed, so the %s holds %s <-> %s for 2*MSL\n"
		    "  (60 s on Linux), to answer a retransmitted FIN if its last ACK is lost.\n",
		    side == HSA_CLIENT ? "client" : "server",
		    c->ep[side].fin.seq - base[side],
		    side == HSA_CLIENT ? "server" : "client",
		    c->ep[side].fin.ack_valid ? c->ep[side].fin.ack - base[1 - side] : 0,
		    side == HSA_CLIENT ? "server" : "client",
		    c->ep[1 - side].fin.seq - base[1 - side],
		    side == HSA_CLIENT ? "server" : "client",
		    side == HSA_CLIENT ? "client" : "server", a, b);
		break;
	case HSA_WHO_BOTH:
		fprintf(out,
		    "TIME_WAIT: both sides. Each FIN went out before its sender had received the\n"
		    "  other's (neither FIN acknowledges the other): a simultaneous close, after\n"
		    "  which client and server both hold %s <-> %s for 2*MSL.\n", a, b);
		break;
	case HSA_WHO_PENDING:
		fprintf(out,
		    "TIME_WAIT: pending. Only the %s sent a FIN by the end of the capture; the\n"
		    "  %s is in CLOSE-WAIT until its application closes the socket.\n",
		    c->ep[HSA_CLIENT].fin.seen ? "client" : "server",
		    c->ep[HSA_CLIENT].fin.seen ? "server" : "client");
		break;
	default:
		if (v->close == HSA_CLOSE_RST)
			explain_rst(out, c, v);
		else
			fprintf(out, "TIME_WAIT: none. No FIN was seen.\n");
		break;
	}
	if (c->rst_challenged || c->rst_ignored)
		fprintf(out,
		    "RSTs not believed: %u challenged (in the window but not exactly RCV.NXT:\n"
		    "  the receiver answers with a challenge ACK, RFC 5961), %u ignored (outside\n"
		    "  the window, or no socket to reset); neither changes the connection.\n",
		    c->rst_challenged, c->rst_ignored);
}

static void print_one(FILE *out, const struct hsa_ladder *l,
    const struct kept *k, const char *kind)
{
	const struct hsa_conn *c = &k->conn;
	const struct hsa_ladder_log *log = k->log;
	const struct ladder_seg *prev = NULL;
	uint64_t shown = log->total < 2 * (uint64_t)log->edge ? log->total :
	    2 * (uint64_t)log->edge, i;
	uint32_t base[2];
	char a[80], b[80], tb[HSA_TIME_STRLEN];
	int side;
	int64_t t0 = log->seg[0].ts;

	/* Relative numbering: from the ISN, else the first number seen. */
	for (side = 0; side < 2; side++) {
		base[side] = c->ep[side].isn;
		if (!c->ep[side].isn_seen)
			for (i = 0; i < shown; i++)
				if (log->seg[i].sport == c->ep[side].port &&
				    memcmp(log->seg[i].src.bytes, c->ep[side].addr.bytes, 16) == 0) {
					base[side] = log->seg[i].seq;
					break;
				}
	}
	fprintf(out, "Connection #%llu%s%s%s: %s (client) -> %s (server)%s\n",
	    (unsigned long long)c->id, kind ? " (" : "", kind ? kind : "",
	    kind ? ")" : "", endpoint_text(c, HSA_CLIENT, a, sizeof(a)),
	    endpoint_text(c, HSA_SERVER, b, sizeof(b)),
	    c->roles_guessed ? " [roles guessed from the ports]" : "");
	fprintf(out, "first packet %s; handshake %s",
	    hsa_format_time(t0, l->nano, tb, sizeof(tb)),
	    hsa_handshake_name(k->v.handshake));
	if (k->v.syn_to_synack_valid && k->v.synack_to_ack_valid)
		fprintf(out, ", RTT %.3f + %.3f = %.3f ms",
		    hsa_ms(k->v.syn_to_synack_ns), hsa_ms(k->v.synack_to_ack_ns),
		    hsa_ms(k->v.syn_to_synack_ns + k->v.synack_to_ack_ns));
	fprintf(out, "; close %s\n\n", hsa_close_name(k->v.close));
	fprintf(out, "%10s  %-12s %-47s %-12s %s\n", "ms", "client", "", "server", "role");
	for (i = 0; i < shown; i++) {
		uint64_t j = i;

		if (i == (uint64_t)log->edge && log->total > shown)
			fprintf(out, "%10s  ... %llu segments not drawn ...\n", "",
			    (unsigned long long)(log->total - shown));
		if (i >= (uint64_t)log->edge && log->total > shown)
			j = (uint64_t)log->edge + (log->total - (uint64_t)log->edge + (i - (uint64_t)log->edge)) % (uint64_t)log->edge;
		print_segment(out, k, &log->seg[j], prev, base, t0);
		prev = &log->seg[j];
	}
	fprintf(out, "%10s  %-12s %-47s %-12s\n\n", "end",
	    hsa_state_name(k->v.state[HSA_CLIENT]), "",
	    hsa_state_name(k->v.state[HSA_SERVER]));
	explain_time_wait(out, k, base);
	/* States are drawn row by row in capture order.  A side drawn in
	 * CLOSE-WAIT that the sequence numbers show closing first had in
	 * fact sent its FIN already (the FINs crossed, or the capture's
	 * timestamps disagree with the sequence numbers). */
	for (side = 0; side < 2; side++) {
		bool active = k->v.active_closer == HSA_WHO_BOTH ||
		    k->v.active_closer == (side == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER);

		for (i = 0; active && i < shown; i++)
			if (log->seg[i].state[side] == HSA_ST_CLOSE_WAIT) {
				fprintf(out,
				    "Note: the rows are in capture order, where the %s's FIN comes after the %s's;\n"
				    "  the sequence numbers show the %s had sent it before it received the %s's FIN,\n"
				    "  so the %s was in FIN-WAIT-1, not CLOSE-WAIT, on the rows drawn CLOSE-WAIT.\n",
				    side == HSA_CLIENT ? "client" : "server",
				    side == HSA_CLIENT ? "server" : "client",
				    side == HSA_CLIENT ? "client" : "server",
				    side == HSA_CLIENT ? "server" : "client",
				    side == HSA_CLIENT ? "client" : "server");
				break;
			}
	}
}

int hsa_ladder_print(FILE *out, const struct hsa_ladder *l)
{
	int k, n = 0;

	for (k = 0; k < K_COUNT; k++) {
		if (!l->have[k])
			continue;
		if (n++)
			fputs("\n\n", out);
		print_one(out, l, &l->kept[k], l->id ? NULL : kind_names[k]);
	}
	return n;
}

void hsa_ladder_free(struct hsa_ladder *l)
{
	int k;

	if (!l)
		return;
	for (k = 0; k < K_COUNT; k++)
		free(l->kept[k].log);
	free(l);
}
