/*
 * fuzz-time.c - durations, integers, names and dates (RFC 3339 and the
 * HTTP Date header) on arbitrary text.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"
#include "timeutil.h"

/*
 * An HTTP date parsed ("Sun, 06 Nov 1994 08:49:37 GMT") is the time its
 * fields say (a leap second read as :59), in range.
 */
static void
check_http(const char *s, mcle_time t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char buf[MCLE_RFC3339_MAX], want[40], mon[4];
	const char *m;

	if (strlen(s) != 29)
		abort();
	memcpy(mon, s + 8, 3);
	mon[3] = '\0';
	m = strstr(months, mon);
	if (t < MCLE_TIME_MIN || t > MCLE_TIME_MAX || m == NULL || (m - months) % 3 != 0)
		abort();
	snprintf(want, sizeof(want), "%.4s-%02d-%.2sT%.2s:%.2s:%.2s.000000Z", s + 12,
		 (int)((m - months) / 3 + 1), s + 5, s + 17, s + 20,
		 strncmp(s + 23, "60", 2) == 0 ? "59" : s + 23);
	time_format(t, buf);
	if (strcmp(buf, want) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[MCLE_RFC3339_MAX];
	mcle_time t, t2;
	int64_t v;

	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (parse_duration(s, INT32_MAX, 0, &v) == 0 && (v < 1 || v > INT32_MAX))
		abort();
	if (parse_int(s, -5, 5, &v) == 0 && (v < -5 || v > 5))
		abort();
	(void)valid_namespace(s);
	(void)valid_identity(s);
	(void)valid_subdomain(s);
	if (time_parse_rfc3339(s, &t) == 0) {
		/* a parsed time formats and parses back to itself */
		time_format(t, buf);
		if (time_parse_rfc3339(buf, &t2) != 0 || t2 != t)
			abort();
	}
	if (time_parse_http(s, &t) == 0)
		check_http(s, t);
	free(s);
	return 0;
}
