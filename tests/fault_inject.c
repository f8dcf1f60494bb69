/*
 * fault_inject.c - an LD_PRELOAD library for the tests: makes chosen calls
 * of hsanalyze fail at a moment the test chooses, so that the paths taken
 * when memory runs out can be tested on the program as shipped (nothing in
 * src/ knows about this).
 *
 *   HSA_FAIL_CONN_ALLOC="FIRST COUNT"
 *	the allocations of a connection (malloc(sizeof(struct hsa_conn)),
 *	tracker.c) number FIRST to FIRST + COUNT - 1, counted from 1, return
 *	NULL with errno ENOMEM.  Every other allocation is left alone.
 *
 * Under AddressSanitizer, the sanitizer's own malloc is the one called
 * (dlsym RTLD_NEXT); run with ASAN_OPTIONS=verify_asan_link_order=0, as
 * this library comes before the sanitizer's in the lookup order.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "hsa_conn.h"

static void *(*real_malloc)(size_t);
static atomic_ulong conn_allocs;
static unsigned long fail_first, fail_count;

__attribute__((constructor)) static void fault_inject_init(void)
{
	const char *s = getenv("HSA_FAIL_CONN_ALLOC");

	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	if (s && sscanf(s, "%lu %lu", &fail_first, &fail_count) != 2)
		fail_first = fail_count = 0;
}

void *malloc(size_t n)
{
	if (!real_malloc)	/* before the constructor ran: no fault yet */
		real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	if (n == sizeof(struct hsa_conn) && fail_count) {
		unsigned long i = atomic_fetch_add(&conn_allocs, 1) + 1;

		if (i >= fail_first && i - fail_first < fail_count) {
			errno = ENOMEM;
			return NULL;
		}
	}
	return real_malloc(n);
}
