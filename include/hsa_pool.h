/*
 * hsa_pool.h - records of one size (connections, their handshake histories,
 * history entries) carved out of chunks that grow to 2 MiB and then ask the
 * kernel for transparent huge pages.
 *
 * hsanalyze's tables fill tens of megabytes within the first seconds of a
 * busy capture.  In 4 KiB pages that is a page fault per page, which cost
 * about a sixth of the tracker thread's time on the benchmark trace; a
 * chunk in one huge page is one fault.  Where the kernel does not give
 * huge pages on request (transparent_hugepage "never"), the chunks are
 * ordinary memory.  Records are reused through a free list, so memory
 * follows the most records held at once, not the number ever made.
 */
#ifndef HSA_POOL_H
#define HSA_POOL_H

#include <stddef.h>

/* The largest chunk: one huge page on x86-64 and arm64 (4 KiB base
 * pages).  The first chunk is HSA_POOL_FIRST_CHUNK and each next one
 * twice the last, up to this, so a small capture (or a fuzz input) does
 * not pay for a huge page it does not fill.  A chunk is aligned to its
 * size. */
#define HSA_POOL_CHUNK		((size_t)2 << 20)
#define HSA_POOL_FIRST_CHUNK	((size_t)64 << 10)

struct hsa_pool {
	size_t size;		/* of one record, a multiple of 16 */
	void *free;		/* released records, linked through their
				 * first pointer */
	char *next;		/* the newest chunk's unused part */
	char *end;
	size_t available;	/* records that can be had without a chunk */
	size_t chunk;		/* the size of the next chunk */
	void **chunk_v;		/* every chunk, in the order allocated */
	size_t nchunks;
	size_t carved;		/* chunks records were carved from; the
				 * rest are reserved, untouched */
	size_t ahead;		/* chunks carved or given by hsa_pool_ahead() */
	size_t chunks_cap;
};

/* A pool of records of size bytes (at most the first chunk,
 * HSA_POOL_FIRST_CHUNK). */
void hsa_pool_init(struct hsa_pool *p, size_t size);

/* A record (its contents undefined), or NULL when no chunk can be had. */
void *hsa_pool_get(struct hsa_pool *p);

/* Give a record back for reuse. */
void hsa_pool_put(struct hsa_pool *p, void *rec);

/* Make sure n records can be had without memory: 0, or -1. */
int hsa_pool_reserve(struct hsa_pool *p, size_t n);

/* When the chunk records are carved from is three quarters used: give the
 * address and size of the next one (reserved already, or allocated now,
 * untouched) once, so that another thread may make its pages resident
 * (hsa_reader_populate()) before records are carved from it.  1 when it
 * did, 0 when there is nothing to do, -1 when out of memory. */
int hsa_pool_ahead(struct hsa_pool *p, void **addr, size_t *len);
/* Free every chunk, and every record with them. */
void hsa_pool_destroy(struct hsa_pool *p);

#endif
