/*
 * report_json.c - the JSON report (doc/json-report.md describes every field).
 *
 * The document is written in pieces so that connections can be streamed as
 * they are reported: the opening and the "connections" array first, one
 * connection object per line, then "capture" and "summary", which are only
 * known at the end.  Connection objects go through the streaming writer of
 * json_writer.h (they are the hot path); the once-per-run objects are built
 * with cJSON and printed compactly.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdlib.h>

#include "hsa_examples.h"
#include "hsa_format.h"
#include "hsa_report.h"
#include "json_writer.h"
#include "report_json.h"

#define FORMAT_NAME	"hsanalyze-report"
#define FORMAT_VERSION	2

/* The bounded report's limits (--all-connections lifts them): with these,
 * the document stays well under 256 KiB whatever the capture. */
#define REPORT_GROUPS_MAX	32
#define REPORT_FINDINGS_MAX	HSA_EXAMPLES_FINDINGS	/* with their examples */
#define SPOOL_COPY		65536

static bool first_connection = true;
static FILE *spool;		/* --all-connections: the connections so far */

int hsa_json_begin(bool all_connections)
{
	first_connection = true;
	if (spool)		/* a run that failed before hsa_json_end() */
		fclose(spool);
	spool = NULL;
	if (all_connections && !(spool = tmpfile()))
		return -1;
	return 0;
}

static struct hsa_jw writer;

int hsa_json_connection(const struct hsa_conn *c, const struct hsa_verdict *v,
    bool nano)
{
	struct hsa_jw *w = &writer;
	FILE *out = spool;
	char *p;

	hsa_jw_reset(w);
	if (!(p = hsa_jw_room(w, HSA_JSON_CONN_MAX)))
		return -1;
	p = HSA_JW_LIT(p, "{\"id\":");
	p = hsa_put_uint(p, c->id);
	p = hsa_json_put_conn_members(p, c, v, nano);
	hsa_jw_advance(w, HSA_JW_LIT(p, "}"));
	if (!first_connection)
		fputc(',', out);
	fputc('\n', out);
	fwrite(w->buf, 1, w->len, out);
	first_connection = false;
	return 0;
}

static cJSON *group_json(const struct hsa_capture_stats *st,
    enum hsa_decode_group g)
{
	cJSON *o = cJSON_CreateObject();
	int r;

	for (r = 0; r < HSA_DECODE_RESULT_COUNT; r++)
		if (hsa_decode_result_group(r) == g)
			cJSON_AddNumberToObject(o, hsa_decode_result_name(r),
			    (double)st->results[r]);
	return o;
}

