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
		{ "1h30m", 5400 }, { "2m5s", 125 }, { "0001", 1 }, { "1d", 86400 },
		{ "2d3h", 183600 }, { "1d1s", 86401 },
	};
	static const char *const bad[] = {
		"", "0", "0s", "-1", "+5", " 5", "5 ", "5x", "s", "1.5", "1m1m",
		"30m1h", "1m30", "abc", "99999999999999999999", "5ms", "1h1d",
		"1w", "d",
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
	is_int(parse_duration("11", 10, 0, &v), PARSE_ERANGE, "above max: a range error");
	is_int(parse_duration("0", 10, 0, &v), PARSE_ERANGE, "zero: a range error");
	is_int(parse_duration("99999999999999999999", INT64_MAX, 0, &v), PARSE_ERANGE,
	       "overflow: a range error");
	is_int(parse_duration("1x", 10, 0, &v), PARSE_EBAD, "junk: a form error");
}

static void
test_duration_format(void)
{
	static const struct { int64_t secs; const char *want; } cases[] = {
		{ 0, "0s" }, { 1, "1s" }, { 59, "59s" }, { 60, "1m" }, { 61, "1m1s" },
		{ 5400, "1h30m" }, { 3601, "1h1s" }, { 86400, "1d" }, { 183600, "2d3h" },
		{ 183605, "2d3h5s" }, { 2147483647, "24855d3h14m7s" }, { -90, "-1m30s" },
		{ INT64_MAX, "106751991167300d15h30m7s" },
		{ INT64_MIN, "-106751991167300d15h30m8s" },
	};
	char buf[MCLE_DURATION_MAX], name[80];
	int64_t back;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		duration_format(cases[i].secs, buf);
		snprintf(name, sizeof(name), "%" PRId64 " seconds print as %s", cases[i].secs,
			 cases[i].want);
		is_str(buf, cases[i].want, name);
		if (cases[i].secs > 0) {
			snprintf(name, sizeof(name), "%s parses back", buf);
			ok(parse_duration(buf, INT64_MAX, 0, &back) == 0 && back == cases[i].secs,
			   name);
		}
	}
}

static void
test_selector(void)
{
	static const char *const good[] = {
		"", "  ", "a", "!a", "a=b", "a==b", "a!=b", "a=", "a in (x,y)", "a notin (x)",
		"a in ()", "a in (x,)", "a>3", "a==", "example.com/team=a,tier!=db",
		"a, b ,c", "A_b.c-d=E.f_G", "in=notin", "x in (in, notin)",
	};
	static const char *const bad[] = {
		"=", "a<-1", "a=b=c", "a b", "a,", ",a", "a in x", "a in (x", "a in (x y)",
		"a>x", "a>", "!a=b", "-a", "a-=b", "a=-b", "Example.com/a", "a/b/c", "/a",
		"a=(b)", "a!b", "a notin", "a<>3", "a===b",
	};
	char why[256], name[120];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(name, sizeof(name), "selector '%s'", good[i]);
		ok(parse_selector(good[i], why, sizeof(why)) == 0, name);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		snprintf(name, sizeof(name), "selector '%s' refused", bad[i]);
		ok(parse_selector(bad[i], why, sizeof(why)) < 0 && why[0] != '\0', name);
	}
	parse_selector("a in (x", why, sizeof(why));
	is_str(why, "found end of selector at position 8, expected ',' or ')'",
	       "the error says what and where");
}

static void
test_suggest(void)
{
	static const char *const cmds[] = { "acquire", "reconcile-all", "release", "renew",
					    "status" };

	is_int(str_distance("acquire", "acquire"), 0, "distance 0");
	is_int(str_distance("aquire", "acquire"), 1, "one deletion");
	is_int(str_distance("stauts", "status"), 1, "a swap is one edit");
	is_int(str_distance("", "abc"), 3, "from nothing");
	is_str(str_suggest("aquire", cmds, 5), "acquire", "aquire -> acquire");
	is_str(str_suggest("relase", cmds, 5), "release", "relase -> release");
	is_str(str_suggest("reconcile", cmds, 5), "reconcile-all", "a prefix");
	ok(str_suggest("bogus", cmds, 5) == NULL, "no suggestion for bogus");
	ok(str_suggest("x", cmds, 5) == NULL, "no suggestion for one letter");
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
	test_duration_format();
	test_selector();
	test_suggest();
	test_int();
	test_names();
	return done_testing();
}
