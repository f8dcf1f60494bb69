/*
 * test_pool.c - unit tests of the record pool (hsa_pool.h): records are
 * distinct, aligned and reused last-in first-out; a reservation of n
 * records means the next n records come without a new chunk, whatever is
 * left of the current one, and a reserved chunk is carved from only when
 * those before it are used up; chunks double from 64 KiB to 2 MiB; the
 * next chunk is given ahead (allocated then, or the reserved one) once the
 * current one is three quarters carved, and only once.  (A
 * failed chunk allocation: tests/losses.sh, through tests/fault_inject.c.)
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hsa_pool.h"

#define SIZE	100		/* rounded up to 112 */
/* Records in the first chunk and in the second (twice as large). */
#define PER_CHUNK	(HSA_POOL_FIRST_CHUNK / 112)
#define PER_CHUNK2	(2 * HSA_POOL_FIRST_CHUNK / 112)

static size_t chunks(const struct hsa_pool *p)
{
	return p->nchunks;
}

static void records_distinct_and_aligned(void **state)
{
	struct hsa_pool p;
	char **r = calloc(PER_CHUNK + 1, sizeof(*r));
	size_t i;

	(void)state;
	assert_non_null(r);
	hsa_pool_init(&p, SIZE);
	assert_int_equal(p.size, 112);
	for (i = 0; i < PER_CHUNK; i++) {
		r[i] = hsa_pool_get(&p);
		assert_non_null(r[i]);
		assert_int_equal((uintptr_t)r[i] % 16, 0);
		memset(r[i], (int)i, SIZE);
		if (i > 0)
			assert_int_equal(r[i] - r[i - 1], 112);
	}
	assert_int_equal(chunks(&p), 1);
	assert_int_equal(p.available, 0);
	r[PER_CHUNK] = hsa_pool_get(&p);	/* the second chunk */
	assert_non_null(r[PER_CHUNK]);
	assert_int_equal(chunks(&p), 2);
	assert_int_equal(p.available, PER_CHUNK2 - 1);
	for (i = 0; i < PER_CHUNK; i++)
		assert_int_equal((unsigned char)r[i][SIZE - 1], (unsigned char)i);
	/* Last in, first out. */
	hsa_pool_put(&p, r[7]);
	hsa_pool_put(&p, r[3]);
	assert_int_equal(p.available, PER_CHUNK2 + 1);
	assert_ptr_equal(hsa_pool_get(&p), r[3]);
	assert_ptr_equal(hsa_pool_get(&p), r[7]);
	hsa_pool_destroy(&p);
	assert_int_equal(chunks(&p), 0);
	assert_int_equal(p.available, 0);
	free(r);
}

/* A reservation larger than what the current chunk has left: the rest of
 * that chunk is kept, one chunk more is enough, and the reserved records
 * then come without another.  The reserved chunk is not carved from (so
 * not touched) until the first one is used up. */
static void reserve_keeps_the_rest(void **state)
{
	struct hsa_pool p;
	size_t i, want = PER_CHUNK + 10;

	(void)state;
	hsa_pool_init(&p, SIZE);
	for (i = 0; i < 100; i++)
		assert_non_null(hsa_pool_get(&p));
	assert_int_equal(p.available, PER_CHUNK - 100);
	assert_int_equal(hsa_pool_reserve(&p, want), 0);
	assert_int_equal(chunks(&p), 2);
	assert_int_equal(p.carved, 1);
	assert_int_equal(p.available, PER_CHUNK + PER_CHUNK2 - 100);
	for (i = 100; i < PER_CHUNK; i++) {
		char *r = hsa_pool_get(&p);

		assert_true(r >= (char *)p.chunk_v[0] &&
		    r < (char *)p.chunk_v[0] + HSA_POOL_FIRST_CHUNK);
	}
	assert_int_equal(p.carved, 1);
	for (i = 0; i < want - (PER_CHUNK - 100); i++) {
		char *r = hsa_pool_get(&p);

		assert_true(r >= (char *)p.chunk_v[1] &&
		    r < (char *)p.chunk_v[1] + 2 * HSA_POOL_FIRST_CHUNK);
	}
	assert_int_equal(p.carved, 2);
	assert_int_equal(chunks(&p), 2);
	assert_int_equal(p.available, PER_CHUNK + PER_CHUNK2 - 100 - want);
	/* Reserving what is there already adds nothing. */
	assert_int_equal(hsa_pool_reserve(&p, p.available), 0);
	assert_int_equal(chunks(&p), 2);
	hsa_pool_destroy(&p);
}

