/*
 * jstream.c - a streaming, strict JSON parser with fixed memory.
 *
 * One state machine over the bytes: structure (expecting a value, a key, a
 * colon, a comma or a closing bracket) and tokens (strings with escapes,
 * numbers, literals).  A token is gathered in one bounded buffer and
 * handed to the callback when complete.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jstream.h"

enum state {
	S_VALUE,		/* a value must come */
	S_VALUE_OR_END,		/* after '[' */
	S_KEY_OR_END,		/* after '{' */
	S_KEY,			/* after ',' in an object */
	S_COLON,
	S_AFTER,		/* after a value in a container */
	S_DONE,			/* after the document's value */
	S_STRING,
	S_KEY_STRING,
	S_ESCAPE,
	S_UNICODE,
	S_NUMBER,
	S_LITERAL,
	S_FAILED,
};

void
jstream_init(struct jstream *js, jstream_fn fn, void *arg, size_t token_max)
{
	memset(js, 0, sizeof(*js));
	js->fn = fn;
	js->arg = arg;
	js->token_max = token_max;
	js->state = S_VALUE;
	js->lv[0].index = -1;
}

void
jstream_free(struct jstream *js)
{
	free(js->tok);
	js->tok = NULL;
	js->tok_cap = js->tok_len = 0;
}

static int
fail(struct jstream *js, const char *what)
{
	/* where it went wrong, unless the value itself was whole */
	int where = js->state != S_DONE && strcmp(what, "truncated JSON") != 0;

	if (js->state != S_FAILED && where)
		snprintf(js->err, sizeof(js->err), "%s at byte %zu", what, js->offset);
	else if (js->state != S_FAILED)
		snprintf(js->err, sizeof(js->err), "%s", what);
	if (js->state != S_FAILED)
		js->reason = what;
	js->state = S_FAILED;
	return -1;
}

static int
emit(struct jstream *js, enum jstream_tok tok, const char *s, size_t len)
{
	if (js->fn != NULL && js->fn(js->arg, js, tok, s, len, js->depth) < 0) {
		if (js->state != S_FAILED) {
			snprintf(js->err, sizeof(js->err), "stopped at byte %zu", js->offset);
			js->reason = "stopped";
		}
		js->state = S_FAILED;
		return -1;
	}
	return 0;
}

static int
tok_put(struct jstream *js, const char *p, size_t n)
{
	size_t cap, over;
	char *t;

	if (js->tok_over > 0 || n > js->token_max - js->tok_len) {
		/* a string too long to keep is skipped, its length counted */
		if (js->state == S_NUMBER)
			return fail(js, "number too long");
		/* keeping what fits, so a cut key is the same however bytes arrive */
		over = js->tok_over > 0 ? n : n - (js->token_max - js->tok_len);
		js->tok_over += over;
		n -= over;
	}
	if (js->tok_len + n + 1 > js->tok_cap) {
		cap = js->tok_cap ? js->tok_cap : 64;
		while (cap < js->tok_len + n + 1)
			cap *= 2;
		if ((t = realloc(js->tok, cap)) == NULL)
			return fail(js, "out of memory");
		js->tok = t;
		js->tok_cap = cap;
	}
	memcpy(js->tok + js->tok_len, p, n);
	js->tok_len += n;
	js->tok[js->tok_len] = '\0';
	return 0;
}

/* The state after a complete value at the current depth. */
static void
after_value(struct jstream *js)
{
	js->state = js->depth == 0 ? S_DONE : S_AFTER;
}

/* A value is about to start: count it in an array. */
static void
value_starts(struct jstream *js)
{
	struct jstream_level *l = &js->lv[js->depth];

	if (js->depth > 0 && l->is_array) {
		l->index++;
		l->key[0] = '\0';
		l->key_len = 0;
	}
}

static int
open_container(struct jstream *js, int is_array)
{
	struct jstream_level *l;

	if (js->depth >= JSTREAM_DEPTH_MAX)
		return fail(js, "nested too deeply");
	if (emit(js, is_array ? JS_ARRAY : JS_OBJECT, NULL, 0) < 0)
		return -1;
	l = &js->lv[++js->depth];
	memset(l, 0, sizeof(*l));
	l->is_array = is_array;
	l->index = -1;
	js->state = is_array ? S_VALUE_OR_END : S_KEY_OR_END;
	return 0;
}

