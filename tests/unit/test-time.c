/* test-time.c - RFC 3339 and HTTP date parsing and formatting. */
#include "config.h"

#include "tap.h"
#include "timeutil.h"

int
main(void)
{
	mcle_time t;
	char buf[MCLE_RFC3339_MAX];

	ok(time_parse_rfc3339("1970-01-01T00:00:00Z", &t) == 0 && t == 0, "epoch");
	ok(time_parse_rfc3339("2024-02-29T12:34:56.789Z", &t) == 0 &&
	   t == 1709210096789000LL, "milliseconds, leap day");
	time_format(t, buf);
	is_str(buf, "2024-02-29T12:34:56.789000Z", "format with microseconds");
	ok(time_parse_rfc3339("2024-02-29T13:34:56.789+01:00", &t) == 0 &&
	   t == 1709210096789000LL, "offset");
	ok(time_parse_rfc3339("2024-02-29T12:34:56.123456789Z", &t) == 0 &&
	   t % 1000000 == 123456, "nanoseconds truncated to microseconds");
	ok(time_parse_rfc3339("2023-02-29T00:00:00Z", &t) < 0, "no Feb 29 in 2023");
	ok(time_parse_rfc3339("2024-13-01T00:00:00Z", &t) < 0, "month 13");
	ok(time_parse_rfc3339("2024-01-01 00:00:00Z", &t) < 0, "space instead of T");
	ok(time_parse_rfc3339("2024-01-01T00:00:00", &t) < 0, "no zone");
	ok(time_parse_rfc3339("2024-01-01T00:00:00Zjunk", &t) < 0, "trailing junk");
	ok(time_parse_rfc3339("2024-01-01T00:00:00.Z", &t) < 0, "empty fraction");
	ok(time_parse_rfc3339("", &t) < 0, "empty");
	time_format(-1, buf);
	is_str(buf, "1969-12-31T23:59:59.999999Z", "negative times format");

	ok(time_parse_http("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0 &&
	   t == 784111777LL * 1000000, "IMF-fixdate");
	ok(time_parse_http("Sun, 06 Nov 1994 08:49:37 UTC", &t) < 0, "not GMT");
	ok(time_parse_http("Sunday, 06-Nov-94 08:49:37 GMT", &t) < 0, "obsolete RFC 850");
	ok(time_parse_http("Sun, 31 Nov 1994 08:49:37 GMT", &t) < 0, "Nov 31");
	ok(time_parse_http(NULL, &t) < 0, "NULL");
	ok(time_parse_rfc3339("9999-12-31T23:59:59.999999Z", &t) == 0, "last instant of 9999");
	ok(time_parse_rfc3339("9999-12-31T23:00:00-01:00", &t) < 0, "an offset past 9999");
	ok(time_parse_rfc3339("0001-01-01T00:30:00+01:00", &t) < 0, "an offset before year 1");
	ok(time_now_mono() > 0, "monotonic clock");
	return done_testing();
}
