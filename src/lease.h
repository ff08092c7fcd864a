/*
 * lease.h - acquire, renew and release over any lock store.
 *
 * Each operation reads (or takes an observed state from a listing),
 * decides with election.c and writes conditionally on the exact version it
 * decided on.  A failed precondition is settled by reading again: a retried
 * write that answers 412 may have committed the first time, so we compare
 * holder and epoch before deciding we lost.
 */
#ifndef MCLE_LEASE_H
#define MCLE_LEASE_H

#include "election.h"
#include "store.h"

struct lease_result {
	enum elect_action action;	/* what was decided (and done, on success) */
	int found;			/* entry holds an object's state */
	struct store_entry entry;	/* the state after the operation, or as observed */
	mcle_time sent;			/* this host's clock before the deciding write */
};

/*
 * Acquire or renew.  `observed` is the state from a listing (NULL: read it
 * first; pass `absent` = 1 with NULL to say the listing did not have it).
 * Returns 0 when we hold the lease, else -1 with MCLE_EBUSY (held by
 * another; result has its state) or another error.
 */
int lease_acquire(struct store *s, const char *ns, const struct elect_params *p,
		  const struct store_entry *observed, int absent,
		  struct lease_result *res, struct mcle_err *err);

/* Renew a lease we hold: 0, or -1 with MCLE_ELOST when we do not hold it. */
int lease_renew(struct store *s, const char *ns, const struct elect_params *p,
		struct lease_result *res, struct mcle_err *err);

/* Release a lease we hold: 0, or -1 with MCLE_ELOST when we do not hold it. */
int lease_release(struct store *s, const char *ns, const struct elect_params *p,
		  struct lease_result *res, struct mcle_err *err);

/* Read a lease's state; res->found = 0 when there is no lock object. */
int lease_read(struct store *s, const char *ns, struct lease_result *res,
	       struct mcle_err *err);

/*
 * Every lock in the store, sorted by name, in a new array (free with
 * free()).  Malformed ones have their err set.  At most LEASE_LIST_MAX.
 */
#define LEASE_LIST_MAX 100000
int lease_list(struct store *s, struct store_entry **entries, size_t *n,
	       struct mcle_err *err);

/* The listed entry for ns (binary search in a lease_list result), or NULL. */
const struct store_entry *lease_find(const struct store_entry *entries,
				     size_t n, const char *ns);

#endif
