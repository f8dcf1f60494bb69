/*
 * capture_file.c - open a pcap or pcapng file (or standard input) and find
 * the timestamp precision it was written with.
 *
 * libpcap is asked for nanosecond timestamps, so nothing is lost; but it does
 * not say whether the file itself had micro- or nanoseconds.  That is in the
 * first bytes: the pcap magic number, or the if_tsresol option of the first
 * pcapng Interface Description Block.  A regular file's first bytes are read
 * with pread(), and libpcap then reads the file itself; on a pipe or
 * standard input, where seeking back is impossible, they are read and served
 * again to libpcap by a small stdio cookie.
 */
#include "config.h"

#include <errno.h>
#ifdef HAVE___FSETLOCKING
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsa_capture.h"
#include "extract.h"

#define PEEK_MAX 4096
#define PCAPNG_MAGIC 0x0a0d0d0aU	/* a section header block's type */
/* Bytes per read(2).  Reading the 960 MB benchmark trace from the page
 * cache takes as long in 256 KiB reads as in 1 MiB ones (dd: 0.12 s
 * either way), and the buffer is touched whole: 768 KiB less resident
 * than 1 MiB.  Much smaller reads cost more system calls. */
#define READ_BUFFER (256 * 1024)

struct peek_file {
	FILE *under;
	bool close_under;
	size_t len;
	size_t pos;
	uint8_t buf[PEEK_MAX];
};

static ssize_t peek_read(void *cookie, char *out, size_t n)
{
	struct peek_file *pf = cookie;
	size_t got = 0;

	if (pf->pos < pf->len) {
		got = pf->len - pf->pos < n ? pf->len - pf->pos : n;
		memcpy(out, pf->buf + pf->pos, got);
		pf->pos += got;
	}
	/* Past the peeked bytes, read the descriptor itself: the cookie's
	 * own large buffer makes each read() big, with no second copy. */
	while (got < n) {
		ssize_t more = read(fileno(pf->under), out + got, n - got);

		if (more < 0 && errno == EINTR)
			continue;
		if (more < 0)
			return got ? (ssize_t)got : -1;
		if (more == 0)
			break;
		got += (size_t)more;
	}
	return (ssize_t)got;
}

static int peek_close(void *cookie)
{
	struct peek_file *pf = cookie;
	int r = 0;

	if (pf->close_under)
		r = fclose(pf->under);
	free(pf);
	return r;
}

/* 32 and 16 bits at off of the len bytes at b, in the section's byte order;
 * 0 past the end (extract.h). */
static uint32_t get32(const uint8_t *b, uint32_t len, uint32_t off, bool be)
{
	return be ? hsa_be32(b, len, off) : hsa_le32(b, len, off);
}

static uint16_t get16(const uint8_t *b, uint32_t len, uint32_t off, bool be)
{
	return be ? hsa_be16(b, len, off) : hsa_le16(b, len, off);
}

/* Nanosecond (or finer) timestamps in the first pcapng interface?  The
 * default resolution is microseconds (if_tsresol absent). */
static bool pcapng_is_nano(const uint8_t *b, uint32_t len)
{
	uint32_t shb_len, idb, idb_len, off;
	bool be;

	be = hsa_be32(b, len, 8) == 0x1a2b3c4d;
	shb_len = get32(b, len, 4, be);
	if (shb_len < 28 || !hsa_have(len, shb_len, 20))
		return false;
	idb = shb_len;
	if (get32(b, len, idb, be) != 1)	/* Interface Description Block */
		return false;
	idb_len = get32(b, len, idb + 4, be);
	if (idb_len < 20 || !hsa_have(len, idb, idb_len))
		return false;
	/* type[4] length[4] linktype[2] reserved[2] snaplen[4] options...
	 * length[4]: options end 4 bytes before the block does. */
	for (off = 16; hsa_have(idb_len - 4, off, 4);) {
		uint16_t code = get16(b, len, idb + off, be);
		uint16_t olen = get16(b, len, idb + off + 2, be);

		if (code == 0)
			break;
		if (code == 9 && olen == 1 && hsa_have(idb_len - 4, off + 4, 1)) {
			uint8_t r = hsa_u8(b, len, idb + off + 4);
			/* High bit clear: 10^-r seconds; set: 2^-(r & 0x7f). */
			return (r & 0x80) ? (r & 0x7f) > 19 : r > 6;
		}
		off += 4 + ((olen + 3u) & ~3u);
	}
	return false;
}

static bool file_is_nano(const uint8_t *b, uint32_t len)
{
	if (hsa_le32(b, len, 0) == 0xa1b23c4d || hsa_be32(b, len, 0) == 0xa1b23c4d)
		return true;
	if (hsa_be32(b, len, 0) == PCAPNG_MAGIC)
		return pcapng_is_nano(b, len);
	return false;
}

