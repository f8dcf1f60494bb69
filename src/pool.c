/*
 * pool.c - fixed-size records from chunks of 64 KiB growing to 2 MiB, those
 * in transparent huge pages where the kernel gives them on request (see
 * hsa_pool.h).
 *
 * A chunk is allocated aligned to its size; the 2 MiB ones, so that each
 * can be one huge page, are advised with madvise(MADV_HUGEPAGE); the
 * advice is only that, and its failure changes nothing.  Chunks are
 * allocated with posix_memalign(), so that the sanitizers and the tests'
 * allocation failures (tests/fault_inject.c) see them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hsa_pool.h"

struct hsa_pool_chunk {
	struct hsa_pool_chunk *next;
	/* records follow, from HEADER on */
};

#define ALIGN	16
#define HEADER	ALIGN		/* the chunk header, rounded up */

void hsa_pool_init(struct hsa_pool *p, size_t size)
{
	p->size = (size + ALIGN - 1) / ALIGN * ALIGN;
	p->free = NULL;
	p->next = p->end = NULL;
	p->available = 0;
	p->chunks = NULL;
	p->chunk = HSA_POOL_FIRST_CHUNK;
}

static int add_chunk(struct hsa_pool *p)
{
	void *m;
	struct hsa_pool_chunk *c;

	if (posix_memalign(&m, p->chunk, p->chunk) != 0)
		return -1;
#ifdef MADV_HUGEPAGE
	if (p->chunk == HSA_POOL_CHUNK)
		(void)madvise(m, HSA_POOL_CHUNK, MADV_HUGEPAGE);
#endif
	c = m;
	c->next = p->chunks;
	p->chunks = c;
	/* The records left in the previous chunk go to the free list (they
	 * are counted in available already). */
	while ((size_t)(p->end - p->next) >= p->size) {
		*(void **)p->next = p->free;
		p->free = p->next;
		p->next += p->size;
	}
	p->next = (char *)m + HEADER;
	p->end = (char *)m + p->chunk;
	p->available += (size_t)(p->end - p->next) / p->size;
	if (p->chunk < HSA_POOL_CHUNK)
		p->chunk *= 2;
	return 0;
}

int hsa_pool_reserve(struct hsa_pool *p, size_t n)
{
	while (p->available < n)
		if (add_chunk(p) != 0)
			return -1;
	return 0;
}

void *hsa_pool_get(struct hsa_pool *p)
{
	void *r;

	if (p->free) {
		r = p->free;
		p->free = *(void **)r;
	} else {
		if ((size_t)(p->end - p->next) < p->size && add_chunk(p) != 0)
			return NULL;
		r = p->next;
		p->next += p->size;
	}
	p->available--;
	return r;
}

void hsa_pool_put(struct hsa_pool *p, void *rec)
{
	*(void **)rec = p->free;
	p->free = rec;
	p->available++;
}

void hsa_pool_destroy(struct hsa_pool *p)
{
	struct hsa_pool_chunk *c, *next;

	for (c = p->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	hsa_pool_init(p, p->size);
}
