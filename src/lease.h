/*
 * lease.h - acquire, renew and release one lease over any lock store: the
 * heart of the safety argument.
 *
 * Each operation reads the lock (or takes the state a listing observed),
 * decides with election.c and writes conditionally on the exact version it
 * decided on.  A write whose outcome is unknown - a 412 after a retry (the
 * first attempt may have committed), or a failure after the request was
 * sent - is settled by reading again: it counts as ours only if the store
 * shows our holder and epoch, unexpired by the store's clock.  acquire then
 * decides again (at most LEASE_ROUNDS times); renew and release report the
 * lease lost.
 *
 * An operation is a struct lease_op: lease_start runs it on the store's
 * loop and calls done when it has an outcome; lease_run waits for it.
 */
#ifndef MCLE_LEASE_H
#define MCLE_LEASE_H

#include "election.h"
#include "store.h"

#define LEASE_ROUNDS 3	/* read-decide-write rounds before "kept changing" */

enum lease_kind { LEASE_ACQUIRE, LEASE_RENEW, LEASE_RELEASE, LEASE_READ };

struct lease_result {
	enum elect_action action;	/* what was decided (and done, on success) */
	int found;			/* entry holds an object's state */
	struct store_entry entry;	/* the state after the operation, or as observed */
	mcle_time sent;			/* this host's clock before the deciding write */
	int64_t sent_mono;		/* the same, monotonic */
	int settled;			/* the outcome was settled by reading back */
	enum legacy_verdict legacy;	/* the legacy lock as judged (acquire) */
	int legacy_taken;		/* this operation took the legacy lock over */
};

struct lease_op {
	/* in */
	struct store *store;
	enum lease_kind kind;
	char ns[MCLE_NAMESPACE_MAX + 1];
	struct elect_params p;		/* p.identity must outlive the operation */
	int legacy;			/* consult the legacy lock (acquire, read); set from the store */
	int have_observed;		/* decide from `observed` without reading first */
	struct store_entry observed;	/* a listing's state (absent: observed_absent) */
	int observed_absent;		/* the listing had no object: observed.now is its clock */
	int64_t deadline;		/* monotonic usec */
	/* the epoch floor (store.h), read after `observed` saw the absence (a pass) */
	int have_floor;
	int64_t floor;
	void (*done)(struct lease_op *op);
	void *arg;
	/* out */
	int rc;				/* 0: done as asked; -1 with err */
	struct mcle_err err;		/* MCLE_EBUSY (acquire; res has the holder), MCLE_ELOST, ... */
	struct lease_result res;
	/* private */
	int round, settling;
	int floor_known;		/* `floor` was read after the absence decided on */
	int checking;			/* a create landed: reading the floor again */
	int bumping;			/* raising our new lock's epoch above the floor */
	struct mcle_err write_err;
	struct lease_record next;
	struct store_op sop;
	struct loop_timer timer;
};

/* Start op (fields "in" set); op->done runs from the loop. */
void lease_start(struct lease_op *op);

/* Run op and wait: op->rc. */
int lease_run(struct lease_op *op);

/* Initialise an op for store s and namespace ns. */
void lease_op_init(struct lease_op *op, struct store *s, enum lease_kind kind,
		   const char *ns, const struct elect_params *p, int64_t deadline);

#endif
