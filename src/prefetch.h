/*
 * prefetch.h - asking for memory ahead of its use.
 *
 * Reading a file, the worker and the tracker hand batches to each other
 * (batch_queue.h): every slot one of them writes was last read by the
 * other, on the other core.  A store to such a line waits for the line to
 * come back, and stores leave the core in order, so every store behind it
 * waits too, and so does any load that needs one of them (a record libpcap
 * has just copied, then decoded).  Asking for the line for writing a few
 * slots ahead lets those waits overlap.
 */
#ifndef HSA_PREFETCH_H
#define HSA_PREFETCH_H

#include <stdbool.h>
#include <stddef.h>

#define HSA_CACHE_LINE	64

/* A function whose only effect is a prefetch has no effect as far as the
 * compiler knows: GCC drops a call to one it does not inline at once.  So
 * prefetching helpers are always inlined. */
#define HSA_PREFETCHER static inline __attribute__((always_inline)) void

/* The line at p, for writing (PREFETCHW: a no-op on x86 processors that
 * lack it). */
HSA_PREFETCHER hsa_prefetch_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1);
#endif
}

/* The line at p, for writing or for reading. */
HSA_PREFETCHER hsa_prefetch_line(const void *p, bool write)
{
	if (write)
		hsa_prefetch_write(p);
	else
		__builtin_prefetch(p);
}

/* Every line of the len bytes at p (len > 0), for writing or for
 * reading. */
HSA_PREFETCHER hsa_prefetch_range(const void *p, size_t len, bool write)
{
	const char *c = p;
	size_t off;

	for (off = 0; off < len; off += HSA_CACHE_LINE)
		hsa_prefetch_line(c + off, write);
	hsa_prefetch_line(c + len - 1, write);
}

#endif
