/*
 * hsa_examples.h - the analysis stage that chooses which connections the
 * bounded JSON report (and the HTML report) show in full: a few examples of
 * each kind a reader cares about, and the connections behind each finding.
 *
 * Connections are offered one by one as the tracker reports them; a copy is
 * kept only while it is still an example of something, so memory is fixed
 * (at most HSA_EXAMPLES_MAX connection records) whatever the capture.
 *
 *   - each handshake status, each close kind and each TIME-WAIT holder
 *     (client, server, both, pending): the first HSA_EXAMPLES_PER_KIND
 *     connections reported with it;
 *   - the HSA_EXAMPLES_SLOWEST slowest complete handshakes (total RTT);
 *   - for the findings, once they are composed: hsa_examples_cite() takes
 *     the connections the pressure model kept whole for them (the first
 *     TIME-WAIT of each group, the first CLOSE-WAIT suspect), which exist
 *     for every group however many there are, at most
 *     HSA_EXAMPLES_PER_FINDING for each of the first HSA_EXAMPLES_FINDINGS
 *     findings, together with the examples above that a finding names; and
 *     gives each finding a Wireshark display filter that shows its
 *     connections.  So each of those findings that rests on connections
 *     shows at least one of them in full, with its frame numbers.
 */
#ifndef HSA_EXAMPLES_H
#define HSA_EXAMPLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_conn.h"
#include "hsa_findings.h"
#include "hsa_pressure.h"

#define HSA_EXAMPLES_PER_KIND	2
#define HSA_EXAMPLES_SLOWEST	3
/* The findings a bounded report shows, each with its examples. */
#define HSA_EXAMPLES_FINDINGS	24
/* Connections kept for one finding besides those kept for a kind: the
 * first of each of its first groups (or its first CLOSE-WAIT suspect). */
#define HSA_EXAMPLES_PER_FINDING 2

/* What a connection is an example of; a connection may be several. */
#define HSA_EXAMPLE_KINDS(X)						\
	X(HSA_EXK_HS_COMPLETE,		"handshake:complete")		\
	X(HSA_EXK_HS_REFUSED,		"handshake:refused")		\
	X(HSA_EXK_HS_UNANSWERED,	"handshake:unanswered")		\
	X(HSA_EXK_HS_INCOMPLETE,	"handshake:incomplete")		\
	X(HSA_EXK_HS_NOT_SEEN,		"handshake:not_seen")		\
	X(HSA_EXK_CLOSE_FIN,		"close:fin")			\
	X(HSA_EXK_CLOSE_HALF_CLOSED,	"close:half_closed")		\
	X(HSA_EXK_CLOSE_RST,		"close:rst")			\
	X(HSA_EXK_CLOSE_OPEN,		"close:open")			\
	X(HSA_EXK_TW_CLIENT,		"time_wait:client")		\
	X(HSA_EXK_TW_SERVER,		"time_wait:server")		\
	X(HSA_EXK_TW_BOTH,		"time_wait:both")		\
	X(HSA_EXK_TW_PENDING,		"time_wait:pending")		\
	X(HSA_EXK_SLOWEST,		"slowest_handshake")		\
	X(HSA_EXK_FINDING,		"finding")

enum hsa_example_kind {
#define HSA_X(name, text) name,
	HSA_EXAMPLE_KINDS(HSA_X)
#undef HSA_X
	HSA_EXK_COUNT
};

/* The first-come kinds: those before HSA_EXK_SLOWEST. */
#define HSA_EXK_FIRST_COME HSA_EXK_SLOWEST

#define HSA_EXAMPLES_MAX (HSA_EXK_FIRST_COME * HSA_EXAMPLES_PER_KIND + \
	HSA_EXAMPLES_SLOWEST + HSA_EXAMPLES_FINDINGS * HSA_EXAMPLES_PER_FINDING)

/* A kept connection. */
struct hsa_example {
	struct hsa_conn conn;		/* a copy (hsa_conn_keep()) */
	struct hsa_verdict v;
	uint32_t kinds;			/* bit (1 << enum hsa_example_kind) */
};

#define HSA_DISPLAY_FILTER_MAX 1024

