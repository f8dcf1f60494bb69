/*
 * ladder.c - draw connections as sequence diagrams from their real segments.
 *
 * While the capture is read, the segments of the connections that may be
 * drawn are logged (the first and the last `edge` of them when there are
 * many).  The ladder keeps these logs itself, in a small table keyed by
 * connection id, so that its memory does not grow with the number of
 * connections tracked: with --ladder ID only that connection is logged;
 * without, at most CANDIDATES_MAX connections at a time, the first ones
 * seen while a slot is free, and none once every kind has its example.
 * When a connection is reported, it is kept if it is the one asked for,
 * or the first logged of its kind (client close, server close,
 * simultaneous close, reset, ...); otherwise its log is dropped at once
 * and its slot serves the next connection.  Sequence and
 * acknowledgment numbers are shown relative to each side's ISN (or to its
 * first sequence number when the SYN was not captured).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsa_format.h"
#include "hsa_ladder.h"

struct hsa_ladder_log {
	uint64_t total;		/* segments seen */
	int edge;		/* first `edge` kept, then a ring of `edge` */
	struct hsa_ladder_seg seg[];	/* 2 * edge */
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

#define EDGE_ONE	5000	/* --ladder ID: up to 10,000 segments drawn */
#define EDGE_EACH	40	/* --ladder: up to 80 per connection */
/* Connections logged at once without an id: a few per kind, about 4.6 KB
 * each (80 segments), so at most about 300 KB. */
#define CANDIDATES_MAX	(8 * K_COUNT)

/* A connection being logged; id 0 marks a free slot.  A slot's log is
 * kept for the next connection when its own is dropped. */
struct candidate {
	uint64_t id;
	struct hsa_ladder_log *log;
};

struct hsa_ladder {
	uint64_t id;
	bool nano;
	int edge;
	int n_kept;
	struct kept kept[K_COUNT];	/* by kind; slot 0 for a chosen id */
	bool have[K_COUNT];
	struct candidate cand[CANDIDATES_MAX];
};

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

/* The number of candidate slots in use: 1 for a chosen id. */
static int slots(const struct hsa_ladder *l)
{
	return l->id ? 1 : CANDIDATES_MAX;
}

static struct candidate *find(struct hsa_ladder *l, uint64_t id)
{
	int i;

	for (i = 0; i < slots(l); i++)
		if (l->cand[i].id == id)
			return &l->cand[i];
	return NULL;
}

/* Whether nothing more can be drawn: the chosen connection, or one of
 * every kind, is kept. */
static bool complete(const struct hsa_ladder *l)
{
	return l->n_kept == (l->id ? 1 : K_COUNT);
}

/* A free slot with an empty log for connection id, or NULL. */
static struct candidate *claim(struct hsa_ladder *l, uint64_t id)
{
	struct candidate *cd = find(l, 0);

	if (!cd || complete(l))
		return NULL;
	if (!cd->log) {
		cd->log = malloc(sizeof(*cd->log) +
		    2 * (size_t)l->edge * sizeof(cd->log->seg[0]));
		if (!cd->log)
			return NULL;
	}
	cd->log->total = 0;
	cd->log->edge = l->edge;
	cd->id = id;
	return cd;
}

void hsa_ladder_segment(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_packet *p, enum hsa_segment_role role)
{
	struct hsa_ladder_log *log;
	struct candidate *cd;
	struct hsa_ladder_seg *s;
	uint64_t i;

	if (c->id == 0 || (l->id && c->id != l->id))
		return;
	if (!(cd = find(l, c->id)) && !(cd = claim(l, c->id)))
		return;
	log = cd->log;
	i = log->total++;
	if (i >= (uint64_t)log->edge)	/* the ring of the latest */
		i = (uint64_t)log->edge + (i - (uint64_t)log->edge) % (uint64_t)log->edge;
	s = &log->seg[i];
	memset(s, 0, sizeof(*s));
	s->ts = p->ts_ns;
	s->frame = p->frame;
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
	struct candidate *cd;
	int k;

	if (c->id == 0 || !(cd = find(l, c->id)))
		return;
	cd->id = 0;	/* reported: it can no longer change, keep it or drop it */
	k = l->id ? 0 : kind_of(v);
	if (l->have[k])
		return;
	l->have[k] = true;
	l->n_kept++;
	l->kept[k].conn = *c;
	l->kept[k].conn.hnext = l->kept[k].conn.prev = l->kept[k].conn.next = NULL;
	l->kept[k].conn.held_syn = NULL;
	l->kept[k].v = *v;
	l->kept[k].log = cd->log;
	cd->log = NULL;
}

