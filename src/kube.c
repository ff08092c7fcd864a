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
#include "jstream.h"
#include "kube-config.h"
#include "kube.h"
#include "log.h"
#include "parse.h"
#include "vec.h"

#define KUBE_OBJECT_MAX	(1024 * 1024)	/* one object's JSON */
#define KUBE_PATH_MAX	2048
#define KUBE_TRIES	4
#define KUBE_STRING_MAX	(64 * 1024)	/* one string value of a list item */
#define KUBE_WARN_MAX	5		/* warnings about skipped items, per listing */
#define KUBE_CLIP	96

struct kube_client {
	struct kube_config *cfg;
	struct cred *cred;		/* NULL: nothing to send */
	struct http_client *http;
	struct kube_lease_kind kind;
	char describe[512];
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

/* --- the Lease resource's fields ------------------------------------------- */

/* A clean string: no NUL, at most max bytes. */
static int
clean(const char *s, size_t len, size_t max)
{
	return s != NULL && len <= max && strlen(s) == len;
}

static int
time_field(enum jstream_tok tok, const char *s, size_t len, mcle_time *t)
{
	return tok == JS_STRING && clean(s, len, 64) && time_parse_rfc3339(s, t) == 0;
}

static int
int_field(enum jstream_tok tok, const char *s, size_t len, int64_t min, int64_t max,
	  int64_t *v)
{
	return tok == JS_NUMBER && clean(s, len, 24) && parse_int(s, min, max, v) == 0;
}

/* One status field into st; unknown keys are ignored. */
static void
status_field(struct kube_status *st, const char *key, enum jstream_tok tok,
	     const char *s, size_t len)
{
	static const struct { const char *key; unsigned bit; } keys[] = {
		{ "isLeader", KS_LEADER }, { "observedHolderIdentity", KS_HOLDER },
		{ "observedAcquireTime", KS_ACQUIRE }, { "observedRenewTime", KS_RENEW },
		{ "leaseTransitions", KS_TRANS }, { "observedExpireTime", KS_EXPIRE },
		{ "epoch", KS_EPOCH }, { "leaseDurationSeconds", KS_DURATION },
		{ "lastError", KS_ERROR },
	};
	unsigned bit = 0;
	size_t i;
	int64_t v = 0;
	int ok = 0;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]) && bit == 0; i++)
		if (strcmp(key, keys[i].key) == 0)
			bit = keys[i].bit;
	if (bit == 0)
		return;
	if (tok == JS_NULL) {
		st->null |= bit;
		return;
	}
	switch (bit) {
	case KS_LEADER:
		ok = tok == JS_TRUE || tok == JS_FALSE;
		st->is_leader = tok == JS_TRUE;
		break;
	case KS_HOLDER:
		ok = tok == JS_STRING && clean(s, len, MCLE_IDENTITY_MAX) &&
		     (len == 0 || valid_identity(s));
		if (ok)
			memcpy(st->holder, s, len + 1);
		break;
	case KS_ACQUIRE:
		ok = time_field(tok, s, len, &st->acquire);
		break;
	case KS_RENEW:
		ok = time_field(tok, s, len, &st->renew);
		break;
	case KS_EXPIRE:
		ok = time_field(tok, s, len, &st->expire);
		break;
	case KS_TRANS:
	case KS_EPOCH:
		ok = int_field(tok, s, len, 0, MCLE_EPOCH_MAX, &v);
		*(bit == KS_TRANS ? &st->transitions : &st->epoch) = v;
		break;
	case KS_DURATION:
		ok = int_field(tok, s, len, 1, INT32_MAX, &v);
		st->duration = (int32_t)v;
		break;
	case KS_ERROR:
		ok = tok == JS_STRING && s != NULL;
		if (ok)
			http_clip_n(s, len, st->error, sizeof(st->error));
		break;
	}
	if (ok)
		st->has |= bit;
	else
		st->bad |= bit;
}

