/* engine-lease.c - one lease and its Lease resource, in a safe order. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cluster.h"
#include "engine-lease.h"
#include "log.h"
#include "signals.h"

#define STATUS_TRIES 3	/* 409 Conflict: re-read and try again */

/* acquire --wait: pauses between tries, jittered in [b/2, b], b doubling */
#define WAIT_BACKOFF_FIRST (2 * MCLE_USEC)
#define WAIT_BACKOFF_MAX (8 * MCLE_USEC)
#define WAIT_GAP_MIN MCLE_USEC		/* GCS: about one write a second per object */

static const char *
cluster_id(const struct lease_job *j)
{
	return j->cluster_identity != NULL ? j->cluster_identity : j->p.identity;
}

/* The resource of j->ns into j->resource; created first if asked. */
static int
resource_get(struct lease_job *j, int create, struct mcle_err *err)
{
	struct kube_reply r;

	if (kube_get_lease(j->kube, j->ns, j->deadline, &r) == 0) {
		j->resource = r.lease;
		j->have_resource = 1;
		return 0;
	}
	if (r.err.code != MCLE_ENOTFOUND)
		return mcle_err_set(err, r.err.code, "%s", r.err.msg);
	if (!create) {
		log_debug("no Lease resource in namespace '%s'", j->ns);
		return 0;
	}
	/* before the store: never hold a lease whose status we cannot write */
	if (kube_create_lease(j->kube, j->ns, cluster_id(j), j->p.duration, j->deadline, &r) == 0) {
		j->resource = r.lease;
		j->have_resource = 1;
		return 0;
	}
	if (r.ns_missing) {
		/* a lock name that is not a namespace of the cluster: the lease stands alone */
		snprintf(j->warning, sizeof(j->warning),
			 "no namespace '%s' in %s: no Lease resource to update", j->ns,
			 kube_describe(j->kube));
		return 0;
	}
	return mcle_err_set(err, r.err.code, "%s", r.err.msg);
}

/* Write desired if it differs; on 409 read the resource again (bounded). */
static int
write_status(struct lease_job *j, const struct kube_status *desired, struct mcle_err *err)
{
	struct kube_reply r;
	int tries;

	for (tries = 0; tries < STATUS_TRIES; tries++) {
		if (!cluster_needs_write(j->resource.has_status, &j->resource.status, desired))
			return 0;
		if (kube_put_status(j->kube, &j->resource, desired, j->deadline, &r) == 0) {
			j->resource = r.lease;
			j->status = *desired;
			j->status_written = 1;
			log_debug("Lease resource in '%s': status written", j->ns);
			return 0;
		}
		if (r.err.code != MCLE_EPRECOND)
			return mcle_err_set(err, r.err.code, "%s", r.err.msg);
		log_debug("status of '%s' changed meanwhile; reading it again", j->ns);
		if (kube_get_lease(j->kube, j->ns, j->deadline, &r) < 0)
			return mcle_err_set(err, r.err.code, "%s", r.err.msg);
		j->resource = r.lease;
	}
	return mcle_err_set(err, MCLE_EUNAVAIL,
			    "status of the Lease resource in namespace '%s' kept changing; try again",
			    j->ns);
}

/* release: consumers stop before the store is released, or nothing happens. */
static int
mark_not_leader(struct lease_job *j, struct mcle_err *err)
{
	struct kube_status st = j->resource.status;
	struct mcle_err e = MCLE_ERR_INIT;

	if (!j->resource.has_status || !(st.has & KS_LEADER) || !st.is_leader)
		return 0;
	cluster_not_leader(&st);
	if (write_status(j, &st, &e) == 0)
		return 0;
	return mcle_err_set(err, e.code,
			    "lease '%s' not released: it stays held until it expires, because "
			    "the Lease resource could not be marked not-leader first: %s",
			    j->ns, e.msg);
}

/* Whether a failed try of acquire --wait is worth another. */
static int
worth_waiting(const struct lease_op *op)
{
	int c = op->err.code;

	return (c == MCLE_EBUSY || c == MCLE_EUNAVAIL || c == MCLE_ERATELIMIT) &&
	       signals_pending() == 0;
}

