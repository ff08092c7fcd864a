/*
 * kube.h - the handful of Kubernetes API calls mcle needs, by hand over
 * http.c: list namespaces, list/get/create the Lease resources, write
 * their /status subresource with a resourceVersion precondition.
 *
 * Calls run on the HTTP engine's loop, many at once: each *_start function
 * calls its callback from the loop when it has an outcome; the plain
 * functions wait for it.  List pages are parsed as they arrive (jstream.h),
 * keeping only the few fields mcle uses of each item, so memory never
 * grows with a page's size.  Errors carry the API's metav1.Status message.
 */
#ifndef MCLE_KUBE_H
#define MCLE_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "kube-lease.h"

#define KUBE_PAGE_LIMIT		500		/* items per list page we ask for */
#define KUBE_PAGE_ITEMS_MAX	(10 * KUBE_PAGE_LIMIT)	/* a page may not hold more */
#define KUBE_PAGES_MAX		10000		/* pages in one listing */
#define KUBE_LIST_ITEMS_MAX	100000		/* items in one listing */
#define KUBE_LIST_RESTARTS	3		/* restarts after 410 Expired */
#define KUBE_CONTINUE_MAX	2048		/* bytes of a continue token */
#define KUBE_UID_MAX		MCLE_CLUSTER_MAX	/* bytes of a metadata.uid we keep */

/* Where the Lease resources live (all configurable, defaults as the original controller). */
struct kube_lease_kind {
	const char *group;		/* leaderelection.600lyy.io */
	const char *version;		/* v1 */
	const char *plural;		/* leases */
	const char *name;		/* lease-gsc: the resource's name in every namespace */
};

struct kube_client;

/*
 * Connect to the cluster named by kubeconfig/context (either may be NULL:
 * KUBECONFIG, ~/.kube/config, then in-cluster), on engine e.  Returns 0,
 * 1 when no cluster is configured at all (*out NULL), or -1 with err set.
 * No request is made yet.
 */
int kube_open(const char *kubeconfig, const char *context,
	      const struct kube_lease_kind *kind, struct http_engine *e,
	      struct kube_client **out, struct mcle_err *err);
void kube_close(struct kube_client *k);

/* Where the client points, for messages ("https://host:port (context 'x' in FILE)"). */
const char *kube_describe(const struct kube_client *k);

/* The Lease resources it reads and writes. */
const struct kube_lease_kind *kube_kind(const struct kube_client *k);

/*
 * This cluster's fingerprint: the metadata.uid of its kube-system
 * namespace, read once per client (GET /api/v1/namespaces/kube-system).
 * Returns the UID, or "" when it cannot be had (no permission, no such
 * namespace: said once with log_warn; a failure to connect is retried at
 * the next call).  Waits on the loop: never call it from a callback.
 */
const char *kube_fingerprint(struct kube_client *k, int64_t deadline);

/*
 * The same without a request: known once a namespace listing showed
 * kube-system (or kube_fingerprint read it), else "".
 */
const char *kube_fingerprint_listed(const struct kube_client *k);

/*
 * 1 once a status write came back without fields mcle sent, or with an
 * "unknown field" warning: the installed CRD is older than mcle's (said
 * once per client with log_warn, naming the CRD to apply).
 */
int kube_crd_outdated(const struct kube_client *k);

/* Requests made and credentials fetched (for -v and tests). */
struct http_client *kube_http(const struct kube_client *k);
struct cred *kube_cred(const struct kube_client *k);

/* One call's outcome. */
struct kube_reply {
	int rc;				/* 0, or -1 with err */
	struct mcle_err err;
	long status;			/* HTTP status, 0 without an answer */
	int ns_missing;			/* 404: the namespace itself does not exist */
	int created;			/* a create made it (not: it existed and was read) */
	unsigned pruned;		/* KS_* sent but missing from the answer (an old CRD) */
	char warning[256];		/* a Warning header, clipped, or "" */
	struct kube_lease lease;	/* the resource as the server answered */
};

typedef void (*kube_done_fn)(void *arg, struct kube_reply *r);

/* GET the Lease resource of ns.  404 -> MCLE_ENOTFOUND. */
int kube_get_lease_start(struct kube_client *k, const char *ns, int64_t deadline,
			 kube_done_fn fn, void *arg, struct mcle_err *err);

/*
 * Create it with spec.holderIdentity and spec.leaseDurationSeconds; if it
 * exists already (409), read it instead.  A 404 whose Status names the
 * namespace sets ns_missing.
 */
int kube_create_lease_start(struct kube_client *k, const char *ns, const char *holder,
			    int32_t duration, int64_t deadline, kube_done_fn fn,
			    void *arg, struct mcle_err *err);

/*
 * Replace the status of l (its ns and resourceVersion) through /status.
 * 409 -> MCLE_EPRECOND (re-read and decide again).  On success r->lease is
 * the server's answer; pruned is set if it lacks a field that was sent.
 */
int kube_put_status_start(struct kube_client *k, const struct kube_lease *l,
			  const struct kube_status *st, int64_t deadline,
			  kube_done_fn fn, void *arg, struct mcle_err *err);

/*
 * Set spec.leaseDurationSeconds of l (a merge patch conditional on its
 * resourceVersion: 409 -> MCLE_EPRECOND).  r->lease is the answer.
 */
int kube_patch_spec_start(struct kube_client *k, const struct kube_lease *l,
			  int32_t duration, int64_t deadline, kube_done_fn fn, void *arg,
			  struct mcle_err *err);

/* The same, waiting: 0 or -1 (r->err). */
int kube_get_lease(struct kube_client *k, const char *ns, int64_t deadline,
		   struct kube_reply *r);
int kube_create_lease(struct kube_client *k, const char *ns, const char *holder,
		      int32_t duration, int64_t deadline, struct kube_reply *r);
int kube_put_status(struct kube_client *k, const struct kube_lease *l,
		    const struct kube_status *st, int64_t deadline, struct kube_reply *r);

/*
 * Paged listings (limit/continue; restarted from the beginning after 410
 * Expired, when `reset` is called first).  Items with names that are not
 * valid namespace names are skipped with a warning, never cut short;
 * more than KUBE_LIST_ITEMS_MAX items, a page over KUBE_PAGE_ITEMS_MAX or
 * a continue token seen before are the server's errors (MCLE_ECORRUPT or
 * MCLE_ECONFIG), reported at once.
 */
struct kube_list_cb {
	int (*ns)(void *arg, const char *name, int terminating, struct mcle_err *err);
	int (*lease)(void *arg, const struct kube_lease *l, struct mcle_err *err);
	void (*reset)(void *arg);
	void (*done)(void *arg, int rc, const struct mcle_err *err);
	void *arg;
};

int kube_list_namespaces_start(struct kube_client *k, const char *selector,
			       int64_t deadline, const struct kube_list_cb *cb,
			       struct mcle_err *err);
int kube_list_leases_start(struct kube_client *k, int64_t deadline,
			   const struct kube_list_cb *cb, struct mcle_err *err);

/*
 * Any JSON request: method on path (after the server's URL, e.g.
 * "/apis/events.k8s.io/v1/namespaces/a/events") with body (consumed; NULL
 * for none), this client's credentials, TLS and Accept header; done gets
 * the raw outcome.  max_tries as in struct http_request.
 */
int kube_json_start(struct kube_client *k, const char *method, const char *path,
		    json_object *body, int64_t deadline, int max_tries, http_done_fn done,
		    void *arg, struct mcle_err *err);

#endif
