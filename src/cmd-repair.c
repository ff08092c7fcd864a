/*
 * cmd-repair.c - mcle repair -n NS: replace a corrupt lock by a released
 * one whose epoch is above every epoch known (engine-gc.c).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "engine-gc.h"
#include "kube.h"
#include "parse.h"

struct got {
	int done;
	struct kube_reply r;
};

static void
on_lease(void *arg, struct kube_reply *r)
{
	struct got *g = arg;

	g->r = *r;
	g->done = 1;
}

static int
got_it(void *arg)
{
	return ((struct got *)arg)->done;
}

/* The Lease resource's epoch (status.epoch, leaderTransitions): 0 if none. */
static int
cluster_epoch(struct cmd_ctx *ctx, int64_t *epoch, struct mcle_err *err)
{
	const struct kube_status *st;
	struct got *g;
	int rc = 0;

	*epoch = 0;
	if (ctx->kube == NULL)
		return 0;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (kube_get_lease_start(ctx->kube, ctx->st.namespace, ctx->deadline, on_lease, g,
				 err) < 0 ||
	    loop_wait(ctx->loop, got_it, g) < 0) {
		rc = err->code != MCLE_OK ? -1 :
			mcle_err_set(err, MCLE_ECONFIG, "internal error: a read stalled");
	} else if (g->r.rc < 0 && g->r.status != 404) {
		rc = mcle_err_set(err, g->r.err.code, "%s", g->r.err.msg);
	} else if (g->r.rc == 0) {
		st = &g->r.lease.status;
		if (st->has & KS_EPOCH)
			*epoch = st->epoch;
		if ((st->has & KS_TRANS) && st->transitions > *epoch)
			*epoch = st->transitions;
	}
	free(g);
	return rc;
}

static int
repair_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	struct repair_params rp;

	memset(&rp, 0, sizeof(rp));
	if (o->val[OPT_MIN_EPOCH] != NULL &&
	    parse_int(o->val[OPT_MIN_EPOCH], 1, MCLE_EPOCH_MAX - 1, &rp.min_epoch) < 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "invalid --min-epoch '%s': expected a number from 1 to 2^53-2",
				    o->val[OPT_MIN_EPOCH]);
	rp.store = ctx->store;
	rp.ns = ctx->st.namespace;
	rp.duration = ctx->st.lease_duration;
	rp.dry_run = o->count[OPT_DRY_RUN] > 0;
	rp.deadline = ctx->deadline;
	rp.out = &ctx->out;
	if (cluster_epoch(ctx, &rp.cluster_epoch, err) < 0)
		return -1;
	return engine_repair(&rp, err);
}

const struct cmd_entry cmd_repair_entry = {
	.name = "repair",
	.usage = "-n NAMESPACE [--min-epoch N] [--dry-run] [options]",
	.summary = "replace a corrupt lock by a released one, keeping its epoch",
	.help = "Replace the lock of NAMESPACE, which cannot be decoded, by a released\n"
		"record whose epoch is above the store's epoch floor, above the epoch\n"
		"the corrupt record still shows, above the Lease resource's status.epoch\n"
		"(with a cluster) and above --min-epoch N.  When none of these gives an\n"
		"epoch, --min-epoch is required.  The floor is raised first; the lock is\n"
		"replaced only if it is still exactly as read (else exit 3).  A lock\n"
		"that decodes is refused (exit 5): use release.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_NAMESPACE | CMD_NEEDS_CLUSTER,
	.options = { OPT_MIN_EPOCH, OPT_DRY_RUN, OPT__COUNT },
	.exec = repair_exec,
};
