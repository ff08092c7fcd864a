/*
 * store-gcs.c - the gs://BUCKET[/PREFIX] lock store (GCS JSON API).
 *
 * One object per namespace, PREFIX/NAMESPACE.  The lease record lives in
 * the object's custom metadata, so a listing returns every lease's state;
 * the body is a fixed text.  Acquire creates with ifGenerationMatch=0,
 * takeover uploads a new generation conditional on the exact generation
 * and metageneration judged expired, renew and release PATCH the metadata
 * under the same two preconditions, so nothing is ever written blind.  The
 * store's clock is the Date header of each response.  The version is
 * "GENERATION/METAGENERATION".
 *
 * Every operation is one request on the HTTP engine (many in flight);
 * list pages are parsed as they stream in and asked for with only the
 * fields mcle reads (projection=noAcl, fields=...).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cred-google.h"
#include "gcs-parse.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "store.h"

#define BUCKET_MAX	GCS_BUCKET_MAX
#define PREFIX_MAX	512
#define URL_MAX		8192
#define BASE_MAX	1024
#define TRIES_MAX	10
#define GMSG_MAX	160		/* Google's error.message in our messages */
#define BOUNDARY	"mcle-7f3c9a1e5b2d4680-boundary"
#define OBJECT_BODY	"mcle lease lock; the state is in the object metadata\n"
#define OBJECT_FIELDS	"name,bucket,generation,metageneration,updated,timeCreated,metadata"
#define LIST_FIELDS	"nextPageToken,prefixes,items(" OBJECT_FIELDS ")"
#define DEFAULT_BASE	"https://storage.googleapis.com"

struct gcs {
	char bucket[BUCKET_MAX + 1];
	char prefix[PREFIX_MAX + 1];	/* "" or "a/b", no slash at either end */
	char base[BASE_MAX];		/* API base URL, no trailing slash */
	char *bucket_esc;
	/* where the legacy locks are: the bucket's root, or --legacy-locks gs://B[/P] */
	char lbucket[BUCKET_MAX + 1];
	char lprefix[PREFIX_MAX + 1];	/* "" or "a/b" */
	char *lbucket_esc;
	int lelsewhere;			/* not the store's bucket root */
	struct cred *cred;		/* NULL: an emulator, no credentials */
	struct http_client *http;
};

static struct gcs *
priv(struct store *s)
{
	return s->priv;
}

/* --- opening ------------------------------------------------------------ */

