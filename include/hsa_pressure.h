/*
 * hsa_pressure.h - TIME-WAIT pressure, the analysis stage after the tracker:
 * who holds the TIME-WAIT sockets, how many at once, how close the
 * connecting side is to running out of ports, TIME-WAIT reuse and sockets
 * left in CLOSE-WAIT.
 *
 * It consumes finished connections (the tracker's sink) and the tracker's
 * progress (a time before which nothing more will be reported), and hands
 * figures to the findings (hsa_findings.h) and the reports.  It never calls
 * back into the tracker, and the reports never call into it except to read.
 */
#ifndef HSA_PRESSURE_H
#define HSA_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_conn.h"
#include "hsa_tw_series.h"

/* Where the port range came from (JSON time_wait_pressure.port_range.source). */
#define HSA_PORT_RANGE_SOURCES(X)					\
	X(HSA_RANGE_DEFAULT,	"default")	/* Linux's default */	\
	X(HSA_RANGE_OPTION,	"option")	/* --port-range */	\
	X(HSA_RANGE_MACHINE,	"machine")	/* live: this machine */	\
	X(HSA_RANGE_CAPTURE,	"capture")	/* recorded in the -w file */	\
	X(HSA_RANGE_INFERRED,	"inferred")	/* from the client ports seen */

enum hsa_port_range_source {
#define HSA_X(name, text) name,
	HSA_PORT_RANGE_SOURCES(HSA_X)
#undef HSA_X
};

struct hsa_pressure_config {
	int64_t time_wait_ns;		/* --time-wait, 60 s on Linux */
	uint16_t port_low;		/* --port-range */
	uint16_t port_high;
	int64_t close_wait_ns;		/* --close-wait */
	enum hsa_port_range_source port_range_source;
	int tw_reuse;			/* net.ipv4.tcp_tw_reuse, -1 unknown */
	bool series;			/* keep each group's count over time
					 * (the HTML report's chart): about
					 * 1 KiB more per group */
};

#define HSA_DEFAULT_TIME_WAIT_NS	(60LL * 1000000000LL)
#define HSA_DEFAULT_PORT_LOW		32768
#define HSA_DEFAULT_PORT_HIGH		60999
#define HSA_DEFAULT_CLOSE_WAIT_NS	(10LL * 1000000000LL)
/* Linux lets tcp_tw_reuse take a TIME-WAIT port once its last timestamp
 * is older than 1 s (tcp_twsk_unique()). */
#define HSA_TW_REUSE_DELAY_NS		1000000000LL

#define HSA_GROUP_EXAMPLES 10

/* One client/server pair seen from one holder side. */
struct hsa_tw_group {
	int holder;			/* HSA_CLIENT or HSA_SERVER */
	uint8_t ip_version;
	struct hsa_addr client;
	struct hsa_addr server;
	uint16_t server_port;
	uint64_t connections;		/* of the pair, whoever holds TIME-WAIT */
	uint64_t entries;		/* TIME-WAITs this side entered */
	uint64_t kernel_entries;	/* already in TIME-WAIT at start, per
					 * the kernel's table (live) */
	uint64_t peak;			/* most of them at once */
	int64_t peak_at;
	uint64_t active_at_end;		/* alive at the end of the capture */
	/* The rate at which this side entered TIME-WAIT: (entries - 1) over
	 * the span of their start times. */
	bool rate_valid;
	double rate;			/* TIME-WAIT entries per second */
	double span;			/* seconds from first to last entry */
	bool client_side;		/* the port figures below apply */
	double port_share;		/* peak / range size */
	bool projected_valid;		/* the rate was sustained for 1 s */
	double projected_share;		/* rate * time_wait / range size */
	double exhaustion_rate;		/* range size / time_wait */
	bool exhaustion_valid;		/* projected past the range, not full */
	double time_to_exhaustion;	/* from the ports free at the end */
	bool exhausted;			/* peak reached the range size */
	int64_t exhausted_at;		/* when it first did */
	/* Request/response exchanges per connection of the pair: how many
	 * closed connections (one side entered TIME-WAIT) carried any, and the most common count with (at
	 * least) how many carried it; 0 when none carried data. */
	uint64_t exchange_conns;
	uint32_t exchanges_mode;
	uint64_t exchanges_mode_count;
	bool syn_seen;			/* SYN times of the pair */
	int64_t last_syn;
	uint64_t reuse_count;
	int64_t reuse_min_gap;		/* never negative */
	int n_examples;			/* connections that entered TIME-WAIT */
	uint64_t examples[HSA_GROUP_EXAMPLES];
	int n_reuse_examples;		/* connections whose TIME-WAIT was cut */
	uint64_t reuse_examples[HSA_GROUP_EXAMPLES];
	/* examples[0] whole, so that a finding on the group can show it
	 * however many groups there are; NULL when it could not be kept
	 * (out of memory) or the group has only the kernel's entries. */
	const struct hsa_conn_record *first;
	/* How many were alive over capture time, up to its last packet;
	 * NULL unless the config asked for it (or out of memory). */
	const struct hsa_tw_series *series;
};