static int
close_container(struct jstream *js, int is_array)
{
	if (js->depth == 0 || js->lv[js->depth].is_array != is_array)
		return fail(js, "mismatched bracket");
	js->depth--;
	if (emit(js, is_array ? JS_ARRAY_END : JS_OBJECT_END, NULL, 0) < 0)
		return -1;
	after_value(js);
	return 0;
}

static int
start_value(struct jstream *js, char c)
{
	value_starts(js);
	js->tok_len = 0;
	js->tok_over = 0;
	switch (c) {
	case '{':
		return open_container(js, 0);
	case '[':
		return open_container(js, 1);
	case '"':
		js->state = S_STRING;
		return 0;
	case 't':
		js->lit = "true";
		break;
	case 'f':
		js->lit = "false";
		break;
	case 'n':
		js->lit = "null";
		break;
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			js->state = S_NUMBER;
			return tok_put(js, &c, 1);
		}
		return fail(js, "unexpected character");
	}
	js->lit_pos = 1;
	js->state = S_LITERAL;
	return 0;
}

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int
valid_number(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

static int
end_number(struct jstream *js)
{
	if (!valid_number(js->tok))
		return fail(js, "malformed number");
	if (emit(js, JS_NUMBER, js->tok, js->tok_len) < 0)
		return -1;
	after_value(js);
	return 0;
}

static int
end_string(struct jstream *js)
{
	struct jstream_level *l = &js->lv[js->depth];
	size_t n, total = js->tok_len + js->tok_over;

	if (js->state == S_KEY_STRING) {
		n = js->tok_len > JSTREAM_KEY_MAX ? JSTREAM_KEY_MAX : js->tok_len;
		if (n > 0)	/* nothing kept yet: js->tok may be NULL */
			memcpy(l->key, js->tok, n);
		l->key[n] = '\0';
		l->key_len = total;
		js->tok_over = 0;
		js->state = S_COLON;
		return 0;
	}
	/* a string over token_max comes as NULL with its true length; "" as "" */
	if (emit(js, JS_STRING, js->tok_over ? NULL : js->tok_len > 0 ? js->tok : "", total) < 0)
		return -1;
	js->tok_over = 0;
	after_value(js);
	return 0;
}

/* Append code point cp as UTF-8. */
static int
put_utf8(struct jstream *js, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return tok_put(js, b, n);
}

static int
hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A complete \uXXXX in js->esc_u. */
static int
end_unicode(struct jstream *js)
{
	uint32_t u = js->esc_u;

	js->state = js->esc_n & 0x100 ? S_KEY_STRING : S_STRING;
	if (js->hi_surrogate != 0) {
		if (u < 0xdc00 || u > 0xdfff)
			return fail(js, "unpaired surrogate in string");
		u = 0x10000 + ((js->hi_surrogate - 0xd800) << 10) + (u - 0xdc00);
		js->hi_surrogate = 0;
		return put_utf8(js, u);
	}
	if (u >= 0xd800 && u <= 0xdbff) {
		js->hi_surrogate = u;
		return 0;
	}
	if (u >= 0xdc00 && u <= 0xdfff)
		return fail(js, "unpaired surrogate in string");
	return put_utf8(js, u);
}

static int
escape(struct jstream *js, char c)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *p;
	int key = js->esc_n & 0x100;

	if (c == 'u') {
		js->esc_u = 0;
		js->esc_n = (unsigned)key;
		js->state = S_UNICODE;
		return 0;
	}
	if (js->hi_surrogate != 0)
		return fail(js, "unpaired surrogate in string");
	if (c == '\0' || (p = strchr(from, c)) == NULL)
		return fail(js, "invalid escape in string");
	js->state = key ? S_KEY_STRING : S_STRING;
	return tok_put(js, &to[p - from], 1);
}

/* Inside a string: as many plain bytes as possible at once. */
static size_t
string_run(struct jstream *js, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '"' && p[i] != '\\' && (unsigned char)p[i] >= 0x20)
		i++;
	if (i > 0 && js->hi_surrogate != 0) {
		fail(js, "unpaired surrogate in string");
		return 0;
	}
	if (i > 0 && tok_put(js, p, i) < 0)
		return 0;
	return i;
}

