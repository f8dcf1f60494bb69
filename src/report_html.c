/*
 * report_html.c - the report as one self-contained HTML page, to open in a
 * browser or attach to a ticket: what was read, the findings with their
 * evidence, TIME-WAIT over capture time against the port range, the
 * handshake RTT histogram, sequence diagrams of example connections, and the
 * text report's tables.
 *
 * The page needs nothing else: the style sheet is inline, the pictures are
 * SVG drawn here, there is no script, and nothing is fetched.  Colours come
 * from the style sheet only (light, dark through prefers-color-scheme, and
 * print), and every label is real text.
 *
 * Like the other writers this only renders what it is given (the summary,
 * the pressure groups and findings, the bounded report's example
 * connections with the segments the ladder logged of them): it
 * draws, it does not decide.  Its size is bounded whatever the capture: a
 * fixed number of groups, findings, diagrams and rows per diagram.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_examples.h"
#include "hsa_format.h"
#include "hsa_ladder.h"
#include "hsa_report.h"
#include "hsa_tw_series.h"
#include "svg.h"

#define GROUPS_DRAWN	5	/* TIME-WAIT groups with a chart */
#define FINDINGS_SHOWN	20
#define EXAMPLES_MAX	HSA_EXAMPLES_DRAWN_MAX
#define ROWS_EDGE	40	/* rows drawn at each end of a long diagram */

/* The style sheet: light by default, dark when the browser asks, and black
 * on white when printed.  SVG elements are coloured by class. */
static const char style[] =
":root{--fg:#1d1d1f;--bg:#fff;--muted:#5f6368;--grid:#d0d4d9;--panel:#f4f6f8;"
"--client:#1a5fb4;--server:#a14a00;--tw:#c01c28;--bar:#3d7bc4;--mark:#6b3fa0;"
"--high:#c01c28;--warning:#8a5d00;--info:#1a5fb4;--st:#c8d7ea;--st2:#f0d9c4;"
"--range:#2f7d32}\n"
"@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--bg:#15171a;"
"--muted:#a0a6ad;--grid:#3a3f45;--panel:#1f2328;--client:#78aef0;"
"--server:#f0a868;--tw:#ff7b72;--bar:#5a9be0;--mark:#c3a3f0;--high:#ff7b72;"
"--warning:#e3b341;--info:#78aef0;--st:#2b3f57;--st2:#54402c;--range:#7ee787}}\n"
"@media print{:root{--fg:#000;--bg:#fff;--muted:#333;--grid:#999;--panel:#fff;"
"--client:#000;--server:#000;--tw:#000;--bar:#666;--mark:#000;--high:#000;"
"--warning:#000;--info:#000;--st:#ddd;--st2:#bbb;--range:#000}"
"figure,article,table{break-inside:avoid}}\n"
"a{color:var(--client)}body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);"
"max-width:1000px;margin:0 auto;padding:1em}\n"
"h1{font-size:1.5em}h2{border-bottom:1px solid var(--grid);margin-top:1.6em}\n"
"code,.mono{font-family:ui-monospace,monospace;font-size:.92em}\n"
"code.filter{user-select:all;overflow-wrap:anywhere}\n"
"dl.facts{display:grid;grid-template-columns:max-content auto;gap:.15em 1em}"
"dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}\n"
"table{border-collapse:collapse;margin:.5em 0}table.counts{display:inline-table;"
"vertical-align:top;margin-right:2em}th,td{padding:.15em .6em;"
"text-align:left;border-bottom:1px solid var(--grid)}td.n,th.n{text-align:right}\n"
"article.finding{border-left:4px solid var(--info);background:var(--panel);"
"padding:.4em .9em;margin:.8em 0}article.high,article.critical{border-color:var(--high)}"
"article.warning{border-color:var(--warning)}\n"
".sev{font-weight:bold;text-transform:uppercase}.high .sev,.critical .sev{color:var(--high)}"
".warning .sev{color:var(--warning)}.info .sev{color:var(--info)}\n"
".muted{color:var(--muted)}figure{margin:1em 0}figcaption{font-weight:bold}\n"
"svg{max-width:100%;height:auto;font-family:ui-monospace,monospace;font-size:11px}\n"
"svg text{fill:var(--fg)}svg .muted{fill:var(--muted)}svg .ax{stroke:var(--grid)}\n"
"svg .bar{fill:var(--bar)}svg .pct{stroke:var(--mark);stroke-dasharray:4 3}"
"svg .pctl{fill:var(--mark)}svg .series{fill:none;stroke:var(--client);stroke-width:2}"
"svg .range{stroke:var(--range);stroke-dasharray:6 3}svg .rangel{fill:var(--range)}"
"svg .exh{stroke:var(--tw);stroke-width:2}svg .exhl{fill:var(--tw)}\n"
"svg .life{stroke:var(--muted)}svg .c2s{stroke:var(--client);stroke-width:1.5}"
"svg .s2c{stroke:var(--server);stroke-width:1.5}svg .head{stroke:none}"
"svg .c2s.head{fill:var(--client)}svg .s2c.head{fill:var(--server)}"
"svg .band{fill:var(--grid)}svg .band.open{fill:var(--st)}svg .band.closing{fill:var(--st2)}"
"svg .band.tw{fill:var(--tw);opacity:.6}"
"svg .state{font-weight:bold}svg .twl{fill:var(--tw);font-weight:bold}"
"svg .gap,svg .role{fill:var(--muted);font-style:italic;font-size:10px}\n";

static const char *side_name(int side)
{
	return side == HSA_CLIENT ? "client" : "server";
}

static void td_count(FILE *out, uint64_t n)
{
	fprintf(out, "<td class=\"n\">%llu</td>", (unsigned long long)n);
}

/* --- the header: what was read ------------------------------------------- */

