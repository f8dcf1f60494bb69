/*
 * test_format.c - times, numbers, durations and addresses as reports write
 * them (format.c): exact strings at the edges (the epoch, leap days, year
 * boundaries, before 1970, the ends of the int64_t nanosecond range, 0 and
 * UINT64_MAX, negative durations, IPv6 addresses of every shape), and
 * agreement with the C library (gmtime_r(), strftime(), printf(),
 * inet_ntop()) over the whole range.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "hsa_format.h"

#define NS 1000000000LL

/* hsa_put_time() as a string. */
static const char *put_time(int64_t ts, bool nano, char *buf)
{
	char *end = hsa_put_time(buf, ts, nano);

	assert_true(end - buf <= HSA_TIME_MAXLEN);
	*end = '\0';
	return buf;
}

static void check_time(int64_t ts, bool nano, const char *want)
{
	char buf[HSA_TIME_MAXLEN + 1], small[HSA_TIME_STRLEN];

	assert_string_equal(put_time(ts, nano, buf), want);
	assert_string_equal(hsa_format_time(ts, nano, small, sizeof(small)), want);
}

static void test_time_exact(void **state)
{
	(void)state;
	check_time(0, true, "1970-01-01T00:00:00.000000000Z");
	check_time(0, false, "1970-01-01T00:00:00.000000Z");
	check_time(1, true, "1970-01-01T00:00:00.000000001Z");
	check_time(999, false, "1970-01-01T00:00:00.000000Z");
	check_time(1000, false, "1970-01-01T00:00:00.000001Z");
	check_time(1700000000 * NS + 123456000, false,
	    "2023-11-14T22:13:20.123456Z");
	/* Before 1970: the fraction counts forward from the second before. */
	check_time(-1, true, "1969-12-31T23:59:59.999999999Z");
	check_time(-1, false, "1969-12-31T23:59:59.999999Z");
	check_time(-NS, true, "1969-12-31T23:59:59.000000000Z");
	check_time(-86400 * NS, false, "1969-12-31T00:00:00.000000Z");
	check_time(-86400 * NS - 1, false, "1969-12-30T23:59:59.999999Z");
	/* Year boundaries. */
	check_time(946684799 * NS + 999999999, true,
	    "1999-12-31T23:59:59.999999999Z");
	check_time(946684800 * NS, true, "2000-01-01T00:00:00.000000000Z");
	check_time(1704067199 * NS, false, "2023-12-31T23:59:59.000000Z");
	check_time(1704067200 * NS, false, "2024-01-01T00:00:00.000000Z");
	/* Leap days: 2000 (divisible by 400) has one, 2100 (by 100) not,
	 * 2024 (by 4) has one, 2023 not. */
	check_time(951782400 * NS, false, "2000-02-29T00:00:00.000000Z");
	check_time(951868800 * NS, false, "2000-03-01T00:00:00.000000Z");
	check_time(1709164800 * NS, false, "2024-02-29T00:00:00.000000Z");
	check_time(1709251199 * NS, false, "2024-02-29T23:59:59.000000Z");
	check_time(1677628800 * NS, false, "2023-03-01T00:00:00.000000Z");
	check_time(4107456000LL * NS, false, "2100-02-28T00:00:00.000000Z");
	check_time(4107542400LL * NS, false, "2100-03-01T00:00:00.000000Z");
	check_time(-2203891200LL * NS, false, "1900-03-01T00:00:00.000000Z");
	/* The ends of the range. */
	check_time(INT64_MAX, true, "2262-04-11T23:47:16.854775807Z");
	check_time(INT64_MIN, true, "1677-09-21T00:12:43.145224192Z");
	check_time(INT64_MIN, false, "1677-09-21T00:12:43.145224Z");
}

/* hsa_format_time() cuts to fit, as snprintf() would. */
static void test_time_cut(void **state)
{
	char buf[8];

	(void)state;
	assert_string_equal(hsa_format_time(0, false, buf, sizeof(buf)),
	    "1970-01");
	assert_string_equal(hsa_format_time(0, false, buf, 1), "");
	buf[0] = 'x';
	hsa_format_time(0, false, buf, 0);
	assert_int_equal(buf[0], 'x');
}

