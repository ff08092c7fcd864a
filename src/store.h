/*
 * store.h - the lock store interface.
 *
 * One lock object per name (a namespace).  A backend (store-file.c,
 * store-gcs.c, store-mem.c) exports one `const struct store_ops`; store.c
 * picks one by URL scheme.
 *
 * The contract every backend meets (tests/unit/test-store-conformance.c
 * runs the same checks on each):
 *   - an object's state is a lease record (record.h), an opaque version and
 *     the store's time of the last write (`updated`);
 *   - every mutation carries the version it expects (create: absence) and
 *     fails with MCLE_EPRECOND if the object is not exactly there; an absent
 *     object is MCLE_ENOTFOUND; neither is folded into an I/O error;
 *   - a version never repeats for a name, whatever the clocks do;
 *   - every answer reports the store's clock (`now`), also for an absent
 *     object, so expiry is judged by the store's clock only;
 *   - an operation ends by its deadline (monotonic usec).
 *
 * Operations are struct store_op: store_submit starts one and its done
 * callback runs from the loop; store_run waits for it.  A backend with
 * STORE_CAP_CONCURRENT implements submit (many in flight, e.g. HTTP);
 * the others implement exec, which store.c runs at once and reports from
 * the loop, so callers see one behaviour.
 */
#ifndef MCLE_STORE_H
#define MCLE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "loop.h"
#include "record.h"
#include "timeutil.h"

#define STORE_VERSION_MAX 48
#define STORE_LIST_PAGES_MAX 10000	/* pages of one listing */

/* A backend's version of one object: opaque, compared for equality only. */
struct store_version {
	char v[STORE_VERSION_MAX + 1];	/* "" = none (absent) */
};

/*
 * The original Go controller's lock of the same namespace (a "legacy
 * lock"): an object NAMESPACE-lease-gsc at the bucket root whose body is
 * {"holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime",
 * "leaderTransitions"}.  Only gs:// has them (STORE_CAP_LEGACY).
 */
#define STORE_LEGACY_SUFFIX "-lease-gsc"
struct store_legacy {
	unsigned present : 1,		/* the object exists */
		 listed : 1,		/* a listing's entry about the legacy object only */
		 read : 1,		/* its body was read: holder, duration, transitions */
		 bad : 1;		/* unreadable: never taken over automatically */
	char holder[MCLE_IDENTITY_MAX + 1];	/* as written */
	int32_t duration;		/* leaseDurationSeconds */
	int64_t transitions;		/* leaderTransitions */
	int64_t mcle_epoch;		/* > 0: written by mcle's takeover with this epoch */
	char gen[24];			/* its generation */
	mcle_time updated;		/* store clock: its last write */
};

/* One object as read, written or listed. */
struct store_entry {
	char name[MCLE_NAMESPACE_MAX + 1];
	struct lease_record rec;
	struct store_version ver;
	mcle_time updated;		/* store clock: the last write */
	mcle_time now;			/* store clock when this answer was made */
	struct store_legacy legacy;	/* the legacy lock, when asked for (op->legacy) */
};

/* Capabilities. */
#define STORE_CAP_SERVER_CLOCK	0x01	/* `now` is a server's clock, not this host's */
#define STORE_CAP_UPDATE_IN_PLACE 0x02	/* update keeps the term's identity (no new object) */
#define STORE_CAP_CONCURRENT	0x04	/* many operations in flight (submit) */
#define STORE_CAP_REMOVE	0x08	/* STORE_REMOVE is supported */
#define STORE_CAP_LEGACY	0x10	/* legacy locks (STORE_LEGACY_*, op->legacy) */

enum store_verb {
	STORE_READ,		/* name -> out (MCLE_ENOTFOUND if absent; out.now set) */
	STORE_LIST,		/* every object, to `each`; out.now: the store's clock */
	STORE_CREATE,		/* name, rec: only if absent */
	STORE_REPLACE,		/* name, expect, rec: a new term (new object) */
	STORE_UPDATE,		/* name, expect, rec: in place */
	STORE_REMOVE,		/* name, expect */
	STORE_LEGACY_READ,	/* name: its legacy lock -> out.legacy (MCLE_ENOTFOUND if absent) */
	STORE_LEGACY_TAKE,	/* name, expect_legacy, rec: overwrite the legacy lock
				   naming rec.holder, only if still generation
				   expect_legacy (MCLE_EPRECOND otherwise) */
};

struct store;
struct store_op;

/*
 * A listed object.  A malformed one comes with e->rec zeroed and `bad`
 * saying why (MCLE_ECORRUPT); it does not stop the listing.  Return -1 to
 * stop it (with err set).
 */
typedef int (*store_each_fn)(void *arg, const struct store_entry *e,
			     const struct mcle_err *bad, struct mcle_err *err);