static void print_header(FILE *out, const struct hsa_run *run)
{
	const struct hsa_capture *cap = run->cap;
	const struct hsa_capture_stats *st = &cap->stats;
	char a[HSA_TIME_STRLEN], b[HSA_TIME_STRLEN];
	int r, problems = 0;

	fputs("<header>\n<h1>hsanalyze report: ", out);
	hsa_html_escape(out, cap->source);
	fputs("</h1>\n<dl class=\"facts\" id=\"capture\">\n", out);
	fprintf(out, "<dt>%s</dt><dd class=\"mono\">", cap->live ? "Interface" : "File");
	hsa_html_escape(out, cap->source);
	fprintf(out, "</dd>\n<dt>Link type</dt><dd>%s, snaplen %u, %s timestamps</dd>\n",
	    hsa_capture_link_name(cap), cap->snaplen,
	    cap->nano ? "nanosecond" : "microsecond");
	fputs("<dt>Filter</dt><dd class=\"mono\">", out);
	hsa_html_escape(out, run->filter ? run->filter : "none");
	fputs("</dd>\n<dt>Host</dt><dd class=\"mono\">", out);
	hsa_html_escape(out, run->host ? run->host : "unknown");
	fprintf(out, "</dd>\n<dt>hsanalyze</dt><dd>%s</dd>\n", PACKAGE_VERSION);
	if (st->have_ts)
		fprintf(out, "<dt>Time span</dt><dd>%s to %s (%.3f s)</dd>\n",
		    hsa_format_time(st->first_ts, cap->nano, a, sizeof(a)),
		    hsa_format_time(st->last_ts, cap->nano, b, sizeof(b)),
		    (double)(st->last_ts - st->first_ts) / 1e9);
	else
		fputs("<dt>Time span</dt><dd>no packets</dd>\n", out);
	fprintf(out, "<dt>Packets</dt><dd>%llu packets, %llu TCP segments",
	    (unsigned long long)st->packets,
	    (unsigned long long)st->results[HSA_DECODE_TCP]);
	for (r = 1; r < HSA_DECODE_RESULT_COUNT; r++) {
		static const char *const group[] = {
			"", "skipped", "truncated", "invalid"
		};

		if (!st->results[r])
			continue;
		fprintf(out, "%s %s %s: %llu", problems++ ? "," : "; not analysed:",
		    group[hsa_decode_result_group(r)], hsa_decode_result_name(r),
		    (unsigned long long)st->results[r]);
	}
	fputs("</dd>\n<dt>Drops</dt><dd>", out);
	if (!cap->live)
		fputs("none (read from a file)", out);
	else if (!run->stats_available)
		fputs("unknown (the interface gives no statistics)", out);
	else
		fprintf(out, "%s%llu by the kernel, %llu by the interface%s",
		    run->kernel_drops || run->interface_drops ? "<strong>" : "",
		    run->kernel_drops, run->interface_drops,
		    run->kernel_drops || run->interface_drops ?
		    "</strong>: some verdicts may be wrong or missing" : "");
	fputs("</dd>\n", out);
	if (st->options_truncated || st->options_invalid)
		fprintf(out, "<dt>TCP options</dt><dd>cut by the snaplen in %llu segments, malformed in %llu (fixed header still used)</dd>\n",
		    (unsigned long long)st->options_truncated,
		    (unsigned long long)st->options_invalid);
	if (run->tracker->late_segments)
		fprintf(out, "<dt>Late segments</dt><dd>%llu arrived after their connection had been reported</dd>\n",
		    (unsigned long long)run->tracker->late_segments);
	if (st->cut_short) {
		fputs("<dt>Warning</dt><dd><strong>the capture ends inside a packet record (", out);
		hsa_html_escape(out, st->cut_reason);
		fputs(")</strong></dd>\n", out);
	}
	fputs("</dl>\n</header>\n", out);
}

/* --- findings ------------------------------------------------------------ */

/* A connection id, linked to its diagram when there is one. */
static void conn_ref(FILE *out, uint64_t id,
    const struct hsa_ladder_example *ex, size_t nex)
{
	size_t i;

	for (i = 0; i < nex; i++)
		if (ex[i].conn->id == id) {
			fprintf(out, "<a href=\"#conn-%llu\">#%llu</a>",
			    (unsigned long long)id, (unsigned long long)id);
			return;
		}
	fprintf(out, "#%llu", (unsigned long long)id);
}

/* One frame-number entry of a connection's evidence, as the JSON report's
 * "frames" names it; nothing when the segment was not seen. */
static void frame_item(FILE *out, const char *key, const char *label,
    const uint64_t *frames, int n)
{
	int i;

	if (n <= 0 || !frames[0])
		return;
	fprintf(out, " <span data-frames=\"%s\">%s", key, label);
	for (i = 0; i < n; i++)
		fprintf(out, " %llu", (unsigned long long)frames[i]);
	fputs("</span>", out);
}

/* The frame numbers of the key segments of the connections a finding cites
 * and the analysis kept in full (the JSON report's examples). */
static void finding_frames(FILE *out, const struct hsa_finding_evidence *fe,
    const struct hsa_example *const *kept, size_t nkept,
    const struct hsa_ladder_example *ex, size_t nex)
{
	const struct hsa_evidence *e;
	size_t j;
	int k;

	fputs("<ul class=\"frames\">\n", out);
	for (k = 0; k < fe->n_examples; k++) {
		for (j = 0; j < nkept && kept[j]->conn.id != fe->examples[k]; j++)
			;
		fprintf(out, "<li data-conn=\"%llu\">",
		    (unsigned long long)fe->examples[k]);
		conn_ref(out, fe->examples[k], ex, nex);
		if (j < nkept) {
			e = &kept[j]->v.evidence;
			fputs(" frames:", out);
			frame_item(out, "syn", "SYN", e->syn, e->n_syn);
			frame_item(out, "synack", "SYN-ACK", e->synack, e->n_synack);
			frame_item(out, "handshake_ack", "ACK", &e->handshake_ack, 1);
			frame_item(out, "first_fin", "first FIN", &e->first_fin, 1);
			frame_item(out, "first_fin_ack", "its ACK", &e->first_fin_ack, 1);
			frame_item(out, "peer_fin", "peer FIN", &e->peer_fin, 1);
			frame_item(out, "final_ack", "final ACK", &e->final_ack, 1);
			frame_item(out, "rst", "RST", &e->rst, 1);
		}
		fputs("</li>\n", out);
	}
	fputs("</ul>\n", out);
}

