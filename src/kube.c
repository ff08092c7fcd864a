/*
 * kube.c - the Kubernetes API calls of mcle, by hand, on the HTTP engine.
 *
 * Single objects (GET, POST, PUT .../status) are small: parsed whole with
 * json.c, then reduced to a struct kube_lease.  List pages are parsed as
 * they stream in (jstream.c); the items of a page are kept in compact form
 * until the page is complete, then handed over, so a retried or truncated
 * page never delivers an item twice or half.  Credentials come from one
 * struct cred (cred-kube.c); http.c refetches them once after a 401.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred-kube.h"
#include "json.h"
#include "kube-config.h"
#include "kube.h"
#include "kube-parse.h"
#include "log.h"
#include "parse.h"
#include "vec.h"

#define KUBE_OBJECT_MAX	(1024 * 1024)	/* one object's JSON */
#define KUBE_PATH_MAX	2048
#define KUBE_TRIES	4

struct kube_client {
	struct kube_config *cfg;
	struct cred *cred;		/* NULL: nothing to send */
	struct http_client *http;
	struct kube_lease_kind kind;
	char describe[512];
	char uid[KUBE_UID_MAX + 1];	/* kube-system's UID, "" until read */
	int uid_failed;			/* it cannot be read in this run: said once */
	int crd_outdated;		/* a status write lost fields: said once */
};

/* --- opening -------------------------------------------------------------- */

static int
make_http(struct kube_client *k, struct http_engine *e, struct mcle_err *err)
{
	const struct kube_config *kc = k->cfg;
	struct http_tls tls;

	memset(&tls, 0, sizeof(tls));
	tls.ca_file = kc->ca_file;
	tls.ca_pem = kc->ca_pem;
	tls.cert_file = kc->cert_file;
	tls.cert_pem = kc->cert_pem;
	tls.key_file = kc->key_file;
	tls.key_pem = kc->key_pem;
	tls.insecure = kc->insecure;
	tls.connect_to = kc->connect_to;
	if ((k->http = http_client_new(e, "kubernetes", &tls, err)) == NULL)
		return -1;
	http_client_set_body_max(k->http, KUBE_OBJECT_MAX);
	return 0;
}

int
kube_open(const char *kubeconfig, const char *context,
	  const struct kube_lease_kind *kind, struct http_engine *e,
	  struct kube_client **out, struct mcle_err *err)
{
	struct kube_config_opts o = { kubeconfig, context };
	struct kube_client *k;
	int rc, none;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if ((rc = kube_config_load(&o, &k->cfg, err)) != 0) {
		free(k);
		return rc;
	}
	k->kind = *kind;
	if (k->cfg->context != NULL)
		snprintf(k->describe, sizeof(k->describe), "%s (context '%s' in %s)",
			 k->cfg->server, k->cfg->context, k->cfg->source);
	else
		snprintf(k->describe, sizeof(k->describe), "%s (%s)", k->cfg->server,
			 k->cfg->source);
	k->cred = cred_kube_new(k->cfg, &none, err);
	if ((k->cred == NULL && !none) || make_http(k, e, err) < 0) {
		kube_close(k);
		return -1;
	}
	*out = k;
	return 0;
}

void
kube_close(struct kube_client *k)
{
	if (k == NULL)
		return;
	http_client_free(k->http);
	cred_free(k->cred);
	kube_config_free(k->cfg);
	free(k);
}

const char *
kube_describe(const struct kube_client *k)
{
	return k->describe;
}

int
kube_crd_outdated(const struct kube_client *k)
{
	return k->crd_outdated;
}

/*
 * A status write whose answer lacks fields we sent, or carries the API
 * server's "unknown field" warning: the CRD installed predates mcle's
 * (the original controller's prunes epoch, observedExpireTime, ...).
 * Consumers then never see the expiry or the fencing token: say so once.
 */
