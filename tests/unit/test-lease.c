/*
 * test-lease.c - every path of the lease operation (lease.c) over the
 * in-memory store with injected faults: create, renew, takeover, busy,
 * lost, release, and each unknown outcome settled by reading back.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "loop.h"
#include "store-mem.h"
#include "tap.h"

#define SEC MCLE_USEC

static struct loop *lp;
static struct store *st;

static struct store *
fresh(void)
{
	struct store_params sp = { lp, NULL, 10 * SEC, 0, NULL };
	struct mcle_err err = MCLE_ERR_INIT;

	store_close(st);
	st = store_open("mem://test", &sp, &err);
	return st;
}

static struct elect_params
params(const char *id)
{
	struct elect_params p = { id, 60, 2 * SEC, 0, NULL };

	return p;
}

/* Run one operation; its op stays for inspection. */
static int
op(struct lease_op *o, enum lease_kind k, const char *ns, const char *id)
{
	struct elect_params p = params(id);

	lease_op_init(o, st, k, ns, &p, 0);
	return lease_run(o);
}

static void
seed(const char *ns, const char *holder, int64_t epoch, int32_t dur, mcle_time updated)
{
	struct lease_record r;

	memset(&r, 0, sizeof(r));
	snprintf(r.holder, sizeof(r.holder), "%s", holder);
	r.epoch = epoch;
	r.duration = dur;
	store_mem_put(st, ns, &r, updated);
}

static struct store_entry
now_in_store(const char *ns)
{
	struct store_entry e;
	struct mcle_err err = MCLE_ERR_INIT;

	memset(&e, 0, sizeof(e));
	store_read(st, ns, 0, &e, &err);
	return e;
}

/* A rival's move, run by the store just before the next operation. */
struct rival {
	enum store_verb before;	/* when this verb comes */
	int times;
	const char *holder;
	int64_t epoch;
	int64_t clock_jump;	/* or: move the store's clock forward */
};

static void
rival_hook(void *arg, struct store *s, struct store_op *o)
{
	struct rival *r = arg;

	if (o->verb != r->before || r->times == 0)
		return;
	r->times--;
	if (r->clock_jump != 0)
		store_mem_clock(s, r->clock_jump, 0);
	if (r->holder != NULL)
		seed(o->name, r->holder, r->epoch, 60, 0);
}

static void
basic_paths(void)
{
	struct lease_op o;
	mcle_time t;

	fresh();
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") == 0, "acquire of an absent lock succeeds");
	is_int(o.res.action, ELECT_CREATE, "by creating it");
	is_int(o.res.entry.rec.epoch, 1, "epoch 1");
	ok(o.res.entry.rec.acquired != 0 && o.res.entry.rec.acquired <= o.res.entry.updated,
	   "the acquire time is the store's clock, before the write");
	t = o.res.entry.rec.acquired;
	is_int(store_mem_count(st, STORE_READ), 3,
	       "one read, the epoch floor's read, one write, the floor's read again");

	ok(op(&o, LEASE_ACQUIRE, "a", "c1") == 0, "acquire of our own lease");
	is_int(o.res.action, ELECT_RENEW, "renews it");
	is_int(o.res.entry.rec.acquired, t, "a renewal keeps the acquire time");
	ok(op(&o, LEASE_RENEW, "a", "c1") == 0 && o.res.action == ELECT_RENEW, "renew");

	ok(op(&o, LEASE_ACQUIRE, "a", "c2") < 0 && o.err.code == MCLE_EBUSY, "a rival is busy");
	ok(strstr(o.err.msg, "held by 'c1' until") != NULL, "naming the holder and expiry");
	is_str(o.res.entry.rec.holder, "c1", "the result carries the holder");
	ok(op(&o, LEASE_RENEW, "a", "c2") < 0 && o.err.code == MCLE_ELOST, "a rival's renew is lost");
	ok(op(&o, LEASE_RELEASE, "a", "c2") < 0 && o.err.code == MCLE_ELOST, "and its release");
	ok(op(&o, LEASE_RENEW, "b", "c1") < 0 && o.err.code == MCLE_ELOST &&
	   strstr(o.err.msg, "no lock exists") != NULL, "renew of an absent lock is lost");

	ok(op(&o, LEASE_RELEASE, "a", "c1") == 0 && o.res.action == ELECT_RELEASE, "release");
	is_str(o.res.entry.rec.holder, "", "the holder is empty");
	is_int(o.res.entry.rec.epoch, 1, "the epoch stays");
	ok(op(&o, LEASE_RENEW, "a", "c1") < 0 && o.err.code == MCLE_ELOST &&
	   strstr(o.err.msg, "it is free") != NULL, "renew after release is lost");
	ok(op(&o, LEASE_ACQUIRE, "a", "c2") == 0 && o.res.action == ELECT_TAKEOVER,
	   "a released lock is taken over");
	is_int(o.res.entry.rec.epoch, 2, "the epoch counts the change of holder");
	ok(o.res.entry.rec.acquired >= t, "a new term has a new acquire time");
}