static void print_findings(FILE *out, const struct hsa_run *run,
    const struct hsa_ladder_example *ex, size_t nex)
{
	const struct hsa_example *kept[HSA_EXAMPLES_MAX];
	size_t nkept = run->examples ?
	    hsa_examples_list(run->examples, kept, HSA_EXAMPLES_MAX) : 0;
	const struct hsa_finding_evidence *fe;
	const struct hsa_finding *f = run->findings ? run->findings->list : NULL;
	size_t nf = run->findings ? run->findings->n : 0;
	size_t i, shown = 0;
	int sev, j;

	fputs("<section id=\"findings\">\n<h2>Findings</h2>\n", out);
	if (!nf)
		fputs("<p>No findings: nothing in this capture points at a TIME-WAIT, port or CLOSE-WAIT problem.</p>\n", out);
	/* Most severe first, in their order within a severity. */
	for (sev = HSA_SEV_CRITICAL; sev <= HSA_SEV_INFO; sev++) {
		for (i = 0; i < nf && shown < FINDINGS_SHOWN; i++) {
			if ((int)f[i].severity != sev)
				continue;
			shown++;
			fprintf(out, "<article class=\"finding %s\">\n<h3><span class=\"sev\">%s</span> <code>%s</code></h3>\n<p class=\"message\">",
			    hsa_severity_name(f[i].severity),
			    hsa_severity_name(f[i].severity), f[i].code);
			hsa_html_escape(out, f[i].message);
			fputs("</p>\n<p class=\"hint\"><b>What to do:</b> ", out);
			hsa_html_escape(out, f[i].hint);
			fputs("</p>\n", out);
			if (f[i].n_groups) {
				fputs("<p class=\"evidence groups\">TIME-WAIT groups:", out);
				for (j = 0; j < f[i].n_groups; j++) {
					size_t g = f[i].groups[j] + 1;

					if (g <= GROUPS_DRAWN)
						fprintf(out, " <a href=\"#tw-group-%zu\">%zu</a>", g, g);
					else
						fprintf(out, " %zu", g);
				}
				fputs("</p>\n", out);
			}
			if (f[i].n_conns) {
				fputs("<p class=\"evidence\">Connections:", out);
				for (j = 0; j < f[i].n_conns; j++) {
					fputc(' ', out);
					conn_ref(out, f[i].conns[j], ex, nex);
				}
				fputs("</p>\n", out);
			}
			fe = run->examples ?
			    hsa_examples_evidence(run->examples, i) : NULL;
			if (fe && fe->n_examples)
				finding_frames(out, fe, kept, nkept, ex, nex);
			if (fe && fe->display_filter[0]) {
				fputs("<p class=\"wireshark\">Wireshark display filter: <code class=\"filter\">", out);
				hsa_html_escape(out, fe->display_filter);
				fputs("</code></p>\n", out);
			}
			fputs("</article>\n", out);
		}
	}
	if (nf > shown)
		fprintf(out, "<p>%zu more findings in the text and JSON reports.</p>\n",
		    nf - shown);
	fputs("</section>\n", out);
}

/* --- TIME-WAIT pressure -------------------------------------------------- */

#define TW_W	720.0
#define TW_H	250.0
#define TW_L	70.0	/* plot area */
#define TW_R	700.0
#define TW_T	30.0
#define TW_B	205.0
/* The lowest baseline of a label that clears the count axis's title (at
 * TW_T - 8, 11 px text). */
#define TW_LABEL_MIN_Y	(TW_T + 4)
/* A logarithmic count axis when the port range dwarfs the peak. */
#define TW_LOG_RATIO	20.0

struct tw_axis {
	bool log;
	double top;	/* the count at the top of the plot */
	int64_t t0, t1;
};

static double tw_y(const struct tw_axis *a, double v)
{
	double f = a->log ? log10(1 + v) / log10(1 + a->top) : v / a->top;

	return TW_B - f * (TW_B - TW_T);
}

static double tw_x(const struct tw_axis *a, int64_t t)
{
	double span = (double)(a->t1 - a->t0);

	if (t < a->t0)
		t = a->t0;
	if (t > a->t1)
		t = a->t1;
	return TW_L + (span > 0 ? (double)(t - a->t0) / span : 0) * (TW_R - TW_L);
}

/* A round step near raw: 1, 2 or 5 times a power of ten, at least 1. */
static double nice_step(double raw)
{
	double p = 1;

	if (raw <= 1)
		return 1;
	while (p * 10 <= raw)
		p *= 10;
	return raw <= p ? p : raw <= 2 * p ? 2 * p : raw <= 5 * p ? 5 * p : 10 * p;
}

static void tw_chart(FILE *out, const struct hsa_run *run,
    const struct hsa_tw_group *g, const struct hsa_tw_series *s, size_t index)
{
	const struct hsa_pressure_config *cfg = hsa_pressure_config(run->pressure);
	const struct hsa_capture_stats *st = &run->cap->stats;
	double range = (double)cfg->port_high - cfg->port_low + 1, v, x;
	struct tw_axis a;
	char label[96];
	int i, k;

	a.t0 = st->first_ts;
	a.t1 = st->last_ts > st->first_ts ? st->last_ts : st->first_ts + 1;
	a.top = g->peak > 0 ? (double)g->peak : 1;
	if (g->client_side && range > a.top)
		a.top = range;
	a.log = g->client_side && range / (g->peak ? (double)g->peak : 1) > TW_LOG_RATIO;
	if (!a.log)
		a.top *= 1.1;
	snprintf(label, sizeof(label), "TIME-WAIT sockets of group %zu over capture time", index + 1);
	hsa_svg_begin(out, TW_W, TW_H, "twchart", label);
	/* Count axis: powers of ten when logarithmic, else five steps. */
	if (a.log) {
		for (v = 0; v <= a.top; v = v ? v * 10 : 10) {
			hsa_svg_line(out, TW_L, tw_y(&a, v), TW_R, tw_y(&a, v), "ax");
			hsa_svg_text(out, TW_L - 6, tw_y(&a, v) + 4, "end", "tick", "%.0f", v);
		}
	} else {
		double step = nice_step(a.top / 1.1 / 4);

		for (v = 0; v <= a.top; v += step) {
			hsa_svg_line(out, TW_L, tw_y(&a, v), TW_R, tw_y(&a, v), "ax");
			hsa_svg_text(out, TW_L - 6, tw_y(&a, v) + 4, "end", "tick", "%.0f", v);
		}
	}
	for (k = 0; k <= 4; k++) {
		int64_t t = a.t0 + (a.t1 - a.t0) * k / 4;
		double secs = (double)(t - a.t0) / 1e9, span = (double)(a.t1 - a.t0) / 1e9;

		hsa_svg_line(out, tw_x(&a, t), TW_B, tw_x(&a, t), TW_B + 4, "ax");
		if (span < 1)
			hsa_svg_text(out, tw_x(&a, t), TW_B + 17, "middle", "tick",
			    "%.1f ms", secs * 1e3);
		else
			hsa_svg_text(out, tw_x(&a, t), TW_B + 17, "middle", "tick",
			    span < 100 ? "%.2f s" : "%.0f s", secs);
	}
	hsa_svg_text(out, (TW_L + TW_R) / 2, TW_H - 6, "middle", "muted",
	    "capture time (s from the first packet)");
	hsa_svg_text(out, 4, TW_T - 8, "start", "muted",
	    "sockets in TIME-WAIT%s", a.log ? " (logarithmic)" : "");
	if (g->client_side) {
		double y = tw_y(&a, range);

		hsa_svg_line(out, TW_L, y, TW_R, y, "range");
		/* Its label above the line, or below when the line is at the
		 * top (a logarithmic axis), where it would cover the axis title. */
		hsa_svg_text(out, TW_L + 4, y - 5 < TW_LABEL_MIN_Y ? y + 14 : y - 5,
		    "start", "rangel", "port range: %.0f ports (%u-%u)", range,
		    cfg->port_low, cfg->port_high);
	}
	/* The series: a step line through each bucket's most alive at once,
	 * from the capture's start (none before the first change). */
	hsa_svg_points_begin(out, "series");
	hsa_svg_point(out, TW_L, tw_y(&a, 0));
	if (s && s->n) {
		hsa_svg_point(out, tw_x(&a, s->origin), tw_y(&a, 0));
		for (i = 0; i < s->n; i++) {
			double y = tw_y(&a, (double)s->max[i]);

			hsa_svg_point(out, tw_x(&a, hsa_tw_series_start(s, i)), y);
			hsa_svg_point(out, tw_x(&a, hsa_tw_series_start(s, i + 1)), y);
		}
		/* After the last change, the count it left. */
		hsa_svg_point(out, tw_x(&a, hsa_tw_series_start(s, s->n)),
		    tw_y(&a, (double)s->now));
		hsa_svg_point(out, TW_R, tw_y(&a, (double)s->now));
	}
	hsa_svg_points_end(out);
	x = tw_x(&a, g->peak_at);
	hsa_svg_text(out, x, tw_y(&a, (double)g->peak) - 6,
	    x > TW_R - 60 ? "end" : x < TW_L + 60 ? "start" : "middle",
	    "pctl", "peak %llu", (unsigned long long)g->peak);
	/* The moment the whole range was in TIME-WAIT. */
	if (g->client_side && g->exhausted) {
		x = tw_x(&a, g->exhausted_at);
		hsa_svg_line(out, x, TW_T, x, TW_B, "exh");
		hsa_svg_text(out, x > TW_R - 200 ? x - 6 : x + 6, (TW_T + TW_B) / 2,
		    x > TW_R - 200 ? "end" : "start", "exhl",
		    "ports exhausted at %.3f s", (double)(g->exhausted_at - a.t0) / 1e9);
	}
	hsa_svg_end(out);
}

