/*
 * engine-locks.h - every lock in the store, as status --all shows them:
 * one listing, sorted by name, at most ENGINE_LOCKS_MAX.  A lock the
 * store lists twice (a server inconsistency) and one that cannot be read
 * are kept as such, never shown as free.
 */
#ifndef MCLE_ENGINE_LOCKS_H
#define MCLE_ENGINE_LOCKS_H

#include "store.h"
#include "strtab.h"
#include "vec.h"

#define ENGINE_LOCKS_MAX 1000000

/* A lock, compactly (a hundred bytes, whatever its holder's length). */
struct lock_row {
	char name[MCLE_NAMESPACE_MAX + 1];
	const char *holder;		/* interned */
	int64_t epoch;
	int32_t duration;
	mcle_time acquired, updated, now;
	struct mcle_err *bad;		/* unreadable or listed twice: why; else NULL */
	int legacy;			/* the Go controller's lock of name (store.h) */
};

struct lock_table {
	struct vec rows;		/* struct lock_row */
	struct strtab *strings;
};

int engine_locks(struct store *s, int64_t deadline, struct lock_table *t,
		 struct mcle_err *err);
void lock_table_free(struct lock_table *t);

/*
 * Row i as a store entry (holder filled in).  A legacy row's duration is
 * the time it counts as held, 3 x its leaseDurationSeconds (election.h).
 */
void lock_row_entry(const struct lock_table *t, size_t i, struct store_entry *e);

#endif
