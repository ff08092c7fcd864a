/* http.c - a small HTTP client over libcurl; the only file using curl.h. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/crypto.h>

#include "http.h"
#include "log.h"
#include "timeutil.h"

#define TRY_TIMEOUT_US		(30 * MCLE_USEC)	/* per try, without a deadline */
#define CONNECT_TIMEOUT_MS	10000L
#define BACKOFF_BASE_US		(100 * 1000LL)
#define BACKOFF_CAP_US		(4 * MCLE_USEC)
#define BACKOFF_429_US		MCLE_USEC
#define HEADER_VALUE_MAX	1024
#define LOG_URL_MAX		512

/*
 * One connection pool per server, shared by the clients of one run's
 * worker threads (http_client_clone): connections and DNS answers, each
 * behind its own lock.  TLS sessions are not shared: kept connections make
 * resumption rare, and OpenSSL's session objects are not worth the risk.
 */
struct http_share {
	CURLSH *sh;
	pthread_mutex_t locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t refs_lock;
	int refs;
};

struct http_client {
	CURL *curl;
	struct http_share *share;	/* NULL until the first clone */
	size_t body_max;
	char *ca_file, *ca_pem, *cert_file, *cert_pem, *key_file, *key_pem;
	char *connect_to;
	struct curl_slist *connect_to_list;
	int insecure;
	char errbuf[CURL_ERROR_SIZE];
};

/* What the callbacks of one transfer write into. */
struct sink {
	struct http_response *resp;
	const struct http_request *req;
	size_t cap;		/* allocated bytes of resp->body */
	size_t max;
	int overflow;
};

static int global_done;

static void
global_cleanup(void)
{
	curl_global_cleanup();
}

static int
global_init(struct mcle_err *err)
{
	if (global_done)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return mcle_err_set(err, MCLE_ECONFIG, "cannot initialise libcurl");
	global_done = 1;
	atexit(global_cleanup);
	return 0;
}

static void
free_secret(char *s)
{
	if (s == NULL)
		return;
	OPENSSL_cleanse(s, strlen(s));
	free(s);
}

static int
copy_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst == NULL ? -1 : 0;
}

static int
copy_tls(struct http_client *c, const struct http_tls *t)
{
	if (t == NULL)
		return 0;
	c->insecure = t->insecure;
	if (copy_opt(&c->ca_file, t->ca_file) == -1 ||
	    copy_opt(&c->ca_pem, t->ca_pem) == -1 ||
	    copy_opt(&c->cert_file, t->cert_file) == -1 ||
	    copy_opt(&c->cert_pem, t->cert_pem) == -1 ||
	    copy_opt(&c->key_file, t->key_file) == -1 ||
	    copy_opt(&c->key_pem, t->key_pem) == -1 ||
	    copy_opt(&c->connect_to, t->connect_to) == -1)
		return -1;
	if (c->connect_to != NULL) {
		c->connect_to_list = curl_slist_append(NULL, c->connect_to);
		if (c->connect_to_list == NULL)
			return -1;
	}
	return 0;
}

static struct http_share *share_new(struct mcle_err *err);
static void share_release(struct http_share *sh);

/*
 * A client using the connection pool `share` (a new pool when NULL).  The
 * handle joins its pool before its first transfer, so no connection is
 * ever made outside a pool.
 */
static struct http_client *
client_new(const struct http_tls *tls, struct http_share *share,
	   struct mcle_err *err)
{
	struct http_client *c;

	if (global_init(err) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	c->body_max = HTTP_BODY_MAX_DEFAULT;
	if (copy_tls(c, tls) == -1) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		http_client_free(c);
		return NULL;
	}
	if ((c->curl = curl_easy_init()) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a curl handle");
		http_client_free(c);
		return NULL;
	}
	if (share != NULL) {
		pthread_mutex_lock(&share->refs_lock);
		share->refs++;
		pthread_mutex_unlock(&share->refs_lock);
		c->share = share;
	} else if ((c->share = share_new(err)) == NULL) {
		http_client_free(c);
		return NULL;
	}
	if (curl_easy_setopt(c->curl, CURLOPT_SHARE, c->share->sh) != CURLE_OK) {
		mcle_err_set(err, MCLE_ECONFIG, "cannot share curl connections");
		http_client_free(c);
		return NULL;
	}
	return c;
}

