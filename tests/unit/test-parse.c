/* test-parse.c - duration, integer, namespace and identity parsing. */
#include "config.h"

#include <string.h>

#include "parse.h"
#include "tap.h"

static void
test_duration(void)
{
	static const struct { const char *s; int64_t want; } good[] = {
		{ "60", 60 }, { "60s", 60 }, { "5m", 300 }, { "1h", 3600 },
		{ "1h30m", 5400 }, { "2m5s", 125 }, { "0001", 1 },
	};
	static const char *const bad[] = {
		"", "0", "0s", "-1", "+5", " 5", "5 ", "5x", "s", "1.5", "1m1m",
		"30m1h", "1m30", "abc", "99999999999999999999", "5ms", "1d",
	};
	int64_t v;
	size_t i;
	char name[80];

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		snprintf(name, sizeof(name), "duration '%s'", good[i].s);
		ok(parse_duration(good[i].s, INT32_MAX, 0, &v) == 0 && v == good[i].want, name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(name, sizeof(name), "duration '%s' rejected", bad[i]);
		ok(parse_duration(bad[i], INT32_MAX, 0, &v) < 0, name);
	}
	ok(parse_duration("0", 10, 1, &v) == 0 && v == 0, "zero allowed when asked");
	ok(parse_duration("11", 10, 0, &v) < 0, "above max rejected");
	ok(parse_duration("2147483648", INT32_MAX, 0, &v) < 0, "above int32 rejected");
	ok(parse_duration(NULL, 10, 0, &v) < 0, "NULL rejected");
}

static void
test_int(void)
{
	int64_t v;

	ok(parse_int("42", 0, 100, &v) == 0 && v == 42, "int 42");
	ok(parse_int("-3", -5, 5, &v) == 0 && v == -3, "int -3");
	ok(parse_int("9223372036854775807", 0, INT64_MAX, &v) == 0 && v == INT64_MAX, "int64 max");
	ok(parse_int("9223372036854775808", 0, INT64_MAX, &v) < 0, "int64 overflow");
	ok(parse_int("", 0, 1, &v) < 0, "empty");
	ok(parse_int("-", -1, 1, &v) < 0, "lone minus");
	ok(parse_int("4a", 0, 100, &v) < 0, "junk");
	ok(parse_int("101", 0, 100, &v) < 0, "above max");
}

static void
test_names(void)
{
	char long63[64], long64[65];

	memset(long63, 'a', 63);
	long63[63] = '\0';
	memset(long64, 'a', 64);
	long64[64] = '\0';
	ok(valid_namespace("team-a"), "team-a");
	ok(valid_namespace("a"), "a");
	ok(valid_namespace("0abc9"), "digits at the ends");
	ok(valid_namespace(long63), "63 characters");
	ok(!valid_namespace(long64), "64 characters");
	ok(!valid_namespace(""), "empty");
	ok(!valid_namespace("A"), "upper case");
	ok(!valid_namespace("../x"), "path");
	ok(!valid_namespace("-a"), "leading dash");
	ok(!valid_namespace("a-"), "trailing dash");
	ok(!valid_namespace("a.b"), "dot");
	ok(!valid_namespace("a_b"), "underscore");
	ok(valid_identity("cluster-eu-1"), "identity");
	ok(valid_identity("gke_proj_europe-west1_prod"), "identity with underscores");
	ok(!valid_identity(""), "empty identity");
	ok(!valid_identity("a b"), "identity with space");
	ok(!valid_identity("a\"b"), "identity with quote");
	ok(!valid_identity("a\nb"), "identity with newline");
	ok(valid_bearer_token("ya29.a0AfB_byC-x~y+z/="), "a bearer token");
	ok(!valid_bearer_token("abc def"), "a token with a space");
	ok(!valid_bearer_token("abc\r\nX-Evil: 1"), "a token that would split the header");
	ok(!valid_bearer_token("\xc3\xa9"), "a token with non-ASCII bytes");
}

int
main(void)
{
	test_duration();
	test_int();
	test_names();
	return done_testing();
}
