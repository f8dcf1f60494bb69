/*
 * community_id.c - the Community ID v1 flow hash of hsa_community_id.h.
 *
 * The hash input, in network byte order and with the endpoints ordered so
 * that the smaller address (then the smaller port) comes first, whichever
 * way the packet went:
 *
 *   seed (2) | addr (4 or 16) | addr (4 or 16) | proto (1) | 0 (1) |
 *   port (2) | port (2)
 *
 * hashed with SHA-1, base64-encoded and prefixed with "1:".  The input is
 * at most 40 bytes, so with SHA-1's padding it is one 64-byte block: the
 * block is built here and given to nettle's compression function,
 * nettle_sha1_compress() (nettle uses the CPU's SHA instructions when it
 * has them), which saves the copying and bookkeeping of sha1_update() and
 * sha1_digest().  The 20-byte digest is base64-encoded here too, seven
 * groups of three bytes written straight into the log line.  SHA-1 itself
 * is not code to write again for one field.
 */
#include "config.h"

#include <endian.h>
#include <nettle/sha1.h>
#include <stdbool.h>
#include <string.h>

#include "hsa_community_id.h"

#define COMMUNITY_ID_VERSION "1:"
#define HASH_INPUT_MAX (2 + 16 + 16 + 2 + 2 + 2)

/* The input, the 0x80 after it and the 8-byte length fit in one block. */
_Static_assert(HASH_INPUT_MAX + 1 + 8 <= SHA1_BLOCK_SIZE,
    "the Community ID's input is one SHA-1 block");

/* FIPS 180-4, 5.3.1: SHA-1's initial hash value. */
static const uint32_t sha1_initial[_SHA1_DIGEST_LENGTH] = {
	0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0
};

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static uint8_t *put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return p + 2;
}

static uint64_t load_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

/* a:aport is the smaller endpoint, or equal: addresses compared as
 * big-endian numbers (as memcmp() would), then ports. */
static bool in_order(bool ipv6, const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	uint64_t ah, bh, al = 0, bl = 0;

	if (ipv6) {
		ah = load_be64(a->bytes);
		bh = load_be64(b->bytes);
		al = load_be64(a->bytes + 8);
		bl = load_be64(b->bytes + 8);
	} else {
		ah = load_be64(a->bytes) >> 32;	/* the rest is zero */
		bh = load_be64(b->bytes) >> 32;
	}
	if (ah != bh)
		return ah < bh;
	if (al != bl)
		return al < bl;
	return aport <= bport;
}

/* The four base64 characters of the three bytes in v (bits 23 to 0). */
static char *put_base64_group(char *p, uint32_t v)
{
	p[0] = base64_alphabet[v >> 18];
	p[1] = base64_alphabet[(v >> 12) & 63];
	p[2] = base64_alphabet[(v >> 6) & 63];
	p[3] = base64_alphabet[v & 63];
	return p + 4;
}

char *hsa_put_community_id(char *p, uint8_t ip_version,
    const struct hsa_addr *a, uint16_t aport, const struct hsa_addr *b,
    uint16_t bport, uint16_t seed)
{
	bool ipv6 = ip_version == 6;
	uint8_t block[SHA1_BLOCK_SIZE] = { 0 }, digest[SHA1_DIGEST_SIZE], *q;
	uint32_t state[_SHA1_DIGEST_LENGTH];
	size_t n;
	int i;

	if (!in_order(ipv6, a, aport, b, bport)) {
		const struct hsa_addr *t = a;
		uint16_t tp = aport;

		a = b;
		b = t;
		aport = bport;
		bport = tp;
	}
	q = put16(block, seed);
	if (ipv6) {
		memcpy(q, a->bytes, 16);
		memcpy(q + 16, b->bytes, 16);
		q += 32;
	} else {
		memcpy(q, a->bytes, 4);
		memcpy(q + 4, b->bytes, 4);
		q += 8;
	}
	*q++ = HSA_IPPROTO_TCP;
	*q++ = 0;
	q = put16(q, aport);
	q = put16(q, bport);
	/* FIPS 180-4, 5.1.1: a 1 bit, zeros, and the length in bits (below
	 * 2^16) in the block's last bytes. */
	n = (size_t)(q - block);
	*q = 0x80;
	put16(block + SHA1_BLOCK_SIZE - 2, (uint16_t)(n * 8));

	memcpy(state, sha1_initial, sizeof(state));
	nettle_sha1_compress(state, block);
	for (i = 0; i < _SHA1_DIGEST_LENGTH; i++) {
		uint32_t be = htobe32(state[i]);

		memcpy(digest + 4 * i, &be, 4);
	}

	memcpy(p, COMMUNITY_ID_VERSION, 2);
	p += 2;
	/* 20 bytes: six groups of three, then two bytes and a '='. */
	for (i = 0; i < 18; i += 3)
		p = put_base64_group(p, (uint32_t)digest[i] << 16 |
		    (uint32_t)digest[i + 1] << 8 | digest[i + 2]);
	put_base64_group(p, (uint32_t)digest[18] << 16 |
	    (uint32_t)digest[19] << 8);
	p[3] = '=';
	return p + 4;
}