/* What the report says of one finding besides the finding itself. */
struct hsa_finding_evidence {
	char display_filter[HSA_DISPLAY_FILTER_MAX];	/* "" when none */
	int n_examples;			/* kept connections it cites, by id */
	uint64_t examples[HSA_EXAMPLES_PER_FINDING + HSA_FINDING_MAX_CONNS];
};

struct hsa_examples {
	struct hsa_example slot[HSA_EXAMPLES_MAX];
	bool used[HSA_EXAMPLES_MAX];
	int taken[HSA_EXK_COUNT];	/* first-come kinds: how many so far */
	int n_slowest;
	int slowest[HSA_EXAMPLES_SLOWEST];	/* slots, slowest first */
	size_t n_evidence;
	struct hsa_finding_evidence *evidence;	/* one per finding */
};

/* The kinds drawn as sequence diagrams (the HTML report and --ladder), in
 * the order they are drawn, with the words of a diagram's title.  Every
 * one is a first-come kind: once a connection is taken as an example of
 * one, it stays one, so what is drawn is what the JSON report lists. */
#define HSA_EXAMPLES_DRAWN(X)						\
	X(HSA_EXK_TW_CLIENT,		"client closes first")		\
	X(HSA_EXK_TW_SERVER,		"server closes first")		\
	X(HSA_EXK_TW_BOTH,		"simultaneous close")		\
	X(HSA_EXK_CLOSE_RST,		"reset")			\
	X(HSA_EXK_HS_REFUSED,		"refused")			\
	X(HSA_EXK_HS_UNANSWERED,	"unanswered")			\
	X(HSA_EXK_CLOSE_HALF_CLOSED,	"half closed")			\
	X(HSA_EXK_CLOSE_OPEN,		"still open")

#define HSA_EXAMPLES_DRAWN_KINDS 8
/* At most this many connections are drawn. */
#define HSA_EXAMPLES_DRAWN_MAX (HSA_EXAMPLES_DRAWN_KINDS * HSA_EXAMPLES_PER_KIND)

void hsa_examples_init(struct hsa_examples *ex);
/* Offer a reported connection (the tracker's sink calls this).  Returns
 * what it was taken as an example of: bits (1 << enum hsa_example_kind),
 * 0 when nothing. */
uint32_t hsa_examples_add(struct hsa_examples *ex, const struct hsa_conn *c,
    const struct hsa_verdict *v);
/* The drawn kinds among kinds (bits as above). */
uint32_t hsa_examples_drawn(uint32_t kinds);
/* Whether every drawn kind has its HSA_EXAMPLES_PER_KIND examples: no
 * connection reported from now on can be drawn. */
bool hsa_examples_drawn_full(const struct hsa_examples *ex);
/* The i-th drawn kind (0 .. HSA_EXAMPLES_DRAWN_KINDS - 1) in drawing order. */
enum hsa_example_kind hsa_examples_drawn_kind(int i);
/* A drawn kind's title ("client closes first", ...); NULL for another. */
const char *hsa_example_kind_title(enum hsa_example_kind k);
/* At the end (and live, for each interim report): keep the connections the
 * findings rest on (from the pressure model p, finished or in a snapshot;
 * NULL when there is none) and compose each finding's evidence.  What an
 * earlier call kept for its findings alone is let go first.  0, or -1 when
 * out of memory. */
int hsa_examples_cite(struct hsa_examples *ex, const struct hsa_pressure *p,
    const struct hsa_finding *findings, size_t n_findings);
/* The evidence of finding i (after hsa_examples_cite()), or NULL. */
const struct hsa_finding_evidence *hsa_examples_evidence(
    const struct hsa_examples *ex, size_t i);
/* The kept examples in id order: fills at most max pointers, returns how
 * many there are. */
size_t hsa_examples_list(const struct hsa_examples *ex,
    const struct hsa_example **out, size_t max);
void hsa_examples_free(struct hsa_examples *ex);

const char *hsa_example_kind_name(enum hsa_example_kind k);
/* A Wireshark display filter showing one connection's segments. */
const char *hsa_display_filter_conn(const struct hsa_conn *c, char *buf,
    size_t len);

#endif