static void group_figures(FILE *out, const struct hsa_run *run,
    const struct hsa_tw_group *g)
{
	const struct hsa_pressure_config *cfg = hsa_pressure_config(run->pressure);

	char c[HSA_ADDR_STRLEN], sv[HSA_ADDR_STRLEN];
	const char *ip = g->ip_version == 6 ? "ipv6" : "ip";

	fputs("<dl class=\"facts\">\n", out);
	/* The group's packets, both directions, to paste into Wireshark. */
	fputs("<dt>Wireshark filter</dt><dd><code class=\"filter\">", out);
	hsa_html_printf(out, "%s.addr == %s && %s.addr == %s && tcp.port == %u",
	    ip, hsa_format_addr(g->ip_version, &g->client, c, sizeof(c)), ip,
	    hsa_format_addr(g->ip_version, &g->server, sv, sizeof(sv)),
	    g->server_port);
	fputs("</code></dd>\n", out);
	fprintf(out, "<dt>Holder</dt><dd>the %s (%s)</dd>\n", side_name(g->holder),
	    g->client_side ? "the connecting side: each socket keeps a local port" :
	    "the listening side: it needs no ephemeral ports for them");
	fprintf(out, "<dt>Connections</dt><dd>%llu, %llu entered TIME-WAIT</dd>\n",
	    (unsigned long long)g->connections, (unsigned long long)g->entries);
	fprintf(out, "<dt>Peak</dt><dd>%llu at once", (unsigned long long)g->peak);
	if (g->client_side)
		fprintf(out, ", %.3f%% of the %u-port range",
		    g->port_share * 100, cfg->port_high - cfg->port_low + 1);
	fputs("</dd>\n", out);
	if (g->rate_valid)
		fprintf(out, "<dt>Rate</dt><dd>%.1f TIME-WAIT entries/s over %.3f s</dd>\n",
		    g->rate, g->span);
	if (g->client_side)
		fprintf(out, "<dt>Exhaustion rate</dt><dd>%.1f connections/s run the range out</dd>\n",
		    g->exhaustion_rate);
	if (g->projected_valid)
		fprintf(out, "<dt>Projected</dt><dd>%.1f%% of the range if the rate is kept up for %.0f s</dd>\n",
		    g->projected_share * 100, (double)cfg->time_wait_ns / 1e9);
	if (g->exhaustion_valid)
		fprintf(out, "<dt>Time to exhaustion</dt><dd>%.1f s, from the %llu ports in TIME-WAIT at the end</dd>\n",
		    g->time_to_exhaustion, (unsigned long long)g->active_at_end);
	if (g->exhausted)
		fputs("<dt>Exhausted</dt><dd>the whole range was in TIME-WAIT</dd>\n", out);
	if (g->reuse_count)
		fprintf(out, "<dt>Reused in TIME-WAIT</dt><dd>%llu, the soonest %.3f ms after it began</dd>\n",
		    (unsigned long long)g->reuse_count, hsa_ms(g->reuse_min_gap));
	fputs("</dl>\n", out);
}

static void print_pressure(FILE *out, const struct hsa_run *run)
{
	const struct hsa_pressure_config *cfg;
	const struct hsa_tw_group *g;
	size_t n, i;
	char c[HSA_ADDR_STRLEN], s[HSA_ENDPOINT_STRLEN];

	if (!run->pressure)
		return;
	cfg = hsa_pressure_config(run->pressure);
	n = hsa_pressure_groups(run->pressure, &g);
	fputs("<section id=\"time-wait\">\n<h2>TIME-WAIT pressure</h2>\n", out);
	fprintf(out, "<p>TIME-WAIT held for %.0f s; the connecting side's ports %u-%u (%s).</p>\n",
	    (double)cfg->time_wait_ns / 1e9, cfg->port_low, cfg->port_high,
	    hsa_port_range_source_name(cfg->port_range_source));
	if (!n) {
		fputs("<p>No connection entered TIME-WAIT.</p>\n</section>\n", out);
		return;
	}
	for (i = 0; i < n && i < GROUPS_DRAWN; i++) {
		fprintf(out, "<figure class=\"twgroup\" id=\"tw-group-%zu\">\n<figcaption>Group %zu: %s holds TIME-WAIT, <span class=\"mono\">",
		    i + 1, i + 1, side_name(g[i].holder));
		hsa_html_printf(out, "%s -> %s",
		    hsa_format_addr(g[i].ip_version, &g[i].client, c, sizeof(c)),
		    hsa_format_endpoint(g[i].ip_version, &g[i].server,
		    g[i].server_port, s, sizeof(s)));
		fputs("</span></figcaption>\n", out);
		if (g[i].series)
			tw_chart(out, run, &g[i], g[i].series, i);
		else
			fputs("<p class=\"muted\">No chart: not enough memory to keep this group's count over time.</p>\n", out);
		group_figures(out, run, &g[i]);
		fputs("</figure>\n", out);
	}
	if (n > GROUPS_DRAWN)
		fprintf(out, "<p>%zu more groups in the JSON report.</p>\n", n - GROUPS_DRAWN);
	fputs("</section>\n", out);
}

/* --- handshake RTT ------------------------------------------------------- */

