/*
 * format.c - addresses, times and durations as reports write them.
 *
 * IPv4 addresses and the fraction of timestamps are written digit by digit
 * rather than through inet_ntop() and snprintf(): the connection log
 * writes four addresses and three times per connection, and printf's
 * machinery cost more than the rest of its line (bench/README).
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "hsa_format.h"

/* The decimal digits of v (below 1000) at p; returns the end. */
static char *put_byte(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

/* v as exactly `digits` decimal digits, zeros first, at p; returns the end. */
static char *put_fixed(char *p, uint64_t v, int digits)
{
	int i;

	for (i = digits - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + digits;
}

const char *hsa_format_addr(uint8_t ip_version, const struct hsa_addr *a,
    char *buf, size_t len)
{
	if (ip_version != 6 && len >= sizeof("255.255.255.255")) {
		char *p = buf;
		int i;

		for (i = 0; i < 4; i++) {
			if (i)
				*p++ = '.';
			p = put_byte(p, a->bytes[i]);
		}
		*p = '\0';
		return buf;
	}
	/* glibc's inet_ntop follows RFC 5952: lower case, the longest run of
	 * zero groups (the first on a tie, never a single group) as "::". */
	if (!inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, a->bytes, buf,
	    (socklen_t)len))
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

static int64_t cached_sec;
static char cached_base[32];

const char *hsa_format_time(int64_t ts_ns, bool nano, char *buf, size_t len)
{
	int64_t sec = ts_ns / 1000000000LL, frac = ts_ns % 1000000000LL;
	time_t t;
	struct tm tm;
	char out[sizeof(cached_base) + 12], *p;
	size_t n;

	if (frac < 0) {
		frac += 1000000000LL;
		sec--;
	}
	/* Timestamps come in runs within the same second: format the date
	 * and time once per second. */
	if (sec != cached_sec || !*cached_base) {
		t = (time_t)sec;
		if (!gmtime_r(&t, &tm) ||
		    strftime(cached_base, sizeof(cached_base), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
			*cached_base = '\0';
			snprintf(buf, len, "?");
			return buf;
		}
		cached_sec = sec;
	}
	/* The date and time, '.', 9 or 6 digits, 'Z', cut to fit len as
	 * snprintf() would. */
	n = strlen(cached_base);
	memcpy(out, cached_base, n);
	p = out + n;
	*p++ = '.';
	p = nano ? put_fixed(p, (uint64_t)frac, 9) :
	    put_fixed(p, (uint64_t)frac / 1000, 6);
	*p++ = 'Z';
	n = (size_t)(p - out);
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
