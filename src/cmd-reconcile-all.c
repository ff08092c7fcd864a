/*
 * cmd-reconcile-all.c - mcle reconcile-all: one pass over every namespace
 * (engine-pass.c).  Without a cluster the namespaces come from -n,
 * --namespaces and --namespaces-file.
 */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "engine-pass.h"

/* The namespaces given on the command line or in a file. */
static int
given_namespaces(struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char origin[300];

	if (ctx->st.namespace != NULL &&
	    ns_list_add(l, ctx->st.namespace, strlen(ctx->st.namespace), "-n", err) < 0)
		return -1;
	if (o->val[OPT_NAMESPACES] != NULL) {
		opts_origin(o, OPT_NAMESPACES, origin, sizeof(origin));
		if (ns_list_csv(l, o->val[OPT_NAMESPACES], origin, err) < 0)
			return -1;
	}
	if (o->val[OPT_NAMESPACES_FILE] != NULL &&
	    ns_list_file(l, o->val[OPT_NAMESPACES_FILE], err) < 0) {
		opts_blame(o, OPT_NAMESPACES_FILE, err);
		return -1;
	}
	if (ns_list_count(l) == 0 && o->val[OPT_NAMESPACES] == NULL &&
	    o->val[OPT_NAMESPACES_FILE] == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no namespaces: give --namespaces, --namespaces-file or -n");
	ns_list_sort(l);
	return 0;
}

static int
cluster_options(struct cmd_ctx *ctx, struct ns_list *exclude, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char origin[300];

	if (o->src[OPT_NAMESPACES] != SRC_DEFAULT || o->src[OPT_NAMESPACES_FILE] != SRC_DEFAULT ||
	    ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "with a cluster the namespaces come from it: use --selector or --exclude, or --no-cluster");
	opts_origin(o, OPT_EXCLUDE, origin, sizeof(origin));
	if (*o->val[OPT_EXCLUDE] != '\0' && ns_list_csv(exclude, o->val[OPT_EXCLUDE], origin, err) < 0)
		return -1;
	ns_list_sort(exclude);
	return 0;
}

static int
reconcile_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct ns_list names, exclude;
	struct pass_summary sum;
	struct pass_params pp;
	int rc;

	ns_list_init(&names);
	ns_list_init(&exclude);
	memset(&pp, 0, sizeof(pp));
	pp.store = ctx->store;
	pp.kube = ctx->kube;
	pp.names = &names;
	pp.exclude = &exclude;
	pp.selector = ctx->opts->val[OPT_SELECTOR];
	cmd_elect_params(ctx, &pp.p);
	/* each resource's spec.leaseDurationSeconds is its namespace's duration */
	pp.duration_explicit = 0;
	pp.max_in_flight = ctx->st.max_in_flight;
	pp.deadline = ctx->deadline;
	pp.out = &ctx->out;
	rc = ctx->kube != NULL ? cluster_options(ctx, &exclude, err) :
				 given_namespaces(ctx, &names, err);
	if (rc == 0)
		rc = engine_pass(&pp, &sum, err);
	ns_list_free(&names);
	ns_list_free(&exclude);
	return rc;
}

const struct cmd_entry cmd_reconcile_all_entry = {
	.name = "reconcile-all",
	.usage = "[--selector SELECTOR] [--exclude NS,...] [--max-in-flight N] [--namespaces NS,... | --namespaces-file FILE] [options]",
	.summary = "one pass: contend for every namespace and write its Lease status",
	.help = "Observe the store with one listing, then for every namespace renew the\n"
		"lease if --identity holds it, take it if it is free or expired, and\n"
		"otherwise stand by without writing.  With a cluster (--kubeconfig,\n"
		"KUBECONFIG, ~/.kube/config or in-cluster) the namespaces come from it\n"
		"and each namespace's Lease resource is created if missing and its\n"
		"status written when it changes.  Without one (or with --no-cluster)\n"
		"the namespaces come from --namespaces / --namespaces-file and the\n"
		"status is only printed.  --max-in-flight (or --parallel) bounds the\n"
		"requests in flight, all on one thread.  Exits 6 when the pass\n"
		"finished but some namespaces failed.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_CLUSTER,
	.options = { OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT_SELECTOR, OPT_EXCLUDE,
		     OPT_MAX_IN_FLIGHT, OPT_PARALLEL, OPT__COUNT },
	.exec = reconcile_exec,
};