/* What a Lease item says, field by field. */
struct lease_fields {
	struct kube_lease l;
	int name_ok, ns_ok, rv_ok;
	int name_state;			/* 0: not ours, 1: ours, -1: an invalid name */
	char shown_name[KUBE_CLIP];	/* as a warning shows it */
	char bad_ns[KUBE_CLIP];
};

static void
lease_field(struct lease_fields *f, const char *section, const char *key,
	    enum jstream_tok tok, const char *s, size_t len, const char *want_name)
{
	int64_t v = 0;

	if (strcmp(section, "metadata") == 0) {
		if (strcmp(key, "name") == 0) {
			f->name_ok = tok == JS_STRING && clean(s, len, 253) &&
				     strcmp(s, want_name) == 0;
			/* a valid name not ours is another resource; an invalid one is bad */
			f->name_state = f->name_ok ? 1 :
				tok == JS_STRING && clean(s, len, 253) && valid_subdomain(s) ? 0 : -1;
			http_clip_n(s, tok == JS_STRING ? len : 0, f->shown_name, sizeof(f->shown_name));
		} else if (strcmp(key, "namespace") == 0 && tok == JS_STRING) {
			f->ns_ok = clean(s, len, MCLE_NAMESPACE_MAX) && valid_namespace(s);
			if (f->ns_ok)
				memcpy(f->l.ns, s, len + 1);
			else
				http_clip_n(s, len, f->bad_ns, sizeof(f->bad_ns));
		} else if (strcmp(key, "resourceVersion") == 0) {
			f->rv_ok = tok == JS_STRING && clean(s, len, KUBE_RV_MAX) && len > 0 &&
				   strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/+=") == len;
			if (f->rv_ok)
				memcpy(f->l.rv, s, len + 1);
		}
	} else if (strcmp(section, "spec") == 0) {
		if (strcmp(key, "leaseDurationSeconds") == 0 &&
		    int_field(tok, s, len, 1, INT32_MAX, &v))
			f->l.spec_duration = (int32_t)v;
		else if (strcmp(key, "holderIdentity") == 0 && tok == JS_STRING &&
			 clean(s, len, MCLE_IDENTITY_MAX) && valid_identity(s))
			memcpy(f->l.spec_holder, s, len + 1);
	} else if (strcmp(section, "status") == 0) {
		f->l.has_status = 1;
		status_field(&f->l.status, key, tok, s, len);
	}
}

/* The same from a json-c tree (a single object's answer). */
static enum jstream_tok
tok_of(json_object *v, const char **s, size_t *len)
{
	*s = NULL;
	*len = 0;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return JS_NULL;
	case json_type_boolean:
		return json_object_get_boolean(v) ? JS_TRUE : JS_FALSE;
	case json_type_int:
		*s = json_object_get_string(v);
		*len = strlen(*s);
		return JS_NUMBER;
	case json_type_string:
		*s = json_object_get_string(v);
		*len = (size_t)json_object_get_string_len(v);
		return JS_STRING;
	case json_type_double:
		*s = "1.5";	/* never an integer field's value */
		*len = 3;
		return JS_NUMBER;
	default:
		return JS_OBJECT;	/* a container where a scalar should be */
	}
}

