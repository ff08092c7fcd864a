/*
 * lease.c - one lease operation as a small state machine on the loop:
 *
 *   [read] -> decide -> write -> done
 *                         \-> unknown outcome -> read -> settled? -> done
 *                                                   \-> decide again (acquire)
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lease.h"
#include "log.h"

typedef enum elect_action (*decide_fn)(const struct store_entry *cur,
				       const struct elect_params *p,
				       struct lease_record *next);

static void read_now(struct lease_op *op);
static void decide(struct lease_op *op);
static void legacy_read(struct lease_op *op);
static void after_read(struct lease_op *op);
static void floor_read_now(struct lease_op *op);

void
lease_op_init(struct lease_op *op, struct store *s, enum lease_kind kind,
	      const char *ns, const struct elect_params *p, int64_t deadline)
{
	memset(op, 0, sizeof(*op));
	op->store = s;
	op->kind = kind;
	snprintf(op->ns, sizeof(op->ns), "%s", ns);
	op->p = *p;
	op->deadline = deadline;
	op->legacy = store_legacy(s) && (kind == LEASE_ACQUIRE || kind == LEASE_READ);
}

static void
deliver(void *arg)
{
	struct lease_op *op = arg;

	op->done(op);
}

/* The outcome is known: report it from the loop. */
static void
finish(struct lease_op *op, int rc)
{
	op->rc = rc;
	loop_timer_init(&op->timer, deliver, op);
	if (loop_timer_at(op->store->params.loop, &op->timer, 0) < 0) {
		mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
		op->rc = -1;
		deliver(op);
	}
}

static void
fail(struct lease_op *op, const struct mcle_err *e)
{
	mcle_err_set(&op->err, e->code, "%s", e->msg);
	finish(op, -1);
}

static decide_fn
decider(enum lease_kind k)
{
	switch (k) {
	case LEASE_ACQUIRE:
		return elect_acquire;
	case LEASE_RENEW:
		return elect_renew;
	default:
		return elect_release;
	}
}

/* After a failed precondition or an unknown outcome: did our write land? */
static int
settled_ours(const struct lease_result *now, enum elect_action a,
	     const struct lease_record *next)
{
	if (!now->found || strcmp(now->entry.rec.holder, next->holder) != 0 ||
	    now->entry.rec.epoch != next->epoch)
		return 0;
	if (a == ELECT_RELEASE)
		return 1;
	/* ours, but expired by the store's clock: a rival may lead already */
	return now->entry.now <= elect_expire_time(&now->entry);
}

static int
refuse(struct lease_op *op, enum elect_action a)
{
	const struct lease_result *res = &op->res;
	const struct store_entry *e = &res->entry;
	const char *ns = op->ns, *id = op->p.identity;
	char when[MCLE_RFC3339_MAX];

	if (a == ELECT_BUSY && (res->legacy == LEGACY_LIVE || res->legacy == LEGACY_BAD)) {
		time_format(elect_legacy_expire(&e->legacy), when);
		if (res->legacy == LEGACY_BAD)
			return mcle_err_set(&op->err, MCLE_EBUSY,
					    "lease '%s' has an unreadable legacy lock '%s" STORE_LEGACY_SUFFIX
					    "' (Go controller): stop that controller, then remove it",
					    ns, ns);
		return mcle_err_set(&op->err, MCLE_EBUSY,
				    "lease '%s' is held by '%s' (legacy lock, Go controller) until %s",
				    ns, e->legacy.holder, when);
	}
	time_format(res->found ? elect_expire_time(e) : 0, when);
	if (a == ELECT_BUSY && e->now > elect_expire_time(e))
		return mcle_err_set(&op->err, MCLE_EBUSY,
				    "lease '%s' of '%s' expired at %s but is within the clock-skew allowance",
				    ns, e->rec.holder, when);
	if (a == ELECT_BUSY)
		return mcle_err_set(&op->err, MCLE_EBUSY, "lease '%s' is held by '%s' until %s",
				    ns, e->rec.holder, when);
	if (!res->found)
		return mcle_err_set(&op->err, MCLE_ELOST,
				    "lease '%s' is not held by '%s': no lock exists", ns, id);
	if (strcmp(e->rec.holder, id) == 0)
		return mcle_err_set(&op->err, MCLE_ELOST, "lease '%s' of '%s' expired at %s",
				    ns, id, when);
	if (e->rec.holder[0] == '\0')
		return mcle_err_set(&op->err, MCLE_ELOST,
				    "lease '%s' is not held by '%s': it is free", ns, id);
	return mcle_err_set(&op->err, MCLE_ELOST, "lease '%s' is not held by '%s': held by '%s'",
			    ns, id, e->rec.holder);
}

