/*
 * test-store-file.c - the file store through the store interface: every
 * conditional write's precondition, generations and metagenerations, the
 * store clock, listing, and remove.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "tap.h"

static struct lease_record
rec(const char *holder, int64_t epoch)
{
	struct lease_record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.holder, sizeof(r.holder), "%s", holder);
	r.epoch = epoch;
	r.duration = 30;
	return r;
}

static int
count(void *arg, const struct store_entry *e, struct mcle_err *err)
{
	(void)e;
	(void)err;
	(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	char dir[] = "/tmp/mcle-test-store.XXXXXX", url[64];
	struct store_params sp = { 0, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	struct lease_record r1 = rec("a", 1), r2 = rec("b", 2);
	struct store_entry e1, e2, e3, got;
	struct store_version stale;
	struct store *s;
	int n = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(url, sizeof(url), "file://%s", dir);
	sp.deadline = time_now_mono() + 10 * MCLE_USEC;
	s = store_open(url, &sp, &err);
	ok(s != NULL, "open");

	ok(s->ops->read(s, "ns", &got, &err) < 0 && err.code == MCLE_ENOTFOUND, "absent: not found");
	mcle_err_clear(&err);
	ok(s->ops->create(s, "ns", &r1, &e1, &err) == 0, "create if absent");
	is_int(e1.ver.metageneration, 1, "a new object has metageneration 1");
	ok(e1.ver.created == e1.ver.updated && e1.now == e1.ver.updated, "created = updated = now");
	ok(s->ops->create(s, "ns", &r1, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "create of an existing object: precondition failed");
	mcle_err_clear(&err);

	ok(s->ops->update(s, "ns", &e1.ver, &r1, &e2, &err) == 0, "update at the version read");
	is_str(e2.ver.generation, e1.ver.generation, "update keeps the generation");
	is_int(e2.ver.metageneration, 2, "update bumps the metageneration");
	ok(s->ops->update(s, "ns", &e1.ver, &r1, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "update at a stale metageneration fails");
	mcle_err_clear(&err);

	ok(s->ops->replace(s, "ns", &e1.ver, &r2, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "replace at a stale version fails (a renewal landed in between)");
	mcle_err_clear(&err);
	ok(s->ops->replace(s, "ns", &e2.ver, &r2, &e3, &err) == 0, "replace at the current version");
	ok(strcmp(e3.ver.generation, e2.ver.generation) != 0, "replace starts a new generation");
	is_int(e3.ver.metageneration, 1, "... with metageneration 1");

	ok(s->ops->read(s, "ns", &got, &err) == 0, "read back");
	is_str(got.rec.holder, "b", "the record is the replacement");
	is_int(got.rec.epoch, 2, "with its epoch");
	ok(got.now >= got.ver.updated, "the store's clock is not before the write");

	stale = e2.ver;
	ok(s->ops->remove(s, "ns", &stale, &err) < 0 && err.code == MCLE_EPRECOND,
	   "remove at a stale version fails");
	mcle_err_clear(&err);
	ok(s->ops->create(s, "other", &r1, NULL, &err) == 0, "a second lock");
	ok(s->ops->list(s, count, &n, &err) == 0 && n == 2, "list sees both");
	ok(s->ops->remove(s, "ns", &e3.ver, &err) == 0, "remove at the current version");
	ok(s->ops->read(s, "ns", &got, &err) < 0 && err.code == MCLE_ENOTFOUND, "gone");
	mcle_err_clear(&err);
	ok(s->ops->update(s, "ns", &e3.ver, &r1, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "update of a removed object fails its precondition");
	store_close(s);

	snprintf(url, sizeof(url), "file://%s/other", dir);
	mcle_err_clear(&err);
	ok(store_open(url, &sp, &err) == NULL && err.code == MCLE_ECONFIG,
	   "a file is not a store directory");
	snprintf(url, sizeof(url), "rm -rf '%s'", dir);
	return system(url) != 0 || done_testing();
}
