/*
 * store-gcs.c - the gs://BUCKET[/PREFIX] lock store (GCS JSON API).
 *
 * One object per namespace, PREFIX/NAMESPACE.  The lease record lives in the
 * object's custom metadata, so a listing returns every lease's state; the
 * body is a fixed text.  Acquire creates with ifGenerationMatch=0, takeover
 * uploads a new generation conditional on the exact generation and
 * metageneration judged expired, renew and release PATCH the metadata under
 * the same two preconditions, so nothing is ever written blind.  The store's
 * clock is the Date header of each response.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "gcs-auth.h"
#include "http.h"
#include "log.h"
#include "parse.h"
#include "store.h"

#define BUCKET_MAX	222
#define PREFIX_MAX	512
#define URL_MAX		8192
#define PAGE_TOKEN_MAX	2048
#define PAGE_SIZE	1000
#define PAGES_MAX	10000		/* 10 million objects in one listing */
#define TRIES_MAX	10
#define JSON_DEPTH	16
#define GMSG_MAX	160		/* Google's error.message in our messages */
#define BOUNDARY	"mcle-7f3c9a1e5b2d4680-boundary"
#define OBJECT_BODY	"mcle lease lock; the state is in the object metadata\n"

struct gcs {
	char bucket[BUCKET_MAX + 1];
	char prefix[PREFIX_MAX + 1];	/* "" or "a/b", no slash at either end */
	char *bucket_esc;
	struct gcs_auth *auth;
	int shared_auth;		/* a clone: auth belongs to the original */
	struct http_client *http;
};

/* What a call is about, for its messages. */
struct op {
	const char *verb;		/* "read", "create", ... */
	const char *ns;			/* NULL for a listing */
	const struct store *s;
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
		if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-_.", b[i]) == NULL ||
		    b[i] == '\0')
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
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f || p[i] == '#' ||
		    p[i] == '?')
			return 0;
	return 1;
}

static int
parse_url(struct store *s, struct gcs *g, const char *rest, struct mcle_err *err)
{
	size_t n = strcspn(rest, "/"), len;
	const char *p = rest + n;

	if (!valid_bucket(rest, n))
		return mcle_err_set(err, MCLE_EUSAGE,
		    "invalid store '%s': expected gs://BUCKET[/PREFIX] with a valid bucket name",
		    s->url);
	memcpy(g->bucket, rest, n);
	if (*p == '/')
		p++;
	if (!valid_prefix(p) || *p == '/')
		return mcle_err_set(err, MCLE_EUSAGE, "invalid store '%s': bad prefix",
		    s->url);
	snprintf(g->prefix, sizeof(g->prefix), "%s", p);
	len = strlen(g->prefix);
	while (len > 0 && g->prefix[len - 1] == '/')
		g->prefix[--len] = '\0';
	return 0;
}

static void
gcs_close(struct store *s)
{
	struct gcs *g = priv(s);

	http_client_free(g->http);
	if (!g->shared_auth)
		gcs_auth_free(g->auth);
	free(g->bucket_esc);
	memset(g, 0, sizeof(*g));
}

