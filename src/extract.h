/*
 * extract.h - bounds-checked reads of fields from captured bytes.
 *
 * A captured packet may end at any byte.  Every accessor takes the number of
 * captured bytes and checks the field against it itself, as tcpdump's GET_
 * macros do, so a read past the end cannot be written by accident: a field
 * that is not all there reads as 0.  Decoders still ask hsa_have() first,
 * because a missing field is a counted result (truncated), not a zero; the
 * accessor's own check is what makes a forgotten hsa_have() harmless.
 *
 * The check is `off <= len && n <= len - off`, which cannot overflow, rather
 * than computing a pointer past the end.  Byte-by-byte assembly makes the
 * reads safe on any alignment and independent of the host's byte order.
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

/* The byte at off of the len bytes at p; 0 past the end. */
static inline uint8_t hsa_u8(const uint8_t *p, uint32_t len, uint32_t off)
{
	return hsa_have(len, off, 1) ? p[off] : 0;
}

/* Big-endian (network order) 16 and 32 bits at off; 0 past the end. */
static inline uint16_t hsa_be16(const uint8_t *p, uint32_t len, uint32_t off)
{
	if (!hsa_have(len, off, 2))
		return 0;
	return (uint16_t)((uint16_t)p[off] << 8 | p[off + 1]);
}

static inline uint32_t hsa_be32(const uint8_t *p, uint32_t len, uint32_t off)
{
	if (!hsa_have(len, off, 4))
		return 0;
	return (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
	    (uint32_t)p[off + 2] << 8 | (uint32_t)p[off + 3];
}

/* Little-endian 16 and 32 bits at off (capture file headers, BSD loopback
 * families); 0 past the end. */
static inline uint16_t hsa_le16(const uint8_t *p, uint32_t len, uint32_t off)
{
	if (!hsa_have(len, off, 2))
		return 0;
	return (uint16_t)((uint16_t)p[off + 1] << 8 | p[off]);
}

static inline uint32_t hsa_le32(const uint8_t *p, uint32_t len, uint32_t off)
{
	if (!hsa_have(len, off, 4))
		return 0;
	return (uint32_t)p[off + 3] << 24 | (uint32_t)p[off + 2] << 16 |
	    (uint32_t)p[off + 1] << 8 | (uint32_t)p[off];
}

#endif
