/*
 * pool.c - fixed-size records from chunks of 64 KiB growing to 2 MiB, those
 * in transparent huge pages where the kernel gives them on request (see
 * hsa_pool.h).
 *
 * A chunk is allocated aligned to its size; the 2 MiB ones, so that each
 * can be one huge page, are advised with madvise(MADV_HUGEPAGE); the
 * advice is only that, and its failure changes nothing.  The chunks are
 * listed apart from them (chunk_v), and records are carved from a chunk
 * only once those before it are used up: a chunk reserved but not needed
 * yet is never touched, so it is not resident (with huge pages, touching
 * one byte would make all 2 MiB so).  Chunks are
 * allocated with posix_memalign(), so that the sanitizers and the tests'
 * allocation failures (tests/fault_inject.c) see them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hsa_pool.h"

#define ALIGN	16

void hsa_pool_init(struct hsa_pool *p, size_t size)
{
	p->size = (size + ALIGN - 1) / ALIGN * ALIGN;
	p->free = NULL;
	p->next = p->end = NULL;
	p->available = 0;
	p->chunk = HSA_POOL_FIRST_CHUNK;
	p->chunk_v = NULL;
	p->nchunks = p->carved = p->chunks_cap = p->ahead = 0;
}

/* The size of chunk number i: they double from the first, in the order
 * they were allocated, up to HSA_POOL_CHUNK. */
static size_t chunk_size(size_t i)
{
	size_t size = HSA_POOL_FIRST_CHUNK;

	while (i-- > 0 && size < HSA_POOL_CHUNK)
		size *= 2;
	return size;
}

/* Allocate the next chunk, not touched yet: records are carved from it
 * only when the chunks before it are used up (next_chunk()), so that a
 * reservation makes nothing resident.  0, or -1. */
static int add_chunk(struct hsa_pool *p)
{
	void *m;

	if (p->nchunks == p->chunks_cap) {
		size_t cap = p->chunks_cap ? p->chunks_cap * 2 : 16;
		void **v = realloc(p->chunk_v, cap * sizeof(*v));

		if (!v)
			return -1;
		p->chunk_v = v;
		p->chunks_cap = cap;
	}
	if (posix_memalign(&m, p->chunk, p->chunk) != 0)
		return -1;
#ifdef MADV_HUGEPAGE
	if (p->chunk == HSA_POOL_CHUNK)
		(void)madvise(m, HSA_POOL_CHUNK, MADV_HUGEPAGE);
#endif
	p->chunk_v[p->nchunks++] = m;
	p->available += p->chunk / p->size;
	if (p->chunk < HSA_POOL_CHUNK)
		p->chunk *= 2;
	return 0;
}

/* Carve from the next chunk (allocating it when there is none): 0, or
 * -1.  The one before it has less than a record left. */
static int next_chunk(struct hsa_pool *p)
{
	if (p->carved == p->nchunks && add_chunk(p) != 0)
		return -1;
	p->next = p->chunk_v[p->carved];
	p->end = p->next + chunk_size(p->carved) / p->size * p->size;
	p->carved++;
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
		if (p->next == p->end && next_chunk(p) != 0)
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

int hsa_pool_ahead(struct hsa_pool *p, void **addr, size_t *len)
{
	size_t size;

	if (p->carved == 0 || p->ahead > p->carved)
		return 0;	/* nothing carved yet, or the next given */
	size = chunk_size(p->carved - 1);
	if ((size_t)(p->end - p->next) > size / 4)
		return 0;
	if (p->carved == p->nchunks && add_chunk(p) != 0)
		return -1;
	*addr = p->chunk_v[p->carved];
	*len = chunk_size(p->carved);
	p->ahead = p->carved + 1;
	return 1;
}

void hsa_pool_destroy(struct hsa_pool *p)
{
	size_t i;

	for (i = 0; i < p->nchunks; i++)
		free(p->chunk_v[i]);
	free(p->chunk_v);
	hsa_pool_init(p, p->size);
}
