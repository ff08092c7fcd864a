/*
 * cmd-reconcile-all.c - mcle reconcile-all: one pass over every namespace.
 *
 * The store is observed with one listing; a namespace is written only when
 * we hold it (renew) or it is free or expired (acquire).  Without a cluster
 * the namespaces come from --namespaces / --namespaces-file / -n, and the
 * Lease status that would be written is printed.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "cmd.h"
#include "kube.h"
#include "lease.h"
#include "log.h"
#include "output.h"
#include "parse.h"

#define NS_MAX 100000
#define NS_FILE_MAX (4 * 1024 * 1024)

struct ns_list {
	char **v;
	size_t n, cap;
};

static int
ns_add(struct ns_list *l, const char *name, size_t len, const char *where,
       struct mcle_err *err)
{
	char **tmp;
	char buf[MCLE_NAMESPACE_MAX + 1];

	if (len > MCLE_NAMESPACE_MAX)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: invalid namespace '%.*s...': longer than 63",
				    where, 16, name);
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (!valid_namespace(buf))
		return mcle_err_set(err, MCLE_EUSAGE,
				    "%s: invalid namespace '%s': not a DNS-1123 label", where, buf);
	if (l->n >= NS_MAX)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: over %d namespaces", where, NS_MAX);
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		if ((tmp = realloc(l->v, l->cap * sizeof(*tmp))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		l->v = tmp;
	}
	if ((l->v[l->n] = strdup(buf)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	l->n++;
	return 0;
}

static void
ns_free(struct ns_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* "a,b,c" */
static int
ns_from_csv(struct ns_list *l, const char *csv, const char *where,
	    struct mcle_err *err)
{
	const char *p = csv, *comma;

	while (*p != '\0') {
		comma = strchr(p, ',');
		if (ns_add(l, p, comma ? (size_t)(comma - p) : strlen(p), where, err) < 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0')
			return mcle_err_set(err, MCLE_EUSAGE, "%s: empty namespace after ','", where);
	}
	return 0;
}

static int
ns_from_line(struct ns_list *l, char *line, const char *path, size_t lineno,
	     struct mcle_err *err)
{
	char where[512], *end;

