/* cmd.c - the command table and the help it generates. */
#include "config.h"

#include <string.h>

#include "cmd.h"
#include "cluster.h"
#include "election.h"
#include "kube.h"
#include "log.h"
#include "output.h"

/* Alphabetical. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_acquire_entry,
	&cmd_reconcile_all_entry,
	&cmd_release_entry,
	&cmd_renew_entry,
	&cmd_status_entry,
};

#define NCMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

int
cmd_accepts(const struct cmd_entry *c, enum opt_id id)
{
	size_t i;

	if (opt_table[id].global)
		return 1;
	for (i = 0; i < CMD_OPTIONS_MAX && c->options[i] != OPT__COUNT; i++)
		if (c->options[i] == id)
			return 1;
	return 0;
}

void
cmd_print_usage(FILE *f, const struct cmd_entry *c)
{
	fprintf(f, "usage: mcle %s %s\n", c->name, c->usage);
}

static void
print_globals(FILE *f)
{
	size_t i;

	fputs("\nGlobal options (before or after the command):\n", f);
	for (i = 0; i < OPT__COUNT; i++)
		if (opt_table[i].global)
			opts_print_help(f, opt_table[i].id);
}

void
cmd_print_help(FILE *f, const struct cmd_entry *c)
{
	size_t i;

	cmd_print_usage(f, c);
	fprintf(f, "\n%s\n", c->help);
	if (c->options[0] != OPT__COUNT) {
		fputs("\nOptions:\n", f);
		for (i = 0; i < CMD_OPTIONS_MAX && c->options[i] != OPT__COUNT; i++)
			opts_print_help(f, c->options[i]);
	}
	print_globals(f);
	fprintf(f, "\nSee mcle-%s(1).\n", c->name);
}

void
cmd_print_main_help(FILE *f)
{
	size_t i;

	fputs("usage: mcle [options] COMMAND [options]\n\n"
	      "Elect one leader per Kubernetes namespace across clusters, using lock\n"
	      "objects in Google Cloud Storage (or a local directory).\n\n"
	      "Commands:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-15s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	print_globals(f);
	fputs("\nExit status: 0 ok, 1 held by another identity, 2 usage error,\n"
	      "3 lease lost, 4 temporarily unavailable, 5 configuration, credential,\n"
	      "permission or data error, 6 reconcile-all: some namespaces failed.\n"
	      "\nSee mcle(1) and 'mcle COMMAND --help'.\n", f);
}

void
cmd_elect_params(const struct cmd_ctx *ctx, struct elect_params *p)
{
	p->identity = ctx->st.identity;
	p->duration = ctx->st.lease_duration;
	p->skew = ctx->st.skew;
}

int
cmd_print_lease(struct cmd_ctx *ctx, const char *ns,
		const struct lease_result *res, struct mcle_err *err)
{
	return cmd_print_lease_resource(ctx, ns, res, NULL, err);
}

int
cmd_print_lease_resource(struct cmd_ctx *ctx, const char *ns,
			 const struct lease_result *res, json_object *rs,
			 struct mcle_err *err)
{
	struct lease_view v;

	memset(&v, 0, sizeof(v));
	v.resource_status = rs;
	v.ns = ns;
	v.res = res;
	v.identity = ctx->st.identity;
	v.skew = ctx->st.skew;
	return output_leases(ctx->out, ctx->st.json, 0, &v, 1, err);
}

int
cmd_cluster_begin(struct cmd_ctx *ctx, const char *ns, int create,
		  struct cmd_cluster *cc, struct mcle_err *err)
{
	struct kube_lease_kind kind = { ctx->st.lease_group, ctx->st.lease_version,
					ctx->st.lease_plural, ctx->st.lease_name };
	struct mcle_err gerr = MCLE_ERR_INIT;
	int rc;

	memset(cc, 0, sizeof(*cc));
	if (ctx->st.no_cluster)
		return 0;
	rc = kube_open(ctx->st.kubeconfig, ctx->st.context, &kind,
		       ctx->store->params.deadline, &cc->k, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (kube_get_lease(cc->k, ns, &cc->l, &gerr) == 0) {
		cc->have = 1;
		return 0;
	}
	if (gerr.code != MCLE_ENOTFOUND)
		return mcle_err_set(err, gerr.code, "%s", gerr.msg);
	if (!create) {
		log_debug("no Lease resource in namespace '%s'", ns);
		return 0;
	}
	/* before the store: never hold a lease whose status we cannot write */
	if (kube_create_lease(cc->k, ns, ctx->st.identity, ctx->st.lease_duration,
			      &cc->l, err) < 0)
		return -1;
	cc->have = 1;
	return 0;
}

void
cmd_cluster_duration(const struct cmd_ctx *ctx, const struct cmd_cluster *cc,
		     struct elect_params *p)
{
	int32_t d;

	/* an explicit --lease-duration (flag, environment, config) wins */
	if (cc->have && ctx->opts->src[OPT_LEASE_DURATION] == SRC_DEFAULT &&
	    kube_lease_duration(&cc->l, &d) == 0)
		p->duration = d;
}

int
cmd_cluster_write(struct cmd_ctx *ctx, struct cmd_cluster *cc,
		  const struct lease_result *res, struct mcle_err *err)
{
	int written = 0;

	if (cc->k == NULL || !cc->have)
		return 0;
	if (cluster_sync_status(cc->k, &cc->l, res, ctx->st.identity, &written, err) < 0)
		return -1;
	log_debug("Lease resource in '%s': %s", cc->l.ns, written ? "status written" : "unchanged");
	return 0;
}

void
cmd_cluster_end(struct cmd_cluster *cc)
{
	json_object_put(cc->l.obj);
	kube_close(cc->k);
	memset(cc, 0, sizeof(*cc));
}

int
cmd_lease_op(struct cmd_ctx *ctx, cmd_lease_fn fn, int create, struct mcle_err *err)
{
	const char *ns = ctx->st.namespace;
	struct lease_result res;
	struct elect_params p;
	struct cmd_cluster cc;
	struct mcle_err cerr = MCLE_ERR_INIT;
	int rc = -1;

	cmd_elect_params(ctx, &p);
	if (cmd_cluster_begin(ctx, ns, create, &cc, err) < 0)
		goto out;
	cmd_cluster_duration(ctx, &cc, &p);
	rc = fn(ctx->store, ns, &p, &res, err);
	/* busy or lost, the state is known: the resource must say so too */
	if (rc < 0 && !((err->code == MCLE_EBUSY || err->code == MCLE_ELOST) && res.found))
		goto out;
	if (cmd_cluster_write(ctx, &cc, &res, &cerr) < 0 && rc == 0)
		rc = mcle_err_set(err, cerr.code, "%s", cerr.msg);
	mcle_err_clear(&cerr);
	if ((rc == 0 || err->code == MCLE_EBUSY) &&
	    cmd_print_lease(ctx, ns, &res, &cerr) < 0 && rc == 0)
		rc = mcle_err_set(err, cerr.code, "%s", cerr.msg);
out:
	cmd_cluster_end(&cc);
	return rc;
}
