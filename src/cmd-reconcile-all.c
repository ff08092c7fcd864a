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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
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
	    ns_from_file(l, o->val[OPT_NAMESPACES_FILE], err) < 0)
		return -1;
	if (l->n == 0 && o->val[OPT_NAMESPACES] == NULL && o->val[OPT_NAMESPACES_FILE] == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no namespaces: give --namespaces, --namespaces-file or -n");
	ns_sort_unique(l);
	return 0;
}

struct pass {
	struct lease_result *res;
	struct lease_view *view;
	struct mcle_err *errs;
	size_t leader, standby, failed;
};

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

/* Contend for one namespace from its listed state. */
static void
reconcile_one(struct cmd_ctx *ctx, const char *ns, const struct store_entry *listed,
	      size_t i, struct pass *p)
{
	struct elect_params ep;
	struct lease_result *r = &p->res[i];
	struct mcle_err *e = &p->errs[i];

	cmd_elect_params(ctx, &ep);
	p->view[i].ns = ns;
	p->view[i].identity = ctx->st.identity;
	p->view[i].skew = ctx->st.skew;
	p->view[i].res = r;
	if (listed != NULL && listed->err.code != MCLE_OK) {
		*e = listed->err;	/* never overwrite what we cannot read */
	} else if (lease_acquire(ctx->store, ns, &ep, listed, listed == NULL, r, e) == 0) {
		p->view[i].action = action_word(r->action);
		p->leader++;
		return;
	} else if (e->code == MCLE_EBUSY) {
		mcle_err_clear(e);
		p->view[i].action = "standby";
		p->standby++;
		return;
	}
	p->view[i].action = "error";
	p->view[i].err = e;
	p->failed++;
	fprintf(stderr, "mcle: namespace '%s': %s\n", ns, e->msg);
}

static int
run_pass(struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	struct store_entry *listed = NULL;
	struct pass p;
	size_t nlisted = 0, i;
	int rc = -1;

	memset(&p, 0, sizeof(p));
	if (lease_list(ctx->store, &listed, &nlisted, err) < 0)
		return -1;
	p.res = calloc(l->n + 1, sizeof(*p.res));
	p.view = calloc(l->n + 1, sizeof(*p.view));
	p.errs = calloc(l->n + 1, sizeof(*p.errs));
	if (p.res == NULL || p.view == NULL || p.errs == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < l->n; i++)
		reconcile_one(ctx, l->v[i], lease_find(listed, nlisted, l->v[i]), i, &p);
	if (output_leases(ctx->out, ctx->st.json, OUT_ARRAY | OUT_STATUS | OUT_ACTION,
			  p.view, l->n, err) < 0)
		goto out;
	if (!ctx->st.json)
		fprintf(ctx->out, "\n%zu namespaces: %zu leader, %zu standby, %zu failed\n",
			l->n, p.leader, p.standby, p.failed);
	log_debug("pass: %zu namespaces, %zu leader, %zu standby, %zu failed",
		  l->n, p.leader, p.standby, p.failed);
	rc = 0;
	if (p.failed > 0)
		rc = mcle_err_set(err, MCLE_EPARTIAL, "%zu of %zu namespaces failed",
				  p.failed, l->n);
out:
	free(p.errs);
	free(p.view);
	free(p.res);
	free(listed);
	return rc;
}

static int
reconcile_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	struct ns_list l = { NULL, 0, 0 };
	int rc;

	if (ctx->st.kubeconfig != NULL || ctx->st.context != NULL) {
		ns_free(&l);
		return mcle_err_set(err, MCLE_ECONFIG,
				    "writing Lease resources to a cluster is not supported by this build");
	}
	rc = gather(ctx, &l, err);
	if (rc == 0)
		rc = run_pass(ctx, &l, err);
	ns_free(&l);
	return rc;
}

const struct cmd_entry cmd_reconcile_all_entry = {
	.name = "reconcile-all",
	.usage = "(--namespaces NS,NS,... | --namespaces-file FILE) [options]",
	.summary = "one pass: contend for every namespace and report the Lease status",
	.help = "Observe the store with one listing, then for every namespace renew the\n"
		"lease if --identity holds it, take it if it is free or expired, and\n"
		"otherwise stand by without writing.  Prints the Lease status each\n"
		"namespace would get.  Exits 6 when the pass finished but some\n"
		"namespaces failed.",
	.flags = CMD_NEEDS_STORE | CMD_NEEDS_IDENTITY,
	.options = { OPT_NAMESPACES, OPT_NAMESPACES_FILE, OPT__COUNT },
	.exec = reconcile_exec,
};
