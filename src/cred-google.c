/* cred-google.c - service account and authorized user key files. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "cred-google.h"
#include "json.h"
#include "log.h"
#include "parse.h"
#include "readfile.h"
#include "secret.h"

#define KEY_FILE_MAX		(64 * 1024)
#define URL_MAX			1024
#define TOKEN_TRIES		5
#define TOKEN_TTL_DEFAULT	3600		/* s, without expires_in */
#define TOKEN_TTL_MAX		86400
#define JWT_LIFETIME		3600
#define JWT_MAX			8192

enum google_kind { SERVICE_ACCOUNT, AUTHORIZED_USER };

struct google {
	enum google_kind kind;
	char source[URL_MAX + 64];
	char token_uri[URL_MAX];
	char *email, *key_id;		/* service account */
	EVP_PKEY *pkey;
	char *client_id, *client_secret, *refresh_token;	/* authorized user */
	struct http_client *http;
};

/* --- token answers (shared with the metadata server) -------------------- */

static int64_t
token_ttl(json_object *o)
{
	int64_t ttl;

	if (!json_has(o, "expires_in"))
		return TOKEN_TTL_DEFAULT;
	if (json_int(o, "expires_in", &ttl) < 0)
		return -1;
	return ttl >= 1 && ttl <= TOKEN_TTL_MAX ? ttl : -1;
}

/* What is wrong with a token response, or NULL. */
static const char *
token_problem(json_object *o, int64_t *ttl)
{
	const char *tok = json_str(o, "access_token"), *type = json_str(o, "token_type");

	if (tok == NULL || *tok == '\0' || strlen(tok) > GOOGLE_TOKEN_MAX ||
	    !valid_bearer_token(tok))
		return "missing or invalid 'access_token'";
	if ((*ttl = token_ttl(o)) < 0)
		return "invalid 'expires_in'";
	if (json_has(o, "token_type") && (type == NULL || strcasecmp(type, "Bearer") != 0))
		return "'token_type' is not Bearer";
	return NULL;
}

/* Wipe the secret strings of a parsed key file or token, then free it. */
static void
put_secret_json(json_object *o)
{
	static const char *const secret[] = {
		"private_key", "client_secret", "refresh_token", "access_token", NULL
	};
	json_object *v;
	int i;

	for (i = 0; o != NULL && secret[i] != NULL; i++)
		if (json_object_object_get_ex(o, secret[i], &v) &&
		    json_object_is_type(v, json_type_string))
			secret_wipe((char *)json_object_get_string(v),
				    (size_t)json_object_get_string_len(v));
	json_object_put(o);
}

static int
take_token(const struct http_response *r, const char *source, struct cred_fresh *out,
	   struct mcle_err *err)
{
	const char *why = NULL;
	json_object *o = json_parse(r->body, r->len, &why);
	int64_t ttl = 0;
	int rc = -1;

	if (o != NULL && !json_object_is_type(o, json_type_object))
		why = "not a JSON object";
	else if (o != NULL)
		why = token_problem(o, &ttl);
	if (why != NULL)
		mcle_err_set(err, MCLE_EAUTH, "malformed token response from %s: %s", source, why);
	else if ((out->token = strdup(json_str(o, "access_token"))) == NULL)
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	else {
		out->lifetime_us = ttl * MCLE_USEC;
		rc = 0;
	}
	put_secret_json(o);
	return rc;
}

/* The token server's own words about a refusal, for the message. */
static void
token_error(const struct http_response *r, char *buf, size_t size)
{
	const char *why;
	json_object *o = json_parse(r->body, r->len, &why);
	const char *e = json_str(o, "error"), *d = json_str(o, "error_description");
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s%s%s", e != NULL ? e : "",
		 e != NULL && d != NULL ? ": " : "", d != NULL ? d : "");
	http_clip(tmp, buf, size);
	json_object_put(o);
}

int
google_token_response(const struct http_response *r, const char *server,
		      const char *source, int metadata, struct cred_fresh *out,
		      struct mcle_err *err)
{
	char why[200];
	const char *sep;

