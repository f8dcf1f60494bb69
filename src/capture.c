/*
 * capture.c - read records from libpcap, decode them, count what happened
 * to each one.
 *
 * This is the boundary between libpcap and the rest: after it, a packet is a
 * struct hsa_packet or a counted reason why it is not one.
 *
 * Every packet carries its frame number, counted as Wireshark counts them,
 * so that reports can point at the segments a verdict rests on.  For that a
 * file's filter is applied here (pcap_offline_filter(), which is what
 * libpcap's own filtering of a file does) rather than inside libpcap, which
 * would hide the records it drops from the count.  A live capture's filter
 * stays in the kernel: there the frame numbers are those of the -w file.
 */
#include "config.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prefetch.h"
#include "hsa_capture.h"

/* How long a live read waits for a packet before returning, so that the
 * caller can look at the clock and at signals. */
#define LIVE_WAIT_MS		HSA_LIVE_DELIVERY_MS
/* Draining: beyond the delivery delay, for the kernel's timer to fire. */
#define LIVE_DRAIN_SLACK_MS	50
#define NS_PER_MS		1000000LL

/* pcapng: the filter compiled for the interface's link type, once; false
 * when it cannot be compiled for it (the packet is then not analysed). */
static bool compile_for(struct hsa_capture *cap, struct hsa_pcapng_iface *ifc)
{
	pcap_t *dead;

	if (ifc->has_filter || ifc->filter_failed)
		return ifc->has_filter;
	dead = pcap_open_dead(ifc->dlt, ifc->snaplen ? (int)ifc->snaplen : 262144);
	if (dead && pcap_compile(dead, &ifc->filter, cap->filter_expr, 1,
	    PCAP_NETMASK_UNKNOWN) == 0)
		ifc->has_filter = true;
	else
		ifc->filter_failed = true;
	if (dead)
		pcap_close(dead);
	return ifc->has_filter;
}

static const char *dlt_name(int dlt)
{
	const char *n = pcap_datalink_val_to_name(dlt);

	return n ? n : "unknown";
}

/* Remember the link types of a pcapng file as they appear. */
static void note_link(struct hsa_capture *cap, int dlt)
{
	int i;

	for (i = 0; i < cap->ndlts; i++)
		if (cap->dlts[i] == dlt)
			return;
	if (cap->ndlts == (int)(sizeof(cap->dlts) / sizeof(cap->dlts[0])))
		return;
	cap->dlts[cap->ndlts++] = dlt;
	snprintf(cap->link_names + strlen(cap->link_names),
	    sizeof(cap->link_names) - strlen(cap->link_names), "%s%s",
	    cap->ndlts > 1 ? "," : "", dlt_name(dlt));
}

/* The next record of a pcapng file and its interface: 1, or -1 at the end
 * (stats.cut_short set when the file is damaged or cut). */
static int next_pcapng(struct hsa_capture *cap, struct pcap_pkthdr *h,
    const u_char **data, struct hsa_pcapng_iface **ifc)
{
	int r = hsa_pcapng_next(cap->ng, h, data, ifc);

	if (r == 1)
		return 1;
	if (r < 0) {
		cap->stats.cut_short = true;
		snprintf(cap->stats.cut_reason, sizeof(cap->stats.cut_reason),
		    "%s", cap->ng->err);
	}
	return -1;
}

int hsa_capture_set_filter(struct hsa_capture *cap, const char *expr,
    char *err, size_t errlen)
{
	struct bpf_program prog;

	/* Compiled for the (first) link type: a bad expression is a usage
	 * error before anything is read. */
	if (pcap_compile(cap->pcap, &prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(cap->pcap));
		return -1;
	}
	if (cap->ng) {
		pcap_freecode(&prog);
		if (!(cap->filter_expr = strdup(expr))) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		return 0;
	}
	if (!cap->live) {
		if (cap->has_filter)
			pcap_freecode(&cap->filter);
		cap->filter = prog;
		cap->has_filter = true;
		return 0;
	}
	if (pcap_setfilter(cap->pcap, &prog) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(cap->pcap));
		pcap_freecode(&prog);
		return -1;
	}
	pcap_freecode(&prog);
	return 0;
}

/* The record's time in nanoseconds, or -1 when it is outside the usable
 * range (see hsa_capture.h): checked before multiplying, so no value of
 * the header can overflow. */
static int usable_timestamp(const struct pcap_pkthdr *h, int64_t *ts)
{
	/* With nanosecond precision requested, tv_usec holds nanoseconds. */
	if (h->ts.tv_sec < 0 || (long long)h->ts.tv_sec > HSA_TS_MAX_SEC ||
	    h->ts.tv_usec < 0 || h->ts.tv_usec >= 1000000000L)
		return -1;
	*ts = (int64_t)h->ts.tv_sec * 1000000000LL + (int64_t)h->ts.tv_usec;
	return 0;
}

