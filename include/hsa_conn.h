/*
 * hsa_conn.h - one TCP connection: what was seen of it, segment by segment,
 * and the verdict drawn from that when hsanalyze is done with it.
 *
 * The record keeps facts, not conclusions: initial sequence numbers, each
 * side's first FIN and the acknowledgment number it carried, the SYN and
 * SYN/ACK transmission times.  The verdict (handshake status, RTTs, close
 * kind, who enters TIME-WAIT, each side's state) is derived from those facts,
 * so it does not depend on the order in which packets sit in the file.
 */
#ifndef HSA_CONN_H
#define HSA_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_packet.h"

/* The two ends of a connection, by role. */
enum { HSA_CLIENT = 0, HSA_SERVER = 1 };

/* TCP states, with their RFC 9293 names. */
#define HSA_TCP_STATES(X)				\
	X(HSA_ST_CLOSED,	"CLOSED")		\
	X(HSA_ST_LISTEN,	"LISTEN")		\
	X(HSA_ST_SYN_SENT,	"SYN-SENT")		\
	X(HSA_ST_SYN_RECEIVED,	"SYN-RECEIVED")		\
	X(HSA_ST_ESTABLISHED,	"ESTABLISHED")		\
	X(HSA_ST_FIN_WAIT_1,	"FIN-WAIT-1")		\
	X(HSA_ST_FIN_WAIT_2,	"FIN-WAIT-2")		\
	X(HSA_ST_CLOSE_WAIT,	"CLOSE-WAIT")		\
	X(HSA_ST_CLOSING,	"CLOSING")		\
	X(HSA_ST_LAST_ACK,	"LAST-ACK")		\
	X(HSA_ST_TIME_WAIT,	"TIME-WAIT")

enum hsa_tcp_state {
#define HSA_X(name, text) name,
	HSA_TCP_STATES(HSA_X)
#undef HSA_X
};

/* Handshake outcomes, closes and sides, with the names reports give them. */
#define HSA_HANDSHAKE_STATUSES(X)			\
	X(HSA_HS_COMPLETE,	"complete")		\
	X(HSA_HS_REFUSED,	"refused")		\
	X(HSA_HS_UNANSWERED,	"unanswered")		\
	X(HSA_HS_INCOMPLETE,	"incomplete")		\
	X(HSA_HS_NOT_SEEN,	"not_seen")

enum hsa_handshake_status {
#define HSA_X(name, text) name,
	HSA_HANDSHAKE_STATUSES(HSA_X)
#undef HSA_X
	HSA_HS_COUNT
};

#define HSA_CLOSE_KINDS(X)				\
	X(HSA_CLOSE_FIN,	"fin")			\
	X(HSA_CLOSE_HALF_CLOSED, "half_closed")		\
	X(HSA_CLOSE_RST,	"rst")			\
	X(HSA_CLOSE_OPEN,	"open")

enum hsa_close_kind {
#define HSA_X(name, text) name,
	HSA_CLOSE_KINDS(HSA_X)
#undef HSA_X
	HSA_CLOSE_COUNT
};

/* Who: used for the active closer and for TIME-WAIT.  PENDING is for
 * TIME-WAIT only: one FIN so far. */
#define HSA_WHOS(X)					\
	X(HSA_WHO_NONE,		"none")			\
	X(HSA_WHO_CLIENT,	"client")		\
	X(HSA_WHO_SERVER,	"server")		\
	X(HSA_WHO_BOTH,		"both")			\
	X(HSA_WHO_PENDING,	"pending")

enum hsa_who {
#define HSA_X(name, text) name,
	HSA_WHOS(HSA_X)
#undef HSA_X
	HSA_WHO_COUNT
};

