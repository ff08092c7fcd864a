/* gcs-auth.c - the GCS API base and OAuth access tokens. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "gcs-auth.h"
#include "log.h"
#include "parse.h"
#include "timeutil.h"

#define KEY_FILE_MAX		(64 * 1024)
#define URL_MAX			1024
#define JSON_DEPTH		16
#define TOKEN_TRIES		5
#define TOKEN_TTL_DEFAULT	3600		/* s, without expires_in */
#define TOKEN_TTL_MAX		86400
#define TOKEN_MARGIN_US		(60 * MCLE_USEC)	/* or ttl / 4 */
#define METADATA_BUDGET_US	(30 * MCLE_USEC)
#define METADATA_TRIES		64
#define METADATA_DEFAULT_HOST	"metadata.google.internal"
#define METADATA_PATH \
	"/computeMetadata/v1/instance/service-accounts/default/token"
#define JWT_LIFETIME		3600

enum auth_kind {
	AUTH_NONE,		/* emulator */
	AUTH_SERVICE_ACCOUNT,
	AUTH_USER,
	AUTH_METADATA,
};

struct gcs_auth {
	enum auth_kind kind;
	char base[URL_MAX];
	char source[URL_MAX + 64];	/* for messages: file or host */
	char token_uri[URL_MAX];
	char *email, *key_id;		/* service account */
	EVP_PKEY *pkey;
	char *client_id, *client_secret, *refresh_token;	/* authorized user */
	char metadata_url[URL_MAX];
	int metadata_default;		/* metadata.google.internal, not set by env */
	pthread_mutex_t lock;		/* for the three below */
	char *token;
	int64_t token_refresh;		/* monotonic: fetch anew from then */
	int64_t fetch_start;		/* monotonic: the last fetch began */
};

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

/* "host:port" or "scheme://host:port[/]" into a base URL without trailing '/'. */
static int
set_base(struct gcs_auth *a, const char *v, const char *var, struct mcle_err *err)
{
	const char *scheme = strstr(v, "://") != NULL ? "" : "http://";
	size_t n;

	if (*v == '\0' || (size_t)snprintf(a->base, sizeof(a->base), "%s%s",
	    scheme, v) >= sizeof(a->base) || strcspn(v, " \t\r\n?#") != strlen(v))
		return mcle_err_set(err, MCLE_ECONFIG, "invalid %s '%.64s'", var, v);
	if (strncmp(a->base, "http://", 7) != 0 && strncmp(a->base, "https://", 8) != 0)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "invalid %s '%.64s': expected http:// or https://", var, v);
	n = strlen(a->base);
	while (n > 0 && a->base[n - 1] == '/')
		a->base[--n] = '\0';
	return 0;
}

/* The whole file (at most KEY_FILE_MAX bytes), refused if others can write it. */
static char *
read_key_file(const char *path, size_t *len, struct mcle_err *err)
{
	struct stat st;
	char *buf = NULL;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		mcle_err_errno(err, MCLE_ECONFIG, errno,
		    "cannot read credentials file '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		mcle_err_set(err, MCLE_ECONFIG,
		    "credentials file '%s' is not a regular file", path);
	else if (st.st_mode & S_IWOTH)
		mcle_err_set(err, MCLE_ECONFIG,
		    "credentials file '%s' is writable by others", path);
	else if (st.st_size > KEY_FILE_MAX)
		mcle_err_set(err, MCLE_ECONFIG,
		    "credentials file '%s' is larger than %d bytes", path, KEY_FILE_MAX);
	else if ((buf = calloc(1, (size_t)st.st_size + 1)) == NULL)
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	else if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size) {
		mcle_err_errno(err, MCLE_ECONFIG, n == -1 ? errno : EIO,
		    "cannot read credentials file '%s'", path);
		free(buf);
		buf = NULL;
	} else
		*len = (size_t)n;
	close(fd);
	return buf;
}

/* Why a parse failed: json-c says "continue" for a truncated text. */
static const char *
json_error(json_tokener *tok)
{
	enum json_tokener_error e = json_tokener_get_error(tok);

	return e == json_tokener_continue ? "truncated JSON" :
	    json_tokener_error_desc(e);
}

