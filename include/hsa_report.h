/*
 * hsa_report.h - the last stage: the text report for a person, the JSON
 * report for tickets and scripts, the HTML page, and the ladder diagram.
 */
#ifndef HSA_REPORT_H
#define HSA_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "hsa_capture.h"
#include "hsa_conn.h"
#include "hsa_examples.h"
#include "hsa_findings.h"
#include "hsa_kernel.h"
#include "hsa_pressure.h"
#include "hsa_summary.h"
#include "hsa_tracker.h"

/* Everything the end of a report says about the run. */
struct hsa_run {
	const struct hsa_capture *cap;
	const struct hsa_tracker_stats *tracker;
	const struct hsa_summary *summary;
	const struct hsa_pressure *pressure;	/* finished, or NULL */
	const struct hsa_findings *findings;
	const struct hsa_kernel_state *kernel;	/* live only, else NULL */
	bool live;
	unsigned long long kernel_drops;	/* live only */
	unsigned long long interface_drops;
	bool stats_available;
	const char *filter;	/* the BPF expression, or NULL */
	size_t max_flows;	/* --max-flows, for the eviction notice */
	const char *host;	/* where hsanalyze ran */
	int argc;		/* the command line */
	char *const *argv;
	int64_t started_ns;	/* wall clock, when the run began */
	const struct hsa_examples *examples;	/* the connections shown in full */
	/* An interim report, written while a live capture goes on (SIGHUP,
	 * --interval): it covers the connections reported so far, not the
	 * open_flows still being tracked. */
	bool interim;
	size_t open_flows;
};

/* JSON (report_json.c).  The document is written at the end, in the order
 * of doc/json-report.md: header, capture, summary, findings, pressure, the
 * examples; with all_connections also every connection, spooled to a
 * temporary file as they are reported (memory stays flat).  begin: 0, or -1
 * with errno set when the temporary file cannot be made. */
int hsa_json_begin(bool all_connections);
/* With all_connections: spool a reported connection; 0, or -1 when out of
 * memory. */
int hsa_json_connection(const struct hsa_conn *c, const struct hsa_verdict *v,
    bool nano);
/* The report as things stand, the spool kept for more connections (an
 * interim report); 0, or -1 when out of memory or the spool cannot be read
 * back. */
int hsa_json_report(FILE *out, const struct hsa_run *run);
/* The last report, then the spool is released; 0 or -1 as above. */
int hsa_json_end(FILE *out, const struct hsa_run *run);

/* The connection log, NDJSON (report_ndjson.c), written to fp (from
 * hsa_output_open_log()); NULL when out of memory. */
struct hsa_ndjson;
struct hsa_ndjson *hsa_ndjson_new(FILE *fp, bool nano);
/* One line for a reported connection; -1 when out of memory. */
int hsa_ndjson_connection(struct hsa_ndjson *n, const struct hsa_conn *c,
    const struct hsa_verdict *v);
/* The optional last line, {"type": "summary", ...}; -1 when out of memory. */
int hsa_ndjson_summary(struct hsa_ndjson *n, const struct hsa_run *run);
/* Hand the lines written so far to the reader (live captures). */
int hsa_ndjson_flush(struct hsa_ndjson *n);
/* Free the writer (NULL is fine); the stream stays open. */
void hsa_ndjson_free(struct hsa_ndjson *n);

/* Text (report_text.c). */
void hsa_text_report(FILE *out, const struct hsa_run *run);

struct hsa_ladder;
/* HTML (report_html.c): one self-contained page, with sequence diagrams of
 * the ladder's example connections (ladder may be NULL).  Returns 0; write
 * errors show when the output is committed. */
int hsa_html_report(FILE *out, const struct hsa_run *run,
    const struct hsa_ladder *ladder);

#endif
