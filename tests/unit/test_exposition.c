/*
 * test_exposition.c - unit tests for the metrics writer (src/exposition.c):
 * exact output in both formats for counters, gauges and histograms, value
 * spellings, label escaping, and Accept-header negotiation.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "hsa_expo.h"

/* Run fn with a writer on a memory stream; returns what it wrote. */
static char *render(enum hsa_expo_format f, void (*fn)(struct hsa_expo *))
{
	struct hsa_expo e;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	assert_non_null(m);
	hsa_expo_begin(&e, m, f);
	fn(&e);
	assert_int_equal(hsa_expo_end(&e), 0);
	fclose(m);
	return buf;
}

static void counter_and_gauge(struct hsa_expo *e)
{
	static const struct hsa_expo_label l[] = {
		{ "handshake", "complete" }, { "close", "fin" },
	};

	hsa_expo_family(e, "hsanalyze_connections", HSA_EXPO_COUNTER,
	    "Connections reported.");
	hsa_expo_sample(e, l, 2, 1000);
	hsa_expo_family(e, "hsanalyze_time_wait", HSA_EXPO_GAUGE,
	    "Sockets in TIME-WAIT now.");
	hsa_expo_sample(e, NULL, 0, 0.25);
}

static void test_prometheus_text(void **state)
{
	char *s = render(HSA_EXPO_PROMETHEUS, counter_and_gauge);

	(void)state;
	assert_string_equal(s,
	    "# HELP hsanalyze_connections_total Connections reported.\n"
	    "# TYPE hsanalyze_connections_total counter\n"
	    "hsanalyze_connections_total{handshake=\"complete\",close=\"fin\"} 1000\n"
	    "# HELP hsanalyze_time_wait Sockets in TIME-WAIT now.\n"
	    "# TYPE hsanalyze_time_wait gauge\n"
	    "hsanalyze_time_wait 0.25\n");
	free(s);
}

static void test_openmetrics(void **state)
{
	char *s = render(HSA_EXPO_OPENMETRICS, counter_and_gauge);

	(void)state;
	assert_string_equal(s,
	    "# HELP hsanalyze_connections Connections reported.\n"
	    "# TYPE hsanalyze_connections counter\n"
	    "hsanalyze_connections_total{handshake=\"complete\",close=\"fin\"} 1000\n"
	    "# HELP hsanalyze_time_wait Sockets in TIME-WAIT now.\n"
	    "# TYPE hsanalyze_time_wait gauge\n"
	    "hsanalyze_time_wait 0.25\n"
	    "# EOF\n");
	free(s);
}

static void histogram(struct hsa_expo *e)
{
	static const double bounds[] = { 0.0001, 0.001, 1 };
	static const uint64_t counts[] = { 2, 0, 3, 1 };
	static const struct hsa_expo_label l[] = { { "server_port", "80" } };

	hsa_expo_family(e, "rtt_seconds", HSA_EXPO_HISTOGRAM, "RTT.");
	hsa_expo_histogram(e, l, 1, bounds, counts, 3, 2.5);
}

static void test_histogram_prometheus(void **state)
{
	char *s = render(HSA_EXPO_PROMETHEUS, histogram);

	(void)state;
	assert_string_equal(s,
	    "# HELP rtt_seconds RTT.\n"
	    "# TYPE rtt_seconds histogram\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"0.0001\"} 2\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"0.001\"} 2\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"1\"} 5\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"+Inf\"} 6\n"
	    "rtt_seconds_sum{server_port=\"80\"} 2.5\n"
	    "rtt_seconds_count{server_port=\"80\"} 6\n");
	free(s);
}

static void test_histogram_openmetrics(void **state)
{
	char *s = render(HSA_EXPO_OPENMETRICS, histogram);

	(void)state;
	assert_string_equal(s,
	    "# HELP rtt_seconds RTT.\n"
	    "# TYPE rtt_seconds histogram\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"0.0001\"} 2\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"0.001\"} 2\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"1.0\"} 5\n"
	    "rtt_seconds_bucket{server_port=\"80\",le=\"+Inf\"} 6\n"
	    "rtt_seconds_sum{server_port=\"80\"} 2.5\n"
	    "rtt_seconds_count{server_port=\"80\"} 6\n"
	    "# EOF\n");
	free(s);
}

