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

#endif
