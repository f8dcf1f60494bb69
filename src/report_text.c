/*
 * report_text.c - the default report, for a person at a terminal: what was
 * read, what became of the connections, how long handshakes took, and which
 * connections deserve a closer look.
 */
#include "config.h"

#include <string.h>

#include "hsa_format.h"
#include "hsa_report.h"

static void print_capture(FILE *out, const struct hsa_run *run)
{
	const struct hsa_capture *cap = run->cap;
	const struct hsa_capture_stats *st = &cap->stats;
	char a[HSA_TIME_STRLEN], b[HSA_TIME_STRLEN];
	int r, problems = 0;

	if (run->interim)
		fprintf(out, "Interim report: the capture goes on; %zu connection%s still open %s not in it yet.\n\n",
		    run->open_flows, run->open_flows == 1 ? "" : "s",
		    run->open_flows == 1 ? "is" : "are");
	fprintf(out, "Capture     %s%s\n", cap->source, cap->live ? " (live)" : "");
	fprintf(out, "  link type %s, snaplen %u, %s timestamps\n",
	    hsa_capture_link_name(cap), cap->snaplen,
	    cap->nano ? "nanosecond" : "microsecond");
	fprintf(out, "  %llu packets, %llu TCP segments\n",
	    (unsigned long long)st->packets,
	    (unsigned long long)st->results[HSA_DECODE_TCP]);
	if (st->have_ts)
		fprintf(out, "  from %s\n    to %s (%.3f s)\n",
		    hsa_format_time(st->first_ts, cap->nano, a, sizeof(a)),
		    hsa_format_time(st->last_ts, cap->nano, b, sizeof(b)),
		    (double)(st->last_ts - st->first_ts) / 1e9);
	for (r = 1; r < HSA_DECODE_RESULT_COUNT; r++) {
		static const char *const group[] = {
			"", "skipped", "truncated", "invalid"
		};

		if (!st->results[r])
			continue;
		fprintf(out, "%s %s %s: %llu", problems++ ? "," : "  not analysed:",
		    group[hsa_decode_result_group(r)], hsa_decode_result_name(r),
		    (unsigned long long)st->results[r]);
	}
	if (problems)
		fputc('\n', out);
	if (st->options_truncated || st->options_invalid)
		fprintf(out, "  TCP options cut by the snaplen: %llu segments, malformed: %llu (fixed header still used)\n",
		    (unsigned long long)st->options_truncated,
		    (unsigned long long)st->options_invalid);
	if (st->bad_timestamps)
		fprintf(out, "  %llu packets with unusable timestamps (before 1970 or after 2106), not analysed\n",
		    (unsigned long long)st->bad_timestamps);
	if (st->clock_steps_back)
		fprintf(out, "  WARNING: the capture's clock steps back %llu time%s (largest %.3f s): "
		    "times after a step are as recorded\n",
		    (unsigned long long)st->clock_steps_back,
		    st->clock_steps_back == 1 ? "" : "s",
		    (double)st->largest_step_back_ns / 1e9);
	if (run->tracker->alloc_failures)
		fprintf(out, "  WARNING: %llu %s dropped, out of memory for %s connection: results are incomplete\n",
		    (unsigned long long)run->tracker->alloc_failures,
		    run->tracker->alloc_failures == 1 ? "segment" : "segments",
		    run->tracker->alloc_failures == 1 ? "its" : "their");
	if (run->tracker->late_segments)
		fprintf(out, "  %llu segments arrived after their connection had been reported\n",
		    (unsigned long long)run->tracker->late_segments);
	if (st->cut_short)
		fprintf(out, "  WARNING: the capture ends inside a packet record (%s)\n",
		    st->cut_reason);
	if (cap->live && run->stats_available) {
		if (run->kernel_drops || run->interface_drops)
			fprintf(out, "  WARNING: %llu packets dropped by the kernel, %llu by the interface:\n"
			    "  some verdicts may be wrong or missing\n",
			    run->kernel_drops, run->interface_drops);
		else
			fprintf(out, "  no packets dropped\n");
	}
}

static void print_counts(FILE *out, const char *title, const uint64_t *n,
    int count, const char *(*name)(int))
{
	int i;

	fprintf(out, "  %-11s", title);
	for (i = 0; i < count; i++)
		fprintf(out, "%s %s %llu", i ? "," : "", name(i),
		    (unsigned long long)n[i]);
	fputc('\n', out);
}

