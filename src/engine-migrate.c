/*
 * engine-migrate.c - mcle migrate --check: the checks of engine-migrate.h,
 * each one reading (GET, LIST) and adding findings; printed at the end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "engine-locks.h"
#include "engine-migrate.h"
#include "json.h"
#include "kube-namespaces.h"
#include "kube-parse.h"
#include "kube.h"
#include "loop.h"
#include "parse.h"
#include "strtab.h"
#include "vec.h"

#define FINDINGS_MAX 1000
#define MSG_MAX 1200

struct finding {
	const char *check;
	int severity;
	char subject[MCLE_IDENTITY_MAX + 1];
	char message[MSG_MAX];
	char fix[MSG_MAX];
};

/* A lock's holder and the cluster it wrote from (interned). */
struct holder_row {
	const char *holder, *cluster;
	char ns[MCLE_NAMESPACE_MAX + 1];
};

struct legacy_row {
	char ns[MCLE_NAMESPACE_MAX + 1];
	int64_t mcle_epoch;
};

struct mig {
	const struct migrate_params *mp;
	struct vec findings;		/* struct finding */
	size_t shown[5], more[5];	/* per check: lines, and the rest counted */
	int more_sev[5];
	struct vec holders;		/* struct holder_row */
	struct vec legacy;		/* struct legacy_row */
	struct strtab *strings;
	struct mcle_err err;
};

static const char *const checks[] = { "legacy-lock", "lease-duration", "crd", "identity",
				      "scope" };
enum { C_LEGACY, C_DURATION, C_CRD, C_IDENTITY, C_SCOPE };

/* --- findings ------------------------------------------------------------------ */

