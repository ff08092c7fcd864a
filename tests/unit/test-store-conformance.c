/*
 * test-store-conformance.c - the store contract (store.h), checked the
 * same way on every backend.
 *
 * Without arguments: mem:// and a fresh file:// directory.  With URLs as
 * arguments (tests/t2014-gcs-conformance.bats passes a gs:// URL on the
 * GCS stand-in), those instead.  Each URL must name an empty store.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "loop.h"
#include "store.h"
#include "tap.h"

#define VERSIONS_MAX 64

static struct loop *lp;
static struct http_engine *he;

static struct lease_record
rec(const char *holder, int64_t epoch)
{
	struct lease_record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.holder, sizeof(r.holder), "%s", holder);
	r.epoch = epoch;
	r.duration = 30;
	r.acquired = time_now_real() - 5 * MCLE_USEC;
	return r;
}

static int
write_op(struct store *s, enum store_verb verb, const char *name,
	 const struct store_version *expect, const struct lease_record *r,
	 struct store_op *op)
{
	memset(op, 0, sizeof(*op));
	op->verb = verb;
	snprintf(op->name, sizeof(op->name), "%s", name);
	if (expect != NULL)
		op->expect = *expect;
	if (r != NULL)
		op->rec = *r;
	op->deadline = time_now_mono() + 20 * MCLE_USEC;
	return store_run(s, op);
}

struct seen {
	char names[8][MCLE_NAMESPACE_MAX + 1];
	int n, bad;
	mcle_time now;
};

static int
each(void *arg, const struct store_entry *e, const struct mcle_err *bad,
     struct mcle_err *err)
{
	struct seen *s = arg;

	(void)err;
	if (bad != NULL) {
		s->bad++;
		return 0;
	}
	if (s->n < 8)
		snprintf(s->names[s->n], sizeof(s->names[0]), "%s", e->name);
	s->n++;
	s->now = e->now;
	return 0;
}

static int
distinct(char v[][STORE_VERSION_MAX + 1], int n)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (strcmp(v[i], v[j]) == 0)
				return 0;
	return 1;
}

/* The epoch floor: absent is 0, it only grows, listings skip it. */
static void
floor_checks(struct store *s)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e, first;
	struct store_op op;
	int64_t f = -1;

	ok(store_floor_read(s, 0, &f, &e, &err) == 0 && f == 0 && e.ver.v[0] == '\0',
	   "no epoch floor yet: 0");
	ok(store_floor_raise(s, 5, 0, &err) == 0, "raise the floor to 5");
	ok(store_floor_read(s, 0, &f, &first, &err) == 0 && f == 5, "it reads 5");
	ok(store_floor_raise(s, 3, 0, &err) == 0 && store_floor_read(s, 0, &f, &e, &err) == 0 &&
	   f == 5 && strcmp(e.ver.v, first.ver.v) == 0, "raising it to 3 leaves 5, unwritten");
	ok(store_floor_raise(s, 9, 0, &err) == 0 && store_floor_read(s, 0, &f, &e, &err) == 0 &&
	   f == 9, "raising it to 9 makes 9");
	ok(write_op(s, STORE_UPDATE, STORE_FLOOR_NAME, &first.ver, &first.rec, &op) < 0 &&
	   op.err.code == MCLE_EPRECOND, "a write at the floor's old version fails");
	if (err.code != MCLE_OK)
		printf("#   %s\n", err.msg);
}

