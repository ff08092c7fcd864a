/*
 * cmd-reconcile-all.c - mcle reconcile-all: one pass over every namespace
 * (engine-pass.c).  Without a cluster the namespaces come from -n,
 * --namespaces and --namespaces-file.
 */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "engine-loop.h"

/* The namespaces given on the command line or in a file. */
static int
given_namespaces(struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;

	if (ctx->st.namespace != NULL &&
	    ns_list_add(l, ctx->st.namespace, strlen(ctx->st.namespace), "-n", err) < 0)
		return -1;
	if (cmd_given_namespaces(ctx, l, err) < 0)
		return -1;
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

	if (o->src[OPT_NAMESPACES] != SRC_DEFAULT || o->src[OPT_NAMESPACES_FILE] != SRC_DEFAULT ||
	    ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "with a cluster the namespaces come from it: use --selector or --exclude, or --no-cluster");
	return cmd_excluded(ctx, exclude, err);
}

/* The loop's own options: only with --interval. */
static int
loop_options(struct cmd_ctx *ctx, struct loop_params *lp, struct mcle_err *err)
{
	const struct settings *st = &ctx->st;
	const struct opts *o = ctx->opts;

	if (st->interval == 0 && (st->listen != NULL || st->release_on_exit || st->no_events))
		return mcle_err_set(err, MCLE_EUSAGE, "--%s needs --interval%s",
				    st->listen != NULL ? "listen" :
				    st->release_on_exit ? "release-on-exit" : "no-events",
				    st->no_events ? ": a single pass records no Events" : "");
	if (st->listen == NULL && o->src[OPT_UNHEALTHY_AFTER] != SRC_DEFAULT)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "--unhealthy-after needs --listen: it sets when /healthz fails");
	lp->http = ctx->http;
	lp->interval = st->interval;
	lp->pass_timeout = st->timeout;
	lp->deadline = ctx->deadline;
	lp->release_on_exit = st->release_on_exit;
	lp->metrics_file = st->metrics_file;
	lp->listen = st->listen;
	lp->unhealthy_after = st->unhealthy_after;
	lp->events = !st->no_events;
	/* a loop prints each pass's summary, not a table of every namespace */
	lp->pass.no_table = st->quiet || st->interval > 0;
	return 0;
}

static int
reconcile_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct ns_list names, exclude;
	struct loop_params lp;
	struct pass_params *pp = &lp.pass;
	int rc;

	ns_list_init(&names);
	ns_list_init(&exclude);
	memset(&lp, 0, sizeof(lp));
	pp->store = ctx->store;
	pp->kube = ctx->kube;
	pp->names = &names;
	pp->exclude = &exclude;
	pp->selector = ctx->opts->val[OPT_SELECTOR];
	cmd_elect_params(ctx, &pp->p);
	/*
	 * each resource's spec.leaseDurationSeconds is its namespace's duration,
	 * unless --lease-duration is given (flag, variable or config file): then
	 * it wins, and the pass sets the spec to it
	 */
	pp->duration_explicit = ctx->opts->src[OPT_LEASE_DURATION] != SRC_DEFAULT;
	pp->max_in_flight = ctx->st.max_in_flight;
	pp->deadline = ctx->deadline;
	pp->out = &ctx->out;
	rc = loop_options(ctx, &lp, err);
	if (rc == 0)
		rc = ctx->kube != NULL ? cluster_options(ctx, &exclude, err) :
					 given_namespaces(ctx, &names, err);
	if (rc == 0)
		rc = engine_loop(&lp, err);
	ns_list_free(&names);
	ns_list_free(&exclude);
	return rc;
}

const struct cmd_entry cmd_reconcile_all_entry = {
	.name = "reconcile-all",
	.usage = "[--selector SELECTOR] [--exclude NS,...] [--exclude-preset PRESET] [--max-in-flight N] [--partial-ok] [--namespaces NS,... | --namespaces-file FILE] [--interval DURATION [--release-on-exit] [--listen HOST:PORT] [--unhealthy-after N]] [--metrics-file FILE] [--no-events] [options]",
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
		"finished but some namespaces failed (0 with --partial-ok, after a\n"
		"warning).\n"
		"\n"
		"With --interval it runs a pass every DURATION (each start moved by up\n"
		"to a tenth of it at random) in one process, keeping connections and\n"
		"credentials, printing each pass's summary and logging changes of\n"
		"leader; --timeout is then each pass's deadline.  A failed pass does\n"
		"not end it; a usage error does, and a configuration error before the\n"
		"first pass completes.  SIGTERM or SIGINT lets the pass in progress\n"
		"finish its requests, then exits (128 + the signal's number); with\n"
		"--release-on-exit every lease held is first marked not-leader in its\n"
		"Lease resource, then released in the store.  --listen serves\n"
		"/metrics, /healthz and /readyz; --metrics-file writes the same metrics\n"
		"after each pass.  With a cluster each change of holder is recorded as\n"
		"an events.k8s.io/v1 Event in its namespace (--no-events: none).",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY | CMD_NEEDS_CLUSTER,
	.options = { OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT_SELECTOR, OPT_EXCLUDE,
		     OPT_EXCLUDE_PRESET,
		     OPT_MAX_IN_FLIGHT, OPT_PARALLEL, OPT_PARTIAL_OK, OPT_INTERVAL, OPT_RELEASE_ON_EXIT, OPT_METRICS_FILE,
		     OPT_LISTEN, OPT_UNHEALTHY_AFTER, OPT_NO_EVENTS, OPT__COUNT },
	.exec = reconcile_exec,
};