#define H_W	720.0
#define H_H	240.0
#define H_L	60.0
#define H_R	700.0
#define H_T	50.0
#define H_B	195.0
#define H_BINS	40
/* A logarithmic time axis when the largest RTT is this many times the
 * smallest. */
#define H_LOG_SPREAD	10.0

struct h_axis {
	bool log;
	double lo, hi;	/* nanoseconds */
};

/* Where v falls on the axis, from 0 to 1. */
static double h_pos(const struct h_axis *a, double v)
{
	double f;

	if (a->hi <= a->lo)
		return 0.5;
	if (v < a->lo)
		v = a->lo;
	if (v > a->hi)
		v = a->hi;
	f = a->log ? log(v / a->lo) / log(a->hi / a->lo) :
	    (v - a->lo) / (a->hi - a->lo);
	return f;
}

static int h_bin(const struct h_axis *a, double v)
{
	int b = (int)(h_pos(a, v) * H_BINS);

	return b < H_BINS ? b : H_BINS - 1;
}

static double h_value(const struct h_axis *a, double f)
{
	return a->log ? a->lo * pow(a->hi / a->lo, f) : a->lo + f * (a->hi - a->lo);
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void rtt_histogram(FILE *out, const struct hsa_sketch *s)
{
	static const struct { double q; const char *name; } marks[] = {
		{ 0.50, "p50" }, { 0.90, "p90" }, { 0.99, "p99" }
	};
	enum { NMARKS = sizeof(marks) / sizeof(marks[0]) };
	uint64_t bins[H_BINS] = { 0 }, top = 0;
	struct h_axis a;
	double bw = (H_R - H_L) / H_BINS, x, y;
	char label[128];
	size_t m, next, row;
	int i, b, steps;

	a.lo = (double)s->min_ns;
	a.hi = (double)s->max_ns;
	a.log = a.lo > 0 && a.hi / a.lo >= H_LOG_SPREAD;
	/* One value: an axis around it, the bar in the middle. */
	if (a.hi <= a.lo) {
		double pad = a.lo > 0 ? a.lo * 0.25 : 1e6;

		a.lo = a.lo > pad ? a.lo - pad : 0;
		a.hi += pad;
	}
	bins[h_bin(&a, 0)] = s->zeros;
	for (i = 0; i < HSA_SKETCH_BUCKETS; i++) {
		if (!s->buckets[i])
			continue;
		/* A bucket's value may lie past the exact min or max. */
		bins[h_bin(&a, clamp(hsa_sketch_bucket_value(i),
		    (double)s->min_ns, (double)s->max_ns))] += s->buckets[i];
	}
	for (b = 0; b < H_BINS; b++)
		if (bins[b] > top)
			top = bins[b];
	snprintf(label, sizeof(label), "Histogram of %llu handshake RTTs%s",
	    (unsigned long long)s->count, a.log ? ", logarithmic time axis" : "");
	hsa_svg_begin(out, H_W, H_H, "rtt", label);
	/* Count ticks at whole numbers: four steps, or one per count. */
	steps = top < 4 ? (int)top : 4;
	for (i = 0; i <= steps; i++) {
		double c = (double)(top * (uint64_t)i / (uint64_t)steps);

		y = H_B - (H_B - H_T) * c / (double)top;
		hsa_svg_line(out, H_L, y, H_R, y, "ax");
		hsa_svg_text(out, H_L - 6, y + 4, "end", "tick", "%.0f", c);
	}
	for (b = 0; b < H_BINS; b++)
		if (bins[b])
			hsa_svg_rect(out, H_L + b * bw + 1, H_B - (H_B - H_T) * (double)bins[b] / (double)top,
			    bw - 2, (H_B - H_T) * (double)bins[b] / (double)top, "bar");
	for (i = 0; i <= 4; i++) {
		x = H_L + (H_R - H_L) * i / 4;
		hsa_svg_line(out, x, H_B, x, H_B + 4, "ax");
		hsa_svg_text(out, x, H_B + 17, "middle", "tick", "%.3f",
		    h_value(&a, i / 4.0) / 1e6);
	}
	hsa_svg_text(out, (H_L + H_R) / 2, H_H - 6, "middle", "muted",
	    "SYN to final ACK, ms%s", a.log ? " (logarithmic)" : "");
	hsa_svg_text(out, 4, H_T - 8, "start", "muted", "handshakes");
	/* One line per distinct percentile; equal ones share a label
	 * ("p50 = p90 0.080 ms"), stacked upwards. */
	for (m = 0, row = 0; m < NMARKS; m = next, row++) {
		double v = hsa_sketch_quantile(s, marks[m].q);
		char names[32];

		snprintf(names, sizeof(names), "%s", marks[m].name);
		for (next = m + 1; next < NMARKS &&
		    hsa_sketch_quantile(s, marks[next].q) == v; next++) {
			strncat(names, " = ", sizeof(names) - strlen(names) - 1);
			strncat(names, marks[next].name, sizeof(names) - strlen(names) - 1);
		}
		x = H_L + h_pos(&a, v) * (H_R - H_L);
		hsa_svg_line(out, x, H_T - 4, x, H_B, "pct");
		/* Near an edge the label runs inwards, not off the picture. */
		hsa_svg_text(out, x, H_T - 8 - 11.0 * (double)row,
		    x > H_R - 60 ? "end" : x < H_L + 60 ? "start" : "middle",
		    "pctl", "%s %.3f ms", names, v / 1e6);
	}
	hsa_svg_end(out);
}

static void distribution_row(FILE *out, const char *name,
    const struct hsa_sketch *s)
{
	fputs("<tr><th>", out);
	hsa_html_escape(out, name);
	fputs("</th>", out);
	td_count(out, s->count);
	if (s->count)
		fprintf(out, "<td class=\"n\">%.3f</td><td class=\"n\">%.3f</td><td class=\"n\">%.3f</td><td class=\"n\">%.3f</td><td class=\"n\">%.3f</td>",
		    hsa_ms(s->min_ns), hsa_sketch_quantile(s, 0.50) / 1e6,
		    hsa_sketch_quantile(s, 0.90) / 1e6,
		    hsa_sketch_quantile(s, 0.99) / 1e6, hsa_ms(s->max_ns));
	else
		fputs("<td></td><td></td><td></td><td></td><td></td>", out);
	fputs("</tr>\n", out);
}

static void print_rtt(FILE *out, const struct hsa_summary *s)
{
	fputs("<section id=\"rtt\">\n<h2>Handshake RTT</h2>\n", out);
	if (s->total.count)
		rtt_histogram(out, &s->total);
	else
		fputs("<p>No complete handshake was measured.</p>\n", out);
	fprintf(out, "<table id=\"rtt-table\">\n<caption>SYN exchange RTT in ms, percentiles within %.0f%%</caption>\n"
	    "<tr><th></th><th class=\"n\">count</th><th class=\"n\">min</th><th class=\"n\">p50</th><th class=\"n\">p90</th><th class=\"n\">p99</th><th class=\"n\">max</th></tr>\n",
	    HSA_SKETCH_ACCURACY * 100);
	distribution_row(out, "SYN -> SYN/ACK", &s->syn_to_synack);
	distribution_row(out, "SYN/ACK -> ACK", &s->synack_to_ack);
	distribution_row(out, "total", &s->total);
	fputs("</table>\n</section>\n", out);
}

/* --- the text report's tables -------------------------------------------- */

static void counts_table(FILE *out, const char *title, const uint64_t *n,
    int count, const char *(*name)(int))
{
	int i;

	fputs("<table class=\"counts\">\n<caption>", out);
	hsa_html_escape(out, title);
	fputs("</caption>\n", out);
	for (i = 0; i < count; i++) {
		fputs("<tr><th>", out);
		hsa_html_escape(out, name(i));
		fputs("</th>", out);
		td_count(out, n[i]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

static const char *hs_name(int i) { return hsa_handshake_name(i); }
static const char *close_name(int i) { return hsa_close_name(i); }
static const char *tw_name(int i) { return hsa_who_name(i); }

static void notable_table(FILE *out, const struct hsa_summary *s,
    enum hsa_notable_kind k, const char *title,
    const struct hsa_ladder_example *ex, size_t nex)
{
	char ca[HSA_ENDPOINT_STRLEN], sa[HSA_ENDPOINT_STRLEN];
	int i;

	if (!s->notable_count[k])
		return;
	fputs("<table class=\"notable\">\n<caption>", out);
	hsa_html_printf(out, "%s: %llu%s", title,
	    (unsigned long long)s->notable_count[k],
	    k == HSA_NOTE_SLOW ? " measured, the slowest shown" :
	    s->notable_count[k] > (uint64_t)s->notable_n[k] ? ", the first shown" : "");
	fputs("</caption>\n", out);
	for (i = 0; i < s->notable_n[k]; i++) {
		const struct hsa_notable *n = &s->notable[k][i];

		fputs("<tr><td>", out);
		conn_ref(out, n->id, ex, nex);
		fputs("</td><td class=\"mono\">", out);
		hsa_html_printf(out, "%s -> %s",
		    hsa_format_endpoint(n->ip_version, &n->addr[0], n->port[0],
		    ca, sizeof(ca)),
		    hsa_format_endpoint(n->ip_version, &n->addr[1], n->port[1],
		    sa, sizeof(sa)));
		fputs("</td><td>", out);
		switch (k) {
		case HSA_NOTE_UNANSWERED:
			fprintf(out, "%u SYN%s, no reply", n->count, n->count == 1 ? "" : "s");
			break;
		case HSA_NOTE_RESET:
			fprintf(out, "RST from the %s", side_name(n->who));
			break;
		case HSA_NOTE_HALF_CLOSED:
			fprintf(out, "only the %s sent a FIN: the %s may be stuck in CLOSE-WAIT",
			    side_name(n->who), side_name(1 - n->who));
			break;
		case HSA_NOTE_SLOW:
			fprintf(out, "handshake %.3f ms", hsa_ms(n->value_ns));
			break;
		default:
			fputs("SYN answered by RST", out);
			break;
		}
		fputs("</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}

static void print_tables(FILE *out, const struct hsa_summary *s,
    const struct hsa_ladder_example *ex, size_t nex)
{
	int k;
	bool any = false;

	fputs("<section id=\"connections\">\n<h2>Connections</h2>\n", out);
	fprintf(out, "<p>%llu connections", (unsigned long long)s->connections);
	if (s->reused || s->roles_guessed || s->evicted)
		fprintf(out, " (%llu reusing a 4-tuple, %llu with guessed roles, %llu evicted)",
		    (unsigned long long)s->reused,
		    (unsigned long long)s->roles_guessed,
		    (unsigned long long)s->evicted);
	fputs(".</p>\n", out);
	counts_table(out, "Handshake", s->handshake, HSA_HS_COUNT, hs_name);
	counts_table(out, "Close", s->close, HSA_CLOSE_COUNT, close_name);
	counts_table(out, "TIME-WAIT held by", s->time_wait, HSA_WHO_COUNT, tw_name);
	for (k = 0; k < HSA_NOTE_COUNT; k++)
		any = any || s->notable_count[k];
	if (any) {
		fputs("<h3>Worth a look</h3>\n", out);
		notable_table(out, s, HSA_NOTE_REFUSED, "refused (SYN answered by RST)", ex, nex);
		notable_table(out, s, HSA_NOTE_UNANSWERED, "unanswered", ex, nex);
		notable_table(out, s, HSA_NOTE_RESET, "reset", ex, nex);
		notable_table(out, s, HSA_NOTE_HALF_CLOSED, "half closed", ex, nex);
		notable_table(out, s, HSA_NOTE_SLOW, "slowest handshakes", ex, nex);
	}
	fputs("</section>\n", out);
}

/* --- sequence diagrams --------------------------------------------------- */

#define D_W		810.0
#define D_FRAME_X	48.0	/* right edge of the frame numbers */
#define D_TIME_X	112.0	/* right edge of the time column */
#define D_CSTATE_X	216.0	/* right edge of the client's states */
#define D_CLIENT_X	230.0
#define D_SERVER_X	600.0
#define D_SSTATE_X	614.0	/* left edge of the server's states */
#define D_TOP		62.0
#define D_ROW		40.0
#define D_DROP		14.0	/* an arrow falls this much: it takes time */
#define D_BAND		6.0	/* width of the state band on a lifeline */
#define D_TW_TAIL	60.0	/* the TIME-WAIT bar beyond the last row */

/* The rows of a diagram: segment indexes, with GAP where some were left
 * out. */
#define GAP ((size_t)-1)

struct rows {
	size_t n;
	size_t idx[2 * ROWS_EDGE + 2];
	uint64_t gap;		/* segments left out at the GAP row */
};

static void choose_rows(const struct hsa_ladder_example *ex, struct rows *r)
{
	size_t i;

	r->n = 0;
	r->gap = ex->not_drawn;
	if (ex->n <= 2 * ROWS_EDGE) {
		for (i = 0; i < ex->n; i++) {
			if (i == ex->gap_at && ex->not_drawn)
				r->idx[r->n++] = GAP;
			r->idx[r->n++] = i;
		}
		return;
	}
	for (i = 0; i < ROWS_EDGE; i++)
		r->idx[r->n++] = i;
	r->idx[r->n++] = GAP;
	r->gap += ex->n - 2 * ROWS_EDGE;
	for (i = ex->n - ROWS_EDGE; i < ex->n; i++)
		r->idx[r->n++] = i;
}

static double lifeline_x(int side)
{
	return side == HSA_CLIENT ? D_CLIENT_X : D_SERVER_X;
}

/* Opening, open, closing and TIME-WAIT in different colours. */
static const char *band_class(enum hsa_tcp_state st)
{
	switch (st) {
	case HSA_ST_TIME_WAIT:
		return "band tw";
	case HSA_ST_FIN_WAIT_1:
	case HSA_ST_FIN_WAIT_2:
	case HSA_ST_CLOSE_WAIT:
	case HSA_ST_CLOSING:
	case HSA_ST_LAST_ACK:
		return "band closing";
	case HSA_ST_ESTABLISHED:
		return "band open";
	default:
		return "band";
	}
}

/* The state band of one side: a span per state along the lifeline, and the
 * state's name where it changes. */
static void draw_states(FILE *out, const struct hsa_ladder_example *ex,
    const struct rows *r, int side, double bottom)
{
	double x = lifeline_x(side), from = D_TOP - 8, y;
	int cur = -1, st;
	size_t i;

	for (i = 0; i <= r->n; i++) {
		if (i < r->n && r->idx[i] == GAP)
			continue;
		st = i < r->n ? hsa_ladder_seg_at(ex, r->idx[i])->state[side] :
		    (int)ex->v->state[side];
		y = i < r->n ? D_TOP + (double)i * D_ROW : bottom;
		if (st == cur && i < r->n)
			continue;
		if (cur >= 0)
			hsa_svg_rect(out, x - D_BAND / 2, from, D_BAND, y - from,
			    band_class((enum hsa_tcp_state)cur));
		if (i == r->n)
			break;
		fprintf(out, "<text class=\"state %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>\n",
		    side_name(side),
		    side == HSA_CLIENT ? D_CSTATE_X : D_SSTATE_X, y + 4,
		    side == HSA_CLIENT ? "end" : "start",
		    hsa_state_name((enum hsa_tcp_state)st));
		cur = st;
		from = y;
	}
}

/* The holder's TIME-WAIT: from the row where its state became TIME-WAIT,
 * past the end of the capture, labelled with its length. */
static void draw_time_wait(FILE *out, const struct hsa_ladder_example *ex,
    const struct rows *r, int side, double bottom, int64_t t0,
    int64_t time_wait_ns)
{
	double x = lifeline_x(side), y = -1;
	int64_t start = 0;
	size_t i;

	for (i = 0; i < r->n; i++) {
		const struct hsa_ladder_seg *s;

		if (r->idx[i] == GAP)
			continue;
		s = hsa_ladder_seg_at(ex, r->idx[i]);
		if (s->state[side] == HSA_ST_TIME_WAIT) {
			y = D_TOP + (double)i * D_ROW;
			start = s->ts;
			break;
		}
	}
	if (y < 0)
		return;
	hsa_svg_rect(out, x - D_BAND / 2, y, D_BAND, bottom + D_TW_TAIL - y,
	    "band tw");
	fprintf(out, "<text class=\"twl %s\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" data-time-wait-ns=\"%lld\">",
	    side_name(side), side == HSA_CLIENT ? x - 10 : x + 10,
	    bottom + D_TW_TAIL / 2, side == HSA_CLIENT ? "end" : "start",
	    (long long)time_wait_ns);
	hsa_html_printf(out, "TIME-WAIT %g s (2MSL)", (double)time_wait_ns / 1e9);
	fputs("</text>\n", out);
	hsa_svg_text(out, side == HSA_CLIENT ? x - 10 : x + 10,
	    bottom + D_TW_TAIL / 2 + 14, side == HSA_CLIENT ? "end" : "start",
	    "muted", "+%.3f ms to +%.3f ms", hsa_ms(start - t0),
	    hsa_ms(start - t0 + time_wait_ns));
}

static void draw_arrow(FILE *out, const struct hsa_ladder_example *ex,
    const struct hsa_ladder_seg *s, double y, int64_t t0)
{
	int from = hsa_ladder_sender(ex->conn, s);
	double x1 = lifeline_x(from), x2 = lifeline_x(1 - from);
	double dir = x2 > x1 ? 1 : -1;
	const char *cls = from == HSA_CLIENT ? "c2s" : "s2c";
	char fl[12], head[32];

	hsa_ladder_flags(s->flags, fl);
	hsa_svg_text(out, D_FRAME_X, y + 4, "end", "frame", "%llu",
	    (unsigned long long)s->frame);
	hsa_svg_text(out, D_TIME_X, y + 4, "end", "muted", "%.3f",
	    hsa_ms(s->ts - t0));
	hsa_svg_line(out, x1, y, x2 - dir * 7, y + D_DROP, cls);
	snprintf(head, sizeof(head), "%s head", cls);
	fprintf(out, "<polygon class=\"%s\" points=\"%.1f,%.1f %.1f,%.1f %.1f,%.1f\"/>\n",
	    head, x2, y + D_DROP, x2 - dir * 9, y + D_DROP - 4.5,
	    x2 - dir * 8, y + D_DROP + 4.5);
	hsa_svg_text(out, (x1 + x2) / 2, y - 2, "middle", "seg",
	    "%s seq=%u ack=%u len=%u", fl, s->seq - ex->base[from],
	    (s->flags & HSA_TCP_ACK) ? s->ack - ex->base[1 - from] : 0, s->len);
	hsa_svg_text(out, (x1 + x2) / 2, y + D_DROP / 2 + 13, "middle",
	    "muted role", "%s", hsa_role_name((enum hsa_segment_role)s->role));
}

/* The figure's data-kinds: the JSON report's names of the kinds drawn. */
static void kinds_attribute(FILE *out, uint32_t kinds)
{
	const char *sep = "";
	int i;

	fputs(" data-kinds=\"", out);
	for (i = 0; i < HSA_EXAMPLES_DRAWN_KINDS; i++) {
		enum hsa_example_kind k = hsa_examples_drawn_kind(i);

		if (kinds & (1u << k)) {
			fprintf(out, "%s%s", sep, hsa_example_kind_name(k));
			sep = " ";
		}
	}
	fputc('"', out);
}

static void draw_diagram(FILE *out, const struct hsa_run *run,
    const struct hsa_ladder_example *ex)
{
	const struct hsa_conn *c = ex->conn;
	const struct hsa_verdict *v = ex->v;
	int64_t tw_ns = run->pressure ?
	    hsa_pressure_config(run->pressure)->time_wait_ns : HSA_DEFAULT_TIME_WAIT_NS;
	int64_t t0;
	char a[HSA_ENDPOINT_STRLEN], b[HSA_ENDPOINT_STRLEN], label[160];
	char kinds[HSA_LADDER_KINDS_STRLEN];
	struct rows r;
	double bottom, h;
	int side;
	size_t i;

	hsa_format_endpoint(c->ip_version, &c->ep[HSA_CLIENT].addr,
	    c->ep[HSA_CLIENT].port, a, sizeof(a));
	hsa_format_endpoint(c->ip_version, &c->ep[HSA_SERVER].addr,
	    c->ep[HSA_SERVER].port, b, sizeof(b));
	hsa_ladder_kinds_text(ex->kinds, kinds, sizeof(kinds));
	fprintf(out, "<figure class=\"diagram%s\" id=\"conn-%llu\"",
	    ex->log ? "" : " missing", (unsigned long long)c->id);
	kinds_attribute(out, ex->kinds);
	fputs(">\n<figcaption>", out);
	hsa_html_printf(out, "Connection #%llu%s%s%s: %s (client) -> %s (server)%s",
	    (unsigned long long)c->id, kinds[0] ? " (" : "", kinds,
	    kinds[0] ? ")" : "", a, b,
	    c->roles_guessed ? ", roles guessed from the ports" : "");
	fputs("</figcaption>\n<p>", out);
	fprintf(out, "Handshake %s", hsa_handshake_name(v->handshake));
	if (v->syn_to_synack_valid && v->synack_to_ack_valid)
		fprintf(out, ", RTT %.3f + %.3f = %.3f ms",
		    hsa_ms(v->syn_to_synack_ns), hsa_ms(v->synack_to_ack_ns),
		    hsa_ms(v->syn_to_synack_ns + v->synack_to_ack_ns));
	fprintf(out, "; close %s; TIME-WAIT: %s.", hsa_close_name(v->close),
	    hsa_who_name(v->time_wait));
	if (!ex->log) {
		fprintf(out, "</p>\n<p class=\"note missing\">Not drawn: its segments were not logged, because it began while its place among the %d connections logged at once was taken (the diagrams keep memory bounded).</p>\n</figure>\n",
		    HSA_LADDER_CANDIDATES);
		return;
	}
	fputs(" Frame numbers as Wireshark counts them; times in ms from the first segment; sequence and acknowledgment numbers relative to each side's first.</p>\n", out);
	t0 = hsa_ladder_seg_at(ex, 0)->ts;
	choose_rows(ex, &r);
	bottom = D_TOP + (double)r.n * D_ROW;
	h = bottom + D_TW_TAIL + 30;
	snprintf(label, sizeof(label), "Sequence diagram of connection %llu",
	    (unsigned long long)c->id);
	hsa_svg_begin(out, D_W, h, "seq", label);
	hsa_svg_text(out, D_FRAME_X, D_TOP - 36, "end", "muted", "frame");
	hsa_svg_text(out, D_TIME_X, D_TOP - 36, "end", "muted", "ms");
	hsa_svg_text(out, D_CLIENT_X, D_TOP - 36, "middle", "end client", "client %s", a);
	hsa_svg_text(out, D_SERVER_X, D_TOP - 36, "middle", "end server", "server %s", b);
	for (side = 0; side < 2; side++)
		hsa_svg_line(out, lifeline_x(side), D_TOP - 24, lifeline_x(side),
		    bottom + D_TW_TAIL, "life");
	for (side = 0; side < 2; side++)
		draw_states(out, ex, &r, side, bottom);
	for (side = 0; side < 2; side++)
		if (v->time_wait == HSA_WHO_BOTH ||
		    v->time_wait == (side == HSA_CLIENT ? HSA_WHO_CLIENT : HSA_WHO_SERVER))
			draw_time_wait(out, ex, &r, side, bottom, t0, tw_ns);
	for (i = 0; i < r.n; i++) {
		double y = D_TOP + (double)i * D_ROW;

		if (r.idx[i] == GAP)
			hsa_svg_text(out, (D_CLIENT_X + D_SERVER_X) / 2, y + 8, "middle",
			    "gap", "... %llu segments not drawn ...",
			    (unsigned long long)r.gap);
		else
			draw_arrow(out, ex, hsa_ladder_seg_at(ex, r.idx[i]), y, t0);
	}
	hsa_svg_text(out, D_TIME_X, bottom + 4, "end", "muted", "end");
	hsa_svg_end(out);
	for (side = 0; side < 2; side++)
		if (hsa_ladder_close_wait_misdrawn(ex, side))
			fprintf(out, "<p class=\"note\">Note: the rows are in capture order, where the %s's FIN comes after the %s's; the sequence numbers show the %s had sent its FIN before it received the %s's, so it was in FIN-WAIT-1, not CLOSE-WAIT, on the rows drawn CLOSE-WAIT.</p>\n",
			    side_name(side), side_name(1 - side), side_name(side),
			    side_name(1 - side));
	fputs("</figure>\n", out);
}

static void print_diagrams(FILE *out, const struct hsa_run *run,
    const struct hsa_ladder_example *ex, size_t nex)
{
	size_t i;

	fputs("<section id=\"diagrams\">\n<h2>Sequence diagrams</h2>\n", out);
	if (!nex)
		fputs("<p>No connection to draw.</p>\n", out);
	else if (!ex[0].kinds)	/* --ladder ID */
		fputs("<p>The connection asked for, drawn from its captured segments: the client on the left, the server on the right, time downwards. Each side's RFC 9293 state is drawn along its line; flags are tcpdump's letters (S SYN, F FIN, R RST, P PSH, . ACK).</p>\n", out);
	else
		fputs("<p>The example connections of the JSON report (its \"examples\") of each kind seen: client closes first, server closes first, simultaneous close, reset, refused, unanswered, half closed, still open; each drawn from its captured segments: the client on the left, the server on the right, time downwards. Each side's RFC 9293 state is drawn along its line; flags are tcpdump's letters (S SYN, F FIN, R RST, P PSH, . ACK).</p>\n", out);
	for (i = 0; i < nex; i++)
		draw_diagram(out, run, &ex[i]);
	fputs("</section>\n", out);
}

int hsa_html_report(FILE *out, const struct hsa_run *run,
    const struct hsa_ladder *ladder)
{
	struct hsa_ladder_example ex[EXAMPLES_MAX];
	size_t nex = ladder ? hsa_ladder_examples(ladder, ex, EXAMPLES_MAX) : 0;

	if (nex > EXAMPLES_MAX)
		nex = EXAMPLES_MAX;
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta name=\"color-scheme\" content=\"light dark\">\n"
	    "<meta name=\"generator\" content=\"hsanalyze " PACKAGE_VERSION "\">\n<title>hsanalyze: ", out);
	hsa_html_escape(out, run->cap->source);
	fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", style);
	print_header(out, run);
	print_findings(out, run, ex, nex);
	print_pressure(out, run);
	print_rtt(out, run->summary);
	print_tables(out, run->summary, ex, nex);
	print_diagrams(out, run, ex, nex);
	fputs("<footer class=\"muted\"><p>Written by hsanalyze " PACKAGE_VERSION
	    ". The text report (default) and the JSON report (--json) say the same in other forms.</p></footer>\n"
	    "</body>\n</html>\n", out);
	return 0;
}