static enum store_verb
verb_of(enum elect_action a)
{
	switch (a) {
	case ELECT_CREATE:
		return STORE_CREATE;
	case ELECT_TAKEOVER:
		return STORE_REPLACE;
	default:
		return STORE_UPDATE;
	}
}

/* The write's outcome was not "done": settle it by reading back. */
static void
settle_read(struct lease_op *op, const struct mcle_err *why)
{
	mcle_err_clear(&op->write_err);
	mcle_err_set(&op->write_err, why->code, "%s", why->msg);
	op->settling = 1;
	read_now(op);
}

static void
write_done(struct store_op *sop)
{
	struct lease_op *op = sop->arg;

	if (sop->rc == 0) {
		op->res.entry = sop->out;
		op->res.found = 1;
		if (op->res.action == ELECT_CREATE && !op->bumping) {
			op->checking = 1;
			floor_read_now(op);
			return;
		}
		finish(op, 0);
		return;
	}
	/* a 412 after a retry, or a failure after sending: it may have landed */
	if (sop->err.code == MCLE_EPRECOND || sop->err.code == MCLE_EUNAVAIL) {
		log_debug("lease '%s': %s outcome unknown (%s); reading back", op->ns,
			  elect_action_name(op->res.action), sop->err.msg);
		settle_read(op, &sop->err);
		return;
	}
	fail(op, &sop->err);
}

static void
write_now(struct lease_op *op)
{
	struct store_op *sop = &op->sop;

	memset(sop, 0, sizeof(*sop));
	sop->verb = op->bumping ? STORE_REPLACE : verb_of(op->res.action);
	snprintf(sop->name, sizeof(sop->name), "%s", op->ns);
	sop->expect = op->res.entry.ver;
	sop->rec = op->next;
	sop->deadline = op->deadline;
	sop->done = write_done;
	sop->arg = op;
	op->res.sent = time_now_real();
	op->res.sent_mono = time_now_mono();
	if (store_submit(op->store, sop) < 0)
		fail(op, &sop->err);
}

static void
legacy_take_done(struct store_op *sop)
{
	struct lease_op *op = sop->arg;
	struct store_legacy *l = &op->res.entry.legacy;

	if (sop->rc < 0 && sop->err.code == MCLE_EPRECOND) {
		/* the Go controller (or another mcle) wrote it since it was read */
		op->res.action = ELECT_BUSY;
		mcle_err_set(&op->err, MCLE_EBUSY,
			     "lease '%s': its legacy lock changed while it was taken over "
			     "(renewed by its holder '%s')", op->ns, l->holder);
		finish(op, -1);
		return;
	}
	if (sop->rc < 0) {
		fail(op, &sop->err);
		return;
	}
	snprintf(l->gen, sizeof(l->gen), "%s", sop->out.legacy.gen);
	l->updated = sop->out.legacy.updated;
	l->mcle_epoch = op->next.epoch;
	snprintf(l->holder, sizeof(l->holder), "%s", op->p.identity);
	op->res.legacy_taken = 1;
	log_debug("lease '%s': legacy lock taken over (epoch %lld)", op->ns,
		  (long long)l->mcle_epoch);
	decide(op);
}

/*
 * The legacy lock first: 0 to go on deciding mcle's own lock (with the
 * legacy epoch as the floor), 1 when this step took over (busy, or the
 * legacy takeover started).  The takeover is a write conditioned on the
 * exact generation judged expired, so a renewal by the Go controller in
 * between fails it (412: busy); only after it lands does mcle write its own
 * lock, with an epoch above the legacy leaderTransitions.
 */
