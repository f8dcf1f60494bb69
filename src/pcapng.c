/*
 * pcapng.c - a small pcapng block reader (the pcapng draft,
 * draft-ietf-opsawg-pcapng): each packet comes out with the link type and
 * timestamp resolution of its own interface.
 *
 * Why not libpcap: libpcap 1.10 gives a whole file one link type, and stops
 * at the first interface of another type ("an interface has a type 1
 * different from the type of the first interface"), as dumpcap writes when
 * capturing on two interfaces and mergecap when merging; it even refuses two
 * LINKTYPE_RAW interfaces (it compares linktype 101 with DLT_RAW, 12).  pcap
 * files, live capture and BPF stay with libpcap: capture.c compiles a filter
 * once per link type (pcap_open_dead) and runs it with pcap_offline_filter.
 *
 *   block:  type[4] length[4] body[length - 12] length[4]
 *   SHB 0x0A0D0D0A  byte-order magic[4] major[2] minor[2] section length[8]
 *                   options       (starts a section: interfaces start over)
 *   IDB 1           linktype[2] reserved[2] snaplen[4] options
 *                   (if_tsresol 9, if_tsoffset 14)
 *   EPB 6           interface[4] ts high[4] ts low[4] caplen[4] len[4] data
 *   SPB 3           len[4] data   (interface 0, no timestamp)
 *   PB 2 (obsolete) interface[2] drops[2] ts high[4] ts low[4] caplen[4]
 *                   len[4] data
 * Other blocks (name resolution, statistics, custom, ...) are skipped.
 * Every length is checked against the block before it is used.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hsa_pcapng.h"
#include "hsa_time.h"
#include "extract.h"

#define BT_SHB		0x0a0d0d0aU
#define BT_IDB		1U
#define BT_PB		2U
#define BT_SPB		3U
#define BT_EPB		6U
#define BOM		0x1a2b3c4dU
#define OPT_END		0
#define OPT_COMMENT	1
#define OPT_TSRESOL	9
#define OPT_TSOFFSET	14
/* libpcap's own bound on a block: anything larger is damage. */
#define MAX_BLOCK	(16U * 1024 * 1024)
#define MAX_IFACES	4096

#define LINKTYPE_RAW	101

static uint32_t get32(const struct hsa_pcapng *ng, const uint8_t *b,
    uint32_t len, uint32_t off)
{
	return ng->be ? hsa_be32(b, len, off) : hsa_le32(b, len, off);
}

static uint16_t get16(const struct hsa_pcapng *ng, const uint8_t *b,
    uint32_t len, uint32_t off)
{
	return ng->be ? hsa_be16(b, len, off) : hsa_le16(b, len, off);
}

