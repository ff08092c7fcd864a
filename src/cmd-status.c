/* cmd-status.c - mcle status: show one lease or all of them. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine-lease.h"
#include "engine-locks.h"

struct all_ctx {
	const struct cmd_ctx *ctx;
	const struct lock_table *t;
};

static void
row_view(void *arg, size_t i, struct lease_view *v, struct lease_result *res)
{
	const struct all_ctx *a = arg;
	const struct lock_row *r = vec_at(&a->t->rows, i);

	memset(res, 0, sizeof(*res));
	lock_row_entry(a->t, i, &res->entry);
	res->found = r->bad == NULL;
	v->ns = r->name;
	v->res = res;
	v->identity = a->ctx->st.identity;
	v->skew = a->ctx->st.skew;
	v->err = r->bad;
	v->unreadable = r->bad != NULL;
}

static int
status_all(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct lock_table t;
	struct all_ctx a = { ctx, &t };
	const struct lock_row *r;
	size_t i;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = engine_locks(ctx->store, ctx->deadline, &t, err)) == 0)
		rc = output_leases(&ctx->out, row_view, &a, t.rows.n, OUT_ARRAY, err);
	for (i = 0; i < t.rows.n && rc == 0; i++) {
		r = vec_at(&t.rows, i);
		if (r->bad != NULL)
			rc = mcle_err_set(err, r->bad->code, "%s", r->bad->msg);
	}
	lock_table_free(&t);
	return rc;
}

static int
status_one(struct cmd_ctx *ctx, int check, struct mcle_err *err)
{
	struct lease_view v;
	struct lease_job j;

	cmd_lease_job(ctx, LEASE_READ, &j);
	if (engine_lease(&j, err) < 0)
		return -1;
	memset(&v, 0, sizeof(v));
	v.ns = j.ns;
	v.res = &j.res;
	v.identity = ctx->st.identity;
	v.skew = ctx->st.skew;
	v.resource = j.have_resource ? &j.resource : NULL;
	if (output_views(&ctx->out, &v, 1, 0, err) < 0)
		return -1;
	/* the lease is shown; then what kept the cluster from showing its resource */
	if (ctx->kube_err.code != MCLE_OK)
		return mcle_err_set(err, ctx->kube_err.code, "%s", ctx->kube_err.msg);
	if (j.resource_err.code != MCLE_OK)
		return mcle_err_set(err, j.resource_err.code, "%s", j.resource_err.msg);
	if (check && !(j.res.found && elect_is_leader(&j.res.entry, ctx->st.identity)))
		return mcle_err_set(err, MCLE_EBUSY, "lease '%s' is not held by '%s'",
				    ctx->st.namespace, ctx->st.identity);
	return 0;
}

static int
status_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	int all = o->count[OPT_ALL] > 0, check = o->count[OPT_CHECK] > 0;

	if (all && ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "use either -n NAMESPACE or --all, not both");
	if (!all && ctx->st.namespace == NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "missing -n NAMESPACE or --all");
	if (check && (all || ctx->st.identity == NULL))
		return mcle_err_set(err, MCLE_EUSAGE, "--check needs -n NAMESPACE and --identity");
	return all ? status_all(ctx, err) : status_one(ctx, check, err);
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "(-n NAMESPACE [--check] | --all) [options]",
	.summary = "show who holds a lease, or every lease in the store",
	.help = "Show the lease of NAMESPACE, or with --all every lease in the store,\n"
		"judged by the store's clock.  isLeader/LEADER says whether --identity\n"
		"holds it.  With --check, exit 1 unless --identity holds the lease.\n"
		"With a cluster configured, -o json adds the namespace's Lease\n"
		"resource status as \"resourceStatus\" (status never writes).",
	.flags = CMD_NEEDS_STORE | CMD_READS_CLUSTER,
	.options = { OPT_ALL, OPT_CHECK, OPT__COUNT },
	.exec = status_exec,
};
