/*
 * test_community_id.c - the Community ID v1 flow hash against the values
 * the specification publishes for TCP over IPv4 and IPv6
 * (https://github.com/corelight/community-id-spec, baseline/README.md and
 * baseline/baseline_deflt.json), in both directions of each flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "hsa_community_id.h"

static struct hsa_addr addr(const char *text, uint8_t *version)
{
	struct hsa_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, text, a.bytes) == 1)
		*version = 4;
	else {
		assert_int_equal(inet_pton(AF_INET6, text, a.bytes), 1);
		*version = 6;
	}
	return a;
}

/* The ID of src:sport -> dst:dport, and of the reverse direction, are both
 * want. */
static void check(const char *src, uint16_t sport, const char *dst,
    uint16_t dport, uint16_t seed, const char *want)
{
	char buf[HSA_COMMUNITY_ID_STRLEN];
	uint8_t v1, v2;
	struct hsa_addr s = addr(src, &v1), d = addr(dst, &v2);

	assert_int_equal(v1, v2);
	assert_string_equal(hsa_community_id(v1, &s, sport, &d, dport, seed, buf), want);
	assert_string_equal(hsa_community_id(v1, &d, dport, &s, sport, seed, buf), want);
}

static void test_tcp_ipv4_table(void **state)
{
	(void)state;
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 0, "1:wCb3OG7yAFWelaUydu0D+125CLM=");
}

static void test_tcp_ipv4_seed_1(void **state)
{
	(void)state;
	check("1.2.3.4", 1122, "5.6.7.8", 3344, 1, "1:HhA1B+6CoLbiKPEs5nhNYN4XWfk=");
}

static void test_tcp_ipv4_capture(void **state)
{
	(void)state;
	check("128.232.110.120", 34855, "66.35.250.204", 80, 0,
	    "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

static void test_tcp_ipv6_capture(void **state)
{
	(void)state;
	check("2001:470:e5bf:dead:4957:2174:e82c:4887", 63943,
	    "2607:f8b0:400c:c03::1a", 25, 0, "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ipv4_table),
		cmocka_unit_test(test_tcp_ipv4_seed_1),
		cmocka_unit_test(test_tcp_ipv4_capture),
		cmocka_unit_test(test_tcp_ipv6_capture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
