/*
 * cmd-lease.c - what acquire, renew, release and run share: the election
 * parameters of the settings, a job for the lease engine, and its outcome
 * through the output.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine-lease.h"
#include "log.h"

void
cmd_elect_params(const struct cmd_ctx *ctx, struct elect_params *p)
{
	p->identity = ctx->st.identity;
	p->duration = ctx->st.lease_duration;
	p->skew = ctx->st.skew;
	if (elect_identity_is_url(p->identity))
		log_warn("identity '%s' looks like an API server URL, which many clusters share "
			 "(the original controller's identity): give each cluster its own",
			 p->identity);
}

void
cmd_lease_job(const struct cmd_ctx *ctx, enum lease_kind kind, struct lease_job *j)
{
	memset(j, 0, sizeof(*j));
	j->store = ctx->store;
	j->kube = ctx->kube;
	j->kind = kind;
	snprintf(j->ns, sizeof(j->ns), "%s", ctx->st.namespace);
	cmd_elect_params(ctx, &j->p);
	j->duration_explicit = ctx->opts->src[OPT_LEASE_DURATION] != SRC_DEFAULT;
	j->deadline = ctx->deadline;
	if (ctx->holder != NULL) {
		/* held by the run, while the Lease resource speaks for the cluster */
		j->p.identity = ctx->holder;
		j->cluster_identity = ctx->st.identity;
	}
	if (kind == LEASE_ACQUIRE && ctx->st.wait > 0) {
		j->wait_until = time_now_mono() + ctx->st.wait;
		j->attempt_timeout = ctx->st.timeout;
	}
}

int
cmd_lease(struct cmd_ctx *ctx, enum lease_kind kind, struct mcle_err *err)
{
	struct mcle_err perr = MCLE_ERR_INIT;
	struct lease_view v;
	struct lease_job j;
	int rc;

	cmd_lease_job(ctx, kind, &j);
	rc = engine_lease(&j, err);
	if (!(rc == 0 || (err->code == MCLE_EBUSY && j.shown)))
		return rc;
	memset(&v, 0, sizeof(v));
	v.ns = j.ns;
	v.res = &j.res;
	v.identity = ctx->holder != NULL ? ctx->holder : ctx->st.identity;
	v.skew = ctx->st.skew;
	v.warning = j.warning[0] != '\0' ? j.warning : NULL;
	v.resource = j.have_resource ? &j.resource : NULL;	/* as written */
	if (output_views(&ctx->out, &v, 1, 0, &perr) < 0 && rc == 0)
		rc = mcle_err_set(err, perr.code, "%s", perr.msg);
	return rc;
}
