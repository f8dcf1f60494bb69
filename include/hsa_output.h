/*
 * hsa_output.h - the one output layer every file hsanalyze writes goes
 * through: the report, -w's packets, and any other output.
 *
 * Outputs never destroy anything.  What happens depends on what the name is:
 *
 *   "-" or NULL        standard output, written directly.
 *   /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N (also what a
 *                      shell's >(cmd) expands to)
 *                      a descriptor hsanalyze already has: written directly
 *                      through a duplicate of it, never opened anew, never
 *                      replaced.
 *   a regular file, or a name that does not exist yet
 *                      written atomically: a temporary file in the same
 *                      directory, renamed over the name only by
 *                      hsa_output_commit(); on any failure (or a signal,
 *                      see hsa_output_remove_pending()) the temporary file
 *                      is removed and the old file stays as it was.  An
 *                      existing file keeps its permission bits.
 *   a character device or a FIFO (/dev/null, /dev/full, mkfifo)
 *                      opened and written directly; never replaced.
 *   a symbolic link    followed: the target is what is written (replaced
 *                      atomically when it is a regular file; the link
 *                      stays).  A link to nothing is refused.
 *   a directory, a block device, a socket
 *                      refused.
 *
 * Every write is checked as it happens: the first failed write is kept
 * (hsa_output_failed() and its errno), so callers can stop at once instead
 * of computing a report nobody will receive.
 */
#ifndef HSA_OUTPUT_H
#define HSA_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

/* How many outputs may be open at once (report, -w, and a few more). */
#define HSA_OUTPUT_MAX 8

enum hsa_output_kind {
	HSA_OUTPUT_STDOUT,	/* "-" or no name */
	HSA_OUTPUT_DESCRIPTOR,	/* /dev/fd/N and friends */
	HSA_OUTPUT_DIRECT,	/* a character device or a FIFO */
	HSA_OUTPUT_ATOMIC,	/* a regular file or a new name */
	HSA_OUTPUT_APPEND	/* a log: a regular file or a new name */
};

struct hsa_output {
	FILE *fp;		/* write here; NULL once closed */
	const char *name;	/* as given, for messages ("-" for stdout) */
	enum hsa_output_kind kind;
	int fd;			/* the descriptor under fp */
	char *buf;		/* fp's buffer */
	char *target;		/* ATOMIC: the resolved name to rename over */
	char *tmp;		/* ATOMIC: the temporary file */
	int err;		/* the errno of the first failed write; 0 */
	bool closed;		/* fp was closed (by commit or by its writer) */
	bool exists;		/* the target existed: dev and ino are set */
	dev_t dev;
	ino_t ino;
	int slot;		/* in the pending-temporaries table; -1 */
	bool append;		/* opened by hsa_output_open_log() */
};

/* Open name as described above.  0, or a negative errno with the cause in
 * err (one phrase, not naming the file: the caller does). */
int hsa_output_open(struct hsa_output *o, const char *name, char *err,
    size_t errlen);

/* Open a log, which its readers follow as it grows: as hsa_output_open(),
 * except that a regular file (or a new name) is appended to in place,
 * never truncated or replaced, rather than written atomically. */
int hsa_output_open_log(struct hsa_output *o, const char *name, char *err,
    size_t errlen);

/* The name for messages: as given, or "standard output". */
const char *hsa_output_label(const struct hsa_output *o);

/* True when a write has failed; nothing more will be written. */
bool hsa_output_failed(const struct hsa_output *o);

/* True when o's target is the regular file with this device and inode
 * (an input about to be overwritten by the output, say). */
bool hsa_output_is_file(const struct hsa_output *o, dev_t dev, ino_t ino);

/* True when a and b would write the same regular file. */
bool hsa_output_same(const struct hsa_output *a, const struct hsa_output *b);

/* Flush and close the stream, nothing put in place yet: 0, or the
 * negative errno of the first failed write (commit then fails with it).
 * A direct output has then had everything; an atomic one waits for
 * commit.  Closing again does nothing. */
int hsa_output_close(struct hsa_output *o);

/* Close (as hsa_output_close() if not done), and (ATOMIC) sync and rename
 * into place.  0, or a negative errno with the cause in err; the
 * temporary file is then removed. */
int hsa_output_commit(struct hsa_output *o, char *err, size_t errlen);

/* Give up: close, remove the temporary file; the target is untouched. */
void hsa_output_abort(struct hsa_output *o);

/* Remove every temporary file not yet committed or aborted.  Only unlink(2):
 * safe in a signal handler, which is where it is meant to be called. */
void hsa_output_remove_pending(void);

#endif
