/*
 * kube.c - the Kubernetes API calls of reconcile-all, by hand.
 *
 * One http_client per run (one connection, kept alive).  Credentials come
 * from kube-config.c each pass; a 401 drops cached exec credentials and is
 * retried once with fresh ones.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "http.h"
#include "kube-config.h"
#include "kube.h"
#include "log.h"
#include "parse.h"

#define KUBE_BODY_MAX (32 * 1024 * 1024)	/* one list page */
#define KUBE_PATH_MAX 8192		/* path and query of a request */
#define KUBE_WARN_MAX 5			/* warnings about skipped items, per listing */
#define KUBE_JSON_DEPTH 64
#define KUBE_TRIES 4

struct kube_client {
	struct kube_config *cfg;
	struct http_client *http;
	struct kube_auth auth;
	unsigned cert_gen;
	int64_t deadline;
	struct kube_lease_kind kind;
	char describe[512];
	int is_clone;		/* cfg and auth belong to the original */
	struct kube_client *origin;	/* a clone's original, or NULL */
	char *token;		/* a clone's own copy of the bearer token */
	unsigned auth_serial;	/* +1 per authentication (original); the one copied (clone) */
};

/* Clones on worker threads re-authenticate through their original, one at a time. */
static pthread_mutex_t reauth_lock = PTHREAD_MUTEX_INITIALIZER;

/* (Re)build the HTTP client when the client certificate changes. */
static int
ensure_http(struct kube_client *k, struct mcle_err *err)
{
	struct http_tls tls;

	if (k->http != NULL && k->cert_gen == k->auth.cert_gen)
		return 0;
	http_client_free(k->http);
	kube_config_tls(k->cfg, &k->auth, &tls);
	if ((k->http = http_client_new(&tls, err)) == NULL)
		return -1;
	http_client_set_body_max(k->http, KUBE_BODY_MAX);
	k->cert_gen = k->auth.cert_gen;
	return 0;
}

static int
authenticate(struct kube_client *k, struct mcle_err *err)
{
	if (kube_config_auth(k->cfg, k->deadline, &k->auth, err) < 0)
		return -1;
	k->auth_serial++;
	return ensure_http(k, err);
}

static void
free_token(char *t)
{
	if (t != NULL) {
		OPENSSL_cleanse(t, strlen(t));
		free(t);
	}
}

/*
 * A clone got 401: unless another worker already did, have the original
 * drop its cached credentials and authenticate again; then take a copy of
 * the new token (and a new connection if the client certificate changed).
 */
