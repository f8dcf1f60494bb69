/*
 * exposition.c - the Prometheus text format and OpenMetrics 1.0 writer.
 *
 * References: Prometheus "Exposition formats" (text format 0.0.4) and the
 * OpenMetrics 1.0 specification.  Values are written so that they read back
 * as the same double: whole numbers without a fraction, others with the
 * fewest digits (15 to 17) that survive a round trip, and the spellings
 * +Inf, -Inf and NaN both formats share.
 */
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hsa_expo.h"

#define OPENMETRICS_TYPE	"application/openmetrics-text"

const char *hsa_expo_content_type(enum hsa_expo_format f)
{
	if (f == HSA_EXPO_OPENMETRICS)
		return OPENMETRICS_TYPE "; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}

/* The q parameter of one media range ("...;q=0.5"), 1 when absent. */
static double media_range_q(const char *p, const char *end)
{
	while ((p = memchr(p, ';', (size_t)(end - p)))) {
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
			char num[8] = "";
			size_t n = (size_t)(end - p - 2);

			if (n >= sizeof(num))
				n = sizeof(num) - 1;
			memcpy(num, p + 2, n);
			return strtod(num, NULL);
		}
	}
	return 1;
}

enum hsa_expo_format hsa_expo_negotiate(const char *accept)
{
	const char *p = accept, *end;
	size_t len = strlen(OPENMETRICS_TYPE);

	while (p && *p) {
		if (!(end = strchr(p, ',')))
			end = p + strlen(p);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if ((size_t)(end - p) >= len && !strncasecmp(p, OPENMETRICS_TYPE, len) &&
		    (p + len == end || p[len] == ';' || p[len] == ' ') &&
		    media_range_q(p, end) > 0)
			return HSA_EXPO_OPENMETRICS;
		p = *end ? end + 1 : end;
	}
	return HSA_EXPO_PROMETHEUS;
}

void hsa_expo_begin(struct hsa_expo *e, FILE *out, enum hsa_expo_format f)
{
	memset(e, 0, sizeof(*e));
	e->out = out;
	e->format = f;
}

/* A value that reads back as v, in buf (VALUE_LEN bytes). */
#define VALUE_LEN 32

static const char *format_value(char *buf, double v)
{
	int prec;

	if (isnan(v))
		return "NaN";
	if (isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, VALUE_LEN, "%.0f", v);
		return buf;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, VALUE_LEN, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return buf;
	}
	snprintf(buf, VALUE_LEN, "%.17g", v);
	return buf;
}

static void put_value(FILE *out, double v)
{
	char buf[VALUE_LEN];

	fputs(format_value(buf, v), out);
}

/* Text with backslash and newline escaped, and double quotes when quotes
 * is set (label values; OpenMetrics HELP). */
static void put_escaped(FILE *out, const char *s, int quotes)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else if (*s == '"' && quotes)
			fputs("\\\"", out);
		else
			fputc(*s, out);
	}
}

static const char *type_name(enum hsa_expo_type t)
{
	switch (t) {
	case HSA_EXPO_COUNTER:
		return "counter";
	case HSA_EXPO_HISTOGRAM:
		return "histogram";
	case HSA_EXPO_GAUGE:
		break;
	}
	return "gauge";
}

void hsa_expo_family(struct hsa_expo *e, const char *name,
    enum hsa_expo_type type, const char *help)
{
	/* The Prometheus text format names a counter by its sample name. */
	const char *suffix = type == HSA_EXPO_COUNTER &&
	    e->format == HSA_EXPO_PROMETHEUS ? "_total" : "";

	e->family = name;
	e->type = type;
	fprintf(e->out, "# HELP %s%s ", name, suffix);
	put_escaped(e->out, help, e->format == HSA_EXPO_OPENMETRICS);
	fprintf(e->out, "\n# TYPE %s%s %s\n", name, suffix, type_name(type));
}

static void put_labels(FILE *out, const struct hsa_expo_label *labels,
    size_t n, const char *le)
{
	size_t i;

	if (!n && !le)
		return;
	fputc('{', out);
	for (i = 0; i < n; i++) {
		fprintf(out, "%s%s=\"", i ? "," : "", labels[i].name);
		put_escaped(out, labels[i].value, 1);
		fputc('"', out);
	}
	if (le)
		fprintf(out, "%sle=\"%s\"", n ? "," : "", le);
	fputc('}', out);
}

void hsa_expo_sample(struct hsa_expo *e, const struct hsa_expo_label *labels,
    size_t n_labels, double value)
{
	fprintf(e->out, "%s%s", e->family,
	    e->type == HSA_EXPO_COUNTER ? "_total" : "");
	put_labels(e->out, labels, n_labels, NULL);
	fputc(' ', e->out);
	put_value(e->out, value);
	fputc('\n', e->out);
}

void hsa_expo_histogram(struct hsa_expo *e, const struct hsa_expo_label *labels,
    size_t n_labels, const double *bounds, const uint64_t *counts,
    size_t n_bounds, double sum)
{
	uint64_t cumulative = 0;
	char le[40];
	size_t i;

	for (i = 0; i <= n_bounds; i++) {
		cumulative += counts[i];
		if (i < n_bounds) {
			char buf[VALUE_LEN];
			const char *v = format_value(buf, bounds[i]);

			/* OpenMetrics wants le as a float: "1.0", not "1". */
			snprintf(le, sizeof(le), "%s%s", v,
			    e->format == HSA_EXPO_OPENMETRICS &&
			    !strpbrk(v, ".eEIN") ? ".0" : "");
		} else
			snprintf(le, sizeof(le), "+Inf");
		fprintf(e->out, "%s_bucket", e->family);
		put_labels(e->out, labels, n_labels, le);
		fprintf(e->out, " %llu\n", (unsigned long long)cumulative);
	}
	fprintf(e->out, "%s_sum", e->family);
	put_labels(e->out, labels, n_labels, NULL);
	fputc(' ', e->out);
	put_value(e->out, sum);
	fprintf(e->out, "\n%s_count", e->family);
	put_labels(e->out, labels, n_labels, NULL);
	fprintf(e->out, " %llu\n", (unsigned long long)cumulative);
}

int hsa_expo_end(struct hsa_expo *e)
{
	if (e->format == HSA_EXPO_OPENMETRICS)
		fputs("# EOF\n", e->out);
	return ferror(e->out) ? -1 : 0;
}