static const char *hs_name(int i) { return hsa_handshake_name(i); }
static const char *close_name(int i) { return hsa_close_name(i); }
static const char *tw_name(int i) { return hsa_who_name(i); }

static void print_distribution(FILE *out, const char *name,
    const struct hsa_sketch *s)
{
	if (s->count == 0) {
		fprintf(out, "  %-15s %8s\n", name, "0");
		return;
	}
	fprintf(out, "  %-15s %8llu %9.3f %9.3f %9.3f %9.3f %9.3f\n", name,
	    (unsigned long long)s->count, hsa_ms(s->min_ns),
	    hsa_sketch_quantile(s, 0.50) / 1e6, hsa_sketch_quantile(s, 0.90) / 1e6,
	    hsa_sketch_quantile(s, 0.99) / 1e6, hsa_ms(s->max_ns));
}

/* Append frame number f to the list being printed. */
static void frame_item(FILE *out, uint64_t f, int *n)
{
	if (!f)
		return;
	fprintf(out, "%s%llu", (*n)++ ? "," : "", (unsigned long long)f);
}

/* The frames a notable connection's verdict rests on, for Wireshark. */
static void print_frames(FILE *out, const struct hsa_evidence *e,
    enum hsa_notable_kind k)
{
	int i, n = 0;

	fputs("  (frames ", out);
	switch (k) {
	case HSA_NOTE_REFUSED:
	case HSA_NOTE_UNANSWERED:
		for (i = 0; i < e->n_syn; i++)
			frame_item(out, e->syn[i], &n);
		frame_item(out, e->rst, &n);
		break;
	case HSA_NOTE_RESET:
		frame_item(out, e->rst, &n);
		break;
	case HSA_NOTE_HALF_CLOSED:
		frame_item(out, e->first_fin, &n);
		frame_item(out, e->first_fin_ack, &n);
		break;
	case HSA_NOTE_SLOW:
		for (i = 0; i < e->n_syn; i++)
			frame_item(out, e->syn[i], &n);
		for (i = 0; i < e->n_synack; i++)
			frame_item(out, e->synack[i], &n);
		frame_item(out, e->handshake_ack, &n);
		break;
	default:
		break;
	}
	fputc(')', out);
}

static void print_notable(FILE *out, const struct hsa_summary *s,
    enum hsa_notable_kind k, const char *title)
{
	char ca[HSA_ENDPOINT_STRLEN], sa[HSA_ENDPOINT_STRLEN];
	int i;

	if (!s->notable_count[k])
		return;
	if (k == HSA_NOTE_SLOW)
		fprintf(out, "  %s (of %llu measured)\n", title,
		    (unsigned long long)s->notable_count[k]);
	else
		fprintf(out, "  %s: %llu%s\n", title,
		    (unsigned long long)s->notable_count[k],
		    s->notable_count[k] > (uint64_t)s->notable_n[k] ?
		    ", the first shown" : "");
	for (i = 0; i < s->notable_n[k]; i++) {
		const struct hsa_notable *n = &s->notable[k][i];

		fprintf(out, "    #%-6llu %s -> %s", (unsigned long long)n->id,
		    hsa_format_endpoint(n->ip_version, &n->addr[0], n->port[0],
		    ca, sizeof(ca)),
		    hsa_format_endpoint(n->ip_version, &n->addr[1], n->port[1],
		    sa, sizeof(sa)));
		switch (k) {
		case HSA_NOTE_UNANSWERED:
			fprintf(out, "  %u SYN%s, no reply", n->count, n->count == 1 ? "" : "s");
			break;
		case HSA_NOTE_RESET:
			fprintf(out, "  RST from the %s", n->who == HSA_CLIENT ? "client" : "server");
			break;
		case HSA_NOTE_HALF_CLOSED:
			fprintf(out, "  only the %s sent a FIN: the %s may be stuck in CLOSE-WAIT",
			    n->who == HSA_CLIENT ? "client" : "server",
			    n->who == HSA_CLIENT ? "server" : "client");
			break;
		case HSA_NOTE_SLOW:
			fprintf(out, "  handshake %.3f ms", hsa_ms(n->value_ns));
			break;
		default:
			break;
		}
		print_frames(out, &n->evidence, k);
		fputc('\n', out);
	}
}

