/*
 * mcle.c - main: global options, shared setup, dispatch, and the only
 * place that prints errors and maps them to exit statuses.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "options.h"
#include "output.h"
#include "signals.h"
#include "store.h"

static int
fail(const struct mcle_err *err, const struct cmd_entry *c)
{
	log_error("%s", err->msg);
	if (err->code == MCLE_EUSAGE) {
		if (c != NULL && c != &cmd_help_entry)
			fprintf(stderr, "try 'mcle %s --help'\n", c->name);
		else
			fputs("try 'mcle --help'\n", stderr);
	}
	return mcle_err_exit_status(err->code);
}

/* Every option given as a flag must belong to the command. */
static int
check_scope(const struct opts *o, const struct cmd_entry *c, struct mcle_err *err)
{
	size_t i;

	if (o->nargs > 0 && !(c->flags & CMD_TAKES_ARGS))
		return mcle_err_set(err, MCLE_EUSAGE, "unexpected argument '%s'", o->args[0]);
	for (i = 0; i < OPT__COUNT; i++) {
		if (o->src[i] != SRC_FLAG)
			continue;
		if (!cmd_accepts(c, (enum opt_id)i) ||
		    ((c->flags & CMD_NO_SETUP) && i != OPT_HELP))
			return mcle_err_set(err, MCLE_EUSAGE,
					    "option '--%s' is not valid for '%s'",
					    opt_table[i].name, c->name);
	}
	return 0;
}

/*
 * One rule for options that cannot apply in the mode a command runs in:
 * refused (exit 2) saying why, never ignored.  A command's own options are
 * checked wherever they were set; global options, which the environment and
 * the config file share among all commands, when given as flags.
 */
static const struct {
	enum opt_id id;
	int with_cluster;	/* applies only with a cluster (1) or only without (0) */
} mode_rules[] = {
	{ OPT_SELECTOR, 1 },
	{ OPT_EXCLUDE, 1 },
	{ OPT_EXCLUDE_PRESET, 1 },
	{ OPT_NAMESPACES, 0 },
	{ OPT_NAMESPACES_FILE, 0 },
};

static int
mode_error(const struct cmd_ctx *ctx, enum opt_id id, const char *why, struct mcle_err *err)
{
	char origin[300];

	opts_origin(ctx->opts, id, origin, sizeof(origin));
	return mcle_err_set(err, MCLE_EUSAGE, "%s%s%s does not apply %s",
			    ctx->opts->src[id] == SRC_FLAG ? "option '" : "", origin,
			    ctx->opts->src[id] == SRC_FLAG ? "'" : "", why);
}

static int
check_mode(const struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct cmd_entry *c = ctx->entry;
	const struct opts *o = ctx->opts;
	int cluster = ctx->kube != NULL;
	size_t i;

	if (ctx->st.no_cluster && o->src[OPT_KUBECONFIG] == SRC_FLAG)
		return mode_error(ctx, OPT_KUBECONFIG, "with --no-cluster", err);
	if (ctx->st.no_cluster && o->src[OPT_CONTEXT] == SRC_FLAG)
		return mode_error(ctx, OPT_CONTEXT, "with --no-cluster", err);
	if (c == &cmd_status_entry && o->src[OPT_LEASE_DURATION] == SRC_FLAG)
		return mode_error(ctx, OPT_LEASE_DURATION, "to 'status': it only reads", err);
	if (!(c->flags & CMD_NEEDS_CLUSTER))
		return 0;	/* status checks -l itself, from the flag only */
	for (i = 0; i < sizeof(mode_rules) / sizeof(mode_rules[0]); i++) {
		enum opt_id id = mode_rules[i].id;

		if (!cmd_accepts(c, id) || o->src[id] == SRC_DEFAULT ||
		    mode_rules[i].with_cluster == cluster)
			continue;
		if (cluster)
			return mode_error(ctx, id, "with a cluster: the namespaces come from it "
					  "(use --selector or --exclude, or --no-cluster)", err);
		return mode_error(ctx, id, ctx->st.no_cluster ?
				  "with --no-cluster: it filters the cluster's namespaces" :
				  "without a cluster (none is configured): it filters the "
				  "cluster's namespaces", err);
	}
	return 0;
}

