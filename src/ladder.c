/*
 * ladder.c - draw connections as sequence diagrams from their real segments.
 *
 * While the capture is read, the segments of the connections that may be
 * drawn are logged (the first and the last `edge` of them when there are
 * many).  The ladder keeps these logs itself, in a small table keyed by
 * connection id, so that its memory does not grow with the number of
 * connections tracked: with --ladder ID only that connection is logged;
 * without, at most CANDIDATES_MAX connections at a time, each from its first
 * segment, in place id % CANDIDATES_MAX when that place is free (ids are
 * consecutive, so a place is taken only by a connection open while
 * CANDIDATES_MAX later ones began), and none once the caller says no more
 * connections can be drawn (hsa_ladder_enough()).  A log grows with its
 * connection, up to its bound, so that the many short connections cost
 * little.
 *
 * Which connections are drawn is not decided here: when a connection is
 * reported, the caller says what it is an example of (the bounded report's
 * choice, hsa_examples.h), and the ladder keeps it, with its log when it
 * has one; otherwise its log is dropped at once and its place serves the
 * next connection.  A connection to draw that began while its place was
 * taken is kept without a log, so that the pictures list exactly the
 * examples the reports list and say which could not be drawn.  Sequence and
 * acknowledgment numbers are shown relative to each side's ISN (or to its
 * first sequence number when the SYN was not captured).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "hsa_examples.h"
#include "hsa_format.h"
#include "hsa_ladder.h"

struct hsa_ladder_log {
	uint64_t total;		/* segments seen */
	int edge;		/* first `edge` kept, then a ring of `edge` */
	size_t cap;		/* segments allocated, at most 2 * edge */
	struct hsa_ladder_seg seg[];
};

struct kept {
	struct hsa_conn conn;
	struct hsa_verdict v;
	uint32_t kinds;		/* of the drawn kinds, hsa_examples_drawn() */
	struct hsa_ladder_log *log;	/* NULL: its segments were not logged */
};

#define EDGE_ONE	5000	/* --ladder ID: up to 10,000 segments drawn */
#define EDGE_EACH	40	/* --ladder: up to 80 per connection */
/* Connections logged at once without an id: at most about 4.5 KB each (80
 * segments), so at most about 1.2 MB, about 0.9 KB each for the usual
 * connection of a dozen segments. */
#define CANDIDATES_MAX	HSA_LADDER_CANDIDATES
#define LOG_FIRST	16	/* segments a new log has room for */
#define KEPT_MAX	HSA_EXAMPLES_DRAWN_MAX

/* A connection being logged; id 0 marks a free slot.  A slot's log is
 * kept, with its room, for the next connection when its own is dropped. */
struct candidate {
	uint64_t id;
	struct hsa_ladder_log *log;
};

struct hsa_ladder {
	uint64_t id;
	bool nano;
	bool enough;		/* nothing reported from now on is drawn */
	int edge;
	int n_kept;
	struct kept kept[KEPT_MAX];	/* in report order */
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

/* The one place connection id may be logged in. */
static struct candidate *place(struct hsa_ladder *l, uint64_t id)
{
	return &l->cand[l->id ? 0 : id % CANDIDATES_MAX];
}

static struct candidate *find(struct hsa_ladder *l, uint64_t id)
{
	struct candidate *cd = place(l, id);

	return cd->id == id ? cd : NULL;
}

/* Whether nothing more can be drawn: the chosen connection is kept, or
 * the caller said so. */
static bool complete(const struct hsa_ladder *l)
{
	return l->id ? l->n_kept == 1 : l->enough || l->n_kept == KEPT_MAX;
}

void hsa_ladder_enough(struct hsa_ladder *l)
{
	int i;

	if (l->id || l->enough)
		return;
	l->enough = true;
	for (i = 0; i < CANDIDATES_MAX; i++) {
		free(l->cand[i].log);
		l->cand[i].log = NULL;
		l->cand[i].id = 0;
	}
}

/* A log with room for cap segments, in place of log (which may be NULL);
 * NULL when out of memory, log then unchanged. */
static struct hsa_ladder_log *log_room(struct hsa_ladder_log *log, size_t cap)
{
	struct hsa_ladder_log *n = realloc(log, sizeof(*n) + cap * sizeof(n->seg[0]));

	if (!n)
		return NULL;
	if (!log)
		n->total = 0;
	n->cap = cap;
	return n;
}

/* Connection id's place with an empty log, or NULL when it is taken. */
static struct candidate *claim(struct hsa_ladder *l, uint64_t id)
{
	struct candidate *cd = place(l, id);
	struct hsa_ladder_log *log;

