/*
 * test-gc.c - the lock lifecycle over the in-memory store: mcle gc's
 * engine and the epoch floor.  Epochs never go backwards across removal
 * and re-creation, whatever interleaves with an acquire: a property test
 * of many random rounds, and the races one by one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-gc.h"
#include "lease.h"
#include "loop.h"
#include "store-mem.h"
#include "tap.h"

#define SEC MCLE_USEC
#define NAMES 3
#define IDS 3
#define ROUNDS 4000

static struct loop *lp;
static struct store *st;
static struct output out;
static int64_t clock_offset;
static const char *const names[NAMES] = { "a", "b", "c" };
static const char *const ids[IDS] = { "i1", "i2", "i3" };
static int64_t issued[NAMES];	/* the largest epoch ever issued, per name */
static char issued_to[NAMES][MCLE_IDENTITY_MAX + 1];	/* and to whom */
static int violations, checks;

static void
fresh(void)
{
	struct store_params sp = { lp, NULL, 10 * SEC, 0, NULL };
	struct mcle_err err = MCLE_ERR_INIT;

	store_close(st);
	st = store_open("mem://gc", &sp, &err);
	clock_offset = 0;
	memset(issued, 0, sizeof(issued));
	memset(issued_to, 0, sizeof(issued_to));
}

static struct elect_params
params(const char *id)
{
	struct elect_params p = { id, 60, 2 * SEC, 0, NULL };

	return p;
}

static void
later(int64_t usec)
{
	clock_offset += usec;
	store_mem_clock(st, clock_offset, 0);
}

static int
gc_run(const char *const *keep, size_t nkeep, int dry_run, struct gc_summary *sum)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct gc_params gp;
	struct ns_list l;
	size_t i;
	int rc;

	ns_list_init(&l);
	for (i = 0; i < nkeep; i++)
		ns_list_add(&l, keep[i], strlen(keep[i]), "test", &err);
	ns_list_sort(&l);
	memset(&gp, 0, sizeof(gp));
	gp.store = st;
	gp.names = &l;
	gp.skew = 2 * SEC;
	gp.dry_run = dry_run;
	gp.out = &out;
	rc = engine_gc(&gp, sum, &err);
	ns_list_free(&l);
	return rc;
}

static int
present(const char *ns, struct store_entry *e)
{
	struct mcle_err err = MCLE_ERR_INIT;

	return store_read(st, ns, 0, e, &err) == 0;
}

static int64_t
floor_now(void)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e;
	int64_t f = -1;

	store_floor_read(st, 0, &f, &e, &err);
	return f;
}

/*
 * A successful acquire: its epoch is never below one issued before, and an
 * epoch issued before is only ever the same holder's (a renewal, or its own
 * expired lease taken again: +1 only on a change of holder).
 */
static void
check_acquired(int n, const struct lease_op *o)
{
	int64_t e = o->res.entry.rec.epoch;
	const char *id = o->res.entry.rec.holder;

	checks++;
	if (e < issued[n] || (e == issued[n] && strcmp(id, issued_to[n]) != 0)) {
		if (violations++ < 5)
			printf("# name '%s': %s gave '%s' epoch %lld, but %lld was issued to '%s'\n",
			       names[n], elect_action_name(o->res.action), id, (long long)e,
			       (long long)issued[n], issued_to[n]);
	}
	if (e > issued[n]) {
		issued[n] = e;
		snprintf(issued_to[n], sizeof(issued_to[n]), "%s", id);
	}
}

static void
acquire(int n, int id)
{
	struct elect_params p = params(ids[id]);
	struct lease_op o;

	lease_op_init(&o, st, LEASE_ACQUIRE, names[n], &p, 0);
	if (lease_run(&o) == 0)
		check_acquired(n, &o);
}

static void
release(int n, int id)
{
	struct elect_params p = params(ids[id]);
	struct lease_op o;

	lease_op_init(&o, st, LEASE_RELEASE, names[n], &p, 0);
	lease_run(&o);
}

static void
random_gc(void)
{
	const char *keep[NAMES];
	struct gc_summary sum;
	size_t k = 0;
	int i;

	for (i = 0; i < NAMES; i++)
		if (rand() % 2)
			keep[k++] = names[i];
	gc_run(keep, k, 0, &sum);
}

static void
random_step(void)
{
	switch (rand() % 5) {
	case 0:
		acquire(rand() % NAMES, rand() % IDS);
		break;
	case 1:
		release(rand() % NAMES, rand() % IDS);
		break;
	case 2:
		later(61 * SEC + (rand() % 5) * SEC);
		break;
	case 3:
		random_gc();
		break;
	default:
		later((rand() % 30) * SEC);
		break;
	}
}

/*
 * An acquire that decides from an observation made earlier (a pass's
 * listing and its floor read), with other steps - gc among them - between
 * the observation and the write.
 */
static void
stale_acquire(void)
{
	struct elect_params p = params(ids[rand() % IDS]);
	struct store_entry seen;
	struct lease_op o;
	int n = rand() % NAMES, k, found;
	int64_t f = floor_now();

	found = present(names[n], &seen);
	lease_op_init(&o, st, LEASE_ACQUIRE, names[n], &p, 0);
	o.have_observed = 1;
	o.observed = seen;
	o.observed_absent = !found;
	o.have_floor = !found;
	o.floor = f;
	for (k = rand() % 12; k > 0; k--)
		random_step();
	if (lease_run(&o) == 0)
		check_acquired(n, &o);
}

