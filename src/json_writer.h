/*
 * json_writer.h - a small streaming JSON writer for the per-connection
 * objects of the JSON report.
 *
 * Why not cJSON here: building a cJSON tree and printing it costs about
 * 10 us per connection, most of it in cJSON's double formatting (sprintf
 * then sscanf to check the round trip), which made --json 20 times slower
 * than reading the capture (bench/README).  This writer appends to a
 * reusable buffer and prints durations as exact decimals from integer
 * nanoseconds.  cJSON still writes the once-per-run parts.
 */
#ifndef HSA_JSON_WRITER_H
#define HSA_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hsa_format.h"

struct hsa_jw {
	char *buf;
	size_t len;
	size_t cap;
	bool need_comma;	/* a value was written at this level */
	bool failed;		/* out of memory: the object is incomplete */
};

void hsa_jw_init(struct hsa_jw *w);
void hsa_jw_reset(struct hsa_jw *w);
void hsa_jw_free(struct hsa_jw *w);

void hsa_jw_open(struct hsa_jw *w, const char *key);	/* {  (key may be NULL) */
void hsa_jw_close(struct hsa_jw *w);			/* }  */
void hsa_jw_array(struct hsa_jw *w, const char *key);	/* [  (key may be NULL) */
void hsa_jw_array_end(struct hsa_jw *w);		/* ]  */
/* Inside an array, values are written with a NULL key. */
void hsa_jw_string(struct hsa_jw *w, const char *key, const char *v);
void hsa_jw_uint(struct hsa_jw *w, const char *key, uint64_t v);
void hsa_jw_bool(struct hsa_jw *w, const char *key, bool v);
void hsa_jw_null(struct hsa_jw *w, const char *key);
/* Nanoseconds written as milliseconds, exactly: 20375000 -> 20.375. */
void hsa_jw_ms(struct hsa_jw *w, const char *key, int64_t ns);

/*
 * Writing at a cursor, for objects whose size has a known bound (a
 * connection, one per line of the log): room is made once, each piece is
 * then written where the previous one ended, without a check, and the end
 * is handed back.  Keys and punctuation are string constants, whose length
 * the compiler knows: they cost a few stores, not a call.
 */

/* Room for n more bytes; where they start, or NULL when out of memory. */
char *hsa_jw_room(struct hsa_jw *w, size_t n);
/* What was written from hsa_jw_room() up to end is part of the buffer; the
 * next value at this level needs a comma. */
static inline void hsa_jw_advance(struct hsa_jw *w, char *end)
{
	w->len = (size_t)(end - w->buf);
	w->need_comma = true;
}

/* The string constant s at p (no escaping); returns the end. */
#define HSA_JW_LIT(p, s) \
	((char *)memcpy((p), "" s, sizeof(s) - 1) + (sizeof(s) - 1))

/* Numbers are written with hsa_put_uint() and hsa_put_ms() (hsa_format.h). */
/* A short string that needs no escaping, quoted, padded to a fixed size so
 * that it is copied with one move: the names of states and verdicts. */
#define HSA_JW_TOKEN_SIZE 16
struct hsa_jw_token {
	char text[HSA_JW_TOKEN_SIZE];	/* "name" (the quotes included) */
	uint8_t len;
};
/* The token of the string constant s (at most HSA_JW_TOKEN_SIZE - 2 bytes). */
#define HSA_JW_TOKEN(s) { "\"" s "\"", sizeof(s) + 1 }

/* The token t at p (HSA_JW_TOKEN_SIZE bytes of room); returns the end. */
static inline char *hsa_jw_put_token(char *p, const struct hsa_jw_token *t)
{
	memcpy(p, t->text, sizeof(t->text));
	return p + t->len;
}

#endif
