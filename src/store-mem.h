/*
 * store-mem.h - the in-memory store's test hooks: faults and a clock.
 *
 * mem://NAME is a lock store that lives in the process (nothing persists):
 * for unit tests of everything above the store interface.  The hooks below
 * make it misbehave the ways real stores do.
 */
#ifndef MCLE_STORE_MEM_H
#define MCLE_STORE_MEM_H

#include "store.h"

enum mem_fault {
	MEM_FAIL_BEFORE,	/* MCLE_EUNAVAIL, nothing committed (a 5xx, a reset) */
	MEM_COMMIT_LOST,	/* committed, then MCLE_EUNAVAIL (the reply was lost) */
	MEM_COMMIT_LOST_412,	/* committed, then MCLE_EPRECOND (a retry's 412) */
	MEM_PRECOND,		/* MCLE_EPRECOND, nothing committed */
	MEM_CORRUPT,		/* MCLE_ECORRUPT (a malformed answer) */
	MEM_LIST_TWICE,		/* STORE_LIST: every object listed twice (an inconsistent server) */
};

/* The next `times` operations of `verb` fail with f. */
void store_mem_fault(struct store *s, enum store_verb verb, enum mem_fault f, int times);

/* The store's clock: this host's plus offset (usec), or frozen at `fixed` if non-zero. */
void store_mem_clock(struct store *s, int64_t offset, mcle_time fixed);

/* Called before every operation runs (a rival acting in between); NULL to stop. */
void store_mem_hook(struct store *s, void (*fn)(void *arg, struct store *s,
						struct store_op *op), void *arg);

/* Put an object as it stands, bypassing preconditions (test set-up); updated 0 = now. */
int store_mem_put(struct store *s, const char *name, const struct lease_record *rec,
		  mcle_time updated);

/* Operations performed so far, by verb. */
unsigned store_mem_count(const struct store *s, enum store_verb verb);

#endif
