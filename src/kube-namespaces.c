/* kube-namespaces.c - the cluster's namespaces, listed whole and sorted. */
#include "config.h"

#include <string.h>

#include "kube-namespaces.h"

struct gather {
	struct ns_list *out;
	int done, rc;
	struct mcle_err err;
};

static int
on_namespace(void *arg, const char *name, int terminating, struct mcle_err *err)
{
	struct gather *g = arg;

	(void)terminating;	/* still there: listed like any other */
	return ns_list_add(g->out, name, strlen(name), "the cluster's listing", err);
}

static void
on_reset(void *arg)
{
	((struct gather *)arg)->out->v.n = 0;
}

static void
on_done(void *arg, int rc, const struct mcle_err *err)
{
	struct gather *g = arg;

	g->done = 1;
	g->rc = rc;
	if (rc < 0)
		g->err = *err;
}

static int
gathered(void *arg)
{
	return ((struct gather *)arg)->done;
}

int
kube_namespaces(struct kube_client *k, struct loop *lp, const char *selector,
		int64_t deadline, struct ns_list *out, struct mcle_err *err)
{
	struct gather g;
	struct kube_list_cb cb = { on_namespace, NULL, on_reset, on_done, &g };

	memset(&g, 0, sizeof(g));
	g.out = out;
	if (kube_list_namespaces_start(k, selector, deadline, &cb, err) < 0)
		return -1;
	if (loop_wait(lp, gathered, &g) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a listing stalled");
	if (g.rc < 0)
		return mcle_err_set(err, g.err.code, "%s", g.err.msg);
	ns_list_sort(out);
	return 0;
}