static void
conform(const char *url)
{
	struct store_params sp = { lp, he, 20 * MCLE_USEC, 0, NULL };
	struct mcle_err err = MCLE_ERR_INIT;
	char versions[VERSIONS_MAX][STORE_VERSION_MAX + 1], name[80];
	struct lease_record r1 = rec("c1", 1), r2 = rec("c2", 2);
	struct store_version v1, stale;
	struct store_entry e;
	struct store_op op;
	struct seen seen;
	struct store *s;
	mcle_time before;
	int nv = 0, i;

	printf("# store %s\n", url);
	if ((s = store_open(url, &sp, &err)) == NULL) {
		ok(0, "open the store");
		printf("#   %s\n", err.msg);
		return;
	}
	snprintf(name, sizeof(name), "%s: ", s->ops->scheme);

	before = time_now_real();
	ok(store_read(s, "team-a", 0, &e, &err) < 0 && err.code == MCLE_ENOTFOUND,
	   "an absent object is MCLE_ENOTFOUND");
	ok(e.now != 0, "and the answer still carries the store's clock");
	mcle_err_clear(&err);

	ok(write_op(s, STORE_CREATE, "team-a", NULL, &r1, &op) == 0, "create if absent");
	v1 = op.out.ver;
	ok(v1.v[0] != '\0', "a version comes back");
	ok(op.out.now != 0 && op.out.updated != 0, "with the store's clock and the write's time");
	ok(op.out.updated + 5 * MCLE_USEC >= before, "updated is the time of the write");
	snprintf(versions[nv++], sizeof(versions[0]), "%s", v1.v);
	ok(write_op(s, STORE_CREATE, "team-a", NULL, &r2, &op) < 0 && op.err.code == MCLE_EPRECOND,
	   "create of an existing object fails its precondition");

	ok(store_read(s, "team-a", 0, &e, &err) == 0, "read it");
	ok(strcmp(e.ver.v, v1.v) == 0 && strcmp(e.rec.holder, "c1") == 0 && e.rec.epoch == 1 &&
	   e.rec.duration == 30, "as written");
	ok(e.rec.acquired / MCLE_USEC == r1.acquired / MCLE_USEC, "with the record's acquire time");

	ok(write_op(s, STORE_UPDATE, "team-a", &v1, &r1, &op) == 0, "update in place at its version");
	stale = v1;
	v1 = op.out.ver;
	snprintf(versions[nv++], sizeof(versions[0]), "%s", v1.v);
	ok(strcmp(stale.v, v1.v) != 0, "an update changes the version");
	ok(write_op(s, STORE_UPDATE, "team-a", &stale, &r2, &op) < 0 && op.err.code == MCLE_EPRECOND,
	   "an update at a stale version fails its precondition");
	ok(write_op(s, STORE_REPLACE, "team-a", &stale, &r2, &op) < 0 && op.err.code == MCLE_EPRECOND,
	   "so does a replace");
	ok(write_op(s, STORE_UPDATE, "team-b", &v1, &r2, &op) < 0 && op.err.code == MCLE_EPRECOND,
	   "a conditional write to an absent object fails its precondition");

	for (i = 0; i < 5; i++) {
		if (write_op(s, i % 2 ? STORE_UPDATE : STORE_REPLACE, "team-a", &v1, &r2, &op) < 0)
			break;
		v1 = op.out.ver;
		snprintf(versions[nv++], sizeof(versions[0]), "%s", v1.v);
	}
	is_int(i, 5, "replace and update, alternating, each at the version before");
	ok(store_read(s, "team-a", 0, &e, &err) == 0 && strcmp(e.rec.holder, "c2") == 0 &&
	   e.rec.epoch == 2, "the last write is what is read");

	ok(store_caps(s) & STORE_CAP_REMOVE, "the store can remove (mcle gc needs it)");
	if (store_caps(s) & STORE_CAP_REMOVE) {
		ok(write_op(s, STORE_REMOVE, "team-a", &stale, NULL, &op) < 0 &&
		   op.err.code == MCLE_EPRECOND, "remove at a stale version fails");
		ok(write_op(s, STORE_REMOVE, "team-a", &v1, NULL, &op) == 0, "remove at its version");
		ok(store_read(s, "team-a", 0, &e, &err) < 0 && err.code == MCLE_ENOTFOUND,
		   "then it is absent");
		mcle_err_clear(&err);
		ok(write_op(s, STORE_CREATE, "team-a", NULL, &r1, &op) == 0, "and can be created again");
		snprintf(versions[nv++], sizeof(versions[0]), "%s", op.out.ver.v);
	}
	ok(distinct(versions, nv), "a version never repeats for a name");

	floor_checks(s);
	ok(write_op(s, STORE_CREATE, "team-b", NULL, &r2, &op) == 0, "a second object");
	memset(&seen, 0, sizeof(seen));
	ok(store_list(s, 0, each, &seen, &err) == 0, "list");
	is_int(seen.n, 2, "both objects listed");
	ok(strcmp(seen.names[0], "team-a") == 0 && strcmp(seen.names[1], "team-b") == 0,
	   "by name, in order");
	ok(seen.now != 0, "listed entries carry the store's clock");
	is_int(seen.bad, 0, "none malformed");
	store_close(s);
}

int
main(int argc, char **argv)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct http_limits lim = { 8, 8, 0 };
	char dir[] = "/tmp/mcle-conformance.XXXXXX", url[64];
	int i;

	lp = loop_new(&err);
	he = http_engine_new(lp, &lim, &err);
	if (argc > 1) {
		for (i = 1; i < argc; i++)
			conform(argv[i]);
	} else {
		conform("mem://conformance");
		if (mkdtemp(dir) != NULL) {
			char cmd[128];

			snprintf(url, sizeof(url), "file://%s", dir);
			conform(url);
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
			if (system(cmd) != 0)
				printf("# cannot remove %s\n", dir);
		}
	}
	http_engine_free(he);
	loop_free(lp);
	return done_testing();
}
