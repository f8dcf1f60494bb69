/*
 * http_server.c - a small, single-threaded HTTP/1.x server for /metrics.
 *
 * Why our own rather than a library: the capture loop is single-threaded and
 * already waits on a descriptor, Prometheus needs one resource over plain
 * HTTP/1.1, and a parser of one request line and a few headers is short
 * enough to read whole and to fuzz (fuzz/fuzz_http.c), with no new run-time
 * dependency for the package.  Everything is bounded (see hsa_http.h); each
 * answer closes its connection (Connection: close), so there is no
 * keep-alive state to get wrong.  The client closes first: the answer has a
 * Content-Length, so an HTTP client (Prometheus, curl) closes once it has
 * read it, and the server closes only after that FIN.  So the connection's
 * TIME-WAIT is on the scraper's side, as for any client that closes first,
 * and a scrape every few seconds leaves none on the host being watched
 * (where hsanalyze counts them).  A client that waits for the server to
 * close is closed after HSA_HTTP_LINGER_MS.  The request head follows RFC 9112 section 2-3 strictly: single
 * spaces in the request line, token header names, no obsolete line folding,
 * no control characters, no body.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hsa_http.h"

#define METRICS_PATH	"/metrics"
#define LISTEN_BACKLOG	16
/* Connections accepted per call, so that a flood cannot hold the loop. */
#define ACCEPTS_PER_CALL	(2 * HSA_HTTP_MAX_CLIENTS)
/* Reads of what a client sends after its answer, per call. */
#define DRAIN_READS_PER_CALL	8

/* RFC 9110 section 5.6.2: tchar. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* A header value character: visible, blank, or obs-text (RFC 9110 5.5). */
static bool is_field_char(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_name(const char *s, size_t len, const char *name)
{
	return strlen(name) == len && !strncasecmp(s, name, len);
}

/* The request line "METHOD SP TARGET SP HTTP/1.x"; 0 or minus a status. */
static int parse_request_line(const char *s, size_t len,
    struct hsa_http_request *req)
{
	const char *sp1 = memchr(s, ' ', len), *sp2, *q;
	size_t mlen, tlen, plen;

	if (!sp1 || sp1 == s)
		return -400;
	mlen = (size_t)(sp1 - s);
	for (size_t i = 0; i < mlen; i++)
		if (!is_tchar((unsigned char)s[i]))
			return -400;
	sp2 = memchr(sp1 + 1, ' ', len - mlen - 1);
	if (!sp2)
		return -400;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (tlen == 0 || tlen >= HSA_HTTP_MAX_TARGET || sp1[1] != '/')
		return -400;
	for (size_t i = 0; i < tlen; i++)
		if ((unsigned char)sp1[1 + i] <= 0x20 || (unsigned char)sp1[1 + i] >= 0x7f)
			return -400;
	if (len - (size_t)(sp2 + 1 - s) != 8 ||
	    (memcmp(sp2 + 1, "HTTP/1.1", 8) && memcmp(sp2 + 1, "HTTP/1.0", 8)))
		return -400;
	q = memchr(sp1 + 1, '?', tlen);
	plen = q ? (size_t)(q - sp1 - 1) : tlen;
	memcpy(req->path, sp1 + 1, plen);
	req->path[plen] = '\0';
	if (mlen == 3 && !memcmp(s, "GET", 3))
		req->head = false;
	else if (mlen == 4 && !memcmp(s, "HEAD", 4))
		req->head = true;
	else
		return -405;
	return 0;
}

/* One header line "NAME: VALUE"; 0 or minus a status. */
static int parse_header(const char *s, size_t len, struct hsa_http_request *req)
{
	const char *colon = memchr(s, ':', len), *v, *end = s + len;
	size_t nlen, vlen, have;

	if (!colon || colon == s)
		return -400;
	nlen = (size_t)(colon - s);
	for (size_t i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)s[i]))
			return -400;
	for (v = colon + 1; v < end; v++)
		if (!is_field_char((unsigned char)*v))
			return -400;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
	if (is_name(s, nlen, "Transfer-Encoding") ||
	    (is_name(s, nlen, "Content-Length") && !(vlen == 1 && *v == '0')))
		return -400;	/* a body: nothing here takes one */
	if (is_name(s, nlen, "Accept")) {
		/* Repeated headers are one list (RFC 9110 5.3). */
		have = strlen(req->accept);
		if (have + (have ? 2 : 0) + vlen >= sizeof(req->accept))
			return -400;
		if (have) {
			memcpy(req->accept + have, ", ", 2);
			have += 2;
		}
		memcpy(req->accept + have, v, vlen);
		req->accept[have + vlen] = '\0';
	}
	return 0;
}

