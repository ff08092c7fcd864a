/* cmd-renew.c - mcle renew: extend a lease we hold. */
#include "config.h"

#include "cmd.h"
#include "lease.h"

static int
renew_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct lease_result res;
	struct elect_params p;
	struct cmd_cluster cc;
	struct mcle_err cerr = MCLE_ERR_INIT;
	int rc = -1;

	cmd_elect_params(ctx, &p);
	if (cmd_cluster_begin(ctx, ctx->st.namespace, 0, &cc, err) < 0)
		goto out;
	cmd_cluster_duration(ctx, &cc, &p);
	rc = lease_renew(ctx->store, ctx->st.namespace, &p, &res, err);
	if (rc < 0 && !(err->code == MCLE_ELOST && res.found))
		goto out;
	/* also when lost: the Lease resource must stop saying we lead */
	if (cmd_cluster_write(ctx, &cc, &res, &cerr) < 0 && rc == 0)
		rc = mcle_err_set(err, cerr.code, "%s", cerr.msg);
	if (rc == 0)
		rc = cmd_print_lease(ctx, ctx->st.namespace, &res, err);
out:
	cmd_cluster_end(&cc);
	return rc;
}

const struct cmd_entry cmd_renew_entry = {
	.name = "renew",
	.usage = "-n NAMESPACE [options]",
	.summary = "extend a lease this identity holds",
	.help = "Extend the lease of NAMESPACE held by --identity, conditional on the\n"
		"exact version last read.  Exits 3 if --identity does not hold it, if it\n"
		"expired, or if it changed under us: the lease is lost, stop acting.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE,
	.options = { OPT__COUNT },
	.exec = renew_exec,
};
