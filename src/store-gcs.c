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
#define NAME_CLIP	96		/* a server's object name, in messages */
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

/* The object name of ns: PREFIX/NS (or NS). */
static void
object_name(const struct gcs *g, const char *ns, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", g->prefix, *g->prefix ? "/" : "", ns);
}

/* PREFIX/NS (or NS), percent-encoded, into buf. */
static int
object_path(const struct gcs *g, const char *ns, char *buf, size_t size)
{
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2], *esc;
	int n;

	object_name(g, ns, name, sizeof(name));
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

/*
 * A positive int64 in decimal without leading zeros, as GCS writes
 * generations and metagenerations.  0 or -1.
 */
static int
canonical_int64(const char *s, int64_t *out)
{
	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	return parse_int(s, 1, INT64_MAX, out);
}

/* "?ifGenerationMatch=G&ifMetagenerationMatch=M" for expect, into buf. */
static int
precondition(const struct store_version *expect, const char *lead, char *buf,
	     size_t size)
{
	int64_t gen;

	if (canonical_int64(expect->generation, &gen) == -1 ||
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

/* "cannot ... : malformed response: WHY"; -1. */
static int
malformed(const struct op *op, const char *why, struct mcle_err *err)
{
	char what[160];

	describe(op, what, sizeof(what));
	return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: %s", what,
	    why);
}

/* The body as one JSON object, nothing after it. */
static json_object *
parse_json(const struct http_response *r, const struct op *op,
	   struct mcle_err *err)
{
	json_object *o;
	const char *why;

	o = gcs_json_parse(r->body, r->len, JSON_DEPTH, &why);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		why = "not a JSON object";
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL)
		malformed(op, why, err);
	return o;
}

/* A server's string member (NUL bytes and all) as one printable line. */
static void
clip_member(json_object *o, const char *key, char *buf, size_t size)
{
	json_object *v;
	const char *s = "";
	char tmp[256];
	size_t n = 0, i;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
	}
	for (i = 0; i < n && i + 1 < sizeof(tmp); i++)
		tmp[i] = s[i] == '\0' ? ' ' : s[i];
	tmp[i] = '\0';
	http_clip(tmp, buf, size);
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

/* The version fields of an object resource; NULL or the missing field's name. */
static const char *
parse_version(json_object *o, struct store_version *v)
{
	const char *gen = gcs_json_str(o, "generation");
	const char *meta = gcs_json_str(o, "metageneration");
	const char *created = gcs_json_str(o, "timeCreated");
	const char *updated = gcs_json_str(o, "updated");
	int64_t n;

	if (canonical_int64(gen, &n) == -1 || strlen(gen) > MCLE_GENERATION_MAX)
		return "generation";
	memcpy(v->generation, gen, strlen(gen) + 1);
	if (canonical_int64(meta, &v->metageneration) == -1)
		return "metageneration";
	if (created == NULL || time_parse_rfc3339(created, &v->created) == -1)
		return "timeCreated";
	if (updated == NULL || time_parse_rfc3339(updated, &v->updated) == -1)
		return "updated";
	return NULL;
}

/* The key of a metadata value that holds a NUL byte, or NULL. */
static const char *
metadata_nul(json_object *meta)
{
	if (meta == NULL || !json_object_is_type(meta, json_type_object))
		return NULL;
	json_object_object_foreach(meta, key, v) {
		if (json_object_is_type(v, json_type_string) &&
		    strlen(json_object_get_string(v)) !=
		    (size_t)json_object_get_string_len(v))
			return key;
	}
	return NULL;
}

/* An object resource into out (name, version and record). */
static int
parse_object(json_object *o, const char *ns, mcle_time now,
	     struct store_entry *out, struct mcle_err *err)
{
	json_object *meta = NULL;
	const char *bad;
	char key[64];

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", ns);
	out->now = now;
	if ((bad = parse_version(o, &out->ver)) != NULL)
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "malformed lock '%s': missing or invalid '%s'", ns, bad);
	if (!json_object_object_get_ex(o, "metadata", &meta))
		meta = NULL;
	if ((bad = metadata_nul(meta)) != NULL) {
		http_clip(bad, key, sizeof(key));
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "malformed lock '%s': metadata '%s' holds a NUL byte", ns, key);
	}
	return record_decode(meta, ns, &out->rec, err);
}

