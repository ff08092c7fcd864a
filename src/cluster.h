/*
 * cluster.h - what a namespace's Lease resource should say, and whether
 * it must be written.  Pure: no I/O.
 *
 * The status never claims more than is true: isLeader only for the
 * identity that holds an unexpired lease in the store, by the store's
 * clock.  The holder's cluster writes whenever anything changed (renew
 * time and expiry move every renewal); other clusters write only when the
 * holder, the epoch or isLeader changed.
 */
#ifndef MCLE_CLUSTER_H
#define MCLE_CLUSTER_H

#include "kube-lease.h"
#include "lease.h"

/* The status for res (found or not) as seen by identity. */
void cluster_desired(const struct lease_result *res, const char *identity,
		     struct kube_status *out);

/*
 * Set st's lastError to msg (clipped to KUBE_ERROR_MAX bytes).  mcle's
 * messages name objects and servers, never credentials.
 */
void cluster_set_error(struct kube_status *st, const char *msg);

/* The status to write before releasing: as it stands, but not leader. */
void cluster_not_leader(struct kube_status *st);

/* Whether cur (has_status 0: none) must be replaced by desired. */
int cluster_needs_write(int has_status, const struct kube_status *cur,
			const struct kube_status *desired);

/* Fields of desired that a written status came back without (a pruning CRD). */
unsigned cluster_pruned(const struct kube_status *sent, const struct kube_status *got);

#endif
