/*
 * fault_inject.c - an LD_PRELOAD library for the tests: makes chosen calls
 * of hsanalyze fail, or a signal arrive, at a moment the test chooses, so
 * that the paths taken when memory runs out or a signal comes late can be
 * tested on the program as shipped (nothing in src/ knows about this).
 *
 *   HSA_FAIL_CONN_ALLOC="FIRST COUNT"
 *	the allocations of the tracker's record chunks (posix_memalign() of
 *	a chunk aligned to its size, at least HSA_POOL_FIRST_CHUNK bytes,
 *	pool.c: connections, history entries and the
 *	out-of-line handshake histories, the memory a new connection or a
 *	retransmitted SYN needs) number FIRST to FIRST + COUNT - 1,
 *	counted from 1, fail with ENOMEM.  Every other allocation is left
 *	alone.
 *   HSA_FAIL_THREAD=N
 *	the Nth pthread_create() (from 1; reading a file, the worker thread
 *	is the first) fails with EAGAIN: its stages then run on the thread
 *	that asked for it.  With
 *	HSA_FAULT_LOG=FILE, the failure is written to FILE as the line
 *	"pthread_create N: EAGAIN", so a test knows it happened.
 *   HSA_SIGINT_AFTER_RENAME=NAME
 *	once rename() has put a file named NAME (the last component of its
 *	new path) in place, raise SIGINT: a Ctrl-C just after the report was
 *	committed.
 *
 * Under AddressSanitizer, the sanitizer's own posix_memalign is the one called
 * (dlsym RTLD_NEXT); run with ASAN_OPTIONS=verify_asan_link_order=0, as
 * this library comes before the sanitizer's in the lookup order.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_pool.h"

static int (*real_posix_memalign)(void **, size_t, size_t);
static int (*real_rename)(const char *, const char *);
static atomic_ulong conn_allocs;
static unsigned long fail_first, fail_count;
static const char *rename_signal;
static int (*real_pthread_create)(pthread_t *, const pthread_attr_t *,
    void *(*)(void *), void *);
static atomic_ulong thread_creates;
static unsigned long fail_thread;

__attribute__((constructor)) static void fault_inject_init(void)
{
	const char *s = getenv("HSA_FAIL_CONN_ALLOC");

	real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT,
	    "posix_memalign");
	real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	if (s && sscanf(s, "%lu %lu", &fail_first, &fail_count) != 2)
		fail_first = fail_count = 0;
	rename_signal = getenv("HSA_SIGINT_AFTER_RENAME");
	s = getenv("HSA_FAIL_THREAD");
	if (s && sscanf(s, "%lu", &fail_thread) != 1)
		fail_thread = 0;
}

int posix_memalign(void **m, size_t align, size_t n)
{
	if (!real_posix_memalign)
		real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(
		    RTLD_NEXT, "posix_memalign");
	if (align == n && n >= HSA_POOL_FIRST_CHUNK && fail_count) {
		unsigned long i = atomic_fetch_add(&conn_allocs, 1) + 1;

		if (i >= fail_first && i - fail_first < fail_count)
			return ENOMEM;
	}
	return real_posix_memalign(m, align, n);
}

int rename(const char *from, const char *to)
{
	const char *base;
	int r;

	if (!real_rename)
		real_rename = (int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	r = real_rename(from, to);
	base = strrchr(to, '/');
	base = base ? base + 1 : to;
	if (r == 0 && rename_signal && !strcmp(base, rename_signal))
		raise(SIGINT);
	return r;
}

int pthread_create(pthread_t *t, const pthread_attr_t *attr,
    void *(*start)(void *), void *arg)
{
	if (!real_pthread_create)
		real_pthread_create = (int (*)(pthread_t *,
		    const pthread_attr_t *, void *(*)(void *), void *))dlsym(
		    RTLD_NEXT, "pthread_create");
	if (fail_thread && atomic_fetch_add(&thread_creates, 1) + 1 == fail_thread) {
		const char *log = getenv("HSA_FAULT_LOG");
		FILE *f = log ? fopen(log, "a") : NULL;

		if (f) {
			fprintf(f, "pthread_create %lu: EAGAIN\n", fail_thread);
			fclose(f);
		}
		return EAGAIN;
	}
	return real_pthread_create(t, attr, start, arg);
}
