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

#include "loop.h"
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

static struct loop *lp;

/* One operation, waited for: 0 or -1 (err in *err, the outcome in *out). */
static int
op(struct store *s, enum store_verb verb, const char *name, const struct store_version *expect,
   const struct lease_record *r, struct store_entry *out, struct mcle_err *err)
{
	struct store_op o;

	memset(&o, 0, sizeof(o));
	o.verb = verb;
	snprintf(o.name, sizeof(o.name), "%s", name);
	if (expect != NULL)
		o.expect = *expect;
	if (r != NULL)
		o.rec = *r;
	o.deadline = time_now_mono() + 10 * MCLE_USEC;
	store_run(s, &o);
	if (out != NULL)
		*out = o.out;
	if (o.rc < 0) {
		mcle_err_clear(err);
		mcle_err_set(err, o.err.code, "%s", o.err.msg);
	}
	return o.rc;
}

static long long
gen(const struct store_entry *e)
{
	return strtoll(e->ver.v, NULL, 10);
}

static long long
metagen(const struct store_entry *e)
{
	const char *slash = strchr(e->ver.v, '/');

	return slash != NULL ? strtoll(slash + 1, NULL, 10) : -1;
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
	ok(op(s, STORE_READ, "gen", NULL, NULL, &cur, &err) == 0, "a lock ahead of the clock reads");
	for (i = 0; i < 20; i++) {
		prev = gen(&cur);
		if (op(s, STORE_REPLACE, "gen", &cur.ver, &r, &next, &err) < 0 || gen(&next) <= prev)
			up = 0;
		cur = next;
	}
	ok(up && gen(&cur) > 9000000000000000000LL,
	   "replace after a clock step back: every generation larger than the last");
	put_lock(dir, "gone", "9100000000000000000", "3");
	ok(op(s, STORE_READ, "gone", NULL, NULL, &cur, &err) == 0 &&
	   op(s, STORE_REMOVE, "gone", &cur.ver, NULL, NULL, &err) == 0,
	   "remove a lock ahead of the clock");
	ok(op(s, STORE_CREATE, "gone", NULL, &r, &next, &err) == 0 &&
	   gen(&next) > 9100000000000000000LL,
	   "re-created after remove: the generation still grows (the lock file remembers)");

	put_lock(dir, "end", "9223372036854775807", "1");
	ok(op(s, STORE_READ, "end", NULL, NULL, &cur, &err) == 0, "a lock at the last generation reads");
	ok(op(s, STORE_REPLACE, "end", &cur.ver, &r, NULL, &err) < 0 && err.code == MCLE_ECORRUPT,
	   "no generation left: refused, no overflow");
	put_lock(dir, "mg", "5", "9223372036854775807");
	ok(op(s, STORE_READ, "mg", NULL, NULL, &cur, &err) == 0, "a lock at the last metageneration reads");
	ok(op(s, STORE_UPDATE, "mg", &cur.ver, &r, NULL, &err) < 0 && err.code == MCLE_ECORRUPT,
	   "no metageneration left: update refused, no overflow");
	ok(op(s, STORE_REPLACE, "mg", &cur.ver, &r, &next, &err) == 0 && gen(&next) > 5 &&
	   metagen(&next) == 1, "... a replace starts again at metageneration 1");
}

/* A temporary left by a writer killed before its rename goes with the next write. */
static void
test_temporaries(struct store *s, const char *dir)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct lease_record r = rec("a", 1);
	struct store_entry e1, e2;

	ok(op(s, STORE_CREATE, "crash", NULL, &r, &e1, &err) == 0, "create");
	ok(op(s, STORE_UPDATE, "crash", &e1.ver, &r, &e2, &err) == 0, "update");
	is_int(temporaries(dir), 0, "writes leave no temporary behind");
	put_file(dir, ".crash.tmp", "left by a writer killed before its rename\n");
	ok(op(s, STORE_UPDATE, "crash", &e1.ver, &r, NULL, &err) < 0 && err.code == MCLE_EPRECOND,
	   "a write that fails its precondition ...");
	ok(!exists(dir, ".crash.tmp"), "... still removes a stale temporary, under the lock");
	put_file(dir, ".crash.tmp", "stale\n");
	ok(op(s, STORE_UPDATE, "crash", &e2.ver, &r, NULL, &err) == 0, "a write over a stale temporary");
	is_int(temporaries(dir), 0, "... leaves none");
}

/* A lock file written by an older mcle: no acquireTime, its creation instead. */
static void
test_older_record(struct store *s, const char *dir)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e;
	mcle_time created;

	put_lock(dir, "old", "77", "2");
	time_parse_rfc3339("2024-01-01T00:00:00Z", &created);
	ok(op(s, STORE_READ, "old", NULL, NULL, &e, &err) == 0 && e.rec.acquired == created,
	   "an older record's acquire time is its timeCreated");
	is_str(e.ver.v, "77/2", "the version is GENERATION/METAGENERATION");
}

int
main(void)
{
	char dir[] = "/tmp/mcle-test-store.XXXXXX", url[64];
	struct store_params sp;
	struct mcle_err err = MCLE_ERR_INIT;
	struct lease_record r1 = rec("a", 1);
	struct store_entry e1;
	struct store *s;

	if (mkdtemp(dir) == NULL)
		return 1;
	lp = loop_new(&err);
	memset(&sp, 0, sizeof(sp));
	sp.loop = lp;
	sp.default_timeout = 10 * MCLE_USEC;
	snprintf(url, sizeof(url), "file://%s", dir);
	s = store_open(url, &sp, &err);
	ok(s != NULL, "open");
	ok(op(s, STORE_CREATE, "ns", NULL, &r1, &e1, &err) == 0, "create if absent");
	is_int(metagen(&e1), 1, "a new object has metageneration 1");
	test_generations(s, dir);
	test_temporaries(s, dir);
	test_older_record(s, dir);
	ok(op(s, STORE_CREATE, "other", NULL, &r1, NULL, &err) == 0, "a second lock");
	store_close(s);

	snprintf(url, sizeof(url), "file://%s/other", dir);
	mcle_err_clear(&err);
	ok(store_open(url, &sp, &err) == NULL && err.code == MCLE_ECONFIG,
	   "a file is not a store directory");
	loop_free(lp);
	snprintf(url, sizeof(url), "rm -rf '%s'", dir);
	return system(url) != 0 || done_testing();
}