cJSON *hsa_json_capture(const struct hsa_run *run)
{
	const struct hsa_capture *cap = run->cap;
	const struct hsa_capture_stats *st = &cap->stats;
	char tbuf[HSA_TIME_STRLEN];
	cJSON *o = cJSON_CreateObject(), *opt, *drops, *steps;

	cJSON_AddStringToObject(o, "source", cap->source);
	cJSON_AddBoolToObject(o, "live", cap->live);
	cJSON_AddStringToObject(o, "link_type", hsa_capture_link_name(cap));
	cJSON_AddNumberToObject(o, "snaplen", cap->snaplen);
	cJSON_AddStringToObject(o, "timestamp_precision", cap->nano ? "ns" : "us");
	cJSON_AddNumberToObject(o, "packets", (double)st->packets);
	cJSON_AddNumberToObject(o, "tcp_segments", (double)st->results[HSA_DECODE_TCP]);
	if (st->have_ts) {
		cJSON_AddStringToObject(o, "first_packet",
		    hsa_format_time(st->first_ts, cap->nano, tbuf, sizeof(tbuf)));
		cJSON_AddStringToObject(o, "last_packet",
		    hsa_format_time(st->last_ts, cap->nano, tbuf, sizeof(tbuf)));
	} else {
		cJSON_AddNullToObject(o, "first_packet");
		cJSON_AddNullToObject(o, "last_packet");
	}
	cJSON_AddItemToObject(o, "skipped", group_json(st, HSA_GROUP_SKIPPED));
	cJSON_AddItemToObject(o, "truncated", group_json(st, HSA_GROUP_TRUNCATED));
	cJSON_AddItemToObject(o, "invalid", group_json(st, HSA_GROUP_INVALID));
	opt = cJSON_AddObjectToObject(o, "tcp_options");
	cJSON_AddNumberToObject(opt, "truncated", (double)st->options_truncated);
	cJSON_AddNumberToObject(opt, "invalid", (double)st->options_invalid);
	cJSON_AddBoolToObject(o, "cut_short", st->cut_short);
	cJSON_AddNumberToObject(o, "bad_timestamps", (double)st->bad_timestamps);
	steps = cJSON_AddObjectToObject(o, "clock_steps_back");
	cJSON_AddNumberToObject(steps, "count", (double)st->clock_steps_back);
	cJSON_AddNumberToObject(steps, "largest_ms",
	    (double)st->largest_step_back_ns / 1e6);
	cJSON_AddNumberToObject(o, "late_segments", (double)run->tracker->late_segments);
	cJSON_AddNumberToObject(o, "dropped_out_of_memory",
	    (double)run->tracker->alloc_failures);
	if (cap->live && run->stats_available) {
		drops = cJSON_AddObjectToObject(o, "drops");
		cJSON_AddNumberToObject(drops, "kernel", (double)run->kernel_drops);
		cJSON_AddNumberToObject(drops, "interface", (double)run->interface_drops);
	} else
		cJSON_AddNullToObject(o, "drops");
	return o;
}

static cJSON *distribution_json(const struct hsa_sketch *s)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "count", (double)s->count);
	if (s->count == 0) {
		cJSON_AddNullToObject(o, "min");
		cJSON_AddNullToObject(o, "p50");
		cJSON_AddNullToObject(o, "p90");
		cJSON_AddNullToObject(o, "p99");
		cJSON_AddNullToObject(o, "max");
		return o;
	}
	cJSON_AddNumberToObject(o, "min", hsa_ms(s->min_ns));
	cJSON_AddNumberToObject(o, "p50", hsa_sketch_quantile(s, 0.50) / 1e6);
	cJSON_AddNumberToObject(o, "p90", hsa_sketch_quantile(s, 0.90) / 1e6);
	cJSON_AddNumberToObject(o, "p99", hsa_sketch_quantile(s, 0.99) / 1e6);
	cJSON_AddNumberToObject(o, "max", hsa_ms(s->max_ns));
	return o;
}

static cJSON *counts_json(const uint64_t *n, int count, const char *(*name)(int))
{
	cJSON *o = cJSON_CreateObject();
	int i;

	for (i = 0; i < count; i++)
		cJSON_AddNumberToObject(o, name(i), (double)n[i]);
	return o;
}

static const char *hs_name(int i) { return hsa_handshake_name(i); }
static const char *close_name(int i) { return hsa_close_name(i); }
static const char *who_name(int i) { return hsa_who_name(i); }

cJSON *hsa_json_summary(const struct hsa_run *run)
{
	const struct hsa_summary *s = run->summary;
	cJSON *o = cJSON_CreateObject(), *rtt;

	cJSON_AddNumberToObject(o, "connections", (double)s->connections);
	cJSON_AddItemToObject(o, "handshake", counts_json(s->handshake, HSA_HS_COUNT, hs_name));
	cJSON_AddItemToObject(o, "close", counts_json(s->close, HSA_CLOSE_COUNT, close_name));
	cJSON_AddItemToObject(o, "time_wait", counts_json(s->time_wait, HSA_WHO_COUNT, who_name));
	cJSON_AddNumberToObject(o, "roles_guessed", (double)s->roles_guessed);
	cJSON_AddNumberToObject(o, "reused_4tuples", (double)s->reused);
	cJSON_AddNumberToObject(o, "evicted", (double)s->evicted);
	cJSON_AddNumberToObject(o, "peak_tracked", (double)run->tracker->peak_flows);
	rtt = cJSON_AddObjectToObject(o, "rtt_ms");
	cJSON_AddNumberToObject(rtt, "relative_accuracy", HSA_SKETCH_ACCURACY);
	cJSON_AddItemToObject(rtt, "syn_to_synack", distribution_json(&s->syn_to_synack));
	cJSON_AddItemToObject(rtt, "synack_to_ack", distribution_json(&s->synack_to_ack));
	cJSON_AddItemToObject(rtt, "total", distribution_json(&s->total));
	return o;
}