struct store_op {
	/* in */
	enum store_verb verb;
	char name[MCLE_NAMESPACE_MAX + 1];
	struct store_version expect;
	struct lease_record rec;
	int64_t deadline;		/* monotonic usec; 0 = the store's default */
	char expect_legacy[24];		/* STORE_LEGACY_TAKE: the generation judged expired */
	int legacy;			/* STORE_LIST: also each legacy lock, as an entry
					   with legacy.listed set (no body read) */
	store_each_fn each;		/* STORE_LIST */
	void *each_arg;
	/* STORE_LIST, optional: 0 for names the caller does not want (a backend
	   may then skip reading them; it may also pass them on) */
	int (*want)(void *each_arg, const char *name);
	void (*done)(struct store_op *op);	/* from the loop, exactly once */
	void *arg;
	/* out */
	int rc;				/* 0, or -1 with err */
	struct mcle_err err;
	struct store_entry out;		/* after a read or a write */
	/* the backend's, and store.c's */
	void *priv;
	struct loop_timer timer;
};

struct store_ops {
	const char *scheme;		/* "file", "gs", "mem" */
	unsigned caps;
	size_t priv_size;		/* the backend's private state, zeroed */

	/* `rest` is the URL after "scheme://". */
	int (*open)(struct store *s, const char *rest, struct mcle_err *err);
	void (*close)(struct store *s);

	/* Either: perform op now (fill rc, err, out) ... */
	void (*exec)(struct store *s, struct store_op *op);
	/* ... or start it and call store_op_finish(op) later, from the loop. */
	int (*submit)(struct store *s, struct store_op *op, struct mcle_err *err);
};

struct http_engine;

struct store_params {
	struct loop *loop;		/* where operations complete */
	struct http_engine *http;	/* for backends that speak HTTP (may be NULL) */
	int64_t default_timeout;	/* usec, for an op without a deadline */
	int legacy_off;			/* --legacy-locks off: no legacy locks */
	const char *legacy_url;		/* --legacy-locks gs://B[/P]: there; NULL: the root */
};

struct store {
	const struct store_ops *ops;
	struct store_params params;
	char *url;			/* as given, for messages */
	void *priv;			/* ops->priv_size bytes */
};

extern const struct store_ops store_file_ops;
extern const struct store_ops store_gcs_ops;
extern const struct store_ops store_mem_ops;

/* Open the store named by url ("file:///DIR", "gs://BUCKET[/PREFIX]", "mem://NAME"). */
struct store *store_open(const char *url, const struct store_params *params,
			 struct mcle_err *err);
void store_close(struct store *s);
unsigned store_caps(const struct store *s);
/* 1 if the store looks for legacy locks (STORE_CAP_LEGACY and not turned off). */
int store_legacy(const struct store *s);

/*
 * Start op; op->done runs from the loop (never before store_submit
 * returns).  Returns -1 with op->err set only when nothing was started (then
 * done never runs).
 */
int store_submit(struct store *s, struct store_op *op);

/* Perform op and wait for it: op->rc (0 or -1 with op->err). */
int store_run(struct store *s, struct store_op *op);

/* For backends: the outcome is in op; schedule op->done on the loop. */
void store_op_finish(struct store *s, struct store_op *op);

/* Convenience: one synchronous read/list/write, errors into err. */
int store_read(struct store *s, const char *name, int64_t deadline,
	       struct store_entry *out, struct mcle_err *err);
int store_list(struct store *s, int64_t deadline, store_each_fn each, void *arg,
	       struct mcle_err *err);

/*
 * The epoch floor: one object per store (per gs:// prefix, per file://
 * directory) under a name no namespace can have (namespaces are DNS-1123
 * labels: no dots), holding a record whose epoch is >= every epoch ever
 * issued for a name whose lock is now absent.  `mcle gc` and `mcle repair`
 * raise it (conditionally on its exact version) BEFORE removing or
 * replacing a lock; every create of an absent lock reads it AFTER it saw
 * the absence and creates above it, so epochs never go backwards across a
 * removal.  Listings skip it.  It is an ordinary object to the backends.
 */
#define STORE_FLOOR_NAME ".mcle-epoch-floor"

/* Is name the floor object's? */
int store_is_floor(const char *name);

/*
 * Read the floor: *floor (0 when there is none yet) and the object's state
 * in *e (e->ver.v "" when absent), to raise it from.
 */
int store_floor_read(struct store *s, int64_t deadline, int64_t *floor,
		     struct store_entry *e, struct mcle_err *err);

/*
 * Make the floor >= epoch: a create (when absent) or an update conditioned
 * on the exact version read; a failed precondition reads again (bounded).
 */
int store_floor_raise(struct store *s, int64_t epoch, int64_t deadline,
		      struct mcle_err *err);

/* An op that reads the floor (STORE_READ of STORE_FLOOR_NAME), for the async callers. */
void store_floor_op(struct store_op *op, int64_t deadline);

/* The floor from a finished floor read op: 0 and *floor, or -1 with err. */
int store_floor_of(const struct store_op *op, int64_t *floor, struct mcle_err *err);

/* "create", "read", ... for messages. */
const char *store_verb_name(enum store_verb v);

#endif