/* What the model could not count, and why: every loss is shown. */
struct hsa_pressure_losses {
	uint64_t pairs_full;		/* connections of pairs past the limit */
	uint64_t out_of_memory;		/* TIME-WAITs not counted */
	uint64_t clock_steps;		/* restarts at a clock step back */
	uint64_t late;			/* counted from the latest time instead */
	uint64_t saturated;		/* start + time_wait past the end of time */
};

/* CLOSE-WAIT suspicion: one side's FIN was not answered for close_wait. */
#define HSA_CLOSE_WAIT_EXAMPLES 10
struct hsa_close_wait {
	uint64_t count;
	int64_t longest;
	uint64_t stuck[2];		/* HSA_CLIENT, HSA_SERVER */
	int n_examples;
	uint64_t examples[HSA_CLOSE_WAIT_EXAMPLES];
	struct hsa_conn_record *first;	/* examples[0] whole, or NULL */
};

struct hsa_pressure;

struct hsa_pressure *hsa_pressure_new(const struct hsa_pressure_config *cfg);
void hsa_pressure_free(struct hsa_pressure *p);

/* c was reported with its final verdict v at capture time now: register
 * its TIME-WAIT (once), its pair, its reuse of an earlier 4-tuple and its
 * CLOSE-WAIT.  The first connection of each group, and the first CLOSE-WAIT
 * suspect, are kept whole (about 1 KiB each, so memory grows with the
 * groups, at most 2 * HSA_PRESSURE_MAX_PAIRS, never with the connections).
 * Returns 0, or -ENOMEM (counted in the losses). */
int hsa_pressure_connection(struct hsa_pressure *p, const struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now);
/* A hint that c comes soon: load what registering it will look at (its
 * id's slot, its predecessor's), so that the wait for memory overlaps
 * the connections before it.  Changes nothing. */
void hsa_pressure_prefetch(const struct hsa_pressure *p,
    const struct hsa_conn *c);

struct hsa_kernel_state;
struct hsa_kernel_tw_group;
/* Which of the kernel's groups the capture would see (its filter). */
typedef bool (*hsa_kernel_group_filter)(void *ctx,
    const struct hsa_kernel_tw_group *g);
/* Live, before the first packet: start from the TIME-WAIT sockets the
 * kernel's table holds (connecting side, the groups keep accepts, or all
 * when it is NULL), each from when it began (now minus time_wait minus its
 * remaining timer).  They count in the peaks and in the ports held, not in
 * the entries or rates.  Returns 0. */
int hsa_pressure_kernel_start(struct hsa_pressure *p,
    const struct hsa_kernel_state *k, hsa_kernel_group_filter keep, void *ctx);

/* Nothing reported from now on has a TIME-WAIT start or a SYN before
 * horizon: the model counts everything before it. */
void hsa_pressure_progress(struct hsa_pressure *p, int64_t horizon);