static void add_number_or_null(cJSON *o, const char *name, bool valid, double v)
{
	if (valid)
		cJSON_AddNumberToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static cJSON *pressure_json(const struct hsa_run *run, bool nano, size_t max)
{
	const struct hsa_pressure_config *cfg = hsa_pressure_config(run->pressure);
	const struct hsa_pressure_losses *l = hsa_pressure_losses(run->pressure);
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(run->pressure, &g), i;
	cJSON *o = cJSON_CreateObject(), *range, *groups, *go, *reuse, *lo;
	char buf[HSA_ADDR_STRLEN], tbuf[HSA_TIME_STRLEN];

	cJSON_AddNumberToObject(o, "time_wait_seconds", (double)cfg->time_wait_ns / 1e9);
	range = cJSON_AddObjectToObject(o, "port_range");
	cJSON_AddNumberToObject(range, "low", cfg->port_low);
	cJSON_AddNumberToObject(range, "high", cfg->port_high);
	cJSON_AddNumberToObject(range, "size", hsa_pressure_range_size(cfg));
	cJSON_AddStringToObject(range, "source",
	    hsa_port_range_source_name(cfg->port_range_source));
	lo = cJSON_AddObjectToObject(o, "losses");
	cJSON_AddNumberToObject(lo, "pairs_limit", HSA_PRESSURE_MAX_PAIRS);
	cJSON_AddNumberToObject(lo, "connections_past_pairs_limit", (double)l->pairs_full);
	cJSON_AddNumberToObject(lo, "out_of_memory", (double)l->out_of_memory);
	cJSON_AddNumberToObject(lo, "clock_steps_back", (double)l->clock_steps);
	cJSON_AddNumberToObject(lo, "late_entries", (double)l->late);
	cJSON_AddNumberToObject(lo, "saturated_ends", (double)l->saturated);
	cJSON_AddNumberToObject(o, "groups_total", (double)n);
	groups = cJSON_AddArrayToObject(o, "groups");
	for (i = 0; i < n && i < max; i++, g++) {
		go = cJSON_CreateObject();
		cJSON_AddItemToArray(groups, go);
		cJSON_AddStringToObject(go, "holder", g->holder == HSA_CLIENT ? "client" : "server");
		cJSON_AddStringToObject(go, "client_ip", hsa_format_addr(g->ip_version, &g->client, buf, sizeof(buf)));
		cJSON_AddStringToObject(go, "server_ip", hsa_format_addr(g->ip_version, &g->server, buf, sizeof(buf)));
		cJSON_AddNumberToObject(go, "server_port", g->server_port);
		cJSON_AddNumberToObject(go, "connections", (double)g->connections);
		cJSON_AddNumberToObject(go, "time_wait_entries", (double)g->entries);
		cJSON_AddNumberToObject(go, "peak_concurrent", (double)g->peak);
		cJSON_AddStringToObject(go, "peak_at", hsa_format_time(g->peak_at, nano, tbuf, sizeof(tbuf)));
		cJSON_AddNumberToObject(go, "active_at_end", (double)g->active_at_end);
		add_number_or_null(go, "time_wait_rate_per_s", g->rate_valid, g->rate);
		add_number_or_null(go, "port_range_share", g->client_side, g->port_share);
		add_number_or_null(go, "projected_share", g->projected_valid, g->projected_share);
		add_number_or_null(go, "exhaustion_rate_per_s", g->client_side, g->exhaustion_rate);
		add_number_or_null(go, "time_to_exhaustion_s", g->exhaustion_valid, g->time_to_exhaustion);
		if (g->exhausted)
			cJSON_AddStringToObject(go, "exhausted_at", hsa_format_time(g->exhausted_at, nano, tbuf, sizeof(tbuf)));
		else
			cJSON_AddNullToObject(go, "exhausted_at");
		reuse = cJSON_AddObjectToObject(go, "reuse_in_time_wait");
		cJSON_AddNumberToObject(reuse, "count", (double)g->reuse_count);
		add_number_or_null(reuse, "min_gap_ms", g->reuse_count > 0, hsa_ms(g->reuse_min_gap));
	}
	return o;
}

static cJSON *findings_json(const struct hsa_run *run, bool nano, size_t max)
{
	cJSON *a = cJSON_CreateArray(), *fo, *nums, *list;
	const struct hsa_finding_evidence *fe;
	char tbuf[HSA_TIME_STRLEN];
	size_t i;
	int k;

	for (i = 0; run->findings && i < run->findings->n && i < max; i++) {
		const struct hsa_finding *f = &run->findings->list[i];

		fo = cJSON_CreateObject();
		cJSON_AddItemToArray(a, fo);
		cJSON_AddStringToObject(fo, "severity", hsa_severity_name(f->severity));
		cJSON_AddStringToObject(fo, "code", f->code);
		cJSON_AddStringToObject(fo, "message", f->message);
		if (f->at_valid)
			cJSON_AddStringToObject(fo, "at", hsa_format_time(f->at, nano, tbuf, sizeof(tbuf)));
		nums = cJSON_AddObjectToObject(fo, "numbers");
		for (k = 0; k < f->n_numbers; k++)
			cJSON_AddNumberToObject(nums, f->numbers[k].name, f->numbers[k].value);
		list = cJSON_AddArrayToObject(fo, "groups");
		for (k = 0; k < f->n_groups; k++)
			cJSON_AddItemToArray(list, cJSON_CreateNumber((double)f->groups[k]));
		list = cJSON_AddArrayToObject(fo, "connections");
		for (k = 0; k < f->n_conns; k++)
			cJSON_AddItemToArray(list, cJSON_CreateNumber((double)f->conns[k]));
		cJSON_AddStringToObject(fo, "hint", f->hint);
		fe = run->examples ? hsa_examples_evidence(run->examples, i) : NULL;
		if (fe && fe->display_filter[0])
			cJSON_AddStringToObject(fo, "display_filter", fe->display_filter);
		else
			cJSON_AddNullToObject(fo, "display_filter");
		list = cJSON_AddArrayToObject(fo, "examples");
		for (k = 0; fe && k < fe->n_examples; k++)
			cJSON_AddItemToArray(list, cJSON_CreateNumber((double)fe->examples[k]));
	}
	return a;
}

#define KERNEL_GROUPS_SHOWN 20

/* Live: what the kernel's socket table and sysctls said. */
static cJSON *kernel_json(const struct hsa_kernel_state *k)
{
	cJSON *o = cJSON_CreateObject(), *a, *go, *st;
	char buf[HSA_ADDR_STRLEN], tbuf[HSA_TIME_STRLEN];
	size_t i;

	cJSON_AddBoolToObject(o, "available", k->available);
	if (k->note[0])
		cJSON_AddStringToObject(o, "note", k->note);
	else
		cJSON_AddNullToObject(o, "note");
	cJSON_AddNumberToObject(o, "reads", (double)k->reads);
	if (k->sysctls_read) {
		a = cJSON_AddObjectToObject(o, "ip_local_port_range");
		cJSON_AddNumberToObject(a, "low", k->port_low);
		cJSON_AddNumberToObject(a, "high", k->port_high);
	} else
		cJSON_AddNullToObject(o, "ip_local_port_range");
	if (k->tw_reuse >= 0)
		cJSON_AddNumberToObject(o, "tcp_tw_reuse", k->tw_reuse);
	else
		cJSON_AddNullToObject(o, "tcp_tw_reuse");
	if (k->max_tw_buckets >= 0)
		cJSON_AddNumberToObject(o, "tcp_max_tw_buckets", (double)k->max_tw_buckets);
	else
		cJSON_AddNullToObject(o, "tcp_max_tw_buckets");
	if (!k->reads)
		return o;
	st = cJSON_AddObjectToObject(o, "at_start");
	cJSON_AddStringToObject(st, "read_at", hsa_format_time(k->first_read_at, true, tbuf, sizeof(tbuf)));
	cJSON_AddNumberToObject(st, "time_wait_sockets", (double)k->first_time_wait);
	cJSON_AddNumberToObject(st, "busiest_destination", k->first_busiest);
	st = cJSON_AddObjectToObject(o, "last");
	cJSON_AddStringToObject(st, "read_at", hsa_format_time(k->read_at, true, tbuf, sizeof(tbuf)));
	cJSON_AddNumberToObject(st, "time_wait_sockets", (double)k->time_wait);
	a = cJSON_AddArrayToObject(st, "groups");
	for (i = 0; i < k->ngroups && i < KERNEL_GROUPS_SHOWN; i++) {
		const struct hsa_kernel_tw_group *g = &k->groups[i];

		go = cJSON_CreateObject();
		cJSON_AddItemToArray(a, go);
		cJSON_AddStringToObject(go, "side", g->connecting ? "connecting" : "listening");
		cJSON_AddStringToObject(go, "local_ip", hsa_format_addr(g->ip_version, &g->local, buf, sizeof(buf)));
		if (g->connecting) {
			cJSON_AddStringToObject(go, "remote_ip", hsa_format_addr(g->ip_version, &g->remote, buf, sizeof(buf)));
			cJSON_AddNumberToObject(go, "remote_port", g->remote_port);
		} else
			cJSON_AddNumberToObject(go, "local_port", g->local_port);
		cJSON_AddNumberToObject(go, "time_wait_sockets", g->count);
		cJSON_AddNumberToObject(go, "timer_min_ms", g->timer_min_ms);
		cJSON_AddNumberToObject(go, "timer_max_ms", g->timer_max_ms);
	}
	cJSON_AddNumberToObject(st, "groups_not_shown",
	    k->ngroups > KERNEL_GROUPS_SHOWN ? (double)(k->ngroups - KERNEL_GROUPS_SHOWN) : 0);
	return o;
}

/* The header: which hsanalyze, how it was run, where and when. */
static void header_members(cJSON *o, const struct hsa_run *run)
{
	char tbuf[HSA_TIME_STRLEN];
	cJSON *tool, *argv;
	int i;

	tool = cJSON_AddObjectToObject(o, "tool");
	cJSON_AddStringToObject(tool, "name", PACKAGE_NAME);
	cJSON_AddStringToObject(tool, "version", PACKAGE_VERSION);
	cJSON_AddStringToObject(tool, "libpcap", pcap_lib_version());
	argv = cJSON_AddArrayToObject(o, "command_line");
	for (i = 0; i < run->argc; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(run->argv[i]));
	if (run->filter)
		cJSON_AddStringToObject(o, "filter", run->filter);
	else
		cJSON_AddNullToObject(o, "filter");
	cJSON_AddStringToObject(o, "hostname", run->host ? run->host : "");
	cJSON_AddStringToObject(o, "started_at",
	    hsa_format_time(run->started_ns, false, tbuf, sizeof(tbuf)));
}

/* Print the members of o (an object) as members of the document. */
static int print_members(FILE *out, cJSON *o)
{
	cJSON *m;
	char *text;

	if (!o)
		return -1;
	for (m = o->child; m; m = m->next) {
		if (!(text = cJSON_PrintUnformatted(m))) {
			cJSON_Delete(o);
			return -1;
		}
		fprintf(out, ",\n\"%s\":%s", m->string, text);
		free(text);
	}
	cJSON_Delete(o);
	return 0;
}

/* The examples: each kept connection once, with what it is an example of. */
static int examples_member(FILE *out, const struct hsa_run *run)
{
	const struct hsa_example *list[HSA_EXAMPLES_MAX];
	size_t n = hsa_examples_list(run->examples, list, HSA_EXAMPLES_MAX), i;
	struct hsa_jw *w = &writer;
	int k;

	fputs(",\n\"examples\":[", out);
	for (i = 0; i < n; i++) {
		hsa_jw_reset(w);
		hsa_jw_open(w, NULL);
		hsa_jw_array(w, "kinds");
		for (k = 0; k < HSA_EXK_COUNT; k++)
			if (list[i]->kinds & (1u << k))
				hsa_jw_string(w, NULL, hsa_example_kind_name(k));
		hsa_jw_array_end(w);
		hsa_jw_open(w, "connection");
		hsa_jw_uint(w, "id", list[i]->conn.id);
		hsa_json_conn_members(w, &list[i]->conn, &list[i]->v, run->cap->nano);
		hsa_jw_close(w);
		hsa_jw_close(w);
		if (w->failed)
			return -1;
		fputs(i ? ",\n" : "\n", out);
		fwrite(w->buf, 1, w->len, out);
	}
	fputs("\n]", out);
	return 0;
}

/* --all-connections: the spooled connections, copied in. */
static int connections_member(FILE *out)
{
	char buf[SPOOL_COPY];
	size_t n;

	fputs(",\n\"connections\":[", out);
	if (fflush(spool) != 0 || fseek(spool, 0, SEEK_SET) != 0)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), spool)) > 0)
		fwrite(buf, 1, n, out);
	if (ferror(spool))
		return -1;
	fputs("\n]", out);
	/* More connections are appended after an interim report. */
	return fseek(spool, 0, SEEK_END) != 0 ? -1 : 0;
}

