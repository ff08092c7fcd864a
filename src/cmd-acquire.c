/* cmd-acquire.c - mcle acquire: take the lease, or renew it if ours. */
#include "config.h"

#include "cmd.h"
#include "lease.h"

static int
acquire(struct store *s, const char *ns, const struct elect_params *p,
	struct lease_result *res, struct mcle_err *err)
{
	return lease_acquire(s, ns, p, NULL, 0, res, err);
}

static int
acquire_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	return cmd_lease_op(ctx, acquire, 1, err);
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