void hsa_ladder_flags(uint8_t f, char *buf)
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

static void print_segment(FILE *out, const struct hsa_conn *c,
    const struct hsa_ladder_seg *s, const struct hsa_ladder_seg *prev,
    const uint32_t base[2], int64_t t0)
{
	int from = hsa_ladder_sender(c, s);
	char fl[12], mid[64], line[128];
	const char *cs = "", *ss = "";
	static const char dashes[] = "----------------------------------------------";
	int pad;

	hsa_ladder_flags(s->flags, fl);
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
	fprintf(out, "%7llu %10.3f  %-12s %-47s %-12s %s\n",
	    (unsigned long long)s->frame, hsa_ms(s->ts - t0), cs,
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

static void explain_time_wait(FILE *out, const struct hsa_conn *c,
    const struct hsa_verdict *v, const uint32_t base[2])
{
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
		if (v->fins_ack_each_other) {
			fprintf(out,
			    "TIME_WAIT: both sides. Each FIN captured acknowledges the other's, so the\n"
			    "  capture missed their first transmissions.  A FIN is sent again only while\n"
			    "  unacknowledged, and a side that closes second acknowledges the peer's FIN in\n"
			    "  every transmission of its own, so neither closed second: each sent its FIN\n"
			    "  before it had the other's (a simultaneous close), and both hold\n"
			    "  %s <-> %s for 2*MSL.\n", a, b);
			break;
		}
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
    const struct hsa_ladder_example *ex)
{
	const struct hsa_conn *c = ex->conn;
	const struct hsa_verdict *v = ex->v;
	const struct hsa_ladder_seg *prev = NULL, *s;
	char a[80], b[80], tb[HSA_TIME_STRLEN];
	int side;
	size_t i;
	int64_t t0 = hsa_ladder_seg_at(ex, 0)->ts;

	fprintf(out, "Connection #%llu%s%s%s: %s (client) -> %s (server)%s\n",
	    (unsigned long long)c->id, ex->kind ? " (" : "",
	    ex->kind ? ex->kind : "", ex->kind ? ")" : "",
	    endpoint_text(c, HSA_CLIENT, a, sizeof(a)),
	    endpoint_text(c, HSA_SERVER, b, sizeof(b)),
	    c->roles_guessed ? " [roles guessed from the ports]" : "");
	fprintf(out, "first packet %s; handshake %s",
	    hsa_format_time(t0, l->nano, tb, sizeof(tb)),
	    hsa_handshake_name(v->handshake));
	if (v->syn_to_synack_valid && v->synack_to_ack_valid)
		fprintf(out, ", RTT %.3f + %.3f = %.3f ms",
		    hsa_ms(v->syn_to_synack_ns), hsa_ms(v->synack_to_ack_ns),
		    hsa_ms(v->syn_to_synack_ns + v->synack_to_ack_ns));
	fprintf(out, "; close %s\n\n", hsa_close_name(v->close));
	fprintf(out, "%7s %10s  %-12s %-47s %-12s %s\n", "frame", "ms", "client", "",
	    "server", "role");
	for (i = 0; i < ex->n; i++) {
		if (i == ex->gap_at)
			fprintf(out, "%7s %10s  ... %llu segments not drawn ...\n", "", "",
			    (unsigned long long)ex->not_drawn);
		s = hsa_ladder_seg_at(ex, i);
		print_segment(out, c, s, prev, ex->base, t0);
		prev = s;
	}
	fprintf(out, "%7s %10s  %-12s %-47s %-12s\n\n", "", "end",
	    hsa_state_name(v->state[HSA_CLIENT]), "",
	    hsa_state_name(v->state[HSA_SERVER]));
	explain_time_wait(out, c, v, ex->base);
	for (side = 0; side < 2; side++)
		if (hsa_ladder_close_wait_misdrawn(ex, side))
			fprintf(out,
			    "Note: the rows are in capture order, where the %s's FIN comes after the %s's;\n"
			    "  the sequence numbers show the %s had sent it before it received the %s's FIN,\n"
			    "  so the %s was in FIN-WAIT-1, not CLOSE-WAIT, on the rows drawn CLOSE-WAIT.\n",
			    side == HSA_CLIENT ? "client" : "server",
			    side == HSA_CLIENT ? "server" : "client",
			    side == HSA_CLIENT ? "client" : "server",
			    side == HSA_CLIENT ? "server" : "client",
			    side == HSA_CLIENT ? "client" : "server");
}

bool hsa_ladder_close_wait_misdrawn(const struct hsa_ladder_example *ex,
    int side)
{
	const struct hsa_verdict *v = ex->v;
	bool active = v->active_closer == HSA_WHO_BOTH ||
	    v->active_closer == (side == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER);
	size_t i;

	/* States are drawn row by row in capture order.  A side drawn in
	 * CLOSE-WAIT that the sequence numbers show closing first had in
	 * fact sent its FIN already (the FINs crossed, or the capture's
	 * timestamps disagree with the sequence numbers). */
	for (i = 0; active && i < ex->n; i++)
		if (hsa_ladder_seg_at(ex, i)->state[side] == HSA_ST_CLOSE_WAIT)
			return true;
	return false;
}

int hsa_ladder_sender(const struct hsa_conn *c, const struct hsa_ladder_seg *s)
{
	return (s->sport == c->ep[HSA_CLIENT].port &&
	    memcmp(s->src.bytes, c->ep[HSA_CLIENT].addr.bytes, 16) == 0) ?
	    HSA_CLIENT : HSA_SERVER;
}

const struct hsa_ladder_seg *hsa_ladder_seg_at(
    const struct hsa_ladder_example *ex, size_t i)
{
	const struct hsa_ladder_log *log = ex->log;
	uint64_t edge = (uint64_t)log->edge, j = i;

	/* Past the first `edge`, the kept ones are a ring of the latest. */
	if (ex->not_drawn && j >= edge)
		j = edge + (log->total - edge + (j - edge)) % edge;
	return &log->seg[j];
}

static void fill_example(const struct hsa_ladder *l, int k,
    struct hsa_ladder_example *ex)
{
	const struct kept *kp = &l->kept[k];
	const struct hsa_ladder_log *log = kp->log;
	uint64_t cap = 2 * (uint64_t)log->edge;
	size_t i;
	int side;

	memset(ex, 0, sizeof(*ex));
	ex->kind = l->id ? NULL : kind_names[k];
	ex->conn = &kp->conn;
	ex->v = &kp->v;
	ex->log = log;
	ex->n = (size_t)(log->total < cap ? log->total : cap);
	ex->not_drawn = log->total - ex->n;
	ex->gap_at = ex->not_drawn ? (size_t)log->edge : ex->n;
	/* Relative numbering: from the ISN, else the first number seen. */
	for (side = 0; side < 2; side++) {
		ex->base[side] = kp->conn.ep[side].isn;
		if (kp->conn.ep[side].isn_seen)
			continue;
		for (i = 0; i < ex->n; i++)
			if (hsa_ladder_sender(&kp->conn, hsa_ladder_seg_at(ex, i)) == side) {
				ex->base[side] = hsa_ladder_seg_at(ex, i)->seq;
				break;
			}
	}
}

size_t hsa_ladder_examples(const struct hsa_ladder *l,
    struct hsa_ladder_example *ex, size_t max)
{
	size_t n = 0;
	int k;

	for (k = 0; k < K_COUNT; k++) {
		if (!l->have[k])
			continue;
		if (n < max)
			fill_example(l, k, &ex[n]);
		n++;
	}
	return n;
}

int hsa_ladder_print(FILE *out, const struct hsa_ladder *l)
{
	struct hsa_ladder_example ex[K_COUNT];
	size_t n = hsa_ladder_examples(l, ex, K_COUNT), i;

	for (i = 0; i < n; i++) {
		if (i)
			fputs("\n\n", out);
		print_one(out, l, &ex[i]);
	}
	return (int)n;
}

void hsa_ladder_free(struct hsa_ladder *l)
{
	int k;

	if (!l)
		return;
	for (k = 0; k < K_COUNT; k++)
		free(l->kept[k].log);
	for (k = 0; k < CANDIDATES_MAX; k++)
		free(l->cand[k].log);
	free(l);
}
