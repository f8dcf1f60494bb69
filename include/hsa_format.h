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
/* Nanoseconds as milliseconds. */
double hsa_ms(int64_t ns);

#endif