static int
gcs_open(struct store *s, const char *rest, struct mcle_err *err)
{
	struct gcs *g = priv(s);

	if (parse_url(s, g, rest, err) == -1)
		return -1;
	if ((g->bucket_esc = http_escape(g->bucket)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto fail;
	}
	if ((g->auth = gcs_auth_new(err)) == NULL ||
	    (g->http = http_client_new(NULL, err)) == NULL)
		goto fail;
	log_debug("store '%s': api '%s', %s", s->url, gcs_auth_base(g->auth),
	    gcs_auth_source(g->auth));
	return 0;
fail:
	gcs_close(s);
	return -1;
}

/* --- URLs ----------------------------------------------------------------- */

/* PREFIX/NS (or NS), percent-encoded, into buf. */
static int
object_path(const struct gcs *g, const char *ns, char *buf, size_t size)
{
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2], *esc;
	int n;

	snprintf(name, sizeof(name), "%s%s%s", g->prefix, *g->prefix ? "/" : "", ns);
	if ((esc = http_escape(name)) == NULL)
		return -1;
	n = snprintf(buf, size, "%s", esc);
	free(esc);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The object's URL (JSON API) with an optional query ("" or "?a=b..."). */
static int
object_url(const struct gcs *g, const char *ns, const char *query, char *buf,
	   size_t size)
{
	char path[URL_MAX];
	int n;

	if (object_path(g, ns, path, sizeof(path)) == -1)
		return -1;
	n = snprintf(buf, size, "%s/storage/v1/b/%s/o/%s%s",
	    gcs_auth_base(g->auth), g->bucket_esc, path, query);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* "?ifGenerationMatch=G&ifMetagenerationMatch=M" for expect, into buf. */
static int
precondition(const struct store_version *expect, const char *lead, char *buf,
	     size_t size)
{
	size_t n = strlen(expect->generation);

	if (n == 0 || strspn(expect->generation, "0123456789") != n ||
	    expect->metageneration < 1)
		return -1;
	snprintf(buf, size, "%sifGenerationMatch=%s&ifMetagenerationMatch=%" PRId64,
	    lead, expect->generation, expect->metageneration);
	return 0;
}

/* --- responses ------------------------------------------------------------ */

static void
describe(const struct op *op, char *buf, size_t size)
{
	if (op->ns != NULL)
		snprintf(buf, size, "cannot %s lock '%s'", op->verb, op->ns);
	else
		snprintf(buf, size, "cannot %s locks in '%s'", op->verb, op->s->url);
}

/* Why a parse failed: json-c says "continue" for a truncated text. */
static const char *
json_error(json_tokener *tok)
{
	enum json_tokener_error e = json_tokener_get_error(tok);

	return e == json_tokener_continue ? "truncated JSON" :
	    json_tokener_error_desc(e);
}

static json_object *
parse_json(const struct http_response *r, const struct op *op,
	   struct mcle_err *err)
{
	json_tokener *tok;
	json_object *o = NULL;
	char what[160];

	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	if (r->body != NULL && r->len <= INT32_MAX)
		o = json_tokener_parse_ex(tok, r->body, (int)r->len);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		describe(op, what, sizeof(what));
		mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: %s", what,
		    o != NULL ? "not a JSON object" : json_error(tok));
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* Google's error.message (clipped, one line) into buf, "" if none. */
static void
google_message(const struct http_response *r, char *buf, size_t size)
{
	json_object *o, *e, *m;

	buf[0] = '\0';
	if (r->body == NULL || (o = json_tokener_parse(r->body)) == NULL)
		return;
	if (json_object_object_get_ex(o, "error", &e) &&
	    json_object_object_get_ex(e, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		http_clip(json_object_get_string(m), buf, size);
	json_object_put(o);
}

static int
status_error(struct gcs *g, const struct op *op, const struct http_response *r,
	     int write, struct mcle_err *err)
{
	char what[160], msg[GMSG_MAX + 1], tail[GMSG_MAX + 8];

	describe(op, what, sizeof(what));
	google_message(r, msg, sizeof(msg));
	snprintf(tail, sizeof(tail), "%s%s", *msg ? ": " : "", msg);
	switch (r->status) {
	case 404:
		if (op->ns == NULL || strstr(msg, "bucket") != NULL ||
		    strstr(msg, "Bucket") != NULL)
			return mcle_err_set(err, MCLE_ECONFIG,
			    "bucket '%s' does not exist", g->bucket);
		/* a conditional write whose version is gone: it changed */
		return mcle_err_set(err, write ? MCLE_EPRECOND : MCLE_ENOTFOUND,
		    "%s: it does not exist", what);
	case 412:
		return mcle_err_set(err, MCLE_EPRECOND,
		    "%s: it changed (precondition failed)", what);
	case 401:
		return mcle_err_set(err, MCLE_EAUTH,
		    "%s: credentials rejected (401)%s", what, tail);
	case 403:
		return mcle_err_set(err, MCLE_EPERM,
		    "%s: permission denied (403)%s", what, tail);
	case 429:
		return mcle_err_set(err, MCLE_ERATELIMIT,
		    "%s: rate limited (429) after %d tries%s", what, r->attempts, tail);
	}
	if (http_status_retryable(r->status))
		return mcle_err_set(err, MCLE_EUNAVAIL,
		    "%s: server error (%ld) after %d tries%s", what, r->status,
		    r->attempts, tail);
	return mcle_err_set(err, r->status >= 400 && r->status < 500 ?
	    MCLE_ECONFIG : MCLE_ECORRUPT, "%s: unexpected answer (%ld)%s", what,
	    r->status, tail);
}

/*
 * Send req with the token and the run's deadline, retrying what may be
 * retried.  0 on a 2xx answer with a valid Date (the store's clock in *now),
 * else -1 with err set.
 */
static int
call(struct store *s, const struct op *op, struct http_request *req,
     struct http_response *resp, mcle_time *now, struct mcle_err *err)
{
	struct gcs *g = priv(s);
	struct mcle_err e = MCLE_ERR_INIT;
	char what[160], bearer[GCS_TOKEN_MAX + 1];
	int write = strcmp(req->method, "GET") != 0, rc;

	memset(resp, 0, sizeof(*resp));
	req->deadline = s->params.deadline;
	if (gcs_auth_token(g->auth, g->http, req->deadline, bearer, sizeof(bearer),
	    err) == -1)
		return -1;
	req->bearer = *bearer != '\0' ? bearer : NULL;
	rc = http_do_retry(g->http, req, TRIES_MAX, resp, &e);
	req->bearer = NULL;
	OPENSSL_cleanse(bearer, sizeof(bearer));
	if (rc == -1) {
		describe(op, what, sizeof(what));
		return mcle_err_set(err, e.code, "%s: %s", what, e.msg);
	}
	if (resp->status < 200 || resp->status > 299)
		return status_error(g, op, resp, write, err);
	if (now != NULL && time_parse_http(resp->date, now) == -1) {
		describe(op, what, sizeof(what));
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "%s: response without a valid Date header", what);
	}
	return 0;
}

static const char *
get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The version fields of an object resource; NULL or the missing field's name. */
static const char *
parse_version(json_object *o, struct store_version *v)
{
	const char *gen = get_str(o, "generation"), *meta = get_str(o, "metageneration");
	const char *created = get_str(o, "timeCreated"), *updated = get_str(o, "updated");

	if (gen == NULL || *gen == '\0' || strlen(gen) > MCLE_GENERATION_MAX ||
	    strspn(gen, "0123456789") != strlen(gen))
		return "generation";
	memcpy(v->generation, gen, strlen(gen) + 1);
	if (meta == NULL || parse_int(meta, 1, INT64_MAX, &v->metageneration) == -1)
		return "metageneration";
	if (created == NULL || time_parse_rfc3339(created, &v->created) == -1)
		return "timeCreated";
	if (updated == NULL || time_parse_rfc3339(updated, &v->updated) == -1)
		return "updated";
	return NULL;
}

/* An object resource into out (name, version and record). */
static int
parse_object(json_object *o, const char *ns, mcle_time now,
	     struct store_entry *out, struct mcle_err *err)
{
	json_object *meta = NULL;
	const char *bad;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", ns);
	out->now = now;
	if ((bad = parse_version(o, &out->ver)) != NULL)
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "malformed lock '%s': missing or invalid '%s'", ns, bad);
	if (!json_object_object_get_ex(o, "metadata", &meta))
		meta = NULL;
	return record_decode(meta, ns, &out->rec, err);
}

/* A 2xx response holding one object resource into out. */
static int
take_object(const struct op *op, const struct http_response *r, mcle_time now,
	    struct store_entry *out, struct mcle_err *err)
{
	json_object *o;
	int rc;

	if ((o = parse_json(r, op, err)) == NULL)
		return -1;
	rc = parse_object(o, op->ns, now, out, err);
	json_object_put(o);
	return rc;
}

/* --- operations ------------------------------------------------------------ */

static int
gcs_read(struct store *s, const char *name, struct store_entry *out,
	 struct mcle_err *err)
{
	struct op op = { "read", name, s };
	struct http_request req;
	struct http_response resp;
	char url[URL_MAX];
	mcle_time now;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (object_url(priv(s), name, "", url, sizeof(url)) == -1) {
		mcle_err_set(err, MCLE_EUSAGE, "cannot read lock '%s': name too long", name);
		goto out;
	}
	req.method = "GET";
	req.url = url;
	if (call(s, &op, &req, &resp, &now, err) == 0)
		rc = take_object(&op, &resp, now, out, err);
out:
	http_response_free(&resp);
	return rc;
}

/* The multipart/related upload body: JSON resource, then the fixed text. */
static char *
upload_body(const struct gcs *g, const char *ns, const struct lease_record *rec,
	    size_t *len)
{
	json_object *o = json_object_new_object(), *meta = record_encode(rec);
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2], *body = NULL;
	const char *js;
	int n;

	snprintf(name, sizeof(name), "%s%s%s", g->prefix, *g->prefix ? "/" : "", ns);
	if (o == NULL || meta == NULL ||
	    json_object_object_add(o, "name", json_object_new_string(name)) != 0 ||
	    json_object_object_add(o, "contentType", json_object_new_string("text/plain")) != 0 ||
	    json_object_object_add(o, "cacheControl", json_object_new_string("no-store")) != 0 ||
	    json_object_object_add(o, "metadata", meta) != 0)
		goto out;
	meta = NULL;
	if ((js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) == NULL ||
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
	json_object_put(meta);
	json_object_put(o);
	return body;
}

/* Upload a new generation of ns under the preconditions in query. */
static int
upload(struct store *s, const struct op *op, const char *query,
       const struct lease_record *rec, struct store_entry *out,
       struct mcle_err *err)
{
	struct gcs *g = priv(s);
	struct http_request req;
	struct http_response resp;
	char url[URL_MAX], *body;
	size_t len = 0;
	mcle_time now;
	int rc = -1, n;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if ((body = upload_body(g, op->ns, rec, &len)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM,
		    "cannot %s lock '%s': cannot encode the upload", op->verb, op->ns);
	n = snprintf(url, sizeof(url), "%s/upload/storage/v1/b/%s/o?uploadType=multipart&%s",
	    gcs_auth_base(g->auth), g->bucket_esc, query);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		mcle_err_set(err, MCLE_EUSAGE, "cannot %s lock '%s': url too long",
		    op->verb, op->ns);
		goto out;
	}
	req.method = "POST";
	req.url = url;
	req.body = body;
	req.body_len = len;
	req.content_type = "multipart/related; boundary=" BOUNDARY;
	if (call(s, op, &req, &resp, &now, err) == 0)
		rc = take_object(op, &resp, now, out, err);
out:
	http_response_free(&resp);
	free(body);
	return rc;
}

static int
gcs_create(struct store *s, const char *name, const struct lease_record *rec,
	   struct store_entry *out, struct mcle_err *err)
{
	struct op op = { "create", name, s };

	return upload(s, &op, "ifGenerationMatch=0", rec, out, err);
}

static int
gcs_replace(struct store *s, const char *name, const struct store_version *expect,
	    const struct lease_record *rec, struct store_entry *out,
	    struct mcle_err *err)
{
	struct op op = { "replace", name, s };
	char query[128];

	if (precondition(expect, "", query, sizeof(query)) == -1)
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "cannot replace lock '%s': invalid expected version", name);
	return upload(s, &op, query, rec, out, err);
}

/* {"metadata": {...}} for a PATCH, malloc'd; NULL if out of memory. */
static char *
patch_body(const struct lease_record *rec)
{
	json_object *o = json_object_new_object(), *meta = record_encode(rec);
	const char *js;
	char *body = NULL;

	if (o != NULL && meta != NULL &&
	    json_object_object_add(o, "metadata", meta) == 0) {
		meta = NULL;
		js = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		body = js == NULL ? NULL : strdup(js);
	}
	json_object_put(meta);
	json_object_put(o);
	return body;
}

static int
gcs_update(struct store *s, const char *name, const struct store_version *expect,
	   const struct lease_record *rec, struct store_entry *out,
	   struct mcle_err *err)
{
	struct op op = { "update", name, s };
	struct http_request req;
	struct http_response resp;
	char query[128], url[URL_MAX], *body = NULL;
	mcle_time now;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (precondition(expect, "?", query, sizeof(query)) == -1) {
		mcle_err_set(err, MCLE_ECORRUPT,
		    "cannot update lock '%s': invalid expected version", name);
		goto out;
	}
	if (object_url(priv(s), name, query, url, sizeof(url)) == -1) {
		mcle_err_set(err, MCLE_EUSAGE, "cannot update lock '%s': name too long", name);
		goto out;
	}
	if ((body = patch_body(rec)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "cannot update lock '%s': out of memory", name);
		goto out;
	}
	req.method = "PATCH";
	req.url = url;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/json";
	if (call(s, &op, &req, &resp, &now, err) == 0)
		rc = take_object(&op, &resp, now, out, err);
out:
	http_response_free(&resp);
	free(body);
	return rc;
}

static int
gcs_remove(struct store *s, const char *name, const struct store_version *expect,
	   struct mcle_err *err)
{
	struct op op = { "remove", name, s };
	struct http_request req;
	struct http_response resp;
	char query[128], url[URL_MAX];
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (precondition(expect, "?", query, sizeof(query)) == -1) {
		mcle_err_set(err, MCLE_ECORRUPT,
		    "cannot remove lock '%s': invalid expected version", name);
		goto out;
	}
	if (object_url(priv(s), name, query, url, sizeof(url)) == -1) {
		mcle_err_set(err, MCLE_EUSAGE, "cannot remove lock '%s': name too long", name);
		goto out;
	}
	req.method = "DELETE";
	req.url = url;
	rc = call(s, &op, &req, &resp, NULL, err);
out:
	http_response_free(&resp);
	return rc;
}

/* --- listing ---------------------------------------------------------------- */

/* The list URL for a page (token "" for the first). */
static int
list_url(const struct gcs *g, const char *token, char *buf, size_t size)
{
	char pfx[PREFIX_MAX + 2], *pfx_esc, *tok_esc;
	int n;

	snprintf(pfx, sizeof(pfx), "%s%s", g->prefix, *g->prefix ? "/" : "");
	pfx_esc = http_escape(pfx);
	tok_esc = http_escape(token);
	n = pfx_esc == NULL || tok_esc == NULL ? -1 :
	    snprintf(buf, size, "%s/storage/v1/b/%s/o?%s%s%sdelimiter=%%2F&maxResults=%d%s%s",
	    gcs_auth_base(g->auth), g->bucket_esc, *pfx ? "prefix=" : "", pfx_esc,
	    *pfx ? "&" : "", PAGE_SIZE, *token ? "&pageToken=" : "", tok_esc);
	free(pfx_esc);
	free(tok_esc);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* The namespace an object name stands for, or NULL if it is not one. */
static const char *
name_to_ns(const struct gcs *g, const char *name)
{
	size_t n = strlen(g->prefix);

	if (n > 0) {
		if (strncmp(name, g->prefix, n) != 0 || name[n] != '/')
			return NULL;
		name += n + 1;
	}
	return valid_namespace(name) ? name : NULL;
}

static int
list_items(struct gcs *g, json_object *page, mcle_time now,
	   int (*fn)(void *, const struct store_entry *, struct mcle_err *),
	   void *arg, struct mcle_err *err)
{
	json_object *items, *it;
	struct store_entry e;
	const char *name, *ns;
	size_t i, n;

	if (!json_object_object_get_ex(page, "items", &items))
		return 0;
	if (!json_object_is_type(items, json_type_array))
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "cannot list locks in bucket '%s': malformed 'items'", g->bucket);
	n = json_object_array_length(items);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(items, i);
		if ((name = get_str(it, "name")) == NULL ||
		    (ns = name_to_ns(g, name)) == NULL) {
			log_trace("listing: skipping object '%.200s'", name ? name : "?");
			continue;
		}
		mcle_err_clear(&e.err);
		if (parse_object(it, ns, now, &e, &e.err) == -1)
			memset(&e.rec, 0, sizeof(e.rec));
		if (fn(arg, &e, err) == -1)
			return -1;
	}
	return 0;
}