static int
valid_bucket(const char *b, size_t n)
{
	size_t i;

	if (n < 3 || n > BUCKET_MAX || b[0] == '.' || b[0] == '-' ||
	    b[n - 1] == '.' || b[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (b[i] == '\0' || strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", b[i]) == NULL)
			return 0;
	return 1;
}

static int
valid_prefix(const char *p)
{
	size_t i;

	if (strlen(p) > PREFIX_MAX || strstr(p, "//") != NULL)
		return 0;
	for (i = 0; p[i] != '\0'; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '#' || p[i] == '?')
			return 0;
	return 1;
}

/* BUCKET[/PREFIX] of url (what: "store", "legacy locks' location") into bucket, prefix. */
static int
parse_location(const char *url, const char *rest, const char *what, char *bucket,
	       char *prefix, struct mcle_err *err)
{
	size_t n = strcspn(rest, "/"), len;
	const char *p = rest + n;

	if (!valid_bucket(rest, n))
		return mcle_err_set(err, MCLE_EUSAGE,
				    "invalid %s '%s': expected gs://BUCKET[/PREFIX] with a valid bucket name",
				    what, url);
	memcpy(bucket, rest, n);
	bucket[n] = '\0';
	if (*p == '/')
		p++;
	if (!valid_prefix(p) || *p == '/')
		return mcle_err_set(err, MCLE_EUSAGE, "invalid %s '%s': bad prefix", what, url);
	snprintf(prefix, PREFIX_MAX + 1, "%s", p);
	len = strlen(prefix);
	while (len > 0 && prefix[len - 1] == '/')
		prefix[--len] = '\0';
	return 0;
}

static int
parse_url(struct store *s, struct gcs *g, const char *rest, struct mcle_err *err)
{
	const char *l = s->params.legacy_url;

	if (parse_location(s->url, rest, "store", g->bucket, g->prefix, err) < 0)
		return -1;
	if (l == NULL)
		return parse_location(s->url, g->bucket, "store", g->lbucket, g->lprefix, err);
	if (strncmp(l, "gs://", 5) != 0 ||
	    parse_location(l, l + 5, "legacy locks' location", g->lbucket, g->lprefix, err) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "invalid legacy locks' location '%s': "
				    "expected gs://BUCKET[/PREFIX]", l);
	g->lelsewhere = strcmp(g->lbucket, g->bucket) != 0 || *g->lprefix != '\0';
	return 0;
}

/* "host:port" or "scheme://host:port[/]" into a base URL without trailing '/'. */
static int
set_base(struct gcs *g, const char *v, const char *var, struct mcle_err *err)
{
	const char *scheme = strstr(v, "://") != NULL ? "" : "http://";
	size_t n;

	if (*v == '\0' || (size_t)snprintf(g->base, sizeof(g->base), "%s%s", scheme, v) >=
	    sizeof(g->base) || strcspn(v, " \t\r\n?#") != strlen(v))
		return mcle_err_set(err, MCLE_ECONFIG, "invalid %s '%.64s'", var, v);
	if (strncmp(g->base, "http://", 7) != 0 && strncmp(g->base, "https://", 8) != 0)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "invalid %s '%.64s': expected http:// or https://", var, v);
	n = strlen(g->base);
	while (n > 0 && g->base[n - 1] == '/')
		g->base[--n] = '\0';
	return 0;
}

/*
 * STORAGE_EMULATOR_HOST: that API base, no credentials; else
 * MCLE_GCS_ENDPOINT or Google's, with credentials (cred-google.c).
 */
static int
find_api(struct gcs *g, struct mcle_err *err)
{
	const char *emu = getenv("STORAGE_EMULATOR_HOST");
	const char *endpoint = getenv("MCLE_GCS_ENDPOINT");

	if (emu != NULL && *emu != '\0')
		return set_base(g, emu, "STORAGE_EMULATOR_HOST", err);
	if (endpoint != NULL && *endpoint != '\0') {
		if (set_base(g, endpoint, "MCLE_GCS_ENDPOINT", err) < 0)
			return -1;
	} else if (set_base(g, DEFAULT_BASE, "endpoint", err) < 0) {
		return -1;
	}
	return (g->cred = cred_google_find(err)) == NULL ? -1 : 0;
}

static void
gcs_close(struct store *s)
{
	struct gcs *g = priv(s);

	http_client_free(g->http);
	cred_free(g->cred);
	free(g->bucket_esc);
	free(g->lbucket_esc);
	memset(g, 0, sizeof(*g));
}

static int
gcs_open(struct store *s, const char *rest, struct mcle_err *err)
{
	struct gcs *g = priv(s);

	if (parse_url(s, g, rest, err) < 0)
		return -1;
	if (s->params.http == NULL)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: gs:// needs an HTTP engine");
	if ((g->bucket_esc = http_escape(g->bucket)) == NULL ||
	    (g->lbucket_esc = http_escape(g->lbucket)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto fail;
	}
	if (find_api(g, err) < 0 ||
	    (g->http = http_client_new(s->params.http, "gcs", NULL, err)) == NULL)
		goto fail;
	log_debug("store '%s': api '%s', %s", s->url, g->base,
		  g->cred != NULL ? cred_describe(g->cred) : "no credentials (emulator)");
	return 0;
fail:
	gcs_close(s);
	return -1;
}

/* --- names, URLs, versions ------------------------------------------------ */

static void
object_name(const struct gcs *g, const char *ns, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", g->prefix, *g->prefix ? "/" : "", ns);
}

/* The object's URL with a query (after '?'). */
static int
object_url(const struct gcs *g, const char *ns, const char *query, char *buf, size_t size)
{
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2], *esc;
	int n;

	object_name(g, ns, name, sizeof(name));
	if ((esc = http_escape(name)) == NULL)
		return -1;
	n = snprintf(buf, size, "%s/storage/v1/b/%s/o/%s?%s", g->base, g->bucket_esc, esc, query);
	free(esc);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* "ifGenerationMatch=G&ifMetagenerationMatch=M" from a version "G/M". */
static int
precondition(const struct store_version *v, char *buf, size_t size)
{
	char gen[32];
	const char *slash = strchr(v->v, '/');
	int64_t g, m;

	if (slash == NULL || (size_t)(slash - v->v) >= sizeof(gen))
		return -1;
	memcpy(gen, v->v, (size_t)(slash - v->v));
	gen[slash - v->v] = '\0';
	if (gcs_canonical_int64(gen, &g) < 0 || gcs_canonical_int64(slash + 1, &m) < 0)
		return -1;
	snprintf(buf, size, "ifGenerationMatch=%" PRId64 "&ifMetagenerationMatch=%" PRId64, g, m);
	return 0;
}

/* --- one request ----------------------------------------------------------- */

struct gcall {
	struct store *s;
	struct store_op *op;
	char what[160];			/* "cannot update lock 'team-a'" */
	int write;
	/* listing */
	struct gcs_page page;		/* the page being read */
	struct http_stream stream;
	int pages;
	char *token;			/* the page being fetched ("" first) */
	struct vec seen;		/* uint64_t hashes of tokens followed */
	int root;			/* listing the bucket root for legacy locks */
	int step;			/* STORE_LEGACY_READ: 0 the resource, 1 the body */
};

static void
gcall_free(struct gcall *c)
{
	gcs_page_free(&c->page);
	vec_free(&c->seen);
	free(c->token);
	free(c);
}

static void
finish(struct gcall *c)
{
	struct store *s = c->s;
	struct store_op *op = c->op;

	gcall_free(c);
	store_op_finish(s, op);
}

static void
status_error(struct gcall *c, const struct http_response *r, struct mcle_err *err)
{
	char msg[GMSG_MAX + 1], tail[GMSG_MAX + 8];
	struct gcs *g = priv(c->s);
	int listing = c->op->verb == STORE_LIST;

	gcs_error_message(r->body, r->len, msg, sizeof(msg));
	snprintf(tail, sizeof(tail), "%s%s", *msg ? ": " : "", msg);
	switch (r->status) {
	case 404:
		if (listing || strstr(msg, "bucket") != NULL || strstr(msg, "Bucket") != NULL)
			mcle_err_set(err, MCLE_ECONFIG, "bucket '%s' does not exist", g->bucket);
		else	/* a conditional write whose version is gone: it changed */
			mcle_err_set(err, c->write ? MCLE_EPRECOND : MCLE_ENOTFOUND,
				     "%s: it does not exist", c->what);
		return;
	case 412:
		mcle_err_set(err, MCLE_EPRECOND, "%s: it changed (precondition failed)", c->what);
		return;
	case 401:
		mcle_err_set(err, MCLE_EAUTH, "%s: credentials rejected (401)%s", c->what, tail);
		return;
	case 403:
		mcle_err_set(err, MCLE_EPERM, "%s: permission denied (403)%s", c->what, tail);
		return;
	case 429:
		mcle_err_set(err, MCLE_ERATELIMIT, "%s: rate limited (429) after %d tries%s",
			     c->what, r->attempts, tail);
		return;
	}
	if (http_status_retryable(r->status))
		mcle_err_set(err, MCLE_EUNAVAIL, "%s: server error (%ld) after %d tries%s",
			     c->what, r->status, r->attempts, tail);
	else
		mcle_err_set(err, r->status >= 400 && r->status < 500 ? MCLE_ECONFIG : MCLE_ECORRUPT,
			     "%s: unexpected answer (%ld)%s", c->what, r->status, tail);
}

/* The Date of a response; 0 (with err set if required) when there is none. */
static mcle_time
store_clock(struct gcall *c, const struct http_response *r, int required,
	    struct mcle_err *err)
{
	mcle_time now = 0;

	if (time_parse_http(r->date, &now) < 0) {
		if (required)
			mcle_err_set(err, MCLE_ECORRUPT, "%s: response without a valid Date header",
				     c->what);
		return 0;
	}
	return now;
}

/* A 2xx answer holding the object resource of op->name. */
static void
take_object(struct gcall *c, const struct http_response *r, mcle_time now)
{
	struct store_op *op = c->op;
	struct gcs *g = priv(c->s);
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2];

	object_name(g, op->name, name, sizeof(name));
	if (gcs_object_parse(r->body, r->len, g->bucket, name, op->name, now, c->what,
			     &op->out, &op->err) == 0)
		op->rc = 0;
}

static void
object_done(void *arg, struct http_call *h)
{
	struct gcall *c = arg;
	struct store_op *op = c->op;
	mcle_time now;

	op->rc = -1;
	if (h->rc < 0 && h->cred_failed) {
		mcle_err_set(&op->err, h->err.code, "%s", h->err.msg);
	} else if (h->rc < 0) {
		mcle_err_set(&op->err, h->err.code, "%s: %s", c->what, h->err.msg);
	} else if (h->resp.status < 200 || h->resp.status > 299) {
		op->out.now = store_clock(c, &h->resp, 0, NULL);
		status_error(c, &h->resp, &op->err);
	} else if ((now = store_clock(c, &h->resp, 1, &op->err)) != 0) {
		if (op->verb == STORE_REMOVE) {
			op->out.now = now;
			op->rc = 0;
		} else {
			take_object(c, &h->resp, now);
		}
	}
	finish(c);
}

static struct gcall *
gcall_new(struct store *s, struct store_op *op, struct mcle_err *err)
{
	struct vec seen = VEC_INIT(uint64_t, STORE_LIST_PAGES_MAX);
	struct gcall *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	c->s = s;
	c->op = op;
	c->seen = seen;
	c->write = op->verb != STORE_READ && op->verb != STORE_LIST &&
		   op->verb != STORE_LEGACY_READ;
	if (op->verb == STORE_LIST)
		snprintf(c->what, sizeof(c->what), "cannot list locks in '%s'", s->url);
	else
		snprintf(c->what, sizeof(c->what), "cannot %s lock '%s'",
			 store_verb_name(op->verb), op->name);
	gcs_page_init(&c->page, priv(s)->bucket, priv(s)->prefix, s->url, c->what);
	return c;
}

static void
base_request(struct gcall *c, struct http_request *req, const char *method,
	     const char *url)
{
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->url = url;
	req->cred = priv(c->s)->cred;
	req->deadline = c->op->deadline;
	/* reads repeat freely; every write carries a precondition */
	req->max_tries = TRIES_MAX;
}

/* The multipart/related upload body: JSON resource, then the fixed text. */
static char *
upload_body(const struct gcs *g, const char *ns, const struct lease_record *rec,
	    size_t *len)
{
	json_object *o = json_object_new_object(), *meta = json_object_new_object();
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2], *js = NULL, *body = NULL;
	int n;

	object_name(g, ns, name, sizeof(name));
	if (meta == NULL || record_encode(rec, json_record_put, meta) < 0 ||
	    json_add_str(o, "name", name) < 0 ||
	    json_add_str(o, "contentType", "text/plain") < 0 ||
	    json_add_str(o, "cacheControl", "no-store") < 0) {
		json_object_put(meta);
		goto out;
	}
	if (json_add(o, "metadata", meta) < 0 || (js = json_dump(o, JSON_PLAIN)) == NULL ||
	    strstr(js, BOUNDARY) != NULL)
		goto out;
	n = asprintf(&body, "--" BOUNDARY "\r\n"
		     "Content-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n"
		     "--" BOUNDARY "\r\nContent-Type: text/plain\r\n\r\n" OBJECT_BODY
		     "\r\n--" BOUNDARY "--\r\n", js);
	if (n < 0)
		body = NULL;
	else
		*len = (size_t)n;
out:
	free(js);
	json_object_put(o);
	return body;
}

/* {"metadata": {...}} for a PATCH. */
static char *
patch_body(const struct lease_record *rec)
{
	json_object *o = json_object_new_object(), *meta = json_object_new_object();
	char *body = NULL;

	if (meta != NULL && record_encode(rec, json_record_put, meta) == 0 &&
	    json_add(o, "metadata", meta) == 0)
		body = json_dump(o, JSON_PLAIN);
	else
		json_object_put(meta);
	json_object_put(o);
	return body;
}

static int
submit_read(struct gcall *c, struct mcle_err *err)
{
	struct http_request req;
	char url[URL_MAX];

	if (object_url(priv(c->s), c->op->name, "projection=noAcl&fields=" OBJECT_FIELDS,
		       url, sizeof(url)) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: name too long", c->what);
	base_request(c, &req, "GET", url);
	return http_submit(priv(c->s)->http, &req, object_done, c, err);
}

static int
submit_upload(struct gcall *c, struct mcle_err *err)
{
	struct gcs *g = priv(c->s);
	struct http_request req;
	char url[URL_MAX], pre[160], *body;
	size_t len = 0;
	int n, rc;

	if (c->op->verb == STORE_CREATE)
		snprintf(pre, sizeof(pre), "ifGenerationMatch=0");
	else if (precondition(&c->op->expect, pre, sizeof(pre)) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: invalid expected version", c->what);
	n = snprintf(url, sizeof(url),
		     "%s/upload/storage/v1/b/%s/o?uploadType=multipart&%s&projection=noAcl&fields="
		     OBJECT_FIELDS, g->base, g->bucket_esc, pre);
	if (n < 0 || (size_t)n >= sizeof(url))
		return mcle_err_set(err, MCLE_EUSAGE, "%s: url too long", c->what);
	if ((body = upload_body(g, c->op->name, &c->op->rec, &len)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "%s: cannot encode the upload", c->what);
	base_request(c, &req, "POST", url);
	req.body = body;
	req.body_len = len;
	req.content_type = "multipart/related; boundary=" BOUNDARY;
	rc = http_submit(g->http, &req, object_done, c, err);
	free(body);
	return rc;
}

static int
submit_patch_or_delete(struct gcall *c, struct mcle_err *err)
{
	int del = c->op->verb == STORE_REMOVE, rc;
	struct http_request req;
	char url[URL_MAX], query[256], pre[160], *body = NULL;

	if (precondition(&c->op->expect, pre, sizeof(pre)) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: invalid expected version", c->what);
	snprintf(query, sizeof(query), del ? "%s" : "%s&projection=noAcl&fields=" OBJECT_FIELDS,
		 pre);
	if (object_url(priv(c->s), c->op->name, query, url, sizeof(url)) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: name too long", c->what);
	base_request(c, &req, del ? "DELETE" : "PATCH", url);
	if (!del) {
		if ((body = patch_body(&c->op->rec)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "%s: out of memory", c->what);
		req.body = body;
		req.body_len = strlen(body);
		req.content_type = "application/json";
	}
	rc = http_submit(priv(c->s)->http, &req, object_done, c, err);
	free(body);
	return rc;
}

/* --- legacy locks (the Go controller's NS-lease-gsc at the bucket root) --- */

#define LEGACY_FIELDS "name,bucket,generation,updated,metadata"
#define LEGACY_NAME_MAX (PREFIX_MAX + 1 + MCLE_NAMESPACE_MAX + sizeof(STORE_LEGACY_SUFFIX))

/* [LPREFIX/]NS-lease-gsc */
static void
legacy_name(const struct gcs *g, const char *ns, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s" STORE_LEGACY_SUFFIX, g->lprefix, *g->lprefix ? "/" : "", ns);
}

static int
legacy_url(const struct gcs *g, const char *ns, const char *query, char *buf, size_t size)
{
	char name[LEGACY_NAME_MAX], *esc;
	int n;

	legacy_name(g, ns, name, sizeof(name));
	if ((esc = http_escape(name)) == NULL)
		return -1;
	n = snprintf(buf, size, "%s/storage/v1/b/%s/o/%s?%s", g->base, g->lbucket_esc, esc, query);
	free(esc);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int submit_legacy_body(struct gcall *c, struct mcle_err *err);

/* The resource (step 0), then the body of that exact generation (step 1). */
static void
legacy_done(void *arg, struct http_call *h)
{
	struct gcall *c = arg;
	struct store_op *op = c->op;
	struct gcs *g = priv(c->s);
	char name[LEGACY_NAME_MAX];
	mcle_time now;

	op->rc = -1;
	legacy_name(g, op->name, name, sizeof(name));
	if (h->rc < 0) {
		mcle_err_set(&op->err, h->err.code, "%s: %s", c->what, h->err.msg);
	} else if (c->step == 1 && (h->resp.status == 404 || h->resp.status == 412)) {
		mcle_err_set(&op->err, MCLE_EPRECOND, "%s: it changed while read", c->what);
	} else if (h->resp.status < 200 || h->resp.status > 299) {
		op->out.now = store_clock(c, &h->resp, 0, NULL);
		status_error(c, &h->resp, &op->err);
	} else if ((now = store_clock(c, &h->resp, 1, &op->err)) == 0) {
		/* err set */
	} else if (c->step == 1) {
		gcs_legacy_body_parse(h->resp.body, h->resp.len, &op->out.legacy);
		op->rc = 0;
	} else if (gcs_legacy_object_parse(h->resp.body, h->resp.len, g->lbucket, name, c->what,
					   &op->out.legacy, &op->err) == 0) {
		op->out.now = now;
		/* mcle's own takeover: superseded, its body is not needed */
		if (op->out.legacy.mcle_epoch > 0 || op->verb == STORE_LEGACY_TAKE) {
			op->rc = 0;
		} else {
			c->step = 1;
			if (submit_legacy_body(c, &op->err) == 0)
				return;
		}
	}
	finish(c);
}

static int
submit_legacy_read(struct gcall *c, struct mcle_err *err)
{
	struct http_request req;
	char url[URL_MAX];

	if (legacy_url(priv(c->s), c->op->name, "projection=noAcl&fields=" LEGACY_FIELDS,
		       url, sizeof(url)) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: name too long", c->what);
	base_request(c, &req, "GET", url);
	return http_submit(priv(c->s)->http, &req, legacy_done, c, err);
}

static int
submit_legacy_body(struct gcall *c, struct mcle_err *err)
{
	struct http_request req;
	char url[URL_MAX], query[64];

	snprintf(query, sizeof(query), "alt=media&ifGenerationMatch=%s", c->op->out.legacy.gen);
	if (legacy_url(priv(c->s), c->op->name, query, url, sizeof(url)) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: name too long", c->what);
	base_request(c, &req, "GET", url);
	return http_submit(priv(c->s)->http, &req, legacy_done, c, err);
}

/* The original's record naming rec's holder (metav1.Time: RFC 3339, seconds). */
static char *
legacy_record(const struct lease_record *rec)
{
	json_object *o = json_object_new_object();
	char when[32], *js = NULL;
	time_t t = (time_t)(time_now_real() / MCLE_USEC);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		goto out;
	if (json_add_str(o, "holderIdentity", rec->holder) == 0 &&
	    json_add_int(o, "leaseDurationSeconds", rec->duration) == 0 &&
	    json_add_str(o, "acquireTime", when) == 0 && json_add_str(o, "renewTime", when) == 0 &&
	    json_add_int(o, "leaderTransitions", rec->epoch) == 0)
		js = json_dump(o, JSON_PLAIN);
out:
	json_object_put(o);
	return js;
}

/*
 * Overwrite the legacy lock naming mcle's holder, only if it is still the
 * generation judged expired (ifGenerationMatch): a renewal by the Go
 * controller in between makes it fail with 412.  The custom metadata
 * mcleEpoch marks it superseded for every mcle and keeps the epoch floor.
 */
static int
submit_legacy_take(struct gcall *c, struct mcle_err *err)
{
	struct gcs *g = priv(c->s);
	struct http_request req;
	char url[URL_MAX], name[LEGACY_NAME_MAX], epoch[24];
	char *rec = NULL, *js = NULL, *body = NULL;
	json_object *o = json_object_new_object(), *md = json_object_new_object();
	int64_t gen;
	int n, rc = -1;

	if (gcs_canonical_int64(c->op->expect_legacy, &gen) < 0) {
		json_object_put(o);
		json_object_put(md);
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: invalid expected generation", c->what);
	}
	legacy_name(g, c->op->name, name, sizeof(name));
	snprintf(epoch, sizeof(epoch), "%" PRId64, c->op->rec.epoch);
	if (json_add_str(md, "mcleEpoch", epoch) < 0 || json_add_str(o, "name", name) < 0 ||
	    json_add_str(o, "contentType", "application/json") < 0) {
		json_object_put(md);
		goto out;
	}
	if (json_add(o, "metadata", md) < 0 || (js = json_dump(o, JSON_PLAIN)) == NULL ||
	    (rec = legacy_record(&c->op->rec)) == NULL)
		goto out;
	n = asprintf(&body, "--" BOUNDARY "\r\n"
		     "Content-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n"
		     "--" BOUNDARY "\r\nContent-Type: application/json\r\n\r\n%s"
		     "\r\n--" BOUNDARY "--\r\n", js, rec);
	if (n < 0 || strstr(rec, BOUNDARY) != NULL) {
		if (n >= 0)
			free(body);
		body = NULL;
		goto out;
	}
	if (snprintf(url, sizeof(url), "%s/upload/storage/v1/b/%s/o?uploadType=multipart"
		     "&ifGenerationMatch=%" PRId64 "&projection=noAcl&fields=" LEGACY_FIELDS,
		     g->base, g->lbucket_esc, gen) >= (int)sizeof(url))
		goto out;
	base_request(c, &req, "POST", url);
	req.body = body;
	req.body_len = (size_t)n;
	req.content_type = "multipart/related; boundary=" BOUNDARY;
	rc = http_submit(g->http, &req, legacy_done, c, err);
out:
	if (rc < 0 && err->code == MCLE_OK)
		mcle_err_set(err, MCLE_ENOMEM, "%s: cannot encode the upload", c->what);
	json_object_put(o);
	free(js);
	free(rec);
	free(body);
	return rc;
}

/* --- listing ----------------------------------------------------------------- */

static int list_fetch(struct gcall *c, struct mcle_err *err);

static void
stream_begin(void *arg)
{
	struct gcall *c = arg;

	gcs_page_begin(&c->page);
}

static int
stream_data(void *arg, const char *p, size_t n)
{
	struct gcall *c = arg;

	return gcs_page_feed(&c->page, p, n);
}

static uint64_t
token_hash(const char *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *t != '\0'; t++)
		h = (h ^ (unsigned char)*t) * 0x100000001b3ULL;
	return h;
}

/* The page's entries to op->each, with the page's clock. */
static int
deliver_page(struct gcall *c, mcle_time now)
{
	struct store_op *op = c->op;
	struct mcle_err bad;
	struct gcs_item *it;
	size_t i;

	for (i = 0; i < c->page.items.n; i++) {
		it = vec_at(&c->page.items, i);
		it->e.now = now;
		if (it->bad) {
			mcle_err_clear(&bad);
			mcle_err_set(&bad, MCLE_ECORRUPT, "%s", it->why);
		}
		if (op->each(op->each_arg, &it->e, it->bad ? &bad : NULL, &op->err) < 0)
			return -1;
	}
	return 0;
}

/* The next token: 1 to go on, 0 at the end, -1 on the server's error. */
static int
next_page(struct gcall *c, struct mcle_err *err)
{
	uint64_t h, *slot;
	char cl[48];
	size_t i;

	if (gcs_page_token(&c->page, err) < 0)
		return -1;
	if (c->page.next[0] == '\0')
		return 0;
	h = token_hash(c->page.next);
	for (i = 0; i < c->seen.n; i++) {
		if (*(uint64_t *)vec_at(&c->seen, i) != h)
			continue;
		http_clip_n(c->page.next, strlen(c->page.next), cl, sizeof(cl));
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: the server repeated page token '%s' (the listing would never end)",
				    c->what, cl);
	}
	if ((slot = vec_add(&c->seen)) == NULL)
		return vec_full(&c->seen) ?
			mcle_err_set(err, MCLE_ECORRUPT, "%s: more than %d pages", c->what,
				     STORE_LIST_PAGES_MAX) :
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	*slot = h;
	free(c->token);
	if ((c->token = strdup(c->page.next)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 1;
}

/*
 * The prefix's listing is done: list the bucket root for legacy locks
 * too (1), when asked for and not done by the same listing (prefix "").
 */
static int
root_listing(struct gcall *c)
{
	struct gcs *g = priv(c->s);

	if (c->root || !c->op->legacy || !store_legacy(c->s) ||
	    (*g->prefix == '\0' && !g->lelsewhere))
		return 0;
	c->root = 1;
	free(c->token);
	c->token = NULL;
	c->seen.n = 0;
	gcs_page_free(&c->page);
	gcs_page_init(&c->page, g->lbucket, g->lprefix, c->s->url, c->what);
	c->page.legacy = 2;
	return 1;
}

static void
page_done(void *arg, struct http_call *h)
{
	struct gcall *c = arg;
	struct store_op *op = c->op;
	const struct mcle_err *perr = &c->page.err;	/* why the page's parse stopped */
	mcle_time now;
	int more;

	op->rc = -1;
	if (h->rc < 0) {
		if (perr->code != MCLE_OK || h->cred_failed)
			mcle_err_set(&op->err, perr->code != MCLE_OK ? perr->code : h->err.code,
				     "%s", perr->code != MCLE_OK ? perr->msg : h->err.msg);
		else
			mcle_err_set(&op->err, h->err.code, "%s: %s", c->what, h->err.msg);
	} else if (h->resp.status < 200 || h->resp.status > 299) {
		status_error(c, &h->resp, &op->err);
	} else if (gcs_page_finish(&c->page, &op->err) == 0 &&
		   (now = store_clock(c, &h->resp, 1, &op->err)) != 0 &&
		   (op->out.now = now) != 0 &&
		   deliver_page(c, now) == 0 && (more = next_page(c, &op->err)) >= 0) {
		if (more == 0 && root_listing(c))
			more = 1;
		if (more == 0)
			op->rc = 0;
		else if (list_fetch(c, &op->err) == 0)
			return;
	}
	finish(c);
}

static int
list_fetch(struct gcall *c, struct mcle_err *err)
{
	struct gcs *g = priv(c->s);
	struct http_request req;
	char url[URL_MAX], pfx[PREFIX_MAX + 2], *pfx_esc, *tok_esc;
	int n;

	/* the root (or the legacy locks' prefix), or the store's prefix */
	snprintf(pfx, sizeof(pfx), "%s%s", c->root ? g->lprefix : g->prefix,
		 *(c->root ? g->lprefix : g->prefix) ? "/" : "");
	pfx_esc = http_escape(pfx);
	tok_esc = http_escape(c->token != NULL ? c->token : "");
	/* the legacy locks only: GCS filters by name (matchGlob) */
	n = pfx_esc == NULL || tok_esc == NULL ? -1 :
	    snprintf(url, sizeof(url), "%s/storage/v1/b/%s/o?%s%s%s%s%s%s&maxResults=%d"
		     "&projection=noAcl&fields=" LIST_FIELDS "%s%s",
		     g->base, c->root ? g->lbucket_esc : g->bucket_esc, *pfx ? "prefix=" : "",
		     pfx_esc, *pfx ? "&" : "", c->root ? "matchGlob=" : "",
		     c->root ? pfx_esc : "",
		     /* '*' never matches a '/': the objects right under it only */
		     c->root ? "%2A" STORE_LEGACY_SUFFIX : "delimiter=%2F", GCS_PAGE_SIZE,
		     *tok_esc ? "&pageToken=" : "", tok_esc);
	free(pfx_esc);
	free(tok_esc);
	if (n < 0 || (size_t)n >= sizeof(url))
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: url too long", c->what);
	base_request(c, &req, "GET", url);
	req.stream = &c->stream;
	c->pages++;
	return http_submit(g->http, &req, page_done, c, err);
}

static int
gcs_submit(struct store *s, struct store_op *op, struct mcle_err *err)
{
	struct gcall *c;
	int rc;

	if ((c = gcall_new(s, op, err)) == NULL)
		return -1;
	switch (op->verb) {
	case STORE_READ:
		rc = submit_read(c, err);
		break;
	case STORE_CREATE:
	case STORE_REPLACE:
		rc = submit_upload(c, err);
		break;
	case STORE_UPDATE:
	case STORE_REMOVE:
		rc = submit_patch_or_delete(c, err);
		break;
	case STORE_LEGACY_READ:
		rc = submit_legacy_read(c, err);
		break;
	case STORE_LEGACY_TAKE:
		rc = submit_legacy_take(c, err);
		break;
	default:
		if (op->legacy && store_legacy(s) && *priv(s)->prefix == '\0' &&
		    !priv(s)->lelsewhere)
			c->page.legacy = 1;
		c->stream.begin = stream_begin;
		c->stream.data = stream_data;
		c->stream.arg = c;
		rc = list_fetch(c, err);
		break;
	}
	if (rc < 0)
		gcall_free(c);
	return rc;
}

const struct store_ops store_gcs_ops = {
	.scheme = "gs",
	.caps = STORE_CAP_SERVER_CLOCK | STORE_CAP_UPDATE_IN_PLACE | STORE_CAP_CONCURRENT |
		STORE_CAP_REMOVE | STORE_CAP_LEGACY,
	.priv_size = sizeof(struct gcs),
	.open = gcs_open,
	.close = gcs_close,
	.submit = gcs_submit,
};
