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

/* The machine a capture was taken on, as -w records it in the section
 * header (hsa_pcapng_writer) and -r reads it back. */
struct hsa_machine {
	bool has_range;			/* net.ipv4.ip_local_port_range */
	uint16_t port_low, port_high;
	int tw_reuse;			/* net.ipv4.tcp_tw_reuse, -1 unknown */
	char hostname[72];		/* "" unknown */
	char release[72];		/* uname -r; "" unknown */
};

/* How the section header's opt_comment that records the machine starts. */
#define HSA_MACHINE_COMMENT "hsanalyze machine: "

struct hsa_pcapng {
	FILE *fp;
	struct hsa_machine machine;	/* of the first section, when recorded */
	bool section_seen;
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

/* Fill m with this machine's (this network namespace's) port range,
 * tcp_tw_reuse, hostname and kernel release, as far as they can be read. */
void hsa_machine_read(struct hsa_machine *m);

/* -w: a pcapng writer.  The section header carries m (shb_hardware: the
 * hostname, shb_os: the kernel, shb_userappl, and an opt_comment with the
 * sysctls that hsa_pcapng_open() parses back); each link type gets its
 * interface description the first time a packet of it comes. */
struct hsa_pcapng_writer {
	FILE *fp;
	bool in_nano;		/* packets' ts.tv_usec holds nanoseconds */
	bool nano;		/* the file's: nanoseconds, else microseconds */
	uint32_t snaplen;
	int dlts[16];		/* interface i's DLT_ */
	size_t ndlts;
};

/* Write the section header to fp (which stays the caller's).  in_nano:
 * the packets' ts.tv_usec will hold nanoseconds (else microseconds); nano:
 * the file's resolution (the source's).  0, or -1 when the write failed
 * (ferror(fp)). */
int hsa_pcapng_writer_start(struct hsa_pcapng_writer *w, FILE *fp,
    const struct hsa_machine *m, bool in_nano, bool nano, uint32_t snaplen);

/* Write one packet of link type dlt.  0, or -1 when the write failed or
 * the file already has as many link types as it can hold. */
int hsa_pcapng_writer_packet(struct hsa_pcapng_writer *w, int dlt,
    const struct pcap_pkthdr *h, const uint8_t *data);

#endif
