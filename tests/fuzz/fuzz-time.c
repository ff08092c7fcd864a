/* fuzz-time.c - durations, integers, names and dates on arbitrary text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "parse.h"
#include "timeutil.h"

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
	(void)time_parse_http(s, &t);
	free(s);
	return 0;
}
