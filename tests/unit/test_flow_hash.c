/*
 * test_flow_hash.c - the tracker's flow hash (src/flow_hash.c): exactly
 * SipHash-1-3 of the byte string flow_hash.h documents, the same in both
 * directions, and IPv4 kept apart from IPv6 with the same bytes.
 *
 * The reference here is SipHash-1-3 written byte by byte from the paper
 * (Aumasson and Bernstein), itself checked against the values of the
 * reference implementation (github.com/veorq/SipHash, a zero key and the
 * message 00 01 02 ...), so that the IPv4 path, which builds its blocks from
 * integers, is compared with the definition and not with itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "flow_hash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void ref_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0]; v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2]; v[2] = ROTL(v[2], 32);
}

/* SipHash-1-3: the message padded with zeros to 8 bytes short of a multiple
 * of 8, its length mod 256 in the last byte, little-endian blocks. */
static uint64_t ref_siphash13(uint64_t k0, uint64_t k1, const uint8_t *in,
    size_t len)
{
	uint8_t padded[128] = { 0 };
	size_t n = (len / 8 + 1) * 8, i, j;
	uint64_t v[4] = {
		0x736f6d6570736575ull ^ k0, 0x646f72616e646f6dull ^ k1,
		0x6c7967656e657261ull ^ k0, 0x7465646279746573ull ^ k1,
	};

	assert_true(n <= sizeof(padded));
	memcpy(padded, in, len);
	padded[n - 1] = (uint8_t)len;
	for (i = 0; i < n; i += 8) {
		uint64_t m = 0;

		for (j = 0; j < 8; j++)
			m |= (uint64_t)padded[i + j] << (8 * j);
		v[3] ^= m;
		ref_round(v);
		v[0] ^= m;
	}
	v[2] ^= 0xff;
	ref_round(v);
	ref_round(v);
	ref_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static void test_reference_vectors(void **state)
{
	static const struct {
		size_t len;
		uint64_t want;
	} vec[] = {
		{ 0, 0xd1fba762150c532cull },
		{ 1, 0x68a914128e01e473ull },
		{ 7, 0x2f098ab0c751325aull },
		{ 8, 0xead411e67ebe2eeaull },
		{ 13, 0xa0cf3211850f8e0dull },
		{ 37, 0x422a9751192ff266ull },
		{ 63, 0x385d3e39e5f37359ull },
	};
	uint8_t msg[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++)
		assert_int_equal(ref_siphash13(0, 0, msg, vec[i].len), vec[i].want);
}

static struct hsa_addr addr(int af, const char *text)
{
	struct hsa_addr a;

	memset(&a, 0, sizeof(a));
	assert_int_equal(inet_pton(af, text, a.bytes), 1);
	return a;
}

/* The string flow_hash.h defines, lo given first. */
static size_t key_string(uint8_t *out, uint8_t version,
    const struct hsa_addr *lo, uint16_t loport,
    const struct hsa_addr *hi, uint16_t hiport)
{
	size_t alen = version == 4 ? 4 : 16;

	memcpy(out, lo->bytes, alen);
	memcpy(out + alen, hi->bytes, alen);
	out[2 * alen] = (uint8_t)(loport >> 8);
	out[2 * alen + 1] = (uint8_t)loport;
	out[2 * alen + 2] = (uint8_t)(hiport >> 8);
	out[2 * alen + 3] = (uint8_t)hiport;
	out[2 * alen + 4] = version;
	return 2 * alen + 5;
}

static const struct hsa_flow_key_secret keys[] = {
	{ 0, 0 },
	{ 0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull },
	{ 0xfedcba9876543210ull, 0x8000000000000001ull },
};

/* hsa_flow_hash of both directions equals the reference hash of the string
 * with lo first, under every key. */
static void check(uint8_t version, const struct hsa_addr *lo, uint16_t loport,
    const struct hsa_addr *hi, uint16_t hiport)
{
	uint8_t s[64];
	size_t n = key_string(s, version, lo, loport, hi, hiport), i;

	assert_int_equal(n, version == 4 ? 13 : 37);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint64_t want = ref_siphash13(keys[i].k0, keys[i].k1, s, n);

		assert_int_equal(hsa_flow_hash(&keys[i], version, lo, loport,
		    hi, hiport), want);
		assert_int_equal(hsa_flow_hash(&keys[i], version, hi, hiport,
		    lo, loport), want);
	}
}

static void test_ipv4(void **state)
{
	struct hsa_addr a = addr(AF_INET, "10.0.0.1");
	struct hsa_addr b = addr(AF_INET, "10.0.0.2");
	struct hsa_addr c = addr(AF_INET, "192.168.255.254");
	struct hsa_addr d = addr(AF_INET, "1.2.3.255");
	struct hsa_addr e = addr(AF_INET, "2.2.3.0");

	(void)state;
	check(4, &a, 50000, &b, 443);
	check(4, &a, 443, &b, 50000);
	check(4, &d, 65535, &c, 1);
	/* The first byte decides, not the last (byte order). */
	check(4, &d, 80, &e, 80);
	/* The same address: the lower port first. */
	check(4, &a, 80, &a, 50000);
	check(4, &a, 0x00ff, &a, 0xff00);
	check(4, &a, 7, &a, 7);
}

static void test_ipv6(void **state)
{
	struct hsa_addr a = addr(AF_INET6, "2001:db8::1");
	struct hsa_addr b = addr(AF_INET6, "2001:db8::2");
	struct hsa_addr c = addr(AF_INET6, "fe80::ffff:1");

	(void)state;
	check(6, &a, 50000, &b, 443);
	check(6, &b, 1, &c, 1);
	check(6, &a, 80, &a, 50000);
}

/* 10.0.0.1 and a00:1:: are the same 16 bytes in struct hsa_addr (IPv4
 * zero-filled): still different flows. */
static void test_ipv4_not_ipv6(void **state)
{
	struct hsa_addr v4a = addr(AF_INET, "10.0.0.1");
	struct hsa_addr v4b = addr(AF_INET, "10.0.0.2");
	struct hsa_addr v6a = addr(AF_INET6, "a00:1::");
	struct hsa_addr v6b = addr(AF_INET6, "a00:2::");
	size_t i;

	(void)state;
	assert_memory_equal(v4a.bytes, v6a.bytes, sizeof(v4a.bytes));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_not_equal(
		    hsa_flow_hash(&keys[i], 4, &v4a, 1000, &v4b, 80),
		    hsa_flow_hash(&keys[i], 6, &v6a, 1000, &v6b, 80));
}

/* Another key, another hash: the key is really used. */
static void test_keyed(void **state)
{
	struct hsa_addr a = addr(AF_INET, "10.0.0.1");
	struct hsa_addr b = addr(AF_INET, "10.0.0.2");
	struct hsa_flow_key_secret s1, s2;

	(void)state;
	hsa_flow_hash_seed(&s1);
	s2 = s1;
	s2.k1 ^= 1;
	assert_int_not_equal(hsa_flow_hash(&s1, 4, &a, 1, &b, 2),
	    hsa_flow_hash(&s2, 4, &a, 1, &b, 2));
	s2 = s1;
	s2.k0 ^= 1ull << 63;
	assert_int_not_equal(hsa_flow_hash(&s1, 4, &a, 1, &b, 2),
	    hsa_flow_hash(&s2, 4, &a, 1, &b, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reference_vectors),
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv4_not_ipv6),
		cmocka_unit_test(test_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
