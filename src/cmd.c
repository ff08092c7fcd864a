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
cmd_cluster_sync(struct cmd_ctx *ctx, const char *ns,
		 const struct lease_result *res, int create, int write,
		 json_object **status_out, struct mcle_err *err)
{
	struct kube_lease_kind kind = { ctx->st.lease_group, ctx->st.lease_version,
					ctx->st.lease_plural, ctx->st.lease_name };
	struct kube_client *k = NULL;
	struct kube_lease l;
	struct mcle_err gerr = MCLE_ERR_INIT;
	int rc, written = 0;

	if (status_out != NULL)
		*status_out = NULL;
	if (ctx->st.no_cluster)
		return 0;
	rc = kube_open(ctx->st.kubeconfig, ctx->st.context, &kind,
		       ctx->store->params.deadline, &k, err);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	memset(&l, 0, sizeof(l));
	rc = -1;
	if (kube_get_lease(k, ns, &l, &gerr) < 0) {
		if (gerr.code != MCLE_ENOTFOUND) {
			mcle_err_set(err, gerr.code, "%s", gerr.msg);
			goto out;
		}
		if (!create) {
			log_debug("no Lease resource in namespace '%s'", ns);
			rc = 0;
			goto out;
		}
		if (kube_create_lease(k, ns, ctx->st.identity, ctx->st.lease_duration,
				      &l, err) < 0)
			goto out;
	}
	if (write && cluster_sync_status(k, &l, res, ctx->st.identity, &written, err) < 0)
		goto out;
	log_debug("Lease resource in '%s': %s", ns, written ? "status written" : "unchanged");
	if (status_out != NULL && kube_lease_status(&l) != NULL)
		*status_out = json_object_get(kube_lease_status(&l));
	rc = 0;
out:
	json_object_put(l.obj);
	kube_close(k);
	return rc;
}