/* Fetch one page; its nextPageToken into token ("" after the last). */
static int
list_page(struct store *s, char *token, size_t size,
	  int (*fn)(void *, const struct store_entry *, struct mcle_err *),
	  void *arg, struct mcle_err *err)
{
	struct op op = { "list", NULL, s };
	struct http_request req;
	struct http_response resp;
	json_object *page = NULL;
	const char *next;
	char url[URL_MAX];
	mcle_time now;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (list_url(priv(s), token, url, sizeof(url)) == -1) {
		mcle_err_set(err, MCLE_ECORRUPT, "cannot list locks in '%s': url too long",
		    s->url);
		goto out;
	}
	req.method = "GET";
	req.url = url;
	if (call(s, &op, &req, &resp, &now, err) == -1 ||
	    (page = parse_json(&resp, &op, err)) == NULL)
		goto out;
	next = get_str(page, "nextPageToken");
	if (next != NULL && (strlen(next) >= size || strlen(next) > PAGE_TOKEN_MAX)) {
		mcle_err_set(err, MCLE_ECORRUPT,
		    "cannot list locks in '%s': page token too long", s->url);
		goto out;
	}
	snprintf(token, size, "%s", next != NULL ? next : "");
	rc = list_items(priv(s), page, now, fn, arg, err);
out:
	json_object_put(page);
	http_response_free(&resp);
	return rc;
}

