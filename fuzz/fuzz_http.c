/*
 * fuzz_http.c - libFuzzer target for the metrics server's request parser
 * (hsa_http_parse in src/http_server.c).  The input is the bytes a client
 * sent.  Besides crashes and undefined behaviour, it checks what must hold
 * for any input:
 *
 *   - the result is 0 (more bytes needed), -400, -405, or a head length
 *     within the input and within HSA_HTTP_MAX_HEAD;
 *   - 0 only while the input is shorter than HSA_HTTP_MAX_HEAD: a client
 *     cannot keep a slot by sending an endless head;
 *   - a parsed request has a path starting with '/' and no query, and
 *     strings that end within their buffers;
 *   - the head alone parses the same, and the head minus its last byte
 *     waits for more: bytes after the head change nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hsa_http_request req, again;
	const char *buf = (const char *)data;
	int rc = hsa_http_parse(buf, size, &req);

	CHECK(rc == 0 || rc == -400 || rc == -405 || rc > 0);
	if (rc == 0)
		CHECK(size < HSA_HTTP_MAX_HEAD);
	if (rc <= 0)
		return 0;
	CHECK((size_t)rc <= size && rc <= HSA_HTTP_MAX_HEAD);
	CHECK(memchr(req.path, '\0', sizeof(req.path)) != NULL);
	CHECK(memchr(req.accept, '\0', sizeof(req.accept)) != NULL);
	CHECK(req.path[0] == '/' && !strchr(req.path, '?'));
	CHECK(hsa_http_parse(buf, (size_t)rc, &again) == rc);
	CHECK(again.head == req.head && !strcmp(again.path, req.path) &&
	    !strcmp(again.accept, req.accept));
	CHECK(hsa_http_parse(buf, (size_t)rc - 1, &again) == 0);
	return 0;
}