/* Only one thread reads the stream (the worker thread, or main): spare glibc
 * the lock it takes on every fread once threads exist; libpcap makes two
 * freads per record.  And give it a READ_BUFFER buffer (glibc ignores the
 * size unless it is given the buffer): *buf, freed by the caller once fp
 * is closed. */
static void setup_stream(FILE *fp, char **buf)
{
#ifdef HAVE___FSETLOCKING
	__fsetlocking(fp, FSETLOCKING_BYCALLER);
#endif
	if ((*buf = malloc(READ_BUFFER)))
		setvbuf(fp, *buf, _IOFBF, READ_BUFFER);
}

/* pcapng: read by src/pcapng.c; libpcap only backs -w and filters with a
 * handle of the first interface's link type. */
static int open_pcapng(struct hsa_capture *cap, FILE *fp, char *err,
    size_t errlen)
{
	if (!(cap->ng = calloc(1, sizeof(*cap->ng)))) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		fclose(fp);
		return -1;
	}
	if (hsa_pcapng_open(cap->ng, fp, err, errlen) != 0) {
		free(cap->ng);
		cap->ng = NULL;
		return -1;
	}
	cap->dlt = cap->ng->first_dlt;
	cap->snaplen = cap->ng->first_snaplen ? cap->ng->first_snaplen : 262144;
	cap->pcap = pcap_open_dead_with_tstamp_precision(cap->dlt,
	    (int)cap->snaplen, PCAP_TSTAMP_PRECISION_NANO);
	if (!cap->pcap) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	return 0;
}

/* The first bytes of the file into pf->buf: 0, or -1 with the cause in
 * err.  Not through stdio, so that nothing is left behind in the FILE's
 * buffer: pread(2) on a regular file, which leaves its offset at the start
 * for libpcap; read(2) on anything else (a pipe cannot seek back, so the
 * cookie serves these bytes again). */
static int peek(struct peek_file *pf, bool regular, char *err, size_t errlen)
{
	int fd = fileno(pf->under);

	while (pf->len < PEEK_MAX) {
		ssize_t got = regular ?
		    pread(fd, pf->buf + pf->len, PEEK_MAX - pf->len,
		    (off_t)pf->len) :
		    read(fd, pf->buf + pf->len, PEEK_MAX - pf->len);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		if (got == 0)
			break;
		pf->len += (size_t)got;
	}
	if (pf->len == 0) {
		snprintf(err, errlen, "empty file, not a capture");
		return -1;
	}
	return 0;
}

int hsa_capture_open_file(struct hsa_capture *cap, const char *path,
    char *err, size_t errlen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct peek_file *pf;
	cookie_io_functions_t io = { .read = peek_read, .close = peek_close };
	struct stat st;
	bool regular = false, pcapng;
	FILE *fp;

	memset(cap, 0, sizeof(*cap));
	cap->source = path;
	cap->live_fd = -1;
	pf = calloc(1, sizeof(*pf));
	if (!pf) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	if (strcmp(path, "-") == 0)
		pf->under = stdin;
	else {
		pf->under = fopen(path, "rb");
		pf->close_under = true;
		if (!pf->under) {
			snprintf(err, errlen, "%s", strerror(errno));
			free(pf);
			return -1;
		}
		if (fstat(fileno(pf->under), &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				snprintf(err, errlen, "%s", strerror(EISDIR));
				peek_close(pf);
				return -1;
			}
			regular = S_ISREG(st.st_mode);
		}
	}
	if (peek(pf, regular, err, errlen) != 0) {
		peek_close(pf);
		return -1;
	}
	cap->nano = file_is_nano(pf->buf, (uint32_t)pf->len);
	pcapng = hsa_be32(pf->buf, (uint32_t)pf->len, 0) == PCAPNG_MAGIC;

	/* A regular file goes to libpcap as the plain FILE it is: glibc
	 * serves a cookie's small freads (libpcap's 16-byte record headers)
	 * byte by byte, a plain FILE's with one copy. */
	if (regular) {
		fp = pf->under;
		free(pf);
	} else if (!(fp = fopencookie(pf, "rb", io))) {
		snprintf(err, errlen, "%s", strerror(errno));
		peek_close(pf);
		return -1;
	}
	setup_stream(fp, &cap->stdio_buf);
	if (pcapng)
		return open_pcapng(cap, fp, err, errlen);
	cap->pcap = pcap_fopen_offline_with_tstamp_precision(fp,
	    PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!cap->pcap) {
		snprintf(err, errlen, "not a capture file (libpcap: %s)", errbuf);
		fclose(fp);
		free(cap->stdio_buf);
		cap->stdio_buf = NULL;
		return -1;
	}
	cap->dlt = pcap_datalink(cap->pcap);
	cap->snaplen = (uint32_t)pcap_snapshot(cap->pcap);
	return 0;
}
