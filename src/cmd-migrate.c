/*
 * cmd-migrate.c - mcle migrate --check: what stands in the way of replacing
 * the Go controller, each finding with its fix (engine-migrate.c).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "engine-migrate.h"
#include "parse.h"

/* The time between passes: --interval (a loop) or --cadence (a CronJob), not both. */
static int
cadence(struct cmd_ctx *ctx, char *what, size_t len, int64_t *out, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char d[MCLE_DURATION_MAX], origin[300];

	*out = ctx->st.interval > 0 ? ctx->st.interval : ctx->st.cadence;
	if (ctx->st.interval > 0 && ctx->st.cadence > 0) {
		opts_origin(o, OPT_INTERVAL, origin, sizeof(origin));
		return mcle_err_set(err, MCLE_EUSAGE, "give --cadence or --interval, not both "
				    "(--interval from %s)", origin);
	}
	duration_format(*out / 1000000, d);
	snprintf(what, len, "%s %s", ctx->st.interval > 0 ? "--interval" : "--cadence", d);
	return 0;
}

static int
migrate_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct migrate_params mp;
	struct ns_list names, exclude;
	char what[64];
	size_t problems = 0;
	int rc;

	if (ctx->opts->count[OPT_CHECK] == 0)
		return mcle_err_set(err, MCLE_EUSAGE, "missing --check (migrate only checks, "
				    "for now)");
	ns_list_init(&names);
	ns_list_init(&exclude);
	memset(&mp, 0, sizeof(mp));
	mp.store = ctx->store;
	mp.kube = ctx->kube;
	mp.loop = ctx->loop;
	mp.identity = ctx->st.identity;
	mp.legacy_at = ctx->st.legacy_url;
	mp.duration = ctx->st.lease_duration;
	mp.duration_explicit = ctx->opts->src[OPT_LEASE_DURATION] != SRC_DEFAULT;
	mp.cadence_what = what;
	mp.timeout = ctx->st.timeout;
	mp.skew = ctx->st.skew;
	mp.preset = ctx->opts->val[OPT_EXCLUDE_PRESET];
	mp.selector = ctx->opts->val[OPT_SELECTOR];
	mp.exclude = &exclude;
	mp.names = &names;
	mp.deadline = ctx->deadline;
	mp.out = &ctx->out;
	rc = cadence(ctx, what, sizeof(what), &mp.cadence, err);
	if (rc == 0)
		rc = ctx->kube != NULL ? cmd_excluded(ctx, &exclude, err) :
					 cmd_given_namespaces(ctx, &names, err);
	ns_list_sort(&names);
	if (rc == 0)
		rc = engine_migrate(&mp, &problems, err);
	ns_list_free(&names);
	ns_list_free(&exclude);
	/* the report is out: then its status, 1 when there is something to fix */
	if (rc == 0 && problems > 0 && (rc = output_flush(stdout, err)) == 0)
		ctx->exit_status = 1;
	return rc;
}

const struct cmd_entry cmd_migrate_entry = {
	.name = "migrate",
	.usage = "--check [--interval DURATION | --cadence DURATION] [--selector SELECTOR] [--exclude NS,...] [--exclude-preset PRESET] [--namespaces NS,... | --namespaces-file FILE] [options]",
	.summary = "check what stands in the way of replacing the Go controller",
	.help = "Check, reading only, what stands in the way of replacing the Go\n"
		"controller (leaderelection.600lyy.io): its lock objects (live,\n"
		"expired, unreadable, taken over), leases too short for the time\n"
		"between passes (--interval or --cadence: max(x 1.1, --timeout) + --timeout),\n"
		"an installed CRD that lacks mcle's fields, identities that look like\n"
		"API server URLs or are written from two clusters, and namespaces the\n"
		"Go controller left alone that mcle would contend for.  One line per\n"
		"finding with the command that fixes it.  Exits 0 when there is\n"
		"nothing to fix, 1 when there is.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_CLUSTER,
	.options = { OPT_CHECK, OPT_INTERVAL, OPT_CADENCE, OPT_SELECTOR, OPT_EXCLUDE,
		     OPT_EXCLUDE_PRESET, OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT__COUNT },
	.exec = migrate_exec,
};