json_object *
gcs_json_parse(const char *body, size_t len, int depth, const char **why)
{
	json_tokener *tok;
	json_object *o;
	size_t end;

	*why = "no body";
	if (body == NULL)
		return NULL;
	*why = "too large";
	if (len > INT32_MAX)
		return NULL;
	*why = "out of memory";
	if ((tok = json_tokener_new_ex(depth)) == NULL)
		return NULL;
	if ((o = json_tokener_parse_ex(tok, body, (int)len)) == NULL)
		*why = json_error(tok);
	else {
		end = json_tokener_get_parse_end(tok);
		while (end < len && body[end] != '\0' &&
		    strchr(" \t\r\n", body[end]) != NULL)
			end++;
		if (end != len) {
			*why = "data after the JSON value";
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	return o;
}

const char *
gcs_json_str(json_object *o, const char *key)
{
	json_object *v;
	const char *s;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

static json_object *
parse_key_file(const char *path, struct mcle_err *err)
{
	json_object *o = NULL;
	const char *why;
	size_t len = 0;
	char *buf;

	if ((buf = read_key_file(path, &len, err)) == NULL)
		return NULL;
	o = gcs_json_parse(buf, len, JSON_DEPTH, &why);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		why = "not a JSON object";
		json_object_put(o);
		o = NULL;
	}
	if (o == NULL)
		mcle_err_set(err, MCLE_ECONFIG, "malformed credentials file '%s': %s",
		    path, why);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return o;
}

/* Copy a required string field. */
static int
take(json_object *o, const char *key, const char *path, char **out,
     struct mcle_err *err)
{
	const char *v = gcs_json_str(o, key);

	if (v == NULL || *v == '\0')
		return mcle_err_set(err, MCLE_ECONFIG,
		    "malformed credentials file '%s': missing '%s'", path, key);
	if ((*out = strdup(v)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
set_token_uri(struct gcs_auth *a, json_object *o, const char *path,
	      struct mcle_err *err)
{
	const char *v = gcs_json_str(o, "token_uri");

	if (v == NULL)
		v = GCS_DEFAULT_TOKEN_URI;
	if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
	    strlen(v) >= sizeof(a->token_uri))
		return mcle_err_set(err, MCLE_ECONFIG,
		    "malformed credentials file '%s': bad 'token_uri'", path);
	memcpy(a->token_uri, v, strlen(v) + 1);
	return 0;
}

static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return 0;
}

static int
load_private_key(struct gcs_auth *a, const char *pem, const char *path,
		 struct mcle_err *err)
{
	BIO *bio;

	if ((bio = BIO_new_mem_buf(pem, -1)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	a->pkey = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (a->pkey == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "malformed credentials file '%s': unreadable 'private_key'", path);
	if (EVP_PKEY_base_id(a->pkey) != EVP_PKEY_RSA)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "malformed credentials file '%s': 'private_key' is not RSA", path);
	return 0;
}

static int
load_service_account(struct gcs_auth *a, json_object *o, const char *path,
		     struct mcle_err *err)
{
	const char *pem = gcs_json_str(o, "private_key");
	const char *kid = gcs_json_str(o, "private_key_id");

	a->kind = AUTH_SERVICE_ACCOUNT;
	if (take(o, "client_email", path, &a->email, err) == -1 ||
	    set_token_uri(a, o, path, err) == -1)
		return -1;
	if (kid != NULL && (a->key_id = strdup(kid)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (pem == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "malformed credentials file '%s': missing 'private_key'", path);
	return load_private_key(a, pem, path, err);
}

static int
load_user(struct gcs_auth *a, json_object *o, const char *path,
	  struct mcle_err *err)
{
	a->kind = AUTH_USER;
	if (take(o, "client_id", path, &a->client_id, err) == -1 ||
	    take(o, "client_secret", path, &a->client_secret, err) == -1 ||
	    take(o, "refresh_token", path, &a->refresh_token, err) == -1)
		return -1;
	return set_token_uri(a, o, path, err);
}

/* Wipe the secret strings of a parsed key file or token, then free it. */
static void
put_key_json(json_object *o)
{
	static const char *const secret[] = {
		"private_key", "client_secret", "refresh_token", "access_token",
		NULL
	};
	json_object *v;
	int i;

	for (i = 0; secret[i] != NULL; i++)
		if (json_object_object_get_ex(o, secret[i], &v) &&
		    json_object_is_type(v, json_type_string))
			OPENSSL_cleanse((char *)json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
	json_object_put(o);
}

static int
load_key_file(struct gcs_auth *a, const char *path, struct mcle_err *err)
{
	json_object *o;
	const char *type;
	int rc;

	if ((o = parse_key_file(path, err)) == NULL)
		return -1;
	snprintf(a->source, sizeof(a->source), "credentials file '%s'", path);
	type = gcs_json_str(o, "type");
	if (type != NULL && strcmp(type, "service_account") == 0)
		rc = load_service_account(a, o, path, err);
	else if (type != NULL && strcmp(type, "authorized_user") == 0)
		rc = load_user(a, o, path, err);
	else
		rc = mcle_err_set(err, MCLE_ECONFIG,
		    "credentials file '%s': unsupported type '%.32s'", path,
		    type == NULL ? "" : type);
	put_key_json(o);
	return rc;
}

/* The gcloud ADC file's path into buf; 0 if there is one to try. */
static int
adc_path(char *buf, size_t size)
{
	const char *dir = getenv("CLOUDSDK_CONFIG"), *home = getenv("HOME");
	int n;

	if (dir != NULL && *dir != '\0')
		n = snprintf(buf, size, "%s/application_default_credentials.json", dir);
	else if (home != NULL && *home != '\0')
		n = snprintf(buf, size,
		    "%s/.config/gcloud/application_default_credentials.json", home);
	else
		return -1;
	return n > 0 && (size_t)n < size ? 0 : -1;
}

static int
set_metadata(struct gcs_auth *a, struct mcle_err *err)
{
	const char *host = getenv("GCE_METADATA_HOST");

	a->kind = AUTH_METADATA;
	a->metadata_default = host == NULL || *host == '\0';
	if (a->metadata_default)
		host = METADATA_DEFAULT_HOST;
	if (strcspn(host, "/?#@ \t\r\n") != strlen(host) ||
	    (size_t)snprintf(a->metadata_url, sizeof(a->metadata_url),
	    "http://%s" METADATA_PATH, host) >= sizeof(a->metadata_url))
		return mcle_err_set(err, MCLE_ECONFIG,
		    "invalid GCE_METADATA_HOST '%.64s'", host);
	snprintf(a->source, sizeof(a->source), "metadata server '%s'", host);
	return 0;
}

static int
find_credentials(struct gcs_auth *a, struct mcle_err *err)
{
	const char *v = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	char path[URL_MAX];

	if (v != NULL && *v != '\0')
		return load_key_file(a, v, err);
	if (adc_path(path, sizeof(path)) == 0 && access(path, F_OK) == 0)
		return load_key_file(a, path, err);
	return set_metadata(a, err);
}

struct gcs_auth *
gcs_auth_new(struct mcle_err *err)
{
	const char *emu = getenv("STORAGE_EMULATOR_HOST");
	const char *endpoint = getenv("MCLE_GCS_ENDPOINT");
	struct gcs_auth *a;
	int rc;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&a->lock, NULL) != 0) {
		free(a);
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a lock");
		return NULL;
	}
	if (emu != NULL && *emu != '\0') {
		a->kind = AUTH_NONE;
		snprintf(a->source, sizeof(a->source), "no credentials (emulator)");
		rc = set_base(a, emu, "STORAGE_EMULATOR_HOST", err);
	} else {
		rc = endpoint != NULL && *endpoint != '\0' ?
		    set_base(a, endpoint, "MCLE_GCS_ENDPOINT", err) :
		    set_base(a, GCS_DEFAULT_BASE, "endpoint", err);
		if (rc == 0)
			rc = find_credentials(a, err);
	}
	if (rc == -1) {
		gcs_auth_free(a);
		return NULL;
	}
	return a;
}

void
gcs_auth_free(struct gcs_auth *a)
{
	if (a == NULL)
		return;
	free(a->email);
	free(a->key_id);
	EVP_PKEY_free(a->pkey);
	free(a->client_id);
	free_secret(a->client_secret);
	free_secret(a->refresh_token);
	free_secret(a->token);
	pthread_mutex_destroy(&a->lock);
	OPENSSL_cleanse(a, sizeof(*a));
	free(a);
}

const char *
gcs_auth_base(const struct gcs_auth *a)
{
	return a->base;
}

const char *
gcs_auth_source(const struct gcs_auth *a)
{
	return a->source;
}

/* --- service account JWT ------------------------------------------------ */

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
	const char *s = json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	return s == NULL ? -1 : b64url_append(out, size,
	    (const unsigned char *)s, strlen(s));
}

static int
add_str(json_object *o, const char *key, const char *val)
{
	json_object *v = json_object_new_string(val);

	if (v == NULL || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int
add_int(json_object *o, const char *key, int64_t val)
{
	json_object *v = json_object_new_int64(val);

	if (v == NULL || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* "HEADER.CLAIMS" (base64url) into out. */
static int
jwt_unsigned(const struct gcs_auth *a, char *out, size_t size)
{
	json_object *h = json_object_new_object(), *c = json_object_new_object();
	int64_t now = (int64_t)time(NULL);
	int rc = -1;

	out[0] = '\0';
	if (h == NULL || c == NULL || add_str(h, "alg", "RS256") == -1 ||
	    add_str(h, "typ", "JWT") == -1 ||
	    (a->key_id != NULL && add_str(h, "kid", a->key_id) == -1) ||
	    add_str(c, "iss", a->email) == -1 ||
	    add_str(c, "scope", GCS_SCOPE) == -1 ||
	    add_str(c, "aud", a->token_uri) == -1 ||
	    add_int(c, "iat", now) == -1 ||
	    add_int(c, "exp", now + JWT_LIFETIME) == -1)
		goto out;
	if (b64url_json(out, size, h) == -1 || strlen(out) + 2 > size)
		goto out;
	strcat(out, ".");
	rc = b64url_json(out, size, c);
out:
	json_object_put(h);
	json_object_put(c);
	return rc;
}

/* A signed JWT assertion into out. */
static int
jwt_sign(const struct gcs_auth *a, char *out, size_t size, struct mcle_err *err)
{
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *ctx;
	int ok;

	if (jwt_unsigned(a, out, size) == -1)
		return mcle_err_set(err, MCLE_ENOMEM, "cannot build the token request");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	ok = EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, a->pkey) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)out,
	    strlen(out)) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "cannot sign with the key in %s", a->source);
	if (strlen(out) + 2 > size)
		return mcle_err_set(err, MCLE_ENOMEM, "token request too large");
	strcat(out, ".");
	if (b64url_append(out, size, sig, siglen) == -1)
		return mcle_err_set(err, MCLE_ENOMEM, "token request too large");
	return 0;
}

/* --- token requests ------------------------------------------------------ */

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
			free_secret(v);
			goto fail;
		}
		snprintf(p, len, "%s%s%s=%s", out == NULL ? "" : out,
		    out == NULL ? "" : "&", kv[i], v);
		free_secret(v);
		free_secret(out);
		out = p;
	}
	return out;
fail:
	free_secret(out);
	return NULL;
}

static int
token_body(const struct gcs_auth *a, char **body, struct mcle_err *err)
{
	char jwt[8192];

	if (a->kind == AUTH_SERVICE_ACCOUNT) {
		if (jwt_sign(a, jwt, sizeof(jwt), err) == -1)
			return -1;
		*body = form_encode((const char *const[]){ "grant_type",
		    "urn:ietf:params:oauth:grant-type:jwt-bearer",
		    "assertion", jwt, NULL });
		OPENSSL_cleanse(jwt, sizeof(jwt));
	} else
		*body = form_encode((const char *const[]){
		    "grant_type", "refresh_token",
		    "client_id", a->client_id,
		    "client_secret", a->client_secret,
		    "refresh_token", a->refresh_token, NULL });
	if (*body == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* expires_in of a token response, in seconds; -1 if it is not 1..1 day. */
static int64_t
token_ttl(json_object *o)
{
	json_object *v;
	int64_t ttl;

	if (!json_object_object_get_ex(o, "expires_in", &v))
		return TOKEN_TTL_DEFAULT;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	ttl = json_object_get_int64(v);
	return ttl >= 1 && ttl <= TOKEN_TTL_MAX ? ttl : -1;
}

/* What is wrong with a token response (a JSON object), or NULL. */
static const char *
token_problem(json_object *o, int64_t *ttl)
{
	const char *tok = gcs_json_str(o, "access_token");
	const char *type = gcs_json_str(o, "token_type");

	if (tok == NULL || *tok == '\0' || strlen(tok) > GCS_TOKEN_MAX ||
	    !valid_bearer_token(tok))
		return "missing or invalid 'access_token'";
	if ((*ttl = token_ttl(o)) == -1)
		return "invalid 'expires_in'";
	if (json_object_object_get_ex(o, "token_type", NULL) &&
	    (type == NULL || strcasecmp(type, "Bearer") != 0))
		return "'token_type' is not Bearer";
	return NULL;
}

/*
 * Take access_token and expires_in from a token response; fetch again a
 * quarter of its lifetime (at most a minute) before it ends.
 */
static int
take_token(struct gcs_auth *a, const struct http_response *r, struct mcle_err *err)
{
	json_object *o;
	const char *why;
	int64_t ttl = 0, margin;
	int rc = -1;

	o = gcs_json_parse(r->body, r->len, JSON_DEPTH, &why);
	if (o != NULL && !json_object_is_type(o, json_type_object))
		why = "not a JSON object";
	else if (o != NULL)
		why = token_problem(o, &ttl);
	if (why != NULL)
		mcle_err_set(err, MCLE_EAUTH, "malformed token response from %s: %s",
		    a->source, why);
	else {
		free_secret(a->token);
		if ((a->token = strdup(gcs_json_str(o, "access_token"))) == NULL)
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		else {
			margin = ttl * MCLE_USEC / 4;
			if (margin > TOKEN_MARGIN_US)
				margin = TOKEN_MARGIN_US;
			a->token_refresh = a->fetch_start + ttl * MCLE_USEC - margin;
			rc = 0;
		}
	}
	put_key_json(o);
	return rc;
}

/* The token server's own words about a refusal, for the message. */
static void
token_error(const struct http_response *r, char *buf, size_t size)
{
	json_object *o = json_tokener_parse(r->body != NULL ? r->body : "");
	const char *e = o == NULL ? NULL : gcs_json_str(o, "error");
	const char *d = o == NULL ? NULL : gcs_json_str(o, "error_description");
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "%s%s%s", e != NULL ? e : "",
	    e != NULL && d != NULL ? ": " : "", d != NULL ? d : "");
	http_clip(tmp, buf, size);
	json_object_put(o);
}

/* `server` names who answered: "token endpoint 'HOST'" or the metadata server. */
static int
check_token_response(struct gcs_auth *a, const struct http_response *r,
		     const char *server, struct mcle_err *err)
{
	char why[200];
	const char *sep;

	if (r->status == 200)
		return take_token(a, r, err);
	token_error(r, why, sizeof(why));
	sep = *why != '\0' ? ": " : "";
	if (http_status_retryable(r->status))
		return mcle_err_set(err, MCLE_EUNAVAIL,
		    "cannot get an access token: %s answered %ld%s%s", server,
		    r->status, sep, why);
	if (a->kind == AUTH_METADATA)
		return mcle_err_set(err, MCLE_EAUTH,
		    "%s refused an access token (%ld)%s%s", server, r->status,
		    sep, why);
	return mcle_err_set(err, MCLE_EAUTH, "%s rejected %s (%ld)%s%s",
	    server, a->source, r->status, sep, why);
}

static int
fetch_oauth(struct gcs_auth *a, struct http_client *http, int64_t deadline,
	    struct mcle_err *err)
{
	struct http_request req;
	struct http_response resp;
	struct mcle_err e = MCLE_ERR_INIT;
	char *body = NULL, host[256], server[300];
	int rc;

	if (token_body(a, &body, err) == -1)
		return -1;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.url = a->token_uri;
	req.body = body;
	req.body_len = strlen(body);
	req.content_type = "application/x-www-form-urlencoded";
	req.deadline = deadline;
	req.sensitive = 1;
	http_url_host(a->token_uri, host, sizeof(host));
	snprintf(server, sizeof(server), "token endpoint '%s'", host);
	rc = http_do_retry(http, &req, TOKEN_TRIES, &resp, &e);
	if (rc == -1)
		mcle_err_set(err, e.code, "cannot get an access token: %s", e.msg);
	else
		rc = check_token_response(a, &resp, server, err);
	http_response_free(&resp);
	free_secret(body);
	return rc;
}

static int
fetch_metadata(struct gcs_auth *a, struct http_client *http, int64_t deadline,
	       struct mcle_err *err)
{
	struct http_request req;
	struct http_response resp;
	struct mcle_err e = MCLE_ERR_INIT;
	int rc;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = a->metadata_url;
	req.headers[0] = "Metadata-Flavor: Google";
	req.deadline = http_deadline_within(deadline, METADATA_BUDGET_US);
	req.sensitive = 1;
	/* off Google Cloud the default name does not resolve: fail fast */
	rc = http_do(http, &req, &resp, &e);
	if (rc == -1 && resp.resolve_failed && a->metadata_default) {
		http_response_free(&resp);
		return mcle_err_set(err, MCLE_ECONFIG, "no google credentials: "
		    "set GOOGLE_APPLICATION_CREDENTIALS, run 'gcloud auth "
		    "application-default login' or run on google cloud");
	}
	if ((rc == -1 && e.code == MCLE_EUNAVAIL) ||
	    (rc == 0 && http_status_retryable(resp.status))) {
		http_response_free(&resp);
		mcle_err_clear(&e);
		rc = http_do_retry(http, &req, METADATA_TRIES, &resp, &e);
	}
	if (rc == -1)
		mcle_err_set(err, e.code, "cannot get an access token from %s: %s",
		    a->source, e.msg);
	else
		rc = check_token_response(a, &resp, a->source, err);
	http_response_free(&resp);
	return rc;
}

/* A token in a->token that is not near its end; a->lock held. */
static int
fresh_token(struct gcs_auth *a, struct http_client *http, int64_t deadline,
	    struct mcle_err *err)
{
	if (a->token != NULL && time_now_mono() < a->token_refresh)
		return 0;
	log_debug("getting an access token from %s", a->source);
	a->fetch_start = time_now_mono();
	if (a->kind == AUTH_METADATA)
		return fetch_metadata(a, http, deadline, err);
	return fetch_oauth(a, http, deadline, err);
}

int
gcs_auth_token(struct gcs_auth *a, struct http_client *http, int64_t deadline,
	       char *buf, size_t size, struct mcle_err *err)
{
	int rc;

	if (size == 0)
		return mcle_err_set(err, MCLE_ENOMEM, "no room for a token");
	buf[0] = '\0';
	if (a->kind == AUTH_NONE)
		return 0;
	pthread_mutex_lock(&a->lock);
	if ((rc = fresh_token(a, http, deadline, err)) == 0 &&
	    strlen(a->token) >= size)
		rc = mcle_err_set(err, MCLE_ENOMEM, "no room for a token");
	if (rc == 0)
		memcpy(buf, a->token, strlen(a->token) + 1);
	pthread_mutex_unlock(&a->lock);
	return rc;
}
