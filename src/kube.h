/*
 * kube.h - the handful of Kubernetes API calls reconcile-all needs,
 * written by hand over http.c: list namespaces, list/get/create the Lease
 * resources, and write their /status subresource with a resourceVersion
 * precondition.  Errors carry the API's metav1.Status message.
 */
#ifndef MCLE_KUBE_H
#define MCLE_KUBE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "record.h"

#define KUBE_PAGE_LIMIT 500		/* items per list page */
#define KUBE_PAGE_ITEMS_MAX (10 * KUBE_PAGE_LIMIT)	/* items a page may hold */
#define KUBE_PAGES_MAX 10000		/* pages in one listing */
#define KUBE_LIST_ITEMS_MAX 100000	/* items in one listing */
#define KUBE_LIST_RESTARTS 3		/* restarts after 410 Expired */
#define KUBE_CONTINUE_MAX 2048		/* bytes of a continue token */
#define KUBE_RV_MAX 128			/* bytes of a resourceVersion */

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
 * KUBECONFIG, ~/.kube/config, then in-cluster).  Returns 0, 1 when no
 * cluster is configured at all (*out NULL), or -1 with err set.
 */
int kube_open(const char *kubeconfig, const char *context,
	      const struct kube_lease_kind *kind, int64_t deadline,
	      struct kube_client **out, struct mcle_err *err);
void kube_close(struct kube_client *k);

/*
 * A client for another thread: same configuration and credentials of this
 * pass, its own handle on the shared connection pool.  A clone does not
 * re-authenticate on 401 (the original's credentials are shared); close
 * clones before the original.
 */
struct kube_client *kube_clone(struct kube_client *k, struct mcle_err *err);

/* Where the client points, for messages ("https://host:port (context 'x')"). */
const char *kube_describe(const struct kube_client *k);

struct kube_namespace {
	char name[MCLE_NAMESPACE_MAX + 1];
	int terminating;
};

/*
 * Every namespace matching selector (may be NULL), following pagination,
 * sorted by name.  The listing fails (exit 5) as soon as it passes
 * KUBE_LIST_ITEMS_MAX items, a page holds over KUBE_PAGE_ITEMS_MAX or a
 * continue token comes back a second time.  Items whose name is not a
 * namespace name (or holds a NUL byte) are skipped with a warning; a name
 * listed twice is kept once (terminating if either copy is), with a warning.
 */
int kube_list_namespaces(struct kube_client *k, const char *selector,
			 struct kube_namespace **out, size_t *n,
			 struct mcle_err *err);

struct kube_lease {
	char ns[MCLE_NAMESPACE_MAX + 1];
	json_object *obj;		/* the resource as the server returned it (owned) */
};

/*
 * Every Lease resource named kind->name, cluster-wide, sorted by namespace,
 * with the limits of kube_list_namespaces.  Items whose metadata.name or
 * metadata.namespace is invalid are skipped with a warning; a namespace
 * whose resource is listed twice is read again with a GET.
 */
int kube_list_leases(struct kube_client *k, struct kube_lease **out, size_t *n,
		     struct mcle_err *err);
void kube_leases_free(struct kube_lease *v, size_t n);

/* GET one resource into l (l->obj replaced).  MCLE_ENOTFOUND if absent. */
int kube_get_lease(struct kube_client *k, const char *ns, struct kube_lease *l,
		   struct mcle_err *err);

/*
 * Create the resource in ns with spec.holderIdentity and
 * spec.leaseDurationSeconds; if it exists already, read it instead.
 */
int kube_create_lease(struct kube_client *k, const char *ns, const char *holder,
		      int32_t duration, struct kube_lease *l, struct mcle_err *err);

/*
 * Replace l's status through the /status subresource, conditional on l's
 * resourceVersion.  409 -> MCLE_EPRECOND (re-read and decide again).  On
 * success l->obj is the server's answer.
 */
int kube_put_status(struct kube_client *k, struct kube_lease *l,
		    json_object *status, struct mcle_err *err);

/* Borrowed views of a resource. */
json_object *kube_lease_status(const struct kube_lease *l);
int kube_lease_duration(const struct kube_lease *l, int32_t *out);

#endif
