/*
 * engine-lease.h - one lease, as acquire, renew, release and status run it:
 * the store operation and the namespace's Lease resource around it, in the
 * order that never tells consumers more than is true.
 *
 *   acquire:  make sure the resource exists (a namespace the cluster does
 *             not have: the lease stands alone), take the lease in the
 *             store, then write isLeader: true;
 *   renew:    renew in the store, then write the status;
 *   release:  write isLeader: false first; if that fails, keep the lease
 *             (it expires on its own) and say so; then release in the
 *             store and write the final status.
 *
 * The outcome reports the store, the truth: a failed status write after a
 * successful store operation is a warning, not a failure.
 */
#ifndef MCLE_ENGINE_LEASE_H
#define MCLE_ENGINE_LEASE_H

#include "kube.h"
#include "lease.h"

struct lease_job {
	/* in */
	struct store *store;
	struct kube_client *kube;	/* NULL: no cluster */
	enum lease_kind kind;		/* LEASE_READ: status, no writes */
	char ns[MCLE_NAMESPACE_MAX + 1];
	struct elect_params p;
	int duration_explicit;		/* --lease-duration given: it wins over the resource's */
	int64_t deadline;
	/* out */
	struct lease_result res;
	int shown;			/* res is worth printing (also when busy) */
	struct kube_lease resource;
	int have_resource;
	struct kube_status status;	/* the status written (when status_written) */
	int status_written;
	char warning[MCLE_ERR_MSG_MAX];	/* "" or a warning for the user */
	struct mcle_err resource_err;	/* LEASE_READ: the resource could not be read */
};

/* Run j.  0 when done as asked; -1 with err (MCLE_EBUSY, MCLE_ELOST, ...). */
int engine_lease(struct lease_job *j, struct mcle_err *err);

#endif