/*
 * 0 if the string member key of o is want; else -1 with err set, naming
 * the thing (noun) the server named instead.
 */
static int
check_member(const struct op *op, json_object *o, const char *key,
	     const char *noun, const char *want, struct mcle_err *err)
{
	const char *got = gcs_json_str(o, key);
	char what[160], clip[NAME_CLIP];

	if (got != NULL && strcmp(got, want) == 0)
		return 0;
	describe(op, what, sizeof(what));
	if (!json_object_object_get_ex(o, key, NULL))
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "%s: malformed response: no '%s'", what, key);
	clip_member(o, key, clip, sizeof(clip));
	return mcle_err_set(err, MCLE_ECORRUPT,
	    "%s: the response is about %s '%s', not '%s'", what, noun, clip, want);
}

/* A 2xx response holding the object resource of op->ns into out. */
static int
take_object(struct gcs *g, const struct op *op, const struct http_response *r,
	    mcle_time now, struct store_entry *out, struct mcle_err *err)
{
	char name[PREFIX_MAX + MCLE_NAMESPACE_MAX + 2];
	json_object *o;
	int rc = -1;

	if ((o = parse_json(r, op, err)) == NULL)
		return -1;
	object_name(g, op->ns, name, sizeof(name));
	if (check_member(op, o, "name", "object", name, err) == 0 &&
	    check_member(op, o, "bucket", "bucket", g->bucket, err) == 0)
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
		rc = take_object(priv(s), &op, &resp, now, out, err);
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

	object_name(g, ns, name, sizeof(name));
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
		rc = take_object(g, op, &resp, now, out, err);
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
		rc = take_object(priv(s), &op, &resp, now, out, err);
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

/* One listing: where its entries go, and what it has seen so far. */
struct listing {
	struct store *s;
	struct op op;
	int (*fn)(void *, const struct store_entry *, struct mcle_err *);
	void *arg;
	char last[MCLE_NAMESPACE_MAX + 1];	/* the last namespace passed on */
	uint64_t *seen;			/* hashes of page tokens followed */
	size_t nseen, cap;
};

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

/* Why a listed object is no lock of ours: it is skipped with a warning. */
static void
skip_item(struct listing *l, json_object *it, const char *why)
{
	char clip[NAME_CLIP];

	clip_member(it, "name", clip, sizeof(clip));
	log_warn("skipping object '%s' in '%s': %s", clip, l->s->url, why);
}

/* A listed object's name and bucket; -1 if the listing cannot be trusted. */
static int
check_item(struct listing *l, json_object *it, struct mcle_err *err)
{
	json_object *v;

	if (!json_object_object_get_ex(it, "name", &v) ||
	    !json_object_is_type(v, json_type_string))
		return malformed(&l->op, "an item without a 'name'", err);
	if (json_object_object_get_ex(it, "bucket", NULL))
		return check_member(&l->op, it, "bucket", "bucket",
		    priv(l->s)->bucket, err);
	return 0;
}

/* PREFIX/ itself: a "folder" placeholder, as the console creates. */
static int
is_folder(const struct gcs *g, const char *name)
{
	size_t n = strlen(g->prefix);

	return n > 0 && strncmp(name, g->prefix, n) == 0 &&
	    strcmp(name + n, "/") == 0;
}

/* One listed object: passed to fn if it is the lock of a namespace. */
static int
list_item(struct listing *l, json_object *it, mcle_time now,
	  struct mcle_err *err)
{
	const char *name = gcs_json_str(it, "name"), *ns;
	struct store_entry e;
	char clip[NAME_CLIP], what[160];

	if (check_item(l, it, err) == -1)
		return -1;
	if (name == NULL) {
		skip_item(l, it, "its name holds a NUL byte");
		return 0;
	}
	if ((ns = name_to_ns(priv(l->s), name)) == NULL) {
		if (!is_folder(priv(l->s), name))
			skip_item(l, it, "its name is not PREFIX/NAMESPACE");
		return 0;
	}
	if (*l->last != '\0' && strcmp(ns, l->last) <= 0) {
		describe(&l->op, what, sizeof(what));
		http_clip(name, clip, sizeof(clip));
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "%s: object '%s' listed twice or out of order", what, clip);
	}
	snprintf(l->last, sizeof(l->last), "%s", ns);
	mcle_err_clear(&e.err);
	if (parse_object(it, ns, now, &e, &e.err) == -1)
		memset(&e.rec, 0, sizeof(e.rec));
	return l->fn(l->arg, &e, err);
}