static void
lease_from_tree(struct lease_fields *f, json_object *o, const char *want_name)
{
	static const char *const sections[] = { "metadata", "spec", "status" };
	json_object *sec;
	const char *s;
	size_t i, len;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 3; i++) {
		if (!json_object_object_get_ex(o, sections[i], &sec) ||
		    !json_object_is_type(sec, json_type_object))
			continue;
		if (i == 2)
			f->l.has_status = 1;
		json_object_object_foreach(sec, key, val) {
			enum jstream_tok t = tok_of(val, &s, &len);

			lease_field(f, sections[i], key, t, s, len, want_name);
		}
	}
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
	const char *why, *m = NULL, *reason = NULL, *kind = NULL;
	json_object *st = resp->len > 0 ? json_parse(resp->body, resp->len, &why) : NULL;
	json_object *det = json_obj(st, "details"), *mv;
	char text[256];
	enum mcle_code code;

	if (json_object_object_get_ex(st, "message", &mv) &&
	    json_object_is_type(mv, json_type_string))
		http_clip_n(json_object_get_string(mv), (size_t)json_object_get_string_len(mv),
		     text, sizeof(text));
	else
		http_clip_n(resp->body, resp->len, text, sizeof(text));
	m = text;
	reason = json_str(st, "reason");
	kind = json_str(det, "kind");
	switch (resp->status) {
	case 401: code = MCLE_EAUTH; break;
	case 403: code = MCLE_EPERM; break;
	case 404: code = MCLE_ENOTFOUND; break;
	case 409: code = MCLE_EPRECOND; break;
	case 410: code = MCLE_EUNAVAIL; break;
	case 400: case 422: code = MCLE_ECONFIG; break;
	default:
		code = http_status_retryable(resp->status) ? MCLE_EUNAVAIL : MCLE_ECONFIG;
		break;
	}
	r->ns_missing = resp->status == 404 && reason != NULL &&
			strcmp(reason, "NotFound") == 0 && kind != NULL &&
			strcmp(kind, "namespaces") == 0;
	mcle_err_set(&r->err, code, "%s: %ld %s", what, resp->status, *m ? m : "(no message)");
	json_object_put(st);
}