	if (r->status == 200)
		return take_token(r, source, out, err);
	token_error(r, why, sizeof(why));
	sep = *why != '\0' ? ": " : "";
	if (http_status_retryable(r->status))
		return mcle_err_set(err, MCLE_EUNAVAIL,
				    "cannot get an access token: %s answered %ld%s%s", server,
				    r->status, sep, why);
	if (metadata)
		return mcle_err_set(err, MCLE_EAUTH, "%s refused an access token (%ld)%s%s",
				    server, r->status, sep, why);
	return mcle_err_set(err, MCLE_EAUTH, "%s rejected %s (%ld)%s%s", server, source,
			    r->status, sep, why);
}

/* --- key files ------------------------------------------------------------ */

static json_object *
parse_key_json(const char *buf, size_t len, const char *path, struct mcle_err *err)
{
	json_object *j;
	const char *why;

	j = json_parse(buf, len, &why);
	if (j != NULL && !json_object_is_type(j, json_type_object)) {
		why = "not a JSON object";
		put_secret_json(j);
		j = NULL;
	}
	if (j == NULL)
		mcle_err_set(err, MCLE_ECONFIG, "malformed credentials file '%s': %s", path, why);
	return j;
}

/* Copy a required string field. */
static int
take(json_object *o, const char *key, const char *path, char **out, struct mcle_err *err)
{
	const char *v = json_str(o, key);

	if (v == NULL || *v == '\0')
		return mcle_err_set(err, MCLE_ECONFIG,
				    "malformed credentials file '%s': missing '%s'", path, key);
	if ((*out = strdup(v)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
set_token_uri(struct google *g, json_object *o, const char *path, struct mcle_err *err)
{
	const char *v = json_str(o, "token_uri");

	if (v == NULL)
		v = GOOGLE_TOKEN_URI;
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
	    strlen(v) >= sizeof(g->token_uri))
		return mcle_err_set(err, MCLE_ECONFIG,
				    "malformed credentials file '%s': bad 'token_uri'", path);
	memcpy(g->token_uri, v, strlen(v) + 1);
	return 0;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static int
load_private_key(struct google *g, const char *pem, const char *path, struct mcle_err *err)
{
	BIO *bio;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	g->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (g->pkey == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "malformed credentials file '%s': unreadable 'private_key'", path);
	if (EVP_PKEY_base_id(g->pkey) != EVP_PKEY_RSA)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "malformed credentials file '%s': 'private_key' is not RSA", path);
	return 0;
}

static int
load_service_account(struct google *g, json_object *o, const char *path,
		     struct mcle_err *err)
{
	const char *pem = json_str(o, "private_key"), *kid = json_str(o, "private_key_id");

	g->kind = SERVICE_ACCOUNT;
	if (take(o, "client_email", path, &g->email, err) < 0 ||
	    set_token_uri(g, o, path, err) < 0)
		return -1;
	if (kid != NULL && (g->key_id = strdup(kid)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (pem == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "malformed credentials file '%s': missing 'private_key'", path);
	return load_private_key(g, pem, path, err);
}

static int
load_user(struct google *g, json_object *o, const char *path, struct mcle_err *err)
{
	g->kind = AUTHORIZED_USER;
	if (take(o, "client_id", path, &g->client_id, err) < 0 ||
	    take(o, "client_secret", path, &g->client_secret, err) < 0 ||
	    take(o, "refresh_token", path, &g->refresh_token, err) < 0)
		return -1;
	return set_token_uri(g, o, path, err);
}

/* The key file's JSON, buf[0..len), into g. */
static int
key_from_json(struct google *g, const char *buf, size_t len, const char *path,
	      struct mcle_err *err)
{
	json_object *o;
	const char *type;
	int rc;

	if ((o = parse_key_json(buf, len, path, err)) == NULL)
		return -1;
	snprintf(g->source, sizeof(g->source), "credentials file '%s'", path);
	type = json_str(o, "type");
	if (type != NULL && strcmp(type, "service_account") == 0)
		rc = load_service_account(g, o, path, err);
	else if (type != NULL && strcmp(type, "authorized_user") == 0)
		rc = load_user(g, o, path, err);
	else
		rc = mcle_err_set(err, MCLE_ECONFIG, "credentials file '%s': unsupported type '%.32s'",
				  path, type == NULL ? "" : type);
	put_secret_json(o);
	return rc;
}

static int
load_key_file(struct google *g, const char *path, struct mcle_err *err)
{
	const struct readfile_opts o = { "credentials file", MCLE_ECONFIG, KEY_FILE_MAX,
					 READFILE_PRIVATE | READFILE_SECRET };
	size_t len;
	char *buf;
	int rc;

	if (readfile(path, &o, &buf, &len, err) < 0)
		return -1;
	rc = key_from_json(g, buf, len, path, err);
	secret_free_n(buf, len);
	return rc;
}

/* --- the service account's JWT ------------------------------------------ */

/* base64url without padding of n bytes, appended to out (size bytes). */
static int
b64url_append(char *out, size_t size, const unsigned char *in, size_t n)
{
	size_t used = strlen(out), need = 4 * ((n + 2) / 3) + 1, i, j;

	if (n > INT32_MAX || used + need > size)
		return -1;
	EVP_EncodeBlock((unsigned char *)out + used, in, (int)n);
	for (i = used, j = used; out[i] != '\0'; i++) {
		if (out[i] == '=')
			continue;
		out[j++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[j] = '\0';
	return 0;
}

static int
b64url_json(char *out, size_t size, json_object *o)
{
	char *s = json_dump(o, JSON_PLAIN);
	int rc = s == NULL ? -1 : b64url_append(out, size, (const unsigned char *)s, strlen(s));

	free(s);
	return rc;
}

/* "HEADER.CLAIMS" (base64url) into out. */
static int
jwt_unsigned(const struct google *g, char *out, size_t size)
{
	json_object *h = json_object_new_object(), *c = json_object_new_object();
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	out[0] = '\0';
	if (json_add_str(h, "alg", "RS256") < 0 || json_add_str(h, "typ", "JWT") < 0 ||
	    (g->key_id != NULL && json_add_str(h, "kid", g->key_id) < 0) ||
	    json_add_str(c, "iss", g->email) < 0 || json_add_str(c, "scope", GOOGLE_SCOPE) < 0 ||
	    json_add_str(c, "aud", g->token_uri) < 0 || json_add_int(c, "iat", now) < 0 ||
	    json_add_int(c, "exp", now + JWT_LIFETIME) < 0)
		goto out;
	if (b64url_json(out, size, h) < 0 || strlen(out) + 2 > size)
		goto out;
	strcat(out, ".");
	rc = b64url_json(out, size, c);
out:
	json_object_put(h);
	json_object_put(c);
	return rc;
}

static int
jwt_sign(const struct google *g, char *out, size_t size, struct mcle_err *err)
{
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	int ok;

	if (jwt_unsigned(g, out, size) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "cannot build the token request");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, g->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)out, strlen(out)) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return mcle_err_set(err, MCLE_ECONFIG, "cannot sign with the key in %s", g->source);
	if (strlen(out) + 2 > size)
		return mcle_err_set(err, MCLE_ENOMEM, "token request too large");
	strcat(out, ".");
	if (b64url_append(out, size, sig, siglen) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "token request too large");
	return 0;
}

/* "k1=v1&k2=v2..." from NULL-ended pairs, values percent-encoded. */
static char *
form_encode(const char *const *kv)
{
	char *out = NULL, *v, *p;
	size_t len = 1;
	int i;

	for (i = 0; kv[i] != NULL; i += 2) {
		if ((v = http_escape(kv[i + 1])) == NULL)
			goto fail;
		len += strlen(kv[i]) + strlen(v) + 2;
		if ((p = malloc(len)) == NULL) {
			secret_free(v);
			goto fail;
		}
		snprintf(p, len, "%s%s%s=%s", out == NULL ? "" : out, out == NULL ? "" : "&",
			 kv[i], v);
		secret_free(v);
		secret_free(out);
		out = p;
	}
	return out;
fail:
	secret_free(out);
	return NULL;
}

static int
token_body(const struct google *g, char **body, struct mcle_err *err)
{
	char jwt[JWT_MAX];

	if (g->kind == SERVICE_ACCOUNT) {
		if (jwt_sign(g, jwt, sizeof(jwt), err) < 0)
			return -1;
		*body = form_encode((const char *const[]){ "grant_type",
			"urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion", jwt, NULL });
		secret_wipe(jwt, sizeof(jwt));
	} else {
		*body = form_encode((const char *const[]){ "grant_type", "refresh_token",
			"client_id", g->client_id, "client_secret", g->client_secret,
			"refresh_token", g->refresh_token, NULL });
	}
	if (*body == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
fetch(struct cred *c, int64_t deadline, struct cred_fresh *out, struct mcle_err *err)
{
	struct google *g = cred_priv(c);
	struct http_request req;
	struct http_response resp;
	struct mcle_err e = MCLE_ERR_INIT;
	char *body = NULL, host[256], server[300];
	int rc;

	log_debug("getting an access token from %s", g->source);
	if (token_body(g, &body, err) < 0)
		return -1;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = g->token_uri;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/x-www-form-urlencoded";
	req.deadline = deadline;
	req.max_tries = TOKEN_TRIES;
	req.sensitive = 1;
	http_url_host(g->token_uri, host, sizeof(host));
	snprintf(server, sizeof(server), "token endpoint '%s'", host);
	if ((rc = http_do(g->http, &req, &resp, &e)) < 0)
		mcle_err_set(err, e.code, "cannot get an access token: %s", e.msg);
	else
		rc = google_token_response(&resp, server, g->source, 0, out, err);
	http_response_free(&resp);
	secret_free(body);
	return rc;
}

static void
google_drop(struct google *g)
{
	if (g == NULL)
		return;
	free(g->email);
	free(g->key_id);
	EVP_PKEY_free(g->pkey);
	free(g->client_id);
	secret_free(g->client_secret);
	secret_free(g->refresh_token);
	http_client_free(g->http);
	secret_wipe(g, sizeof(*g));
	free(g);
}

static void
google_free(struct cred *c)
{
	google_drop(cred_priv(c));
}

static const struct cred_ops google_ops = {
	.name = "google key file",
	.fetch = fetch,
	.free = google_free,
};

/* The gcloud ADC file's path into buf; 0 if there is one to try. */
static int
adc_path(char *buf, size_t size)
{
	const char *dir = getenv("CLOUDSDK_CONFIG"), *home = getenv("HOME");
	int n;

	if (dir != NULL && *dir != '\0')
		n = snprintf(buf, size, "%s/application_default_credentials.json", dir);
	else if (home != NULL && *home != '\0')
		n = snprintf(buf, size, "%s/.config/gcloud/application_default_credentials.json",
			     home);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static struct cred *
from_key_file(const char *path, struct mcle_err *err)
{
	struct google *g;
	struct cred *c;

	if ((g = calloc(1, sizeof(*g))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	if (load_key_file(g, path, err) < 0 ||
	    (g->http = http_client_new(NULL, "google-token", NULL, err)) == NULL ||
	    (c = cred_new(&google_ops, g, g->source, err)) == NULL) {
		google_drop(g);
		return NULL;
	}
	return c;
}

int
google_key_parse(const char *buf, size_t len, const char *path, struct google_key_info *info,
		 struct mcle_err *err)
{
	struct google *g;
	int rc;

	if (len > KEY_FILE_MAX)
		return mcle_err_set(err, MCLE_ECONFIG, "credentials file '%s' is larger than 64 KiB",
				    path);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if ((rc = key_from_json(g, buf, len, path, err)) == 0) {
		info->service_account = g->kind == SERVICE_ACCOUNT;
		snprintf(info->token_uri, sizeof(info->token_uri), "%s", g->token_uri);
	}
	google_drop(g);
	return rc;
}

struct cred *
cred_google_find(struct mcle_err *err)
{
	const char *v = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	char path[URL_MAX];

	if (v != NULL && *v != '\0')
		return from_key_file(v, err);
	if (adc_path(path, sizeof(path)) == 0 && access(path, F_OK) == 0)
		return from_key_file(path, err);
	return cred_metadata_new(err);
}
