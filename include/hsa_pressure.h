/*
 * hsa_pressure.h - TIME-WAIT pressure: who holds the TIME-WAIT sockets, how
 * many at once, how close the connecting side is to running out of ports,
 * TIME-WAIT reuse and sockets left in CLOSE-WAIT; and the findings drawn
 * from that for a person.
 */
#ifndef HSA_PRESSURE_H
#define HSA_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_conn.h"

struct hsa_pressure_config {
	int64_t time_wait_ns;		/* --time-wait, 60 s on Linux */
	uint16_t port_low;		/* --port-range */
	uint16_t port_high;
	int64_t close_wait_ns;		/* --close-wait */
	const char *port_range_source;	/* "option", "machine" or "default" */
};

#define HSA_DEFAULT_TIME_WAIT_NS	(60LL * 1000000000LL)
#define HSA_DEFAULT_PORT_LOW		32768
#define HSA_DEFAULT_PORT_HIGH		60999
#define HSA_DEFAULT_CLOSE_WAIT_NS	(10LL * 1000000000LL)

/* One client/server pair seen from one holder side. */
struct hsa_tw_group {
	int holder;			/* HSA_CLIENT or HSA_SERVER */
	uint8_t ip_version;
	struct hsa_addr client;
	struct hsa_addr server;
	uint16_t server_port;
	uint64_t connections;
	uint64_t entries;
	uint64_t peak;
	int64_t peak_at;
	bool rate_valid;
	double rate;			/* connections per second */
	bool client_side;		/* the figures below apply */
	double port_share;
	bool projected_valid;		/* the rate was sustained (1 s of SYNs) */
	double projected_share;		/* rate * time_wait / range size */
	double syn_span;		/* seconds from first to last SYN */
	double exhaustion_rate;
	bool exhaustion_valid;
	double time_to_exhaustion;
	uint64_t reuse_count;
	int64_t reuse_min_gap;
	int n_examples;			/* connections that entered TIME-WAIT */
	uint64_t examples[10];
	int n_reuse_examples;		/* connections whose TIME-WAIT was cut */
	uint64_t reuse_examples[10];
};

enum hsa_severity { HSA_SEV_HIGH, HSA_SEV_WARNING, HSA_SEV_INFO };

#define HSA_FINDING_MAX_GROUPS 10
#define HSA_FINDING_MAX_CONNS 10
#define HSA_FINDING_MAX_NUMBERS 8

struct hsa_finding {
	enum hsa_severity severity;
	const char *code;
	char message[320];
	char hint[768];
	int n_numbers;
	struct { const char *name; double value; bool integer; } numbers[HSA_FINDING_MAX_NUMBERS];
	int n_groups;
	size_t groups[HSA_FINDING_MAX_GROUPS];	/* indexes into the group list */
	int n_conns;
	uint64_t conns[HSA_FINDING_MAX_CONNS];
};

struct hsa_pressure;

struct hsa_pressure *hsa_pressure_new(const struct hsa_pressure_config *cfg);
void hsa_pressure_free(struct hsa_pressure *p);

/* c has just closed and who (its verdict's time_wait) enters TIME-WAIT:
 * register it, if anyone does. */
void hsa_pressure_closed(struct hsa_pressure *p, struct hsa_conn *c,
    enum hsa_who who);
/* A SYN at syn_ns reuses the 4-tuple of prev; now is the capture clock. */
void hsa_pressure_reuse(struct hsa_pressure *p, const struct hsa_conn *prev,
    int64_t syn_ns);
/* c is being reported with verdict v at capture time now. */
void hsa_pressure_connection(struct hsa_pressure *p, struct hsa_conn *c,
    const struct hsa_verdict *v, int64_t now);
/* Let capture time run to now: TIME-WAIT intervals that ended are closed. */
void hsa_pressure_advance(struct hsa_pressure *p, int64_t now);

/* Live status: TIME-WAIT sockets now, and the largest peak share of the
 * port range on a connecting side so far. */
uint64_t hsa_pressure_active(const struct hsa_pressure *p);
double hsa_pressure_peak_share(const struct hsa_pressure *p);

/* At the end: the groups to report (sorted as documented) and the
 * findings.  Valid until hsa_pressure_free(). */
size_t hsa_pressure_groups(struct hsa_pressure *p,
    const struct hsa_tw_group **groups);
size_t hsa_pressure_findings(struct hsa_pressure *p,
    const struct hsa_finding **findings);
const struct hsa_pressure_config *hsa_pressure_config(const struct hsa_pressure *p);

const char *hsa_severity_name(enum hsa_severity s);

#endif