/* Chunks double from 64 KiB up to 2 MiB (one huge page), then stay. */
static void chunks_grow_to_a_huge_page(void **state)
{
	struct hsa_pool p;
	size_t want = 0, size = HSA_POOL_FIRST_CHUNK, n;

	(void)state;
	hsa_pool_init(&p, SIZE);
	for (n = 1; n <= 8; n++) {
		assert_int_equal(p.chunk, size);
		want += size / 112;
		assert_int_equal(hsa_pool_reserve(&p, want), 0);
		assert_int_equal(chunks(&p), n);
		assert_int_equal(p.available, want);
		if (size < HSA_POOL_CHUNK)
			size *= 2;
	}
	assert_int_equal(p.chunk, HSA_POOL_CHUNK);
	assert_int_equal(size, (size_t)2 << 20);
	hsa_pool_destroy(&p);
}

/* hsa_pool_ahead(): nothing before the first record, nor while more than
 * a quarter of the chunk is left; then the next chunk, untouched, once;
 * records come from it when the current one is used up; and at three
 * quarters of that one, the chunk after it. */
static void next_chunk_ahead(void **state)
{
	struct hsa_pool p;
	void *addr = NULL;
	/* The record after which at most a quarter of the chunk is left,
	 * in the first chunk and in the second. */
	size_t first = PER_CHUNK - HSA_POOL_FIRST_CHUNK / 4 / 112;
	size_t second = PER_CHUNK2 - 2 * HSA_POOL_FIRST_CHUNK / 4 / 112;
	size_t len = 0, i;
	char *r;

	(void)state;
	hsa_pool_init(&p, SIZE);
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);
	for (i = 1; i < first; i++) {
		assert_non_null(hsa_pool_get(&p));
		assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);
	}
	assert_non_null(hsa_pool_get(&p));
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 1);
	assert_int_equal(chunks(&p), 2);
	assert_ptr_equal(addr, p.chunk_v[1]);
	assert_int_equal(len, 2 * HSA_POOL_FIRST_CHUNK);
	assert_int_equal(p.carved, 1);
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);	/* once */
	for (i = first; i < PER_CHUNK; i++)
		assert_non_null(hsa_pool_get(&p));
	r = hsa_pool_get(&p);
	assert_ptr_equal(r, p.chunk_v[1]);
	assert_int_equal(p.carved, 2);
	for (i = 1; i < second; i++) {
		assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);
		assert_non_null(hsa_pool_get(&p));
	}
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 1);
	assert_ptr_equal(addr, p.chunk_v[2]);
	assert_int_equal(len, 4 * HSA_POOL_FIRST_CHUNK);
	hsa_pool_destroy(&p);
}

/* A reserved chunk is the one given ahead, and no chunk is added. */
static void reserved_chunk_ahead(void **state)
{
	struct hsa_pool p;
	void *addr = NULL;
	size_t len = 0, i, first = PER_CHUNK - HSA_POOL_FIRST_CHUNK / 4 / 112;

	(void)state;
	hsa_pool_init(&p, SIZE);
	assert_non_null(hsa_pool_get(&p));
	assert_int_equal(hsa_pool_reserve(&p, PER_CHUNK + 1), 0);
	assert_int_equal(chunks(&p), 2);
	for (i = 1; i < first; i++) {
		assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);
		assert_non_null(hsa_pool_get(&p));
	}
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 1);
	assert_ptr_equal(addr, p.chunk_v[1]);
	assert_int_equal(len, 2 * HSA_POOL_FIRST_CHUNK);
	assert_int_equal(chunks(&p), 2);
	assert_int_equal(p.carved, 1);
	assert_int_equal(hsa_pool_ahead(&p, &addr, &len), 0);
	hsa_pool_destroy(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(records_distinct_and_aligned),
		cmocka_unit_test(reserve_keeps_the_rest),
		cmocka_unit_test(chunks_grow_to_a_huge_page),
		cmocka_unit_test(next_chunk_ahead),
		cmocka_unit_test(reserved_chunk_ahead),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