int hsa_http_parse(const char *buf, size_t len, struct hsa_http_request *req)
{
	size_t pos = 0, limit = len < HSA_HTTP_MAX_HEAD ? len : HSA_HTTP_MAX_HEAD;
	int rc;

	memset(req, 0, sizeof(*req));
	for (;;) {
		const char *nl = memchr(buf + pos, '\n', limit - pos);
		size_t line_len;

		if (!nl)
			return len >= HSA_HTTP_MAX_HEAD ? -400 : 0;
		line_len = (size_t)(nl - (buf + pos));
		if (line_len && buf[pos + line_len - 1] == '\r')
			line_len--;
		if (line_len == 0) {
			if (pos == 0)
				return -400;
			return (int)(nl - buf + 1);
		}
		if (pos == 0)
			rc = parse_request_line(buf, line_len, req);
		else if (buf[pos] == ' ' || buf[pos] == '\t')
			rc = -400;	/* obsolete line folding */
		else
			rc = parse_header(buf + pos, line_len, req);
		if (rc)
			return rc;
		pos = (size_t)(nl - buf) + 1;
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Split "PORT", "ADDR:PORT" or "[ADDR]:PORT"; 0 or -1. */
static int split_spec(const char *spec, char *host, size_t hostlen,
    char *port, size_t portlen)
{
	const char *p, *colon;
	size_t n;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return -1;
		n = (size_t)(close - spec - 1);
		if (n == 0 || n >= hostlen)
			return -1;
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		p = close + 2;
	} else if ((colon = strrchr(spec, ':'))) {
		n = (size_t)(colon - spec);
		if (n == 0 || n >= hostlen || memchr(spec, ':', n))
			return -1;
		memcpy(host, spec, n);
		host[n] = '\0';
		p = colon + 1;
	} else {
		snprintf(host, hostlen, "%s", HSA_HTTP_DEFAULT_HOST);
		p = spec;
	}
	n = strlen(p);
	if (n == 0 || n >= portlen || n > 5 || strspn(p, "0123456789") != n ||
	    atoi(p) < 1 || atoi(p) > 65535)
		return -1;
	memcpy(port, p, n + 1);
	return 0;
}

int hsa_http_listen(struct hsa_http_server *s, const char *spec,
    hsa_http_render render, void *ctx, char *err, size_t errlen)
{
	struct addrinfo hints, *ai = NULL;
	char host[64], port[8];
	int one = 1, rc, i;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->render = render;
	s->ctx = ctx;
	for (i = 0; i < HSA_HTTP_MAX_CLIENTS; i++)
		s->clients[i].fd = -1;
	if (split_spec(spec, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(err, errlen, "not PORT, ADDRESS:PORT or [IPV6]:PORT");
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	s->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(s->fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(s->fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		freeaddrinfo(ai);
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		return -1;
	}
	freeaddrinfo(ai);
	return 0;
}

static void drop_client(struct hsa_http_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->out);
	c->fd = -1;
	c->out = NULL;
	c->in_len = c->out_len = c->out_done = 0;
	c->sent = false;
}

static const char *reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	default: return "Internal Server Error";
	}
}

/* The whole answer in c->out: status line, headers, body unless HEAD. */
static void answer(struct hsa_http_client *c, int status,
    const char *content_type, const char *body, size_t body_len, bool head)
{
	FILE *f = open_memstream(&c->out, &c->out_len);

	if (!f) {
		c->out = NULL;
		c->out_len = 0;
		return;
	}
	fprintf(f, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "%sConnection: close\r\n\r\n", status, reason(status), content_type,
	    body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head)
		fwrite(body, 1, body_len, f);
	if (fclose(f) != 0) {
		free(c->out);
		c->out = NULL;
		c->out_len = 0;
	}
}

static void answer_error(struct hsa_http_server *s, struct hsa_http_client *c,
    int status)
{
	const char *text;

	switch (status) {
	case 404:
		s->stats.not_found++;
		text = "not found: the metrics are at " METRICS_PATH "\n";
		break;
	case 405:
		s->stats.bad_method++;
		text = "method not allowed: use GET or HEAD\n";
		break;
	case 400:
		s->stats.bad_request++;
		text = "bad request\n";
		break;
	default:
		s->stats.failed++;
		text = "the metrics could not be made\n";
		break;
	}
	answer(c, status, "text/plain; charset=utf-8", text, strlen(text), false);
}

static void answer_request(struct hsa_http_server *s, struct hsa_http_client *c,
    const struct hsa_http_request *req)
{
	const char *type = "text/plain; charset=utf-8";
	char *body = NULL;
	size_t len = 0;
	FILE *f;
	int rc = -1;

	if (strcmp(req->path, METRICS_PATH)) {
		answer_error(s, c, 404);
		return;
	}
	if ((f = open_memstream(&body, &len))) {
		rc = s->render(s->ctx, req->accept, f, &type);
		if (fclose(f) != 0)
			rc = -1;
	}
	if (rc != 0 || len > HSA_HTTP_MAX_BODY)
		answer_error(s, c, 500);
	else {
		s->stats.ok++;
		answer(c, 200, type, body, len, req->head);
	}
	free(body);
}

static void accept_clients(struct hsa_http_server *s, int64_t now)
{
	int n, fd, i;

	for (n = 0; n < ACCEPTS_PER_CALL; n++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < HSA_HTTP_MAX_CLIENTS && s->clients[i].fd >= 0; i++)
			;
		if (i == HSA_HTTP_MAX_CLIENTS) {
			s->stats.turned_away++;
			close(fd);
			continue;
		}
		s->clients[i].fd = fd;
		s->clients[i].deadline_ms = now + HSA_HTTP_TIMEOUT_MS;
	}
}