static int
list_items(struct listing *l, json_object *page, mcle_time now,
	   struct mcle_err *err)
{
	json_object *items, *prefixes;
	size_t i, n;

	if (json_object_object_get_ex(page, "prefixes", &prefixes) &&
	    !json_object_is_type(prefixes, json_type_array))
		return malformed(&l->op, "'prefixes' is not an array", err);
	if (!json_object_object_get_ex(page, "items", &items))
		return 0;
	if (!json_object_is_type(items, json_type_array))
		return malformed(&l->op, "'items' is not an array", err);
	n = json_object_array_length(items);
	for (i = 0; i < n; i++)
		if (list_item(l, json_object_array_get_idx(items, i), now, err) == -1)
			return -1;
	return 0;
}

/* A page's nextPageToken into token ("" after the last page). */
static int
next_token(struct listing *l, json_object *page, char *token, size_t size,
	   struct mcle_err *err)
{
	json_object *v;
	const char *next = gcs_json_str(page, "nextPageToken");

	if (!json_object_object_get_ex(page, "nextPageToken", &v) || v == NULL)
		next = "";
	else if (next == NULL)
		return malformed(&l->op, "invalid 'nextPageToken'", err);
	if (strlen(next) >= size || strlen(next) > PAGE_TOKEN_MAX)
		return malformed(&l->op, "page token too long", err);
	snprintf(token, size, "%s", next);
	return 0;
}

/* Fetch one page; its nextPageToken into token ("" after the last). */
static int
list_page(struct listing *l, char *token, size_t size, struct mcle_err *err)
{
	struct http_request req;
	struct http_response resp;
	json_object *page = NULL;
	char url[URL_MAX];
	mcle_time now;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	if (list_url(priv(l->s), token, url, sizeof(url)) == -1) {
		mcle_err_set(err, MCLE_ECORRUPT, "cannot list locks in '%s': url too long",
		    l->s->url);
		goto out;
	}
	req.method = "GET";
	req.url = url;
	if (call(l->s, &l->op, &req, &resp, &now, err) == 0 &&
	    (page = parse_json(&resp, &l->op, err)) != NULL &&
	    next_token(l, page, token, size, err) == 0)
		rc = list_items(l, page, now, err);
out:
	json_object_put(page);
	http_response_free(&resp);
	return rc;
}

/* FNV-1a: a listing remembers its page tokens by a 64-bit hash each. */
static uint64_t
token_hash(const char *t)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *t != '\0'; t++)
		h = (h ^ (unsigned char)*t) * 0x100000001b3ULL;
	return h;
}

/*
 * Remember a page token to follow; -1 if this listing followed it already:
 * the server leads us in a circle, and the listing would never end.
 */
static int
follow_token(struct listing *l, const char *token, struct mcle_err *err)
{
	uint64_t h = token_hash(token), *v;
	char what[160], clip[48];
	size_t i;

	for (i = 0; i < l->nseen; i++) {
		if (l->seen[i] != h)
			continue;
		describe(&l->op, what, sizeof(what));
		http_clip(token, clip, sizeof(clip));
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "%s: the server repeated page token '%s' "
		    "(the listing would never end)", what, clip);
	}
	if (l->nseen == l->cap) {
		if ((v = reallocarray(l->seen, l->cap + 64, sizeof(*v))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		l->seen = v;
		l->cap += 64;
	}
	l->seen[l->nseen++] = h;
	return 0;
}

static int
gcs_list(struct store *s,
	 int (*fn)(void *, const struct store_entry *, struct mcle_err *),
	 void *arg, struct mcle_err *err)
{
	struct listing l = { s, { "list", NULL, s }, fn, arg, "", NULL, 0, 0 };
	char token[PAGE_TOKEN_MAX + 1] = "";
	int pages, rc = -1;

	for (pages = 0; pages < PAGES_MAX; pages++) {
		if (list_page(&l, token, sizeof(token), err) == -1)
			goto out;
		if (token[0] == '\0') {
			rc = 0;
			goto out;
		}
		if (follow_token(&l, token, err) == -1)
			goto out;
	}
	mcle_err_set(err, MCLE_ECORRUPT,
	    "cannot list locks in '%s': more than %d pages", s->url, PAGES_MAX);
out:
	free(l.seen);
	return rc;
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
