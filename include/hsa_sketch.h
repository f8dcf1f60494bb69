/*
 * hsa_sketch.h - percentiles of a stream of durations in bounded memory.
 *
 * Values go into logarithmic buckets (the DDSketch scheme): any percentile
 * it returns is within 1% of the true value of the sample at that rank
 * (relative error), whatever the number of samples; min and max are exact.
 * Size is fixed: about 13 KiB, covering 1 ns to 10,000 s.
 */
#ifndef HSA_SKETCH_H
#define HSA_SKETCH_H

#include <stdint.h>

#define HSA_SKETCH_ACCURACY	0.01	/* relative */
#define HSA_SKETCH_BUCKETS	1600

struct hsa_sketch {
	uint64_t count;
	uint64_t zeros;
	int64_t min_ns;
	int64_t max_ns;
	uint64_t buckets[HSA_SKETCH_BUCKETS];
};

void hsa_sketch_init(struct hsa_sketch *s);
/* Negative values are ignored. */
void hsa_sketch_add(struct hsa_sketch *s, int64_t ns);
/* The nearest-rank q-quantile (0 < q <= 1), in nanoseconds; 0 when empty. */
double hsa_sketch_quantile(const struct hsa_sketch *s, double q);
/* The value, in nanoseconds, that stands for the samples in bucket i
 * (before clamping to [min, max]); for drawing the distribution. */
double hsa_sketch_bucket_value(int i);

#endif
