/* cmd-acquire.c - mcle acquire: take the lease, or renew it if ours. */
#include "config.h"

#include "cmd.h"

static int
acquire_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	return cmd_lease(ctx, LEASE_ACQUIRE, err);
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
		"written after the store (--no-cluster skips all this).  A name that is\n"
		"not a namespace of the cluster has no resource: the lease stands alone.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER,
	.options = { OPT__COUNT },
	.exec = acquire_exec,
};
