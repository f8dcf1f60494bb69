/*
 * hsa_expo.h - writes metrics in the Prometheus text exposition format
 * (version 0.0.4) or in OpenMetrics 1.0, given names, labels and values.
 *
 * It only serialises: which metrics exist and what they are worth is decided
 * by the caller (src/metrics.c).  The two formats differ in small ways that
 * live here and nowhere else: OpenMetrics names a counter family without its
 * "_total" suffix, escapes double quotes in HELP text, and ends with "# EOF".
 */
#ifndef HSA_EXPO_H
#define HSA_EXPO_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum hsa_expo_format { HSA_EXPO_PROMETHEUS, HSA_EXPO_OPENMETRICS };
enum hsa_expo_type { HSA_EXPO_COUNTER, HSA_EXPO_GAUGE, HSA_EXPO_HISTOGRAM };

struct hsa_expo_label {
	const char *name;
	const char *value;	/* any bytes but NUL; escaped as needed */
};

struct hsa_expo {
	FILE *out;
	enum hsa_expo_format format;
	const char *family;	/* the current family, without "_total" */
	enum hsa_expo_type type;
};

/* The Content-Type header value of a format. */
const char *hsa_expo_content_type(enum hsa_expo_format f);

/* Which format an HTTP Accept header value asks for: OpenMetrics when it
 * names application/openmetrics-text (with a q above 0), else Prometheus
 * text.  NULL (no header) is Prometheus text. */
enum hsa_expo_format hsa_expo_negotiate(const char *accept);

void hsa_expo_begin(struct hsa_expo *e, FILE *out, enum hsa_expo_format f);

/* Start a family: its HELP and TYPE lines.  name is given without the
 * "_total" of a counter; help is plain text. */
void hsa_expo_family(struct hsa_expo *e, const char *name,
    enum hsa_expo_type type, const char *help);

/* One sample of the current counter or gauge family. */
void hsa_expo_sample(struct hsa_expo *e, const struct hsa_expo_label *labels,
    size_t n_labels, double value);

/* One histogram of the current family: n_bounds upper bounds in increasing
 * order (+Inf is added), counts[i] the observations in bucket i alone (not
 * cumulative; counts[n_bounds] is the overflow above the last bound). */
void hsa_expo_histogram(struct hsa_expo *e, const struct hsa_expo_label *labels,
    size_t n_labels, const double *bounds, const uint64_t *counts,
    size_t n_bounds, double sum);

/* Finish ("# EOF" for OpenMetrics); 0, or -1 when a write failed. */
int hsa_expo_end(struct hsa_expo *e);

#endif