/* The role of one segment in the life of its connection. */
#define HSA_SEGMENT_ROLES(X)						\
	X(HSA_ROLE_SYN,			"handshake 1/3 SYN")		\
	X(HSA_ROLE_SYN_RETRANSMIT,	"SYN retransmission")		\
	X(HSA_ROLE_SYNACK,		"handshake 2/3 SYN/ACK")	\
	X(HSA_ROLE_SYNACK_RETRANSMIT,	"SYN/ACK retransmission")	\
	X(HSA_ROLE_CROSSING_SYN,	"simultaneous open: the server's SYN") \
	X(HSA_ROLE_CROSSING_SYNACK,	"simultaneous open: SYN/ACK")	\
	X(HSA_ROLE_TIME_WAIT_ACK,	"TIME-WAIT: ACK of a SYN it does not accept") \
	X(HSA_ROLE_HANDSHAKE_ACK,	"handshake 3/3 ACK")		\
	X(HSA_ROLE_DATA,		"data")				\
	X(HSA_ROLE_ACK,			"ACK")				\
	X(HSA_ROLE_FIRST_FIN,		"teardown: first FIN")		\
	X(HSA_ROLE_ACK_OF_FIRST_FIN,	"teardown: ACK of the first FIN") \
	X(HSA_ROLE_PEER_FIN,		"teardown: peer's FIN")		\
	X(HSA_ROLE_PEER_FIN_ACK,	"teardown: peer's FIN + ACK of the first FIN") \
	X(HSA_ROLE_SIMULTANEOUS_FIN,	"teardown: simultaneous FIN")	\
	X(HSA_ROLE_FINAL_ACK,		"teardown: final ACK")		\
	X(HSA_ROLE_FIN_RETRANSMIT,	"FIN retransmission")		\
	X(HSA_ROLE_RST,			"RST: accepted, resets the connection") \
	X(HSA_ROLE_RST_TIME_WAIT,	"RST: accepted, ends the TIME-WAIT") \
	X(HSA_ROLE_RST_CHALLENGED,	"RST: in window, not exact: challenged") \
	X(HSA_ROLE_RST_IGNORED,		"RST: ignored (out of window or no socket)") \
	X(HSA_ROLE_CHALLENGE_ACK,	"challenge ACK (RFC 5961)")	\
	X(HSA_ROLE_RST_REFUSED,		"RST: connection refused")

enum hsa_segment_role {
#define HSA_X(name, text) name,
	HSA_SEGMENT_ROLES(HSA_X)
#undef HSA_X
};

/* The first FIN one side sent: its sequence number (that of the FIN flag
 * itself) and the smallest acknowledgment number any transmission of it
 * carried, which is that of its first transmission: acknowledgment numbers
 * only grow, and a retransmission may already acknowledge the peer's FIN.
 * 32 bytes: the flags in the frame numbers' top bits (frames are counted
 * from 1 and stay far below 2^63). */
struct hsa_fin {
	uint32_t seq;
	uint32_t ack;
	int64_t ts;
	uint64_t frame : 63;	/* its first transmission captured */
	bool seen : 1;
	uint64_t acked_frame : 63;	/* the peer's first segment
					 * acknowledging it */
	bool ack_valid : 1;
};

/* The options a side offered in its SYN or SYN/ACK, as a connection keeps
 * them: those of struct hsa_tcp_options but the timestamps, which it keeps
 * apart (last_tsval, struct hsa_hs_tx), in 4 bytes. */
struct hsa_tcp_offer {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss : 1;
	bool has_wscale : 1;
	bool sack_permitted : 1;
	bool has_timestamps : 1;
	bool truncated : 1;	/* the snaplen cut the option list */
	bool invalid : 1;	/* a malformed option (hsa_packet.h) */
};

/* One side of a connection: 96 bytes, flags in bits.  At 128 (with 8
 * unused to make a power of two) finding c->ep[s] was a shift; at 96 it
 * is two instructions, and a connection closed and lingering, which most
 * records are, is 32 bytes smaller a side. */
struct hsa_endpoint {
	struct hsa_addr addr;
	uint16_t port;
	bool isn_seen : 1;	/* its SYN (client) or SYN/ACK (server) */
	bool seq_known : 1;
	bool ack_known : 1;
	bool tsval_seen : 1;
	struct hsa_tcp_offer opt;	/* from its SYN or SYN/ACK */
	uint32_t isn;
	uint32_t next_seq;	/* highest sequence number it has used + 1 */
	uint32_t max_ack;	/* highest acknowledgment number it sent */
	uint32_t window;	/* last window it advertised, scaled */
	uint32_t last_tsval;	/* its latest TSval, for PAWS */
	struct hsa_fin fin;
	uint64_t packets;
	uint64_t bytes;
};

/* The two kinds of handshake transmission a connection keeps: the client's
 * SYNs and the server's SYN/ACKs (in a simultaneous open, the server's SYNs
 * and SYN/ACKs). */
enum { HSA_HS_SYN = 0, HSA_HS_SYNACK = 1 };

/* One SYN or SYN/ACK transmission, as far as the RTT needs it: 24 bytes,
 * the flag in the frame number's top bit (frames are counted from 1 and
 * stay far below 2^63). */