static int
gcs_list(struct store *s,
	 int (*fn)(void *, const struct store_entry *, struct mcle_err *),
	 void *arg, struct mcle_err *err)
{
	char token[PAGE_TOKEN_MAX + 1] = "";
	int pages;

	for (pages = 0; pages < PAGES_MAX; pages++) {
		if (list_page(s, token, sizeof(token), fn, arg, err) == -1)
			return -1;
		if (token[0] == '\0')
			return 0;
	}
	return mcle_err_set(err, MCLE_ECORRUPT,
	    "cannot list locks in '%s': more than %d pages", s->url, PAGES_MAX);
}

static int
gcs_clone(struct store *src, struct store *dst, struct mcle_err *err)
{
	struct gcs *a = priv(src), *b = priv(dst);

	memcpy(b->bucket, a->bucket, sizeof(b->bucket));
	memcpy(b->prefix, a->prefix, sizeof(b->prefix));
	b->auth = a->auth;
	b->shared_auth = 1;
	if ((b->bucket_esc = strdup(a->bucket_esc)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto fail;
	}
	if ((b->http = http_client_clone(a->http, err)) == NULL)
		goto fail;
	return 0;
fail:
	gcs_close(dst);
	return -1;
}

const struct store_ops store_gcs_ops = {
	.scheme = "gs",
	.priv_size = sizeof(struct gcs),
	.open = gcs_open,
	.close = gcs_close,
	.read = gcs_read,
	.list = gcs_list,
	.create = gcs_create,
	.replace = gcs_replace,
	.update = gcs_update,
	.remove = gcs_remove,
	.clone = gcs_clone,
};
