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
 *
 * acquire may wait (--wait): while another holds the lease it tries again
 * after a jittered backoff - each try a store read, and a write only when
 * the read shows the lease free or expired, so never more than one write
 * a second - until wait_until.
 *
 * A holder unique to one run (run, acquire --exclusive) is
 * IDENTITY/run-<16 hex digits>: two runs of one identity exclude each
 * other, and reconcile-all, as IDENTITY, sees another holder (busy): it
 * neither renews nor takes over a live one.  The Lease resource speaks for
 * the cluster identity (cluster_identity): while a run holds the lease it
 * says isLeader false and names the run's holder, as reconcile-all of the
 * same cluster does, so neither rewrites what the other wrote.
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
	const char *cluster_identity;	/* the resource speaks for it; NULL: p.identity */
	int64_t deadline;
	int64_t wait_until;		/* acquire: try again until then while busy (0: once) */
	int64_t attempt_timeout;	/* with wait_until: each try's deadline from its start */
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

#define LEASE_RUN_SUFFIX "/run-"
#define LEASE_RUN_ID_LEN 16	/* hex digits */
#define LEASE_EXCLUSIVE_IDENTITY_MAX \
	(MCLE_IDENTITY_MAX - (int)sizeof(LEASE_RUN_SUFFIX) + 1 - LEASE_RUN_ID_LEN)

/*
 * A holder unique to this run: identity + "/run-" + 16 random hex digits.
 * -1 (MCLE_EUSAGE) if identity is longer than LEASE_EXCLUSIVE_IDENTITY_MAX.
 */
int engine_lease_exclusive_holder(const char *identity, char out[MCLE_IDENTITY_MAX + 1],
				  struct mcle_err *err);

#endif