/* Read what is there and, once the head is whole or wrong, answer. */
static void read_request(struct hsa_http_server *s, struct hsa_http_client *c)
{
	struct hsa_http_request req;
	ssize_t r;
	int rc;

	r = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		drop_client(c);
		return;
	}
	if (r < 0)
		return;
	c->in_len += (size_t)r;
	rc = hsa_http_parse(c->in, c->in_len, &req);
	if (rc == 0)
		return;
	if (rc > 0)
		answer_request(s, c, &req);
	else
		answer_error(s, c, -rc);
	if (!c->out)		/* out of memory: nothing to send */
		drop_client(c);
}

/* Answered: read (and drop) whatever the client still sends until its
 * FIN, then close: the client closed first. */
static void await_close(struct hsa_http_client *c)
{
	char sink[512];
	ssize_t r = -1;
	int i;

	/* A few reads per call, so that a flood cannot hold the loop. */
	for (i = 0; i < DRAIN_READS_PER_CALL; i++)
		if ((r = recv(c->fd, sink, sizeof(sink), 0)) <= 0)
			break;
	if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		drop_client(c);
}

/* Send what is left of the answer; then wait for the client to close. */
static void write_answer(struct hsa_http_client *c, int64_t now)
{
	ssize_t w = send(c->fd, c->out + c->out_done, c->out_len - c->out_done,
	    MSG_NOSIGNAL);

	if (w < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			drop_client(c);
		return;
	}
	c->out_done += (size_t)w;
	if (c->out_done == c->out_len) {
		c->sent = true;
		c->deadline_ms = now + HSA_HTTP_LINGER_MS;
		await_close(c);		/* its FIN may be there already */
	}
}

void hsa_http_service(struct hsa_http_server *s, int timeout_ms)
{
	struct pollfd fds[1 + HSA_HTTP_MAX_CLIENTS];
	int slot[1 + HSA_HTTP_MAX_CLIENTS];
	int n = 0, i;
	int64_t now;

	if (s->fd < 0)
		return;
	fds[n].fd = s->fd;
	fds[n].events = POLLIN;
	slot[n++] = -1;
	for (i = 0; i < HSA_HTTP_MAX_CLIENTS; i++) {
		if (s->clients[i].fd < 0)
			continue;
		fds[n].fd = s->clients[i].fd;
		fds[n].events = s->clients[i].out && !s->clients[i].sent ?
		    POLLOUT : POLLIN;
		slot[n++] = i;
	}
	if (poll(fds, (nfds_t)n, timeout_ms) < 0)
		return;
	now = now_ms();
	for (i = 1; i < n; i++) {
		struct hsa_http_client *c = &s->clients[slot[i]];

		if (c->sent) {
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
				await_close(c);
		} else {
			if (fds[i].revents & (POLLIN | POLLHUP | POLLERR) && !c->out)
				read_request(s, c);
			if (c->fd >= 0 && c->out)
				write_answer(c, now);
		}
		if (c->fd >= 0 && now > c->deadline_ms) {
			if (c->sent) {
				s->stats.closed_first++;
				shutdown(c->fd, SHUT_WR);
			} else
				s->stats.timed_out++;
			drop_client(c);
		}
	}
	if (fds[0].revents & POLLIN)
		accept_clients(s, now);
}

void hsa_http_close(struct hsa_http_server *s)
{
	int i;

	if (s->fd < 0)		/* never listened: the slots were not set up */
		return;
	for (i = 0; i < HSA_HTTP_MAX_CLIENTS; i++)
		if (s->clients[i].fd >= 0)
			drop_client(&s->clients[i]);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