static void
check_crd(struct kube_client *k, unsigned pruned, const char *warning)
{
	char fields[200] = "";
	size_t used = 0;
	unsigned bit;
	int n;

	if (k->crd_outdated || (pruned == 0 && strstr(warning, "unknown field") == NULL))
		return;
	k->crd_outdated = 1;
	for (bit = 1; bit <= KS_ERROR && used < sizeof(fields); bit <<= 1) {
		if (!(pruned & bit))
			continue;
		n = snprintf(fields + used, sizeof(fields) - used, "%s'%s'", used ? ", " : "",
			     kube_status_key(bit));
		used += n > 0 ? (size_t)n : 0;
	}
	log_warn("%s: the %s.%s CRD installed there drops status field%s %s that mcle writes "
		 "(an older CRD, e.g. the original controller's): consumers cannot see them; "
		 "apply mcle's CRD: kubectl apply -f examples/crd.yaml (a superset of the "
		 "original's, safe to apply over it)", k->describe, k->kind.plural,
		 k->kind.group, pruned & (pruned - 1) ? "s" : "", used ? fields : warning);
}

const struct kube_lease_kind *
kube_kind(const struct kube_client *k)
{
	return &k->kind;
}

struct http_client *
kube_http(const struct kube_client *k)
{
	return k->http;
}

struct cred *
kube_cred(const struct kube_client *k)
{
	return k->cred;
}

/* --- requests --------------------------------------------------------------- */

static int
lease_path(const struct kube_client *k, const char *ns, int named, const char *suffix,
	   char *buf, size_t size)
{
	int n;

	if (named)
		n = snprintf(buf, size, "%s/apis/%s/%s/namespaces/%s/%s/%s%s", k->cfg->url,
			     k->kind.group, k->kind.version, ns, k->kind.plural,
			     k->kind.name, suffix);
	else
		n = snprintf(buf, size, "%s/apis/%s/%s/namespaces/%s/%s", k->cfg->url,
			     k->kind.group, k->kind.version, ns, k->kind.plural);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static void
base_request(const struct kube_client *k, struct http_request *req, const char *method,
	     const char *url, int64_t deadline)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->headers[0] = "Accept: application/json";
	req->cred = k->cred;
	req->deadline = deadline;
	req->max_tries = KUBE_TRIES;
	req->capture[0] = "Warning";
}

/* An error answer: the Status message, the code for its HTTP status. */
static void
api_error(struct kube_reply *r, const char *what, const struct http_response *resp)
{
	kube_api_error(resp->status, resp->body, resp->len, what, &r->err, &r->ns_missing);
}

enum kcall_kind { KC_GET, KC_CREATE, KC_PUT, KC_SPEC };

/* One single-object call. */
struct kcall {
	struct kube_client *k;
	enum kcall_kind kind;
	char ns[MCLE_NAMESPACE_MAX + 1];
	char what[300];
	struct kube_status sent;	/* KC_PUT: what was written */
	int64_t deadline;
	struct kube_reply reply;
	kube_done_fn fn;
	void *arg;
};

static void
deliver(struct kcall *c)
{
	c->fn(c->arg, &c->reply);
	free(c);
}

static int submit_get(struct kcall *c, struct mcle_err *err);

/* A 2xx answer: the object as a compact lease. */
static void
take_lease(struct kcall *c, const struct http_response *resp)
{
	if (kube_lease_parse(resp->body != NULL ? resp->body : "", resp->len, c->k->kind.name,
			     c->ns, c->what, c->k->cfg->server, &c->reply.lease,
			     &c->reply.err) == 0)
		c->reply.rc = 0;
}