static struct finding *
add(struct mig *m, int check, int severity, const char *subject)
{
	struct finding *f;

	if (m->shown[check] >= MIGRATE_LINES_MAX) {
		m->more[check]++;
		if (severity == OUT_PROBLEM || m->more_sev[check] == OUT_OK)
			m->more_sev[check] = severity;
		return NULL;
	}
	if ((f = vec_add(&m->findings)) == NULL) {
		mcle_err_set(&m->err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	memset(f, 0, sizeof(*f));
	m->shown[check]++;
	f->check = checks[check];
	f->severity = severity;
	snprintf(f->subject, sizeof(f->subject), "%s", subject);
	return f;
}

#define SAY(f, field, ...) \
	do { if ((f) != NULL) snprintf((f)->field, sizeof((f)->field), __VA_ARGS__); } while (0)

/* The lines over MIGRATE_LINES_MAX of each check, as one line. */
static void
add_more(struct mig *m)
{
	struct finding *f;
	size_t c;

	for (c = 0; c < sizeof(checks) / sizeof(checks[0]); c++) {
		if (m->more[c] == 0)
			continue;
		m->shown[c] = 0;
		f = add(m, (int)c, m->more_sev[c], "...");
		SAY(f, message, "%zu more finding%s of this check not shown", m->more[c],
		    m->more[c] == 1 ? "" : "s");
	}
}

/* --- the store: one listing, with the legacy objects ------------------------------ */

static int
on_entry(void *arg, const struct store_entry *e, const struct mcle_err *bad,
	 struct mcle_err *err)
{
	struct mig *m = arg;
	struct legacy_row *l;
	struct holder_row *h;

	if (e->legacy.listed) {
		if ((l = vec_add(&m->legacy)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory or too many locks");
		snprintf(l->ns, sizeof(l->ns), "%s", e->name);
		l->mcle_epoch = e->legacy.mcle_epoch;
		return 0;
	}
	if (bad != NULL || e->rec.holder[0] == '\0')
		return 0;	/* status --all shows these; nothing to say of identities */
	if ((h = vec_add(&m->holders)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory or too many locks");
	snprintf(h->ns, sizeof(h->ns), "%s", e->name);
	h->holder = strtab_intern(m->strings, e->rec.holder, strlen(e->rec.holder));
	h->cluster = strtab_intern(m->strings, e->rec.cluster, strlen(e->rec.cluster));
	if (h->holder == NULL || h->cluster == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
scan_store(struct mig *m, struct mcle_err *err)
{
	const struct migrate_params *mp = m->mp;
	struct store_op op;

	memset(&op, 0, sizeof(op));
	op.verb = STORE_LIST;
	op.deadline = mp->deadline;
	op.each = on_entry;
	op.each_arg = m;
	op.legacy = store_legacy(mp->store);
	if (store_run(mp->store, &op) < 0)
		return mcle_err_set(err, op.err.code, "%s", op.err.msg);
	return 0;
}

/* --- a. legacy locks ----------------------------------------------------------------- */

/* gs://BUCKET/NS-lease-gsc, from the store's URL. */
static void
legacy_url(const struct mig *m, const char *ns, char *buf, size_t len)
{
	const char *at = m->mp->legacy_at, *url = m->mp->store->url;
	const char *b = strncmp(url, "gs://", 5) == 0 ? url + 5 : url;
	size_t n = strcspn(b, "/");

	if (at != NULL) {	/* --legacy-locks gs://BUCKET[/PREFIX] */
		n = strlen(at);
		while (n > 5 && at[n - 1] == '/')
			n--;
		snprintf(buf, len, "%.*s/%s" STORE_LEGACY_SUFFIX, (int)n, at, ns);
		return;
	}
	snprintf(buf, len, "gs://%.*s/%s" STORE_LEGACY_SUFFIX, (int)n, b, ns);
}

static void
legacy_finding(struct mig *m, const char *ns, const struct store_legacy *l, mcle_time now)
{
	char when[MCLE_RFC3339_MAX], url[300];
	struct finding *f;

	time_format(elect_legacy_expire(l), when);
	legacy_url(m, ns, url, sizeof(url));
	if (m->mp->identity != NULL && l->read && !l->bad &&
	    strcmp(l->holder, m->mp->identity) == 0) {
		f = add(m, C_IDENTITY, OUT_PROBLEM, l->holder);
		SAY(f, message, "this identity is the Go controller's holder of %s: mcle and it "
		    "would be one holder", url);
		SAY(f, fix, "--identity NAME unique to this cluster");
	}
	switch (elect_legacy(l, now, m->mp->skew)) {
	case LEGACY_LIVE:
		f = add(m, C_LEGACY, OUT_PROBLEM, ns);
		SAY(f, message, "%s is live: held by '%s' (Go controller, leaderTransitions %lld) "
		    "until %s; mcle stays standby here", url, l->holder, (long long)l->transitions,
		    when);
		SAY(f, fix, "stop the Go controller in the cluster of '%s' (kubectl scale "
		    "deployment --replicas=0 in its namespace); its lock then expires", l->holder);
		break;
	case LEGACY_BAD:
		f = add(m, C_LEGACY, OUT_PROBLEM, ns);
		SAY(f, message, "%s is unreadable: mcle never takes it over", url);
		SAY(f, fix, "once no Go controller runs: gcloud storage rm %s", url);
		break;
	default:
		f = add(m, C_LEGACY, OUT_OK, ns);
		SAY(f, message, "%s expired (holder '%s', leaderTransitions %lld, until %s): mcle "
		    "takes it over, its epoch continuing above it", url, l->holder,
		    (long long)l->transitions, when);
		break;
	}
}

static int
check_legacy(struct mig *m, struct mcle_err *err)
{
	struct store_op op;
	struct finding *f;
	size_t i;

	for (i = 0; i < m->legacy.n; i++) {
		const struct legacy_row *r = vec_at(&m->legacy, i);

		if (r->mcle_epoch > 0) {
			f = add(m, C_LEGACY, OUT_OK, r->ns);
			SAY(f, message, "taken over by mcle (mcleEpoch %lld): nothing to do",
			    (long long)r->mcle_epoch);
			continue;
		}
		memset(&op, 0, sizeof(op));
		op.verb = STORE_LEGACY_READ;
		snprintf(op.name, sizeof(op.name), "%s", r->ns);
		op.deadline = m->mp->deadline;
		if (store_run(m->mp->store, &op) < 0 && op.err.code == MCLE_ENOTFOUND)
			continue;	/* gone since the listing */
		if (op.rc < 0 && op.err.code != MCLE_ECORRUPT && op.err.code != MCLE_EPRECOND)
			return mcle_err_set(err, op.err.code, "%s", op.err.msg);
		op.out.legacy.present = 1;
		if (op.rc < 0)
			op.out.legacy.bad = 1;
		legacy_finding(m, r->ns, &op.out.legacy, op.out.now);
	}
	return 0;
}

/* --- b. lease durations -------------------------------------------------------------- */

struct leases {
	struct mig *m;
	int32_t min;
	int done, rc;
	struct mcle_err err;
};

static void
short_lease(struct mig *m, const char *ns, int32_t have, int32_t min)
{
	const struct kube_lease_kind *k = kube_kind(m->mp->kube);
	struct finding *f = add(m, C_DURATION, OUT_PROBLEM, ns);

	SAY(f, message, "spec.leaseDurationSeconds %d is shorter than the %d s %s needs: "
	    "the lease lapses between passes", (int)have, (int)min, m->mp->cadence_what);
	SAY(f, fix, "kubectl patch %s.%s %s -n %s --type merge -p "
	    "'{\"spec\":{\"leaseDurationSeconds\":%d}}' (or every one: mcle reconcile-all "
	    "--lease-duration %d)", k->plural, k->group, k->name, ns, (int)min, (int)min);
}

static int
on_lease(void *arg, const struct kube_lease *l, struct mcle_err *err)
{
	struct leases *ls = arg;

	(void)err;
	if (l->spec_duration > 0 && l->spec_duration < ls->min)
		short_lease(ls->m, l->ns, l->spec_duration, ls->min);
	return ls->m->err.code == MCLE_OK ? 0 :
	       mcle_err_set(err, ls->m->err.code, "%s", ls->m->err.msg);
}

static void
on_leases_reset(void *arg)
{
	struct leases *ls = arg;
	struct finding *f;

	/* a restarted listing (410): its findings again from the start */
	while (ls->m->findings.n > 0) {
		f = vec_at(&ls->m->findings, ls->m->findings.n - 1);
		if (f->check != checks[C_DURATION] || f->subject[0] == '-')
			break;
		ls->m->findings.n--;
		ls->m->shown[C_DURATION]--;
	}
	ls->m->more[C_DURATION] = 0;
}

static void
on_leases_done(void *arg, int rc, const struct mcle_err *err)
{
	struct leases *ls = arg;

	ls->done = 1;
	ls->rc = rc;
	if (rc < 0)
		ls->err = *err;
}

static int
leases_listed(void *arg)
{
	return ((struct leases *)arg)->done;
}

/* Each Lease resource's spec (an explicit --lease-duration replaces them all). */
static int
list_leases(struct mig *m, int32_t min, struct mcle_err *err)
{
	struct leases ls;
	struct kube_list_cb cb = { NULL, on_lease, on_leases_reset, on_leases_done, &ls };
	struct finding *f;

	memset(&ls, 0, sizeof(ls));
	ls.m = m;
	ls.min = min;
	if (kube_list_leases_start(m->mp->kube, m->mp->deadline, &cb, err) < 0)
		return -1;
	if (loop_wait(m->mp->loop, leases_listed, &ls) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a listing stalled");
	if (ls.rc == 0 || m->err.code != MCLE_OK)
		return 0;
	if (ls.err.code != MCLE_ECONFIG && ls.err.code != MCLE_EPERM)
		return mcle_err_set(err, ls.err.code, "%s", ls.err.msg);
	/* no CRD (the crd check says so) or no permission: the rest goes on */
	f = add(m, C_DURATION, OUT_UNCHECKED, "Leases");
	SAY(f, message, "cannot list the Lease resources: %s", ls.err.msg);
	return 0;
}

static int
check_durations(struct mig *m, struct mcle_err *err)
{
	const struct migrate_params *mp = m->mp;
	int32_t min = elect_cadence_min(mp->cadence, mp->timeout);
	char t[MCLE_DURATION_MAX];
	struct finding *f;

	if (mp->cadence == 0) {
		f = add(m, C_DURATION, OUT_UNCHECKED, "-");
		SAY(f, message, "lease durations not checked: give --interval (a loop's) or "
		    "--cadence (a CronJob's schedule period)");
		return 0;
	}
	duration_format(mp->timeout / MCLE_USEC, t);
	if (mp->duration < min) {
		f = add(m, C_DURATION, OUT_PROBLEM, "--lease-duration");
		SAY(f, message, "%d s is shorter than the %d s %s needs with --timeout %s (the "
		    "larger of x 1.1 and the timeout, + the timeout): %s", (int)mp->duration, (int)min, mp->cadence_what, t,
		    mp->duration_explicit || mp->kube == NULL ? "every lease lapses between passes" :
		    "each new Lease resource gets it");
		SAY(f, fix, "--lease-duration %d (or a longer cadence, or a shorter --timeout)",
		    (int)min);
	}
	if (mp->kube == NULL || mp->duration_explicit)
		return 0;	/* the resources' specs do not count */
	return list_leases(m, min, err);
}

/* --- c. the CRD ---------------------------------------------------------------------- */

struct crd_get {
	int done;
	int rc;
	long status;
	char *body;
	size_t len;
	struct mcle_err err;
};

static void
crd_done(void *arg, struct http_call *call)
{
	struct crd_get *g = arg;

	g->done = 1;
	g->rc = call->rc;
	if (call->rc < 0) {
		g->err = call->err;
		return;
	}
	g->status = call->resp.status;
	g->body = call->resp.body;
	g->len = call->resp.len;
	call->resp.body = NULL;
}

static int
crd_got(void *arg)
{
	return ((struct crd_get *)arg)->done;
}

/* Append 'name' to list (comma-separated, bounded). */
static void
list_add(char *list, size_t len, const char *name)
{
	size_t n = strlen(list);

	if (n + strlen(name) + 5 < len)
		snprintf(list + n, len - n, "%s'%s'", n > 0 ? ", " : "", name);
}

/* What mcle writes that the served version's schema does not declare. */
static void
crd_missing(json_object *crd, const char *version, char *miss, size_t len, int *served)
{
	json_object *spec = json_obj(crd, "spec"), *vers = json_arr(spec, "versions"), *v = NULL;
	json_object *props, *st, *sp, *x;
	const char *spec_keys[] = { "holderIdentity", "leaseDurationSeconds" };
	size_t i, n = vers != NULL ? json_object_array_length(vers) : 0;
	unsigned bit;

	for (i = 0; i < n && v == NULL; i++) {
		x = json_object_array_get_idx(vers, i);
		if (json_str(x, "name") != NULL && strcmp(json_str(x, "name"), version) == 0)
			v = x;
	}
	*served = v != NULL;
	props = json_obj(json_obj(json_obj(v, "schema"), "openAPIV3Schema"), "properties");
	st = json_obj(props, "status");
	sp = json_obj(json_obj(props, "spec"), "properties");
	x = NULL;
	if (!(json_object_object_get_ex(st, "x-kubernetes-preserve-unknown-fields", &x) &&
	      json_object_get_boolean(x)))
		for (bit = KS_LEADER; bit <= KS_ERROR; bit <<= 1)
			if (json_obj(json_obj(st, "properties"), kube_status_key(bit)) == NULL)
				list_add(miss, len, kube_status_key(bit));
	for (i = 0; i < 2; i++)
		if (json_obj(sp, spec_keys[i]) == NULL)
			list_add(miss, len, spec_keys[i]);
	if (json_obj(json_obj(v, "subresources"), "status") == NULL)
		list_add(miss, len, "subresources.status");
	if (json_arr(json_obj(spec, "names"), "shortNames") == NULL)
		list_add(miss, len, "shortNames");
}

static int
crd_judge(struct mig *m, const char *name, const struct crd_get *g, struct mcle_err *err)
{
	const struct kube_lease_kind *k = kube_kind(m->mp->kube);
	char miss[400] = "";
	json_object *crd;
	struct finding *f;
	int served = 0;

	if ((crd = json_parse_object(g->body, g->len, "the CRD", err)) == NULL)
		return -1;
	crd_missing(crd, k->version, miss, sizeof(miss), &served);
	json_object_put(crd);
	if (!served) {
		f = add(m, C_CRD, OUT_PROBLEM, name);
		SAY(f, message, "the installed CRD does not serve version %s", k->version);
	} else if (miss[0] != '\0') {
		f = add(m, C_CRD, OUT_PROBLEM, name);
		SAY(f, message, "the installed CRD lacks %s that mcle writes or needs (the API "
		    "server drops undeclared fields: consumers cannot see them)", miss);
	} else {
		f = add(m, C_CRD, OUT_OK, name);
		SAY(f, message, "the installed CRD declares every field mcle writes");
		return 0;
	}
	SAY(f, fix, "kubectl apply -f examples/crd.yaml (a superset of the original's, safe "
	    "to apply over it)");
	return 0;
}

static int
check_crd(struct mig *m, struct mcle_err *err)
{
	const struct kube_lease_kind *k = kube_kind(m->mp->kube);
	char name[300], path[400];
	struct crd_get g;
	struct finding *f;
	int rc = 0, dummy;

	snprintf(name, sizeof(name), "%s.%s", k->plural, k->group);
	snprintf(path, sizeof(path), "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/%s",
		 name);
	memset(&g, 0, sizeof(g));
	if (kube_json_start(m->mp->kube, "GET", path, NULL, m->mp->deadline, 3, crd_done, &g,
			    err) < 0)
		return -1;
	if (loop_wait(m->mp->loop, crd_got, &g) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a request stalled");
	if (g.rc < 0)
		return mcle_err_set(err, g.err.code, "%s", g.err.msg);
	if (g.status == 403) {
		f = add(m, C_CRD, OUT_UNCHECKED, name);
		SAY(f, message, "cannot read CRDs (forbidden): not checked");
		SAY(f, fix, "run it with a user who may get customresourcedefinitions");
	} else if (g.status == 404) {
		f = add(m, C_CRD, OUT_PROBLEM, name);
		SAY(f, message, "the CRD is not installed");
		SAY(f, fix, "kubectl apply -f examples/crd.yaml");
	} else if (g.status / 100 == 2) {
		rc = crd_judge(m, name, &g, err);
	} else {
		kube_api_error(g.status, g.body, g.len, "cannot read the CRD", err, &dummy);
		rc = -1;
	}
	free(g.body);
	return rc;
}

/* --- d. identities -------------------------------------------------------------------- */

static int
cmp_holder(const void *a, const void *b)
{
	const struct holder_row *x = a, *y = b;
	int c = strcmp(x->holder, y->holder);

	return c != 0 ? c : strcmp(x->cluster, y->cluster);
}

/* Holders written from more than one cluster, and holders that look like URLs. */
static void
check_holders(struct mig *m, const char *self_cluster)
{
	const char *id = m->mp->identity;
	struct holder_row *h, *p;
	struct finding *f;
	size_t i;

	if (m->holders.n > 1)
		qsort(m->holders.v, m->holders.n, sizeof(struct holder_row), cmp_holder);
	for (i = 0; i < m->holders.n; i++) {
		h = vec_at(&m->holders, i);
		p = i > 0 ? vec_at(&m->holders, i - 1) : NULL;
		if (p != NULL && strcmp(p->holder, h->holder) == 0 && p->cluster[0] != '\0' &&
		    h->cluster[0] != '\0' && strcmp(p->cluster, h->cluster) != 0) {
			f = add(m, C_IDENTITY, OUT_PROBLEM, h->holder);
			SAY(f, message, "one identity holds locks from two clusters: '%s' from "
			    "cluster %s, '%s' from cluster %s", p->ns, p->cluster, h->ns, h->cluster);
			SAY(f, fix, "give each cluster its own --identity NAME");
		} else if (id != NULL && strcmp(h->holder, id) == 0 && h->cluster[0] != '\0' &&
			   self_cluster[0] != '\0' && strcmp(h->cluster, self_cluster) != 0 &&
			   (p == NULL || strcmp(p->holder, h->holder) != 0 ||
			    strcmp(p->cluster, h->cluster) != 0)) {
			f = add(m, C_IDENTITY, OUT_PROBLEM, id);
			SAY(f, message, "this identity holds '%s' from another cluster (%s; this "
			    "one is %s)", h->ns, h->cluster, self_cluster);
			SAY(f, fix, "--identity NAME unique to this cluster");
		}
		if (elect_identity_is_url(h->holder) && (id == NULL || strcmp(h->holder, id) != 0) &&
		    (p == NULL || strcmp(p->holder, h->holder) != 0)) {
			f = add(m, C_IDENTITY, OUT_PROBLEM, h->holder);
			SAY(f, message, "a holder's identity looks like an API server URL, which many "
			    "clusters share (e.g. lock '%s')", h->ns);
			SAY(f, fix, "give that cluster --identity NAME unique to it");
		}
	}
}

static int
check_identity(struct mig *m)
{
	const char *id = m->mp->identity, *self = "";
	struct finding *f;

	if (m->mp->kube != NULL)
		self = kube_fingerprint(m->mp->kube, m->mp->deadline);
	if (id != NULL && elect_identity_is_url(id)) {
		f = add(m, C_IDENTITY, OUT_PROBLEM, id);
		SAY(f, message, "--identity looks like an API server URL (the Go controller's "
		    "identity), which many clusters share: two clusters would be one holder");
		SAY(f, fix, "--identity NAME unique to this cluster (e.g. its kubeconfig context "
		    "name)");
	}
	check_holders(m, self);
	return 0;
}

/* --- e. scope ------------------------------------------------------------------------- */

static int
check_scope(struct mig *m, struct mcle_err *err)
{
	const struct migrate_params *mp = m->mp;
	struct ns_list gke, have;
	const struct ns_list *names = mp->names;
	char list[400] = "";
	struct finding *f;
	size_t i, n = 0;
	int rc = -1;

	ns_list_init(&gke);
	ns_list_init(&have);
	if (ns_list_preset(&gke, "gke", err) < 0)
		goto out;
	ns_list_sort(&gke);
	if (mp->kube != NULL) {
		if (kube_namespaces(mp->kube, mp->loop, mp->selector, mp->deadline, &have, err) < 0)
			goto out;
		names = &have;
	}
	for (i = 0; names != NULL && i < ns_list_count(&gke); i++) {
		const char *ns = ns_list_at(&gke, i);

		if (ns_list_find(names, ns) < 0 ||
		    (mp->kube != NULL && ns_list_find(mp->exclude, ns) >= 0))
			continue;
		if (n++ < MIGRATE_NAMES_MAX)
			list_add(list, sizeof(list), ns);
	}
	if (n > 0) {
		f = add(m, C_SCOPE, OUT_PROBLEM, "namespaces");
		SAY(f, message, "%zu namespace%s the Go controller left alone would now be "
		    "contended for: %s%s", n, n == 1 ? "" : "s", list,
		    n > MIGRATE_NAMES_MAX ? ", ..." : "");
		SAY(f, fix, mp->kube != NULL ? "mcle reconcile-all --exclude-preset gke" :
		    "leave them out of --namespaces/--namespaces-file");
	}
	rc = 0;
out:
	ns_list_free(&gke);
	ns_list_free(&have);
	return rc;
}

/* --- the report ------------------------------------------------------------------------ */

static int
report(struct mig *m, size_t *problems, struct mcle_err *err)
{
	struct output_finding *of;
	const struct finding *f;
	size_t c, i, n;
	int rc;

	add_more(m);
	if (m->err.code != MCLE_OK)
		return mcle_err_set(err, m->err.code, "%s", m->err.msg);
	if ((of = calloc(m->findings.n + 1, sizeof(*of))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	/* in the order of the checks, each check's in the order found */
	for (c = 0, n = 0; c < sizeof(checks) / sizeof(checks[0]); c++) {
		for (i = 0; i < m->findings.n; i++) {
			f = vec_at(&m->findings, i);
			if (f->check != checks[c])
				continue;
			of[n].check = f->check;
			of[n].subject = f->subject;
			of[n].severity = f->severity;
			of[n].message = f->message;
			of[n].fix = f->fix[0] != '\0' ? f->fix : NULL;
			*problems += f->severity == OUT_PROBLEM;
			n++;
		}
	}
	rc = output_findings(m->mp->out, of, n, err);
	free(of);
	return rc;
}

int
engine_migrate(const struct migrate_params *mp, size_t *problems, struct mcle_err *err)
{
	struct vec findings = VEC_INIT(struct finding, FINDINGS_MAX);
	struct vec holders = VEC_INIT(struct holder_row, ENGINE_LOCKS_MAX);
	struct vec legacy = VEC_INIT(struct legacy_row, ENGINE_LOCKS_MAX);
	struct mig m;
	int rc = -1;

	*problems = 0;
	memset(&m, 0, sizeof(m));
	m.mp = mp;
	m.findings = findings;
	m.holders = holders;
	m.legacy = legacy;
	if ((m.strings = strtab_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (scan_store(&m, err) < 0 || check_legacy(&m, err) < 0 ||
	    check_durations(&m, err) < 0 ||
	    (mp->kube != NULL && check_crd(&m, err) < 0) || check_identity(&m) < 0 ||
	    check_scope(&m, err) < 0)
		goto out;
	rc = report(&m, problems, err);
out:
	vec_free(&m.findings);
	vec_free(&m.holders);
	vec_free(&m.legacy);
	strtab_free(m.strings);
	return rc;
}
