/* test-time.c - RFC 3339 and HTTP date parsing and formatting. */
#include "config.h"

#include "tap.h"
#include "timeutil.h"

#define S 1000000LL
#define END (253402300800LL * S - 1)		/* 9999-12-31T23:59:59.999999Z */
#define START (-62135596800LL * S)		/* 0001-01-01T00:00:00Z */

/* Times out of years 1-9999 saturate: never a wrapped year. */
static void
test_saturation(void)
{
	char buf[MCLE_RFC3339_MAX];
	mcle_time t;

	ok(time_parse_rfc3339("9999-12-31T23:59:59Z", &t) == 0, "9999-12-31T23:59:59Z parses");
	time_format(t + 60 * S, buf);
	is_str(buf, "9999-12-31T23:59:59.999999Z", "60 s past it formats as the end of 9999, not year 0");
	time_format(END, buf);
	is_str(buf, "9999-12-31T23:59:59.999999Z", "the last instant formats exactly");
	time_format(END + 1, buf);
	is_str(buf, "9999-12-31T23:59:59.999999Z", "one microsecond later saturates");
	time_format(INT64_MAX, buf);
	is_str(buf, "9999-12-31T23:59:59.999999Z", "INT64_MAX saturates");
	time_format(START, buf);
	is_str(buf, "0001-01-01T00:00:00.000000Z", "the first instant formats exactly");
	time_format(START - 1, buf);
	is_str(buf, "0001-01-01T00:00:00.000000Z", "before year 1 saturates");
	time_format(INT64_MIN, buf);
	is_str(buf, "0001-01-01T00:00:00.000000Z", "INT64_MIN saturates");

	is_int(MCLE_TIME_MAX, END, "MCLE_TIME_MAX is the end of 9999");
	is_int(MCLE_TIME_MIN, START, "MCLE_TIME_MIN is the start of year 1");
	is_int(time_add(t, 60 * S), END, "time_add past 9999 saturates");
	is_int(time_add(t, -60 * S), t - 60 * S, "time_add within range is exact");
	is_int(time_add(0, 1), 1, "time_add of 1 us");
	is_int(time_add(END, INT64_MAX), END, "time_add(end, INT64_MAX): no overflow");
	is_int(time_add(INT64_MAX, INT64_MAX), END, "time_add(INT64_MAX, INT64_MAX): no overflow");
	is_int(time_add(START, INT64_MIN), START, "time_add(start, INT64_MIN): no overflow");
	is_int(time_add(INT64_MIN, -1), START, "time_add(INT64_MIN, -1): no overflow");
	is_int(time_add(INT64_MIN, 0), START, "an out-of-range time is brought into range");
	t = time_now_real();
	ok(t >= START && t <= END, "this host's clock is within range");
}

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
	test_saturation();
	return done_testing();
}
