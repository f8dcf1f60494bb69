/*
 * pcapng_write.c - what -w writes: a pcapng file (draft-ietf-opsawg-pcapng)
 * whose section header records the machine the capture was taken on, so
 * that hsanalyze -r of it judges TIME-WAIT pressure against that machine's
 * port range, and Wireshark shows it (capinfos: "Capture oper-sys",
 * "Capture application", "Capture comment").
 *
 *   SHB  options: opt_comment "hsanalyze machine: hostname=H;
 *        kernel=R; net.ipv4.ip_local_port_range=LO HI;
 *        net.ipv4.tcp_tw_reuse=N", shb_os "Linux R", shb_userappl
 *   IDB  one per link type, if_tsresol 9 (nanoseconds) or 6
 *   EPB  one per packet
 * Blocks are written in this machine's byte order, as the format allows.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "hsa_pcapng.h"

#define BT_SHB		0x0a0d0d0aU
#define BT_IDB		1U
#define BT_EPB		6U
#define BOM		0x1a2b3c4dU
#define OPT_END		0
#define OPT_COMMENT	1
#define SHB_OS		3
#define SHB_USERAPPL	4
#define IF_TSRESOL	9
#define LINKTYPE_RAW	101
#define TSRESOL_NANO	9
#define TSRESOL_MICRO	6
#define NS_PER_S	1000000000ULL
#define US_PER_S	1000000ULL
#define NS_PER_US	1000ULL
#define PORT_RANGE_FILE	"/proc/sys/net/ipv4/ip_local_port_range"
#define TW_REUSE_FILE	"/proc/sys/net/ipv4/tcp_tw_reuse"

void hsa_machine_read(struct hsa_machine *m)
{
	struct utsname u;
	unsigned lo, hi;
	int reuse;
	FILE *f;

	memset(m, 0, sizeof(*m));
	m->tw_reuse = -1;
	if ((f = fopen(PORT_RANGE_FILE, "r"))) {
		if (fscanf(f, "%u %u", &lo, &hi) == 2 && lo >= 1 && lo <= hi &&
		    hi <= 65535) {
			m->has_range = true;
			m->port_low = (uint16_t)lo;
			m->port_high = (uint16_t)hi;
		}
		fclose(f);
	}
	if ((f = fopen(TW_REUSE_FILE, "r"))) {
		if (fscanf(f, "%d", &reuse) == 1 && reuse >= 0 && reuse <= 2)
			m->tw_reuse = reuse;
		fclose(f);
	}
	if (uname(&u) == 0) {
		snprintf(m->hostname, sizeof(m->hostname), "%s", u.nodename);
		snprintf(m->release, sizeof(m->release), "%s", u.release);
	}
}

static void put32(FILE *fp, uint32_t v)
{
	fwrite(&v, sizeof(v), 1, fp);
}

static void put16(FILE *fp, uint16_t v)
{
	fwrite(&v, sizeof(v), 1, fp);
}

/* The bytes an option of len bytes takes, padded to 32 bits. */
static uint32_t option_size(size_t len)
{
	return 4 + (((uint32_t)len + 3U) & ~3U);
}

static void put_option(FILE *fp, uint16_t code, const void *val, size_t len)
{
	static const uint8_t zero[4];

	put16(fp, code);
	put16(fp, (uint16_t)len);
	if (len)		/* opt_endofopt has no value */
		fwrite(val, 1, len, fp);
	fwrite(zero, 1, option_size(len) - 4 - len, fp);
}

