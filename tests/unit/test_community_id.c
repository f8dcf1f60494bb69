/*
 * test_community_id.c - the Community ID v1 flow hash against the values
 * the specification publishes for TCP over IPv4 and IPv6
 * (https://github.com/corelight/community-id-spec, baseline/README.md and
 * baseline/baseline_deflt.json) and at the edges of its input, in both
 * directions of each flow.
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
	char buf[HSA_COMMUNITY_ID_LEN + 1];
	uint8_t v1, v2;
	struct hsa_addr s = addr(src, &v1), d = addr(dst, &v2);

	assert_int_equal(v1, v2);
	assert_ptr_equal(hsa_put_community_id(buf, v1, &s, sport, &d, dport,
	    seed), buf + HSA_COMMUNITY_ID_LEN);
	buf[HSA_COMMUNITY_ID_LEN] = '\0';
	assert_string_equal(buf, want);
	assert_ptr_equal(hsa_put_community_id(buf, v1, &d, dport, &s, sport,
	    seed), buf + HSA_COMMUNITY_ID_LEN);
	assert_string_equal(buf, want);
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

/* Cases the specification's tables do not cover: the same address at both
 * ends (ordered by port), the ends of the address and port ranges, a seed
 * at its largest.  Expected values from Python's hashlib and base64 over
 * the input the specification defines. */
static void test_tcp_edges(void **state)
{
	(void)state;
	check("10.0.0.1", 80, "10.0.0.1", 8080, 0, "1:NYInnG4ZqIZG6i/y2qSwXnS92RI=");
	check("10.0.0.1", 65535, "10.0.0.1", 0, 0, "1:YBueEUA4ghFv9SnrXVxg2aJo4JQ=");
	check("0.0.0.0", 0, "255.255.255.255", 65535, 65535,
	    "1:+v7t64dUxDvJMpv6RFz4Klvi2DU=");
	check("2001:db8::1", 443, "2001:db8::1", 1024, 0,
	    "1:Ue+30BlpYzXEGqQLFsXoJvq4Qeo=");
	check("::", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, 65535,
	    "1:8ZAJDczodsk4uCmnLDwdysfoRPs=");
	check("2001:db8::2", 1, "2001:db8::1", 1, 7,
	    "1:2cJNK2pwdkzAxsrTMwo6PStnrcI=");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_ipv4_table),
		cmocka_unit_test(test_tcp_ipv4_seed_1),
		cmocka_unit_test(test_tcp_ipv4_capture),
		cmocka_unit_test(test_tcp_ipv6_capture),
		cmocka_unit_test(test_tcp_edges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