static int
in_string(struct jstream *js, char c)
{
	if (c == '"') {
		if (js->hi_surrogate != 0)
			return fail(js, "unpaired surrogate in string");
		return end_string(js);
	}
	if (c == '\\') {
		js->esc_n = js->state == S_KEY_STRING ? 0x100 : 0;
		js->state = S_ESCAPE;
		return 0;
	}
	return fail(js, "control character in string");
}

static int
structure(struct jstream *js, char c)
{
	if (is_space(c))
		return 0;
	switch (js->state) {
	case S_VALUE_OR_END:
		if (c == ']')
			return close_container(js, 1);
		/* fall through */
	case S_VALUE:
		return start_value(js, c);
	case S_KEY_OR_END:
		if (c == '}')
			return close_container(js, 0);
		/* fall through */
	case S_KEY:
		if (c != '"')
			return fail(js, "expected a key");
		js->tok_len = 0;
		js->tok_over = 0;
		js->state = S_KEY_STRING;
		return 0;
	case S_COLON:
		if (c != ':')
			return fail(js, "expected ':'");
		js->state = S_VALUE;
		return 0;
	case S_AFTER:
		if (c == ',') {
			js->state = js->lv[js->depth].is_array ? S_VALUE : S_KEY;
			return 0;
		}
		if (c == ']' || c == '}')
			return close_container(js, c == ']');
		return fail(js, "expected ',' or a closing bracket");
	case S_DONE:
		return fail(js, "data after the JSON value");
	}
	return fail(js, "internal parser error");
}

static int
step(struct jstream *js, char c)
{
	int h;

	switch (js->state) {
	case S_STRING:
	case S_KEY_STRING:
		return in_string(js, c);
	case S_ESCAPE:
		return escape(js, c);
	case S_UNICODE:
		if ((h = hex(c)) < 0)
			return fail(js, "invalid \\u escape in string");
		js->esc_u = js->esc_u << 4 | (unsigned)h;
		if ((++js->esc_n & 0xff) == 4)
			return end_unicode(js);
		return 0;
	case S_NUMBER:
		if ((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
		    c == '+' || c == '-')
			return tok_put(js, &c, 1);
		if (end_number(js) < 0)
			return -1;
		return structure(js, c);
	case S_LITERAL:
		if (c != js->lit[js->lit_pos])
			return fail(js, "invalid literal");
		if (js->lit[++js->lit_pos] != '\0')
			return 0;
		if (emit(js, js->lit[0] == 't' ? JS_TRUE : js->lit[0] == 'f' ? JS_FALSE : JS_NULL,
			 js->lit, strlen(js->lit)) < 0)
			return -1;
		after_value(js);
		return 0;
	case S_FAILED:
		return -1;
	}
	return structure(js, c);
}

int
jstream_feed(struct jstream *js, const char *p, size_t n)
{
	size_t i = 0, run;

	while (i < n) {
		if (js->state == S_FAILED)
			return -1;
		if (js->state == S_STRING || js->state == S_KEY_STRING) {
			run = string_run(js, p + i, n - i);
			if (js->state == S_FAILED)
				return -1;
			i += run;
			js->offset += run;
			if (i == n)
				break;
		}
		if (step(js, p[i]) < 0)
			return -1;
		i++;
		js->offset++;
	}
	return js->state == S_FAILED ? -1 : 0;
}

int
jstream_finish(struct jstream *js)
{
	if (js->state == S_NUMBER && js->depth == 0 && end_number(js) < 0)
		return -1;
	if (js->state == S_FAILED)
		return -1;
	if (js->state != S_DONE)
		return fail(js, "truncated JSON");
	return 0;
}

const char *
jstream_key(const struct jstream *js, int d)
{
	const struct jstream_level *l;

	if (d < 1 || d > js->depth)
		return NULL;
	l = &js->lv[d];
	if (l->is_array || l->key_len > JSTREAM_KEY_MAX || strlen(l->key) != l->key_len)
		return NULL;
	return l->key;
}

int
jstream_key_is(const struct jstream *js, int d, const char *key)
{
	const char *k = jstream_key(js, d);

	return k != NULL && strcmp(k, key) == 0;
}
