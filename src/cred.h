/*
 * cred.h - one credentials interface for every server mcle talks to.
 *
 * A struct cred is a source of bearer tokens (and, for Kubernetes exec
 * plugins, client certificates): a GCS service account, an authorized
 * user, the metadata server, a kubeconfig token or token file, an exec
 * plugin.  Each source is a file exporting one `const struct cred_ops`;
 * cred.c caches what it fetched, refreshes it before it expires, and
 * fetches again once after the server answers 401.
 *
 * Nothing is lent: cred_get copies the current credential into a struct
 * cred_copy that the caller owns and wipes (cred_copy_free), so a refresh
 * can never free what a request in flight is using.
 */
#ifndef MCLE_CRED_H
#define MCLE_CRED_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CRED_TOKEN_MAX		(64 * 1024)	/* bytes of one bearer token */
#define CRED_MARGIN_MAX_US	(60 * 1000000LL) /* refresh this long before expiry, at most */

/* What a source fetched: owned strings, wiped by cred.c when replaced. */
struct cred_fresh {
	char *token;		/* bearer token, or NULL */
	char *cert_pem;		/* client certificate, or NULL */
	char *key_pem;		/* its key (set iff cert_pem is) */
	int64_t lifetime_us;	/* from now; 0 = until the server refuses it */
};

struct cred;

struct cred_ops {
	const char *name;	/* "service account", "exec plugin", ... */
	/* Fetch a fresh credential, blocking at most until deadline (monotonic usec). */
	int (*fetch)(struct cred *c, int64_t deadline, struct cred_fresh *out,
		     struct mcle_err *err);
	void (*free)(struct cred *c);	/* the source's private state; may be NULL */
};

/* A copy for one request; cred_copy_free wipes it. */
struct cred_copy {
	char *token;		/* "Authorization: Bearer" value, or NULL */
	char *cert_pem, *key_pem;
	unsigned gen;		/* which fetch it came from (for cred_invalidate) */
};

/*
 * A cache around a source.  priv (may be NULL) belongs to the source and is
 * freed by ops->free.  describe names the source for messages (copied).
 */
struct cred *cred_new(const struct cred_ops *ops, void *priv,
		      const char *describe, struct mcle_err *err);
void cred_free(struct cred *c);

/* The source's private state. */
void *cred_priv(const struct cred *c);

/* "service account key '/path'", for -v and messages. */
const char *cred_describe(const struct cred *c);

/*
 * The current credential, fetched first when there is none or it expires
 * within its margin (a quarter of its lifetime, at most CRED_MARGIN_MAX_US).
 * Copied into *out.  Errors are the source's (MCLE_EAUTH refused,
 * MCLE_EUNAVAIL unreachable or deadline, MCLE_ECONFIG cannot run).
 */
int cred_get(struct cred *c, int64_t deadline, struct cred_copy *out,
	     struct mcle_err *err);
void cred_copy_free(struct cred_copy *cp);

/*
 * The server refused the credential of fetch `gen` (401): forget it, so the
 * next cred_get fetches again.  A later fetch than gen is kept: many
 * requests refused together cause one fetch, not many.
 */
void cred_invalidate(struct cred *c, unsigned gen);

/* How many fetches so far (for -v, metrics and tests). */
unsigned cred_fetches(const struct cred *c);

/* The margin before expiry at which a credential of this lifetime is renewed. */
int64_t cred_margin(int64_t lifetime_us);

#endif
