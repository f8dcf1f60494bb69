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
 * hashed with SHA-1, base64-encoded and prefixed with "1:".  SHA-1 and
 * base64 come from nettle (GnuTLS's cryptographic library, a Debian
 * package every distribution carries): a hash function is not code to
 * write again for one field.
 */
#include "config.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <string.h>

#include "hsa_community_id.h"

#define COMMUNITY_ID_VERSION "1:"
#define HASH_INPUT_MAX (2 + 16 + 16 + 2 + 2 + 2)

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

char *hsa_community_id(uint8_t ip_version, const struct hsa_addr *a,
    uint16_t aport, const struct hsa_addr *b, uint16_t bport, uint16_t seed,
    char *buf)
{
	size_t alen = ip_version == 6 ? 16 : 4, n = 0;
	uint8_t in[HASH_INPUT_MAX], digest[SHA1_DIGEST_SIZE];
	struct sha1_ctx ctx;
	int order = memcmp(a->bytes, b->bytes, alen);

	/* The smaller endpoint first (addresses, then ports). */
	if (order > 0 || (order == 0 && aport > bport)) {
		const struct hsa_addr *t = a;
		uint16_t tp = aport;

		a = b;
		b = t;
		aport = bport;
		bport = tp;
	}
	n += put16(in + n, seed);
	memcpy(in + n, a->bytes, alen);
	n += alen;
	memcpy(in + n, b->bytes, alen);
	n += alen;
	in[n++] = HSA_IPPROTO_TCP;
	in[n++] = 0;
	n += put16(in + n, aport);
	n += put16(in + n, bport);

	sha1_init(&ctx);
	sha1_update(&ctx, n, in);
	sha1_digest(&ctx, sizeof(digest), digest);

	memcpy(buf, COMMUNITY_ID_VERSION, 2);
	base64_encode_raw(buf + 2, sizeof(digest), digest);
	buf[2 + BASE64_ENCODE_RAW_LENGTH(sizeof(digest))] = '\0';
	return buf;
}