#define GROUPS_SHOWN 5

static void print_losses(FILE *out, const struct hsa_pressure_losses *l)
{
	if (l->pairs_full)
		fprintf(out, "  WARNING: %llu connections not counted: more than %d client/server pairs\n",
		    (unsigned long long)l->pairs_full, HSA_PRESSURE_MAX_PAIRS);
	if (l->out_of_memory)
		fprintf(out, "  WARNING: %llu TIME-WAIT entries not counted: out of memory\n",
		    (unsigned long long)l->out_of_memory);
	if (l->clock_steps)
		fprintf(out, "  the capture's clock stepped back %llu times: counted again from zero at each step\n",
		    (unsigned long long)l->clock_steps);
	if (l->late)
		fprintf(out, "  %llu TIME-WAIT entries stamped out of order, counted from the latest time seen\n",
		    (unsigned long long)l->late);
	if (l->saturated)
		fprintf(out, "  %llu TIME-WAIT entries would end past the last representable time: counted until then\n",
		    (unsigned long long)l->saturated);
}

static void print_pressure(FILE *out, const struct hsa_run *run)
{
	const struct hsa_pressure_config *cfg = hsa_pressure_config(run->pressure);
	const struct hsa_tw_group *g;
	size_t n = hsa_pressure_groups(run->pressure, &g), i;
	char c[HSA_ADDR_STRLEN], s[HSA_ENDPOINT_STRLEN], rate[16], share[16];

	if (n) {
		fprintf(out, "\nTIME_WAIT pressure (%.0f s TIME-WAIT, ports %u-%u, %s)\n",
		    (double)cfg->time_wait_ns / 1e9, cfg->port_low, cfg->port_high,
		    hsa_port_range_source_name(cfg->port_range_source));
		fprintf(out, "  %-7s %-42s %7s %7s %6s %8s %7s\n", "holder",
		    "client -> server", "conns", "entries", "peak", "TW/s", "ports");
		for (i = 0; i < n && i < GROUPS_SHOWN; i++) {
			char pairbuf[128];

			snprintf(pairbuf, sizeof(pairbuf), "%s -> %s",
			    hsa_format_addr(g[i].ip_version, &g[i].client, c, sizeof(c)),
			    hsa_format_endpoint(g[i].ip_version, &g[i].server,
			    g[i].server_port, s, sizeof(s)));
			if (g[i].rate_valid)
				snprintf(rate, sizeof(rate), "%.1f", g[i].rate);
			else
				snprintf(rate, sizeof(rate), "-");
			if (g[i].client_side && g[i].port_share > 0 &&
			    g[i].port_share < 0.0005)
				snprintf(share, sizeof(share), "<0.1%%");
			else if (g[i].client_side)
				snprintf(share, sizeof(share), "%.1f%%", g[i].port_share * 100);
			else
				snprintf(share, sizeof(share), "-");
			fprintf(out, "  %-7s %-42s %7llu %7llu %6llu %8s %7s\n",
			    g[i].holder == HSA_CLIENT ? "client" : "server", pairbuf,
			    (unsigned long long)g[i].connections,
			    (unsigned long long)g[i].entries,
			    (unsigned long long)g[i].peak, rate, share);
		}
		if (n > GROUPS_SHOWN)
			fprintf(out, "  ... %zu more groups in the JSON report\n", n - GROUPS_SHOWN);
	}
	print_losses(out, hsa_pressure_losses(run->pressure));
}

static void print_kernel(FILE *out, const struct hsa_kernel_state *k)
{
	char l[HSA_ADDR_STRLEN], r[HSA_ENDPOINT_STRLEN];

	if (!k)
		return;
	if (!k->available) {
		fprintf(out, "\nKernel      not read: %s\n", k->note);
		return;
	}
	fprintf(out, "\nKernel      %llu TIME-WAIT sockets at the last of %llu reads (%llu at start)",
	    (unsigned long long)k->time_wait, (unsigned long long)k->reads,
	    (unsigned long long)k->first_time_wait);
	if (k->sysctls_read)
		fprintf(out, "; ports %u-%u, tcp_tw_reuse %d, tcp_max_tw_buckets %ld",
		    k->port_low, k->port_high, k->tw_reuse, k->max_tw_buckets);
	fputc('\n', out);
	if (k->ngroups && k->groups[0].connecting)
		fprintf(out, "  busiest: %s -> %s, %u TIME-WAIT sockets\n",
		    hsa_format_addr(k->groups[0].ip_version, &k->groups[0].local, l, sizeof(l)),
		    hsa_format_endpoint(k->groups[0].ip_version, &k->groups[0].remote,
		    k->groups[0].remote_port, r, sizeof(r)), k->groups[0].count);
}

