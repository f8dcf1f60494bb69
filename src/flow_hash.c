/*
 * flow_hash.c - SipHash-1-3 of a direction-free 4-tuple.
 *
 * The two endpoints are put in a fixed order (the smaller address and port
 * first) before hashing, so both directions of a connection land in the same
 * bucket.  SipHash is a keyed function: without the per-run key, an attacker
 * cannot choose ports that collide.
 */
#include "config.h"

#include <string.h>
#ifdef HAVE_GETRANDOM
#include <sys/random.h>
#endif
#include <time.h>
#include <unistd.h>

#include "flow_hash.h"

void hsa_flow_hash_seed(struct hsa_flow_key_secret *s)
{
	uint64_t k[2];

#ifdef HAVE_GETRANDOM
	if (getrandom(k, sizeof(k), 0) != (ssize_t)sizeof(k))
#endif
	{
		/* No entropy source: fall back to something per run. */
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
		k[1] = (uint64_t)ts.tv_sec * 0xc2b2ae3d27d4eb4full ^ (uint64_t)time(NULL);
	}
	s->k0 = k[0];
	s->k1 = k[1];
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND							\
	do {								\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* Written out byte by byte, which compilers turn into one load on
 * little-endian machines; the loop it replaces cost a third of the hash
 * (bench/README). */
static uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

/* SipHash-1-3 of len bytes, len a multiple of 8 (the caller pads). */
static uint64_t siphash13(const struct hsa_flow_key_secret *s,
    const uint8_t *in, size_t len)
{
	uint64_t v0 = 0x736f6d6570736575ull ^ s->k0;
	uint64_t v1 = 0x646f72616e646f6dull ^ s->k1;
	uint64_t v2 = 0x6c7967656e657261ull ^ s->k0;
	uint64_t v3 = 0x7465646279746573ull ^ s->k1;
	uint64_t m;
	size_t i;

	for (i = 0; i < len; i += 8) {
		m = load_le64(in + i);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = (uint64_t)len << 56;
	v3 ^= m;
	SIPROUND;
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

static int endpoint_cmp(const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	int r = memcmp(a->bytes, b->bytes, 16);

	return r != 0 ? r : (int)aport - (int)bport;
}

uint64_t hsa_flow_hash(const struct hsa_flow_key_secret *s, uint8_t ip_version,
    const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	uint8_t buf[40] = { 0 };
	size_t n;

	if (endpoint_cmp(a, aport, b, bport) > 0) {
		const struct hsa_addr *t = a;
		uint16_t tp = aport;

		a = b;
		aport = bport;
		b = t;
		bport = tp;
	}
	/* IPv4 hashes 16 bytes (2 SipHash blocks), IPv6 40 (5 blocks). */
	if (ip_version == 4) {
		memcpy(buf, a->bytes, 4);
		memcpy(buf + 4, b->bytes, 4);
		n = 8;
	} else {
		memcpy(buf, a->bytes, 16);
		memcpy(buf + 16, b->bytes, 16);
		n = 32;
	}
	buf[n] = (uint8_t)(aport >> 8);
	buf[n + 1] = (uint8_t)aport;
	buf[n + 2] = (uint8_t)(bport >> 8);
	buf[n + 3] = (uint8_t)bport;
	buf[n + 4] = ip_version;	/* 10.0.0.1 is not a00:1:: */
	return siphash13(s, buf, n + 8);
}