static void
call_done(void *arg, struct http_call *h)
{
	struct kcall *c = arg;
	struct mcle_err e = MCLE_ERR_INIT;

	c->reply.rc = -1;
	if (h->resp.captured[0] != NULL)
		http_clip_n(h->resp.captured[0], strlen(h->resp.captured[0]), c->reply.warning,
		     sizeof(c->reply.warning));
	if (h->rc < 0) {
		if (h->cred_failed)
			mcle_err_set(&c->reply.err, h->err.code, "%s", h->err.msg);
		else
			mcle_err_set(&c->reply.err, h->err.code, "%s: %s", c->what, h->err.msg);
		deliver(c);
		return;
	}
	c->reply.status = h->resp.status;
	if (h->resp.status >= 200 && h->resp.status <= 299) {
		take_lease(c, &h->resp);
		/* a field sent but not kept: the installed CRD does not declare it */
		if (c->reply.rc == 0 && c->kind == KC_PUT) {
			c->reply.pruned = c->sent.has & ~(c->reply.lease.status.has |
							  c->reply.lease.status.bad);
			check_crd(c->k, c->reply.pruned, c->reply.warning);
		}
		if (c->reply.rc == 0 && c->kind == KC_CREATE) {
			c->reply.created = 1;
			log_debug("created %s '%s' in namespace '%s'", c->k->kind.plural,
				  c->k->kind.name, c->ns);
		}
		deliver(c);
		return;
	}
	if (c->kind == KC_CREATE && h->resp.status == 409) {
		/* created meanwhile (or by our own retried POST): read it */
		c->kind = KC_GET;
		snprintf(c->what, sizeof(c->what), "cannot read %s '%s' in namespace '%s'",
			 c->k->kind.plural, c->k->kind.name, c->ns);
		if (submit_get(c, &e) == 0)
			return;
		mcle_err_set(&c->reply.err, e.code, "%s", e.msg);
		deliver(c);
		return;
	}
	api_error(&c->reply, c->what, &h->resp);
	deliver(c);
}

static struct kcall *
kcall_new(struct kube_client *k, enum kcall_kind kind, const char *ns, int64_t deadline,
	  kube_done_fn fn, void *arg, struct mcle_err *err)
{
	struct kcall *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	c->k = k;
	c->kind = kind;
	snprintf(c->ns, sizeof(c->ns), "%s", ns);
	c->deadline = deadline;
	c->fn = fn;
	c->arg = arg;
	c->reply.rc = -1;
	return c;
}

static int
submit_get(struct kcall *c, struct mcle_err *err)
{
	struct http_request req;
	char url[KUBE_PATH_MAX];

	if (lease_path(c->k, c->ns, 1, "", url, sizeof(url)) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "%s: URL too long", c->what);
	base_request(c->k, &req, "GET", url, c->deadline);
	return http_submit(c->k->http, &req, call_done, c, err);
}

