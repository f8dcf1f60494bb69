/*
 * output.c - reports written to standard output or atomically to a file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsa_output.h"

int hsa_output_open(struct hsa_output *o, const char *path, char *err,
    size_t errlen)
{
	int fd;

	memset(o, 0, sizeof(*o));
	o->path = path;
	if (!path) {
		o->fp = stdout;
		return 0;
	}
	if (!(o->tmp = malloc(strlen(path) + sizeof(".XXXXXX")))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	sprintf(o->tmp, "%s.XXXXXX", path);
	if ((fd = mkstemp(o->tmp)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		return -1;
	}
	/* mkstemp makes the file 0600; a report is not secret. */
	if (fchmod(fd, 0644) != 0 || !(o->fp = fdopen(fd, "w"))) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		hsa_output_abort(o);
		return -1;
	}
	return 0;
}

int hsa_output_commit(struct hsa_output *o, char *err, size_t errlen)
{
	int e = 0;

	if (!o->path) {
		if (fflush(stdout) != 0 || ferror(stdout)) {
			snprintf(err, errlen, "%s", strerror(errno ? errno : EIO));
			return -1;
		}
		return 0;
	}
	if (fflush(o->fp) != 0 || ferror(o->fp) || fsync(fileno(o->fp)) != 0)
		e = errno ? errno : EIO;
	if (fclose(o->fp) != 0 && !e)
		e = errno ? errno : EIO;
	o->fp = NULL;
	if (!e && rename(o->tmp, o->path) != 0)
		e = errno;
	if (e) {
		snprintf(err, errlen, "%s", strerror(e));
		hsa_output_abort(o);
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void hsa_output_abort(struct hsa_output *o)
{
	if (o->fp && o->path)
		fclose(o->fp);
	o->fp = NULL;
	if (o->tmp) {
		unlink(o->tmp);
		free(o->tmp);
		o->tmp = NULL;
	}
}