static int
legacy_decide(struct lease_op *op)
{
	struct lease_result *res = &op->res;
	struct store_legacy *l = &res->entry.legacy;
	struct store_op *sop = &op->sop;
	struct lease_record own;

	res->legacy = elect_legacy(l, res->entry.now, op->p.skew);
	if (res->legacy == LEGACY_NONE) {
		if (l->present && l->mcle_epoch > op->p.epoch_min)
			op->p.epoch_min = l->mcle_epoch;
		return 0;
	}
	if (res->legacy != LEGACY_EXPIRED) {
		res->action = ELECT_BUSY;
		refuse(op, ELECT_BUSY);
		finish(op, -1);
		return 1;
	}
	/* mcle's own lock held by a rival: busy, the legacy lock left alone */
	if (elect_acquire(res->found ? &res->entry : NULL, &op->p, &own) == ELECT_BUSY)
		return 0;
	memset(sop, 0, sizeof(*sop));
	sop->verb = STORE_LEGACY_TAKE;
	snprintf(sop->name, sizeof(sop->name), "%s", op->ns);
	snprintf(sop->expect_legacy, sizeof(sop->expect_legacy), "%s", l->gen);
	memset(&op->next, 0, sizeof(op->next));
	snprintf(op->next.holder, sizeof(op->next.holder), "%s", op->p.identity);
	op->next.duration = op->p.duration;
	op->next.epoch = elect_legacy_epoch(l, res->found ? res->entry.rec.epoch : 0);
	if (op->next.epoch > MCLE_EPOCH_MAX) {
		mcle_err_set(&op->err, MCLE_ECORRUPT, "lease '%s': legacy leaderTransitions too large",
			     op->ns);
		finish(op, -1);
		return 1;
	}
	sop->rec = op->next;
	sop->deadline = op->deadline;
	sop->done = legacy_take_done;
	sop->arg = op;
	if (store_submit(op->store, sop) < 0)
		fail(op, &sop->err);
	return 1;
}

static void
decide(struct lease_op *op)
{
	struct lease_result *res = &op->res;
	enum elect_action a;

	if (op->legacy && op->kind == LEASE_ACQUIRE && legacy_decide(op) != 0)
		return;
	a = decider(op->kind)(res->found ? &res->entry : NULL, &op->p, &op->next);
	res->action = a;
	log_debug("lease '%s': %s (holder '%s', epoch %lld)", op->ns, elect_action_name(a),
		  res->entry.rec.holder, (long long)res->entry.rec.epoch);
	if (a == ELECT_BUSY || a == ELECT_LOST) {
		refuse(op, a);
		finish(op, -1);
		return;
	}
	if (a == ELECT_CREATE && !op->floor_known) {
		floor_read_now(op);
		return;
	}
	if (a == ELECT_CREATE && op->next.epoch <= op->floor)
		op->next.epoch = op->floor < MCLE_EPOCH_MAX ? op->floor + 1 : MCLE_EPOCH_MAX + 1;
	/* a new term starts now, by the store's clock as last observed */
	if (a == ELECT_CREATE || a == ELECT_TAKEOVER)
		op->next.acquired = res->entry.now;
	if (op->next.epoch > MCLE_EPOCH_MAX) {
		mcle_err_set(&op->err, MCLE_ECORRUPT,
			     "lease '%s': epoch %lld is the largest allowed (2^53-1): refusing to take it over",
			     op->ns, (long long)res->entry.rec.epoch);
		finish(op, -1);
		return;
	}
	write_now(op);
}

