/*
 * fuzz-gcs-list.c - a page of a GCS object listing, streamed through
 * gcs-parse.c, on arbitrary bytes cut in arbitrary chunks.
 *
 * The first byte picks the store's prefix ("" or "locks"); the rest is
 * the page.  Invariants: the outcome (items, token, error) is the same
 * whole, in random chunks and byte by byte, and after a retried attempt
 * (gcs_page_begin); every item is a valid namespace whose entry is valid
 * or marked bad with a reason; messages are clean.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "gcs-parse.h"
#include "parse.h"

#define BUCKET	"bkt"

struct outcome {
	int rc;			/* of the feeds and the finish */
	struct mcle_err err;
	int token_rc;
	char next[GCS_PAGE_TOKEN_MAX + 1];
	uint64_t items;		/* a hash of every item */
	size_t n;
};

static uint64_t
item_hash(const struct gcs_item *it, uint64_t h)
{
	const struct store_entry *e = &it->e;

	h = fuzz_hash(e->name, strlen(e->name) + 1, h);
	h = fuzz_hash(&it->bad, sizeof(it->bad), h);
	if (it->bad)
		return fuzz_hash(it->why, strlen(it->why) + 1, h);
	h = fuzz_hash(e->ver.v, strlen(e->ver.v) + 1, h);
	h = fuzz_hash(&e->updated, sizeof(e->updated), h);
	return fuzz_hash(&e->rec, sizeof(e->rec), h);
}

static void
check_item(const struct gcs_item *it)
{
	FUZZ_CHECK(valid_namespace(it->e.name) && it->e.now == 0);
	if (it->bad) {
		FUZZ_CHECK(it->why[0] != '\0' && fuzz_printable(it->why));
		return;
	}
	FUZZ_CHECK(strchr(it->e.ver.v, '/') != NULL);
	FUZZ_CHECK(it->e.rec.holder[0] == '\0' || valid_identity(it->e.rec.holder));
	FUZZ_CHECK(it->e.updated >= MCLE_TIME_MIN && it->e.updated <= MCLE_TIME_MAX);
}

/* The page's outcome into o; cut: 0 whole, 1 random chunks, 2 byte by byte. */
static void
run(struct gcs_page *p, const char *body, size_t size, int cut, struct fuzz_rng *r,
    struct outcome *o)
{
	size_t i = 0, n;

	memset(o, 0, sizeof(*o));
	while (o->rc == 0 && i < size) {
		n = cut == 0 ? size : cut == 2 ? 1 : fuzz_chunk(r, size - i);
		o->rc = gcs_page_feed(p, body + i, n);
		i += n;
	}
	if (o->rc < 0) {
		o->err = p->err;
		FUZZ_CHECK(fuzz_msg_ok(&o->err));
	} else if ((o->rc = gcs_page_finish(p, &o->err)) < 0) {
		FUZZ_CHECK(fuzz_msg_ok(&o->err));
	} else {
		struct mcle_err terr = MCLE_ERR_INIT;

		FUZZ_CHECK(p->items.n <= GCS_PAGE_ITEMS_MAX);
		for (i = 0; i < p->items.n; i++) {
			check_item(vec_at(&p->items, i));
			o->items = item_hash(vec_at(&p->items, i), o->items);
		}
		o->n = p->items.n;
		o->token_rc = gcs_page_token(p, &terr);
		FUZZ_CHECK(o->token_rc == 0 ? strlen(p->next) <= GCS_PAGE_TOKEN_MAX :
			   fuzz_msg_ok(&terr));
		memcpy(o->next, p->next, sizeof(o->next));
	}
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	FUZZ_CHECK(a->rc == b->rc && a->err.code == b->err.code &&
		   strcmp(a->err.msg, b->err.msg) == 0);
	FUZZ_CHECK(a->items == b->items && a->n == b->n && a->token_rc == b->token_rc &&
		   strcmp(a->next, b->next) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *prefix;
	struct outcome whole, chunked, bytes, retried;
	struct gcs_page p;
	struct fuzz_rng r;
	char *body;

	if (size < 1 || size > 65536)
		return 0;
	prefix = data[0] & 1 ? "locks" : "";
	fuzz_rng_init(&r, data, size);
	body = fuzz_copy(data + 1, size - 1);
	size--;
	gcs_page_init(&p, BUCKET, prefix, "gs://bkt/locks", "cannot list locks in 'gs://bkt'");
	run(&p, body, size, 0, &r, &whole);
	gcs_page_begin(&p);
	run(&p, body, size, 1, &r, &chunked);
	gcs_page_begin(&p);
	run(&p, body, size, 2, &r, &bytes);
	/* a retried request: a part of the page, then the page anew */
	gcs_page_begin(&p);
	(void)gcs_page_feed(&p, body, (size_t)(fuzz_rng_next(&r) % (size + 1)));
	gcs_page_begin(&p);
	run(&p, body, size, 1, &r, &retried);
	same(&whole, &chunked);
	same(&whole, &bytes);
	same(&whole, &retried);
	gcs_page_free(&p);
	free(body);
	return 0;
}