struct hsa_hs_tx {
	int64_t ts;
	uint64_t frame : 63;
	uint64_t has_ts : 1;
	uint32_t tsval;
	uint32_t tsecr;
};

/* Every transmission of one side's SYN (or SYN/ACK) is counted; memory is
 * bounded: the first and the latest HSA_HS_RECENT are kept.  The SYN whose
 * TSval the first SYN/ACK echoes is looked up when that SYN/ACK arrives
 * (or, in a merged capture, when the SYN arrives after it) and kept apart
 * (syn_echoed), so any number of SYNs after it cannot push it out; only an
 * echoed SYN older than the latest HSA_HS_RECENT at that moment is lost
 * (the SYN/ACK would then have taken more than seven retransmission
 * timeouts). */
#define HSA_HS_RECENT 4

/* Most connections send one SYN and one SYN/ACK: the record keeps the
 * first transmission of each (struct hsa_conn's first_tx), and this,
 * 240 bytes, only for a connection that needs it (hsa_conn_wants_more()):
 * one that retransmits its SYN or SYN/ACK, or opens simultaneously.  Its
 * owner (the tracker) gives it with hsa_conn_attach_more() and takes it
 * back when the connection is done with.  With it, the echoed SYN is
 * always in it; without it, the echoed SYN is the first (the only one
 * kept). */
struct hsa_hs_more {
	/* Ring per kind: transmission i at recent[kind][i % HSA_HS_RECENT]. */
	struct hsa_hs_tx recent[2][HSA_HS_RECENT];
	struct hsa_hs_tx syn_echoed;	/* the SYN the first SYN/ACK echoes */
	struct hsa_hs_tx syn_answer;	/* see struct hsa_conn's simultaneous_open */
};

struct hsa_held_syn;	/* tracker.c */

/* The tracker's bookkeeping of one 4-tuple (tracker.c): the list it is
 * on, its slot in the table, its place in the horizon heap; 64 bytes.  A
 * connection being tracked has it inside its struct hsa_conn; once
 * reported, only a short history entry that starts with it is kept.  Other
 * stages do not read it (conn.c only asks whether a SYN is held). */
struct hsa_conn_track {
	struct hsa_conn_track *prev;	/* lifecycle list, or free list */
	struct hsa_conn_track *next;
	int64_t queued_ts;	/* active_ns when last moved to its list's tail */
	int64_t active_ns;	/* the tracker's clock at its latest segment */
	/* A SYN for the next connection on this 4-tuple that the server, in
	 * TIME-WAIT, did not accept (hsa_conn_syn_hits_time_wait()): the
	 * tracker holds it here until the next connection starts (owned by
	 * the tracker, with how long after this connection's last segment
	 * it came), so that the server's ACK and the client's RST that
	 * follow are this connection's. */
	struct hsa_held_syn *held_syn;
	/* Its entry in the horizon heap: the generation of the live one (0:
	 * none) and its time. */
	uint64_t pending_gen;
	int64_t pending_ts;
	uint32_t hash;		/* the flow hash's low half: finds its slot */
	uint8_t list;
};

/* One connection: 416 bytes, the first 104 (the tracker's and the hot
 * fields) read or written for every segment.  The handshake history beyond
 * the first SYN and SYN/ACK is out of line (struct hsa_hs_more), as are the
 * 4-tuple's history after the report (tracker.c) and a held SYN.  A closed
 * connection waits out the tracker's linger whole: a late segment (a
 * retransmitted FIN, an RST ending a TIME-WAIT, even a retransmitted
 * SYN/ACK) may still change any of its counters or its verdict.  Those
 * records are most of the tracker's memory (33,000 of them on the
 * benchmark trace), so flags are bits: at 496 bytes they took one more
 * 2 MiB chunk of the record pool. */