static void
expiry_paths(void)
{
	struct lease_op o;
	mcle_time now = time_now_real();

	fresh();
	seed("x", "c1", 5, 60, now - 61 * SEC);
	ok(op(&o, LEASE_ACQUIRE, "x", "c2") < 0 && o.err.code == MCLE_EBUSY,
	   "expired but within the skew allowance: still busy for a rival");
	ok(strstr(o.err.msg, "within the clock-skew allowance") != NULL,
	   "and the message says it expired");
	ok(op(&o, LEASE_RENEW, "x", "c1") < 0 && o.err.code == MCLE_ELOST &&
	   strstr(o.err.msg, "expired at") != NULL, "the holder gets no allowance: lost");
	seed("x", "c1", 5, 60, now - 63 * SEC);
	ok(op(&o, LEASE_ACQUIRE, "x", "c2") == 0 && o.res.action == ELECT_TAKEOVER,
	   "past expiry plus skew: taken over");
	is_int(o.res.entry.rec.epoch, 6, "epoch + 1");
	seed("y", "c1", 5, 60, now - 61 * SEC);
	ok(op(&o, LEASE_ACQUIRE, "y", "c1") == 0 && o.res.action == ELECT_TAKEOVER,
	   "our own lapsed lease starts a new term");
	is_int(o.res.entry.rec.epoch, 5, "same holder: same epoch");

	/* the store's clock decides, not ours */
	fresh();
	seed("z", "c1", 1, 60, now);
	store_mem_clock(st, 120 * SEC, 0);
	ok(op(&o, LEASE_ACQUIRE, "z", "c2") == 0, "the store's clock says expired: taken");
	fresh();
	seed("z", "c1", 1, 60, now - 100 * SEC);
	store_mem_clock(st, -120 * SEC, 0);
	ok(op(&o, LEASE_ACQUIRE, "z", "c2") < 0 && o.err.code == MCLE_EBUSY,
	   "the store's clock says live: busy, whatever this host's clock says");
}

static void
unknown_outcomes(void)
{
	struct lease_op o;
	struct store_entry e;
	struct rival rv;

	fresh();
	store_mem_fault(st, STORE_CREATE, MEM_COMMIT_LOST_412, 1);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") == 0, "create landed, reply lost, retry said 412: ours");
	ok(o.res.settled && o.res.entry.rec.epoch == 1, "settled by reading back");

	store_mem_fault(st, STORE_UPDATE, MEM_COMMIT_LOST, 1);
	ok(op(&o, LEASE_RENEW, "a", "c1") == 0 && o.res.settled,
	   "renew landed, reply lost: settled as ours");
	store_mem_fault(st, STORE_UPDATE, MEM_COMMIT_LOST_412, 1);
	ok(op(&o, LEASE_RELEASE, "a", "c1") == 0 && o.res.settled,
	   "release landed, a retry said 412: released");
	is_str(now_in_store("a").rec.holder, "", "the store says free");

	fresh();
	store_mem_fault(st, STORE_CREATE, MEM_FAIL_BEFORE, 1);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") < 0 && o.err.code == MCLE_EUNAVAIL,
	   "a write that never landed: unavailable (exit 4), not ours");
	e = now_in_store("a");
	ok(e.name[0] == '\0', "and nothing is in the store");

	/* 13a: the write landed, but by the time we read back it had expired */
	fresh();
	seed("a", "c1", 1, 60, 0);
	memset(&rv, 0, sizeof(rv));
	rv.before = STORE_READ;
	rv.times = 1;		/* observed: the only read is the settling one */
	store_mem_fault(st, STORE_UPDATE, MEM_COMMIT_LOST_412, 1);
	{
		struct elect_params p = params("c1");

		lease_op_init(&o, st, LEASE_RENEW, "a", &p, 0);
		o.have_observed = 1;
		o.observed = now_in_store("a");
		rv.clock_jump = 70 * SEC;
		store_mem_hook(st, rival_hook, &rv);
		ok(lease_run(&o) < 0 && o.err.code == MCLE_ELOST,
		   "a renewal that landed but expired before it was confirmed is lost");
		store_mem_hook(st, NULL, NULL);
	}
	fresh();
	seed("a", "c2", 3, 60, time_now_real() - 100 * SEC);
	memset(&rv, 0, sizeof(rv));
	rv.before = STORE_READ;
	rv.times = 1;
	rv.clock_jump = 70 * SEC;
	{
		struct elect_params p = params("c1");

		lease_op_init(&o, st, LEASE_ACQUIRE, "a", &p, 0);
		o.have_observed = 1;
		o.observed = now_in_store("a");
		store_mem_fault(st, STORE_REPLACE, MEM_COMMIT_LOST_412, 1);
		store_mem_hook(st, rival_hook, &rv);
		ok(lease_run(&o) == 0, "a takeover confirmed only after it expired ...");
		ok(!o.res.settled && o.res.action == ELECT_TAKEOVER,
		   "... is not taken as ours: acquire starts a new term instead");
		ok(o.res.entry.now <= elect_expire_time(&o.res.entry), "and holds a live lease");
		is_int(store_mem_count(st, STORE_REPLACE), 2, "with a second write");
		store_mem_hook(st, NULL, NULL);
	}
}

