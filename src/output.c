/*
 * output.c - the output layer of hsa_output.h: decide from what a name is
 * how to write it (atomically, directly, or not at all), and check every
 * write as it happens.
 *
 * Every output is a stdio stream over a descriptor of its own, through a
 * cookie (fopencookie) whose write function keeps the errno of the first
 * failed write: stdio alone only remembers that something failed, and by
 * the time fclose() reports it errno says something else ("Bad file
 * descriptor" for a full disk).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsa_output.h"

#define OUTPUT_BUFFER	(64 * 1024)	/* bytes per write(2) */
#define TMP_SUFFIX	".XXXXXX"

/* The temporary files not yet renamed or removed, for a signal handler.
 * Written only outside signal handlers, by one thread. */
static char *volatile pending[HSA_OUTPUT_MAX];

void hsa_output_remove_pending(void)
{
	int i;

	for (i = 0; i < HSA_OUTPUT_MAX; i++)
		if (pending[i])
			unlink(pending[i]);
}

static int pending_add(char *tmp)
{
	int i;

	for (i = 0; i < HSA_OUTPUT_MAX; i++)
		if (!pending[i]) {
			pending[i] = tmp;
			return i;
		}
	return -1;
}

static void pending_drop(struct hsa_output *o)
{
	if (o->slot >= 0)
		pending[o->slot] = NULL;
	o->slot = -1;
}

static ssize_t cookie_write(void *cookie, const char *buf, size_t n)
{
	struct hsa_output *o = cookie;
	size_t done = 0;

	if (o->err)
		return -1;
	while (done < n) {
		ssize_t w = write(o->fd, buf + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			o->err = w < 0 ? errno : EIO;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)n;
}

static int cookie_close(void *cookie)
{
	struct hsa_output *o = cookie;

	/* A report renamed into place must be on disk first, or a crash
	 * could leave an empty file where the old one was. */
	if (o->kind == HSA_OUTPUT_ATOMIC && !o->err && fsync(o->fd) != 0)
		o->err = errno;
	if (close(o->fd) != 0 && !o->err)
		o->err = errno;
	o->fd = -1;
	o->closed = true;
	return o->err ? -1 : 0;
}

/* A name for a descriptor hsanalyze already holds: its number, or -1. */
static int descriptor_name(const char *name)
{
	static const char *const prefixes[] = { "/dev/fd/", "/proc/self/fd/" };
	size_t i, len;
	char *end;
	long n;

	if (!strcmp(name, "/dev/stdout"))
		return STDOUT_FILENO;
	if (!strcmp(name, "/dev/stderr"))
		return STDERR_FILENO;
	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		len = strlen(prefixes[i]);
		if (strncmp(name, prefixes[i], len) || name[len] < '0' ||
		    name[len] > '9')
			continue;
		errno = 0;
		n = strtol(name + len, &end, 10);
		if (!errno && !*end && n <= INT_MAX)
			return (int)n;
	}
	return -1;
}

static int fail_with(char *err, size_t errlen, int e, const char *what)
{
	snprintf(err, errlen, "%s", what ? what : strerror(e));
	return -e;
}

/* The temporary file next to o->target, registered as pending. */
#define LOG_FILE_MODE 0666	/* less the umask, as open(2) gives */

/* A log's regular file: appended to in place, created when missing. */
static int open_append(struct hsa_output *o, char *err, size_t errlen)
{
	o->kind = HSA_OUTPUT_APPEND;
	if ((o->fd = open(o->target, O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY |
	    O_CLOEXEC, LOG_FILE_MODE)) < 0)
		return fail_with(err, errlen, errno, NULL);
	return 0;
}