/* First and last times, and steps back of the capture's clock. */
static void note_time_any(struct hsa_capture_stats *st, int64_t ts)
{
	if (!st->have_ts) {
		st->first_ts = st->last_ts = st->clock_ts = ts;
		st->have_ts = true;
		return;
	}
	if (ts < st->first_ts)
		st->first_ts = ts;
	if (ts > st->last_ts)
		st->last_ts = ts;
	if (st->clock_ts - ts > HSA_CLOCK_STEP_NS) {
		st->clock_steps_back++;
		if (st->clock_ts - ts > st->largest_step_back_ns)
			st->largest_step_back_ns = st->clock_ts - ts;
		st->clock_ts = ts;	/* the clock goes on from here */
	} else if (ts > st->clock_ts)
		st->clock_ts = ts;
}

/* The same, with the usual case first: a record no earlier than the clock
 * moves only the clock and the latest time (the first time is never later
 * than the clock, which is a time seen). */
static inline void note_time(struct hsa_capture_stats *st, int64_t ts)
{
	if (st->have_ts && ts >= st->clock_ts) {
		st->clock_ts = ts;
		if (ts > st->last_ts)
			st->last_ts = ts;
		return;
	}
	note_time_any(st, ts);
}

/* A record read and kept (the filter passed it, -w saved it): counted,
 * timed and decoded.  1 with pkt filled when it is a TCP segment, else 0. */
static inline int take_record(struct hsa_capture *cap, int dlt,
    const struct pcap_pkthdr *h, const u_char *data, struct hsa_packet *pkt)
{
	struct hsa_capture_stats *st = &cap->stats;
	enum hsa_decode_result r;
	int64_t ts;

	st->packets++;
	if (usable_timestamp(h, &ts) != 0) {
		st->bad_timestamps++;
		return 0;
	}
	note_time(st, ts);

	r = hsa_decode_link(dlt, pkt, data, h->caplen, h->len);
	st->results[r]++;
	if (r != HSA_DECODE_TCP)
		return 0;
	pkt->ts_ns = ts;
	pkt->frame = st->frames;
	st->options_truncated += pkt->opt.truncated;
	st->options_invalid += pkt->opt.invalid;
	return 1;
}

/* pcap_next_ex() gave rc, not a record: what hsa_capture_next() returns. */
static int not_a_record(struct hsa_capture *cap, int rc)
{
	struct hsa_capture_stats *st = &cap->stats;

	if (rc == 0)		/* live: no packet yet */
		return 0;
	/* Draining, the capture is ending already: an interruption (one
	 * that came before, or a second SIGTERM) changes nothing. */
	if (rc == PCAP_ERROR_BREAK)
		return !cap->live ? -1 : cap->drain_until_ns ? 0 : -2;
	if (rc == PCAP_ERROR) {
		st->cut_short = true;
		snprintf(st->cut_reason, sizeof(st->cut_reason), "%s",
		    pcap_geterr(cap->pcap));
	}
	return -1;
}

static int64_t monotonic_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

void hsa_capture_drain_live(struct hsa_capture *cap)
{
	if (cap->live)
		cap->drain_until_ns = monotonic_ns() +
		    (HSA_LIVE_DELIVERY_MS + LIVE_DRAIN_SLACK_MS) * NS_PER_MS;
}

/* Live, when libpcap has nothing ready: wait for the kernel's next block,
 * at most LIVE_WAIT_MS.  1 when one may be ready, 0 when not (the caller
 * then looks at the clock and at signals), -1 when a drain is over. */
static int live_wait(struct hsa_capture *cap)
{
	struct pollfd pfd = { .fd = cap->live_fd, .events = POLLIN };
	int wait_ms = LIVE_WAIT_MS;

	if (cap->drain_until_ns) {
		int64_t left = cap->drain_until_ns - monotonic_ns();

		if (left <= 0)
			return -1;	/* waited a delivery delay: all is in */
		if (left / NS_PER_MS + 1 < wait_ms)
			wait_ms = (int)(left / NS_PER_MS) + 1;
	}
	return poll(&pfd, 1, wait_ms) > 0 ? 1 : 0;
}

/* Draining for longer than HSA_LIVE_DRAIN_MAX_MS: packets come faster
 * than they are read, and the end cannot wait for a pause. */
static bool drain_too_long(const struct hsa_capture *cap)
{
	return cap->drain_until_ns && monotonic_ns() - cap->drain_until_ns >
	    (HSA_LIVE_DRAIN_MAX_MS - HSA_LIVE_DELIVERY_MS - LIVE_DRAIN_SLACK_MS) *
	    NS_PER_MS;
}

/* Everything but a plain pcap file: pcapng, a filter, -w, a live capture.
 * Not inlined, so that the plain file's path stays small. */
