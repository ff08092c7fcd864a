/*
 * test-store-file.c - the file store through the store interface: every
 * conditional write's precondition, generations and metagenerations, the
 * store clock, listing, and remove.
 */
#include "config.h"

#include <dirent.h>
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

/* Write DIR/name by hand. */
static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

/* A lock file at the given generation and metageneration. */
static void
put_lock(const char *dir, const char *name, const char *gen, const char *mg)
{
	char text[512];

	snprintf(text, sizeof(text),
		 "{\"kind\":\"mcle#lock\",\"name\":\"%s\",\"generation\":\"%s\","
		 "\"metageneration\":\"%s\",\"timeCreated\":\"2024-01-01T00:00:00Z\","
		 "\"updated\":\"2024-01-01T00:00:00Z\",\"metadata\":{\"mcleFormat\":\"1\","
		 "\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\","
		 "\"leaseDurationSeconds\":\"30\"}}\n", name, gen, mg);
	put_file(dir, name, text);
}

static int
exists(const char *dir, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

/* Files in dir whose names contain ".tmp". */
static int
temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL)
		n += strstr(de->d_name, ".tmp") != NULL;
	if (d != NULL)
		closedir(d);
	return n;
}

static long long
gen(const struct store_entry *e)
{
	return strtoll(e->ver.generation, NULL, 10);
}

/* Generations only grow, whatever the clock says, even across remove. */
static void
test_generations(struct store *s, const char *dir)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct lease_record r = rec("a", 1);
	struct store_entry cur, next;
	long long prev;
	int i, up = 1;

	/* a generation ahead of the clock, as after the clock stepped back */
	put_lock(dir, "gen", "9000000000000000000", "1");
	ok(s->ops->read(s, "gen", &cur, &err) == 0, "a lock ahead of the clock reads");
	for (i = 0; i < 20; i++) {
		prev = gen(&cur);
		if (s->ops->replace(s, "gen", &cur.ver, &r, &next, &err) < 0 || gen(&next) <= prev)
			up = 0;
		cur = next;
	}
	ok(up && gen(&cur) > 9000000000000000000LL,
	   "replace after a clock step back: every generation larger than the last");
	put_lock(dir, "gone", "9100000000000000000", "3");
	ok(s->ops->read(s, "gone", &cur, &err) == 0 &&
	   s->ops->remove(s, "gone", &cur.ver, &err) == 0, "remove a lock ahead of the clock");
	ok(s->ops->create(s, "gone", &r, &next, &err) == 0 && gen(&next) > 9100000000000000000LL,
	   "re-created after remove: the generation still grows (the lock file remembers)");
	mcle_err_clear(&err);

	put_lock(dir, "end", "9223372036854775807", "1");
	ok(s->ops->read(s, "end", &cur, &err) == 0, "a lock at the last generation reads");
	ok(s->ops->replace(s, "end", &cur.ver, &r, NULL, &err) < 0 && err.code == MCLE_ECORRUPT,
	   "no generation left: refused, no overflow");
	mcle_err_clear(&err);
	put_lock(dir, "mg", "5", "9223372036854775807");
	ok(s->ops->read(s, "mg", &cur, &err) == 0, "a lock at the last metageneration reads");
	ok(s->ops->update(s, "mg", &cur.ver, &r, NULL, &err) < 0 && err.code == MCLE_ECORRUPT,
	   "no metageneration left: update refused, no overflow");
	mcle_err_clear(&err);
	ok(s->ops->replace(s, "mg", &cur.ver, &r, &next, &err) == 0 && gen(&next) > 5 &&
	   next.ver.metageneration == 1, "... a replace starts again at metageneration 1");
}

/* A temporary left by a writer killed before its rename goes with the next write. */
static void
test_temporaries(struct store *s, const char *dir)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct lease_record r = rec("a", 1);
	struct store_entry e1, e2;

	ok(s->ops->create(s, "crash", &r, &e1, &err) == 0, "create");
	ok(s->ops->update(s, "crash", &e1.ver, &r, &e2, &err) == 0, "update");
	is_int(temporaries(dir), 0, "writes leave no temporary behind");
	put_file(dir, ".crash.tmp", "left by a writer killed before its rename\n");
	ok(s->ops->update(s, "crash", &e1.ver, &r, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "a write that fails its precondition ...");
	ok(!exists(dir, ".crash.tmp"), "... still removes a stale temporary, under the lock");
	mcle_err_clear(&err);
	put_file(dir, ".crash.tmp", "stale\n");
	ok(s->ops->update(s, "crash", &e2.ver, &r, NULL, &err) == 0, "a write over a stale temporary");
	is_int(temporaries(dir), 0, "... leaves none");
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
	test_generations(s, dir);
	test_temporaries(s, dir);
	store_close(s);

	snprintf(url, sizeof(url), "file://%s/other", dir);
	mcle_err_clear(&err);
	ok(store_open(url, &sp, &err) == NULL && err.code == MCLE_ECONFIG,
	   "a file is not a store directory");
	snprintf(url, sizeof(url), "rm -rf '%s'", dir);
	return system(url) != 0 || done_testing();
}