/* The C library's answer, for comparison. */
static const char *libc_time(int64_t ts, bool nano, char *buf, size_t len)
{
	int64_t sec = ts / NS, frac = ts % NS;
	time_t t;
	struct tm tm;
	size_t n;

	if (frac < 0) {
		frac += NS;
		sec--;
	}
	t = (time_t)sec;
	assert_non_null(gmtime_r(&t, &tm));
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_true(n > 0);
	if (nano)
		snprintf(buf + n, len - n, ".%09lldZ", (long long)frac);
	else
		snprintf(buf + n, len - n, ".%06lldZ", (long long)(frac / 1000));
	return buf;
}

/* A fixed sequence (xorshift64*), so a failure can be repeated. */
static uint64_t next_random(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ULL;
}

static void test_time_matches_libc(void **state)
{
	char want[64], got[HSA_TIME_MAXLEN + 1];
	uint64_t seed = 1;
	int64_t ts;
	int i, d;

	(void)state;
	/* Every day from 1900 to 2110, at its first and last nanosecond. */
	for (d = -25567; d < 51500; d++) {
		ts = (int64_t)d * 86400 * NS;
		assert_string_equal(put_time(ts, true, got),
		    libc_time(ts, true, want, sizeof(want)));
		assert_string_equal(put_time(ts - 1, false, got),
		    libc_time(ts - 1, false, want, sizeof(want)));
	}
	/* Anywhere in the range. */
	for (i = 0; i < 200000; i++) {
		ts = (int64_t)next_random(&seed);
		assert_string_equal(put_time(ts, i & 1, got),
		    libc_time(ts, i & 1, want, sizeof(want)));
	}
}

static void check_uint(uint64_t v)
{
	char buf[HSA_UINT_MAXLEN + 1], want[32];

	snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
	*hsa_put_uint(buf, v) = '\0';
	assert_string_equal(buf, want);
}

static void test_uint(void **state)
{
	char buf[HSA_UINT_MAXLEN + 1], want[32];
	uint64_t seed = 7, v;
	int i;

	(void)state;
	*hsa_put_uint(buf, 0) = '\0';
	assert_string_equal(buf, "0");
	*hsa_put_uint(buf, UINT64_MAX) = '\0';
	assert_string_equal(buf, "18446744073709551615");
	/* Every change in the number of digits, and 32 bits' end. */
	for (v = 1; v <= UINT64_MAX / 10; v *= 10) {
		check_uint(v - 1);
		check_uint(v);
		check_uint(v + 1);
	}
	check_uint(v);
	check_uint(UINT32_MAX);
	check_uint((uint64_t)UINT32_MAX + 1);
	check_uint(99999999ULL * 100000000ULL + 99999999ULL);
	check_uint(100000000ULL * 100000000ULL);
	check_uint(UINT64_MAX - 1);
	for (i = 0; i < 100000; i++) {
		v = next_random(&seed) >> (i % 64);
		snprintf(want, sizeof(want), "%llu", (unsigned long long)v);
		*hsa_put_uint(buf, v) = '\0';
		assert_string_equal(buf, want);
	}
}

static void check_ms(int64_t ns, const char *want)
{
	char buf[HSA_MS_MAXLEN + 1], *end = hsa_put_ms(buf, ns);

	assert_true(end - buf <= HSA_MS_MAXLEN);
	*end = '\0';
	assert_string_equal(buf, want);
}

static void test_ms(void **state)
{
	(void)state;
	check_ms(0, "0");
	check_ms(1, "0.000001");
	check_ms(10, "0.00001");
	check_ms(100000, "0.1");
	check_ms(999999, "0.999999");
	check_ms(1000000, "1");
	check_ms(20375000, "20.375");
	check_ms(1000000000, "1000");
	check_ms(1000000001, "1000.000001");
	check_ms(-1, "-0.000001");
	check_ms(-20375000, "-20.375");
	check_ms(-3000000, "-3");
	check_ms(INT64_MAX, "9223372036854.775807");
	check_ms(INT64_MIN, "-9223372036854.775808");
}

/* hsa_put_addr() and hsa_format_addr() against inet_ntop(). */
static void check_addr(uint8_t version, const uint8_t *bytes)
{
	struct hsa_addr a;
	char want[INET6_ADDRSTRLEN], got[HSA_ADDR_MAXLEN + 1], *end;
	char small[HSA_ADDR_STRLEN];

	memset(&a, 0, sizeof(a));
	memcpy(a.bytes, bytes, version == 6 ? 16 : 4);
	assert_non_null(inet_ntop(version == 6 ? AF_INET6 : AF_INET, a.bytes,
	    want, sizeof(want)));
	end = hsa_put_addr(got, version, &a);
	assert_true(end - got <= HSA_ADDR_MAXLEN);
	*end = '\0';
	assert_string_equal(got, want);
	assert_string_equal(hsa_format_addr(version, &a, small, sizeof(small)),
	    want);
}

