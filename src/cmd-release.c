/* cmd-release.c - mcle release: give up a lease we hold. */
#include "config.h"

#include "cmd.h"

static int
release_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	return cmd_lease(ctx, LEASE_RELEASE, err);
}

const struct cmd_entry cmd_release_entry = {
	.name = "release",
	.usage = "-n NAMESPACE [options]",
	.summary = "give up a lease this identity holds",
	.help = "Release the lease of NAMESPACE held by --identity: the holder becomes\n"
		"empty and the epoch stays, so any identity may acquire it at once.\n"
		"With a cluster, the Lease resource is marked not-leader first; if that\n"
		"fails the lease is kept (it expires on its own) and mcle says so.\n"
		"Exits 3 if --identity does not hold it.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER,
	.options = { OPT__COUNT },
	.exec = release_exec,
};