/* -1, with the cause in ng->err. */
__attribute__((format(printf, 2, 3)))
static int fail(struct hsa_pcapng *ng, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ng->err, sizeof(ng->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* libpcap's DLT_ for a LINKTYPE_: the same number on Linux but for raw IP. */
static int dlt_of(uint16_t linktype)
{
	return linktype == LINKTYPE_RAW ? DLT_RAW : linktype;
}

/* Read exactly n bytes; 0, 1 at the end of the file before any, -1 when the
 * file ends inside them or cannot be read. */
static int read_exact(struct hsa_pcapng *ng, void *p, size_t n)
{
	size_t got = fread(p, 1, n, ng->fp);

	if (got == n)
		return 0;
	if (ferror(ng->fp)) {
		snprintf(ng->err, sizeof(ng->err), "cannot read the file: %s",
		    strerror(errno));
		return -1;
	}
	if (got == 0)
		return 1;
	return fail(ng, "truncated block (%lu bytes missing)", (unsigned long)(n - got));
}

/* The next block's type and body (without the two lengths) in ng->buf.
 * 1 with them, 0 at the end of the file, -1 on damage (ng->err). */
static int next_block(struct hsa_pcapng *ng, uint32_t *type, uint32_t *len)
{
	uint8_t head[12];
	uint32_t total, trailer;
	int r;

	if ((r = read_exact(ng, head, 8)) != 0)
		return r > 0 ? 0 : -1;
	if (hsa_be32(head, 8, 0) == BT_SHB) {
		/* The byte order is the section's own: read its magic. */
		if (read_exact(ng, head + 8, 4) != 0)
			return fail(ng, "truncated section header block");
		if (hsa_le32(head, 12, 8) == BOM)
			ng->be = false;
		else if (hsa_be32(head, 12, 8) == BOM)
			ng->be = true;
		else
			return fail(ng, "section header block with a bad byte-order magic");
	}
	*type = get32(ng, head, 8, 0);
	total = get32(ng, head, 8, 4);
	if (total < 12 + (*type == BT_SHB ? 4U : 0U) || total % 4 != 0 ||
	    total > MAX_BLOCK)
		return fail(ng, "block of invalid length %lu", (unsigned long)(total));
	*len = total - 12;
	if (*len > ng->bufsize) {
		uint8_t *nb = realloc(ng->buf, *len);

		if (!nb)
			return fail(ng, "out of memory for a block of %lu bytes", (unsigned long)(total));
		ng->buf = nb;
		ng->bufsize = *len;
	}
	if (*type == BT_SHB) {
		memcpy(ng->buf, head + 8, 4);
		if (*len > 4 && read_exact(ng, ng->buf + 4, *len - 4) != 0)
			return -1;
	} else if (*len && read_exact(ng, ng->buf, *len) != 0)
		return -1;
	if (read_exact(ng, head, 4) != 0)
		return -1;
	trailer = get32(ng, head, 4, 0);
	if (trailer != total)
		return fail(ng, "block length %lu does not match its trailer", (unsigned long)(total));
	return 1;
}

static void forget_interfaces(struct hsa_pcapng *ng)
{
	size_t i;

	for (i = 0; i < ng->nifs; i++)
		if (ng->ifs[i].has_filter)
			pcap_freecode(&ng->ifs[i].filter);
	ng->nifs = 0;
}

/* One field "NAME=VALUE" of the machine comment (see pcapng_write.c), up to
 * its ';', into out; 0, or -1 when the comment has no such field. */
static int machine_field(const char *comment, const char *name, char *out,
    size_t outlen)
{
	const char *p = strstr(comment, name);
	size_t n;

	if (!p)
		return -1;
	p += strlen(name);
	n = strcspn(p, ";");
	snprintf(out, outlen, "%.*s", (int)n, p);
	return 0;
}

/* An opt_comment -w wrote: the machine the capture was taken on. */
static void machine_comment(struct hsa_machine *m, const uint8_t *text,
    uint16_t len)
{
	char c[512], v[72];
	unsigned lo, hi;
	int reuse;

	if (len >= sizeof(c))
		return;
	memcpy(c, text, len);
	c[len] = '\0';
	if (strncmp(c, HSA_MACHINE_COMMENT, strlen(HSA_MACHINE_COMMENT)) != 0)
		return;
	if (machine_field(c, "net.ipv4.ip_local_port_range=", v, sizeof(v)) == 0 &&
	    sscanf(v, "%u %u", &lo, &hi) == 2 && lo >= 1 && lo <= hi &&
	    hi <= 65535) {
		m->has_range = true;
		m->port_low = (uint16_t)lo;
		m->port_high = (uint16_t)hi;
	}
	if (machine_field(c, "net.ipv4.tcp_tw_reuse=", v, sizeof(v)) == 0 &&
	    sscanf(v, "%d", &reuse) == 1 && reuse >= 0 && reuse <= 2)
		m->tw_reuse = reuse;
	machine_field(c, "hostname=", m->hostname, sizeof(m->hostname));
	machine_field(c, "kernel=", m->release, sizeof(m->release));
}

/* A new section: its interfaces start over.  The first section's comment
 * may say which machine the capture was taken on. */
static int section_header(struct hsa_pcapng *ng, uint32_t len)
{
	uint32_t off;

	/* magic[4] major[2] minor[2] section length[8] */
	if (len < 16)
		return fail(ng, "section header block of %lu bytes", (unsigned long)(len + 12));
	if (get16(ng, ng->buf, len, 4) != 1)
		return fail(ng, "pcapng version %lu is not 1.x",
		    (unsigned long)get16(ng, ng->buf, len, 4));
	forget_interfaces(ng);
	for (off = 16; !ng->section_seen && hsa_have(len, off, 4);) {
		uint16_t code = get16(ng, ng->buf, len, off);
		uint16_t olen = get16(ng, ng->buf, len, off + 2);

		if (code == OPT_END || !hsa_have(len, off + 4, olen))
			break;
		if (code == OPT_COMMENT)
			machine_comment(&ng->machine, ng->buf + off + 4, olen);
		off += 4 + ((olen + 3U) & ~3U);
	}
	ng->section_seen = true;
	return 0;
}

static int interface_description(struct hsa_pcapng *ng, uint32_t len)
{
	struct hsa_pcapng_iface *ifc;
	uint32_t off;

	if (len < 8)
		return fail(ng, "interface description block of %lu bytes", (unsigned long)(len + 12));
	if (ng->nifs == MAX_IFACES)
		return fail(ng, "more than %lu interfaces", (unsigned long)MAX_IFACES);
	if (ng->nifs == ng->ifs_size) {
		size_t n = ng->ifs_size ? ng->ifs_size * 2 : 4;
		struct hsa_pcapng_iface *ni = realloc(ng->ifs, n * sizeof(*ni));

		if (!ni)
			return fail(ng, "out of memory");
		ng->ifs = ni;
		ng->ifs_size = n;
	}
	ifc = &ng->ifs[ng->nifs];
	memset(ifc, 0, sizeof(*ifc));
	ifc->linktype = get16(ng, ng->buf, len, 0);
	ifc->dlt = dlt_of(ifc->linktype);
	ifc->snaplen = get32(ng, ng->buf, len, 4);
	ifc->tsresol = 6;		/* microseconds unless said */
	for (off = 8; hsa_have(len, off, 4);) {
		uint16_t code = get16(ng, ng->buf, len, off);
		uint16_t olen = get16(ng, ng->buf, len, off + 2);

		if (code == OPT_END || !hsa_have(len, off + 4, olen))
			break;
		if (code == OPT_TSRESOL && olen == 1)
			ifc->tsresol = hsa_u8(ng->buf, len, off + 4);
		if (code == OPT_TSOFFSET && olen == 8) {
			uint64_t hi = get32(ng, ng->buf, len, off + 4);
			uint64_t lo = get32(ng, ng->buf, len, off + 8);

			/* A 64-bit value in the section's byte order. */
			ifc->tsoffset = (int64_t)(ng->be ? hi << 32 | lo : lo << 32 | hi);
		}
		off += 4 + ((olen + 3U) & ~3U);
	}
	ng->nifs++;
	return 0;
}

/* Seconds and nanoseconds of a timestamp in the interface's units; tv_sec
 * -1 (unusable, counted by the caller) when it cannot be represented. */
static void convert_time(const struct hsa_pcapng_iface *ifc, uint64_t units,
    struct pcap_pkthdr *h)
{
	uint64_t per_sec = 1, sec, frac;
	uint8_t r = ifc->tsresol;
	int i;

	h->ts.tv_sec = -1;
	h->ts.tv_usec = 0;
	if (r & 0x80) {			/* 2^-n seconds */
		if ((r & 0x7f) > 63)
			return;
		per_sec = (uint64_t)1 << (r & 0x7f);
	} else {			/* 10^-n seconds */
		if (r > 19)
			return;
		for (i = 0; i < r; i++)
			per_sec *= 10;
	}
	sec = units / per_sec;
	frac = units % per_sec;
	if (sec > (uint64_t)HSA_TS_MAX_SEC)
		return;
	if ((int64_t)sec + ifc->tsoffset < 0 ||
	    (int64_t)sec > HSA_TS_MAX_SEC - ifc->tsoffset)
		return;
	h->ts.tv_sec = (time_t)((int64_t)sec + ifc->tsoffset);
	/* tv_usec holds nanoseconds, as libpcap's with nanosecond precision. */
	h->ts.tv_usec = (suseconds_t)((unsigned __int128)frac * 1000000000U / per_sec);
}

int hsa_pcapng_open(struct hsa_pcapng *ng, FILE *fp, char *err, size_t errlen)
{
	uint32_t type, len;
	int r;

	memset(ng, 0, sizeof(*ng));
	ng->fp = fp;
	ng->machine.tw_reuse = -1;
	/* The first interface gives the file's link type for reports. */
	while ((r = next_block(ng, &type, &len)) == 1) {
		if (type == BT_SHB && section_header(ng, len) != 0)
			break;
		if (type == BT_IDB) {
			if (interface_description(ng, len) != 0)
				break;
			ng->first_dlt = ng->ifs[0].dlt;
			ng->first_snaplen = ng->ifs[0].snaplen;
			return 0;
		}
		if (type == BT_EPB || type == BT_SPB || type == BT_PB) {
			snprintf(ng->err, sizeof(ng->err),
			    "a packet before any interface description");
			break;
		}
	}
	snprintf(err, errlen, "not a capture file (pcapng: %s)",
	    r == 0 ? "no interface description" : ng->err);
	hsa_pcapng_close(ng);
	return -1;
}

int hsa_pcapng_next(struct hsa_pcapng *ng, struct pcap_pkthdr *h,
    const uint8_t **data, struct hsa_pcapng_iface **ifc)
{
	uint32_t type, len, id, caplen, off;
	uint64_t units;
	int r;

	while ((r = next_block(ng, &type, &len)) == 1) {
		switch (type) {
		case BT_SHB:
			if (section_header(ng, len) != 0)
				return -1;
			continue;
		case BT_IDB:
			if (interface_description(ng, len) != 0)
				return -1;
			continue;
		case BT_EPB:
		case BT_PB:
			/* The same layout but for the interface: 32 bits in an
			 * Enhanced Packet Block, 16 (then a drops count) in the
			 * obsolete Packet Block. */
			if (len < 20)
				return fail(ng, "%s of %lu bytes", type == BT_EPB ?
				    "enhanced packet block" : "packet block",
				    (unsigned long)(len + 12));
			id = type == BT_EPB ? get32(ng, ng->buf, len, 0) :
			    get16(ng, ng->buf, len, 0);
			units = (uint64_t)get32(ng, ng->buf, len, 4) << 32 |
			    get32(ng, ng->buf, len, 8);
			caplen = get32(ng, ng->buf, len, 12);
			h->len = get32(ng, ng->buf, len, 16);
			off = 20;
			break;
		case BT_SPB:
			if (len < 4)
				return fail(ng, "simple packet block of %lu bytes", (unsigned long)(len + 12));
			id = 0;
			units = 0;
			h->len = get32(ng, ng->buf, len, 0);
			caplen = len - 4 < h->len ? len - 4 : h->len;
			if (ng->nifs && ng->ifs[0].snaplen && caplen > ng->ifs[0].snaplen)
				caplen = ng->ifs[0].snaplen;
			off = 4;
			break;
		default:
			continue;	/* not a packet */
		}
		if (id >= ng->nifs)
			return fail(ng, "a packet on interface %lu, which no block describes", (unsigned long)(id));
		if (!hsa_have(len, off, caplen))
			return fail(ng, "a packet of %lu bytes longer than its block", (unsigned long)(caplen));
		*ifc = &ng->ifs[id];
		h->caplen = caplen;
		if (type == BT_SPB) {	/* no time at all: unusable */
			h->ts.tv_sec = -1;
			h->ts.tv_usec = 0;
		} else
			convert_time(*ifc, units, h);
		*data = ng->buf + off;
		return 1;
	}
	return r;
}

void hsa_pcapng_close(struct hsa_pcapng *ng)
{
	forget_interfaces(ng);
	free(ng->ifs);
	free(ng->buf);
	ng->ifs = NULL;
	ng->buf = NULL;
	ng->nifs = ng->ifs_size = ng->bufsize = 0;
	if (ng->fp)
		fclose(ng->fp);
	ng->fp = NULL;
}