struct hsa_conn {
	/* Hot: read or written for every segment, kept together so that a
	 * segment touches few cache lines. */
	struct hsa_conn_track tk;
	int64_t first_ts;
	int64_t last_ts;
	uint64_t id;
	uint32_t n_syn;		/* transmissions seen: HSA_HS_SYN */
	uint32_t n_synack;	/* HSA_HS_SYNACK */
	uint32_t fin_retransmits;
	uint8_t ip_version;
	/* Flags in bits, the most often read in the first byte, the two
	 * read for every segment in the last. */
	bool ack3_seen : 1;
	bool rst_seen : 1;	/* an RST the receiver accepted (see conn.c) */
	/* Simultaneous open (RFC 9293 figure 8): both sides sent a SYN; the
	 * client is the sender of the first SYN captured.  HSA_HS_SYNACK then
	 * counts the server's SYN and SYN/ACK transmissions, and syn_answer
	 * (struct hsa_hs_more) is the server's first segment acknowledging
	 * the client's SYN. */
	bool simultaneous_open : 1;
	bool syn_answer_seen : 1;
	bool roles_guessed : 1;
	bool has_previous : 1;
	bool evicted : 1;
	bool refused : 1;
	bool rst_before_fins : 1;
	bool syn_echoed_valid : 1;	/* the SYN the first SYN/ACK echoes
					 * is known */
	bool fast_open : 1;		/* the client's SYN carried data (TFO) */
	uint8_t rst_from : 1;		/* the sender of that RST */
	uint8_t synack_sent : 2;	/* bit per side: it sent a SYN/ACK */
	uint8_t tw_ended_by_rst : 2;	/* bit per side: an accepted RST ended
					 * that side's TIME-WAIT (RFC 1337) */
	uint8_t challenge_due : 2;	/* bit per side: it owes a challenge
					 * ACK */
	/* The sender of the latest new data + 1 (see exchanges). */
	uint8_t last_data_from : 2;
	struct hsa_endpoint ep[2];	/* HSA_CLIENT, HSA_SERVER */

	/* Cold: the handshake, reuse, RSTs. */
	uint32_t syn_retransmits;
	uint32_t synack_retransmits;
	/* Request/response exchanges: new client data after new server data
	 * (or the client's first data) starts one; retransmitted data is not
	 * new. */
	uint32_t exchanges;
	/* RSTs by what the receiver did with them (RFC 5961, 3.2). */
	uint32_t rst_accepted;
	uint32_t rst_challenged;
	uint32_t rst_ignored;
	int64_t ack3_ts;
	uint64_t ack3_frame;
	uint64_t rst_frame;		/* the accepted RST that ended it */
	uint64_t previous_id;
	int64_t reuse_gap_ns;
	struct hsa_hs_tx first_tx[2];	/* HSA_HS_SYN, HSA_HS_SYNACK */
	struct hsa_hs_more *more;	/* NULL until needed (see above) */
};

/* The frame numbers (from 1, as Wireshark numbers them; 0 when not seen)
 * of the segments a verdict rests on, so that a reader can check it in the
 * capture. */
struct hsa_evidence {
	int n_syn;
	uint64_t syn[1 + HSA_HS_RECENT];	/* the first SYN and the latest */
	int n_synack;
	uint64_t synack[1 + HSA_HS_RECENT];
	uint64_t handshake_ack;
	uint64_t first_fin;		/* the active closer's FIN */
	uint64_t first_fin_ack;		/* the peer's ACK of it */
	uint64_t peer_fin;
	uint64_t final_ack;		/* the active closer's ACK of the peer's FIN */
	uint64_t rst;
};

/* What hsanalyze concludes about a connection. */
struct hsa_verdict {
	enum hsa_handshake_status handshake;
	bool syn_to_synack_valid;
	bool synack_to_ack_valid;
	int64_t syn_to_synack_ns;
	int64_t synack_to_ack_ns;
	enum hsa_close_kind close;
	enum hsa_who active_closer;	/* NONE, CLIENT, SERVER or BOTH */
	enum hsa_who time_wait;		/* any but PENDING only when half closed */
	enum hsa_who time_wait_ended_by_rst;	/* NONE, CLIENT, SERVER, BOTH */
	bool fins_ack_each_other;	/* the capture missed both first FINs */
	enum hsa_tcp_state state[2];
	struct hsa_evidence evidence;
};

/* A reported connection kept whole by an analysis stage, so that a report
 * can show it after the tracker has let it go. */
struct hsa_conn_record {
	struct hsa_conn conn;
	struct hsa_verdict v;
};

/* Copy a reported connection for keeping: the copy's list links and held
 * segment (the tracker's) are cleared, and so is its handshake history
 * beyond the first SYN and SYN/ACK (the tracker's memory; the verdict,
 * drawn from it already, is kept beside the copy).  Inline: the analysis
 * stages that keep copies need nothing else of the tracker's connection
 * code. */
static inline void hsa_conn_keep(struct hsa_conn *dst,
    const struct hsa_conn *src)
{
	*dst = *src;
	dst->tk = (struct hsa_conn_track){ 0 };
	dst->more = NULL;
}