static int
clone_reauth(struct kube_client *k, struct mcle_err *err)
{
	struct kube_client *o = k->origin;
	struct http_client *h;
	char *t = NULL;
	int rc = -1;

	pthread_mutex_lock(&reauth_lock);
	if (o->auth_serial == k->auth_serial) {
		kube_config_invalidate(o->cfg);
		if (authenticate(o, err) < 0)
			goto out;
	}
	if (o->auth.token != NULL && (t = strdup(o->auth.token)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto out;
	}
	free_token(k->token);
	k->token = t;
	k->auth = o->auth;
	k->auth_serial = o->auth_serial;
	if (k->cert_gen != o->cert_gen) {
		if ((h = http_client_clone(o->http, err)) == NULL)
			goto out;
		http_client_free(k->http);
		k->http = h;
		k->cert_gen = o->cert_gen;
	}
	rc = 0;
out:
	pthread_mutex_unlock(&reauth_lock);
	return rc;
}

int
kube_open(const char *kubeconfig, const char *context,
	  const struct kube_lease_kind *kind, int64_t deadline,
	  struct kube_client **out, struct mcle_err *err)
{
	struct kube_config_opts o = { kubeconfig, context };
	struct kube_client *k;
	int rc;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	rc = kube_config_load(&o, &k->cfg, err);
	if (rc != 0) {
		free(k);
		return rc;
	}
	k->kind = *kind;
	k->deadline = deadline;
	if (k->cfg->context != NULL)
		snprintf(k->describe, sizeof(k->describe), "%s (context '%s' in %s)",
			 k->cfg->server, k->cfg->context, k->cfg->source);
	else
		snprintf(k->describe, sizeof(k->describe), "%s (%s)", k->cfg->server,
			 k->cfg->source);
	if (authenticate(k, err) < 0) {
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
	free_token(k->token);
	if (!k->is_clone)
		kube_config_free(k->cfg);
	free(k);
}

struct kube_client *
kube_clone(struct kube_client *k, struct mcle_err *err)
{
	struct kube_client *n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	*n = *k;
	n->is_clone = 1;
	n->origin = k->origin != NULL ? k->origin : k;
	n->token = NULL;
	n->http = NULL;
	if ((k->auth.token != NULL && (n->token = strdup(k->auth.token)) == NULL) ||
	    (n->http = http_client_clone(k->http, err)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		kube_close(n);
		return NULL;
	}
	return n;
}

const char *
kube_describe(const struct kube_client *k)
{
	return k->describe;
}

static json_object *
parse_body(const char *body, size_t len)
{
	json_tokener *tok;
	json_object *o;

	if ((tok = json_tokener_new_ex(KUBE_JSON_DEPTH)) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, body, (int)len);
	if (o != NULL && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

enum { STR_ABSENT, STR_OK, STR_BAD };

/*
 * The string at key into *out (borrowed): STR_ABSENT if there is none (or
 * it is not a string), STR_BAD if it holds a NUL byte (C would see it cut
 * short) or is longer than max bytes, else STR_OK.
 */
static int
get_str(json_object *o, const char *key, size_t max, const char **out)
{
	json_object *v;
	size_t len;

	*out = NULL;
	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return STR_ABSENT;
	*out = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	return len == strlen(*out) && len <= max ? STR_OK : STR_BAD;
}

/* Server bytes (NULs included) clipped to printable ASCII for a message. */
static void
clip_bytes(const char *s, size_t len, char *buf, size_t size)
{
	char tmp[512];
	size_t i;

	if (len > size)
		len = size;	/* one more than fits: http_clip marks the cut */
	if (len > sizeof(tmp) - 1)
		len = sizeof(tmp) - 1;
	for (i = 0; s != NULL && i < len; i++)
		tmp[i] = s[i] != '\0' ? s[i] : ' ';
	tmp[i] = '\0';
	http_clip(tmp, buf, size);
}

/* The string at key, whatever it holds, clipped for a message ("" if none). */
static void
clip_field(json_object *o, const char *key, char *buf, size_t size)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		v = NULL;
	clip_bytes(v != NULL ? json_object_get_string(v) : "",
		   v != NULL ? (size_t)json_object_get_string_len(v) : 0, buf, size);
}

static json_object *
get_object(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* Map a non-2xx answer to an error with the server's message. */
static int
api_error(struct kube_client *k, const char *what, const struct http_response *r,
	  struct mcle_err *err)
{
	json_object *st = r->len > 0 ? parse_body(r->body, r->len) : NULL;
	const char *msg;
	char clip[256];
	enum mcle_code code;

	if (get_str(st, "message", SIZE_MAX, &msg) != STR_ABSENT)
		clip_field(st, "message", clip, sizeof(clip));
	else
		clip_bytes(r->body, r->len, clip, sizeof(clip));
	switch (r->status) {
	case 401: code = MCLE_EAUTH; break;
	case 403: code = MCLE_EPERM; break;
	case 404: code = MCLE_ENOTFOUND; break;
	case 409: code = MCLE_EPRECOND; break;
	case 410: code = MCLE_EUNAVAIL; break;	/* continue tokens kept expiring */
	case 422: case 400: code = MCLE_ECONFIG; break;
	default: code = http_status_retryable(r->status) ? MCLE_EUNAVAIL : MCLE_ECONFIG; break;
	}
	mcle_err_set(err, code, "%s: %ld %s", what, r->status, clip[0] ? clip : "(no message)");
	(void)k;
	json_object_put(st);
	return -1;
}

/*
 * One API call: method on path (relative to the server), optional JSON body.
 * 2xx -> 0 with *out (owned; may be NULL for an empty body).  Otherwise -1
 * with err set and *status the HTTP status (0 without a response).
 */
static int
call(struct kube_client *k, const char *method, const char *path,
     json_object *body, const char *what, json_object **out, long *status,
     struct mcle_err *err)
{
	struct http_request req;
	struct http_response resp;
	char url[KUBE_PATH_MAX + 1024];
	const char *text = NULL;
	int rc = -1, reauth;

	*out = NULL;
	*status = 0;
	if (body != NULL)
		text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
	if ((size_t)snprintf(url, sizeof(url), "%s%s", k->cfg->url, path) >= sizeof(url))
		return mcle_err_set(err, MCLE_ECONFIG, "%s: URL too long", what);
	for (reauth = 0; reauth < 2; reauth++) {
		memset(&req, 0, sizeof(req));
		memset(&resp, 0, sizeof(resp));
		req.method = method;
		req.url = url;
		req.headers[0] = "Accept: application/json";
		req.bearer = k->is_clone ? k->token : k->auth.token;
		req.body = text;
		req.body_len = text ? strlen(text) : 0;
		req.content_type = text ? "application/json" : NULL;
		req.deadline = k->deadline;
		if (http_do_retry(k->http, &req, KUBE_TRIES, &resp, err) < 0) {
			http_response_free(&resp);
			return -1;
		}
		*status = resp.status;
		if (resp.status == 401 && reauth == 0) {
			/* an expired exec credential or a rotated token: once more */
			http_response_free(&resp);
			if (k->is_clone) {
				if (clone_reauth(k, err) < 0)
					return -1;
				continue;
			}
			kube_config_invalidate(k->cfg);
			if (authenticate(k, err) < 0)
				return -1;
			continue;
		}
		break;
	}
	if (resp.status >= 200 && resp.status < 300) {
		if (resp.len > 0 && (*out = parse_body(resp.body, resp.len)) == NULL)
			mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed JSON from %s",
				     what, k->cfg->server);
		else
			rc = 0;
	} else {
		api_error(k, what, &resp, err);
	}
	http_response_free(&resp);
	return rc;
}

static int
add_query(char *buf, size_t size, const char *key, const char *value)
{
	char *esc;
	size_t len = strlen(buf);
	int n;

	if (value == NULL || *value == '\0')
		return 0;
	if ((esc = http_escape(value)) == NULL)
		return -1;
	n = snprintf(buf + len, size - len, "%c%s=%s", strchr(buf, '?') ? '&' : '?', key, esc);
	free(esc);
	return n < 0 || (size_t)n >= size - len ? -1 : 0;
}

/* "mcle: warning: ..." for the first few skipped items of a listing. */
static void
warn_item(size_t *warned, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if ((*warned)++ >= KUBE_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warn("%s", buf);
}

static void
warn_more(size_t warned, const char *noun, const char *where)
{
	if (warned > KUBE_WARN_MAX)
		log_warn("%zu more invalid or duplicate %s from %s not shown",
			 warned - KUBE_WARN_MAX, noun, where);
}

/*
 * One paged listing.  fn is called for every item; reset forgets them when
 * the listing starts over after 410 Expired.  The listing state: the next
 * continue token, a hash of every token since the (re)start, the items
 * counted so far.
 */
struct lister {
	const char *base, *selector;
	const char *what;		/* "cannot list namespaces in ..." */
	const char *noun;		/* "namespaces", for the cap's message */
	int (*fn)(void *arg, json_object *item, struct mcle_err *err);
	void (*reset)(void *arg);
	void *arg;
	char *cont;
	uint64_t *seen;			/* KUBE_PAGES_MAX token hashes */
	size_t pages, items;
};

static uint64_t
token_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
list_restart(struct lister *ls)
{
	free(ls->cont);
	ls->cont = NULL;
	ls->pages = ls->items = 0;
	ls->reset(ls->arg);
}

/* The page's items, counted against the caps, each to fn. */
static int
list_items(struct kube_client *k, struct lister *ls, json_object *page,
	   struct mcle_err *err)
{
	json_object *items;
	size_t i, n;

	if (!json_object_object_get_ex(page, "items", &items) ||
	    !(json_object_is_type(items, json_type_array) ||
	      json_object_is_type(items, json_type_null)))
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed list from %s",
				    ls->what, k->cfg->server);
	n = json_object_is_type(items, json_type_array) ? json_object_array_length(items) : 0;
	if (n > KUBE_PAGE_ITEMS_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: a page of %zu items, over %d (ten times the limit asked for)",
				    ls->what, n, KUBE_PAGE_ITEMS_MAX);
	if (n > KUBE_LIST_ITEMS_MAX - ls->items)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "cluster %s lists over %d %s",
				    k->describe, KUBE_LIST_ITEMS_MAX, ls->noun);
	ls->items += n;
	for (i = 0; i < n; i++)
		if (ls->fn(ls->arg, json_object_array_get_idx(items, i), err) < 0)
			return -1;
	return 0;
}

/*
 * The page's continue token into ls->cont: 1 if there is one, 0 at the end
 * of the listing.  A token that is not a clean string, or that came back
 * already (a listing that would never end), is the server's error.
 */
static int
list_next(struct kube_client *k, struct lister *ls, json_object *page,
	  struct mcle_err *err)
{
	json_object *meta = get_object(page, "metadata"), *v;
	const char *next;
	uint64_t h;
	size_t i;
	int st;

	free(ls->cont);
	ls->cont = NULL;
	if (meta == NULL && json_object_object_get_ex(page, "metadata", &v) && v != NULL)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed list from %s",
				    ls->what, k->cfg->server);
	st = get_str(meta, "continue", KUBE_CONTINUE_MAX, &next);
	if (st == STR_ABSENT && meta != NULL && json_object_object_get_ex(meta, "continue", &v) &&
	    v != NULL)
		st = STR_BAD;	/* a number, an object ... */
	if (st == STR_BAD)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: invalid continue token from %s (not a string of at most %d bytes)",
				    ls->what, k->cfg->server, KUBE_CONTINUE_MAX);
	if (next == NULL || *next == '\0')
		return 0;
	if (ls->pages + 1 >= KUBE_PAGES_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: over %d pages", ls->what,
				    KUBE_PAGES_MAX);
	h = token_hash(next);
	for (i = 0; i < ls->pages; i++)
		if (ls->seen[i] == h)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "%s: page %zu repeats the continue token of page %zu: the listing would never end",
					    ls->what, ls->pages + 1, i + 1);
	ls->seen[ls->pages++] = h;
	if ((ls->cont = strdup(next)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 1;
}

/* GET one page into *page; 410 Expired: start over (-2), a few times. */
static int
list_get(struct kube_client *k, struct lister *ls, int *restarts,
	 json_object **page, struct mcle_err *err)
{
	char path[KUBE_PATH_MAX], limit[16];
	long status;

	snprintf(limit, sizeof(limit), "%d", KUBE_PAGE_LIMIT);
	snprintf(path, sizeof(path), "%s", ls->base);
	if (add_query(path, sizeof(path), "limit", limit) < 0 ||
	    add_query(path, sizeof(path), "labelSelector", ls->selector) < 0 ||
	    add_query(path, sizeof(path), "continue", ls->cont) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: query too long", ls->what);
	if (call(k, "GET", path, NULL, ls->what, page, &status, err) == 0) {
		if (*page == NULL)
			return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed list from %s",
					    ls->what, k->cfg->server);
		return 0;
	}
	if (status == 410 && ls->cont != NULL && *restarts < KUBE_LIST_RESTARTS) {
		/* the continue token expired: start over, consistently */
		log_debug("%s: continue token expired, restarting", ls->what);
		mcle_err_clear(err);
		(*restarts)++;
		list_restart(ls);
		return -2;
	}
	return -1;
}

/* A paged list: every item to ls->fn; restarts on 410 Expired. */
static int
list_all(struct kube_client *k, struct lister *ls, struct mcle_err *err)
{
	json_object *page;
	int restarts = 0, rc;

	if ((ls->seen = calloc(KUBE_PAGES_MAX, sizeof(*ls->seen))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (;;) {
		if ((rc = list_get(k, ls, &restarts, &page, err)) == -2)
			continue;
		if (rc < 0)
			break;
		if ((rc = list_items(k, ls, page, err)) == 0)
			rc = list_next(k, ls, page, err);
		json_object_put(page);
		if (rc <= 0)
			break;
	}
	free(ls->cont);
	ls->cont = NULL;
	free(ls->seen);
	ls->seen = NULL;
	return rc;
}

struct ns_acc {
	struct kube_namespace *v;
	size_t n, cap;
	size_t warned;
	const char *where;
};

static void
ns_reset(void *arg)
{
	((struct ns_acc *)arg)->n = 0;
}

/* Skip an item we cannot use: say which and why, never cut its name short. */
static int
ns_skip(struct ns_acc *acc, json_object *meta, const char *why)
{
	char name[80];

	clip_field(meta, "name", name, sizeof(name));
	warn_item(&acc->warned, "namespace '%s' from %s skipped: %s", name, acc->where, why);
	return 0;
}

static int
ns_item(void *arg, json_object *item, struct mcle_err *err)
{
	struct ns_acc *acc = arg;
	json_object *meta = get_object(item, "metadata");
	const char *name, *phase, *deleted;
	void *tmp;
	int del;

	if (get_str(meta, "name", MCLE_NAMESPACE_MAX, &name) != STR_OK || !valid_namespace(name))
		return ns_skip(acc, meta, "metadata.name is not a namespace name");
	if (get_str(get_object(item, "status"), "phase", SIZE_MAX, &phase) == STR_BAD)
		return ns_skip(acc, meta, "status.phase holds a NUL byte");
	if ((del = get_str(meta, "deletionTimestamp", SIZE_MAX, &deleted)) == STR_BAD)
		return ns_skip(acc, meta, "metadata.deletionTimestamp holds a NUL byte");
	if (acc->n == acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 64;
		if ((tmp = realloc(acc->v, acc->cap * sizeof(*acc->v))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		acc->v = tmp;
	}
	snprintf(acc->v[acc->n].name, sizeof(acc->v[acc->n].name), "%s", name);
	acc->v[acc->n].terminating = del == STR_OK ||
		(phase != NULL && strcmp(phase, "Terminating") == 0);
	acc->n++;
	return 0;
}

static int
cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct kube_namespace *)a)->name,
		      ((const struct kube_namespace *)b)->name);
}

/* Sorted, each name once: a copy that says Terminating wins. */
static void
ns_unique(struct ns_acc *acc)
{
	size_t i, j = 0;

	if (acc->n < 2)
		return;
	qsort(acc->v, acc->n, sizeof(*acc->v), cmp_ns);
	for (i = 1; i < acc->n; i++) {
		if (strcmp(acc->v[i].name, acc->v[j].name) != 0) {
			acc->v[++j] = acc->v[i];
			continue;
		}
		warn_item(&acc->warned, "namespace '%s' listed twice by %s: kept once",
			  acc->v[i].name, acc->where);
		acc->v[j].terminating |= acc->v[i].terminating;
	}
	acc->n = j + 1;
}

int
kube_list_namespaces(struct kube_client *k, const char *selector,
		     struct kube_namespace **out, size_t *n, struct mcle_err *err)
{
	struct ns_acc acc = { NULL, 0, 0, 0, k->describe };
	struct lister ls;
	char what[600];

	snprintf(what, sizeof(what), "cannot list namespaces in %s", k->describe);
	memset(&ls, 0, sizeof(ls));
	ls.base = "/api/v1/namespaces";
	ls.selector = selector;
	ls.what = what;
	ls.noun = "namespaces";
	ls.fn = ns_item;
	ls.reset = ns_reset;
	ls.arg = &acc;
	if (list_all(k, &ls, err) < 0) {
		free(acc.v);
		return -1;
	}
	ns_unique(&acc);
	warn_more(acc.warned, "namespaces", k->describe);
	*out = acc.v;
	*n = acc.n;
	return 0;
}

struct lease_acc {
	struct kube_lease *v;
	size_t n, cap;
	const char *name;
	size_t warned;
	const char *where, *plural;
};

static void
lease_reset(void *arg)
{
	struct lease_acc *acc = arg;

	kube_leases_free(acc->v, acc->n);
	acc->v = NULL;
	acc->n = acc->cap = 0;
}

static int
lease_item(void *arg, json_object *item, struct mcle_err *err)
{
	struct lease_acc *acc = arg;
	json_object *meta = get_object(item, "metadata");
	const char *name, *ns, *rv, *why = NULL;
	char cname[80], cns[80];
	void *tmp;
	int st;

	st = get_str(meta, "name", SIZE_MAX, &name);
	if (st == STR_OK && strcmp(name, acc->name) != 0)
		return 0;	/* another resource of the kind */
	if (st != STR_OK)
		why = "invalid metadata.name";
	else if (get_str(meta, "namespace", MCLE_NAMESPACE_MAX, &ns) != STR_OK ||
		 !valid_namespace(ns))
		why = "invalid metadata.namespace";
	else if (get_str(meta, "resourceVersion", KUBE_RV_MAX, &rv) != STR_OK)
		why = "invalid metadata.resourceVersion";	/* read it alone */
	if (why != NULL) {
		clip_field(meta, "name", cname, sizeof(cname));
		clip_field(meta, "namespace", cns, sizeof(cns));
		warn_item(&acc->warned, "%s '%s' in namespace '%s' from %s skipped: %s",
			  acc->plural, cname, cns, acc->where, why);
		return 0;
	}
	if (acc->n == acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 64;
		if ((tmp = realloc(acc->v, acc->cap * sizeof(*acc->v))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		acc->v = tmp;
	}
	snprintf(acc->v[acc->n].ns, sizeof(acc->v[acc->n].ns), "%s", ns);
	acc->v[acc->n].obj = json_object_get(item);
	acc->n++;
	return 0;
}

static int
cmp_lease(const void *a, const void *b)
{
	return strcmp(((const struct kube_lease *)a)->ns, ((const struct kube_lease *)b)->ns);
}

/*
 * Sorted, one resource per namespace.  Copies of one resource that
 * disagree cannot both be true: read it again (and drop it if that fails:
 * the pass then creates or reads it for that namespace alone).
 */
static void
lease_unique(struct kube_client *k, struct lease_acc *acc)
{
	struct mcle_err gerr;
	size_t i, j = 0, dup;

	if (acc->n < 2)
		return;
	qsort(acc->v, acc->n, sizeof(*acc->v), cmp_lease);
	for (i = 0; i < acc->n; i = j) {
		for (j = i + 1; j < acc->n && strcmp(acc->v[i].ns, acc->v[j].ns) == 0; j++)
			;
		if ((dup = j - i) < 2)
			continue;
		warn_item(&acc->warned, "%s '%s' in namespace '%s' listed %zu times by %s: read again",
			  acc->plural, acc->name, acc->v[i].ns, dup, acc->where);
		mcle_err_clear(&gerr);
		if (kube_get_lease(k, acc->v[i].ns, &acc->v[i], &gerr) < 0) {
			json_object_put(acc->v[i].obj);
			acc->v[i].obj = NULL;
		}
		while (--dup > 0) {
			json_object_put(acc->v[i + dup].obj);
			acc->v[i + dup].obj = NULL;
		}
	}
	for (i = j = 0; i < acc->n; i++)
		if (acc->v[i].obj != NULL)
			acc->v[j++] = acc->v[i];
	acc->n = j;
}

int
kube_list_leases(struct kube_client *k, struct kube_lease **out, size_t *n,
		 struct mcle_err *err)
{
	struct lease_acc acc = { NULL, 0, 0, k->kind.name, 0, k->describe, k->kind.plural };
	struct mcle_err lerr = MCLE_ERR_INIT;
	struct lister ls;
	char base[512], what[800], noun[300];

	snprintf(base, sizeof(base), "/apis/%s/%s/%s", k->kind.group, k->kind.version,
		 k->kind.plural);
	snprintf(what, sizeof(what), "cannot list %s.%s in %s", k->kind.plural,
		 k->kind.group, k->describe);
	snprintf(noun, sizeof(noun), "%s.%s", k->kind.plural, k->kind.group);
	memset(&ls, 0, sizeof(ls));
	ls.base = base;
	ls.what = what;
	ls.noun = noun;
	ls.fn = lease_item;
	ls.reset = lease_reset;
	ls.arg = &acc;
	if (list_all(k, &ls, &lerr) < 0) {
		kube_leases_free(acc.v, acc.n);
		if (lerr.code == MCLE_ENOTFOUND)	/* the resource type, not an object */
			return mcle_err_set(err, MCLE_ECONFIG,
					    "no %s.%s/%s resource type in %s: install the CRD (examples/crd.yaml)",
					    k->kind.plural, k->kind.group, k->kind.version,
					    k->describe);
		return mcle_err_set(err, lerr.code, "%s", lerr.msg);
	}
	lease_unique(k, &acc);
	warn_more(acc.warned, noun, k->describe);
	*out = acc.v;
	*n = acc.n;
	return 0;
}

void
kube_leases_free(struct kube_lease *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		json_object_put(v[i].obj);
	free(v);
}

static void
object_path(const struct kube_client *k, const char *ns, const char *suffix,
	    char *buf, size_t size)
{
	snprintf(buf, size, "/apis/%s/%s/namespaces/%s/%s/%s%s", k->kind.group,
		 k->kind.version, ns, k->kind.plural, k->kind.name, suffix);
}

/*
 * An answer we can write back: an object with a resourceVersion (the
 * precondition of the status write).  Checked before the store is touched:
 * we never lead a namespace whose status we cannot write.
 */
static int
check_answer(struct kube_client *k, const char *what, json_object *o,
	     struct mcle_err *err)
{
	const char *rv;
	int st;

	if (o == NULL)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: empty answer", what);
	st = get_str(get_object(o, "metadata"), "resourceVersion", KUBE_RV_MAX, &rv);
	if (st != STR_OK) {
		json_object_put(o);
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: %s resourceVersion from %s",
				    what, st == STR_ABSENT ? "no" : "invalid", k->cfg->server);
	}
	return 0;
}

int
kube_get_lease(struct kube_client *k, const char *ns, struct kube_lease *l,
	       struct mcle_err *err)
{
	char path[1024], what[300];
	json_object *o;
	long status;

	object_path(k, ns, "", path, sizeof(path));
	snprintf(what, sizeof(what), "cannot read %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, ns);
	if (call(k, "GET", path, NULL, what, &o, &status, err) < 0 ||
	    check_answer(k, what, o, err) < 0)
		return -1;
	json_object_put(l->obj);
	l->obj = o;
	if (l->ns != ns)	/* callers pass l->ns itself to read again */
		snprintf(l->ns, sizeof(l->ns), "%s", ns);
	return 0;
}

int
kube_create_lease(struct kube_client *k, const char *ns, const char *holder,
		  int32_t duration, struct kube_lease *l, struct mcle_err *err)
{
	char path[1024], apiv[256], what[300];
	json_object *body, *meta, *spec, *o;
	long status;
	int rc;

	snprintf(path, sizeof(path), "/apis/%s/%s/namespaces/%s/%s", k->kind.group,
		 k->kind.version, ns, k->kind.plural);
	snprintf(apiv, sizeof(apiv), "%s/%s", k->kind.group, k->kind.version);
	snprintf(what, sizeof(what), "cannot create %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, ns);
	body = json_object_new_object();
	meta = json_object_new_object();
	spec = json_object_new_object();
	json_object_object_add(body, "apiVersion", json_object_new_string(apiv));
	json_object_object_add(body, "kind", json_object_new_string("Lease"));
	json_object_object_add(meta, "name", json_object_new_string(k->kind.name));
	json_object_object_add(meta, "namespace", json_object_new_string(ns));
	json_object_object_add(body, "metadata", meta);
	json_object_object_add(spec, "holderIdentity", json_object_new_string(holder));
	json_object_object_add(spec, "leaseDurationSeconds", json_object_new_int(duration));
	json_object_object_add(body, "spec", spec);
	rc = call(k, "POST", path, body, what, &o, &status, err);
	json_object_put(body);
	if (rc < 0 && status == 409) {
		/* created meanwhile (or by our own retried POST): read it */
		mcle_err_clear(err);
		return kube_get_lease(k, ns, l, err);
	}
	if (rc < 0 || check_answer(k, what, o, err) < 0)
		return -1;
	log_debug("created %s '%s' in namespace '%s'", k->kind.plural, k->kind.name, ns);
	json_object_put(l->obj);
	l->obj = o;
	if (l->ns != ns)
		snprintf(l->ns, sizeof(l->ns), "%s", ns);
	return 0;
}

int
kube_put_status(struct kube_client *k, struct kube_lease *l, json_object *status,
		struct mcle_err *err)
{
	char path[1024], what[300];
	json_object *body, *o;
	const char *rv;
	long code;
	int rc;

	object_path(k, l->ns, "/status", path, sizeof(path));
	snprintf(what, sizeof(what), "cannot write the status of %s '%s' in namespace '%s'",
		 k->kind.plural, k->kind.name, l->ns);
	if (get_str(get_object(l->obj, "metadata"), "resourceVersion", KUBE_RV_MAX, &rv) != STR_OK)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: %s resourceVersion from %s",
				    what, rv == NULL ? "no" : "invalid", k->cfg->server);
	/* a deep copy: the listed object keeps its status until the write succeeds */
	body = NULL;
	if (json_object_deep_copy(l->obj, &body, NULL) != 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	json_object_object_add(body, "status", json_object_get(status));
	rc = call(k, "PUT", path, body, what, &o, &code, err);
	json_object_put(body);
	if (rc < 0)
		return -1;
	if (o != NULL) {
		json_object_put(l->obj);
		l->obj = o;
	}
	return 0;
}

json_object *
kube_lease_status(const struct kube_lease *l)
{
	return get_object(l->obj, "status");
}

int
kube_lease_duration(const struct kube_lease *l, int32_t *out)
{
	json_object *spec = get_object(l->obj, "spec"), *v;
	int64_t d;

	if (spec == NULL || !json_object_object_get_ex(spec, "leaseDurationSeconds", &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	d = json_object_get_int64(v);
	if (d < 1 || d > INT32_MAX)
		return -1;
	*out = (int32_t)d;
	return 0;
}
