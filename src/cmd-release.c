/* cmd-release.c - mcle release: give up a lease we hold. */
#include "config.h"

#include "cmd.h"
#include "lease.h"

static int
release_exec(struct cmd_ctx *ctx, struct mcle_err *err)
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
	rc = lease_release(ctx->store, ctx->st.namespace, &p, &res, err);
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

const struct cmd_entry cmd_release_entry = {
	.name = "release",
	.usage = "-n NAMESPACE [options]",
	.summary = "give up a lease this identity holds",
	.help = "Release the lease of NAMESPACE held by --identity: the holder becomes\n"
		"empty and the epoch stays, so any identity may acquire it at once.\n"
		"Exits 3 if --identity does not hold it.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE,
	.options = { OPT__COUNT },
	.exec = release_exec,
};
