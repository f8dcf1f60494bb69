/*
 * extract.h - bounds-checked reads of big-endian fields from captured bytes.
 *
 * A captured packet may end at any byte.  Every field is read through these
 * helpers, which check against the number of captured bytes first.  The check
 * is `off <= len && n <= len - off`, which cannot overflow, rather than
 * computing a pointer past the end.  memcpy-free byte assembly also makes the
 * reads safe on any alignment.
 */
#ifndef HSA_EXTRACT_H
#define HSA_EXTRACT_H

#include <stdbool.h>
#include <stdint.h>

/* True when n bytes starting at off lie inside the len captured bytes. */
static inline bool hsa_have(uint32_t len, uint32_t off, uint32_t n)
{
	return off <= len && n <= len - off;
}

static inline uint8_t hsa_u8(const uint8_t *p, uint32_t off)
{
	return p[off];
}

static inline uint16_t hsa_be16(const uint8_t *p, uint32_t off)
{
	return (uint16_t)((uint16_t)p[off] << 8 | p[off + 1]);
}

static inline uint32_t hsa_be32(const uint8_t *p, uint32_t off)
{
	return (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
	    (uint32_t)p[off + 2] << 8 | (uint32_t)p[off + 3];
}

static inline uint32_t hsa_le32(const uint8_t *p, uint32_t off)
{
	return (uint32_t)p[off + 3] << 24 | (uint32_t)p[off + 2] << 16 |
	    (uint32_t)p[off + 1] << 8 | (uint32_t)p[off];
}

#endif
