/*
 * test_tw_series.c - unit tests for the bounded TIME-WAIT count over time
 * (src/time_wait_series.c): each bucket keeps the most alive at once, quiet
 * buckets carry the count over, the width doubles (buckets merged by their
 * maximum) when time runs past the last bucket, and a late change lands in
 * the last bucket.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hsa_tw_series.h"

#define MS 1000000LL

static void first_change_sets_the_origin(void **state)
{
	struct hsa_tw_series s;

	(void)state;
	hsa_tw_series_init(&s);
	assert_int_equal(s.n, 0);
	hsa_tw_series_set(&s, 5000 * MS, 1);
	assert_int_equal(s.origin, 5000 * MS);
	assert_int_equal(s.width, HSA_TW_SERIES_FIRST_WIDTH_NS);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.max[0], 1);
	assert_int_equal(hsa_tw_series_start(&s, 3), 5003 * MS);
}

static void quiet_buckets_carry_the_count(void **state)
{
	struct hsa_tw_series s;
	int i;

	(void)state;
	hsa_tw_series_init(&s);
	hsa_tw_series_set(&s, 0, 1);
	hsa_tw_series_set(&s, 5 * MS, 3);		/* bucket 5 */
	hsa_tw_series_set(&s, 5 * MS + MS / 2, 2);	/* still bucket 5 */
	assert_int_equal(s.n, 6);
	for (i = 0; i < 5; i++)
		assert_int_equal(s.max[i], 1);
	assert_int_equal(s.max[5], 3);	/* the most at once, not the last */
	assert_int_equal(s.now, 2);
	hsa_tw_series_set(&s, 9 * MS, 0);
	assert_int_equal(s.n, 10);
	assert_int_equal(s.max[6], 2);
	assert_int_equal(s.max[8], 2);
	assert_int_equal(s.max[9], 2);	/* 2 until it dropped to 0 in it */
}

static void width_doubles_keeping_maxima(void **state)
{
	struct hsa_tw_series s;

	(void)state;
	hsa_tw_series_init(&s);
	hsa_tw_series_set(&s, 0, 1);
	hsa_tw_series_set(&s, 5 * MS, 3);
	hsa_tw_series_set(&s, 5 * MS + MS / 2, 2);
	/* 200 ms is past 128 buckets of 1 ms: 2 ms each now. */
	hsa_tw_series_set(&s, 200 * MS, 7);
	assert_int_equal(s.width, 2 * MS);
	assert_int_equal(s.n, 101);
	assert_int_equal(s.max[0], 1);	/* old 0 and 1 */
	assert_int_equal(s.max[2], 3);	/* old 4 and 5 */
	assert_int_equal(s.max[3], 2);	/* carried over */
	assert_int_equal(s.max[99], 2);
	assert_int_equal(s.max[100], 7);
}

static void long_captures_stay_bounded(void **state)
{
	struct hsa_tw_series s;

	(void)state;
	hsa_tw_series_init(&s);
	hsa_tw_series_set(&s, 0, 1);
	/* 1000 s: 1 ms doubled 13 times is 8.192 s, 128 of them 1048 s. */
	hsa_tw_series_set(&s, 1000000 * MS, 4);
	assert_int_equal(s.width, 8192 * MS);
	assert_int_equal(s.n, 123);	/* 1000 s / 8.192 s = 122.07 */
	assert_int_equal(s.max[0], 1);
	assert_int_equal(s.max[122], 4);
}

static void late_change_counts_in_the_last_bucket(void **state)
{
	struct hsa_tw_series s;

	(void)state;
	hsa_tw_series_init(&s);
	hsa_tw_series_set(&s, 10 * MS, 1);
	hsa_tw_series_set(&s, 20 * MS, 2);
	hsa_tw_series_set(&s, 15 * MS, 5);	/* out of order */
	assert_int_equal(s.n, 11);
	assert_int_equal(s.max[10], 5);
	assert_int_equal(s.max[5], 1);
	hsa_tw_series_set(&s, 0, 6);		/* before the origin */
	assert_int_equal(s.n, 11);
	assert_int_equal(s.max[10], 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_change_sets_the_origin),
		cmocka_unit_test(quiet_buckets_carry_the_count),
		cmocka_unit_test(width_doubles_keeping_maxima),
		cmocka_unit_test(long_captures_stay_bounded),
		cmocka_unit_test(late_change_counts_in_the_last_bucket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
