/*
 * fuzz_pipeline.c - libFuzzer target for the whole pipeline: the input is a
 * capture file, read through capture, decode, tracker and pressure into every
 * report (text, JSON, ladder, HTML), as `hsanalyze -r FILE` would.
 *
 * Input: two control bytes, then the capture file's bytes.
 *   byte 0  bit 0-1  report: text, JSON, --ladder, --ladder ID
 *           bit 2    --html as well
 *           bit 3    --max-flows 2 (eviction on every new connection)
 *           bit 4    --time-wait 0.001 (the shortest) instead of 60 s
 *           bit 5    --time-wait 86400 (the longest)
 *           bit 6    --port-range 40000-40001 (two ports: shares above 100%)
 *           bit 7    the filter "tcp port 80" (compiled for the link type)
 *   byte 1  the --ladder ID (1..256), --close-wait 0.001 when odd
 * The file is handed to the capture stage through a memfd, by name, as a
 * user's file would be; everything is written to /dev/null, which is opened
 * once.  The seeds are the bundled captures with two zero bytes in front
 * (tests/fuzz-pipeline.sh makes them).
 *
 * Build: make fuzz (fuzz/local.mk).
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hsa_capture.h"
#include "hsa_findings.h"
#include "hsa_ladder.h"
#include "hsa_pressure.h"
#include "hsa_report.h"
#include "hsa_summary.h"
#include "hsa_tracker.h"

enum { REPORT_TEXT, REPORT_JSON, REPORT_LADDER, REPORT_LADDER_ID };

struct ctx {
	struct hsa_summary summary;
	struct hsa_tracker *tracker;
	struct hsa_pressure *pressure;
	struct hsa_ladder *ladder;
	bool json_all;		/* --json --all-connections */
	struct hsa_examples examples;
	bool nano;
};

static FILE *devnull;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_connection(void *p, struct hsa_conn *c,
    const struct hsa_verdict *v)
{
	struct ctx *x = p;
	uint32_t kinds;

	hsa_summary_add(&x->summary, c, v);
	hsa_pressure_connection(x->pressure, c, v,
	    hsa_tracker_capture_time(x->tracker));
	kinds = hsa_examples_add(&x->examples, c, v);
	if (x->json_all)
		hsa_json_connection(c, v, x->nano);
	if (x->ladder) {
		hsa_ladder_connection(x->ladder, c, v, kinds);
		if (kinds && hsa_examples_drawn_full(&x->examples))
			hsa_ladder_enough(x->ladder);
	}
}

static void on_progress(void *p, int64_t horizon)
{
	struct ctx *x = p;

	hsa_pressure_progress(x->pressure, horizon);
}

static void on_segment(void *p, struct hsa_conn *c,
    const struct hsa_packet *pkt, enum hsa_segment_role role)
{
	struct ctx *x = p;

	hsa_ladder_segment(x->ladder, c, pkt, role);
}

/* The pipeline on the capture named path, with the options of the control
 * bytes. */
