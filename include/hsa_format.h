/*
 * hsa_format.h - how addresses, times and durations are written in reports.
 */
#ifndef HSA_FORMAT_H
#define HSA_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsa_packet.h"

#define HSA_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
#define HSA_ENDPOINT_STRLEN (HSA_ADDR_STRLEN + 8)	/* [addr]:port */
#define HSA_TIME_STRLEN 40

/* IPv4 dotted quad, or IPv6 in RFC 5952 form. */
const char *hsa_format_addr(uint8_t ip_version, const struct hsa_addr *a,
    char *buf, size_t len);
/* addr:port, with the IPv6 address in brackets: [2001:db8::1]:443. */
const char *hsa_format_endpoint(uint8_t ip_version, const struct hsa_addr *a,
    uint16_t port, char *buf, size_t len);
/* ISO 8601 UTC with 6 or 9 fractional digits: 2023-11-14T22:13:20.000123Z */
const char *hsa_format_time(int64_t ts_ns, bool nano, char *buf, size_t len);
/*
 * Writing at a cursor: each function writes at p, without a terminating
 * NUL, and returns the end.  p has room for the most the function writes.
 */
#define HSA_UINT_MAXLEN 20	/* 18446744073709551615 */
#define HSA_TIME_MAXLEN 30	/* 2262-04-11T23:47:16.854775807Z */
#define HSA_ADDR_MAXLEN 45	/* INET6_ADDRSTRLEN - 1 */

char *hsa_put_uint_long(char *p, uint64_t v);
/* v in decimal (at most HSA_UINT_MAXLEN bytes). */
static inline char *hsa_put_uint(char *p, uint64_t v)
{
	if (v < 10) {		/* most counters of a connection */
		*p = (char)('0' + v);
		return p + 1;
	}
	return hsa_put_uint_long(p, v);
}
/* Nanoseconds as milliseconds, exactly, trailing zeros dropped:
 * 20375000 -> 20.375, -1 -> -0.000001 (at most HSA_MS_MAXLEN bytes). */
#define HSA_MS_MAXLEN 21	/* -9223372036854.775808 */
char *hsa_put_ms(char *p, int64_t ns);
/* As hsa_format_addr() (at most HSA_ADDR_MAXLEN bytes). */
char *hsa_put_addr(char *p, uint8_t ip_version, const struct hsa_addr *a);
/* As hsa_format_time() (at most HSA_TIME_MAXLEN bytes). */
char *hsa_put_time(char *p, int64_t ts_ns, bool nano);

/* Nanoseconds as milliseconds. */
double hsa_ms(int64_t ns);

#endif