static void print_findings(FILE *out, const struct hsa_findings *fs,
    const struct hsa_examples *ex)
{
	const struct hsa_finding_evidence *fe;
	size_t i;
	int k;

	if (!fs || !fs->n)
		return;
	fprintf(out, "\nFindings\n");
	for (i = 0; i < fs->n; i++) {
		const struct hsa_finding *f = &fs->list[i];

		fprintf(out, "  [%s] %s: %s\n", hsa_severity_name(f->severity),
		    f->code, f->message);
		fprintf(out, "    hint: %s\n", f->hint);
		fe = ex ? hsa_examples_evidence(ex, i) : NULL;
		if (fe && fe->n_examples) {
			fprintf(out, "    connections:");
			for (k = 0; k < fe->n_examples; k++)
				fprintf(out, " #%llu", (unsigned long long)fe->examples[k]);
			fputc('\n', out);
		}
		if (fe && fe->display_filter[0])
			fprintf(out, "    Wireshark: %s\n", fe->display_filter);
	}
}

void hsa_text_report(FILE *out, const struct hsa_run *run)
{
	const struct hsa_summary *s = run->summary;
	int k;
	bool any = false;

	print_capture(out, run);
	fprintf(out, "\nConnections %llu", (unsigned long long)s->connections);
	if (s->reused || s->roles_guessed || s->evicted)
		fprintf(out, " (%llu reusing a 4-tuple, %llu with guessed roles, %llu evicted)",
		    (unsigned long long)s->reused,
		    (unsigned long long)s->roles_guessed,
		    (unsigned long long)s->evicted);
	fputc('\n', out);
	/* An evicted connection that goes on comes back as a new one, so
	 * connections are counted (and judged) in pieces. */
	if (s->evicted && run->max_flows)
		fprintf(out, "  WARNING: %llu connections were evicted to stay within --max-flows %zu;\n"
		    "  those still active were reported in pieces (each later segment starts a\n"
		    "  new connection): raise --max-flows (at most %d) to follow them whole\n",
		    (unsigned long long)s->evicted, run->max_flows, HSA_MAX_FLOWS_LIMIT);
	print_counts(out, "handshake", s->handshake, HSA_HS_COUNT, hs_name);
	print_counts(out, "close", s->close, HSA_CLOSE_COUNT, close_name);
	print_counts(out, "TIME_WAIT", s->time_wait, HSA_WHO_COUNT, tw_name);

	fprintf(out, "\nSYN exchange RTT (ms, percentiles within %.0f%%)\n",
	    HSA_SKETCH_ACCURACY * 100);
	fprintf(out, "  %-15s %8s %9s %9s %9s %9s %9s\n", "", "count", "min",
	    "p50", "p90", "p99", "max");
	print_distribution(out, "SYN -> SYN/ACK", &s->syn_to_synack);
	print_distribution(out, "SYN/ACK -> ACK", &s->synack_to_ack);
	print_distribution(out, "total", &s->total);

	for (k = 0; k < HSA_NOTE_COUNT; k++)
		any = any || s->notable_count[k];
	if (any) {
		fprintf(out, "\nWorth a look\n");
		print_notable(out, s, HSA_NOTE_REFUSED, "refused (SYN answered by RST)");
		print_notable(out, s, HSA_NOTE_UNANSWERED, "unanswered");
		print_notable(out, s, HSA_NOTE_RESET, "reset");
		print_notable(out, s, HSA_NOTE_HALF_CLOSED, "half closed");
		print_notable(out, s, HSA_NOTE_SLOW, "slowest handshakes");
	}
	if (run->pressure)
		print_pressure(out, run);
	print_kernel(out, run->kernel);
	print_findings(out, run->findings, run->examples);
	fprintf(out, "\nMore: --ladder ID draws one connection, --ladder alone 2 of each kind;\n"
	    "--json shows examples of each kind, --json --all-connections every connection.\n");
}