static void run_pipeline(const char *path, uint8_t opts, uint8_t extra)
{
	struct hsa_capture cap;
	struct hsa_pressure_config pc = {
		.time_wait_ns = HSA_DEFAULT_TIME_WAIT_NS,
		.port_low = HSA_DEFAULT_PORT_LOW,
		.port_high = HSA_DEFAULT_PORT_HIGH,
		.close_wait_ns = HSA_DEFAULT_CLOSE_WAIT_NS,
		.port_range_source = HSA_RANGE_DEFAULT,
		.tw_reuse = -1,
	};
	struct hsa_tracker_config tc = {
		.handshake_timeout_ns = HSA_DEFAULT_HANDSHAKE_TIMEOUT_NS,
		.idle_timeout_ns = HSA_DEFAULT_IDLE_TIMEOUT_NS,
		.linger_ns = HSA_DEFAULT_LINGER_NS,
		.history_ns = HSA_DEFAULT_HISTORY_NS,
		.max_flows = HSA_DEFAULT_MAX_FLOWS,
		.sink = on_connection,
		.progress = on_progress,
	};
	struct hsa_tracker *t = NULL;
	struct hsa_pressure *pr = NULL;
	struct hsa_run run = { 0 };
	struct hsa_findings findings = { 0 };
	struct hsa_tracking_losses lost;
	struct hsa_packet pkt;
	struct ctx x;
	char err[PCAP_ERRBUF_SIZE + 128];
	int r;
	int report = opts & 3;
	bool html = opts & 4;

	memset(&x, 0, sizeof(x));
	if (opts & 8)
		tc.max_flows = 2;
	if (opts & 16)
		pc.time_wait_ns = 1000000;
	if (opts & 32)
		pc.time_wait_ns = 86400LL * 1000000000LL;
	if (opts & 64) {
		pc.port_low = 40000;
		pc.port_high = 40001;
	}
	if (extra & 1)
		pc.close_wait_ns = 1000000;

	if (hsa_capture_open_file(&cap, path, err, sizeof(err)) != 0)
		return;
	if (!hsa_link_supported(cap.dlt))
		goto out;
	if ((opts & 128) && hsa_capture_set_filter(&cap, "tcp port 80", err,
	    sizeof(err)) != 0)
		goto out;
	hsa_summary_init(&x.summary);
	hsa_examples_init(&x.examples);
	x.nano = cap.nano;
	if (report == REPORT_JSON) {
		/* Bit 64: every connection, spooled (--all-connections). */
		x.json_all = (opts & 64) != 0;
		if (hsa_json_begin(x.json_all) != 0)
			goto out;
	}
	if ((report >= REPORT_LADDER || html) &&
	    !(x.ladder = hsa_ladder_new(report == REPORT_LADDER_ID ?
	    (uint64_t)extra + 1 : 0, cap.nano)))
		goto out;
	tc.segment_hook = x.ladder ? on_segment : NULL;
	tc.ctx = &x;
	if (!(pr = hsa_pressure_new(&pc)))
		goto out;
	x.pressure = pr;
	if (!(t = hsa_tracker_new(&tc)))
		goto out;
	x.tracker = t;
	while ((r = hsa_capture_next(&cap, &pkt)) >= 0)
		if (r == 1) {
			hsa_tracker_hash(t, &pkt);
			hsa_tracker_segment(t, &pkt);
		}
	hsa_tracker_finish(t);
	lost.dropped_out_of_memory = hsa_tracker_stats(t)->alloc_failures;
	lost.evicted = hsa_tracker_stats(t)->evicted;
	lost.max_flows = tc.max_flows;
	if (hsa_pressure_finish(pr, hsa_tracker_capture_time(t)) != 0 ||
	    hsa_findings_compose(&findings, pr, &lost, NULL) != 0)
		goto out;
	run.cap = &cap;
	run.tracker = hsa_tracker_stats(t);
	run.summary = &x.summary;
	run.pressure = pr;
	run.findings = &findings;
	run.filter = (opts & 128) ? "tcp port 80" : NULL;
	hsa_examples_cite(&x.examples, pr, findings.list, findings.n);
	run.examples = &x.examples;
	if (report == REPORT_JSON)
		hsa_json_end(devnull, &run);
	else if (report >= REPORT_LADDER)
		hsa_ladder_print(devnull, x.ladder);
	else
		hsa_text_report(devnull, &run);
	if (html)
		hsa_html_report(devnull, &run, x.ladder);
out:
	hsa_examples_free(&x.examples);
	hsa_tracker_free(t);
	hsa_pressure_free(pr);
	hsa_findings_free(&findings);
	hsa_ladder_free(x.ladder);
	hsa_capture_close(&cap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	if (size < 2)
		return 0;
	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		return 0;
	if ((fd = memfd_create("capture", 0)) < 0)
		return 0;
	if (write(fd, data + 2, size - 2) == (ssize_t)(size - 2)) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		run_pipeline(path, data[0], data[1]);
	}
	close(fd);
	return 0;
}
