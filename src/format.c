/*
 * format.c - addresses, times and durations as reports write them.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>
#include <string.h>
#include <time.h>

#include "hsa_format.h"

const char *hsa_format_addr(uint8_t ip_version, const struct hsa_addr *a,
    char *buf, size_t len)
{
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
	char base[32];

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
	memcpy(base, cached_base, sizeof(base));
	if (nano)
		snprintf(buf, len, "%s.%09lldZ", base, (long long)frac);
	else
		snprintf(buf, len, "%s.%06lldZ", base, (long long)(frac / 1000));
	return buf;
}

double hsa_ms(int64_t ns)
{
	return (double)ns / 1e6;
}
