/*
 * hsa_pcapng.h - pcapng files read block by block (src/pcapng.c), so that
 * every packet comes with its own interface's link type and timestamp
 * resolution.  The capture stage uses it for every pcapng file; libpcap
 * reads pcap files and live interfaces.
 */
#ifndef HSA_PCAPNG_H
#define HSA_PCAPNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>

struct hsa_pcapng_iface {
	uint16_t linktype;	/* LINKTYPE_ as in the file */
	int dlt;		/* libpcap's DLT_ for it */
	uint32_t snaplen;
	uint8_t tsresol;	/* if_tsresol: 10^-n, or 2^-n with the top bit */
	int64_t tsoffset;	/* if_tsoffset, seconds */
	bool has_filter;	/* the capture stage's BPF program for dlt */
	bool filter_failed;	/* the filter cannot be compiled for dlt */
	struct bpf_program filter;
};

struct hsa_pcapng {
	FILE *fp;
	bool be;			/* the current section's byte order */
	struct hsa_pcapng_iface *ifs;	/* the current section's interfaces */
	size_t nifs, ifs_size;
	uint8_t *buf;			/* the current block's body */
	size_t bufsize;
	int first_dlt;			/* of the file's first interface */
	uint32_t first_snaplen;
	char err[256];
};

/* Read up to the first interface description of the pcapng file fp (its
 * first bytes are the section header).  0, or -1 with the cause in err; fp
 * is then closed.  On success fp belongs to ng. */
int hsa_pcapng_open(struct hsa_pcapng *ng, FILE *fp, char *err,
    size_t errlen);

/* The next packet: 1 with h (ts.tv_usec in nanoseconds; ts.tv_sec -1 when
 * the time cannot be used), its bytes (valid until the next call) and its
 * interface; 0 at the end; -1 when the file is damaged or cut, with the
 * cause in ng->err. */
int hsa_pcapng_next(struct hsa_pcapng *ng, struct pcap_pkthdr *h,
    const uint8_t **data, struct hsa_pcapng_iface **ifc);

void hsa_pcapng_close(struct hsa_pcapng *ng);

#endif
