/*
 * format.c - numbers, addresses, times and durations as reports write them.
 *
 * Numbers, addresses and times are written digit by digit, two at a time
 * from a table, rather than through inet_ntop(), gmtime_r(), strftime()
 * and snprintf(): the connection log writes two addresses,
 * three times and some thirty numbers per connection on the tracker's
 * thread, and the C library's machinery cost more than the rest of the
 * line (bench/README).  The cursor writers (hsa_put_*) write at p and
 * return the end, for the JSON writers; the hsa_format_* functions fill
 * a string.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hsa_format.h"

/* "00" to "99": two digits per division, half as many divisions. */
static const char digit_pairs[] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The two digits of v (below 100) at p. */
static char *put_pair(char *p, unsigned v)
{
	memcpy(p, digit_pairs + 2 * v, 2);
	return p + 2;
}

/* The n lowest decimal digits of w, zeros first, at p; returns the end.
 * Inlined where n is a constant, the loop unrolled. */
static inline char *put_digits32(char *p, uint32_t w, int n)
{
	char *end = p + n;

	p = end;
	for (; n >= 2; n -= 2) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (w % 100), 2);
		w /= 100;
	}
	if (n)
		p[-1] = (char)('0' + w % 10);
	return end;
}

/* The four digits of v (below 10000), zeros first. */
static char *put_four(char *p, uint32_t v)
{
	p = put_pair(p, v / 100);
	return put_pair(p, v % 100);
}

/* v in decimal, without leading zeros: the number of digits is found by
 * comparisons and the digits written in pairs, without a loop (most
 * numbers of a connection have two to six digits). */
static char *put_u32(char *p, uint32_t v)
{
	uint32_t hi;

	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if (v < 100)
		return put_pair(p, v);
	if (v < 10000) {
		if (v < 1000)
			*p++ = (char)('0' + v / 100);
		else
			p = put_pair(p, v / 100);
		return put_pair(p, v % 100);
	}
	if (v < 100000000) {
		hi = v / 10000;		/* 1 to 9999 */
		p = put_u32(p, hi);
		return put_four(p, v - hi * 10000);
	}
	hi = v / 100000000;		/* 1 to 42 */
	p = put_u32(p, hi);
	return put_digits32(p, v - hi * 100000000, 8);
}

char *hsa_put_uint_long(char *p, uint64_t v)
{
	uint64_t hi;

	if (v <= UINT32_MAX)
		return put_u32(p, (uint32_t)v);
	/* Eight digits at a time from the right, in 32 bits. */
	hi = v / 100000000;
	if (hi <= UINT32_MAX)
		p = put_u32(p, (uint32_t)hi);
	else {
		p = put_u32(p, (uint32_t)(hi / 100000000));	/* below 1845 */
		p = put_digits32(p, (uint32_t)(hi % 100000000), 8);
	}
	return put_digits32(p, (uint32_t)(v % 100000000), 8);
}

char *hsa_put_ms(char *p, int64_t ns)
{
	uint64_t u = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
	uint32_t frac = (uint32_t)(u % 1000000);

	if (ns < 0)
		*p++ = '-';
	p = hsa_put_uint(p, u / 1000000);
	if (!frac)
		return p;
	/* Six digits of milliseconds, trailing zeros dropped. */
	*p++ = '.';
	p = put_digits32(p, frac, 6);
	while (p[-1] == '0')
		p--;
	return p;
}

/* The decimal digits of v (below 1000) at p; returns the end. */
static char *put_byte(char *p, unsigned v)
{
	if (v < 10) {
		*p = (char)('0' + v);
		return p + 1;
	}
	if (v >= 100) {
		*p++ = (char)('0' + v / 100);
		v %= 100;
	}
	return put_pair(p, v);
}

/* An IPv4 address, dotted quad, from its four bytes. */
static char *put_ipv4(char *p, const uint8_t *b)
{
	p = put_byte(p, b[0]);
	*p++ = '.';
	p = put_byte(p, b[1]);
	*p++ = '.';
	p = put_byte(p, b[2]);
	*p++ = '.';
	return put_byte(p, b[3]);
}

/* A 16-bit group in lower-case hexadecimal, without leading zeros. */
static char *put_group(char *p, unsigned v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = v >= 0x1000 ? 12 : v >= 0x100 ? 8 : v >= 0x10 ? 4 : 0;

	for (; shift >= 0; shift -= 4)
		*p++ = hex[(v >> shift) & 15];
	return p;
}

/* An IPv6 address as glibc's inet_ntop() writes it (RFC 5952): groups in
 * lower case without leading zeros; the longest run of two or more zero
 * groups (the first of equal runs) as "::"; an address whose first 96
 * bits are zero (IPv4-compatible) or ::ffff:0:0/96 (IPv4-mapped) with its
 * last 32 bits as a dotted quad, unless that leaves fewer than two groups
 * ("::1", "::"). */