static void check_addr_text(const char *text)
{
	uint8_t b[16];

	if (inet_pton(AF_INET, text, b) == 1)
		check_addr(4, b);
	else {
		assert_int_equal(inet_pton(AF_INET6, text, b), 1);
		check_addr(6, b);
	}
}

static void test_addr_exact(void **state)
{
	static const char *const shapes[] = {
		"0.0.0.0", "255.255.255.255", "10.0.0.1", "192.168.100.200",
		"::", "::1", "1::", "::2:3", "2001:db8::1", "2001:db8::1:0:0:1",
		"2001:db8:0:0:1::1", "2001:db8::a:b", "fe80::1:2:3:4",
		"2001:db8:1:2:3:4:5:6", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"0:1:0:1:0:1:0:1", "1:0:1:0:1:0:1:0", "1:0:0:1:0:0:1:1",
		"0:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:0", "1:2:3::", "1:2:3:4:5:6::",
		"::ffff:192.0.2.1", "::ffff:0.0.0.0", "::192.0.2.1",
		"::0.0.1.0", "::ffff:1:2", "0:0:0:0:0:1:1.2.3.4",
		"64:ff9b::c000:201", "abcd:ef01:2345:6789:abcd:ef01:2345:6789",
		"a:bc:def:1000:100:10:1:0",
	};
	struct hsa_addr a;
	char buf[HSA_ADDR_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		check_addr_text(shapes[i]);
	/* Exact strings, as RFC 5952 and glibc write them. */
	memset(&a, 0, sizeof(a));
	assert_string_equal(hsa_format_addr(6, &a, buf, sizeof(buf)), "::");
	a.bytes[15] = 1;
	assert_string_equal(hsa_format_addr(6, &a, buf, sizeof(buf)), "::1");
	a.bytes[10] = a.bytes[11] = 0xff;
	assert_string_equal(hsa_format_addr(6, &a, buf, sizeof(buf)),
	    "::ffff:0.0.0.1");
	memcpy(a.bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\x01\0\0\0\0\0\x01", 16);
	assert_string_equal(hsa_format_addr(6, &a, buf, sizeof(buf)),
	    "2001:db8::1:0:0:1");
	/* Too small a buffer: "?", as when inet_ntop() fails. */
	assert_string_equal(hsa_format_addr(6, &a, buf, 8), "?");
	memcpy(a.bytes, "\xc0\x00\x02\x01", 4);
	assert_string_equal(hsa_format_addr(4, &a, buf, sizeof(buf)), "192.0.2.1");
	assert_string_equal(hsa_format_addr(4, &a, buf, 9), "?");
}

/* Every arrangement of zero and non-zero groups (where the runs of zeros
 * are and which is longest), with 0xffff and small values among them, and
 * random addresses. */
static void test_addr_matches_libc(void **state)
{
	static const unsigned values[] = { 1, 0xffff, 0xa, 0x1234 };
	uint8_t b[16];
	uint64_t seed = 3, r;
	int mask, i, v;

	(void)state;
	for (mask = 0; mask < 256; mask++)
		for (v = 0; v < 4; v++) {
			for (i = 0; i < 8; i++) {
				unsigned g = mask & (1 << i) ?
				    values[(v + i) % 4] : 0;

				b[2 * i] = (uint8_t)(g >> 8);
				b[2 * i + 1] = (uint8_t)g;
			}
			check_addr(6, b);
		}
	for (i = 0; i < 100000; i++) {
		r = next_random(&seed);
		memcpy(b, &r, 8);
		r = next_random(&seed);
		memcpy(b + 8, &r, 8);
		/* Some zero groups, often. */
		if (i & 1)
			memset(b + 2 * (i % 6), 0, 2 * (1 + i % 3));
		check_addr(i % 4 ? 6 : 4, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_exact),
		cmocka_unit_test(test_time_cut),
		cmocka_unit_test(test_time_matches_libc),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_ms),
		cmocka_unit_test(test_addr_exact),
		cmocka_unit_test(test_addr_matches_libc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