/*
 * Creating an absent lock: its epoch must exceed every epoch ever issued
 * for the name, and a lock that existed before was removed only after the
 * floor was raised to its epoch (engine-gc.c).  So the floor is read AFTER
 * the absence was observed (any newer read forgets it) and the new term
 * starts above it; a pass reads it once after its listing.
 *
 * That alone is not enough: between our floor read and our create, a
 * rival may create the lock, use it, and gc may raise the floor and remove
 * it again - our create ("only if absent") then succeeds with an epoch the
 * rival already had.  So once the create has landed, the floor is read
 * again: every lock of this name before ours was removed before our create,
 * each after its raise, so this read covers every epoch issued before ours.
 * If ours is not above it, we have not used it yet: our own lock is
 * replaced, on condition of the version just created, with an epoch above
 * the floor before the operation reports success.  Two extra reads per
 * create, none per renewal.
 */
static void
floor_done(struct store_op *sop)
{
	struct lease_op *op = sop->arg;
	struct mcle_err e = MCLE_ERR_INIT;

	if (store_floor_of(sop, &op->floor, &e) < 0) {
		fail(op, &e);
		return;
	}
	op->floor_known = 1;
	if (!op->checking) {
		decide(op);
		return;
	}
	op->checking = 0;
	if (op->res.entry.rec.epoch > op->floor) {
		finish(op, 0);
		return;
	}
	log_debug("lease '%s': epoch %lld was issued before (floor %lld): raising ours", op->ns,
		  (long long)op->res.entry.rec.epoch, (long long)op->floor);
	if (op->floor >= MCLE_EPOCH_MAX) {
		mcle_err_set(&op->err, MCLE_ECORRUPT, "lease '%s': no epoch left above %lld",
			     op->ns, (long long)op->floor);
		finish(op, -1);
		return;
	}
	op->next.epoch = op->floor + 1;
	op->bumping = 1;
	write_now(op);
}

static void
floor_read_now(struct lease_op *op)
{
	store_floor_op(&op->sop, op->deadline);
	op->sop.done = floor_done;
	op->sop.arg = op;
	if (store_submit(op->store, &op->sop) < 0)
		fail(op, &op->sop.err);
}

/* After the settling read: ours, decide again, or lost. */
static void
settle(struct lease_op *op)
{
	op->settling = 0;
	if (settled_ours(&op->res, op->res.action, &op->next)) {
		log_debug("lease '%s': %s settled by reading back", op->ns,
			  elect_action_name(op->res.action));
		op->res.settled = 1;
		finish(op, 0);
		return;
	}
	if (op->bumping) {
		/* our fresh lock changed under us: never decide from its old epoch */
		mcle_err_set(&op->err, MCLE_EUNAVAIL,
			     "lease '%s' changed while its epoch was raised above the floor; try again",
			     op->ns);
		finish(op, -1);
		return;
	}
	if (op->write_err.code != MCLE_EPRECOND) {
		/* the write failed and did not land: report why it failed */
		fail(op, &op->write_err);
		return;
	}
	if (op->kind != LEASE_ACQUIRE) {
		mcle_err_set(&op->err, MCLE_ELOST, "lease '%s' changed under '%s' (now held by '%s')",
			     op->ns, op->p.identity,
			     op->res.entry.rec.holder[0] ? op->res.entry.rec.holder : "nobody");
		finish(op, -1);
		return;
	}
	if (++op->round >= LEASE_ROUNDS) {
		mcle_err_set(&op->err, MCLE_EUNAVAIL, "lock '%s' kept changing; try again", op->ns);
		finish(op, -1);
		return;
	}
	decide(op);
}

static void
read_done(struct store_op *sop)
{
	struct lease_op *op = sop->arg;
	struct lease_result *res = &op->res;
	struct store_legacy keep = res->entry.legacy;

	op->floor_known = 0;	/* a newer observation: a floor read before it no longer counts */
	if (sop->rc == 0) {
		res->entry = sop->out;
		res->entry.legacy = keep;
		res->found = 1;
	} else if (sop->err.code == MCLE_ENOTFOUND) {
		memset(&res->entry, 0, sizeof(res->entry));
		res->entry.legacy = keep;
		snprintf(res->entry.name, sizeof(res->entry.name), "%s", op->ns);
		res->entry.now = sop->out.now;
		res->found = 0;
	} else {
		/* while settling, the write's own failure is the root cause */
		if (op->settling && op->write_err.code == MCLE_EUNAVAIL)
			fail(op, &op->write_err);
		else
			fail(op, &sop->err);
		return;
	}
	if (op->settling)
		settle(op);
	else if (op->legacy)
		legacy_read(op);
	else
		after_read(op);
}