static int
check_required(const struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct cmd_entry *c = ctx->entry;

	if ((c->flags & CMD_NEEDS_STORE) && ctx->st.store == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no store: give --store URL, MCLE_STORE or 'store' in the config file");
	if ((c->flags & CMD_NEEDS_IDENTITY) && ctx->st.identity == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no identity: give --identity ID, MCLE_IDENTITY or 'identity' in the config file");
	if ((c->flags & CMD_NEEDS_NAMESPACE) && ctx->st.namespace == NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "missing -n NAMESPACE");
	return 0;
}

/* The cluster, when the command wants it and one is configured. */
static int
open_cluster(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct cmd_entry *c = ctx->entry;
	struct kube_lease_kind kind = { ctx->st.lease_group, ctx->st.lease_version,
					ctx->st.lease_plural, ctx->st.lease_name };
	int rc;

	if (!(c->flags & (CMD_NEEDS_CLUSTER | CMD_READS_CLUSTER)) || ctx->st.no_cluster)
		return 0;
	rc = kube_open(ctx->st.kubeconfig, ctx->st.context, &kind, ctx->http, &ctx->kube,
		       (c->flags & CMD_NEEDS_CLUSTER) ? err : &ctx->kube_err);
	if (rc < 0 && (c->flags & CMD_NEEDS_CLUSTER))
		return -1;
	if (rc == 0)
		log_debug("cluster: %s", kube_describe(ctx->kube));
	return 0;
}

/* Everything the command's flags ask for, opened in order. */
static int
setup(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct http_limits lim;
	struct store_params sp;

	if (opts_settings(ctx->opts, &ctx->st, err) < 0 || check_required(ctx, err) < 0)
		return -1;
	log_set_level(ctx->st.quiet ? -1 : ctx->st.verbose);
	{
		enum log_format lf = LOG_TEXT;

		log_format_parse(ctx->st.log_format, &lf);
		log_set_format(lf);
	}
	if (output_init(&ctx->out, ctx->st.output, stdout, stderr, err) < 0 ||
	    signals_init(err) < 0 || (ctx->loop = loop_new(err)) == NULL)
		return -1;
	/* HTTP/1.1 carries one request per connection: as many as may be in flight */
	lim.max_in_flight = ctx->st.max_in_flight;
	lim.max_host_connections = ctx->st.max_in_flight;
	lim.attempt_max = ctx->st.request_timeout;
	if ((ctx->http = http_engine_new(ctx->loop, &lim, err)) == NULL)
		return -1;
	ctx->deadline = time_now_mono() + ctx->st.timeout;
	if (ctx->entry->flags & CMD_NEEDS_STORE) {
		memset(&sp, 0, sizeof(sp));
		sp.loop = ctx->loop;
		sp.http = ctx->http;
		sp.default_timeout = ctx->st.timeout;
		sp.legacy_off = ctx->st.legacy_off;
		sp.legacy_url = ctx->st.legacy_url;
		if ((ctx->store = store_open(ctx->st.store, &sp, err)) == NULL) {
			opts_blame(ctx->opts, OPT_STORE, err);	/* "invalid store" */
			return -1;
		}
	}
	return open_cluster(ctx, err);
}

static void
teardown(struct cmd_ctx *ctx)
{
	output_free(&ctx->out);
	kube_close(ctx->kube);
	store_close(ctx->store);
	http_engine_free(ctx->http);
	loop_free(ctx->loop);
	ctx->kube = NULL;
	ctx->store = NULL;
	ctx->http = NULL;
	ctx->loop = NULL;
}

static int
setup_and_run(struct cmd_ctx *ctx, struct mcle_err *err)
{
	int rc = setup(ctx, err);

	if (rc == 0)
		rc = check_mode(ctx, err);
	if (rc == 0)
		rc = ctx->entry->exec(ctx, err);
	if (rc < 0 && err->code == MCLE_EPARTIAL && ctx->opts->count[OPT_PARTIAL_OK] > 0) {
		/* --partial-ok: the failures are in the output and on stderr; the pass is done */
		fprintf(stderr, "mcle: warning: %s\n", err->msg);
		mcle_err_clear(err);
		rc = 0;
	}
	teardown(ctx);
	return rc;
}

int
main(int argc, char **argv)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct opts o;
	struct cmd_ctx ctx;
	const struct cmd_entry *c = NULL;
	int status = 0;

	memset(&ctx, 0, sizeof(ctx));
	ctx.exit_status = -1;
	if (opts_parse(&o, argc, argv, &err) < 0) {
		if (o.command != NULL)
			c = cmd_find(o.command);	/* for the "try" hint */
		goto done;
	}
	if (o.command != NULL && (c = cmd_find(o.command)) == NULL) {
		cmd_unknown(o.command, &err);
		goto done;
	}
	if (o.count[OPT_VERSION]) {
		printf("mcle %s\n", PACKAGE_VERSION);
		goto flush;
	}
	if (o.count[OPT_HELP]) {
		if (c != NULL)
			cmd_print_help(stdout, c);
		else
			cmd_print_main_help(stdout);
		goto flush;
	}
	if (c == NULL) {
		mcle_err_set(&err, MCLE_EUSAGE, "no command given");
		goto done;
	}
	ctx.entry = c;
	ctx.opts = &o;
	if (check_scope(&o, c, &err) < 0)
		goto done;
	if (c->flags & CMD_NO_SETUP) {
		/* help and completion: no settings, so a broken config file cannot stop them */
		c->exec(&ctx, &err);
		goto flush;
	}
	if (opts_resolve(&o, &err) < 0)
		goto done;
	setup_and_run(&ctx, &err);
flush:
	if (err.code == MCLE_OK)
		output_flush(stdout, &err);
	else
		fflush(stdout);
done:
	if (err.code != MCLE_OK)
		status = fail(&err, c);
	/* stopped by SIGTERM, SIGINT or SIGHUP: say so the shell's way */
	if (signals_pending() != 0)
		status = 128 + signals_pending();
	/* run: once its command started, the command's status */
	if (ctx.exit_status >= 0)
		status = ctx.exit_status;
	opts_free(&o);
	return status;
}
