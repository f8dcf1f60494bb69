/*
 * sketch.c - the bounded percentile sketch of hsa_sketch.h.
 *
 * Bucket i holds values in (gamma^(i-1), gamma^i], gamma = (1+a)/(1-a) with
 * a the accuracy; reporting 2*gamma^i/(gamma+1) for a value in that bucket is
 * off by at most a, relatively.  The result is also clamped to [min, max],
 * which makes it exact for a single sample.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "hsa_sketch.h"

static double gamma_value(void)
{
	return (1.0 + HSA_SKETCH_ACCURACY) / (1.0 - HSA_SKETCH_ACCURACY);
}

void hsa_sketch_init(struct hsa_sketch *s)
{
	memset(s, 0, sizeof(*s));
}

void hsa_sketch_add(struct hsa_sketch *s, int64_t ns)
{
	long i;

	if (ns < 0)
		return;
	if (s->count == 0 || ns < s->min_ns)
		s->min_ns = ns;
	if (s->count == 0 || ns > s->max_ns)
		s->max_ns = ns;
	s->count++;
	if (ns == 0) {
		s->zeros++;
		return;
	}
	i = (long)ceil(log((double)ns) / log(gamma_value()));
	if (i < 0)
		i = 0;
	if (i >= HSA_SKETCH_BUCKETS)
		i = HSA_SKETCH_BUCKETS - 1;
	s->buckets[i]++;
}

double hsa_sketch_bucket_value(int i)
{
	double g = gamma_value();

	return 2.0 * pow(g, i) / (g + 1.0);
}

double hsa_sketch_quantile(const struct hsa_sketch *s, double q)
{
	uint64_t rank, seen;
	double v;
	int i;

	if (s->count == 0)
		return 0;
	rank = (uint64_t)ceil(q * (double)s->count);
	if (rank < 1)
		rank = 1;
	if (rank > s->count)
		rank = s->count;
	if (rank <= s->zeros)
		return 0;
	seen = s->zeros;
	for (i = 0; i < HSA_SKETCH_BUCKETS; i++) {
		seen += s->buckets[i];
		if (seen >= rank)
			break;
	}
	v = hsa_sketch_bucket_value(i);
	if (v < (double)s->min_ns)
		v = (double)s->min_ns;
	if (v > (double)s->max_ns)
		v = (double)s->max_ns;
	return v;
}
