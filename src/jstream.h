/*
 * jstream.h - a streaming JSON parser, fed as bytes arrive.
 *
 * For list pages: the parser reports each scalar with where it stands
 * (the keys and indexes of every level above it), so a consumer keeps the
 * few fields it needs of each item and nothing else.  Memory is fixed: a
 * stack of JSTREAM_DEPTH_MAX levels and one token buffer of at most
 * `token_max` bytes, whatever the document's size (longer strings are
 * reported by length only).  Strict RFC 8259: one
 * value, only whitespace after it, no comments, no trailing commas, valid
 * escapes (\u0000 decodes to a NUL byte: consumers see it in `len`).
 * Pure: no I/O.
 */
#ifndef MCLE_JSTREAM_H
#define MCLE_JSTREAM_H

#include <stddef.h>
#include <stdint.h>

#define JSTREAM_DEPTH_MAX	32	/* the one nesting limit of every JSON mcle reads */
#define JSTREAM_KEY_MAX		63	/* longer keys are kept cut, and never match */

enum jstream_tok {
	JS_OBJECT,		/* an object starts */
	JS_OBJECT_END,
	JS_ARRAY,
	JS_ARRAY_END,
	JS_STRING,
	JS_NUMBER,		/* text as written */
	JS_TRUE,
	JS_FALSE,
	JS_NULL,
};

struct jstream_level {
	char key[JSTREAM_KEY_MAX + 1];	/* in an object: the member's key */
	size_t key_len;			/* its real length (> JSTREAM_KEY_MAX: cut) */
	long index;			/* in an array: the element's index; else -1 */
	int is_array;
};

struct jstream;

/*
 * A value or container event.  depth is the number of containers around
 * it (0 for the document itself); js's levels 1..depth say where it is.
 * s/len: the decoded text of a string or number (not NUL-checked: len may
 * exceed strlen(s)); a string longer than token_max comes with s NULL and
 * its length (skipped, not an error: an annotation may be large); a number
 * that long is an error.  Return -1 to stop the parse (jstream_feed fails).
 */
typedef int (*jstream_fn)(void *arg, struct jstream *js, enum jstream_tok tok,
			  const char *s, size_t len, int depth);

struct jstream {
	jstream_fn fn;
	void *arg;
	size_t token_max;
	/* private */
	struct jstream_level lv[JSTREAM_DEPTH_MAX + 1];
	int depth;
	int state;
	char *tok;
	size_t tok_len, tok_cap;
	size_t tok_over;		/* bytes of a string past token_max, not kept */
	unsigned esc_u, esc_n;
	uint32_t hi_surrogate;
	int lit_pos;
	const char *lit;
	int done;
	size_t offset;			/* bytes fed so far, for messages */
	char err[96];
	const char *reason;		/* err without its position (static), or NULL */
};

/* token_max bounds one string or number (bytes, decoded). */
void jstream_init(struct jstream *js, jstream_fn fn, void *arg, size_t token_max);
void jstream_free(struct jstream *js);

/* Feed n bytes.  0, or -1 with js->err set (syntax) or after fn returned -1. */
int jstream_feed(struct jstream *js, const char *p, size_t n);

/* The end of the input: 0 if exactly one complete value was read. */
int jstream_finish(struct jstream *js);

/*
 * The key of level d (1..depth) or NULL (array element, or a key too long
 * to match); key_is(js, d, "x") compares it.
 */
const char *jstream_key(const struct jstream *js, int d);
int jstream_key_is(const struct jstream *js, int d, const char *key);

#endif
