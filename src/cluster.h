/*
 * cluster.h - the Kubernetes side of one namespace's lease: make sure the
 * Lease resource exists, and write its status when, and only when, it
 * changes.
 */
#ifndef MCLE_CLUSTER_H
#define MCLE_CLUSTER_H

#include <json-c/json.h>

#include "kube.h"
#include "lease.h"

/*
 * Whether the status `cur` (may be NULL) must be replaced by `desired`.
 * The holder's cluster writes whenever anything changed (renew time and
 * expiry move every renewal); other clusters only when the holder, the
 * epoch or isLeader changed.  Pure.
 */
int status_needs_write(json_object *cur, json_object *desired);

/*
 * Into *l: the listed resource (copied), or a new one created with
 * spec.holderIdentity = identity and spec.leaseDurationSeconds = duration
 * (*created = 1).
 */
int cluster_ensure(struct kube_client *k, const char *ns,
		   const struct kube_lease *listed, const char *identity,
		   int32_t duration, struct kube_lease *l, int *created,
		   struct mcle_err *err);

/*
 * Write the status for res as seen by identity if it changed; on 409
 * re-read the resource and decide again (bounded).  *written = 1 if a
 * write happened.
 */
int cluster_sync_status(struct kube_client *k, struct kube_lease *l,
			const struct lease_result *res, const char *identity,
			int *written, struct mcle_err *err);

#endif