__attribute__((noinline))
static int next_record(struct hsa_capture *cap, struct hsa_packet *pkt)
{
	struct hsa_capture_stats *st = &cap->stats;
	struct pcap_pkthdr *h, ngh;
	const u_char *data;
	struct hsa_pcapng_iface *ifc = NULL;
	int rc, dlt = cap->dlt;

	if (cap->ng) {
		h = &ngh;
		if (next_pcapng(cap, h, &data, &ifc) < 0)
			return -1;
		dlt = ifc->dlt;
		rc = 1;
	} else {
		if (drain_too_long(cap))
			return -1;
		rc = pcap_next_ex(cap->pcap, &h, &data);
	}
	if (rc == 0 && cap->live_fd >= 0) {
		/* Live captures are non-blocking (on Linux libpcap's own wait
		 * for a block has no timeout when no packet comes at all):
		 * wait here, briefly. */
		int w = live_wait(cap);

		if (w <= 0)
			return w;	/* nothing yet, a signal, or drained */
		rc = pcap_next_ex(cap->pcap, &h, &data);
	}
	if (rc != 1)
		return not_a_record(cap, rc);

	st->frames++;
	if (ifc) {		/* pcapng: the filter for this link type */
		if (cap->filter_expr && (!compile_for(cap, ifc) ||
		    !pcap_offline_filter(&ifc->filter, h, data)))
			return 0;
		note_link(cap, dlt);
	} else if (cap->has_filter && !pcap_offline_filter(&cap->filter, h, data))
		return 0;
	/* Stop at the first failed write, not at the end. */
	if (cap->writer &&
	    hsa_pcapng_writer_packet(cap->writer, dlt, h, data) != 0) {
		st->save_failed = true;
		if (!ferror(cap->writer->fp))
			snprintf(st->save_reason, sizeof(st->save_reason),
			    "a packet of link type %s is one link type more than a -w file holds",
			    dlt_name(dlt));
		return -1;
	}
	return take_record(cap, dlt, h, data, pkt);
}

bool hsa_capture_plain(const struct hsa_capture *cap)
{
	return !cap->ng && !cap->live && !cap->has_filter && !cap->writer;
}

int hsa_capture_next(struct hsa_capture *cap, struct hsa_packet *pkt)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc;

	/* A plain pcap file, the common case and the one to be fast: each
	 * record is read and taken, nothing else. */
	if (!hsa_capture_plain(cap))
		return next_record(cap, pkt);
	rc = pcap_next_ex(cap->pcap, &h, &data);
	if (rc != 1)
		return not_a_record(cap, rc);
	cap->stats.frames++;
	return take_record(cap, cap->dlt, h, data, pkt);
}

struct dispatch {
	struct hsa_capture *cap;
	struct hsa_capture_sink *sink;
};

/* Slots ahead of the one written that are asked for (prefetch.h). */
#define SLOT_WRITE_AHEAD	8

/* pcap_dispatch()'s callback: one record of a plain pcap file. */
static void dispatch_record(u_char *user, const struct pcap_pkthdr *h,
    const u_char *data)
{
	struct dispatch *d = (struct dispatch *)(void *)user;
	struct hsa_capture_sink *sink = d->sink;
	struct hsa_packet pkt;

	/* Decoded here, in this thread's cache, and copied whole into the
	 * slot: the slot's lines were last read by the consumer, on the
	 * other core, and decoding straight into them waited for each one
	 * to come back. */
	d->cap->stats.frames++;
	if (take_record(d->cap, d->cap->dlt, h, data, &pkt) == 1) {
		if (sink->prepare)
			sink->prepare(sink->ctx, &pkt);
		if (sink->free > SLOT_WRITE_AHEAD)
			hsa_prefetch_range(sink->slot + SLOT_WRITE_AHEAD,
			    sizeof(pkt), true);
		*sink->slot++ = pkt;
		sink->free--;
	}
	if (sink->stop &&
	    atomic_load_explicit(sink->stop, memory_order_relaxed))
		pcap_breakloop(d->cap->pcap);
}

int hsa_capture_dispatch(struct hsa_capture *cap, int max,
    struct hsa_capture_sink *sink)
{
	struct dispatch d = { .cap = cap, .sink = sink };
	int rc;

	if (max <= 0 || (size_t)max > sink->free)
		return -1;
	rc = pcap_dispatch(cap->pcap, max, dispatch_record, (u_char *)&d);
	return rc >= 0 ? rc : not_a_record(cap, rc);
}

void hsa_capture_close(struct hsa_capture *cap)
{
	cap->writer = NULL;	/* its stream is the output layer's */
	if (cap->has_filter)
		pcap_freecode(&cap->filter);
	cap->has_filter = false;
	if (cap->pcap)
		pcap_close(cap->pcap);
	cap->pcap = NULL;
	if (cap->ng) {
		hsa_pcapng_close(cap->ng);
		free(cap->ng);
		cap->ng = NULL;
	}
	free(cap->filter_expr);
	cap->filter_expr = NULL;
	free(cap->stdio_buf);	/* after the FILE that used it is closed */
	cap->stdio_buf = NULL;
}

const char *hsa_capture_link_name(const struct hsa_capture *cap)
{
	/* pcapng: the link types of the packets read (several when they came
	 * from interfaces of several types); before any, the first
	 * interface's. */
	return cap->ndlts > 0 ? cap->link_names : dlt_name(cap->dlt);
}