static void values(struct hsa_expo *e)
{
	hsa_expo_family(e, "v", HSA_EXPO_GAUGE, "Back\\slash\nand \"quotes\".");
	hsa_expo_sample(e, NULL, 0, 0.1);
	hsa_expo_sample(e, NULL, 0, 1.0 / 3);
	hsa_expo_sample(e, NULL, 0, -7);
	hsa_expo_sample(e, NULL, 0, 1e20);
	hsa_expo_sample(e, NULL, 0, 18446744073709551615.0);
	hsa_expo_sample(e, NULL, 0, INFINITY);
	hsa_expo_sample(e, NULL, 0, -INFINITY);
	hsa_expo_sample(e, NULL, 0, NAN);
}

static void test_values_and_help(void **state)
{
	char *s = render(HSA_EXPO_PROMETHEUS, values);

	(void)state;
	assert_string_equal(s,
	    "# HELP v Back\\\\slash\\nand \"quotes\".\n"
	    "# TYPE v gauge\n"
	    "v 0.1\n"
	    "v 0.3333333333333333\n"
	    "v -7\n"
	    "v 1e+20\n"
	    "v 1.8446744073709552e+19\n"
	    "v +Inf\n"
	    "v -Inf\n"
	    "v NaN\n");
	free(s);
	s = render(HSA_EXPO_OPENMETRICS, values);
	assert_non_null(strstr(s, "# HELP v Back\\\\slash\\nand \\\"quotes\\\".\n"));
	free(s);
}

static void escaped_label(struct hsa_expo *e)
{
	static const struct hsa_expo_label l[] = { { "a", "x\\y\"z\nw" } };

	hsa_expo_family(e, "c", HSA_EXPO_GAUGE, "h");
	hsa_expo_sample(e, l, 1, 1);
}

static void test_label_escaping(void **state)
{
	char *s = render(HSA_EXPO_PROMETHEUS, escaped_label);

	(void)state;
	assert_string_equal(s, "# HELP c h\n# TYPE c gauge\n"
	    "c{a=\"x\\\\y\\\"z\\nw\"} 1\n");
	free(s);
}

static void test_negotiate(void **state)
{
	(void)state;
	assert_int_equal(hsa_expo_negotiate(NULL), HSA_EXPO_PROMETHEUS);
	assert_int_equal(hsa_expo_negotiate(""), HSA_EXPO_PROMETHEUS);
	assert_int_equal(hsa_expo_negotiate("text/plain"), HSA_EXPO_PROMETHEUS);
	assert_int_equal(hsa_expo_negotiate("*/*"), HSA_EXPO_PROMETHEUS);
	/* What Prometheus 2.x sends. */
	assert_int_equal(hsa_expo_negotiate(
	    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
	    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"),
	    HSA_EXPO_OPENMETRICS);
	assert_int_equal(hsa_expo_negotiate("text/plain, Application/OpenMetrics-Text"),
	    HSA_EXPO_OPENMETRICS);
	assert_int_equal(hsa_expo_negotiate("application/openmetrics-text;q=0"),
	    HSA_EXPO_PROMETHEUS);
	assert_int_equal(hsa_expo_negotiate("application/openmetrics-textual"),
	    HSA_EXPO_PROMETHEUS);
	assert_string_equal(hsa_expo_content_type(HSA_EXPO_PROMETHEUS),
	    "text/plain; version=0.0.4; charset=utf-8");
	assert_string_equal(hsa_expo_content_type(HSA_EXPO_OPENMETRICS),
	    "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus_text),
		cmocka_unit_test(test_openmetrics),
		cmocka_unit_test(test_histogram_prometheus),
		cmocka_unit_test(test_histogram_openmetrics),
		cmocka_unit_test(test_values_and_help),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_negotiate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