int hsa_pcapng_writer_start(struct hsa_pcapng_writer *w, FILE *fp,
    const struct hsa_machine *m, bool in_nano, bool nano, uint32_t snaplen)
{
	char comment[400], os[96], part[96];
	const char *appl = PACKAGE_STRING;
	uint32_t total;

	memset(w, 0, sizeof(*w));
	w->fp = fp;
	w->in_nano = in_nano;
	w->nano = nano;
	w->snaplen = snaplen;
	snprintf(comment, sizeof(comment), "%s", HSA_MACHINE_COMMENT);
	if (m->hostname[0]) {
		snprintf(part, sizeof(part), "hostname=%s; ", m->hostname);
		strncat(comment, part, sizeof(comment) - strlen(comment) - 1);
	}
	if (m->release[0]) {
		snprintf(part, sizeof(part), "kernel=%s; ", m->release);
		strncat(comment, part, sizeof(comment) - strlen(comment) - 1);
	}
	if (m->has_range) {
		snprintf(part, sizeof(part),
		    "net.ipv4.ip_local_port_range=%u %u; ",
		    (unsigned)m->port_low, (unsigned)m->port_high);
		strncat(comment, part, sizeof(comment) - strlen(comment) - 1);
	}
	if (m->tw_reuse >= 0) {
		snprintf(part, sizeof(part), "net.ipv4.tcp_tw_reuse=%d; ",
		    m->tw_reuse);
		strncat(comment, part, sizeof(comment) - strlen(comment) - 1);
	}
	if (strlen(comment) > strlen(HSA_MACHINE_COMMENT))
		comment[strlen(comment) - 2] = '\0';	/* the last "; " */
	else
		comment[0] = '\0';	/* nothing known of the machine */
	snprintf(os, sizeof(os), "Linux %s", m->release);

	/* type, length, BOM, version, section length, options, end, length */
	total = 12 + 4 + 4 + 8 +
	    (comment[0] ? option_size(strlen(comment)) : 0) +
	    (m->release[0] ? option_size(strlen(os)) : 0) +
	    option_size(strlen(appl)) + 4;
	put32(fp, BT_SHB);
	put32(fp, total);
	put32(fp, BOM);
	put16(fp, 1);
	put16(fp, 0);
	put32(fp, 0xffffffffU);		/* section length not given */
	put32(fp, 0xffffffffU);
	if (comment[0])
		put_option(fp, OPT_COMMENT, comment, strlen(comment));
	if (m->release[0])
		put_option(fp, SHB_OS, os, strlen(os));
	put_option(fp, SHB_USERAPPL, appl, strlen(appl));
	put_option(fp, OPT_END, NULL, 0);
	put32(fp, total);
	return ferror(fp) ? -1 : 0;
}

/* The interface of link type dlt, described the first time; -1 when the
 * file already has as many as it can hold. */
static int interface_of(struct hsa_pcapng_writer *w, int dlt)
{
	uint8_t resol = w->nano ? TSRESOL_NANO : TSRESOL_MICRO;
	uint32_t total = 12 + 8 + option_size(1) + 4;
	size_t i;

	for (i = 0; i < w->ndlts; i++)
		if (w->dlts[i] == dlt)
			return (int)i;
	if (w->ndlts == sizeof(w->dlts) / sizeof(w->dlts[0]))
		return -1;
	put32(w->fp, BT_IDB);
	put32(w->fp, total);
	put16(w->fp, (uint16_t)(dlt == DLT_RAW ? LINKTYPE_RAW : dlt));
	put16(w->fp, 0);
	put32(w->fp, w->snaplen);
	put_option(w->fp, IF_TSRESOL, &resol, 1);
	put_option(w->fp, OPT_END, NULL, 0);
	put32(w->fp, total);
	w->dlts[w->ndlts] = dlt;
	return (int)w->ndlts++;
}

int hsa_pcapng_writer_packet(struct hsa_pcapng_writer *w, int dlt,
    const struct pcap_pkthdr *h, const uint8_t *data)
{
	static const uint8_t zero[4];
	uint64_t per_sec = w->nano ? NS_PER_S : US_PER_S;
	uint64_t frac = (uint64_t)h->ts.tv_usec;
	uint64_t units;
	uint32_t pad = ((h->caplen + 3U) & ~3U) - h->caplen;
	uint32_t total = 12 + 20 + h->caplen + pad;
	int ifc = interface_of(w, dlt);

	if (ifc < 0)
		return -1;
	if (w->in_nano && !w->nano)
		frac /= NS_PER_US;
	else if (!w->in_nano && w->nano)
		frac *= NS_PER_US;
	units = (uint64_t)h->ts.tv_sec * per_sec + frac;
	put32(w->fp, BT_EPB);
	put32(w->fp, total);
	put32(w->fp, (uint32_t)ifc);
	put32(w->fp, (uint32_t)(units >> 32));
	put32(w->fp, (uint32_t)units);
	put32(w->fp, h->caplen);
	put32(w->fp, h->len);
	fwrite(data, 1, h->caplen, w->fp);
	fwrite(zero, 1, pad, w->fp);
	put32(w->fp, total);
	return ferror(w->fp) ? -1 : 0;
}
