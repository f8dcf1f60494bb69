/*
 * hsa_http.h - the smallest HTTP/1.x server that Prometheus can scrape: one
 * resource (/metrics), GET and HEAD, one request per connection, run from
 * the capture loop on the same thread.
 *
 * Bounded in every direction: a request head of at most HSA_HTTP_MAX_HEAD
 * bytes (no bodies), at most HSA_HTTP_MAX_CLIENTS connections at once (more
 * are closed at once and counted), HSA_HTTP_TIMEOUT_MS for a connection to
 * send its request and take its answer, and HSA_HTTP_MAX_BODY bytes of
 * answer.  Anything else gets 400, an unknown path 404, another method 405.
 */
#ifndef HSA_HTTP_H
#define HSA_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HSA_HTTP_MAX_HEAD	4096
#define HSA_HTTP_MAX_TARGET	256
#define HSA_HTTP_MAX_ACCEPT	512
#define HSA_HTTP_MAX_CLIENTS	8
#define HSA_HTTP_TIMEOUT_MS	5000
/* After the answer, how long the client has to close first (then its side,
 * not this host, holds the connection's TIME-WAIT); past it, we close. */
#define HSA_HTTP_LINGER_MS	1000
#define HSA_HTTP_MAX_BODY	(16u << 20)
#define HSA_HTTP_DEFAULT_HOST	"127.0.0.1"

/* A parsed request head. */
struct hsa_http_request {
	bool head;				/* HEAD rather than GET */
	char path[HSA_HTTP_MAX_TARGET];		/* without the query */
	char accept[HSA_HTTP_MAX_ACCEPT];	/* the Accept header, or "" */
};

/* Parse the request head at the start of buf[0..len).  Returns its length
 * (> 0) once the empty line that ends it is there, 0 when more bytes are
 * needed (and can still fit), or minus the HTTP status to answer with:
 * -400 (malformed, too long, a body announced), -405 (not GET or HEAD). */
int hsa_http_parse(const char *buf, size_t len, struct hsa_http_request *req);

/* Writes the body of /metrics for a request whose Accept header value is
 * accept (maybe ""), and says its Content-Type; 0 or -1. */
typedef int (*hsa_http_render)(void *ctx, const char *accept, FILE *body,
    const char **content_type);

struct hsa_http_client {
	int fd;				/* -1: a free slot */
	int64_t deadline_ms;
	size_t in_len;
	char in[HSA_HTTP_MAX_HEAD];
	char *out;			/* the whole answer */
	size_t out_len;
	size_t out_done;
	bool sent;			/* all of it: waiting for the client's FIN */
};

/* Answers by status, and connections turned away or timed out. */
struct hsa_http_stats {
	uint64_t ok;
	uint64_t bad_request;
	uint64_t not_found;
	uint64_t bad_method;
	uint64_t failed;		/* 500: the body could not be made */
	uint64_t turned_away;		/* all slots busy */
	uint64_t timed_out;
	uint64_t closed_first;		/* answered, but the client did not close
					 * within HSA_HTTP_LINGER_MS */
};

struct hsa_http_server {
	int fd;
	hsa_http_render render;
	void *ctx;
	struct hsa_http_client clients[HSA_HTTP_MAX_CLIENTS];
	struct hsa_http_stats stats;
};

/* Listen on spec: "PORT" (on 127.0.0.1), "ADDR:PORT" or "[IPV6]:PORT",
 * numeric addresses only.  0, or -1 with the cause in err. */
int hsa_http_listen(struct hsa_http_server *s, const char *spec,
    hsa_http_render render, void *ctx, char *err, size_t errlen);

/* Accept, read, answer and write whatever is ready, waiting at most
 * timeout_ms for something to be (0: not at all).  Never blocks longer. */
void hsa_http_service(struct hsa_http_server *s, int timeout_ms);

void hsa_http_close(struct hsa_http_server *s);

#endif
