/* cmd-acquire.c - mcle acquire: take the lease, or renew it if ours. */
#include "config.h"

#include "cmd.h"
#include "lease.h"

static int
acquire_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct lease_result res;
	struct elect_params p;
	struct cmd_cluster cc;
	struct mcle_err perr = MCLE_ERR_INIT;
	int rc = -1;

	cmd_elect_params(ctx, &p);
	if (cmd_cluster_begin(ctx, ctx->st.namespace, 1, &cc, err) < 0)
		goto out;
	cmd_cluster_duration(ctx, &cc, &p);
	rc = lease_acquire(ctx->store, ctx->st.namespace, &p, NULL, 0, &res, err);
	if (rc < 0 && err->code != MCLE_EBUSY)
		goto out;
	/* the resource follows the store, held or not */
	if (cmd_cluster_write(ctx, &cc, &res, &perr) < 0 && rc == 0)
		rc = mcle_err_set(err, perr.code, "%s", perr.msg);
	mcle_err_clear(&perr);
	if (cmd_print_lease(ctx, ctx->st.namespace, &res, &perr) < 0 && rc == 0)
		rc = mcle_err_set(err, perr.code, "%s", perr.msg);
out:
	cmd_cluster_end(&cc);
	return rc;
}

const struct cmd_entry cmd_acquire_entry = {
	.name = "acquire",
	.usage = "-n NAMESPACE [options]",
	.summary = "take the lease for a namespace, or renew it if already ours",
	.help = "Take the lease of NAMESPACE for --identity if it is free, released or\n"
		"expired by the store's clock, or renew it if --identity holds it.\n"
		"Exits 0 when --identity holds the lease, 1 when another identity does.\n"
		"With a cluster configured, the namespace's Lease resource is created if\n"
		"missing (before the store is touched), its spec.leaseDurationSeconds is\n"
		"the lease duration unless --lease-duration is given, and its status is\n"
		"written (--no-cluster skips all this).",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE,
	.options = { OPT__COUNT },
	.exec = acquire_exec,
};
