/*
 * flow_hash.c - SipHash-1-3 of a direction-free 4-tuple.
 *
 * The two endpoints are put in a fixed order before hashing, so both
 * directions of a connection land in the same bucket: the endpoint whose
 * address bytes, then port, compare lower comes first.  SipHash is a keyed
 * function: without the per-run key, an attacker cannot choose ports that
 * collide.
 *
 * What is hashed is the byte string (flow_hash.h)
 *
 *   low address[4 or 16] high address[4 or 16]
 *   low port[2] high port[2] (network order) IP version[1]
 *
 * 13 bytes for IPv4, 37 for IPv6, through standard SipHash-1-3 (Aumasson and
 * Bernstein, "SipHash: a fast short-input PRF"; one compression round per
 * 8-byte block, three finalisation rounds, the length in the last block).
 * The two lengths and the version byte keep 10.0.0.1 apart from a00:1::.
 *
 * Every segment is hashed on the worker thread, so IPv4, nearly all traffic,
 * builds its two 64-bit blocks straight from the addresses and ports and
 * orders the endpoints as integers; IPv6 builds the byte string.  The unit
 * test (tests/unit/test_flow_hash.c) checks both against a byte-wise
 * SipHash.
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

#define IPV4_KEY_LEN	13	/* 4 + 4 + 2 + 2 + 1 */
#define IPV6_KEY_LEN	37	/* 16 + 16 + 2 + 2 + 1 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

struct sip_state {
	uint64_t v0, v1, v2, v3;
};

static inline void sip_round(struct sip_state *v)
{
	v->v0 += v->v1; v->v1 = ROTL(v->v1, 13); v->v1 ^= v->v0;
	v->v0 = ROTL(v->v0, 32);
	v->v2 += v->v3; v->v3 = ROTL(v->v3, 16); v->v3 ^= v->v2;
	v->v0 += v->v3; v->v3 = ROTL(v->v3, 21); v->v3 ^= v->v0;
	v->v2 += v->v1; v->v1 = ROTL(v->v1, 17); v->v1 ^= v->v2;
	v->v2 = ROTL(v->v2, 32);
}

static inline void sip_init(struct sip_state *v,
    const struct hsa_flow_key_secret *s)
{
	v->v0 = 0x736f6d6570736575ull ^ s->k0;
	v->v1 = 0x646f72616e646f6dull ^ s->k1;
	v->v2 = 0x6c7967656e657261ull ^ s->k0;
	v->v3 = 0x7465646279746573ull ^ s->k1;
}

/* One 8-byte block, one compression round (the "1" of 1-3). */
static inline void sip_block(struct sip_state *v, uint64_t m)
{
	v->v3 ^= m;
	sip_round(v);
	v->v0 ^= m;
}

/* After the last block (the one holding the length): three rounds. */
static inline uint64_t sip_final(struct sip_state *v)
{
	v->v2 ^= 0xff;
	sip_round(v);
	sip_round(v);
	sip_round(v);
	return v->v0 ^ v->v1 ^ v->v2 ^ v->v3;
}

/* Written out byte by byte, which compilers turn into one load on
 * little-endian machines. */
static inline uint64_t load_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	    (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* The 32 bits of x in the other byte order (compilers emit one bswap). */
static inline uint32_t swap32(uint32_t x)
{
	return x >> 24 | (x >> 8 & 0xff00u) | (x << 8 & 0xff0000u) | x << 24;
}

/* SipHash-1-3 of the len bytes at in, any len. */
static uint64_t siphash13(const struct hsa_flow_key_secret *s,
    const uint8_t *in, size_t len)
{
	struct sip_state v;
	uint64_t last = (uint64_t)len << 56;
	size_t i, tail = len & 7;

	sip_init(&v, s);
	for (i = 0; i + 8 <= len; i += 8)
		sip_block(&v, load_le64(in + i));
	while (tail-- > 0)
		last |= (uint64_t)in[i + tail] << (8 * tail);
	sip_block(&v, last);
	return sip_final(&v);
}

/* IPv4: the 13-byte string in two blocks, built from integers.  Comparing
 * address << 16 | port with the address read big-endian is comparing the
 * bytes in order, as the IPv6 path does. */
static uint64_t hash_ipv4(const struct hsa_flow_key_secret *s,
    const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	uint64_t ka = (uint64_t)load_be32(a->bytes) << 16 | aport;
	uint64_t kb = (uint64_t)load_be32(b->bytes) << 16 | bport;
	uint64_t la = load_le32(a->bytes), lb = load_le32(b->bytes);
	uint64_t m0, m1;
	struct sip_state v;

	/* The ports' four network-order bytes, read little-endian, are the
	 * two ports as one big-endian 32-bit value byte-swapped. */
	if (ka > kb) {
		m0 = lb | la << 32;
		m1 = swap32((uint32_t)bport << 16 | aport);
	} else {
		m0 = la | lb << 32;
		m1 = swap32((uint32_t)aport << 16 | bport);
	}
	m1 |= (uint64_t)4 << 32 | (uint64_t)IPV4_KEY_LEN << 56;
	sip_init(&v, s);
	sip_block(&v, m0);
	sip_block(&v, m1);
	return sip_final(&v);
}

/* Not inlined, so that the IPv4 path needs no stack frame. */
__attribute__((noinline))
static uint64_t hash_ipv6(const struct hsa_flow_key_secret *s,
    uint8_t ip_version, const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	uint8_t buf[IPV6_KEY_LEN];
	int r = memcmp(a->bytes, b->bytes, sizeof(a->bytes));

	if (r > 0 || (r == 0 && aport > bport)) {
		const struct hsa_addr *t = a;
		uint16_t tp = aport;

		a = b;
		aport = bport;
		b = t;
		bport = tp;
	}
	memcpy(buf, a->bytes, 16);
	memcpy(buf + 16, b->bytes, 16);
	buf[32] = (uint8_t)(aport >> 8);
	buf[33] = (uint8_t)aport;
	buf[34] = (uint8_t)(bport >> 8);
	buf[35] = (uint8_t)bport;
	buf[36] = ip_version;
	return siphash13(s, buf, sizeof(buf));
}

uint64_t hsa_flow_hash(const struct hsa_flow_key_secret *s, uint8_t ip_version,
    const struct hsa_addr *a, uint16_t aport,
    const struct hsa_addr *b, uint16_t bport)
{
	if (ip_version == 4)
		return hash_ipv4(s, a, aport, b, bport);
	return hash_ipv6(s, ip_version, a, aport, b, bport);
}
