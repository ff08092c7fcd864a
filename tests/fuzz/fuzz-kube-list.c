/*
 * fuzz-kube-list.c - a page of a namespace or Lease listing, streamed
 * through kube-parse.c, on arbitrary bytes cut in arbitrary chunks.
 *
 * The first byte picks namespaces or Leases and how many items the
 * listing held before this page (to reach the cap); the rest is the page.
 * Invariants: the outcome (items, continue token, error) is the same
 * whole, in random chunks and byte by byte, and after a retried attempt;
 * every namespace kept is a valid name; every Lease kept is ours, in a
 * valid namespace, with a valid resourceVersion and status; no page holds
 * more than the caps; messages are clean.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-kube.h"
#include "fuzz-util.h"
#include "kube-parse.h"
#include "parse.h"

#define LEASE_NAME "lease-gsc"

struct outcome {
	int rc;
	struct mcle_err err;
	int token_rc;
	char next[KUBE_CONTINUE_MAX + 1];
	uint64_t items;
	size_t n, counted;
};

static uint64_t
ns_item(const struct kube_ns_item *it, uint64_t h)
{
	FUZZ_CHECK(valid_namespace(it->name));
	FUZZ_CHECK(it->terminating == 0 || it->terminating == 1);
	h = fuzz_hash(it->name, strlen(it->name) + 1, h);
	return fuzz_hash(&it->terminating, sizeof(it->terminating), h);
}

static uint64_t
lease_item(const struct kube_lease_fields *f, uint64_t h)
{
	const struct kube_lease *l = &f->l;

	FUZZ_CHECK(f->name_state == 1 && f->ns_ok && f->rv_ok);
	FUZZ_CHECK(valid_namespace(l->ns) && l->rv[0] != '\0' && strlen(l->rv) <= KUBE_RV_MAX);
	FUZZ_CHECK(l->spec_holder[0] == '\0' || valid_identity(l->spec_holder));
	FUZZ_CHECK(l->spec_duration >= 0);
	fuzz_status_check(&l->status);
	return fuzz_lease_hash(l, h);
}

static void
run(struct kube_page *p, size_t before, const char *body, size_t size, int cut,
    struct fuzz_rng *r, struct outcome *o)
{
	size_t i = 0, n;

	memset(o, 0, sizeof(*o));
	kube_page_begin(p);
	p->items = before;
	while (o->rc == 0 && i < size) {
		n = cut == 0 ? size : cut == 2 ? 1 : fuzz_chunk(r, size - i);
		o->rc = kube_page_feed(p, body + i, n);
		i += n;
	}
	if (o->rc < 0) {
		o->err = p->err;
		FUZZ_CHECK(fuzz_msg_ok(&o->err));
		return;
	}
	if ((o->rc = kube_page_finish(p, &o->err)) < 0) {
		FUZZ_CHECK(fuzz_msg_ok(&o->err));
		return;
	}
	FUZZ_CHECK(p->page_items <= KUBE_PAGE_ITEMS_MAX && p->page.n <= p->page_items);
	FUZZ_CHECK(before + p->page_items <= KUBE_LIST_ITEMS_MAX);
	for (i = 0; i < p->page.n; i++)
		o->items = p->ls.leases ? lease_item(vec_at(&p->page, i), o->items) :
			   ns_item(vec_at(&p->page, i), o->items);
	o->n = p->page.n;
	o->counted = p->page_items;
	o->token_rc = kube_page_token(p, &o->err);
	FUZZ_CHECK(o->token_rc == 0 || fuzz_msg_ok(&o->err));
	memcpy(o->next, p->next, sizeof(o->next));
}

static void
same(const struct outcome *a, const struct outcome *b)
{
	FUZZ_CHECK(a->rc == b->rc && a->err.code == b->err.code &&
		   strcmp(a->err.msg, b->err.msg) == 0);
	FUZZ_CHECK(a->items == b->items && a->n == b->n && a->counted == b->counted &&
		   a->token_rc == b->token_rc && strcmp(a->next, b->next) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_listing ls = {
		0, LEASE_NAME, "leases", "namespaces", "cannot list namespaces in https://k",
		"https://k", "https://k (test)",
	};
	struct outcome whole, chunked, bytes, retried;
	struct kube_page *p;
	struct fuzz_rng r;
	size_t before;
	char *body;

	if (size < 1 || size > 65536)
		return 0;
	ls.leases = data[0] & 1;
	if (ls.leases)
		ls.noun = "leases.leaderelection.600lyy.io";
	/* the listing so far: none, or close to the cap */
	before = data[0] & 2 ? KUBE_LIST_ITEMS_MAX - (data[0] >> 2) : 0;
	fuzz_rng_init(&r, data, size);
	body = fuzz_copy(data + 1, size - 1);
	size--;
	if ((p = malloc(sizeof(*p))) == NULL)
		abort();
	kube_page_init(p, &ls);
	run(p, before, body, size, 0, &r, &whole);
	run(p, before, body, size, 1, &r, &chunked);
	run(p, before, body, size, 2, &r, &bytes);
	kube_page_begin(p);
	(void)kube_page_feed(p, body, (size_t)(fuzz_rng_next(&r) % (size + 1)));
	run(p, before, body, size, 1, &r, &retried);
	same(&whole, &chunked);
	same(&whole, &bytes);
	same(&whole, &retried);
	kube_page_free(p);
	free(p);
	free(body);
	return 0;
}
