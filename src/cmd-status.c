/* cmd-status.c - mcle status: show one lease, every lease, or the leases of selected namespaces. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "election.h"
#include "engine-lease.h"
#include "engine-locks.h"
#include "kube-namespaces.h"
#include "namespaces.h"

struct all_ctx {
	const struct cmd_ctx *ctx;
	const struct lock_table *t;
	const struct ns_list *names;	/* -l: the namespaces shown; NULL: every lock */
};

/* The row of t for name (rows are sorted by name), or -1. */
static long
find_row(const struct lock_table *t, const char *name)
{
	size_t lo = 0, hi = t->rows.n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(((const struct lock_row *)vec_at(&t->rows, mid))->name, name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void
row_view(void *arg, size_t i, struct lease_view *v, struct lease_result *res)
{
	const struct all_ctx *a = arg;
	const struct lock_row *r;
	long at = a->names == NULL ? (long)i : find_row(a->t, ns_list_at(a->names, i));

	memset(res, 0, sizeof(*res));
	v->res = res;
	v->identity = a->ctx->st.identity;
	v->skew = a->ctx->st.skew;
	if (at < 0) {	/* a selected namespace without a lock: free */
		v->ns = ns_list_at(a->names, i);
		return;
	}
	r = vec_at(&a->t->rows, (size_t)at);
	lock_row_entry(a->t, (size_t)at, &res->entry);
	res->found = r->bad == NULL;
	v->ns = r->name;
	v->err = r->bad;
	v->unreadable = r->bad != NULL;
}

static int
status_all(struct cmd_ctx *ctx, const char *selector, struct mcle_err *err)
{
	struct lock_table t;
	struct ns_list sel;
	struct all_ctx a = { ctx, &t, NULL };
	const struct lock_row *r;
	size_t i, n;
	int rc = 0;

	memset(&t, 0, sizeof(t));
	ns_list_init(&sel);
	/* -l: the cluster's namespaces matching the selector, free ones too */
	if (selector != NULL &&
	    (rc = kube_namespaces(ctx->kube, ctx->loop, selector, ctx->deadline, &sel, err)) == 0)
		a.names = &sel;
	if (rc == 0 && (rc = engine_locks(ctx->store, ctx->deadline, &t, err)) == 0) {
		n = a.names != NULL ? ns_list_count(a.names) : t.rows.n;
		rc = output_leases(&ctx->out, row_view, &a, n, OUT_ARRAY, err);
	}
	for (i = 0; i < t.rows.n && rc == 0; i++) {
		r = vec_at(&t.rows, i);
		if (r->bad != NULL && (a.names == NULL || ns_list_find(a.names, r->name) >= 0))
			rc = mcle_err_set(err, r->bad->code, "%s", r->bad->msg);
	}
	lock_table_free(&t);
	ns_list_free(&sel);
	return rc;
}

/*
 * The Go controller's lock of the namespace, shown as status --all shows it
 * (source legacy, held for 3 x its duration), when it is what decides:
 * mcle's own lock is absent, or not live while the legacy one is live.
 * Unreadable: the error status --all gives it.
 */
static int
legacy_row(struct lease_result *res, int64_t skew, struct mcle_err *err)
{
	struct store_entry *e = &res->entry;
	const struct store_legacy l = e->legacy;
	enum legacy_verdict v = elect_legacy(&l, e->now, skew);

	if (v == LEGACY_NONE || (res->found && (v == LEGACY_EXPIRED || elect_is_live(e, skew))))
		return 0;
	if (v == LEGACY_BAD)
		return mcle_err_set(err, MCLE_ECORRUPT, "legacy lock '%s" STORE_LEGACY_SUFFIX
				    "' is unreadable", e->name);
	memset(&e->rec, 0, sizeof(e->rec));
	snprintf(e->rec.holder, sizeof(e->rec.holder), "%s", l.holder);
	e->rec.epoch = l.transitions;
	e->rec.duration = l.duration > INT32_MAX / 3 ? INT32_MAX : 3 * l.duration;
	e->updated = l.updated;
	e->legacy.listed = 1;
	res->found = 1;
	return 0;
}

static int
status_one(struct cmd_ctx *ctx, int check, struct mcle_err *err)
{
	struct lease_view v;
	struct lease_job j;

	cmd_lease_job(ctx, LEASE_READ, &j);
	if (check)
		j.kube = NULL;	/* the answer is the store's: no need of the cluster */
	if (engine_lease(&j, err) < 0)
		return -1;
	snprintf(j.res.entry.name, sizeof(j.res.entry.name), "%s", j.ns);
	if (!check && legacy_row(&j.res, ctx->st.skew, err) < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	v.ns = j.ns;
	v.res = &j.res;
	v.identity = ctx->st.identity;
	v.skew = ctx->st.skew;
	v.resource = j.have_resource ? &j.resource : NULL;
	if (output_views(&ctx->out, &v, 1, 0, err) < 0)
		return -1;
	if (check && !(j.res.found && elect_is_leader(&j.res.entry, ctx->st.identity)))
		return mcle_err_set(err, MCLE_EBUSY, "lease '%s' is not held by '%s'",
				    ctx->st.namespace, ctx->st.identity);
	/* the lease is shown; then what kept the cluster from showing its resource */
	if (!check && ctx->kube_err.code != MCLE_OK)
		return mcle_err_set(err, ctx->kube_err.code, "%s", ctx->kube_err.msg);
	if (j.resource_err.code != MCLE_OK)
		return mcle_err_set(err, j.resource_err.code, "%s", j.resource_err.msg);
	return 0;
}

/* -l needs a cluster: the reason there is none, if opening one failed. */
static int
need_cluster(struct cmd_ctx *ctx, struct mcle_err *err)
{
	if (ctx->kube != NULL)
		return 0;
	if (ctx->kube_err.code != MCLE_OK)
		return mcle_err_set(err, ctx->kube_err.code, "%s", ctx->kube_err.msg);
	return mcle_err_set(err, MCLE_EUSAGE, "option '--selector' selects the cluster's "
			    "namespaces, and there is no cluster: %s", ctx->st.no_cluster ?
			    "--no-cluster is given" :
			    "give --kubeconfig, set KUBECONFIG or run in a pod");
}

static int
status_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	int all = o->count[OPT_ALL] > 0, check = o->count[OPT_CHECK] > 0;
	/* the flag only: MCLE_SELECTOR and the file's 'selector' are reconcile-all's */
	const char *sel = o->src[OPT_SELECTOR] == SRC_FLAG ? o->val[OPT_SELECTOR] : NULL;

	if ((all || sel != NULL) && ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "use either -n NAMESPACE or %s, not both",
				    all ? "--all" : "-l SELECTOR");
	if (!all && sel == NULL && ctx->st.namespace == NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "missing -n NAMESPACE, --all or -l SELECTOR");
	if (check && (all || sel != NULL || ctx->st.identity == NULL))
		return mcle_err_set(err, MCLE_EUSAGE, "--check needs -n NAMESPACE and --identity");
	if (sel != NULL && need_cluster(ctx, err) < 0)
		return -1;
	return ctx->st.namespace == NULL ? status_all(ctx, sel, err) :
					   status_one(ctx, check, err);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "(-n NAMESPACE [--check] | -A | -l SELECTOR) [options]",
	.summary = "show who holds a lease, or every lease in the store",
	.help = "Show the lease of NAMESPACE, with -A (--all) every lease in the store,\n"
		"or with -l the leases of the cluster's namespaces matching a label\n"
		"selector (free ones too), judged by the store's clock.  isLeader/LEADER\n"
		"says whether --identity holds it.  With --check, exit 1 unless\n"
		"--identity holds the lease; --check does not read the cluster.\n"
		"With a cluster configured, -n adds the namespace's Lease resource\n"
		"status as \"resourceStatus\" (status never writes).  -l is read from\n"
		"the command line only (MCLE_SELECTOR is reconcile-all's).",
	.flags = CMD_NEEDS_STORE | CMD_READS_CLUSTER,
	.options = { OPT_ALL, OPT_CHECK, OPT_SELECTOR, OPT__COUNT },
	.exec = status_exec,
};
