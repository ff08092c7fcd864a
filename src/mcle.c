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
	fprintf(stderr, "mcle: %s\n", err->msg);
	if (err->code == MCLE_EUSAGE) {
		if (c != NULL)
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

	if (o->nargs > 0)
		return mcle_err_set(err, MCLE_EUSAGE, "unexpected argument '%s'", o->args[0]);
	for (i = 0; i < OPT__COUNT; i++)
		if (o->src[i] == SRC_FLAG && !cmd_accepts(c, (enum opt_id)i))
			return mcle_err_set(err, MCLE_EUSAGE,
					    "option '--%s' is not valid for '%s'",
					    opt_table[i].name, c->name);
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
	log_set_level(ctx->st.verbose);
	if (output_init(&ctx->out, ctx->st.output, stdout, stderr, err) < 0 ||
	    signals_init(err) < 0 || (ctx->loop = loop_new(err)) == NULL)
		return -1;
	/* HTTP/1.1 carries one request per connection: as many as may be in flight */
	lim.max_in_flight = ctx->st.max_in_flight;
	lim.max_host_connections = ctx->st.max_in_flight;
	if ((ctx->http = http_engine_new(ctx->loop, &lim, err)) == NULL)
		return -1;
	ctx->deadline = time_now_mono() + ctx->st.timeout;
	if (ctx->entry->flags & CMD_NEEDS_STORE) {
		memset(&sp, 0, sizeof(sp));
		sp.loop = ctx->loop;
		sp.http = ctx->http;
		sp.default_timeout = ctx->st.timeout;
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
		rc = ctx->entry->exec(ctx, err);
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
	if (opts_parse(&o, argc, argv, &err) < 0) {
		if (o.command != NULL)
			c = cmd_find(o.command);	/* for the "try" hint */
		goto done;
	}
	if (o.command != NULL && (c = cmd_find(o.command)) == NULL) {
		mcle_err_set(&err, MCLE_EUSAGE, "unknown command '%s'", o.command);
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
	if (check_scope(&o, c, &err) < 0 || opts_resolve(&o, &err) < 0)
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
	opts_free(&o);
	return status;
}
