/* cmd-release.c - mcle release: give up a lease we hold. */
#include "config.h"

#include "cmd.h"
#include "lease.h"

static int
release_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	/* also when lost, the Lease resource is written: it must stop saying we lead */
	return cmd_lease_op(ctx, lease_release, 0, err);
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
