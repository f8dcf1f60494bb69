/*
 * seq.h - TCP sequence-number arithmetic, safe across the 2^32 wrap.
 *
 * Sequence and acknowledgment numbers wrap, so `a < b` is wrong near the
 * wrap point.  As in RFC 1982 serial-number arithmetic, a is before b when
 * the signed 32-bit distance from b to a is negative.
 */
#ifndef HSA_SEQ_H
#define HSA_SEQ_H

#include <stdbool.h>
#include <stdint.h>

static inline bool hsa_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool hsa_seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(b - a) < 0;
}

/* How far apart a and b are, either way round: at most 2^31. */
static inline uint32_t hsa_seq_distance(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	return d <= 0x80000000u ? d : 0u - d;
}

#endif
