/*
 * hsa_reader.h - read and decode a capture file on a second thread, the
 * worker, which also analyses what the tracker reports.
 *
 * Reading a capture (libpcap, decoding, hashing the 4-tuple), tracking
 * connections, and analysing and reporting them each take a share of the
 * time; on a machine with two cores the tracker keeps one, and the worker
 * reads and analyses on the other.  The worker fills batches of decoded
 * segments; the caller takes them in order and tracks them, and hands the
 * connections it reports back to the worker (hsa_handoff.h).  Only files
 * use this: a live capture stays on one thread, where signals and timers
 * are simpler.
 */
#ifndef HSA_READER_H
#define HSA_READER_H

#include <stddef.h>

#include "hsa_capture.h"
#include "hsa_handoff.h"
#include "hsa_packet.h"

/* Called on the worker thread for each segment before it is handed over
 * (the tracker's hashing). */
typedef void (*hsa_reader_prepare)(void *ctx, struct hsa_packet *p);

struct hsa_reader;

/* Start reading cap, at most count packets (0: all); with analysis, the
 * worker also serves the handoff of hsa_reader_handoff().  NULL when the
 * thread cannot be started: the caller then reads and analyses on its own
 * thread. */
struct hsa_reader *hsa_reader_start(struct hsa_capture *cap,
    unsigned long long count, hsa_reader_prepare prepare, void *ctx,
    const struct hsa_handoff_ops *analysis);

/* The tracker's side of the handoff to the worker's analysis; NULL when
 * started without analysis. */
struct hsa_handoff *hsa_reader_handoff(struct hsa_reader *r);

/* An hsa_populate_hook (hsa_tracker.h), reader its hsa_reader: the worker
 * makes len bytes at addr resident and writable between batches
 * (madvise(MADV_POPULATE_WRITE), which changes no contents, so the
 * tracker may already use them).  A request that finds the worker's
 * queue of them full is dropped: the tracker then takes the faults. */
void hsa_reader_populate(void *reader, void *addr, size_t len);

/* The next batch of segments, or NULL at the end.  The batch stays valid
 * until the next call. */
const struct hsa_packet *hsa_reader_next(struct hsa_reader *r, size_t *n);

/* Ask the worker to read no more (an output failed): it ends after the
 * record it is reading.  The caller stops calling hsa_reader_next(). */
void hsa_reader_stop(struct hsa_reader *r);

/* Wait until the worker has read its last record (after the end, or a
 * stop): cap's counters are final then.  It may go on analysing. */
void hsa_reader_wait_read(struct hsa_reader *r);

/* End the handoff (hsa_handoff_end(): all that was handed over is
 * analysed), wait for the worker and free everything. */
void hsa_reader_finish(struct hsa_reader *r);

#endif