	if (complete(l) || cd->id)
		return NULL;
	if (!cd->log) {
		if (!(log = log_room(NULL, l->id ? 2 * (size_t)l->edge : LOG_FIRST)))
			return NULL;
		cd->log = log;
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
	/* A log starts with the connection's first segment, or never: a
	 * diagram that began in the middle would draw the wrong states. */
	if (!(cd = find(l, c->id)) &&
	    (c->ep[HSA_CLIENT].packets + c->ep[HSA_SERVER].packets > 1 ||
	    !(cd = claim(l, c->id))))
		return;
	log = cd->log;
	i = log->total;
	if (i >= (uint64_t)log->edge)	/* the ring of the latest */
		i = (uint64_t)log->edge + (i - (uint64_t)log->edge) % (uint64_t)log->edge;
	if (i >= log->cap) {	/* i < 2 * edge: room up to that */
		size_t cap = 2 * log->cap < 2 * (size_t)log->edge ?
		    2 * log->cap : 2 * (size_t)log->edge;

		if (!(log = log_room(log, cap)))
			return;	/* its diagram ends early (out of memory) */
		cd->log = log;
	}
	log->total++;
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

void hsa_ladder_connection(struct hsa_ladder *l, struct hsa_conn *c,
    const struct hsa_verdict *v, uint32_t kinds)
{
	struct candidate *cd = c->id ? find(l, c->id) : NULL;
	struct kept *kp;

	if (cd)
		cd->id = 0;	/* reported: it can no longer change, keep it or drop it */
	if (l->id ? !cd : !hsa_examples_drawn(kinds))
		return;
	if (l->n_kept == (l->id ? 1 : KEPT_MAX))
		return;		/* cannot happen: each kind has its examples */
	kp = &l->kept[l->n_kept++];
	hsa_conn_keep(&kp->conn, c);
	kp->v = *v;
	kp->kinds = l->id ? 0 : hsa_examples_drawn(kinds);
	kp->log = cd ? cd->log : NULL;
	if (cd)
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
	char a[80], b[80], tb[HSA_TIME_STRLEN], kinds[HSA_LADDER_KINDS_STRLEN];
	int side;
	size_t i;
	int64_t t0;

	hsa_ladder_kinds_text(ex->kinds, kinds, sizeof(kinds));
	fprintf(out, "Connection #%llu%s%s%s: %s (client) -> %s (server)%s\n",
	    (unsigned long long)c->id, kinds[0] ? " (" : "", kinds,
	    kinds[0] ? ")" : "",
	    endpoint_text(c, HSA_CLIENT, a, sizeof(a)),
	    endpoint_text(c, HSA_SERVER, b, sizeof(b)),
	    c->roles_guessed ? " [roles guessed from the ports]" : "");
	if (!ex->log) {
		fprintf(out, "Not drawn: its segments were not logged (it began while its place among\n"
		    "  the %d connections logged at once was taken); handshake %s, close %s,\n"
		    "  TIME_WAIT %s.\n",
		    HSA_LADDER_CANDIDATES, hsa_handshake_name(v->handshake),
		    hsa_close_name(v->close), hsa_who_name(v->time_wait));
		return;
	}
	t0 = hsa_ladder_seg_at(ex, 0)->ts;
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
	for (i = 0; active && ex->log && i < ex->n; i++)
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
	uint64_t cap = log ? 2 * (uint64_t)log->edge : 0;
	size_t i;
	int side;

	memset(ex, 0, sizeof(*ex));
	ex->kinds = kp->kinds;
	ex->conn = &kp->conn;
	ex->v = &kp->v;
	ex->log = log;
	ex->n = log ? (size_t)(log->total < cap ? log->total : cap) : 0;
	ex->not_drawn = log ? log->total - ex->n : 0;
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

/* Where a kept connection is drawn: by the first of its kinds in
 * drawing order, then by id. */
static int order_key(const struct kept *kp)
{
	int i;

	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++)
		if (kp->kinds & (1u << hsa_examples_drawn_kind(i)))
			return i;
	return 0;
}

static bool drawn_before(const struct kept *a, const struct kept *b)
{
	int ka = order_key(a), kb = order_key(b);

	return ka != kb ? ka < kb : a->conn.id < b->conn.id;
}

size_t hsa_ladder_examples(const struct hsa_ladder *l,
    struct hsa_ladder_example *ex, size_t max)
{
	int order[KEPT_MAX], i, j, t;
	size_t n = 0;

	for (i = 0; i < l->n_kept; i++) {
		order[i] = i;
		for (j = i; j > 0 && drawn_before(&l->kept[order[j]],
		    &l->kept[order[j - 1]]); j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
	for (i = 0; i < l->n_kept; i++) {
		if (n < max)
			fill_example(l, order[i], &ex[n]);
		n++;
	}
	return n;
}

void hsa_ladder_kinds_text(uint32_t kinds, char *buf, size_t len)
{
	size_t have = 0;
	int i, w;

	buf[0] = '\0';
	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++) {
		enum hsa_example_kind k = hsa_examples_drawn_kind(i);

		if (!(kinds & (1u << k)) || have >= len)
			continue;
		w = snprintf(buf + have, len - have, "%s%s", have ? ", " : "",
		    hsa_example_kind_title(k));
		if (w > 0)
			have += (size_t)w;
	}
}

int hsa_ladder_print(FILE *out, const struct hsa_ladder *l)
{
	struct hsa_ladder_example ex[KEPT_MAX];
	size_t n = hsa_ladder_examples(l, ex, KEPT_MAX), i;

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
	for (k = 0; k < l->n_kept; k++)
		free(l->kept[k].log);
	for (k = 0; k < CANDIDATES_MAX; k++)
		free(l->cand[k].log);
	free(l);
}