static void
rivals(void)
{
	struct lease_op o;
	struct rival rv;
	mcle_time now = time_now_real();

	/* a renewal lands between the takeover's read and its write */
	fresh();
	seed("a", "c2", 4, 60, now - 100 * SEC);
	memset(&rv, 0, sizeof(rv));
	rv.before = STORE_REPLACE;
	rv.times = 1;
	rv.holder = "c2";
	rv.epoch = 4;
	store_mem_hook(st, rival_hook, &rv);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") < 0 && o.err.code == MCLE_EBUSY,
	   "a takeover conditional on the expired state fails when the holder renewed");
	is_str(now_in_store("a").rec.holder, "c2", "the holder keeps it");
	store_mem_hook(st, NULL, NULL);

	/* a rival takes it between our read and our renewal */
	fresh();
	seed("a", "c1", 4, 60, 0);
	memset(&rv, 0, sizeof(rv));
	rv.before = STORE_UPDATE;
	rv.times = 1;
	rv.holder = "c3";
	rv.epoch = 5;
	store_mem_hook(st, rival_hook, &rv);
	ok(op(&o, LEASE_RENEW, "a", "c1") < 0 && o.err.code == MCLE_ELOST,
	   "a renewal whose precondition fails means the lease is lost");
	ok(strstr(o.err.msg, "now held by 'c3'") != NULL, "naming the new holder");
	store_mem_hook(st, NULL, NULL);

	/* the lock keeps changing: bounded rounds */
	fresh();
	seed("a", "c2", 1, 60, now - 100 * SEC);
	store_mem_fault(st, STORE_REPLACE, MEM_PRECOND, 100);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") < 0 && o.err.code == MCLE_EUNAVAIL &&
	   strstr(o.err.msg, "kept changing") != NULL, "three rounds, then 'try again'");
	is_int(store_mem_count(st, STORE_REPLACE), LEASE_ROUNDS, "no more writes than rounds");
}

static void
limits_and_observed(void)
{
	struct lease_op o;
	struct elect_params p = params("c1");

	fresh();
	seed("a", "c2", MCLE_EPOCH_MAX, 60, time_now_real() - 100 * SEC);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") < 0 && o.err.code == MCLE_ECORRUPT,
	   "a change of holder past 2^53-1 is refused");
	is_int(store_mem_count(st, STORE_REPLACE), 0, "without writing");
	seed("a", "c2", MCLE_EPOCH_MAX - 1, 60, time_now_real() - 100 * SEC);
	ok(op(&o, LEASE_ACQUIRE, "a", "c1") == 0 && o.res.entry.rec.epoch == MCLE_EPOCH_MAX,
	   "up to 2^53-1 it is taken");

	/* decide from a listing's observation: no read */
	fresh();
	lease_op_init(&o, st, LEASE_ACQUIRE, "n", &p, 0);
	o.have_observed = 1;
	o.observed_absent = 1;
	o.observed.now = time_now_real();
	o.have_floor = 1;	/* the pass read the epoch floor after its listing */
	ok(lease_run(&o) == 0 && o.res.action == ELECT_CREATE, "absent in the listing: create");
	is_int(store_mem_count(st, STORE_READ), 1, "without reading first (the floor after)");
	lease_op_init(&o, st, LEASE_ACQUIRE, "n", &p, 0);
	o.have_observed = 1;
	o.observed_absent = 1;
	ok(lease_run(&o) == 0 && o.res.settled,
	   "a stale listing (ours exists): the create fails, reading back shows it ours");
}

int
main(void)
{
	struct mcle_err err = MCLE_ERR_INIT;

	lp = loop_new(&err);
	basic_paths();
	expiry_paths();
	unknown_outcomes();
	rivals();
	limits_and_observed();
	store_close(st);
	is_int(loop_pending(lp), 0, "nothing left on the loop");
	loop_free(lp);
	return done_testing();
}
