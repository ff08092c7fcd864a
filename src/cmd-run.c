/* cmd-run.c - mcle run: hold the lease while a command runs. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine-run.h"

static int
run_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	struct run_job j;
	int rc;

	if (o->args_before_dashdash > 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "unexpected argument '%s': give the command after '--'", o->args[0]);
	if (o->nargs == 0)
		return mcle_err_set(err, MCLE_EUSAGE, "no command given after '--'");
	memset(&j, 0, sizeof(j));
	j.store = ctx->store;
	j.kube = ctx->kube;
	snprintf(j.ns, sizeof(j.ns), "%s", ctx->st.namespace);
	j.identity = ctx->st.identity;
	j.duration = ctx->st.lease_duration;
	j.duration_explicit = o->src[OPT_LEASE_DURATION] != SRC_DEFAULT;
	j.skew = ctx->st.skew;
	j.deadline = ctx->deadline;
	j.op_timeout = ctx->st.timeout;
	j.wait = ctx->st.wait;
	j.renew_every = ctx->st.renew_every;
	j.kill_grace = ctx->st.kill_grace;
	j.argv = o->args;
	rc = engine_run(&j, err);
	if (j.started)
		ctx->exit_status = j.status;
	return rc;
}

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.usage = "-n NAME [--wait DURATION] [--renew-every DURATION] [--kill-grace DURATION] "
		 "[options] -- COMMAND [ARGS...]",
	.summary = "run a command while holding the lease, and stop it before it is lost",
	.help = "Take the lease of NAME (waiting up to --wait while another holds it) as\n"
		"IDENTITY/run-ID, unique to this run, start COMMAND in a process group of\n"
		"its own with MCLE_NAMESPACE, MCLE_IDENTITY (that holder), MCLE_EPOCH (the\n"
		"fencing token) and MCLE_LEASE_EXPIRES in its environment, renew the lease\n"
		"every --renew-every, and release it when COMMAND has ended.  If a\n"
		"renewal finds the lease lost, or none is confirmed by the lease's expiry\n"
		"less --kill-grace and --clock-skew, a watchdog process sends the group\n"
		"SIGTERM, then SIGKILL after --kill-grace, whether or not mcle itself runs.\n"
		"SIGTERM, SIGINT and SIGHUP are passed on to the group.  Exits with\n"
		"COMMAND's status (128 + N if signal N ended it), 122 if mcle stopped it;\n"
		"1, 2, 4 or 5 as acquire does if COMMAND never started.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER |
		 CMD_TAKES_ARGS,
	.options = { OPT_WAIT, OPT_RENEW_EVERY, OPT_KILL_GRACE, OPT__COUNT },
	.exec = run_exec,
};
