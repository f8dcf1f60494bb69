/*
 * hsa_findings.h - conclusions for a person, drawn by the analysis stage
 * from the TIME-WAIT pressure figures (and, live, from what the kernel
 * says).  Each finding carries its evidence: numbers, groups, example
 * connections.  The reports only render them.
 */
#ifndef HSA_FINDINGS_H
#define HSA_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_pressure.h"

enum hsa_severity { HSA_SEV_CRITICAL, HSA_SEV_HIGH, HSA_SEV_WARNING, HSA_SEV_INFO };

#define HSA_FINDING_MAX_GROUPS 10
#define HSA_FINDING_MAX_CONNS 10
#define HSA_FINDING_MAX_NUMBERS 10

struct hsa_finding {
	enum hsa_severity severity;
	const char *code;
	bool at_valid;			/* when it happened (PORTS_EXHAUSTED) */
	int64_t at;
	char message[640];
	char hint[768];
	int n_numbers;
	struct { const char *name; double value; bool integer; } numbers[HSA_FINDING_MAX_NUMBERS];
	int n_groups;
	size_t groups[HSA_FINDING_MAX_GROUPS];	/* indexes into the group list */
	int n_conns;
	uint64_t conns[HSA_FINDING_MAX_CONNS];
};

struct hsa_findings {
	struct hsa_finding *list;
	size_t n;
	size_t cap;
};

/* What the tracker could not follow whole: segments dropped for want of
 * memory (hsa_tracker_stats.alloc_failures) and connections evicted to stay
 * within --max-flows. */
struct hsa_tracking_losses {
	uint64_t dropped_out_of_memory;
	uint64_t evicted;
	size_t max_flows;
};

struct hsa_kernel_state;
/* Compose the findings from a finished pressure model, what the tracker
 * lost (NULL: nothing) and, live, what the kernel's table said (NULL
 * otherwise).  Returns 0 or -ENOMEM.  hsa_findings_free() releases them. */
int hsa_findings_compose(struct hsa_findings *f, const struct hsa_pressure *p,
    const struct hsa_tracking_losses *t, const struct hsa_kernel_state *k);
void hsa_findings_free(struct hsa_findings *f);

const char *hsa_severity_name(enum hsa_severity s);

#endif
