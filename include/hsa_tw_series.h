/*
 * hsa_tw_series.h - how many TIME-WAIT sockets were alive over capture time,
 * in bounded memory, for the chart of the HTML report.
 *
 * The count is sampled into HSA_TW_SERIES_POINTS buckets of equal width;
 * each bucket keeps the most alive at once during it, so no peak is lost.
 * The width starts at HSA_TW_SERIES_FIRST_WIDTH_NS and doubles (neighbouring
 * buckets merged) whenever capture time runs past the last bucket, so the
 * buckets cover from the first change to the latest at any capture length.
 */
#ifndef HSA_TW_SERIES_H
#define HSA_TW_SERIES_H

#include <stdint.h>

#define HSA_TW_SERIES_POINTS		128
#define HSA_TW_SERIES_FIRST_WIDTH_NS	1000000LL	/* 1 ms */

struct hsa_tw_series {
	int64_t origin;		/* capture time of the first change */
	int64_t width;		/* nanoseconds per bucket */
	int n;			/* buckets in use: 0 .. n - 1 */
	uint64_t now;		/* the count after the latest change */
	uint64_t max[HSA_TW_SERIES_POINTS];
};

void hsa_tw_series_init(struct hsa_tw_series *s);
/* The count became value at capture time ts.  Changes are expected in time
 * order; one earlier than the last bucket is counted in the last bucket. */
void hsa_tw_series_set(struct hsa_tw_series *s, int64_t ts, uint64_t value);
/* Bucket i covers [origin + i * width, origin + (i + 1) * width). */
int64_t hsa_tw_series_start(const struct hsa_tw_series *s, int i);

#endif
