/*
 * hsa_output.h - where a report goes: standard output, or a file written
 * atomically (a temporary file in the same directory, renamed into place only
 * when the whole report was written; on failure nothing is left behind).
 */
#ifndef HSA_OUTPUT_H
#define HSA_OUTPUT_H

#include <stdio.h>

struct hsa_output {
	FILE *fp;
	const char *path;	/* NULL for standard output */
	char *tmp;
};

/* 0, or -1 with the cause in err. */
int hsa_output_open(struct hsa_output *o, const char *path, char *err,
    size_t errlen);
/* Flush, sync and rename into place; 0, or -1 with the cause in err (the
 * temporary file is then removed). */
int hsa_output_commit(struct hsa_output *o, char *err, size_t errlen);
/* Give up: remove the temporary file. */
void hsa_output_abort(struct hsa_output *o);

#endif