enum kcall_kind { KC_GET, KC_CREATE, KC_PUT };

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
	struct lease_fields f;
	json_object *o;
	const char *why;

	if ((o = json_parse(resp->body != NULL ? resp->body : "", resp->len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		mcle_err_set(&c->reply.err, MCLE_ECORRUPT, "%s: malformed JSON from %s: %s",
			     c->what, c->k->cfg->server, o == NULL ? why : "not an object");
		json_object_put(o);
		return;
	}
	lease_from_tree(&f, o, c->k->kind.name);
	json_object_put(o);
	if (!f.name_ok || !f.ns_ok || strcmp(f.l.ns, c->ns) != 0 || !f.rv_ok) {
		mcle_err_set(&c->reply.err, MCLE_ECORRUPT,
			     "%s: the answer from %s is not that resource (name, namespace or resourceVersion)",
			     c->what, c->k->cfg->server);
		return;
	}
	c->reply.lease = f.l;
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
		if (c->reply.rc == 0 && c->kind == KC_PUT &&
		    (c->sent.has & ~(c->reply.lease.status.has | c->reply.lease.status.bad)) != 0)
			c->reply.pruned = 1;
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
	    struct mcle_err *err)
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
	req.content_type = "application/json";
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
	if (submit_body(c, "POST", url, body, err) < 0) {
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
	if (submit_body(c, "PUT", url, body, err) < 0) {
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

/* --- listings --------------------------------------------------------------- */

enum list_kind { LIST_NAMESPACES, LIST_LEASES };

struct ns_item {
	char name[MCLE_NAMESPACE_MAX + 1];
	int terminating;
};

/* A namespace item being read: its name, and why it is skipped if it is. */
struct ns_reading {
	struct ns_item it;
	char shown[KUBE_CLIP];		/* the name as a warning shows it */
	const char *bad;		/* why it is skipped, or NULL */
};

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
	struct jstream js;
	struct http_stream stream;
	struct vec page;		/* struct lease_fields */
	struct vec names;		/* struct ns_item: the whole listing, merged at its end */
	int in_item, saw_items, bad_page;
	struct ns_reading ns_cur;
	struct lease_fields lease_cur;
	char next[KUBE_CONTINUE_MAX + 1];
	int next_bad;
	/* the listing so far */
	char *cont;			/* token of the page being fetched, or NULL */
	uint64_t *seen;			/* hashes of tokens followed since the (re)start */
	size_t pages, items, warned, page_items;
	int restarts;
	struct mcle_err perr;		/* why the page's parse stopped */
};

static void
warn_item(struct klist *kl, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (kl->warned++ >= KUBE_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warn("%s", buf);
}

static void
item_begin(struct klist *kl)
{
	kl->in_item = 1;
	memset(&kl->ns_cur, 0, sizeof(kl->ns_cur));
	memset(&kl->lease_cur, 0, sizeof(kl->lease_cur));
}

/* A namespace item's field: its name, and whether it is going away. */
static void
ns_field(struct klist *kl, const char *section, const char *key, enum jstream_tok tok,
	 const char *s, size_t len)
{
	struct ns_reading *n = &kl->ns_cur;
	int meta = strcmp(section, "metadata") == 0;

	if (meta && strcmp(key, "name") == 0) {
		http_clip_n(s, tok == JS_STRING ? len : 0, n->shown, sizeof(n->shown));
		if (tok == JS_STRING && clean(s, len, MCLE_NAMESPACE_MAX) && valid_namespace(s))
			memcpy(n->it.name, s, len + 1);
		else
			n->bad = "metadata.name is not a namespace name";
	} else if (meta && strcmp(key, "deletionTimestamp") == 0) {
		if (tok == JS_STRING && !clean(s, len, 64) && n->bad == NULL)
			n->bad = "metadata.deletionTimestamp holds a NUL byte";
		if (tok != JS_NULL)
			n->it.terminating = 1;
	} else if (strcmp(section, "status") == 0 && strcmp(key, "phase") == 0) {
		if (tok == JS_STRING && !clean(s, len, 64) && n->bad == NULL)
			n->bad = "status.phase holds a NUL byte";
		else if (tok == JS_STRING && strcmp(s, "Terminating") == 0)
			n->it.terminating = 1;
	}
}

/* Items of this page and the pages before: over a cap, the server's error. */
static int
page_full(struct klist *kl)
{
	if (++kl->page_items > KUBE_PAGE_ITEMS_MAX)
		return mcle_err_set(&kl->perr, MCLE_ECORRUPT,
				    "%s: a page of over %d items (ten times the limit asked for)",
				    kl->what, KUBE_PAGE_ITEMS_MAX);
	if (kl->items + kl->page_items > KUBE_LIST_ITEMS_MAX)
		return mcle_err_set(&kl->perr, MCLE_ECONFIG, "cluster %s lists over %d %s",
				    kl->k->describe, KUBE_LIST_ITEMS_MAX, kl->noun);
	return 0;
}

static int
ns_end(struct klist *kl)
{
	struct ns_reading *n = &kl->ns_cur;
	struct ns_item *slot;

	if (n->bad == NULL && n->it.name[0] == '\0')
		n->bad = "metadata.name is not a namespace name";
	if (n->bad != NULL) {
		warn_item(kl, "namespace '%s' from %s skipped: %s", n->shown, kl->k->describe,
			  n->bad);
		return 0;
	}
	if ((slot = vec_add(&kl->page)) == NULL)
		return mcle_err_set(&kl->perr, MCLE_ENOMEM, "out of memory");
	*slot = n->it;
	return 0;
}

static int
lease_end(struct klist *kl)
{
	struct lease_fields *f = &kl->lease_cur, *slot;
	const char *why = NULL;

	if (f->name_state == 0)
		return 0;	/* another resource of the kind: not ours */
	if (f->name_state < 0)
		why = "invalid metadata.name";
	else if (!f->ns_ok)
		why = "invalid metadata.namespace";
	else if (!f->rv_ok)
		why = "invalid metadata.resourceVersion";
	if (why != NULL) {
		warn_item(kl, "%s '%s' in namespace '%s' from %s skipped: %s", kl->k->kind.plural,
			  f->shown_name, f->ns_ok ? f->l.ns : f->bad_ns, kl->k->describe, why);
		return 0;
	}
	if ((slot = vec_add(&kl->page)) == NULL)
		return mcle_err_set(&kl->perr, MCLE_ENOMEM, "out of memory");
	*slot = *f;
	return 0;
}

/* The end of an item: counted against the caps, kept or skipped. */
static int
item_end(struct klist *kl)
{
	kl->in_item = 0;
	if (page_full(kl) < 0)
		return -1;
	return kl->kind == LIST_NAMESPACES ? ns_end(kl) : lease_end(kl);
}

static int
on_token(void *arg, struct jstream *js, enum jstream_tok tok, const char *s,
	 size_t len, int depth)
{
	struct klist *kl = arg;
	const char *sec, *key;

	/* the page: {"metadata": {"continue": ...}, "items": [ ... ]} */
	if (depth == 1 && jstream_key_is(js, 1, "metadata") && tok != JS_OBJECT &&
	    tok != JS_OBJECT_END && tok != JS_NULL)
		return mcle_err_set(&kl->perr, MCLE_ECORRUPT, "%s: malformed list from %s",
				    kl->what, kl->k->cfg->server);
	if (depth == 1 && jstream_key_is(js, 1, "items")) {
		kl->saw_items = 1;
		if (tok != JS_ARRAY && tok != JS_ARRAY_END && tok != JS_NULL)
			return mcle_err_set(&kl->perr, MCLE_ECORRUPT, "%s: malformed list from %s",
					    kl->what, kl->k->cfg->server);
		return 0;
	}
	if (depth == 2 && jstream_key_is(js, 1, "metadata") && jstream_key_is(js, 2, "continue")) {
		if (tok == JS_NULL)
			return 0;
		if (tok != JS_STRING || !clean(s, len, KUBE_CONTINUE_MAX))
			kl->next_bad = 1;
		else
			memcpy(kl->next, s, len + 1);
		return 0;
	}
	if (!jstream_key_is(js, 1, "items") || depth < 2)
		return 0;
	if (depth == 2) {
		if (tok == JS_OBJECT)
			item_begin(kl);
		else if (tok == JS_OBJECT_END)
			return item_end(kl);
		else
			return mcle_err_set(&kl->perr, MCLE_ECORRUPT, "%s: malformed item from %s",
					    kl->what, kl->k->cfg->server);
		return 0;
	}
	if (depth != 4 || !kl->in_item || tok == JS_OBJECT || tok == JS_ARRAY ||
	    tok == JS_OBJECT_END || tok == JS_ARRAY_END)
		return 0;
	sec = jstream_key(js, 3);
	key = jstream_key(js, 4);
	if (sec == NULL || key == NULL)
		return 0;
	if (kl->kind == LIST_NAMESPACES)
		ns_field(kl, sec, key, tok, s, len);
	else
		lease_field(&kl->lease_cur, sec, key, tok, s, len, kl->k->kind.name);
	return 0;
}

static void
stream_begin(void *arg)
{
	struct klist *kl = arg;

	jstream_free(&kl->js);
	jstream_init(&kl->js, on_token, kl, KUBE_STRING_MAX);
	kl->page.n = 0;
	kl->page_items = 0;
	kl->in_item = kl->saw_items = kl->next_bad = 0;
	kl->next[0] = '\0';
	mcle_err_clear(&kl->perr);
}

static int
stream_data(void *arg, const char *p, size_t n)
{
	struct klist *kl = arg;

	if (jstream_feed(&kl->js, p, n) < 0) {
		mcle_err_set(&kl->perr, MCLE_ECORRUPT, "%s: malformed list from %s: %s",
			     kl->what, kl->k->cfg->server, kl->js.err);
		return -1;
	}
	return 0;
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
	struct ns_item *n;
	size_t i;

	kl->items += kl->page_items;
	for (i = 0; i < kl->page.n; i++) {
		if (kl->kind == LIST_LEASES) {
			struct lease_fields *f = vec_at(&kl->page, i);

			if (kl->cb.lease(kl->cb.arg, &f->l, err) < 0)
				return -1;
			continue;
		}
		if ((n = vec_add(&kl->names)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		*n = *(struct ns_item *)vec_at(&kl->page, i);
	}
	return 0;
}

static int
cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct ns_item *)a)->name, ((const struct ns_item *)b)->name);
}

/*
 * The whole namespace listing, by name: a name listed more than once (a
 * server inconsistency) is kept once, Terminating if any copy says so.
 */
static int
deliver_names(struct klist *kl, struct mcle_err *err)
{
	struct ns_item *v = kl->names.v;
	size_t i, j, n = kl->names.n;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_ns);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(v[j].name, v[i].name) == 0; j++)
			v[i].terminating |= v[j].terminating;
		if (j - i > 1)
			warn_item(kl, "namespace '%s' listed %s by %s: kept once", v[i].name,
				  j - i == 2 ? "twice" : "more than twice", kl->k->describe);
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
	if (kl->next_bad)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: invalid continue token from %s (not a string of at most %d bytes)",
				    kl->what, kl->k->cfg->server, KUBE_CONTINUE_MAX);
	if (kl->next[0] == '\0')
		return 0;
	if (kl->pages + 1 >= KUBE_PAGES_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: over %d pages", kl->what,
				    KUBE_PAGES_MAX);
	h = token_hash(kl->next);
	for (i = 0; i < kl->pages; i++)
		if (kl->seen[i] == h)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "%s: page %zu repeats the continue token of page %zu: the listing would never end",
					    kl->what, kl->pages + 1, i + 1);
	kl->seen[kl->pages++] = h;
	if ((kl->cont = strdup(kl->next)) == NULL)
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
		if (kl->perr.code != MCLE_OK)
			e = kl->perr;
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
		kl->pages = kl->items = 0;
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
	if (jstream_finish(&kl->js) < 0) {
		mcle_err_set(&e, MCLE_ECORRUPT, "%s: malformed list from %s: %s", kl->what,
			     kl->k->cfg->server, kl->js.err);
		klist_finish(kl, -1, &e);
		return;
	}
	if (!kl->saw_items) {
		mcle_err_set(&e, MCLE_ECORRUPT, "%s: malformed list from %s", kl->what,
			     kl->k->cfg->server);
		klist_finish(kl, -1, &e);
		return;
	}
	if (deliver_page(kl, &e) < 0 || (more = next_page(kl, &e)) < 0) {
		klist_finish(kl, -1, &e);
		return;
	}
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
	if (kl->warned > KUBE_WARN_MAX)
		log_warn("%zu more invalid or duplicate %s from %s not shown",
			 kl->warned - KUBE_WARN_MAX, kl->noun, kl->k->describe);
	kl->cb.done(kl->cb.arg, rc, err);
	jstream_free(&kl->js);
	vec_free(&kl->page);
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
	struct vec ns_page = VEC_INIT(struct ns_item, KUBE_PAGE_ITEMS_MAX);
	struct vec lease_page = VEC_INIT(struct lease_fields, KUBE_PAGE_ITEMS_MAX);
	struct vec names = VEC_INIT(struct ns_item, KUBE_LIST_ITEMS_MAX);
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
	kl->page = kind == LIST_NAMESPACES ? ns_page : lease_page;
	kl->names = names;
	kl->stream.begin = stream_begin;
	kl->stream.data = stream_data;
	kl->stream.arg = kl;
	jstream_init(&kl->js, on_token, kl, KUBE_STRING_MAX);
	return kl;
}

static int
klist_start(struct klist *kl, struct mcle_err *err)
{
	if (klist_fetch(kl, err) < 0) {
		jstream_free(&kl->js);
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
