/*
 * election.h - the election decisions.  Pure: no I/O, no clock.
 *
 * Given what the store holds (or NULL when the object is absent), the
 * store's clock, the caller's identity and lease duration, each function
 * decides what to do and produces the record to write.
 *
 * Expiry is judged by the store's clock only: a lease is expired when
 * now > updated + duration + skew.  A holder may count on its lease until
 * (time it sent the write that created or renewed it) + duration.
 */
#ifndef MCLE_ELECTION_H
#define MCLE_ELECTION_H

#include "store.h"

enum elect_action {
	ELECT_CREATE,		/* absent: create (if-absent) */
	ELECT_RENEW,		/* ours and live: update in place */
	ELECT_TAKEOVER,		/* free, released or expired: replace (new term) */
	ELECT_RELEASE,		/* ours: update in place with holder "" */
	ELECT_BUSY,		/* held by another identity, not expired */
	ELECT_LOST,		/* renew/release of a lease we do not hold */
};

struct elect_params {
	const char *identity;
	int32_t duration;	/* seconds, for the record we write */
	int64_t skew;		/* microseconds added before a lease counts as expired */
	int64_t epoch_min;	/* a new term's epoch is at least this (a legacy lock's floor) */
	const char *cluster;	/* this cluster's fingerprint; NULL or "": none */
};

/*
 * A legacy lock (the Go controller's NAMESPACE-lease-gsc, store.h) as it
 * bears on mcle's lock of the same namespace:
 *   LEGACY_NONE     absent, or superseded by mcle's own takeover (its
 *                   mcle_epoch is then a floor for the next term);
 *   LEGACY_LIVE     held: mcle never takes the namespace;
 *   LEGACY_BAD      present but not understood: held, until a person acts;
 *   LEGACY_EXPIRED  free or expired: mcle may take it over, first by a
 *                   write conditioned on its exact generation.
 * The original renews at random intervals in [d, 3d), so its lock counts
 * as held until updated + 3 x leaseDurationSeconds + skew (store clock).
 */
enum legacy_verdict { LEGACY_NONE, LEGACY_LIVE, LEGACY_BAD, LEGACY_EXPIRED };

/* updated + 3 x duration, saturated. */
mcle_time elect_legacy_expire(const struct store_legacy *l);

enum legacy_verdict elect_legacy(const struct store_legacy *l, mcle_time now, int64_t skew);

/*
 * The epoch of mcle's next term after the legacy lock: its mcle_epoch
 * when mcle wrote it, else max(own, leaderTransitions) + 1 (own: the
 * epoch of mcle's own lock, 0 if absent).
 */
int64_t elect_legacy_epoch(const struct store_legacy *l, int64_t own);

const char *elect_legacy_name(enum legacy_verdict v);

/*
 * The lease's expiry by the store's clock (updated + record duration),
 * saturated at MCLE_TIME_MAX: a store's clock never passes it, so a lease
 * whose true expiry lies beyond it never looks expired.
 */
mcle_time elect_expire_time(const struct store_entry *cur);

/* 1 if cur is held (non-empty holder) and not expired at cur->now (+skew). */
int elect_is_live(const struct store_entry *cur, int64_t skew);

/* 1 if cur is held by identity and not past its expiry (no skew for the holder). */
int elect_is_leader(const struct store_entry *cur, const char *identity);

/*
 * 1 if cur is held by p->identity but was written from another cluster:
 * both fingerprints known and different.  Such a lock is never ours to
 * renew, release or take over (the same identity in two clusters is a
 * misconfiguration, and a takeover by "the same" holder would not even
 * advance the epoch): acquire answers BUSY, renew and release LOST, and
 * the engines report it as such a collision.  A record or a caller
 * without a fingerprint never collides.
 */
int elect_foreign(const struct store_entry *cur, const struct elect_params *p);

/*
 * When elect_foreign(cur, p): the error naming both clusters (MCLE_ECONFIG,
 * lock ns), and -1.  Otherwise 0.
 */
int elect_foreign_err(const struct store_entry *cur, const struct elect_params *p,
		      const char *ns, struct mcle_err *err);

/*
 * 1 if identity looks like an API server's URL (SCHEME://..., or HOST:PORT),
 * as the original controller used: the same in many clusters (GKE's
 * https://34.118.224.1:443), so two clusters would be one identity.
 */
int elect_identity_is_url(const char *identity);

/*
 * The shortest lease (seconds, rounded up) that outlasts the longest gap
 * between two renewals of a namespace when passes start every `cadence`
 * (usec; --interval moves each start by up to a tenth) and each pass may
 * take its whole deadline `timeout` (usec), a pass that runs over starting
 * the next at once: a namespace renewed at the start of one pass is renewed
 * again at the latest by the deadline of the next, which starts at most
 * max(cadence x 1.1, timeout) later: max(cadence x 1.1, timeout) + timeout
 * (examples/deployment.yaml, mcle-migrate(1)).  A shorter lease lapses
 * between passes.
 */
int32_t elect_cadence_min(int64_t cadence, int64_t timeout);

/* acquire: CREATE, RENEW, TAKEOVER or BUSY.  cur may be NULL (absent). */
enum elect_action elect_acquire(const struct store_entry *cur,
				const struct elect_params *p,
				struct lease_record *next);

/* renew: RENEW, or LOST when absent, not ours, or expired. */
enum elect_action elect_renew(const struct store_entry *cur,
			      const struct elect_params *p,
			      struct lease_record *next);

/* release: RELEASE, or LOST when absent or not ours. */
enum elect_action elect_release(const struct store_entry *cur,
				const struct elect_params *p,
				struct lease_record *next);

const char *elect_action_name(enum elect_action a);

#endif