/* When to try again after op; b, the backoff, doubles (capped). */
static int64_t
next_try(const struct lease_job *j, const struct lease_op *op, int64_t *b)
{
	const struct store_entry *e = &op->res.entry;
	int64_t now = time_now_mono(), when, left;

	when = now + *b / 2 + (int64_t)http_jitter((uint64_t)(*b / 2) + 1);
	*b = *b > WAIT_BACKOFF_MAX / 2 ? WAIT_BACKOFF_MAX : *b * 2;
	/* a live lease seen: no later than when it can be taken, by the store's clock */
	if (op->err.code == MCLE_EBUSY && op->res.found) {
		left = time_add(elect_expire_time(e), j->p.skew) - e->now + 1000;
		if (left >= 0 && left < when - now)
			when = now + left;
	}
	if (when < now + WAIT_GAP_MIN)
		when = now + WAIT_GAP_MIN;
	return when < j->wait_until ? when : j->wait_until;
}

/* acquire --wait: try again while another holds the lease, until wait_until. */
static int
acquire_waiting(struct lease_job *j, struct lease_op *op, int rc)
{
	struct loop *l = j->store->params.loop;
	int64_t b = WAIT_BACKOFF_FIRST;

	while (rc < 0 && worth_waiting(op) && time_now_mono() < j->wait_until) {
		log_debug("lease '%s': %s; waiting", j->ns, op->err.msg);
		if (loop_sleep_until(l, next_try(j, op, &b)) == LOOP_SIGNAL)
			break;
		if (j->attempt_timeout > 0)
			j->deadline = time_now_mono() + j->attempt_timeout;
		lease_op_init(op, j->store, LEASE_ACQUIRE, j->ns, &j->p, j->deadline);
		rc = lease_run(op);
	}
	return rc;
}

int
engine_lease_exclusive_holder(const char *identity, char out[MCLE_IDENTITY_MAX + 1],
			      struct mcle_err *err)
{
	unsigned char r[LEASE_RUN_ID_LEN / 2];
	char hex[LEASE_RUN_ID_LEN + 1];
	size_t i;

	if (strlen(identity) > LEASE_EXCLUSIVE_IDENTITY_MAX)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "identity '%.40s...' is too long to hold a lease of its own run: "
				    "at most %d characters", identity, LEASE_EXCLUSIVE_IDENTITY_MAX);
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot make a run id");
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	snprintf(out, MCLE_IDENTITY_MAX + 1, "%s" LEASE_RUN_SUFFIX "%s", identity, hex);
	return 0;
}

int
engine_lease(struct lease_job *j, struct mcle_err *err)
{
	struct mcle_err werr = MCLE_ERR_INIT, ferr = MCLE_ERR_INIT;
	struct kube_status desired;
	struct lease_op op;
	int rc;

	if (j->kube != NULL && j->kind == LEASE_READ) {
		if (resource_get(j, 0, &j->resource_err) < 0)
			j->have_resource = 0;
	} else if (j->kube != NULL && resource_get(j, j->kind == LEASE_ACQUIRE, err) < 0) {
		return -1;
	}
	if (j->have_resource && !j->duration_explicit && j->resource.spec_duration > 0)
		j->p.duration = j->resource.spec_duration;
	/* the lock records this cluster's fingerprint: our identity from another is refused */
	if (j->kube != NULL && j->kind != LEASE_READ)
		j->p.cluster = kube_fingerprint(j->kube, j->deadline);

	if (j->kind == LEASE_RELEASE && j->have_resource && mark_not_leader(j, err) < 0)
		return -1;
	lease_op_init(&op, j->store, j->kind, j->ns, &j->p, j->deadline);
	rc = lease_run(&op);
	if (j->kind == LEASE_ACQUIRE && j->wait_until != 0)
		rc = acquire_waiting(j, &op, rc);
	j->res = op.res;
	/* our identity, written from another cluster: a collision, not busy or lost */
	if (op.res.found && elect_foreign_err(&op.res.entry, &j->p, j->ns, &ferr) < 0) {
		op.err = ferr;
		rc = -1;
	}
	/* busy or lost, the state is known: show it, and the resource says so too */
	j->shown = rc == 0 || ((op.err.code == MCLE_EBUSY || op.err.code == MCLE_ELOST) &&
			       op.res.found);
	if (rc < 0)
		mcle_err_set(err, op.err.code, "%s", op.err.msg);
	if (j->kind == LEASE_READ || !j->have_resource || !j->shown)
		return rc;
	cluster_desired(&j->res, cluster_id(j), &desired);
	if (write_status(j, &desired, &werr) < 0 && rc == 0)
		snprintf(j->warning, sizeof(j->warning),
			 "the Lease resource was not updated: %.440s", werr.msg);
	return rc;
}
