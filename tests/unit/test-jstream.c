/* test-jstream.c - the streaming JSON parser: events, strictness, limits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jstream.h"
#include "tap.h"

/* Every event as text: "d:TOK[=value]@path", joined by spaces. */
struct rec {
	char out[4096];
};

static const char *const names[] = { "{", "}", "[", "]", "s", "n", "t", "f", "null" };

static int
record(void *arg, struct jstream *js, enum jstream_tok tok, const char *s,
       size_t len, int depth)
{
	struct rec *r = arg;
	size_t used = strlen(r->out);
	const char *k = depth > 0 ? jstream_key(js, depth) : NULL;

	snprintf(r->out + used, sizeof(r->out) - used, "%s%d:%s", used ? " " : "",
		 depth, names[tok]);
	used = strlen(r->out);
	if (tok == JS_STRING || tok == JS_NUMBER)
		snprintf(r->out + used, sizeof(r->out) - used, "=%.*s", s ? (int)len : 0, s ? s : "");
	used = strlen(r->out);
	if (k != NULL)
		snprintf(r->out + used, sizeof(r->out) - used, "@%s", k);
	else if (depth > 0)
		snprintf(r->out + used, sizeof(r->out) - used, "#%ld", js->lv[depth].index);
	return 0;
}

/* Parse text fed in chunks of `chunk` bytes; 0 or -1. */
static int
parse(const char *text, size_t chunk, struct rec *r, char *err, size_t esize)
{
	struct jstream js;
	size_t i, n = strlen(text), k;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	jstream_init(&js, record, r, 64);
	for (i = 0; i < n && rc == 0; i += k) {
		k = n - i < chunk ? n - i : chunk;
		rc = jstream_feed(&js, text + i, k);
	}
	if (rc == 0)
		rc = jstream_finish(&js);
	snprintf(err, esize, "%s", js.err);
	jstream_free(&js);
	return rc;
}

static void
same_in_every_chunking(const char *text, const char *want, const char *name)
{
	struct rec r;
	char err[128];
	size_t chunk;
	int all = 1;

	for (chunk = 1; chunk <= strlen(text) + 1; chunk++)
		if (parse(text, chunk, &r, err, sizeof(err)) < 0 || strcmp(r.out, want) != 0) {
			printf("# chunk %zu: got '%s' (%s)\n", chunk, r.out, err);
			all = 0;
			break;
		}
	ok(all, name);
}

static void
rejects(const char *text, const char *why, const char *name)
{
	struct rec r;
	char err[128];
	size_t chunk;
	int all = 1;

	for (chunk = 1; chunk <= strlen(text) + 1; chunk++)
		if (parse(text, chunk, &r, err, sizeof(err)) == 0 ||
		    strstr(err, why) == NULL) {
			printf("# chunk %zu: '%s'\n", chunk, err);
			all = 0;
			break;
		}
	ok(all, name);
}

static int
stop_at_number(void *arg, struct jstream *js, enum jstream_tok tok, const char *s,
	       size_t len, int depth)
{
	(void)arg; (void)js; (void)s; (void)len; (void)depth;
	return tok == JS_NUMBER ? -1 : 0;
}

int
main(void)
{
	struct jstream js;
	struct rec r;
	char deep[200];
	int i;

	same_in_every_chunking("{\"items\":[{\"name\":\"a\",\"n\":12},{\"name\":\"b\"}],\"next\":null}",
		"0:{ 1:[@items 2:{#0 3:s=a@name 3:n=12@n 2:}#0 2:{#1 3:s=b@name 2:}#1 1:]@items 1:null@next 0:}",
		"objects and arrays: keys and indexes at every level, in any chunking");
	same_in_every_chunking(" [true, false, -0.5e+3, \"\"] ",
		"0:[ 1:t#0 1:f#1 1:n=-0.5e+3#2 1:s=#3 0:]",
		"literals, numbers, empty strings; whitespace around the value");
	same_in_every_chunking("42", "0:n=42", "a bare number ends at the end of input");
	same_in_every_chunking("\"a\\\"b\\\\c\\/d\\n\\u00e9\\ud83d\\ude00\"",
		"0:s=a\"b\\c/d\n\xc3\xa9\xf0\x9f\x98\x80",
		"escapes decode, surrogate pairs become one UTF-8 character");
	same_in_every_chunking("{}", "0:{ 0:}", "an empty object");

	/* a NUL inside a string is kept, visible in len */
	{
		struct jstream j2;

		memset(&r, 0, sizeof(r));
		jstream_init(&j2, record, &r, 64);
		ok(jstream_feed(&j2, "\"ns\\u0000z\"", 11) == 0 && jstream_finish(&j2) == 0,
		   "\\u0000 is valid JSON");
		ok(strstr(r.out, "s=ns") != NULL, "the string is reported whole (with its length)");
		jstream_free(&j2);
	}

	rejects("{\"a\":1}x", "data after the JSON value", "trailing garbage is an error");
	rejects("{\"a\":1} {}", "data after the JSON value", "a second value is an error");
	rejects("{\"a\":1", "truncated", "a truncated document is an error");
	rejects("{\"a\":1,}", "expected a key", "a trailing comma in an object");
	rejects("[1,]", "unexpected character", "a trailing comma in an array");
	rejects("[01]", "malformed number", "a leading zero");
	rejects("[1.]", "malformed number", "a fraction without digits");
	rejects("[tru]", "invalid literal", "a broken literal");
	rejects("\"a\nb\"", "control character", "a raw newline in a string");
	rejects("\"\\x\"", "invalid escape", "an unknown escape");
	rejects("\"\\ud800\"", "unpaired surrogate", "a lone high surrogate");
	rejects("\"\\udc00\"", "unpaired surrogate", "a lone low surrogate");
	rejects("{\"a\" 1}", "expected ':'", "a missing colon");
	rejects("[1}", "mismatched", "a mismatched bracket");
	rejects("", "truncated", "nothing at all");
	rejects("/* c */ 1", "unexpected character", "comments are not JSON");
	same_in_every_chunking("[\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"b\"]",
		"0:[ 1:s=#0 1:s=b#1 0:]", "a string over the token limit is skipped, not kept");
	rejects("[11111111111111111111111111111111111111111111111111111111111111111111111]",
		"number too long", "a number over the token limit is an error");

	for (i = 0; i < 40; i++)
		deep[i] = '[';
	deep[40] = '\0';
	rejects(deep, "nested too deeply", "nesting beyond the limit");

	jstream_init(&js, stop_at_number, NULL, 64);
	ok(jstream_feed(&js, "[\"a\", 7, 8]", 11) < 0 && strstr(js.err, "stopped") != NULL,
	   "a callback can stop the parse");
	ok(jstream_feed(&js, "]", 1) < 0, "a stopped parser stays stopped");
	jstream_free(&js);

	/* a key longer than the limit never matches, even by its prefix */
	{
		struct jstream j3;
		char text[200];

		memset(&r, 0, sizeof(r));
		snprintf(text, sizeof(text), "{\"%0100d\":1}", 0);
		jstream_init(&j3, record, &r, 200);
		ok(jstream_feed(&j3, text, strlen(text)) == 0 && jstream_finish(&j3) == 0 &&
		   strstr(r.out, "@0") == NULL, "an over-long key has no name");
		jstream_free(&j3);
	}
	return done_testing();
}
