/* cmd-renew.c - mcle renew: extend a lease we hold. */
#include "config.h"

#include "cmd.h"

static int
renew_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	/* also when lost, the Lease resource is written: it must stop saying we lead */
	return cmd_lease(ctx, LEASE_RENEW, err);
}

const struct cmd_entry cmd_renew_entry = {
	.name = "renew",
	.usage = "-n NAMESPACE [options]",
	.summary = "extend a lease this identity holds",
	.help = "Extend the lease of NAMESPACE held by --identity, conditional on the\n"
		"exact version last read.  Exits 3 if --identity does not hold it, if it\n"
		"expired, or if it changed under us: the lease is lost, stop acting.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER,
	.options = { OPT__COUNT },
	.exec = renew_exec,
};