static void
property(void)
{
	int i;

	fresh();
	srand(12);
	for (i = 0; i < ROUNDS; i++) {
		if (rand() % 4 == 0)
			stale_acquire();
		else
			random_step();
	}
	ok(checks > ROUNDS / 10, "many acquires checked");
	printf("# %d acquires checked; floor %lld\n", checks, (long long)floor_now());
	is_int(violations, 0, "no epoch ever issued twice or backwards across gc and re-creation");
}

/* --- the races, one by one ------------------------------------------------------- */

struct rival {
	enum store_verb before;
	int times;
	const char *holder;
	int64_t epoch;
};

static void
rival_hook(void *arg, struct store *s, struct store_op *o)
{
	struct rival *r = arg;
	struct lease_record rec;

	if (o->verb != r->before || r->times == 0 || store_is_floor(o->name))
		return;
	r->times--;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.holder, sizeof(rec.holder), "%s", r->holder);
	rec.epoch = r->epoch;
	rec.duration = 60;
	store_mem_put(s, o->name, &rec, 0);
}

static void
races(void)
{
	struct gc_summary sum;
	struct store_entry e;
	struct lease_op o;
	struct elect_params p = params("i1");
	struct rival r = { STORE_REMOVE, 1, "i2", 6 };
	int64_t f;

	/* gc never removes a live lock */
	fresh();
	acquire(0, 0);
	ok(gc_run(NULL, 0, 0, &sum) == 0 && sum.removed == 0 && sum.kept == 1,
	   "a live lock is kept");
	ok(present("a", &e) && strcmp(e.rec.holder, "i1") == 0, "and still held");
	is_int(store_mem_count(st, STORE_REMOVE), 0, "no remove was tried");

	/* --dry-run writes nothing */
	release(0, 0);
	ok(gc_run(NULL, 0, 1, &sum) == 0 && sum.removed == 1, "dry run: one would be removed");
	ok(present("a", &e) && floor_now() == 0, "nothing removed, the floor untouched");

	/* a lock whose name exists is left alone */
	ok(gc_run(names, 1, 0, &sum) == 0 && sum.removed == 0 && present("a", &e),
	   "the lock of a name that exists stays");

	/* a rival takes it between the floor raise and the remove: 412, kept */
	store_mem_hook(st, rival_hook, &r);
	ok(gc_run(NULL, 0, 0, &sum) == 0 && sum.removed == 0 && sum.kept == 1,
	   "taken between the raise and the remove: kept");
	store_mem_hook(st, NULL, NULL);
	ok(present("a", &e) && strcmp(e.rec.holder, "i2") == 0 && e.rec.epoch == 6,
	   "the rival's lock is intact");
	is_int(floor_now(), 1, "the floor was raised to the epoch read");

	/* expired beyond the skew: removed, and the next acquire continues above */
	later(63 * SEC);
	ok(gc_run(NULL, 0, 0, &sum) == 0 && sum.removed == 1 && !present("a", &e),
	   "expired: removed");
	is_int(floor_now(), 6, "after raising the floor to its epoch");
	acquire(0, 0);
	ok(present("a", &e) && e.rec.epoch == 7, "re-created at epoch 7, above the floor");

	/* an acquire decided from a listing that saw the lock, then gc removed it */
	release(0, 0);
	fresh();
	acquire(0, 1);
	release(0, 1);
	present("a", &e);
	lease_op_init(&o, st, LEASE_ACQUIRE, "a", &p, 0);
	o.have_observed = 1;
	o.observed = e;
	ok(gc_run(NULL, 0, 0, &sum) == 0 && sum.removed == 1, "gc removes it under the acquire");
	ok(lease_run(&o) == 0 && o.res.entry.rec.epoch == 2,
	   "the acquire's takeover fails, it reads again and creates at epoch 2");

	/* ABA: absent and floor read, then a rival creates, uses, and gc removes */
	fresh();
	f = floor_now();
	lease_op_init(&o, st, LEASE_ACQUIRE, "a", &p, 0);
	o.have_observed = 1;
	o.observed_absent = 1;
	o.have_floor = 1;
	o.floor = f;
	acquire(0, 1);
	release(0, 1);
	ok(gc_run(NULL, 0, 0, &sum) == 0 && sum.removed == 1 && floor_now() == 1,
	   "a rival's lock at epoch 1 came and went");
	ok(lease_run(&o) == 0 && o.res.entry.rec.epoch == 2,
	   "the stale create lands at epoch 1, sees the floor and raises its own lock to 2");
	ok(present("a", &e) && e.rec.epoch == 2 && strcmp(e.rec.holder, "i1") == 0,
	   "the store shows epoch 2, held");
}

int
main(void)
{
	struct mcle_err err = MCLE_ERR_INIT;
	FILE *null = fopen("/dev/null", "w");

	lp = loop_new(&err);
	output_init(&out, "json", null, null, &err);
	races();
	property();
	output_free(&out);
	store_close(st);
	is_int(loop_pending(lp), 0, "nothing left on the loop");
	loop_free(lp);
	fclose(null);
	return done_testing();
}
