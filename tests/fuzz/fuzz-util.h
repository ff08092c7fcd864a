/*
 * fuzz-util.h - what the fuzz targets share: a failed invariant aborts
 * with the reason, messages are checked, inputs are cut into chunks by a
 * generator seeded from the input itself (so a crash replays), and a
 * document's duplicate keys are found (json-c keeps the last, a stream
 * sees both: the two readers are compared only without them).
 */
#ifndef MCLE_FUZZ_UTIL_H
#define MCLE_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jstream.h"

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* A failure's message: set, one line of printable ASCII. */
static inline int
fuzz_msg_ok(const struct mcle_err *e)
{
	const char *p;

	if (e->code == MCLE_OK || e->msg[0] == '\0')
		return 0;
	for (p = e->msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e)
			return 0;
	return 1;
}

/* Printable ASCII only (a server's text after http_clip). */
static inline int
fuzz_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

static inline uint64_t
fuzz_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

/* xorshift64*, seeded from the input. */
struct fuzz_rng {
	uint64_t x;
};

static inline void
fuzz_rng_init(struct fuzz_rng *r, const uint8_t *data, size_t size)
{
	r->x = fuzz_hash(data, size, 0xcbf29ce484222325ULL) | 1;
}

static inline uint64_t
fuzz_rng_next(struct fuzz_rng *r)
{
	r->x ^= r->x >> 12;
	r->x ^= r->x << 25;
	r->x ^= r->x >> 27;
	return r->x * 0x2545F4914F6CDD1DULL;
}

/* The next chunk's length: mostly small, sometimes empty, sometimes all. */
static inline size_t
fuzz_chunk(struct fuzz_rng *r, size_t left)
{
	uint64_t v = fuzz_rng_next(r);
	size_t n;

	switch (v % 8) {
	case 0:
		n = 0;
		break;
	case 1:
		n = left;
		break;
	case 2:
	case 3:
		n = 1;
		break;
	default:
		n = (size_t)(v >> 8) % 17;
		break;
	}
	return n > left ? left : n;
}

/* --- duplicate keys ----------------------------------------------------- */

#define FUZZ_KEYS_MAX 64	/* keys of one object followed; more: "unsure" */

struct fuzz_dups {
	uint64_t keys[JSTREAM_DEPTH_MAX + 1][FUZZ_KEYS_MAX];
	int n[JSTREAM_DEPTH_MAX + 1];
	int found;		/* a duplicate key, or too many keys to tell */
};

static inline int
fuzz_dups_fn(void *arg, struct jstream *js, enum jstream_tok tok, const char *s,
	     size_t len, int depth)
{
	struct fuzz_dups *d = arg;
	const struct jstream_level *l = &js->lv[depth];
	uint64_t h;
	int i;

	(void)s;
	(void)len;
	if (depth > 0 && !l->is_array && tok != JS_OBJECT_END && tok != JS_ARRAY_END) {
		/* a member starts: its key (cut keys hash with their length) */
		h = fuzz_hash(l->key, strlen(l->key), 0xcbf29ce484222325ULL) ^ l->key_len;
		for (i = 0; i < d->n[depth]; i++)
			if (d->keys[depth][i] == h)
				d->found = 1;
		if (d->n[depth] == FUZZ_KEYS_MAX)
			d->found = 1;
		else
			d->keys[depth][d->n[depth]++] = h;
	}
	if (tok == JS_OBJECT && depth < JSTREAM_DEPTH_MAX)
		d->n[depth + 1] = 0;
	return 0;
}

/*
 * 1 if data is one JSON value (as jstream reads it) without a duplicate
 * key in any object, 0 otherwise.
 */
static inline int
fuzz_json_unique(const uint8_t *data, size_t size)
{
	struct fuzz_dups *d = calloc(1, sizeof(*d));
	struct jstream js;
	int ok;

	if (d == NULL)
		abort();
	jstream_init(&js, fuzz_dups_fn, d, (size_t)1 << 20);
	ok = jstream_feed(&js, (const char *)data, size) == 0 && jstream_finish(&js) == 0 &&
	     !d->found;
	jstream_free(&js);
	free(d);
	return ok;
}

/* A heap copy of exactly n bytes (ASan sees a read past the end). */
static inline char *
fuzz_copy(const uint8_t *data, size_t n)
{
	char *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	memcpy(p, data, n);
	return p;
}

#endif
