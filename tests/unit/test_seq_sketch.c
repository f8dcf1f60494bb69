/*
 * test_seq_sketch.c - unit tests of the two small pieces of arithmetic every
 * verdict and every RTT figure rests on: wraparound-safe sequence comparison
 * (src/seq.h) and the percentile sketch's accuracy bound (src/sketch.c).
 *
 * Sequence numbers: the comparisons must follow RFC 1982 serial arithmetic
 * across the 2^32 wrap, where a plain `<` gives the opposite answer.
 * The sketch: any percentile is within HSA_SKETCH_ACCURACY (1%) of the true
 * nearest-rank value, checked at both ends of buckets across the whole range
 * (a representative value of gamma^i instead of 2 gamma^i / (gamma + 1) is
 * off by 2% at a bucket's low end and fails).
 */
#include "config.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "hsa_sketch.h"
#include "seq.h"

static void seq_ordinary(void **state)
{
	(void)state;
	assert_true(hsa_seq_before(1000, 2000));
	assert_false(hsa_seq_before(2000, 1000));
	assert_true(hsa_seq_after(2000, 1000));
	assert_false(hsa_seq_after(1000, 2000));
	assert_false(hsa_seq_before(1234, 1234));
	assert_false(hsa_seq_after(1234, 1234));
	assert_int_equal(hsa_seq_distance(1000, 2000), 1000);
	assert_int_equal(hsa_seq_distance(2000, 1000), 1000);
}

/* Across the wrap a plain comparison answers the opposite. */
static void seq_across_wrap(void **state)
{
	uint32_t late = 0xfffffff0u, early_after_wrap = 0x00000010u;

	(void)state;
	assert_true(late > early_after_wrap);	/* what `<` would believe */
	assert_true(hsa_seq_before(late, early_after_wrap));
	assert_true(hsa_seq_after(early_after_wrap, late));
	assert_false(hsa_seq_before(early_after_wrap, late));
	assert_false(hsa_seq_after(late, early_after_wrap));
	assert_int_equal(hsa_seq_distance(late, early_after_wrap), 0x20);
	assert_int_equal(hsa_seq_distance(early_after_wrap, late), 0x20);
	/* One byte before the wrap and the byte after it. */
	assert_true(hsa_seq_before(0xffffffffu, 0));
	assert_true(hsa_seq_after(0, 0xffffffffu));
	assert_int_equal(hsa_seq_distance(0, 0xffffffffu), 1);
}

/* Half the sequence space apart is the limit of an answer. */
static void seq_half_space(void **state)
{
	(void)state;
	assert_true(hsa_seq_before(0, 0x7fffffffu));
	assert_true(hsa_seq_after(0x7fffffffu, 0));
	assert_true(hsa_seq_before(0x80000001u, 0));
	assert_int_equal(hsa_seq_distance(0, 0x80000000u), 0x80000000u);
	assert_int_equal(hsa_seq_distance(0x80000000u, 0), 0x80000000u);
}

/* |got - want| <= accuracy * want, with a little room for doubles. */
static void assert_within_bound(double got, double want)
{
	double err = fabs(got - want) / want;

	if (err > HSA_SKETCH_ACCURACY * (1 + 1e-9))
		fail_msg("estimate %.6f for %.6f: relative error %.5f above %.3f",
		    got, want, err, HSA_SKETCH_ACCURACY);
}

/* The median of (v / 10, v, v * 10) is v, and neither min nor max: the
 * estimate comes from v's bucket alone.  Every bucket's two ends, over the
 * whole range the sketch covers. */
static void sketch_bound_at_bucket_ends(void **state)
{
	double g = (1 + HSA_SKETCH_ACCURACY) / (1 - HSA_SKETCH_ACCURACY);
	struct hsa_sketch s;
	int i, end;

	(void)state;
	for (i = 400; i < 2000 && pow(g, i) < 1e12; i++)
		for (end = 0; end < 2; end++) {
			/* Just above gamma^(i-1), and gamma^i: the ends of
			 * bucket i. */
			int64_t v = end ? (int64_t)floor(pow(g, i))
			    : (int64_t)floor(pow(g, i - 1)) + 1;

			hsa_sketch_init(&s);
			hsa_sketch_add(&s, v / 10);
			hsa_sketch_add(&s, v);
			hsa_sketch_add(&s, v * 10);
			assert_within_bound(hsa_sketch_quantile(&s, 0.5), (double)v);
		}
}

/* Percentiles of many samples: p50, p90 and p99 of a deterministic spread
 * (a linear congruential sequence over 4 decades) against the exact
 * nearest-rank values. */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void sketch_bound_on_a_spread(void **state)
{
	enum { N = 10007 };
	static const double qs[] = { 0.5, 0.9, 0.99 };
	static int64_t v[N];
	struct hsa_sketch s;
	uint64_t x = 12345;
	size_t i, k;

	(void)state;
	hsa_sketch_init(&s);
	for (i = 0; i < N; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		/* 100 us to 1 s, spread over the decades. */
		v[i] = (int64_t)(1e5 * pow(10.0, (double)(x >> 11) / 9007199254740992.0 * 4));
		hsa_sketch_add(&s, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_i64);
	for (k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		size_t rank = (size_t)ceil(qs[k] * N);

		assert_within_bound(hsa_sketch_quantile(&s, qs[k]), (double)v[rank - 1]);
	}
	/* min and max are exact. */
	assert_true(hsa_sketch_quantile(&s, 1.0) == (double)v[N - 1]);
	assert_int_equal(s.min_ns, v[0]);
}

static void sketch_edges(void **state)
{
	struct hsa_sketch s;

	(void)state;
	hsa_sketch_init(&s);
	assert_true(hsa_sketch_quantile(&s, 0.5) == 0);	/* empty */
	hsa_sketch_add(&s, -5);				/* ignored */
	assert_int_equal(s.count, 0);
	hsa_sketch_add(&s, 0);
	hsa_sketch_add(&s, 0);
	hsa_sketch_add(&s, 7);
	assert_true(hsa_sketch_quantile(&s, 0.5) == 0);	/* zeros counted */
	assert_true(hsa_sketch_quantile(&s, 1.0) == 7);	/* clamped to max */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seq_ordinary),
		cmocka_unit_test(seq_across_wrap),
		cmocka_unit_test(seq_half_space),
		cmocka_unit_test(sketch_bound_at_bucket_ends),
		cmocka_unit_test(sketch_bound_on_a_spread),
		cmocka_unit_test(sketch_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