static char *put_ipv6(char *p, const uint8_t *b)
{
	unsigned g[8];
	int i, run = -1, run_len = 0, best = -1, best_len = 0;

	for (i = 0; i < 8; i++) {
		g[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
		if (g[i] == 0) {
			if (run < 0)
				run = i;
			if (++run_len > best_len) {
				best = run;
				best_len = run_len;
			}
		} else {
			run = -1;
			run_len = 0;
		}
	}
	if (best_len < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			i += best_len - 1;
			if (i == 7)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && g[5] == 0xffff)))
			return put_ipv4(p, b + 12);
		p = put_group(p, g[i]);
	}
	return p;
}

char *hsa_put_addr(char *p, uint8_t ip_version, const struct hsa_addr *a)
{
	return ip_version == 6 ? put_ipv6(p, a->bytes) : put_ipv4(p, a->bytes);
}

const char *hsa_format_addr(uint8_t ip_version, const struct hsa_addr *a,
    char *buf, size_t len)
{
	char text[HSA_ADDR_MAXLEN];
	size_t n = (size_t)(hsa_put_addr(text, ip_version, a) - text);

	/* As inet_ntop(): all of it, or nothing ("?" then). */
	if (n < len) {
		memcpy(buf, text, n);
		buf[n] = '\0';
	} else if (len)
		snprintf(buf, len, "?");
	return buf;
}

const char *hsa_format_endpoint(uint8_t ip_version, const struct hsa_addr *a,
    uint16_t port, char *buf, size_t len)
{
	char s[HSA_ADDR_STRLEN];

	hsa_format_addr(ip_version, a, s, sizeof(s));
	snprintf(buf, len, ip_version == 6 ? "[%s]:%u" : "%s:%u", s, port);
	return buf;
}

/* The civil (proleptic Gregorian) date of a day number, days since
 * 1970-01-01: March-based years of 400-year eras, after Howard Hinnant's
 * "chrono-Compatible Low-Level Date Algorithms".  Every day an int64_t of
 * nanoseconds can name (years 1677 to 2262) has a four-digit year. */
static void civil_date(int64_t days, unsigned *year, unsigned *month,
    unsigned *day)
{
	int64_t z = days + 719468;	/* days since 0000-03-01 */
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);	/* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* from March 1 */
	unsigned mp = (5 * doy + 2) / 153;		/* March is 0 */

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = mp < 10 ? mp + 3 : mp - 9;
	*year = (unsigned)(era * 400 + yoe) + (*month <= 2);
}

/* "YYYY-MM-DDTHH:MM:SS" of the last second written, per thread:
 * timestamps come in runs within the same second. */
#define SECOND_LEN 19
static _Thread_local int64_t cached_sec = INT64_MIN;
static _Thread_local char cached_second[SECOND_LEN];

/* The date and time of second sec (since the epoch) at p. */
static void put_second(char *p, int64_t sec)
{
	int64_t days = sec / 86400, sod = sec % 86400;
	unsigned year, month, day;

	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_date(days, &year, &month, &day);
	p = put_pair(p, year / 100);
	p = put_pair(p, year % 100);
	*p++ = '-';
	p = put_pair(p, month);
	*p++ = '-';
	p = put_pair(p, day);
	*p++ = 'T';
	p = put_pair(p, (unsigned)sod / 3600);
	*p++ = ':';
	p = put_pair(p, (unsigned)sod / 60 % 60);
	*p++ = ':';
	put_pair(p, (unsigned)sod % 60);
}

char *hsa_put_time(char *p, int64_t ts_ns, bool nano)
{
	int64_t sec = ts_ns / 1000000000LL, frac = ts_ns % 1000000000LL;

	if (frac < 0) {
		frac += 1000000000LL;
		sec--;
	}
	if (sec != cached_sec) {
		put_second(cached_second, sec);
		cached_sec = sec;
	}
	memcpy(p, cached_second, SECOND_LEN);
	p += SECOND_LEN;
	*p++ = '.';
	p = nano ? put_digits32(p, (uint32_t)frac, 9) :
	    put_digits32(p, (uint32_t)frac / 1000, 6);
	*p++ = 'Z';
	return p;
}

const char *hsa_format_time(int64_t ts_ns, bool nano, char *buf, size_t len)
{
	char out[HSA_TIME_MAXLEN];
	size_t n = (size_t)(hsa_put_time(out, ts_ns, nano) - out);

	/* Cut to fit len, as snprintf() would. */
	if (len == 0)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, out, n);
	buf[n] = '\0';
	return buf;
}

double hsa_ms(int64_t ns)
{
	return (double)ns / 1e6;
}