/* Everything has been reported; capture_end is the capture's last
 * timestamp (the "now" of the time to exhaustion).  Builds the groups. */
int hsa_pressure_finish(struct hsa_pressure *p, int64_t capture_end);

/* Live, while the capture goes on: build the groups (hsa_pressure_groups())
 * as things stand at the model's horizon, so that findings and reports can
 * be drawn without ending anything; active_at_end is then the TIME-WAITs
 * alive at the horizon, and the time to exhaustion counts from them.  The
 * port range is not inferred from the client ports (only at the end).
 * Replaces the groups of an earlier snapshot.  After hsa_pressure_finish()
 * it changes nothing.  Returns 0 or -ENOMEM. */
int hsa_pressure_snapshot(struct hsa_pressure *p);

/* Live status: how things stand at the model's horizon. */
struct hsa_pressure_status {
	uint64_t active[2];		/* TIME-WAIT now, per holder side */
	uint64_t busiest;		/* the most one connecting side holds to
					 * one destination now */
	double busiest_share;		/* of the port range */
	bool full;			/* busiest reached the range size */
	bool tte_valid;			/* busiest's rate would fill it */
	double tte_s;			/* seconds until then */
	double peak_share;		/* the largest share so far */
};
void hsa_pressure_status(const struct hsa_pressure *p,
    struct hsa_pressure_status *st);

/* Live: a client/server pair seen from one holder side, as things stand
 * at the model's horizon (the end of the capture once finished). */
struct hsa_live_group {
	int holder;			/* HSA_CLIENT or HSA_SERVER */
	uint8_t ip_version;
	struct hsa_addr client;
	struct hsa_addr server;
	uint16_t server_port;
	uint64_t entries;		/* TIME-WAITs this side entered */
	uint64_t active;		/* in TIME-WAIT now */
	/* The connecting side only (holder HSA_CLIENT): */
	double share;			/* active / range size */
	bool full;			/* the range is full */
	bool tte_valid;			/* its rate would fill the range */
	double tte_s;			/* seconds until it does */
};
/* The groups left out of the max kept, per holder side, folded into one. */
struct hsa_live_rest {
	size_t groups;			/* how many were left out */
	uint64_t entries;		/* their TIME-WAIT entries, summed */
	uint64_t active;		/* in TIME-WAIT now, summed */
	/* The connecting side only (rest[HSA_CLIENT]): */
	double share;			/* the largest share */
	bool full;			/* one of them is full */
	bool tte_valid;			/* one of them would fill its range */
	double tte_s;			/* the soonest of those */
};
/* The groups that entered TIME-WAIT so far, the most in TIME-WAIT now
 * first (then the most entries), at most max of them in out; when rest is
 * not NULL, the ones left out are folded into rest[HSA_CLIENT] and
 * rest[HSA_SERVER] by holder side.  Returns how many there are in all, so
 * that the caller can say how many it left out. */
size_t hsa_pressure_live_groups(const struct hsa_pressure *p,
    struct hsa_live_group *out, size_t max, struct hsa_live_rest *rest);

/* After hsa_pressure_finish() or hsa_pressure_snapshot(): the groups, most
 * concurrent first.  Valid until the next of these calls or
 * hsa_pressure_free(). */
size_t hsa_pressure_groups(const struct hsa_pressure *p,
    const struct hsa_tw_group **groups);
const struct hsa_close_wait *hsa_pressure_close_wait(const struct hsa_pressure *p);
const struct hsa_pressure_losses *hsa_pressure_losses(const struct hsa_pressure *p);
const struct hsa_pressure_config *hsa_pressure_config(const struct hsa_pressure *p);
uint32_t hsa_pressure_range_size(const struct hsa_pressure_config *cfg);
const char *hsa_port_range_source_name(enum hsa_port_range_source s);

/* The most pairs the model follows; connections beyond are counted as
 * lost (losses.pairs_full). */
#define HSA_PRESSURE_MAX_PAIRS 65536

#endif