int hsa_json_report(FILE *out, const struct hsa_run *run)
{
	bool all = spool != NULL;
	size_t groups_max = all ? SIZE_MAX : REPORT_GROUPS_MAX;
	size_t findings_max = all ? SIZE_MAX : REPORT_FINDINGS_MAX;
	bool nano = run->cap->nano;
	cJSON *head = cJSON_CreateObject();
	int rc = 0;

	fprintf(out, "{\"format\":\"%s\",\"format_version\":%d",
	    FORMAT_NAME, FORMAT_VERSION);
	header_members(head, run);
	cJSON_AddItemToObject(head, "capture", hsa_json_capture(run));
	cJSON_AddItemToObject(head, "summary", hsa_json_summary(run));
	if (run->pressure) {
		cJSON_AddItemToObject(head, "findings",
		    findings_json(run, nano, findings_max));
		cJSON_AddNumberToObject(head, "findings_total",
		    run->findings ? (double)run->findings->n : 0);
		cJSON_AddItemToObject(head, "time_wait_pressure",
		    pressure_json(run, nano, groups_max));
	}
	if (run->kernel)
		cJSON_AddItemToObject(head, "kernel", kernel_json(run->kernel));
	if (run->interim) {
		cJSON *in = cJSON_AddObjectToObject(head, "interim");

		cJSON_AddNumberToObject(in, "open_connections", (double)run->open_flows);
	}
	if (print_members(out, head) != 0 ||
	    (run->examples && examples_member(out, run) != 0) ||
	    (all && connections_member(out) != 0))
		rc = -1;
	fputs("}\n", out);
	return rc;
}

int hsa_json_end(FILE *out, const struct hsa_run *run)
{
	int rc = hsa_json_report(out, run);

	hsa_jw_free(&writer);
	if (spool)
		fclose(spool);
	spool = NULL;
	return rc;
}
