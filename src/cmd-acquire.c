/* cmd-acquire.c - mcle acquire: take the lease, or renew it if ours. */
#include "config.h"

#include "cmd.h"
#include "engine-lease.h"

static int
acquire_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	char holder[MCLE_IDENTITY_MAX + 1];
	int rc;

	if (ctx->st.exclusive) {
		if (engine_lease_exclusive_holder(ctx->st.identity, holder, err) < 0)
			return -1;
		ctx->holder = holder;
	}
	rc = cmd_lease(ctx, LEASE_ACQUIRE, err);
	ctx->holder = NULL;
	return rc;
}

const struct cmd_entry cmd_acquire_entry = {
	.name = "acquire",
	.usage = "-n NAMESPACE [--wait DURATION] [--exclusive] [options]",
	.summary = "take the lease for a namespace, or renew it if already ours",
	.help = "Take the lease of NAMESPACE for --identity if it is free, released or\n"
		"expired by the store's clock, or renew it if --identity holds it.\n"
		"Exits 0 when --identity holds the lease, 1 when another identity does.\n"
		"--wait: while another holds it, read it again (no write) with a jittered\n"
		"backoff of 1-8 s and take it once it is free, until DURATION has passed.\n"
		"--exclusive: hold it as IDENTITY/run-ID, unique to this acquire, so that\n"
		"two of them with one identity exclude each other (renew and release it\n"
		"with --identity set to the holder printed).\n"
		"With a cluster configured, the namespace's Lease resource is created if\n"
		"missing (before the store is touched), its spec.leaseDurationSeconds is\n"
		"the lease duration unless --lease-duration is given, and its status is\n"
		"written after the store (--no-cluster skips all this).  A name that is\n"
		"not a namespace of the cluster has no resource: the lease stands alone.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER,
	.options = { OPT_WAIT, OPT_EXCLUSIVE, OPT__COUNT },
	.exec = acquire_exec,
};