static void
after_read(struct lease_op *op)
{
	if (op->kind == LEASE_READ)
		finish(op, 0);
	else
		decide(op);
}

static void
legacy_read_done(struct store_op *sop)
{
	struct lease_op *op = sop->arg;
	struct lease_result *res = &op->res;

	if (sop->rc == 0) {
		res->entry.legacy = sop->out.legacy;
		res->entry.legacy.present = 1;
	} else if (sop->err.code == MCLE_ENOTFOUND) {
		memset(&res->entry.legacy, 0, sizeof(res->entry.legacy));
	} else if (sop->err.code == MCLE_EPRECOND) {
		/* rewritten while read: its holder is renewing it */
		res->entry.legacy.present = 1;
		res->entry.legacy.read = 0;
		res->entry.legacy.mcle_epoch = 0;
	} else {
		fail(op, &sop->err);
		return;
	}
	/* the later of the two readings of the store's clock */
	if (sop->out.now > res->entry.now)
		res->entry.now = sop->out.now;
	after_read(op);
}

/* The legacy lock NS-lease-gsc, read (one GET, and its body if not mcle's). */
static void
legacy_read(struct lease_op *op)
{
	struct store_op *sop = &op->sop;

	memset(sop, 0, sizeof(*sop));
	sop->verb = STORE_LEGACY_READ;
	snprintf(sop->name, sizeof(sop->name), "%s", op->ns);
	sop->deadline = op->deadline;
	sop->done = legacy_read_done;
	sop->arg = op;
	if (store_submit(op->store, sop) < 0)
		fail(op, &sop->err);
}

static void
read_now(struct lease_op *op)
{
	struct store_op *sop = &op->sop;

	memset(sop, 0, sizeof(*sop));
	sop->verb = STORE_READ;
	snprintf(sop->name, sizeof(sop->name), "%s", op->ns);
	sop->deadline = op->deadline;
	sop->done = read_done;
	sop->arg = op;
	if (store_submit(op->store, sop) < 0)
		fail(op, &sop->err);
}

static void
start_observed(void *arg)
{
	struct lease_op *op = arg;
	const struct store_legacy *l = &op->res.entry.legacy;

	/* a listed legacy lock not written by mcle: its body decides */
	if (op->legacy && l->present && l->mcle_epoch == 0 && !l->read)
		legacy_read(op);
	else
		after_read(op);
}

void
lease_start(struct lease_op *op)
{
	mcle_err_clear(&op->err);
	memset(&op->res, 0, sizeof(op->res));
	op->round = 0;
	op->settling = 0;
	op->checking = op->bumping = 0;
	op->floor_known = op->have_observed && op->have_floor;
	if (!op->floor_known)
		op->floor = 0;
	if (!op->have_observed) {
		read_now(op);
		return;
	}
	op->res.entry = op->observed;
	snprintf(op->res.entry.name, sizeof(op->res.entry.name), "%s", op->ns);
	op->res.found = !op->observed_absent;
	/* decide from the loop, so that done never runs inside lease_start */
	loop_timer_init(&op->timer, start_observed, op);
	if (loop_timer_at(op->store->params.loop, &op->timer, 0) < 0) {
		mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
		op->rc = -1;
		op->done(op);
	}
}

struct waiter {
	int finished;
};

static void
wake(struct lease_op *op)
{
	((struct waiter *)op->arg)->finished = 1;
}

static int
finished(void *arg)
{
	return ((struct waiter *)arg)->finished;
}

int
lease_run(struct lease_op *op)
{
	struct waiter w = { 0 };

	op->done = wake;
	op->arg = &w;
	lease_start(op);
	if (loop_wait(op->store->params.loop, finished, &w) < 0)
		return mcle_err_set(&op->err, MCLE_ECONFIG,
				    "internal error: lease '%s' stalled", op->ns);
	return op->rc;
}
