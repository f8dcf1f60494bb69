/*
 * json_writer.c - see json_writer.h.
 *
 * Each value makes room once for its key, separator and digits, and writes
 * them in place: the connection log writes some 70 values per line, and a
 * bounds check and a copy call per punctuation mark cost more than the
 * values themselves.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json_writer.h"

void hsa_jw_init(struct hsa_jw *w)
{
	memset(w, 0, sizeof(*w));
}

void hsa_jw_reset(struct hsa_jw *w)
{
	w->len = 0;
	w->need_comma = false;
	w->failed = false;
}

void hsa_jw_free(struct hsa_jw *w)
{
	free(w->buf);
	hsa_jw_init(w);
}

static bool reserve(struct hsa_jw *w, size_t n)
{
	size_t cap;
	char *b;

	if (w->failed)
		return false;
	if (w->len + n <= w->cap)
		return true;
	cap = w->cap ? w->cap : 1024;
	while (cap < w->len + n)
		cap *= 2;
	if (!(b = realloc(w->buf, cap))) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void raw(struct hsa_jw *w, const char *s, size_t n)
{
	if (w->len + n > w->cap && !reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

/* Room for a comma, the quoted key k (n bytes) and its colon, and `more`
 * bytes after them; they are written, and the position after them is
 * returned (NULL when out of memory). */
static char *key_n(struct hsa_jw *w, const char *k, size_t n, size_t more)
{
	char *b;

	if (w->len + n + 4 + more > w->cap && !reserve(w, n + 4 + more))
		return NULL;
	b = w->buf + w->len;
	if (w->need_comma)
		*b++ = ',';
	if (k) {
		/* Keys are the report's own names: nothing to escape. */
		*b++ = '"';
		memcpy(b, k, n);
		b += n;
		*b++ = '"';
		*b++ = ':';
	}
	w->need_comma = true;
	return b;
}

/* The key k and room for `more` bytes after it (see key_n()). */
static char *key_room(struct hsa_jw *w, const char *k, size_t more)
{
	return key_n(w, k, k ? strlen(k) : 0, more);
}

static void key(struct hsa_jw *w, const char *k)
{
	char *b = key_room(w, k, 0);

	if (b)
		w->len = (size_t)(b - w->buf);
}

/* A JSON string: quotes, backslashes and control characters escaped; the
 * runs between them are copied whole. */
static void quoted(struct hsa_jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *run = p;
	char esc[6] = { '\\', 'u', '0', '0', 0, 0 };

	raw(w, "\"", 1);
	for (; *p; p++) {
		if (*p != '"' && *p != '\\' && *p >= 0x20)
			continue;
		raw(w, (const char *)run, (size_t)(p - run));
		if (*p == '"' || *p == '\\') {
			esc[1] = (char)*p;
			raw(w, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			raw(w, esc, 6);
		}
		run = p + 1;
	}
	raw(w, (const char *)run, (size_t)(p - run));
	raw(w, "\"", 1);
}

/* True when s needs no escaping; *n is its length. */
static bool plain_string(const char *s, size_t *n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++)
		if (*p == '"' || *p == '\\' || *p < 0x20)
			return false;
	*n = (size_t)(p - (const unsigned char *)s);
	return true;
}

/* The key k and the n bytes of literal v. */
static void key_literal(struct hsa_jw *w, const char *k, const char *v,
    size_t n)
{
	char *b = key_room(w, k, n);

	if (!b)
		return;
	memcpy(b, v, n);
	w->len = (size_t)(b + n - w->buf);
}

void hsa_jw_open(struct hsa_jw *w, const char *k)
{
	key_literal(w, k, "{", 1);
	w->need_comma = false;
}

void hsa_jw_close(struct hsa_jw *w)
{
	raw(w, "}", 1);
	w->need_comma = true;
}

void hsa_jw_array(struct hsa_jw *w, const char *k)
{
	key_literal(w, k, "[", 1);
	w->need_comma = false;
}

void hsa_jw_array_end(struct hsa_jw *w)
{
	raw(w, "]", 1);
	w->need_comma = true;
}

void hsa_jw_string(struct hsa_jw *w, const char *k, const char *v)
{
	size_t n;
	char *b;

	if (!plain_string(v, &n)) {
		key(w, k);
		quoted(w, v);
		return;
	}
	if (!(b = key_room(w, k, n + 2)))
		return;
	*b++ = '"';
	memcpy(b, v, n);
	b += n;
	*b++ = '"';
	w->len = (size_t)(b - w->buf);
}

void hsa_jw_uint(struct hsa_jw *w, const char *k, uint64_t v)
{
	char *b = key_room(w, k, HSA_UINT_MAXLEN);

	if (b)
		w->len = (size_t)(hsa_put_uint(b, v) - w->buf);
}

void hsa_jw_bool(struct hsa_jw *w, const char *k, bool v)
{
	key_literal(w, k, v ? "true" : "false", v ? 4 : 5);
}

void hsa_jw_null(struct hsa_jw *w, const char *k)
{
	key_literal(w, k, "null", 4);
}

void hsa_jw_ms(struct hsa_jw *w, const char *k, int64_t ns)
{
	char *b = key_room(w, k, HSA_MS_MAXLEN);

	if (b)
		w->len = (size_t)(hsa_put_ms(b, ns) - w->buf);
}

char *hsa_jw_room(struct hsa_jw *w, size_t n)
{
	if (w->failed || (w->len + n > w->cap && !reserve(w, n)))
		return NULL;
	return w->buf + w->len;
}
