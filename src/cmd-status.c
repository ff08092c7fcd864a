/* cmd-status.c - mcle status: show one lease or all of them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "election.h"
#include "lease.h"
#include "output.h"

static int
status_all(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct store_entry *entries = NULL;
	struct lease_result *res = NULL;
	struct lease_view *v = NULL;
	size_t n = 0, i;
	int rc = -1;

	if (lease_list(ctx->store, &entries, &n, err) < 0)
		return -1;
	if ((res = calloc(n + 1, sizeof(*res))) == NULL ||
	    (v = calloc(n + 1, sizeof(*v))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		res[i].found = entries[i].err.code == MCLE_OK;
		res[i].entry = entries[i];
		v[i].ns = entries[i].name;
		v[i].res = &res[i];
		v[i].identity = ctx->st.identity;
		v[i].skew = ctx->st.skew;
		v[i].err = &entries[i].err;
	}
	rc = output_leases(ctx->out, ctx->st.json, OUT_ARRAY, v, n, err);
	for (i = 0; i < n && rc == 0; i++)
		if (entries[i].err.code != MCLE_OK)
			rc = mcle_err_set(err, entries[i].err.code, "%s", entries[i].err.msg);
out:
	free(v);
	free(res);
	free(entries);
	return rc;
}

static int
status_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	struct lease_result res;
	struct mcle_err cerr = MCLE_ERR_INIT;
	struct cmd_cluster cc;
	json_object *rs = NULL;
	int all = o->count[OPT_ALL] > 0, check = o->count[OPT_CHECK] > 0, rc, crc;

	if (all && ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "use either -n NAMESPACE or --all, not both");
	if (!all && ctx->st.namespace == NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "missing -n NAMESPACE or --all");
	if (check && (all || ctx->st.identity == NULL))
		return mcle_err_set(err, MCLE_EUSAGE, "--check needs -n NAMESPACE and --identity");
	if (all)
		return status_all(ctx, err);
	if (lease_read(ctx->store, ctx->st.namespace, &res, err) < 0)
		return -1;
	/* with a cluster, show the Lease resource's status too (read only) */
	crc = cmd_cluster_begin(ctx, ctx->st.namespace, 0, &cc, &cerr);
	rs = crc == 0 && cc.have ? kube_lease_status(&cc.l) : NULL;
	rc = cmd_print_lease_resource(ctx, ctx->st.namespace, &res, rs, err);
	cmd_cluster_end(&cc);
	if (rc < 0)
		return -1;
	if (crc < 0)
		return mcle_err_set(err, cerr.code, "%s", cerr.msg);
	if (check && !(res.found && elect_is_leader(&res.entry, ctx->st.identity)))
		return mcle_err_set(err, MCLE_EBUSY, "lease '%s' is not held by '%s'",
				    ctx->st.namespace, ctx->st.identity);
	return 0;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.usage = "(-n NAMESPACE [--check] | --all) [options]",
	.summary = "show who holds a lease, or every lease in the store",
	.help = "Show the lease of NAMESPACE, or with --all every lease in the store,\n"
		"judged by the store's clock.  isLeader/LEADER says whether --identity\n"
		"holds it.  With --check, exit 1 unless --identity holds the lease.\n"
		"With a cluster configured, -o json adds the namespace's Lease\n"
		"resource status as \"resourceStatus\" (status never writes).",
	.flags = CMD_NEEDS_STORE,
	.options = { OPT_ALL, OPT_CHECK, OPT__COUNT },
	.exec = status_exec,
};
