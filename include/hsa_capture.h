/*
 * hsa_capture.h - the first stage: packets from a capture file, standard
 * input or a live interface, through libpcap, decoded and counted.
 *
 * Timestamps are read at nanosecond resolution whatever the source; the
 * source's own precision (microseconds or nanoseconds) is kept so that
 * reports print as many digits as the capture really has.
 *
 * A record whose time is outside the usable range of hsa_time.h (a pcapng
 * timestamp near 2^64 units, say) is counted and not analysed.  A clock that
 * steps back by more than HSA_CLOCK_STEP_NS is counted as a step.
 */
#ifndef HSA_CAPTURE_H
#define HSA_CAPTURE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <pcap/pcap.h>

#include "hsa_decode.h"
#include "hsa_packet.h"
#include "hsa_pcapng.h"
#include "hsa_time.h"

/* Live: the longest a packet waits in the kernel's buffer before it is
 * read (libpcap's buffer timeout, without immediate mode), and how often a
 * quiet capture's reader wakes up. */
#define HSA_LIVE_DELIVERY_MS	100

struct hsa_capture_stats {
	uint64_t packets;			/* records read (that the filter kept) */
	uint64_t frames;			/* records read, filtered or not: the
						 * last one's frame number */
	uint64_t results[HSA_DECODE_RESULT_COUNT];
	uint64_t options_truncated;
	uint64_t options_invalid;
	uint64_t bad_timestamps;		/* records outside the usable range */
	uint64_t clock_steps_back;		/* steps back of HSA_CLOCK_STEP_NS or more */
	int64_t largest_step_back_ns;
	bool have_ts;
	int64_t first_ts;
	int64_t last_ts;			/* the latest seen */
	int64_t clock_ts;			/* the latest since the last step */
	bool cut_short;				/* the file ends inside a record */
	bool save_failed;			/* -w failed: reading stopped */
	char save_reason[192];			/* why, when not a write error */
	char cut_reason[PCAP_ERRBUF_SIZE];
};

struct hsa_capture {
	pcap_t *pcap;
	const char *source;	/* a file name, "-", or an interface */
	bool live;
	int dlt;
	uint32_t snaplen;
	bool nano;		/* the source has nanosecond timestamps */
	struct hsa_pcapng_writer *writer; /* -w: every record read is also saved here */
	int live_fd;		/* live: the descriptor to wait on; else -1 */
	int64_t drain_until_ns;	/* live: hsa_capture_drain_live()'s end
				 * (CLOCK_MONOTONIC); 0: not draining */
	bool has_filter;	/* a file's filter, applied here (see capture.c) */
	struct bpf_program filter;
	/* pcapng files are read by src/pcapng.c (each interface its own link
	 * type); pcap then only backs -w and filter compiling (pcap_open_dead). */
	struct hsa_pcapng *ng;
	char *filter_expr;	/* pcapng: the expression, compiled per link type */
	int dlts[4];		/* pcapng: the link types seen, first first */
	int ndlts;
	char link_names[80];
	char *stdio_buf;	/* files: the read buffer of the FILE libpcap or
				 * the pcapng reader reads, freed once that is
				 * closed */
	struct hsa_capture_stats stats;
};

/* Open a capture file, or standard input for "-".  On failure returns -1
 * with a message in err (not naming the file: the caller does). */
int hsa_capture_open_file(struct hsa_capture *cap, const char *path,
    char *err, size_t errlen);

/* Open a network interface ("lo", "any", ...): packets delivered in blocks
 * within HSA_LIVE_DELIVERY_MS, snaplen bytes per packet, a kernel buffer of
 * buffer_kib KiB (0: libpcap's default).  -1 with the cause in err. */
int hsa_capture_open_live(struct hsa_capture *cap, const char *iface,
    int snaplen, int buffer_kib, char *err, size_t errlen);

/* The kernel's and the interface's drop counts of a live capture; -1 when
 * not available. */
int hsa_capture_stats_live(struct hsa_capture *cap, unsigned long long *drops,
    unsigned long long *ifdrops);

/* Live, once the capture is to end: from now on hsa_capture_next() reads
 * on for one delivery delay, so that the packets the kernel still holds in
 * the block it was filling are analysed too, then until nothing more is
 * ready (at most HSA_LIVE_DRAIN_MAX_MS in all), and then returns -1. */
#define HSA_LIVE_DRAIN_MAX_MS	1000
void hsa_capture_drain_live(struct hsa_capture *cap);

/* Interrupt hsa_capture_next() (safe in a signal handler). */
void hsa_capture_break(struct hsa_capture *cap);

/* -Z: become user after the device is open.  -1 with the cause in err. */
int hsa_drop_privileges(const char *user, char *err, size_t errlen);

/* -Z, before that: act as user (effective ids only) while the outputs are
 * created, so that they are created where and as user may, and give the
 * effective ids back with hsa_privileges_return().  -1 with the cause in
 * err (the ids are then given back already). */
int hsa_privileges_borrow(const char *user, char *err, size_t errlen);
void hsa_privileges_return(void);

/* Compile and install a BPF filter; -1 with libpcap's message in err. */
int hsa_capture_set_filter(struct hsa_capture *cap, const char *expr,
    char *err, size_t errlen);

/* Read the next record.  Returns 1 with pkt filled when it is a TCP segment,
 * 0 for any other record (counted in stats) or, live, when nothing came
 * within HSA_LIVE_DELIVERY_MS, -1 at the end of the capture (stats.cut_short
 * tells whether the file was cut inside a record; live, the end of
 * hsa_capture_drain_live()) or at the first record -w could not save
 * (stats.save_failed), and -2 when a live capture was interrupted by
 * hsa_capture_break() (not while draining: 0 then). */
int hsa_capture_next(struct hsa_capture *cap, struct hsa_packet *pkt);

/* Where hsa_capture_dispatch() puts the segments it decodes: each in the
 * next free slot, handed to prepare (when set) right after. */
struct hsa_capture_sink {
	struct hsa_packet *slot;	/* the next free slot */
	size_t free;			/* slots left */
	void (*prepare)(void *ctx, struct hsa_packet *p);
	void *ctx;
	const atomic_bool *stop;	/* read no more once it is set */
};

/* True for a plain pcap file: no pcapng, no filter, no -w, not live.  Only
 * such a capture may be read with hsa_capture_dispatch(). */
bool hsa_capture_plain(const struct hsa_capture *cap);

/* Read up to max records (at most sink->free: each gives at most one
 * segment) with pcap_dispatch(), which costs less per record than
 * pcap_next_ex(); each is counted, timed and decoded as by
 * hsa_capture_next().  Returns the number of records read, 0 at the end of
 * the capture, -1 when it ends on an error (stats.cut_short, as
 * hsa_capture_next()). */
int hsa_capture_dispatch(struct hsa_capture *cap, int max,
    struct hsa_capture_sink *sink);

void hsa_capture_close(struct hsa_capture *cap);

/* The name libpcap gives the link type ("EN10MB"). */
const char *hsa_capture_link_name(const struct hsa_capture *cap);

#endif