/* Start a connection from its first segment, choosing client and server
 * (see conn.c for the rules). */
void hsa_conn_init(struct hsa_conn *c, uint64_t id, const struct hsa_packet *p);

/* Which end sent p: HSA_CLIENT or HSA_SERVER. */
int hsa_conn_sender(const struct hsa_conn *c, const struct hsa_packet *p);

/* True when applying p may keep a handshake transmission that only a
 * struct hsa_hs_more has room for (a SYN or SYN/ACK after the first of its
 * kind, a simultaneous open) and c has none: its owner should attach one
 * first, or drop p when it has no memory for one.  Without it the
 * transmission is counted and not kept.  Inline: asked for every
 * segment. */
static inline bool hsa_conn_wants_more(const struct hsa_conn *c,
    const struct hsa_packet *p)
{
	if (!(p->flags & HSA_TCP_SYN) || c->more)
		return false;
	/* A SYN/ACK is kept as HSA_HS_SYNACK, or as HSA_HS_SYN when the
	 * client answers a simultaneous open, which needs a server's SYN,
	 * kept as HSA_HS_SYNACK.  A SYN is kept as either; a first SYN of
	 * either kind, with nothing kept yet, needs no more. */
	if (p->flags & HSA_TCP_ACK)
		return c->n_synack > 0;
	return c->n_syn > 0 || c->n_synack > 0;
}

/* Give c the out-of-line handshake history m (its contents undefined). */
void hsa_conn_attach_more(struct hsa_conn *c, struct hsa_hs_more *m);

/* Apply one segment; returns its role. */
enum hsa_segment_role hsa_conn_segment(struct hsa_conn *c,
    const struct hsa_packet *p);

/* True when the connection has ended: both FINs acknowledged, or an RST
 * its receiver accepted. */
bool hsa_conn_closed(const struct hsa_conn *c);

/* True when a SYN (without ACK) in p starts a new connection on c's 4-tuple
 * rather than belonging to c. */
bool hsa_conn_syn_starts_new(const struct hsa_conn *c, const struct hsa_packet *p);

/* True when such a SYN from c's client reaches a server still in TIME-WAIT
 * that does not accept it (Linux's tcp_timewait_state_process(): only a SYN
 * beyond RCV.NXT, or with a newer timestamp, is taken as a new connection);
 * the server answers it with an ACK of the old connection instead. */
bool hsa_conn_syn_hits_time_wait(const struct hsa_conn *c,
    const struct hsa_packet *p);

/* What that question needs of a connection once it is reported, when the
 * tracker keeps only a short history entry of it (nothing changes it after
 * the report). */
struct hsa_tw_memo {
	bool server_time_wait;	/* the server's state is TIME-WAIT */
	bool seq_known;		/* the client's next_seq is known */
	bool tsval_seen;	/* the client sent a TSval */
	uint32_t next_seq;	/* the client's */
	uint32_t last_tsval;	/* the client's */
};

/* The memo of c, whose server is in state server (its verdict's). */
void hsa_conn_tw_memo(const struct hsa_conn *c, enum hsa_tcp_state server,
    struct hsa_tw_memo *m);

/* hsa_conn_syn_hits_time_wait() on the memo, for a SYN p from the client. */
bool hsa_tw_memo_refuses(const struct hsa_tw_memo *m,
    const struct hsa_packet *p);

/* True when the handshake is done or was never seen (the capture began
 * mid-connection). */
bool hsa_conn_established(const struct hsa_conn *c);

/* Derive the verdict from the facts (verdict.c), and the TIME-WAIT part
 * of it (time_wait.c). */
void hsa_conn_verdict(const struct hsa_conn *c, struct hsa_verdict *v);
void hsa_time_wait_verdict(const struct hsa_conn *c, struct hsa_verdict *v);
/* The evidence part (evidence.c): needs the rest of the verdict. */
void hsa_verdict_evidence(const struct hsa_conn *c, struct hsa_verdict *v);
enum hsa_tcp_state hsa_endpoint_state(const struct hsa_conn *c, int side);

const char *hsa_state_name(enum hsa_tcp_state s);
const char *hsa_role_name(enum hsa_segment_role r);
const char *hsa_handshake_name(enum hsa_handshake_status s);
const char *hsa_close_name(enum hsa_close_kind k);
const char *hsa_who_name(enum hsa_who w);

#endif
