/*
 * store.h - the lock store interface.
 *
 * One lock object per namespace.  Backends (store-file.c, store-gcs.c) each
 * export one `const struct store_ops`; store.c picks one by URL scheme.
 *
 * Every mutation carries the version it expects; a failed precondition is
 * MCLE_EPRECOND, an absent object MCLE_ENOTFOUND, never folded into an I/O
 * error.  Every call also reports the store's clock ("now") as seen in the
 * response, so that expiry is judged by the store's clock only.
 */
#ifndef MCLE_STORE_H
#define MCLE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "record.h"
#include "timeutil.h"

/* The store's version of one object. */
struct store_version {
	char generation[MCLE_GENERATION_MAX + 1];	/* opaque; compare for equality only */
	int64_t metageneration;		/* bumped by every in-place update */
	mcle_time created;		/* store clock: this generation's creation (acquire time) */
	mcle_time updated;		/* store clock: last write (renew time) */
};

/* One object as read or listed. */
struct store_entry {
	char name[MCLE_NAMESPACE_MAX + 1];
	struct lease_record rec;
	struct store_version ver;
	mcle_time now;			/* the store's clock when this entry was read */
	/* a listed object whose record is malformed: rec is zeroed, err says why */
	struct mcle_err err;
};

/* Options a run passes to every store (and later to every network call). */
struct store_params {
	int64_t deadline;		/* monotonic microseconds; every call ends by then */
	int verbose;			/* log requests (never credentials) */
};

struct store;

struct store_ops {
	const char *scheme;		/* "file", "gs" */
	size_t priv_size;		/* size of the backend's private state */

	/* `rest` is the URL after "scheme://". */
	int (*open)(struct store *s, const char *rest, struct mcle_err *err);
	void (*close)(struct store *s);

	/* Read one object.  MCLE_ENOTFOUND if absent. */
	int (*read)(struct store *s, const char *name, struct store_entry *out,
		    struct mcle_err *err);

	/*
	 * List every object (following pagination), calling fn for each.  A
	 * malformed object is passed with e->err set; it does not stop the
	 * listing.  fn returns 0 to go on, -1 to stop (its own error in err).
	 */
	int (*list)(struct store *s,
		    int (*fn)(void *arg, const struct store_entry *e,
			      struct mcle_err *err),
		    void *arg, struct mcle_err *err);

	/* Create if absent (GCS: ifGenerationMatch=0).  New version and now in *out. */
	int (*create)(struct store *s, const char *name,
		      const struct lease_record *rec, struct store_entry *out,
		      struct mcle_err *err);

	/*
	 * Replace with a new generation, only if the object is exactly at
	 * *expect (generation and metageneration).  Starts a new term.
	 */
	int (*replace)(struct store *s, const char *name,
		       const struct store_version *expect,
		       const struct lease_record *rec, struct store_entry *out,
		       struct mcle_err *err);

	/*
	 * Update the record in place (GCS: metadata PATCH), keeping the
	 * generation, only if the object is exactly at *expect.
	 */
	int (*update)(struct store *s, const char *name,
		      const struct store_version *expect,
		      const struct lease_record *rec, struct store_entry *out,
		      struct mcle_err *err);

	/* Remove, only if the object is exactly at *expect.  May be NULL. */
	int (*remove)(struct store *s, const char *name,
		      const struct store_version *expect, struct mcle_err *err);

	/*
	 * Make dst (zeroed private state) a handle on the same store for
	 * another thread, sharing what can be shared (credentials, the
	 * connection pool).  May be NULL: then the store is used by one
	 * thread only.
	 */
	int (*clone)(struct store *src, struct store *dst, struct mcle_err *err);
};

struct store {
	const struct store_ops *ops;
	struct store_params params;
	char *url;			/* as given, for messages */
	void *priv;			/* ops->priv_size bytes, zeroed */
};

extern const struct store_ops store_file_ops;
extern const struct store_ops store_gcs_ops;

/* Open the store named by url ("file:///DIR", "gs://BUCKET[/PREFIX]"). */
struct store *store_open(const char *url, const struct store_params *params,
			 struct mcle_err *err);
void store_close(struct store *s);

/*
 * A handle on the same store for another thread, or NULL with err set;
 * MCLE_ECONFIG "cannot be shared" when the backend has no clone.  Close
 * clones before the original.
 */
struct store *store_clone(struct store *s, struct mcle_err *err);

#endif
