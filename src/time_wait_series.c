/*
 * time_wait_series.c - the bounded TIME-WAIT count over time of
 * hsa_tw_series.h.
 *
 * A bucket with no change in it holds the count carried over from the one
 * before, so a flat stretch of the chart needs no events.
 */
#include "config.h"

#include <string.h>

#include "hsa_tw_series.h"

void hsa_tw_series_init(struct hsa_tw_series *s)
{
	memset(s, 0, sizeof(*s));
	s->width = HSA_TW_SERIES_FIRST_WIDTH_NS;
}

/* Twice as wide: bucket i becomes the larger of old buckets 2i and 2i+1. */
static void widen(struct hsa_tw_series *s)
{
	int i, n = (s->n + 1) / 2;

	for (i = 0; i < n; i++) {
		uint64_t a = s->max[2 * i];
		uint64_t b = 2 * i + 1 < s->n ? s->max[2 * i + 1] : 0;

		s->max[i] = a > b ? a : b;
	}
	memset(&s->max[n], 0, (size_t)(HSA_TW_SERIES_POINTS - n) * sizeof(s->max[0]));
	s->n = n;
	s->width *= 2;
}

void hsa_tw_series_set(struct hsa_tw_series *s, int64_t ts, uint64_t value)
{
	int64_t b;

	if (s->n == 0) {
		s->origin = ts;
		s->n = 1;
		s->max[0] = value;
		s->now = value;
		return;
	}
	while ((b = (ts - s->origin) / s->width) >= HSA_TW_SERIES_POINTS)
		widen(s);
	if (b < s->n - 1)
		b = s->n - 1;
	/* Buckets with no change hold the count carried over. */
	while (s->n <= b)
		s->max[s->n++] = s->now;
	if (value > s->max[b])
		s->max[b] = value;
	s->now = value;
}

int64_t hsa_tw_series_start(const struct hsa_tw_series *s, int i)
{
	return s->origin + (int64_t)i * s->width;
}