struct http_client *
http_client_new(const struct http_tls *tls, struct mcle_err *err)
{
	return client_new(tls, NULL, err);
}

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct http_share *sh = arg;

	(void)h;
	(void)access;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&sh->locks[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct http_share *sh = arg;

	(void)h;
	if ((int)data >= 0 && data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&sh->locks[data]);
}

static void
share_release(struct http_share *sh)
{
	int last, i;

	if (sh == NULL)
		return;
	pthread_mutex_lock(&sh->refs_lock);
	last = --sh->refs == 0;
	pthread_mutex_unlock(&sh->refs_lock);
	if (!last)
		return;
	curl_share_cleanup(sh->sh);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&sh->locks[i]);
	pthread_mutex_destroy(&sh->refs_lock);
	free(sh);
}

static struct http_share *
share_new(struct mcle_err *err)
{
	struct http_share *sh;
	int i;

	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    (sh->sh = curl_share_init()) == NULL) {
		free(sh);
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a curl share");
		return NULL;
	}
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&sh->locks[i], NULL);
	pthread_mutex_init(&sh->refs_lock, NULL);
	sh->refs = 1;
	if (curl_share_setopt(sh->sh, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
	    curl_share_setopt(sh->sh, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
	    curl_share_setopt(sh->sh, CURLSHOPT_USERDATA, sh) != CURLSHE_OK ||
	    curl_share_setopt(sh->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT) != CURLSHE_OK ||
	    curl_share_setopt(sh->sh, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK) {
		share_release(sh);
		mcle_err_set(err, MCLE_ECONFIG, "cannot set up a curl share");
		return NULL;
	}
	return sh;
}

struct http_client *
http_client_clone(struct http_client *c, struct mcle_err *err)
{
	struct http_tls tls;
	struct http_client *n;

	memset(&tls, 0, sizeof(tls));
	tls.ca_file = c->ca_file;
	tls.ca_pem = c->ca_pem;
	tls.cert_file = c->cert_file;
	tls.cert_pem = c->cert_pem;
	tls.key_file = c->key_file;
	tls.key_pem = c->key_pem;
	tls.insecure = c->insecure;
	tls.connect_to = c->connect_to;
	if ((n = client_new(&tls, c->share, err)) == NULL)
		return NULL;
	n->body_max = c->body_max;
	return n;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	share_release(c->share);
	curl_slist_free_all(c->connect_to_list);
	free(c->ca_file);
	free(c->ca_pem);
	free(c->cert_file);
	free(c->cert_pem);
	free(c->key_file);
	free_secret(c->key_pem);
	free(c->connect_to);
	free(c);
}

void
http_client_set_body_max(struct http_client *c, size_t max)
{
	c->body_max = max;
}

/* Grow resp->body to hold `need` bytes and a NUL, wiping old copies of secrets. */
static int
sink_grow(struct sink *s, size_t need)
{
	size_t cap;
	char *p;

	cap = s->cap < 4096 ? 4096 : s->cap;
	while (cap < need + 1)
		cap *= 2;
	if (cap > s->max + 1)
		cap = s->max + 1;
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (s->resp->body != NULL) {
		memcpy(p, s->resp->body, s->resp->len);
		if (s->resp->sensitive)
			OPENSSL_cleanse(s->resp->body, s->cap);
		free(s->resp->body);
	}
	s->resp->body = p;
	s->cap = cap;
	return 0;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct http_response *r = s->resp;

	n *= size;
	if (n > s->max - r->len) {
		s->overflow = 1;
		return 0;
	}
	if (r->len + n + 1 > s->cap && sink_grow(s, r->len + n) == -1)
		return 0;
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return n;
}

/* If line is "name: value", copy the trimmed value into a new string. */
static char *
header_value(const char *line, size_t len, const char *name)
{
	size_t nlen = strlen(name), end;
	const char *v;

	if (len <= nlen || line[nlen] != ':' || strncasecmp(line, name, nlen) != 0)
		return NULL;
	v = line + nlen + 1;
	end = len - nlen - 1;
	while (end > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		end--;
	}
	while (end > 0 && (v[end - 1] == '\r' || v[end - 1] == '\n' ||
	    v[end - 1] == ' ' || v[end - 1] == '\t'))
		end--;
	if (end > HEADER_VALUE_MAX)
		end = HEADER_VALUE_MAX;
	return strndup(v, end);
}

static void
reset_captured(struct http_response *r)
{
	int i;

	r->date[0] = '\0';
	r->retry_after = -1;
	for (i = 0; i < HTTP_CAPTURE_MAX; i++) {
		free(r->captured[i]);
		r->captured[i] = NULL;
	}
}

static void
capture_header(struct sink *s, const char *line, size_t len)
{
	struct http_response *r = s->resp;
	char *v;
	int i;

	if ((v = header_value(line, len, "Date")) != NULL) {
		snprintf(r->date, sizeof(r->date), "%s", v);
		free(v);
	}
	if ((v = header_value(line, len, "Retry-After")) != NULL) {
		r->retry_after = strspn(v, "0123456789") == strlen(v) &&
		    strlen(v) > 0 && strlen(v) < 6 ? atol(v) : -1;
		free(v);
	}
	for (i = 0; i < HTTP_CAPTURE_MAX && s->req->capture[i] != NULL; i++) {
		if ((v = header_value(line, len, s->req->capture[i])) == NULL)
			continue;
		free(r->captured[i]);
		r->captured[i] = v;
	}
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	n *= size;
	/* a new status line (after 100 Continue): forget the earlier headers */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		reset_captured(s->resp);
	else
		capture_header(s, data, n);
	return n;
}

static int
is_secret_param(const char *name, size_t len)
{
	static const char *const secret[] = {
		"access_token", "token", "key", "assertion", "refresh_token",
		"client_secret", "password", "code", "signature",
		"x-goog-signature", "x-goog-credential", NULL
	};
	int i;

	for (i = 0; secret[i] != NULL; i++)
		if (strlen(secret[i]) == len && strncasecmp(name, secret[i], len) == 0)
			return 1;
	return 0;
}

/* url for the log: values of secret-looking query parameters masked. */
static void
mask_url(const char *url, char *buf, size_t size)
{
	const char *p, *eq;
	size_t n, used;

	n = strcspn(url, "?");
	snprintf(buf, size, "%.*s", (int)n, url);
	for (p = url + n; *p != '\0'; p += n) {
		/* p is at the '?' or '&' before a parameter */
		n = 1 + strcspn(p + 1, "&");
		eq = memchr(p, '=', n);
		used = strlen(buf);
		if (eq != NULL && is_secret_param(p + 1, (size_t)(eq - p - 1)))
			snprintf(buf + used, size - used, "%.*sREDACTED",
			    (int)(eq - p + 1), p);
		else
			snprintf(buf + used, size - used, "%.*s", (int)n, p);
	}
}

#define SETOPT(h, opt, val) do {					\
	if ((rc = curl_easy_setopt((h), (opt), (val))) != CURLE_OK)	\
		goto out;						\
} while (0)

static CURLcode
set_blob(CURL *h, CURLoption opt, const char *pem)
{
	struct curl_blob b;

	b.data = (void *)pem;
	b.len = strlen(pem);
	b.flags = CURL_BLOB_COPY;
	return curl_easy_setopt(h, opt, &b);
}

static CURLcode
set_tls(struct http_client *c)
{
	CURLcode rc = CURLE_OK;
	CURL *h = c->curl;

	if (c->ca_file != NULL)
		SETOPT(h, CURLOPT_CAINFO, c->ca_file);
	if (c->ca_pem != NULL && (rc = set_blob(h, CURLOPT_CAINFO_BLOB, c->ca_pem)))
		goto out;
	if (c->cert_file != NULL)
		SETOPT(h, CURLOPT_SSLCERT, c->cert_file);
	if (c->cert_pem != NULL &&
	    (rc = set_blob(h, CURLOPT_SSLCERT_BLOB, c->cert_pem)))
		goto out;
	if (c->key_file != NULL)
		SETOPT(h, CURLOPT_SSLKEY, c->key_file);
	if (c->key_pem != NULL && (rc = set_blob(h, CURLOPT_SSLKEY_BLOB, c->key_pem)))
		goto out;
	if (c->cert_pem != NULL || c->key_pem != NULL ||
	    c->cert_file != NULL || c->key_file != NULL) {
		SETOPT(h, CURLOPT_SSLCERTTYPE, "PEM");
		SETOPT(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (c->insecure) {
		SETOPT(h, CURLOPT_SSL_VERIFYPEER, 0L);
		SETOPT(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->connect_to_list != NULL)
		SETOPT(h, CURLOPT_CONNECT_TO, c->connect_to_list);
out:
	return rc;
}

static CURLcode
set_common(struct http_client *c, struct sink *s, int64_t timeout_us)
{
	CURLcode rc = CURLE_OK;
	CURL *h = c->curl;
	long ms = (long)(timeout_us / 1000);

	if (ms < 1)
		ms = 1;
	SETOPT(h, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(h, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	SETOPT(h, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	SETOPT(h, CURLOPT_TIMEOUT_MS, ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, ms < CONNECT_TIMEOUT_MS ? ms : CONNECT_TIMEOUT_MS);
	SETOPT(h, CURLOPT_ERRORBUFFER, c->errbuf);
	/* Google compresses responses only for agents that say "gzip" */
	SETOPT(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION " (gzip)");
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, s);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, s);
	rc = set_tls(c);
out:
	return rc;
}

static CURLcode
set_method(CURL *h, const struct http_request *req)
{
	CURLcode rc = CURLE_OK;
	const char *body = req->body != NULL ? req->body : "";

	if (strcmp(req->method, "GET") == 0) {
		SETOPT(h, CURLOPT_HTTPGET, 1L);
		goto out;
	}
	if (strcmp(req->method, "POST") == 0)
		SETOPT(h, CURLOPT_POST, 1L);
	else
		SETOPT(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL || strcmp(req->method, "DELETE") != 0) {
		SETOPT(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
		SETOPT(h, CURLOPT_POSTFIELDS, body);
	}
out:
	return rc;
}

static void
free_headers(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p != NULL; p = p->next)
		OPENSSL_cleanse(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static int
append(struct curl_slist **l, const char *h)
{
	struct curl_slist *n;

	if ((n = curl_slist_append(*l, h)) == NULL)
		return -1;
	*l = n;
	return 0;
}

/* The request's header list, NULL with err set if out of memory. */
static struct curl_slist *
build_headers(const struct http_request *req, struct mcle_err *err)
{
	struct curl_slist *l = NULL;
	char line[8192];
	int i, bad = 0;

	bad |= append(&l, "Expect:");
	for (i = 0; i < HTTP_HEADERS_MAX && req->headers[i] != NULL; i++)
		bad |= append(&l, req->headers[i]);
	if (req->content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", req->content_type);
		bad |= append(&l, line);
	}
	if (req->bearer != NULL) {
		if ((size_t)snprintf(line, sizeof(line), "Authorization: Bearer %s",
		    req->bearer) >= sizeof(line))
			bad = -1;
		else
			bad |= append(&l, line);
		OPENSSL_cleanse(line, sizeof(line));
	}
	if (bad) {
		free_headers(l);
		mcle_err_set(err, MCLE_ENOMEM, "cannot build request headers");
		return NULL;
	}
	return l;
}

static enum mcle_code
code_of(CURLcode rc)
{
	switch (rc) {
	case CURLE_OUT_OF_MEMORY:
		return MCLE_ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
		return MCLE_ECONFIG;
	default:
		return MCLE_EUNAVAIL;
	}
}

static int
transfer_error(struct http_client *c, const struct http_request *req,
	       struct sink *s, CURLcode rc, struct mcle_err *err)
{
	char host[256];
	const char *detail = c->errbuf[0] != '\0' ? c->errbuf : curl_easy_strerror(rc);

	http_url_host(req->url, host, sizeof(host));
	if (s->overflow)
		return mcle_err_set(err, MCLE_ECORRUPT,
		    "response from '%s' exceeds %zu bytes", host, s->max);
	if (rc == CURLE_COULDNT_RESOLVE_HOST)
		s->resp->resolve_failed = 1;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return mcle_err_set(err, MCLE_EUNAVAIL,
		    "request to '%s' timed out: %s", host, detail);
	/*
	 * A TLS alert from the server (unknown ca, bad certificate,
	 * certificate required) arrives as a send/receive error: it refused
	 * our client certificate, and trying again will not change that.
	 */
	if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	     rc == CURLE_SSL_CONNECT_ERROR) && strstr(detail, " alert ") != NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "'%s' refused the TLS handshake (check the client certificate): %s",
		    host, detail);
	return mcle_err_set(err, code_of(rc), "request to '%s' failed: %s",
	    host, detail);
}

static void
log_request(const struct http_request *req, long status, int64_t start,
	    const struct mcle_err *failed)
{
	char url[LOG_URL_MAX];
	long long ms = (long long)((time_now_mono() - start) / 1000);

	if (log_level() < 1)
		return;
	mask_url(req->url, url, sizeof(url));
	if (failed != NULL)
		log_debug("%s %s -> failed after %lld ms: %s", req->method, url,
		    ms, failed->msg);
	else
		log_debug("%s %s -> %ld (%lld ms)", req->method, url, status, ms);
}

/* Time this try may take, or -1 with err set if the deadline has passed. */
static int64_t
try_timeout(const struct http_request *req, struct mcle_err *err)
{
	char host[256];
	int64_t left;

	if (req->deadline <= 0)
		return TRY_TIMEOUT_US;
	left = req->deadline - time_now_mono();
	if (left > 0)
		return left;
	http_url_host(req->url, host, sizeof(host));
	mcle_err_set(err, MCLE_EUNAVAIL, "deadline passed before a request to '%s'",
	    host);
	return -1;
}

int
http_do(struct http_client *c, const struct http_request *req,
	struct http_response *resp, struct mcle_err *err)
{
	struct curl_slist *headers = NULL;
	struct mcle_err e = MCLE_ERR_INIT;
	struct sink s;
	int64_t timeout, start = time_now_mono();
	CURLcode rc;
	int ret = -1;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	resp->sensitive = req->sensitive;
	memset(&s, 0, sizeof(s));
	s.resp = resp;
	s.req = req;
	s.max = c->body_max;
	c->errbuf[0] = '\0';
	if ((timeout = try_timeout(req, &e)) == -1 ||
	    (headers = build_headers(req, &e)) == NULL)
		goto out;
	curl_easy_reset(c->curl);
	if ((rc = set_common(c, &s, timeout)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->curl, CURLOPT_URL, req->url)) != CURLE_OK ||
	    (rc = curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers)) != CURLE_OK ||
	    (rc = set_method(c->curl, req)) != CURLE_OK ||
	    (rc = curl_easy_perform(c->curl)) != CURLE_OK) {
		transfer_error(c, req, &s, rc, &e);
		goto out;
	}
	if (curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &resp->status) != CURLE_OK)
		resp->status = 0;
	ret = 0;
out:
	/* no header list may outlive the request: it holds the token */
	if (curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL) != CURLE_OK)
		curl_easy_reset(c->curl);
	free_headers(headers);
	log_request(req, resp->status, start, ret == -1 ? &e : NULL);
	if (ret == -1)
		mcle_err_set(err, e.code, "%s", e.msg);
	return ret;
}

int
http_status_retryable(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static int64_t
backoff_us(int tries, const struct http_response *resp)
{
	int64_t ceil = BACKOFF_BASE_US, wait;
	int i;

	for (i = 1; i < tries && ceil < BACKOFF_CAP_US; i++)
		ceil *= 2;
	if (ceil > BACKOFF_CAP_US)
		ceil = BACKOFF_CAP_US;
	wait = (int64_t)http_jitter((uint64_t)ceil + 1);
	if (resp->status == 429 && wait < BACKOFF_429_US)
		wait = BACKOFF_429_US;
	if (resp->retry_after > 0 && resp->retry_after * MCLE_USEC > wait)
		wait = resp->retry_after * MCLE_USEC;
	return wait > BACKOFF_CAP_US && resp->status != 429 ? BACKOFF_CAP_US : wait;
}

int
http_do_retry(struct http_client *c, const struct http_request *req,
	      int max_tries, struct http_response *resp, struct mcle_err *err)
{
	struct mcle_err e = MCLE_ERR_INIT;
	int64_t wait;
	int tries, rc;

	for (tries = 1;; tries++) {
		mcle_err_clear(&e);
		rc = http_do(c, req, resp, &e);
		resp->attempts = tries;
		if (rc == 0 && !http_status_retryable(resp->status))
			break;
		if (rc == -1 && e.code != MCLE_EUNAVAIL)
			break;
		wait = backoff_us(tries, resp);
		if (tries >= max_tries || (req->deadline > 0 &&
		    time_now_mono() + wait >= req->deadline))
			break;
		log_debug("retrying %s in %lld ms (try %d)", req->method,
		    (long long)(wait / 1000), tries + 1);
		http_response_free(resp);
		time_sleep_us(wait);
	}
	if (rc == -1)
		mcle_err_set(err, e.code, "%s", e.msg);
	return rc;
}

void
http_response_free(struct http_response *resp)
{
	int i;

	if (resp->body != NULL && resp->sensitive)
		OPENSSL_cleanse(resp->body, resp->len);
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
	for (i = 0; i < HTTP_CAPTURE_MAX; i++) {
		free(resp->captured[i]);
		resp->captured[i] = NULL;
	}
}

char *
http_escape(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t len = strlen(s);
	char *out, *p;

	if (len > (SIZE_MAX - 1) / 3 || (out = malloc(len * 3 + 1)) == NULL)
		return NULL;
	for (p = out; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch) != NULL) {
			*p++ = (char)ch;
			continue;
		}
		*p++ = '%';
		*p++ = hex[ch >> 4];
		*p++ = hex[ch & 15];
	}
	*p = '\0';
	return out;
}

