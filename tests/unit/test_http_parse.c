/*
 * test_http_parse.c - unit tests for the HTTP request-head parser of the
 * metrics server (hsa_http_parse in src/http_server.c): what it accepts,
 * what it answers 400 or 405 to, and when it waits for more bytes.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hsa_http.h"

static int parse(const char *s, struct hsa_http_request *req)
{
	return hsa_http_parse(s, strlen(s), req);
}

static void test_prometheus_scrape(void **state)
{
	static const char head[] =
	    "GET /metrics HTTP/1.1\r\n"
	    "Host: 127.0.0.1:9813\r\n"
	    "User-Agent: Prometheus/2.42.0\r\n"
	    "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n"
	    "X-Prometheus-Scrape-Timeout-Seconds: 10\r\n"
	    "\r\n";
	struct hsa_http_request req;

	(void)state;
	assert_int_equal(parse(head, &req), (int)strlen(head));
	assert_false(req.head);
	assert_string_equal(req.path, "/metrics");
	assert_string_equal(req.accept,
	    "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5");
}

static void test_minimal_and_variants(void **state)
{
	struct hsa_http_request req;

	(void)state;
	assert_int_equal(parse("GET /metrics HTTP/1.0\n\n", &req), 23);
	assert_string_equal(req.accept, "");
	assert_int_equal(parse("HEAD /metrics?x=1 HTTP/1.1\r\n\r\n", &req), 30);
	assert_true(req.head);
	assert_string_equal(req.path, "/metrics");
	assert_int_equal(parse("GET / HTTP/1.1\r\nAccept: a\r\naccept:  b \r\n\r\n", &req), 42);
	assert_string_equal(req.path, "/");
	assert_string_equal(req.accept, "a, b");
	assert_int_equal(parse("GET /m HTTP/1.1\r\nContent-Length: 0\r\n\r\nrest", &req), 38);
}

static void test_incomplete(void **state)
{
	struct hsa_http_request req;

	(void)state;
	assert_int_equal(parse("", &req), 0);
	assert_int_equal(parse("GET /metrics HTTP/1.1", &req), 0);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\n", &req), 0);
	assert_int_equal(parse("GET /metrics HTTP/1.1\r\nHost: x\r\n\r", &req), 0);
}

static void test_bad_requests(void **state)
{
	static const char *const bad[] = {
		"\r\n",
		"GET  /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics  HTTP/1.1\r\n\r\n",
		"GET metrics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/2.0\r\n\r\n",
		"GET /metrics HTTP/1.1 \r\n\r\n",
		"GET /metrics\r\n\r\n",
		"GET /met\001rics HTTP/1.1\r\n\r\n",
		"G(T /metrics HTTP/1.1\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET /metrics HTTP/1.1\r\n: empty name\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nHost: a\rb\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nContent-Length: 5\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET /metrics HTTP/1.1\r\nBad Name: x\r\n\r\n",
	};
	struct hsa_http_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &req) != -400)
			fail_msg("not answered 400: case %zu", i);
	}
}

static void test_bad_method(void **state)
{
	struct hsa_http_request req;

	(void)state;
	assert_int_equal(parse("POST /metrics HTTP/1.1\r\n\r\n", &req), -405);
	assert_int_equal(parse("get /metrics HTTP/1.1\r\n\r\n", &req), -405);
	/* Known as soon as the request line is whole. */
	assert_int_equal(parse("DELETE /metrics HTTP/1.1\r\n", &req), -405);
}

static void test_limits(void **state)
{
	struct hsa_http_request req;
	char *buf = malloc(HSA_HTTP_MAX_HEAD + 64);
	size_t n;

	(void)state;
	/* A head that never ends within the limit. */
	n = (size_t)sprintf(buf, "GET /metrics HTTP/1.1\r\nX: ");
	memset(buf + n, 'a', HSA_HTTP_MAX_HEAD + 10 - n);
	assert_int_equal(hsa_http_parse(buf, HSA_HTTP_MAX_HEAD - 1, &req), 0);
	assert_int_equal(hsa_http_parse(buf, HSA_HTTP_MAX_HEAD, &req), -400);
	assert_int_equal(hsa_http_parse(buf, HSA_HTTP_MAX_HEAD + 10, &req), -400);
	/* A target one byte too long, and one that fits. */
	n = (size_t)sprintf(buf, "GET /");
	memset(buf + n, 'p', HSA_HTTP_MAX_TARGET - 1);
	strcpy(buf + n + HSA_HTTP_MAX_TARGET - 1, " HTTP/1.1\r\n\r\n");
	assert_int_equal(parse(buf, &req), -400);
	strcpy(buf + n + HSA_HTTP_MAX_TARGET - 2, " HTTP/1.1\r\n\r\n");
	assert_true(parse(buf, &req) > 0);
	assert_int_equal(strlen(req.path), HSA_HTTP_MAX_TARGET - 1);
	/* An Accept header too long to keep. */
	n = (size_t)sprintf(buf, "GET /metrics HTTP/1.1\r\nAccept: ");
	memset(buf + n, 'a', HSA_HTTP_MAX_ACCEPT);
	strcpy(buf + n + HSA_HTTP_MAX_ACCEPT, "\r\n\r\n");
	assert_int_equal(parse(buf, &req), -400);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prometheus_scrape),
		cmocka_unit_test(test_minimal_and_variants),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_bad_requests),
		cmocka_unit_test(test_bad_method),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
