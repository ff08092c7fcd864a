/*
 * engine-pass.h - one reconcile-all pass over every namespace.
 *
 * The namespaces come from the cluster's listing (selected, not excluded,
 * not Terminating) or, without a cluster, from the caller.  The store is
 * observed with one listing (and the Lease resources with another, at the
 * same time); then every namespace is reconciled - its resource created if
 * missing, its lease renewed if ours or taken if free or expired, its
 * status written if it changed - with up to max_in_flight requests at once
 * on one thread.  A namespace that fails does not stop the others.
 *
 * Memory: a few hundred bytes per namespace, whatever the servers send.
 */
#ifndef MCLE_ENGINE_PASS_H
#define MCLE_ENGINE_PASS_H

#include "kube.h"
#include "lease.h"
#include "namespaces.h"
#include "output.h"

/* One namespace's outcome, for the pass's observer (metrics, events, logs). */
struct pass_ns {
	const char *ns;
	const char *action;		/* acquired, renewed, standby, error */
	const struct mcle_err *err;	/* or NULL */
	const char *holder;		/* the store's holder after the pass; NULL: none */
	const char *previous;		/* the holder before: the Lease status's, else the store's */
	int leader;			/* this identity holds it */
	int64_t epoch;
	mcle_time expire;		/* by the store's clock; 0 when not held */
	int status_changed;		/* the Lease status now records another holder */
	int lapsed;			/* our own lease had lapsed before this renewal */
};

typedef void (*pass_ns_fn)(void *arg, const struct pass_ns *r);

struct pass_params {
	struct store *store;
	struct kube_client *kube;	/* NULL: the namespaces are `names` */
	const struct ns_list *names;	/* sorted; without a cluster */
	const char *selector;		/* with a cluster: a label selector, or NULL */
	const struct ns_list *exclude;	/* with a cluster: namespaces left alone */
	struct elect_params p;		/* identity, default duration, skew */
	int duration_explicit;		/* --lease-duration given: wins over each resource's */
	int max_in_flight;
	int64_t deadline;		/* monotonic: the pass ends by then */
	struct output *out;		/* where the table and summary go */
	int no_table;			/* the summary and errors only (-q, --interval) */
	pass_ns_fn observe;		/* every namespace once the pass is over, or NULL */
	void *observe_arg;
};

/*
 * Run one pass and print it.  0 when every namespace was reconciled;
 * -1 with err: MCLE_EPARTIAL when the pass finished but some namespaces
 * failed, or the error that stopped the whole pass (a listing that failed,
 * the deadline).  *sum says what happened either way.
 */
int engine_pass(const struct pass_params *pp, struct pass_summary *sum,
		struct mcle_err *err);

#endif
