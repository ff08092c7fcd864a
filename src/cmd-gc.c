/*
 * cmd-gc.c - mcle gc: remove the locks of namespaces that no longer exist,
 * once released or expired, under the epoch floor (engine-gc.c).
 */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "engine-gc.h"

/* Without a cluster: the names that exist are --namespaces/--namespaces-file. */
static int
given_names(struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;

	if (o->val[OPT_NAMESPACES] == NULL && o->val[OPT_NAMESPACES_FILE] == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "which namespaces exist? give --namespaces or --namespaces-file "
				    "(or use a cluster)");
	if (cmd_given_namespaces(ctx, l, err) < 0)
		return -1;
	ns_list_sort(l);
	return 0;
}

static int
gc_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct gc_params gp;
	struct gc_summary sum;
	struct ns_list names;
	int rc = 0;

	ns_list_init(&names);
	memset(&gp, 0, sizeof(gp));
	gp.store = ctx->store;
	gp.kube = ctx->kube;
	gp.names = &names;
	gp.skew = ctx->st.skew;
	gp.dry_run = ctx->opts->count[OPT_DRY_RUN] > 0;
	gp.deadline = ctx->deadline;
	gp.out = &ctx->out;
	if (ctx->kube == NULL)
		rc = given_names(ctx, &names, err);
	if (rc == 0)
		rc = engine_gc(&gp, &sum, err);
	ns_list_free(&names);
	return rc;
}

const struct cmd_entry cmd_gc_entry = {
	.name = "gc",
	.usage = "[--namespaces LIST | --namespaces-file FILE] [--dry-run] [options]",
	.summary = "remove the locks of namespaces that no longer exist",
	.help = "Remove the lock of every name that is not a namespace of the cluster\n"
		"(without one: not in --namespaces/--namespaces-file) once it is\n"
		"released, or expired by the store's clock beyond --clock-skew.  The\n"
		"store's epoch floor is raised to the lock's epoch first, and the lock\n"
		"is removed only if it is still exactly as read: a later acquire\n"
		"continues above every epoch it issued.  A live or changed lock is\n"
		"kept.  Exits 6 if some lock could not be handled.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_CLUSTER,
	.options = { OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT_DRY_RUN, OPT__COUNT },
	.exec = gc_exec,
};
