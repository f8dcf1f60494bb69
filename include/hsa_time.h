/*
 * hsa_time.h - capture time: nanoseconds since 1970 in an int64_t, the
 * range in which it is usable, and arithmetic on it that cannot overflow.
 *
 * A timestamp is usable from 1970-01-01 to HSA_TS_MAX_SEC, the last second a
 * classic pcap file can hold (its seconds field is 32 bits unsigned), about
 * 4.3e18 ns: any two usable timestamps, and any of them plus a day of
 * timeout, stay far inside int64_t.  The capture stage drops (and counts)
 * anything else, so later stages only ever see usable times; clocks built
 * from them (the tracker's) still add with hsa_ns_add_sat().
 */
#ifndef HSA_TIME_H
#define HSA_TIME_H

#include <stdint.h>

#define HSA_TS_MAX_SEC		4294967295LL	/* 2106-02-07T06:28:15Z */
/* Going back in time by more than this is a clock step (NTP, files merged
 * out of order), not reordering: multi-queue NICs and merged interfaces
 * reorder by microseconds. */
#define HSA_CLOCK_STEP_NS	1000000000LL

/* a + b for b >= 0, saturating at INT64_MAX. */
static inline int64_t hsa_ns_add_sat(int64_t a, int64_t b)
{
	return a > INT64_MAX - b ? INT64_MAX : a + b;
}

#endif
