/*
 * hsa_reader.h - read and decode a capture file on a second thread.
 *
 * Reading a capture (libpcap, decoding, hashing the 4-tuple) and tracking
 * connections each take about half the time; on a machine with two cores
 * they can overlap.  The reader thread fills batches of decoded segments;
 * the caller takes them in order.  Only files use this: a live capture
 * stays on one thread, where signals and timers are simpler.
 */
#ifndef HSA_READER_H
#define HSA_READER_H

#include <stddef.h>

#include "hsa_capture.h"
#include "hsa_packet.h"

/* Called on the reader thread for each segment before it is handed over
 * (the tracker's hashing). */
typedef void (*hsa_reader_prepare)(void *ctx, struct hsa_packet *p);

struct hsa_reader;

/* Start reading cap, at most count packets (0: all).  NULL when the thread
 * cannot be started: the caller then reads on its own thread. */
struct hsa_reader *hsa_reader_start(struct hsa_capture *cap,
    unsigned long long count, hsa_reader_prepare prepare, void *ctx);

/* The next batch of segments, or NULL at the end.  The batch stays valid
 * until the next call. */
const struct hsa_packet *hsa_reader_next(struct hsa_reader *r, size_t *n);

/* Ask the thread to read no more (an output failed): it ends after the
 * record it is reading.  The caller stops calling hsa_reader_next(). */
void hsa_reader_stop(struct hsa_reader *r);

/* Wait for the thread and free everything; cap's counters are final then. */
void hsa_reader_finish(struct hsa_reader *r);

#endif