void
http_url_host(const char *url, char *buf, size_t size)
{
	const char *p, *at;
	size_t n;

	p = strstr(url, "://");
	p = p == NULL ? url : p + 3;
	n = strcspn(p, "/?#");
	at = memchr(p, '@', n);
	if (at != NULL) {
		n -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	if (n == 0)
		snprintf(buf, size, "?");
	else
		snprintf(buf, size, "%.*s", (int)n, p);
}

void
http_clip(const char *s, char *buf, size_t size)
{
	size_t i;

	if (size == 0)
		return;
	for (i = 0; s != NULL && s[i] != '\0' && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : ' ';
	buf[i] = '\0';
	if (s != NULL && s[i] != '\0' && size > 4)
		memcpy(buf + size - 4, "...", 4);
}

uint64_t
http_jitter(uint64_t n)
{
	static _Thread_local uint64_t x;	/* each worker its own sequence */

	if (n == 0)
		return 0;
	if (x == 0)
		x = (((uint64_t)time_now_mono() * 0x9E3779B97F4A7C15ULL) ^
		    ((uint64_t)getpid() << 32) ^ (uint64_t)time_now_real()) | 1;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	return (x * 0x2545F4914F6CDD1DULL) % n;
}

int64_t
http_deadline_within(int64_t deadline, int64_t budget_us)
{
	int64_t d = time_now_mono() + budget_us;

	return deadline > 0 && deadline < d ? deadline : d;
}