static int open_temporary(struct hsa_output *o, const struct stat *old,
    char *err, size_t errlen)
{
	mode_t mask;
	int fd;

	if (!(o->tmp = malloc(strlen(o->target) + sizeof(TMP_SUFFIX))))
		return fail_with(err, errlen, ENOMEM, NULL);
	sprintf(o->tmp, "%s%s", o->target, TMP_SUFFIX);
	if ((o->slot = pending_add(o->tmp)) < 0)
		return fail_with(err, errlen, EMFILE, "too many outputs");
	if ((fd = mkstemp(o->tmp)) < 0) {
		int e = errno;

		pending_drop(o);
		free(o->tmp);
		o->tmp = NULL;
		return fail_with(err, errlen, e, NULL);
	}
	o->fd = fd;
	/* mkstemp makes the file 0600; a replaced file keeps its own mode
	 * (and owner, when allowed), a new one gets what open(2) would give. */
	if (old) {
		if (fchown(fd, old->st_uid, old->st_gid) != 0) {
			/* Not root: the file becomes ours, as any rewrite would. */
		}
		if (fchmod(fd, old->st_mode & 07777) != 0)
			return fail_with(err, errlen, errno, NULL);
	} else {
		mask = umask(0);
		umask(mask);
		if (fchmod(fd, 0666 & ~mask) != 0)
			return fail_with(err, errlen, errno, NULL);
	}
	return 0;
}

/* A name that does not exist yet, with its directory resolved, so that two
 * spellings of one new file compare equal; NULL with errno set. */
static char *new_name(const char *name)
{
	const char *slash = strrchr(name, '/');
	char *dir, *full;
	size_t dlen;

	if (!slash)
		dir = realpath(".", NULL);
	else if (slash == name)
		dir = strdup("");
	else {
		char *d = strndup(name, (size_t)(slash - name));

		dir = d ? realpath(d, NULL) : NULL;
		free(d);
	}
	if (!dir)
		return NULL;
	dlen = strlen(dir);
	/* dir, '/', and the last component (shorter than name). */
	full = malloc(dlen + 1 + strlen(name) + 1);
	if (full)
		sprintf(full, "%s/%s", dir, slash ? slash + 1 : name);
	free(dir);
	if (!full)
		errno = ENOMEM;
	return full;
}

/* Decide what o->name is and open a descriptor for it in o->fd. */
static int open_descriptor(struct hsa_output *o, char *err, size_t errlen)
{
	struct stat st;
	int n;

	if (!strcmp(o->name, "-")) {
		o->kind = HSA_OUTPUT_STDOUT;
		n = STDOUT_FILENO;
	} else
		n = descriptor_name(o->name);
	if (n >= 0) {
		if (o->kind != HSA_OUTPUT_STDOUT)
			o->kind = HSA_OUTPUT_DESCRIPTOR;
		if ((o->fd = fcntl(n, F_DUPFD_CLOEXEC, 3)) < 0)
			return fail_with(err, errlen, errno, NULL);
		if (fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode)) {
			o->exists = true;
			o->dev = st.st_dev;
			o->ino = st.st_ino;
		}
		return 0;
	}

	if (lstat(o->name, &st) != 0) {
		if (errno != ENOENT)
			return fail_with(err, errlen, errno, NULL);
		o->kind = HSA_OUTPUT_ATOMIC;
		if (!(o->target = new_name(o->name)))
			return fail_with(err, errlen, errno, NULL);
		if (o->append)
			return open_append(o, err, errlen);
		return open_temporary(o, NULL, err, errlen);
	}
	if (S_ISLNK(st.st_mode)) {
		/* Write what the link points to; the link itself stays. */
		if (!(o->target = realpath(o->name, NULL)))
			return fail_with(err, errlen, errno, errno == ENOENT ?
			    "a symbolic link to nothing (not followed)" : NULL);
		if (stat(o->target, &st) != 0)
			return fail_with(err, errlen, errno, NULL);
	} else if (!(o->target = strdup(o->name)))
		return fail_with(err, errlen, ENOMEM, NULL);

	if (S_ISREG(st.st_mode)) {
		o->kind = HSA_OUTPUT_ATOMIC;
		o->exists = true;
		o->dev = st.st_dev;
		o->ino = st.st_ino;
		if (o->append)
			return open_append(o, err, errlen);
		return open_temporary(o, &st, err, errlen);
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		o->kind = HSA_OUTPUT_DIRECT;
		if ((o->fd = open(o->target, O_WRONLY | O_NOCTTY | O_CLOEXEC)) < 0)
			return fail_with(err, errlen, errno, NULL);
		return 0;
	}
	if (S_ISDIR(st.st_mode))
		return fail_with(err, errlen, EISDIR, NULL);
	if (S_ISBLK(st.st_mode))
		return fail_with(err, errlen, EINVAL,
		    "a block device (not written to)");
	return fail_with(err, errlen, EINVAL,
	    "neither a file, a character device nor a FIFO (not written to)");
}

