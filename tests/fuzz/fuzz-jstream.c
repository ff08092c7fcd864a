/*
 * fuzz-jstream.c - the streaming JSON parser (jstream.c) and json_parse
 * (json.c) on arbitrary bytes.
 *
 * The first byte picks the token limit (small, to reach the long-string
 * path, or large) and an event at which the consumer stops the parse; the
 * rest is the document.  Invariants: the events, the outcome and the
 * error are the same whole, in random chunks and byte by byte; every
 * event is well formed (strings NUL-terminated at len or longer than the
 * limit, numbers valid, keys as documented); and the two parsers agree on
 * what is one JSON value (but for a bare number or literal at the very
 * end, which json-c cannot tell is complete, and a document that is
 * null, which json-c returns as NULL).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "json.h"
#include "jstream.h"

struct run {
	size_t token_max;
	long stop_at;		/* the event that stops the parse, -1 none */
	long events;
	uint64_t h;
	int top_scalar;		/* the document is a bare number or literal */
	int top_null;		/* ... null (json-c's NULL: json_parse refuses it) */
};

static int
valid_number(const char *s, size_t len)
{
	size_t i = 0;

	if (i < len && s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return 0;
	for (; i < len; i++)
		if (strchr("0123456789.eE+-", s[i]) == NULL)
			return 0;
	return 1;
}

static void
check_levels(const struct jstream *js, int depth)
{
	const char *k;
	int d;

	for (d = 1; d <= depth; d++) {
		k = jstream_key(js, d);
		if (k != NULL)
			FUZZ_CHECK(!js->lv[d].is_array && strlen(k) == js->lv[d].key_len &&
				   js->lv[d].key_len <= JSTREAM_KEY_MAX && jstream_key_is(js, d, k));
		if (js->lv[d].is_array)
			FUZZ_CHECK(k == NULL && js->lv[d].index >= 0);
	}
	FUZZ_CHECK(jstream_key(js, 0) == NULL && jstream_key(js, depth + 1) == NULL);
}

static int
on_event(void *arg, struct jstream *js, enum jstream_tok tok, const char *s, size_t len,
	 int depth)
{
	struct run *r = arg;
	const struct jstream_level *l = &js->lv[depth];

	FUZZ_CHECK(depth >= 0 && depth <= JSTREAM_DEPTH_MAX);
	check_levels(js, depth);
	if (tok == JS_STRING) {
		FUZZ_CHECK(s == NULL ? len > r->token_max : len <= r->token_max && s[len] == '\0');
	} else if (tok == JS_NUMBER) {
		FUZZ_CHECK(s != NULL && len <= r->token_max && valid_number(s, len));
	} else if (tok == JS_TRUE || tok == JS_FALSE || tok == JS_NULL) {
		FUZZ_CHECK(s != NULL && strcmp(s, tok == JS_TRUE ? "true" : tok == JS_FALSE ?
					       "false" : "null") == 0);
	}
	if (depth == 0 && tok != JS_OBJECT && tok != JS_ARRAY && tok != JS_STRING)
		r->top_scalar = 1;
	if (depth == 0 && tok == JS_NULL)
		r->top_null = 1;
	r->h = fuzz_hash(&tok, sizeof(tok), r->h);
	r->h = fuzz_hash(&depth, sizeof(depth), r->h);
	r->h = fuzz_hash(&len, sizeof(len), r->h);
	if (s != NULL)
		r->h = fuzz_hash(s, len, r->h);
	if (depth > 0) {
		r->h = fuzz_hash(&l->index, sizeof(l->index), r->h);
		r->h = fuzz_hash(l->key, strlen(l->key), r->h);
		r->h = fuzz_hash(&l->key_len, sizeof(l->key_len), r->h);
	}
	return r->events++ == r->stop_at ? -1 : 0;
}

struct outcome {
	int rc;
	char err[sizeof(((struct jstream *)0)->err)];
	uint64_t h;
	long events;
	int top_scalar, top_null;
};

/* cut: 0 whole, 1 random chunks, 2 byte by byte. */
static void
parse(const char *text, size_t size, size_t token_max, long stop_at, int cut,
      struct fuzz_rng *rng, struct outcome *o)
{
	struct run r = { token_max, stop_at, 0, 0, 0, 0 };
	struct jstream js;
	size_t i = 0, n;
	int rc = 0;

	jstream_init(&js, on_event, &r, token_max);
	while (rc == 0 && i < size) {
		n = cut == 0 ? size : cut == 2 ? 1 : fuzz_chunk(rng, size - i);
		rc = jstream_feed(&js, text + i, n);
		i += n;
	}
	if (rc == 0)
		rc = jstream_finish(&js);
	FUZZ_CHECK(rc == 0 ? js.err[0] == '\0' : js.err[0] != '\0');
	FUZZ_CHECK(rc == 0 || stop_at < 0 || r.events <= stop_at + 1);
	o->rc = rc;
	memcpy(o->err, js.err, sizeof(o->err));
	o->h = r.h;
	o->events = r.events;
	o->top_scalar = r.top_scalar;
	o->top_null = r.top_null;
	jstream_free(&js);
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	FUZZ_CHECK(a->rc == b->rc && strcmp(a->err, b->err) == 0 && a->h == b->h &&
		   a->events == b->events);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, chunked, bytes;
	struct fuzz_rng rng;
	size_t token_max;
	long stop_at;
	const char *why;
	json_object *o;
	char *text;

	if (size < 1 || size > 65536)
		return 0;
	token_max = data[0] & 1 ? (size_t)1 << 20 : (size_t)1 + (data[0] >> 1 & 15);
	stop_at = data[0] & 0x20 ? (long)(data[0] >> 6) * 3 : -1;
	fuzz_rng_init(&rng, data, size);
	text = fuzz_copy(data + 1, size - 1);
	size--;
	parse(text, size, token_max, stop_at, 0, &rng, &whole);
	parse(text, size, token_max, stop_at, 1, &rng, &chunked);
	parse(text, size, token_max, stop_at, 2, &rng, &bytes);
	same(&whole, &chunked);
	same(&whole, &bytes);
	/* json_parse reads a value where jstream does (with room for every token) */
	if (token_max > size && stop_at < 0) {
		o = json_parse(text, size, &why);
		FUZZ_CHECK(o != NULL || (why != NULL && *why != '\0'));
		if (o != NULL)
			FUZZ_CHECK(whole.rc == 0);
		else if (whole.rc == 0 && !whole.top_null)	/* json-c waits for what may follow */
			FUZZ_CHECK(whole.top_scalar && size > 0 && text[size - 1] != ' ' &&
				   text[size - 1] != '\t' && text[size - 1] != '\r' &&
				   text[size - 1] != '\n');
		json_object_put(o);
	}
	free(text);
	return 0;
}