int
kube_get_lease_start(struct kube_client *k, const char *ns, int64_t deadline,
		     kube_done_fn fn, void *arg, struct mcle_err *err)
{
	struct kcall *c;

	if ((c = kcall_new(k, KC_GET, ns, deadline, fn, arg, err)) == NULL)
		return -1;
	snprintf(c->what, sizeof(c->what), "cannot read %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, ns);
	if (submit_get(c, err) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

/* A POST or PUT with body o (consumed). */
static int
submit_body(struct kcall *c, const char *method, const char *url, json_object *o,
	    const char *ctype, struct mcle_err *err)
{
	struct http_request req;
	char *text = o != NULL ? json_dump(o, JSON_PLAIN) : NULL;
	int rc;

	json_object_put(o);
	if (text == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	base_request(c->k, &req, method, url, c->deadline);
	req.body = text;
	req.body_len = strlen(text);
	req.content_type = ctype;
	/* a retried POST that answers 409 is read back; a retried PUT carries its resourceVersion */
	rc = http_submit(c->k->http, &req, call_done, c, err);
	free(text);
	return rc;
}

/* {"apiVersion", "kind", "metadata": {name, namespace[, resourceVersion]}} */
static json_object *
lease_skeleton(const struct kube_client *k, const char *ns, const char *rv)
{
	json_object *o = json_object_new_object(), *meta = json_object_new_object();
	char apiv[256];

	snprintf(apiv, sizeof(apiv), "%s/%s", k->kind.group, k->kind.version);
	if (json_add_str(meta, "name", k->kind.name) < 0 ||
	    json_add_str(meta, "namespace", ns) < 0 ||
	    (rv != NULL && json_add_str(meta, "resourceVersion", rv) < 0) ||
	    json_add_str(o, "apiVersion", apiv) < 0 ||
	    json_add_str(o, "kind", "Lease") < 0 ||
	    json_add(o, "metadata", meta) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int
kube_create_lease_start(struct kube_client *k, const char *ns, const char *holder,
			int32_t duration, int64_t deadline, kube_done_fn fn, void *arg,
			struct mcle_err *err)
{
	json_object *body, *spec = json_object_new_object();
	char url[KUBE_PATH_MAX];
	struct kcall *c;

	if ((c = kcall_new(k, KC_CREATE, ns, deadline, fn, arg, err)) == NULL) {
		json_object_put(spec);
		return -1;
	}
	snprintf(c->what, sizeof(c->what), "cannot create %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, ns);
	if ((body = lease_skeleton(k, ns, NULL)) == NULL ||
	    json_add_str(spec, "holderIdentity", holder) < 0 ||
	    json_add_int(spec, "leaseDurationSeconds", duration) < 0 ||
	    json_add(body, "spec", spec) < 0) {
		json_object_put(body);
		free(c);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	if (lease_path(k, ns, 0, "", url, sizeof(url)) < 0) {
		json_object_put(body);
		free(c);
		return mcle_err_set(err, MCLE_ECONFIG, "cannot create a Lease: URL too long");
	}
	if (submit_body(c, "POST", url, body, "application/json", err) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

int
kube_put_status_start(struct kube_client *k, const struct kube_lease *l,
		      const struct kube_status *st, int64_t deadline, kube_done_fn fn,
		      void *arg, struct mcle_err *err)
{
	json_object *body, *status;
	char url[KUBE_PATH_MAX];
	struct kcall *c;

	if ((c = kcall_new(k, KC_PUT, l->ns, deadline, fn, arg, err)) == NULL)
		return -1;
	c->sent = *st;
	snprintf(c->what, sizeof(c->what),
		 "cannot write the status of %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, l->ns);
	if (l->rv[0] == '\0') {
		mcle_err_set(err, MCLE_ECORRUPT, "%s: no resourceVersion", c->what);
		free(c);
		return -1;
	}
	if ((body = lease_skeleton(k, l->ns, l->rv)) == NULL ||
	    (status = kube_status_object(st)) == NULL || json_add(body, "status", status) < 0) {
		json_object_put(body);
		free(c);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	if (lease_path(k, l->ns, 1, "/status", url, sizeof(url)) < 0) {
		json_object_put(body);
		free(c);
		return mcle_err_set(err, MCLE_ECONFIG, "cannot write a status: URL too long");
	}
	if (submit_body(c, "PUT", url, body, "application/json", err) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

/*
 * A JSON merge patch of spec.leaseDurationSeconds, conditional on the
 * resourceVersion l was read at (409 when it changed): only that field
 * changes, labels, annotations and the rest of the spec stay.
 */
int
kube_patch_spec_start(struct kube_client *k, const struct kube_lease *l, int32_t duration,
		      int64_t deadline, kube_done_fn fn, void *arg, struct mcle_err *err)
{
	json_object *body = json_object_new_object(), *meta = json_object_new_object(),
		    *spec = json_object_new_object();
	char url[KUBE_PATH_MAX];
	struct kcall *c;
	int bad;

	bad = json_add_str(meta, "resourceVersion", l->rv) < 0;
	bad |= json_add_int(spec, "leaseDurationSeconds", duration) < 0;
	bad |= json_add(body, "metadata", meta) < 0;
	bad |= json_add(body, "spec", spec) < 0;
	if (bad || (c = kcall_new(k, KC_SPEC, l->ns, deadline, fn, arg, err)) == NULL) {
		json_object_put(body);
		return bad ? mcle_err_set(err, MCLE_ENOMEM, "out of memory") : -1;
	}
	snprintf(c->what, sizeof(c->what), "cannot update the spec of %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, l->ns);
	if (l->rv[0] == '\0' || lease_path(k, l->ns, 1, "", url, sizeof(url)) < 0) {
		mcle_err_set(err, MCLE_ECORRUPT, "%s: no resourceVersion or URL too long", c->what);
		json_object_put(body);
		free(c);
		return -1;
	}
	if (submit_body(c, "PATCH", url, body, "application/merge-patch+json", err) < 0) {
		free(c);
		return -1;
	}
	return 0;
}

/* --- waiting for one call -------------------------------------------------- */

struct wait {
	struct kube_reply *r;
	int done;
};

static void
wake(void *arg, struct kube_reply *r)
{
	struct wait *w = arg;

	*w->r = *r;
	w->done = 1;
}

static int
is_done(void *arg)
{
	return ((struct wait *)arg)->done;
}

static int
wait_for(struct kube_client *k, struct wait *w)
{
	struct loop *l = http_engine_loop(http_client_engine(k->http));

	if (loop_wait(l, is_done, w) < 0)
		return mcle_err_set(&w->r->err, MCLE_ECONFIG, "internal error: a request stalled");
	return w->r->rc;
}

int
kube_get_lease(struct kube_client *k, const char *ns, int64_t deadline,
	       struct kube_reply *r)
{
	struct wait w = { r, 0 };

	memset(r, 0, sizeof(*r));
	if (kube_get_lease_start(k, ns, deadline, wake, &w, &r->err) < 0)
		return r->rc = -1;
	return wait_for(k, &w);
}

int
kube_create_lease(struct kube_client *k, const char *ns, const char *holder,
		  int32_t duration, int64_t deadline, struct kube_reply *r)
{
	struct wait w = { r, 0 };

	memset(r, 0, sizeof(*r));
	if (kube_create_lease_start(k, ns, holder, duration, deadline, wake, &w, &r->err) < 0)
		return r->rc = -1;
	return wait_for(k, &w);
}

int
kube_put_status(struct kube_client *k, const struct kube_lease *l,
		const struct kube_status *st, int64_t deadline, struct kube_reply *r)
{
	struct wait w = { r, 0 };

	memset(r, 0, sizeof(*r));
	if (kube_put_status_start(k, l, st, deadline, wake, &w, &r->err) < 0)
		return r->rc = -1;
	return wait_for(k, &w);
}

/* --- the cluster's fingerprint ---------------------------------------------- */

static int
read_uid(struct kube_client *k, int64_t deadline, struct mcle_err *err)
{
	const char *what = "cannot read namespace 'kube-system' (the cluster's fingerprint)";
	struct http_response resp;
	struct http_request req;
	char url[KUBE_PATH_MAX];
	int rc = -1;

	snprintf(url, sizeof(url), "%s/api/v1/namespaces/kube-system", k->cfg->url);
	base_request(k, &req, "GET", url, deadline);
	memset(&resp, 0, sizeof(resp));
	if (http_do(k->http, &req, &resp, err) < 0) {
		http_response_free(&resp);
		return -1;
	}
	if (resp.status == 200)
		rc = kube_uid_parse(resp.body != NULL ? resp.body : "", resp.len, what, k->uid,
				    err);
	else
		kube_api_error(resp.status, resp.body, resp.len, what, err, &(int){ 0 });
	/* no permission or no such namespace lasts the run; anything else is retried */
	if (rc < 0 && (resp.status == 403 || resp.status == 404 || resp.status == 200))
		k->uid_failed = 1;
	http_response_free(&resp);
	return rc;
}

const char *
kube_fingerprint_listed(const struct kube_client *k)
{
	return k->uid;
}

const char *
kube_fingerprint(struct kube_client *k, int64_t deadline)
{
	struct mcle_err e = MCLE_ERR_INIT;

	if (k->uid[0] != '\0' || k->uid_failed)
		return k->uid;
	if (read_uid(k, deadline, &e) < 0) {
		k->uid[0] = '\0';
		/* a cluster without kube-system is no real one (a test's stand-in) */
		if (e.code == MCLE_ENOTFOUND) {
			log_debug("%s: leases are written without a fingerprint", e.msg);
			return k->uid;
		}
		log_warn("%s: leases are written without this cluster's fingerprint, so the "
			 "same identity in two clusters cannot be told apart (grant 'get' on "
			 "namespaces, see examples/rbac.yaml)", e.msg);
	}
	return k->uid;
}

/* --- listings --------------------------------------------------------------- */

enum list_kind { LIST_NAMESPACES, LIST_LEASES };

/* One paged listing in progress. */
struct klist {
	struct kube_client *k;
	enum list_kind kind;
	struct kube_list_cb cb;
	char *selector;
	int64_t deadline;
	char what[600];
	const char *noun;
	char noun_buf[300];
	char url_base[KUBE_PATH_MAX];
	/* the page being read */
	struct kube_page p;
	struct http_stream stream;
	struct vec names;		/* struct kube_ns_item: the whole listing, merged at its end */
	/* the listing so far */
	char *cont;			/* token of the page being fetched, or NULL */
	uint64_t *seen;			/* hashes of tokens followed since the (re)start */
	size_t pages;
	int restarts;
};

static void
stream_begin(void *arg)
{
	struct klist *kl = arg;

	kube_page_begin(&kl->p);
}

static int
stream_data(void *arg, const char *p, size_t n)
{
	struct klist *kl = arg;

	return kube_page_feed(&kl->p, p, n);
}

static void klist_finish(struct klist *kl, int rc, const struct mcle_err *err);
static int klist_fetch(struct klist *kl, struct mcle_err *err);

static uint64_t
token_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The page is complete: its Leases handed over, its namespaces kept. */
static int
deliver_page(struct klist *kl, struct mcle_err *err)
{
	struct kube_ns_item *n;
	size_t i;

	kl->p.items += kl->p.page_items;
	for (i = 0; i < kl->p.page.n; i++) {
		if (kl->kind == LIST_LEASES) {
			struct kube_lease_fields *f = vec_at(&kl->p.page, i);

			if (kl->cb.lease(kl->cb.arg, &f->l, err) < 0)
				return -1;
			continue;
		}
		if ((n = vec_add(&kl->names)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		*n = *(struct kube_ns_item *)vec_at(&kl->p.page, i);
	}
	return 0;
}

static int
cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct kube_ns_item *)a)->name,
		      ((const struct kube_ns_item *)b)->name);
}

/*
 * The whole namespace listing, by name: a name listed more than once (a
 * server inconsistency) is kept once, Terminating if any copy says so.
 */
static int
deliver_names(struct klist *kl, struct mcle_err *err)
{
	struct kube_ns_item *v = kl->names.v;
	size_t i, j, n = kl->names.n;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ns);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[j].name, v[i].name) == 0; j++)
			v[i].terminating |= v[j].terminating;
		if (j - i > 1)
			kube_page_warn(&kl->p, "namespace '%s' listed %s by %s: kept once",
				       v[i].name, j - i == 2 ? "twice" : "more than twice",
				       kl->k->describe);
		if (kl->cb.ns(kl->cb.arg, v[i].name, v[i].terminating, err) < 0)
			return -1;
	}
	return 0;
}

/* The next page's token: 1 to go on, 0 at the end, -1 on the server's error. */
static int
next_page(struct klist *kl, struct mcle_err *err)
{
	uint64_t h;
	size_t i;

	free(kl->cont);
	kl->cont = NULL;
	if (kube_page_token(&kl->p, err) < 0)
		return -1;
	if (kl->p.next[0] == '\0')
		return 0;
	if (kl->pages + 1 >= KUBE_PAGES_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: over %d pages", kl->what,
				    KUBE_PAGES_MAX);
	h = token_hash(kl->p.next);
	for (i = 0; i < kl->pages; i++)
		if (kl->seen[i] == h)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "%s: page %zu repeats the continue token of page %zu: the listing would never end",
					    kl->what, kl->pages + 1, i + 1);
	kl->seen[kl->pages++] = h;
	if ((kl->cont = strdup(kl->p.next)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 1;
}

static void
page_done(void *arg, struct http_call *h)
{
	struct klist *kl = arg;
	struct mcle_err e = MCLE_ERR_INIT;
	struct kube_reply r;
	int more;

	memset(&r, 0, sizeof(r));
	if (h->rc < 0) {
		if (kl->p.err.code != MCLE_OK)
			e = kl->p.err;
		else if (h->cred_failed)
			mcle_err_set(&e, h->err.code, "%s", h->err.msg);
		else
			mcle_err_set(&e, h->err.code, "%s: %s", kl->what, h->err.msg);
		klist_finish(kl, -1, &e);
		return;
	}
	if (h->resp.status == 410 && kl->cont != NULL && kl->restarts < KUBE_LIST_RESTARTS) {
		/* the continue token expired: start over, consistently */
		log_debug("%s: continue token expired, restarting", kl->what);
		kl->restarts++;
		free(kl->cont);
		kl->cont = NULL;
		kl->pages = kl->p.items = 0;
		kl->names.n = 0;
		kl->cb.reset(kl->cb.arg);
		if (klist_fetch(kl, &e) < 0)
			klist_finish(kl, -1, &e);
		return;
	}
	if (h->resp.status < 200 || h->resp.status > 299) {
		api_error(&r, kl->what, &h->resp);
		if (kl->kind == LIST_LEASES && h->resp.status == 404)
			mcle_err_set(&e, MCLE_ECONFIG,
				     "no %s.%s/%s resource type in %s: install the CRD (examples/crd.yaml)",
				     kl->k->kind.plural, kl->k->kind.group, kl->k->kind.version,
				     kl->k->describe);
		else
			e = r.err;
		klist_finish(kl, -1, &e);
		return;
	}
	if (kube_page_finish(&kl->p, &e) < 0 || deliver_page(kl, &e) < 0 ||
	    (more = next_page(kl, &e)) < 0) {
		klist_finish(kl, -1, &e);
		return;
	}
	if (kl->p.system_uid[0] != '\0' && kl->k->uid[0] == '\0')
		memcpy(kl->k->uid, kl->p.system_uid, sizeof(kl->k->uid));
	if (more == 0) {
		if (kl->kind == LIST_NAMESPACES && deliver_names(kl, &e) < 0)
			klist_finish(kl, -1, &e);
		else
			klist_finish(kl, 0, NULL);
		return;
	}
	if (klist_fetch(kl, &e) < 0)
		klist_finish(kl, -1, &e);
}

static int
add_query(char *buf, size_t size, const char *key, const char *value)
{
	size_t len = strlen(buf);
	char *esc;
	int n;

	if (value == NULL || *value == '\0')
		return 0;
	if ((esc = http_escape(value)) == NULL)
		return -1;
	n = snprintf(buf + len, size - len, "%c%s=%s", strchr(buf, '?') ? '&' : '?', key, esc);
	free(esc);
	return n < 0 || (size_t)n >= size - len ? -1 : 0;
}

static int
klist_fetch(struct klist *kl, struct mcle_err *err)
{
	struct http_request req;
	char url[KUBE_PATH_MAX + KUBE_CONTINUE_MAX * 3 + 64], limit[16];

	snprintf(limit, sizeof(limit), "%d", KUBE_PAGE_LIMIT);
	snprintf(url, sizeof(url), "%s", kl->url_base);
	if (add_query(url, sizeof(url), "limit", limit) < 0 ||
	    add_query(url, sizeof(url), "labelSelector", kl->selector) < 0 ||
	    add_query(url, sizeof(url), "continue", kl->cont) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: query too long", kl->what);
	base_request(kl->k, &req, "GET", url, kl->deadline);
	req.stream = &kl->stream;
	return http_submit(kl->k->http, &req, page_done, kl, err);
}

static void
klist_finish(struct klist *kl, int rc, const struct mcle_err *err)
{
	if (kl->p.warned > KUBE_WARN_MAX)
		log_warn("%zu more invalid or duplicate %s from %s not shown",
			 kl->p.warned - KUBE_WARN_MAX, kl->noun, kl->k->describe);
	kl->cb.done(kl->cb.arg, rc, err);
	kube_page_free(&kl->p);
	vec_free(&kl->names);
	free(kl->seen);
	free(kl->cont);
	free(kl->selector);
	free(kl);
}

static struct klist *
klist_new(struct kube_client *k, enum list_kind kind, const char *selector,
	  int64_t deadline, const struct kube_list_cb *cb, struct mcle_err *err)
{
	struct vec names = VEC_INIT(struct kube_ns_item, KUBE_LIST_ITEMS_MAX);
	struct klist *kl;

	if ((kl = calloc(1, sizeof(*kl))) == NULL ||
	    (kl->seen = calloc(KUBE_PAGES_MAX, sizeof(*kl->seen))) == NULL ||
	    (selector != NULL && (kl->selector = strdup(selector)) == NULL)) {
		if (kl != NULL)
			free(kl->seen);
		free(kl);
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	kl->k = k;
	kl->kind = kind;
	kl->cb = *cb;
	kl->deadline = deadline;
	kl->names = names;
	kl->stream.begin = stream_begin;
	kl->stream.data = stream_data;
	kl->stream.arg = kl;
	return kl;
}

/* The listing's page parser, once what is listed is known, then the first page. */
static int
klist_start(struct klist *kl, struct mcle_err *err)
{
	struct kube_listing ls = {
		kl->kind == LIST_LEASES, kl->k->kind.name, kl->k->kind.plural, kl->noun,
		kl->what, kl->k->cfg->server, kl->k->describe,
	};

	kube_page_init(&kl->p, &ls);
	if (klist_fetch(kl, err) < 0) {
		kube_page_free(&kl->p);
		free(kl->seen);
		free(kl->selector);
		free(kl);
		return -1;
	}
	return 0;
}

int
kube_list_namespaces_start(struct kube_client *k, const char *selector, int64_t deadline,
			   const struct kube_list_cb *cb, struct mcle_err *err)
{
	struct klist *kl;

	if ((kl = klist_new(k, LIST_NAMESPACES, selector, deadline, cb, err)) == NULL)
		return -1;
	kl->noun = "namespaces";
	snprintf(kl->what, sizeof(kl->what), "cannot list namespaces in %s", k->describe);
	snprintf(kl->url_base, sizeof(kl->url_base), "%s/api/v1/namespaces", k->cfg->url);
	return klist_start(kl, err);
}

int
kube_list_leases_start(struct kube_client *k, int64_t deadline,
		       const struct kube_list_cb *cb, struct mcle_err *err)
{
	struct klist *kl;

	if ((kl = klist_new(k, LIST_LEASES, NULL, deadline, cb, err)) == NULL)
		return -1;
	snprintf(kl->noun_buf, sizeof(kl->noun_buf), "%s.%s", k->kind.plural, k->kind.group);
	kl->noun = kl->noun_buf;
	snprintf(kl->what, sizeof(kl->what), "cannot list %s.%s in %s", k->kind.plural,
		 k->kind.group, k->describe);
	snprintf(kl->url_base, sizeof(kl->url_base), "%s/apis/%s/%s/%s", k->cfg->url,
		 k->kind.group, k->kind.version, k->kind.plural);
	return klist_start(kl, err);
}

/* --- any JSON request --------------------------------------------------------- */

int
kube_json_start(struct kube_client *k, const char *method, const char *path, json_object *body,
		int64_t deadline, int max_tries, http_done_fn done, void *arg,
		struct mcle_err *err)
{
	struct http_request req;
	char url[KUBE_PATH_MAX], *text = NULL;
	int rc, n;

	n = snprintf(url, sizeof(url), "%s%s", k->cfg->url, path);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		json_object_put(body);
		return mcle_err_set(err, MCLE_ECONFIG, "%s %.200s: URL too long", method, path);
	}
	if (body != NULL && (text = json_dump(body, JSON_PLAIN)) == NULL) {
		json_object_put(body);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	json_object_put(body);
	base_request(k, &req, method, url, deadline);
	req.max_tries = max_tries;
	if (text != NULL) {
		req.body = text;
		req.body_len = strlen(text);
		req.content_type = "application/json";
	}
	rc = http_submit(k->http, &req, done, arg, err);
	free(text);
	return rc;
}