static int output_open(struct hsa_output *o, const char *name, bool append,
    char *err, size_t errlen)
{
	cookie_io_functions_t io = { .write = cookie_write, .close = cookie_close };
	int r;

	memset(o, 0, sizeof(*o));
	o->append = append;
	o->name = name ? name : "-";
	o->fd = -1;
	o->slot = -1;
	if ((r = open_descriptor(o, err, errlen)) < 0) {
		hsa_output_abort(o);
		return r;
	}
	if (!(o->fp = fopencookie(o, "w", io))) {
		r = fail_with(err, errlen, errno ? errno : ENOMEM, NULL);
		hsa_output_abort(o);
		return r;
	}
	/* glibc ignores the size unless it is given the buffer. */
	if ((o->buf = malloc(OUTPUT_BUFFER)))
		setvbuf(o->fp, o->buf, _IOFBF, OUTPUT_BUFFER);
	return 0;
}

int hsa_output_open(struct hsa_output *o, const char *name, char *err,
    size_t errlen)
{
	return output_open(o, name, false, err, errlen);
}

int hsa_output_open_log(struct hsa_output *o, const char *name, char *err,
    size_t errlen)
{
	return output_open(o, name, true, err, errlen);
}

const char *hsa_output_label(const struct hsa_output *o)
{
	return o->kind == HSA_OUTPUT_STDOUT ? "standard output" : o->name;
}

bool hsa_output_failed(const struct hsa_output *o)
{
	return o->err != 0;
}

bool hsa_output_is_file(const struct hsa_output *o, dev_t dev, ino_t ino)
{
	return o->exists && o->dev == dev && o->ino == ino;
}

bool hsa_output_same(const struct hsa_output *a, const struct hsa_output *b)
{
	if (a->exists && b->exists)
		return a->dev == b->dev && a->ino == b->ino;
	return (a->kind == HSA_OUTPUT_ATOMIC || a->kind == HSA_OUTPUT_APPEND) &&
	    (b->kind == HSA_OUTPUT_ATOMIC || b->kind == HSA_OUTPUT_APPEND) &&
	    !strcmp(a->target, b->target);
}

int hsa_output_close(struct hsa_output *o)
{
	if (o->fp && !o->closed && fclose(o->fp) != 0 && !o->err)
		o->err = errno ? errno : EIO;
	o->fp = NULL;
	o->closed = true;
	free(o->buf);		/* only once stdio is done with it */
	o->buf = NULL;
	return o->err ? -o->err : 0;
}

int hsa_output_commit(struct hsa_output *o, char *err, size_t errlen)
{
	int e;

	(void)hsa_output_close(o);
	if (!o->err && o->tmp && rename(o->tmp, o->target) != 0)
		o->err = errno;
	if (o->err) {
		e = o->err;
		snprintf(err, errlen, "%s", strerror(e));
		hsa_output_abort(o);
		return -e;
	}
	pending_drop(o);
	free(o->tmp);
	o->tmp = NULL;
	free(o->target);
	o->target = NULL;
	return 0;
}

void hsa_output_abort(struct hsa_output *o)
{
	if (!o->name)		/* never opened */
		return;
	/* What is still buffered is dropped, not written: a direct output
	 * gets nothing more once the run has failed. */
	if (!o->err)
		o->err = ECANCELED;
	if (o->fp && !o->closed)
		fclose(o->fp);
	else if (!o->fp && !o->closed && o->fd >= 0)
		close(o->fd);
	o->fp = NULL;
	o->fd = -1;
	o->closed = true;
	free(o->buf);
	o->buf = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		pending_drop(o);
		free(o->tmp);
		o->tmp = NULL;
	}
	free(o->target);
	o->target = NULL;
}