	if ((end = strchr(line, '#')) != NULL)
		*end = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	end = line + strlen(line);
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	if (*line == '\0')
		return 0;
	snprintf(where, sizeof(where), "%s:%zu", path, lineno);
	return ns_add(l, line, strlen(line), where, err);
}

static int
ns_from_file(struct ns_list *l, const char *path, struct mcle_err *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lineno = 0, total = 0;
	ssize_t len;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL)
		return mcle_err_errno(err, MCLE_EUSAGE, errno,
				      "cannot open namespaces file '%s'", path);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		total += (size_t)len;
		if (total > NS_FILE_MAX || len > 1024) {
			rc = mcle_err_set(err, MCLE_EUSAGE, "%s:%zu: line or file too long",
					  path, lineno);
			break;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		rc = ns_from_line(l, line, path, lineno, err);
	}
	if (rc == 0 && ferror(f))
		rc = mcle_err_errno(err, MCLE_EUSAGE, errno, "cannot read namespaces file '%s'", path);
	free(line);
	fclose(f);
	return rc;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted and without duplicates. */
static void
ns_sort_unique(struct ns_list *l)
{
	size_t i, j = 0;

	if (l->n == 0)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (i = 1; i < l->n; i++) {
		if (strcmp(l->v[i], l->v[j]) == 0)
			free(l->v[i]);
		else
			l->v[++j] = l->v[i];
	}
	l->n = j + 1;
}

static int
gather(struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char origin[300];

	if (ctx->st.namespace != NULL &&
	    ns_add(l, ctx->st.namespace, strlen(ctx->st.namespace), "-n", err) < 0)
		return -1;
	if (o->val[OPT_NAMESPACES] != NULL) {
		opts_origin(o, OPT_NAMESPACES, origin, sizeof(origin));
		if (ns_from_csv(l, o->val[OPT_NAMESPACES], origin, err) < 0)
			return -1;
	}
	if (o->val[OPT_NAMESPACES_FILE] != NULL &&
	    ns_from_file(l, o->val[OPT_NAMESPACES_FILE], err) < 0) {
		opts_blame(o, OPT_NAMESPACES_FILE, err);
		return -1;
	}
	if (l->n == 0 && o->val[OPT_NAMESPACES] == NULL && o->val[OPT_NAMESPACES_FILE] == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no namespaces: give --namespaces, --namespaces-file or -n");
	ns_sort_unique(l);
	return 0;
}

/* One pass: what every worker reads, and one slot per namespace. */
struct pass {
	struct cmd_ctx *ctx;
	const struct ns_list *l;
	const struct store_entry *listed;	/* the store's listing, sorted */
	size_t nlisted;
	struct kube_lease *crs;		/* the listed Lease resources, sorted */
	size_t ncrs;
	struct lease_result *res;
	struct lease_view *view;
	struct mcle_err *errs;
	unsigned char *created, *written;
	pthread_mutex_t lock;		/* guards next */
	size_t next;			/* the next namespace to take */
};

/* A worker's own handles: a store and a cluster client (NULL: no cluster). */
struct worker {
	struct pass *p;
	struct store *store;
	struct kube_client *kube;
	pthread_t thread;
	int started;
};

static const struct kube_lease *
find_cr(const struct pass *p, const char *ns)
{
	size_t lo = 0, hi = p->ncrs, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(ns, p->crs[mid].ns);
		if (c == 0)
			return &p->crs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/*
 * The cluster side before contending: the Lease resource must exist (we
 * never lead a namespace whose status we cannot write), and its
 * spec.leaseDurationSeconds is the namespace's lease duration.
 */
static int
prepare_cr(struct worker *w, size_t i, struct kube_lease *cr, int32_t *duration,
	   struct mcle_err *e)
{
	struct pass *p = w->p;
	const char *ns = p->l->v[i];
	int created;

	if (cluster_ensure(w->kube, ns, find_cr(p, ns), p->ctx->st.identity,
			   p->ctx->st.lease_duration, cr, &created, e) < 0)
		return -1;
	p->created[i] = (unsigned char)created;
	if (kube_lease_duration(cr, duration) < 0)
		*duration = p->ctx->st.lease_duration;
	return 0;
}

static const char *
action_word(enum elect_action a)
{
	switch (a) {
	case ELECT_CREATE:
	case ELECT_TAKEOVER:
		return "acquired";
	case ELECT_RENEW:
		return "renewed";
	default:
		return "standby";
	}
}

/* Contend for namespace i from its listed state; results into its slot. */
static void
reconcile_one(struct worker *w, size_t i)
{
	struct pass *p = w->p;
	struct cmd_ctx *ctx = p->ctx;
	const char *ns = p->l->v[i];
	const struct store_entry *listed = lease_find(p->listed, p->nlisted, ns);
	struct elect_params ep;
	struct lease_result *r = &p->res[i];
	struct mcle_err *e = &p->errs[i];
	struct kube_lease cr = { "", NULL };
	int32_t duration = ctx->st.lease_duration;
	int written = 0, ok = 0;

	cmd_elect_params(ctx, &ep);
	p->view[i].ns = ns;
	p->view[i].identity = ctx->st.identity;
	p->view[i].skew = ctx->st.skew;
	p->view[i].res = r;
	if (w->kube != NULL && prepare_cr(w, i, &cr, &duration, e) < 0) {
		/* no resource, no leadership: say why and leave the store alone */
	} else if (listed != NULL && listed->err.code != MCLE_OK) {
		*e = listed->err;	/* never overwrite what we cannot read */
	} else if ((ep.duration = duration,
		    lease_acquire(w->store, ns, &ep, listed, listed == NULL, r, e)) == 0) {
		p->view[i].action = action_word(r->action);
		ok = 1;
	} else if (e->code == MCLE_EBUSY) {
		mcle_err_clear(e);
		p->view[i].action = "standby";
		ok = 1;
	}
	if (ok && w->kube != NULL &&
	    cluster_sync_status(w->kube, &cr, r, ctx->st.identity, &written, e) < 0)
		ok = 0;
	json_object_put(cr.obj);
	p->written[i] = (unsigned char)written;
	if (!ok) {
		p->view[i].action = "error";
		p->view[i].err = e;
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct pass *p = w->p;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->l->n)
			break;
		reconcile_one(w, i);
	}
	return NULL;
}

static void
close_worker(struct worker *w, struct kube_client *kube)
{
	if (w->store != w->p->ctx->store)
		store_close(w->store);
	if (w->kube != kube)
		kube_close(w->kube);
}

/*
 * Run the pass on n workers.  One worker uses the run's own store and
 * cluster client in this thread; more get clones sharing the connection
 * pools and run in their own threads.
 */
static int
run_workers(struct pass *p, struct kube_client *kube, size_t n,
	    struct mcle_err *err)
{
	struct worker *w;
	size_t k;
	int rc = 0;

	if ((w = calloc(n, sizeof(*w))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	/* every clone first: a running worker may re-authenticate the original */
	for (k = 0; k < n; k++) {
		w[k].p = p;
		w[k].store = p->ctx->store;
		w[k].kube = kube;
		if (n > 1 && ((w[k].store = store_clone(p->ctx->store, err)) == NULL ||
			      (kube != NULL && (w[k].kube = kube_clone(kube, err)) == NULL))) {
			rc = -1;
			break;
		}
	}
	for (k = 0; rc == 0 && n > 1 && k < n; k++) {
		if (pthread_create(&w[k].thread, NULL, worker_main, &w[k]) != 0) {
			rc = mcle_err_set(err, MCLE_ENOMEM, "cannot start worker thread");
			break;
		}
		w[k].started = 1;
	}
	if (n == 1)
		worker_main(&w[0]);
	/* on a failed start the others still finish what they took */
	if (rc < 0) {
		pthread_mutex_lock(&p->lock);
		p->next = p->l->n;
		pthread_mutex_unlock(&p->lock);
	}
	for (k = 0; k < n; k++) {
		if (w[k].started)
			pthread_join(w[k].thread, NULL);
		if (w[k].p != NULL)
			close_worker(&w[k], kube);
	}
	free(w);
	return rc;
}

static int
report(struct pass *p, int with_cluster, struct mcle_err *err)
{
	struct cmd_ctx *ctx = p->ctx;
	size_t i, leader = 0, standby = 0, failed = 0, created = 0, written = 0;

	for (i = 0; i < p->l->n; i++) {
		if (p->view[i].err != NULL) {
			failed++;
			fprintf(stderr, "mcle: namespace '%s': %s\n", p->l->v[i], p->errs[i].msg);
		} else if (strcmp(p->view[i].action, "standby") == 0) {
			standby++;
		} else {
			leader++;
		}
		created += p->created[i];
		written += p->written[i];
	}
	if (output_leases(ctx->out, ctx->st.json, OUT_ARRAY | OUT_STATUS | OUT_ACTION,
			  p->view, p->l->n, err) < 0)
		return -1;
	if (!ctx->st.json && with_cluster)
		fprintf(ctx->out, "\n%zu namespaces: %zu leader, %zu standby, %zu failed; "
			"%zu Lease resources created, %zu statuses written\n",
			p->l->n, leader, standby, failed, created, written);
	else if (!ctx->st.json)
		fprintf(ctx->out, "\n%zu namespaces: %zu leader, %zu standby, %zu failed\n",
			p->l->n, leader, standby, failed);
	log_debug("pass: %zu namespaces, %zu leader, %zu standby, %zu failed, "
		  "%zu created, %zu written", p->l->n, leader, standby, failed,
		  created, written);
	if (failed > 0)
		return mcle_err_set(err, MCLE_EPARTIAL, "%zu of %zu namespaces failed",
				    failed, p->l->n);
	return 0;
}

static int
run_pass(struct cmd_ctx *ctx, struct ns_list *l, struct kube_client *kube,
	 struct mcle_err *err)
{
	struct store_entry *listed = NULL;
	struct pass p;
	size_t n;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.l = l;
	pthread_mutex_init(&p.lock, NULL);
	if (kube != NULL && kube_list_leases(kube, &p.crs, &p.ncrs, err) < 0)
		goto out;
	if (lease_list(ctx->store, &listed, &p.nlisted, err) < 0)
		goto out;
	p.listed = listed;
	p.res = calloc(l->n + 1, sizeof(*p.res));
	p.view = calloc(l->n + 1, sizeof(*p.view));
	p.errs = calloc(l->n + 1, sizeof(*p.errs));
	p.created = calloc(l->n + 1, 1);
	p.written = calloc(l->n + 1, 1);
	if (p.res == NULL || p.view == NULL || p.errs == NULL || p.created == NULL ||
	    p.written == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto out;
	}
	n = (size_t)ctx->st.parallel;
	if (n > l->n)
		n = l->n > 0 ? l->n : 1;
	if (ctx->store->ops->clone == NULL)
		n = 1;
	if (run_workers(&p, kube, n, err) < 0)
		goto out;
	rc = report(&p, kube != NULL, err);
out:
	free(p.written);
	free(p.created);
	free(p.errs);
	free(p.view);
	free(p.res);
	free(listed);
	kube_leases_free(p.crs, p.ncrs);
	pthread_mutex_destroy(&p.lock);
	return rc;
}

/* The namespaces of the cluster: selected, not excluded, not Terminating. */
static int
gather_cluster(struct cmd_ctx *ctx, struct kube_client *k, struct ns_list *l,
	       struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	struct kube_namespace *v = NULL;
	struct ns_list excl = { NULL, 0, 0 };
	char origin[300];
	size_t n = 0, i, j;
	int rc = -1, skip;

	if (o->src[OPT_NAMESPACES] != SRC_DEFAULT || o->src[OPT_NAMESPACES_FILE] != SRC_DEFAULT ||
	    ctx->st.namespace != NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "with a cluster the namespaces come from it: use --selector or --exclude, or --no-cluster");
	opts_origin(o, OPT_EXCLUDE, origin, sizeof(origin));
	if (*o->val[OPT_EXCLUDE] != '\0' && ns_from_csv(&excl, o->val[OPT_EXCLUDE], origin, err) < 0)
		goto out;
	if (kube_list_namespaces(k, o->val[OPT_SELECTOR], &v, &n, err) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		skip = v[i].terminating;
		for (j = 0; j < excl.n && !skip; j++)
			skip = strcmp(excl.v[j], v[i].name) == 0;
		if (skip)
			log_debug("namespace '%s': %s", v[i].name,
				  v[i].terminating ? "terminating, skipped" : "excluded");
		else if (ns_add(l, v[i].name, strlen(v[i].name), "namespace list", err) < 0)
			goto out;
	}
	ns_sort_unique(l);
	rc = 0;
out:
	free(v);
	ns_free(&excl);
	return rc;
}

static int
reconcile_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct ns_list l = { NULL, 0, 0 };
	struct kube_client *kube = NULL;
	struct kube_lease_kind kind = { ctx->st.lease_group, ctx->st.lease_version,
					ctx->st.lease_plural, ctx->st.lease_name };
	int rc = 0;

	if (!ctx->st.no_cluster)
		rc = kube_open(ctx->st.kubeconfig, ctx->st.context, &kind,
			       ctx->store->params.deadline, &kube, err);
	if (rc < 0)
		return -1;
	if (kube != NULL) {
		log_debug("cluster: %s", kube_describe(kube));
		rc = gather_cluster(ctx, kube, &l, err);
	} else {
		rc = gather(ctx, &l, err);
	}
	if (rc == 0)
		rc = run_pass(ctx, &l, kube, err);
	ns_free(&l);
	kube_close(kube);
	return rc;
}

const struct cmd_entry cmd_reconcile_all_entry = {
	.name = "reconcile-all",
	.usage = "[--selector SELECTOR] [--exclude NS,...] [--parallel N] [--namespaces NS,... | --namespaces-file FILE] [options]",
	.summary = "one pass: contend for every namespace and write its Lease status",
	.help = "Observe the store with one listing, then for every namespace renew the\n"
		"lease if --identity holds it, take it if it is free or expired, and\n"
		"otherwise stand by without writing.  With a cluster (--kubeconfig,\n"
		"KUBECONFIG, ~/.kube/config or in-cluster) the namespaces come from it\n"
		"and each namespace's Lease resource is created if missing and its\n"
		"status written when it changes.  Without one (or with --no-cluster)\n"
		"the namespaces come from --namespaces / --namespaces-file and the\n"
		"status is only printed.  --parallel workers share one connection pool\n"
		"per server.  Exits 6 when the pass finished but some namespaces failed.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY,
	.options = { OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT_SELECTOR, OPT_EXCLUDE,
		     OPT_PARALLEL, OPT__COUNT },
	.exec = reconcile_exec,
};
