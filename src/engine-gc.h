/*
 * engine-gc.h - the lock lifecycle: remove the locks of names that no
 * longer exist (mcle gc) and replace a corrupt lock (mcle repair), without
 * ever letting an epoch go backwards.
 *
 * The argument (also in mcle-gc(1)):
 *   - the store's epoch floor F (store.h) only grows: it is raised by a
 *     create or an update conditioned on its exact version;
 *   - a lock X is removed only after F >= X.epoch, by a remove conditioned
 *     on the exact version whose epoch was put under the floor: if X
 *     changed since (renewed, taken over), the remove fails with a 412 and
 *     X stays;
 *   - whoever creates an absent lock (lease.c, a pass) reads F AFTER it saw
 *     the absence, and creates with an epoch > F.  The absence it saw came
 *     after the remove, which came after the raise, so the F it reads is
 *     >= every epoch the removed lock ever had - except when a rival's
 *     lock came and went between that read and the create: so after the
 *     create lands the floor is read again and our new lock, not used
 *     yet, is raised above it (lease.c, floor_done);
 *   - a lock is removed only when released, or expired by the store's
 *     clock beyond the skew allowance: no holder may still count on it, and
 *     a holder's renewal after the removal fails (its version is gone).
 * repair replaces a corrupt lock the same way: the floor is raised to
 * every epoch it may have carried, then a released record above the floor
 * replaces it, conditioned on the corrupt object's exact version.
 */
#ifndef MCLE_ENGINE_GC_H
#define MCLE_ENGINE_GC_H

#include "namespaces.h"
#include "output.h"
#include "store.h"

struct kube_client;

struct gc_params {
	struct store *store;
	struct kube_client *kube;	/* the names that exist: its namespaces ... */
	const struct ns_list *names;	/* ... or these (no cluster) */
	int64_t skew;			/* usec added before a lease counts as expired */
	int dry_run;
	int64_t deadline;
	struct output *out;
};

struct gc_summary {
	size_t locks, removed, kept, failed;
};

/* One pass of gc; MCLE_EPARTIAL when some lock could not be handled. */
int engine_gc(const struct gc_params *gp, struct gc_summary *sum, struct mcle_err *err);

struct repair_params {
	struct store *store;
	const char *ns;
	int64_t min_epoch;		/* 0: none given */
	int64_t cluster_epoch;		/* the Lease resource's status.epoch; 0: none */
	int32_t duration;		/* of the released record, when the old one has none */
	int dry_run;
	int64_t deadline;
	struct output *out;
};

/* Replace ns's corrupt lock by a released record above every epoch known. */
int engine_repair(const struct repair_params *rp, struct mcle_err *err);

#endif
