/*
 * http.c - HTTP over libcurl; the only file using curl.h.
 *
 * The engine is libcurl's multi_socket interface on our loop: curl tells us
 * which sockets to watch and when to wake it (socket_cb, timer_cb); we call
 * curl_multi_socket_action for exactly the sockets that are ready, so the
 * cost of a wake-up does not grow with the number of transfers in flight.
 * A transfer (struct xfer) is one request with its retries; each attempt
 * borrows an easy handle from a pool.  Outcomes are delivered from the
 * loop, never from inside a curl callback.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "http.h"
#include "log.h"
#include "secret.h"
#include "signals.h"
#include "timeutil.h"

#define CONNECT_TIMEOUT_MS	10000L
#define BACKOFF_BASE_US		(100 * 1000LL)
#define BACKOFF_CAP_US		(4 * MCLE_USEC)
#define BACKOFF_429_US		MCLE_USEC
#define HEADER_VALUE_MAX	1024
#define LOG_URL_MAX		512
#define IDLE_HANDLES_MAX	256
#define OWNED_FDS_MAX		65536	/* sockets above stay unwatched between requests */

struct http_engine {
	struct loop *loop;
	CURLM *multi;
	CURLSH *share;			/* TLS sessions: a new connection resumes */
	int64_t attempt_max;		/* for its clients */
	struct loop_timer timer;	/* curl's own timeout */
	int max_in_flight;
	size_t active;			/* attempts added to the multi handle */
	size_t busy;			/* transfers not yet completed */
	struct xfer *queue, *queue_tail;	/* waiting for a place */
	CURL *idle[IDLE_HANDLES_MAX];	/* easy handles to reuse */
	size_t nidle;
	struct http_client *clients;	/* for http_engine_each_client */
	/* the sockets curl opened through open_socket, by fd (bits) */
	unsigned char owned[OWNED_FDS_MAX / 8];
};

struct http_client {
	struct http_engine *e;		/* NULL: blocking */
	char *label;
	size_t body_max;
	int64_t attempt_max;
	char *ca_file, *ca_pem, *cert_file, *cert_pem, *key_file, *key_pem;
	char *connect_to;
	struct curl_slist *connect_to_list;
	int insecure;
	CURL *own;			/* a blocking client's handle */
	struct http_stats stats;
	struct http_client *next_client;	/* the engine's list */
};

/* What the callbacks of one attempt write into. */
struct sink {
	struct http_response *resp;
	const struct http_stream *stream;
	CURL *h;
	size_t cap;			/* allocated bytes of resp->body */
	size_t max;			/* of a kept 2xx body */
	int overflow, streaming, stream_failed;
	int error_cut;			/* a non-2xx body was cut at its cap */
	long status;			/* known once the first body byte arrives */
};

/* One request from submission to outcome. */
struct xfer {
	struct http_call call;		/* first: what the callback sees */
	struct http_client *c;
	struct http_request req;	/* pointers into the copies below */
	char *url, *body, *method, *content_type;
	char *headers[HTTP_HEADERS_MAX];
	char *capture[HTTP_CAPTURE_MAX];
	CURL *h;
	struct curl_slist *hdrs;
	struct cred_copy cc;
	struct sink sink;
	char errbuf[CURL_ERROR_SIZE];
	int tries, reauthed, done;
	int64_t start;
	struct loop_timer timer;	/* retry backoff, then the delivery */
	struct xfer *next;		/* in the engine's queue */
	http_done_fn fn;
	void *arg;
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

/* --- small helpers ------------------------------------------------------- */

static int
copy_opt(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst == NULL ? -1 : 0;
}

int
http_status_retryable(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
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

void
http_clip_n(const char *s, size_t len, char *buf, size_t size)
{
	char tmp[512];
	size_t i;

	if (len > sizeof(tmp) - 1)
		len = sizeof(tmp) - 1;
	for (i = 0; s != NULL && i < len; i++)
		tmp[i] = s[i] != '\0' ? s[i] : ' ';
	tmp[i] = '\0';
	http_clip(tmp, buf, size);
}

uint64_t
http_jitter(uint64_t n)
{
	static _Thread_local uint64_t x;

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

void
http_response_free(struct http_response *resp)
{
	int i;

	if (resp->body != NULL && resp->sensitive)
		secret_wipe(resp->body, resp->len);
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
	for (i = 0; i < HTTP_CAPTURE_MAX; i++) {
		free(resp->captured[i]);
		resp->captured[i] = NULL;
	}
}

/* --- engine and clients -------------------------------------------------- */

static int socket_cb(CURL *h, curl_socket_t s, int what, void *userp, void *sockp);
static curl_socket_t open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a);
static int close_socket(void *arg, curl_socket_t s);
static int timer_cb(CURLM *m, long ms, void *userp);
static void on_timer(void *arg);

struct http_engine *
http_engine_new(struct loop *l, const struct http_limits *lim, struct mcle_err *err)
{
	struct http_engine *e;
	long conns = lim->max_host_connections > 0 ? lim->max_host_connections : 8;

	if (conns > HTTP_HOST_CONNECTIONS_MAX)
		conns = HTTP_HOST_CONNECTIONS_MAX;
	if (global_init(err) < 0)
		return NULL;
	if ((e = calloc(1, sizeof(*e))) == NULL || (e->multi = curl_multi_init()) == NULL) {
		free(e);
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a curl multi handle");
		return NULL;
	}
	e->loop = l;
	e->max_in_flight = lim->max_in_flight > 0 ? lim->max_in_flight : 1;
	/*
	 * One thread: the share needs no lock callbacks.  Without it each of
	 * the connections a pass opens to a server (one per request in flight
	 * over HTTP/1.1) makes a full TLS handshake.
	 */
	if ((e->share = curl_share_init()) == NULL ||
	    curl_share_setopt(e->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		http_engine_free(e);
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a curl share handle");
		return NULL;
	}
	e->attempt_max = lim->attempt_max > 0 ? lim->attempt_max : HTTP_ATTEMPT_MAX_US;
	loop_timer_init(&e->timer, on_timer, e);
	if (curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_MAX_HOST_CONNECTIONS, conns) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_MAX_CONCURRENT_STREAMS,
			      (long)HTTP_STREAMS_MAX) != CURLM_OK ||
	    curl_multi_setopt(e->multi, CURLMOPT_MAXCONNECTS, conns * 4) != CURLM_OK) {
		http_engine_free(e);
		mcle_err_set(err, MCLE_ECONFIG, "cannot set up a curl multi handle");
		return NULL;
	}
	return e;
}

void
http_engine_free(struct http_engine *e)
{
	size_t i;

	if (e == NULL)
		return;
	loop_timer_stop(e->loop, &e->timer);
	for (i = 0; i < e->nidle; i++)
		curl_easy_cleanup(e->idle[i]);
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	if (e->share != NULL)
		curl_share_cleanup(e->share);
	free(e);
}

struct loop *
http_engine_loop(const struct http_engine *e)
{
	return e->loop;
}

size_t
http_engine_busy(const struct http_engine *e)
{
	return e->busy;
}

static int
copy_tls(struct http_client *c, const struct http_tls *t)
{
	if (t == NULL)
		return 0;
	c->insecure = t->insecure;
	if (copy_opt(&c->ca_file, t->ca_file) < 0 ||
	    copy_opt(&c->ca_pem, t->ca_pem) < 0 ||
	    copy_opt(&c->cert_file, t->cert_file) < 0 ||
	    copy_opt(&c->cert_pem, t->cert_pem) < 0 ||
	    copy_opt(&c->key_file, t->key_file) < 0 ||
	    copy_opt(&c->key_pem, t->key_pem) < 0 ||
	    copy_opt(&c->connect_to, t->connect_to) < 0)
		return -1;
	if (c->connect_to != NULL &&
	    (c->connect_to_list = curl_slist_append(NULL, c->connect_to)) == NULL)
		return -1;
	return 0;
}

struct http_client *
http_client_new(struct http_engine *e, const char *label,
		const struct http_tls *tls, struct mcle_err *err)
{
	struct http_client *c;

	if (global_init(err) < 0)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	c->e = e;
	c->body_max = HTTP_BODY_MAX_DEFAULT;
	c->attempt_max = e != NULL ? e->attempt_max : HTTP_ATTEMPT_MAX_US;
	if ((c->label = strdup(label)) == NULL || copy_tls(c, tls) < 0) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		http_client_free(c);
		return NULL;
	}
	if (e == NULL && (c->own = curl_easy_init()) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "cannot create a curl handle");
		http_client_free(c);
		return NULL;
	}
	if (e != NULL) {
		c->next_client = e->clients;
		e->clients = c;
	}
	return c;
}

void
http_client_free(struct http_client *c)
{
	struct http_client **pp;

	if (c == NULL)
		return;
	for (pp = c->e != NULL ? &c->e->clients : NULL; pp != NULL && *pp != NULL;
	     pp = &(*pp)->next_client)
		if (*pp == c) {
			*pp = c->next_client;
			break;
		}
	if (c->own != NULL)
		curl_easy_cleanup(c->own);
	curl_slist_free_all(c->connect_to_list);
	free(c->label);
	free(c->ca_file);
	free(c->ca_pem);
	free(c->cert_file);
	free(c->cert_pem);
	free(c->key_file);
	secret_free(c->key_pem);
	free(c->connect_to);
	free(c);
}

struct http_engine *
http_client_engine(const struct http_client *c)
{
	return c->e;
}

void
http_client_set_body_max(struct http_client *c, size_t max)
{
	c->body_max = max;
}

void
http_client_set_attempt_max(struct http_client *c, int64_t usec)
{
	c->attempt_max = usec;
}

void
http_client_stats(const struct http_client *c, struct http_stats *out)
{
	*out = c->stats;
}

/* --- response callbacks -------------------------------------------------- */

/* Grow resp->body to hold `need` bytes and a NUL, wiping old copies of secrets. */
static int
sink_grow(struct sink *s, size_t need)
{
	size_t cap;
	char *p;

	cap = s->cap < 4096 ? 4096 : s->cap;
	while (cap < need + 1)
		cap *= 2;
	if ((p = malloc(cap)) == NULL)
		return -1;
	if (s->resp->body != NULL) {
		memcpy(p, s->resp->body, s->resp->len);
		if (s->resp->sensitive)
			secret_wipe(s->resp->body, s->cap);
		free(s->resp->body);
	}
	s->resp->body = p;
	s->cap = cap;
	return 0;
}

/* On the first body byte: stream it (2xx with a stream) or keep it. */
static void
sink_start(struct sink *s)
{
	if (s->status != 0)
		return;
	if (curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &s->status) != CURLE_OK ||
	    s->status == 0)
		s->status = -1;
	s->streaming = s->stream != NULL && s->status >= 200 && s->status <= 299;
	if (!(s->status >= 200 && s->status <= 299))
		s->max = HTTP_ERROR_BODY_MAX;
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	struct http_response *r = s->resp;

	n *= size;
	sink_start(s);
	if (s->streaming) {
		if (s->stream->data(s->stream->arg, data, n) < 0) {
			s->stream_failed = 1;
			return 0;
		}
		return n;
	}
	if (n > s->max - r->len) {
		/* an error body is only for the message: keep its start, stop there */
		if (!(s->status >= 200 && s->status <= 299) && s->status > 0)
			s->error_cut = 1;
		else
			s->overflow = 1;
		return 0;
	}
	if (r->len + n + 1 > s->cap && sink_grow(s, r->len + n) < 0)
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
capture_header(struct xfer *x, const char *line, size_t len)
{
	struct http_response *r = &x->call.resp;
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
	for (i = 0; i < HTTP_CAPTURE_MAX && x->req.capture[i] != NULL; i++) {
		if ((v = header_value(line, len, x->req.capture[i])) == NULL)
			continue;
		free(r->captured[i]);
		r->captured[i] = v;
	}
}

static size_t
on_header(char *data, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;

	n *= size;
	/* a new status line (after 100 Continue): forget the earlier headers */
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		reset_captured(&x->call.resp);
	else
		capture_header(x, data, n);
	return n;
}

/* --- logging ------------------------------------------------------------- */

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

static void
log_attempt(const struct xfer *x, const struct mcle_err *failed)
{
	char url[LOG_URL_MAX];
	long long ms = (long long)((time_now_mono() - x->start) / 1000);

	if (log_level() < 1)
		return;
	mask_url(x->req.url, url, sizeof(url));
	if (failed != NULL)
		log_debug("%s %s -> failed after %lld ms: %s", x->req.method, url,
		    ms, failed->msg);
	else
		log_debug("%s %s -> %ld (%lld ms)", x->req.method, url,
		    x->call.resp.status, ms);
}

/* --- one attempt --------------------------------------------------------- */

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
set_tls(CURL *h, const struct http_client *c, const struct cred_copy *cc)
{
	const char *cert = cc->cert_pem != NULL ? cc->cert_pem : c->cert_pem;
	const char *key = cc->cert_pem != NULL ? cc->key_pem : c->key_pem;
	CURLcode rc = CURLE_OK;

	/*
	 * CA certificates come from one file (the system bundle unless
	 * given), never also from a directory: curl then keeps the file's
	 * certificates between connections instead of reading them for
	 * each (its cache skips a handle with a CA directory or CA data).
	 * Given CA data is the only trust anchor, as kubectl has it.
	 */
	SETOPT(h, CURLOPT_CAPATH, NULL);
	if (c->ca_file != NULL)
		SETOPT(h, CURLOPT_CAINFO, c->ca_file);
	else if (c->ca_pem != NULL)
		SETOPT(h, CURLOPT_CAINFO, NULL);
	if (c->ca_pem != NULL && (rc = set_blob(h, CURLOPT_CAINFO_BLOB, c->ca_pem)))
		goto out;
	if (cc->cert_pem == NULL && c->cert_file != NULL)
		SETOPT(h, CURLOPT_SSLCERT, c->cert_file);
	if (cert != NULL && (rc = set_blob(h, CURLOPT_SSLCERT_BLOB, cert)))
		goto out;
	if (cc->cert_pem == NULL && c->key_file != NULL)
		SETOPT(h, CURLOPT_SSLKEY, c->key_file);
	if (key != NULL && (rc = set_blob(h, CURLOPT_SSLKEY_BLOB, key)))
		goto out;
	if (cert != NULL || key != NULL || c->cert_file != NULL || c->key_file != NULL) {
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
set_common(struct xfer *x, int64_t timeout_us)
{
	CURLcode rc = CURLE_OK;
	CURL *h = x->h;
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
	SETOPT(h, CURLOPT_PIPEWAIT, 1L);
	/*
	 * A handle per request in flight holds an upload buffer, a copy of
	 * each request sent over TLS: the least size curl takes, every time
	 * (curl_easy_reset restores 64 KiB).  The read buffer stays curl's:
	 * it refuses a new size once the handle has one.
	 */
	SETOPT(h, CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
	if (x->c->e != NULL) {
		SETOPT(h, CURLOPT_SHARE, x->c->e->share);
		SETOPT(h, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		SETOPT(h, CURLOPT_OPENSOCKETDATA, x->c->e);
		SETOPT(h, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
		SETOPT(h, CURLOPT_CLOSESOCKETDATA, x->c->e);
	}
	SETOPT(h, CURLOPT_TIMEOUT_MS, ms);
	SETOPT(h, CURLOPT_CONNECTTIMEOUT_MS, ms < CONNECT_TIMEOUT_MS ? ms : CONNECT_TIMEOUT_MS);
	SETOPT(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	SETOPT(h, CURLOPT_LOW_SPEED_TIME, HTTP_STALL_SECONDS);
	SETOPT(h, CURLOPT_ERRORBUFFER, x->errbuf);
	/* Google compresses responses only for agents that say "gzip" */
	SETOPT(h, CURLOPT_USERAGENT, PACKAGE_NAME "/" PACKAGE_VERSION " (gzip)");
	SETOPT(h, CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(h, CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(h, CURLOPT_WRITEDATA, &x->sink);
	SETOPT(h, CURLOPT_HEADERFUNCTION, on_header);
	SETOPT(h, CURLOPT_HEADERDATA, x);
	SETOPT(h, CURLOPT_PRIVATE, x);
	SETOPT(h, CURLOPT_URL, x->req.url);
	SETOPT(h, CURLOPT_HTTPHEADER, x->hdrs);
	rc = set_tls(h, x->c, &x->cc);
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
		secret_wipe(p->data, strlen(p->data));
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

/* The attempt's header list (with the bearer of x->cc); -1 if out of memory. */
static int
build_headers(struct xfer *x)
{
	const struct http_request *req = &x->req;
	char *line;
	size_t n;
	int i, bad = 0;

	bad |= append(&x->hdrs, "Expect:");
	for (i = 0; i < HTTP_HEADERS_MAX && req->headers[i] != NULL; i++)
		bad |= append(&x->hdrs, req->headers[i]);
	if (req->content_type != NULL) {
		n = strlen(req->content_type) + 16;
		if ((line = malloc(n)) == NULL)
			return -1;
		snprintf(line, n, "Content-Type: %s", req->content_type);
		bad |= append(&x->hdrs, line);
		free(line);
	}
	if (x->cc.token != NULL) {
		n = strlen(x->cc.token) + 32;
		if ((line = malloc(n)) == NULL)
			return -1;
		snprintf(line, n, "Authorization: Bearer %s", x->cc.token);
		bad |= append(&x->hdrs, line);
		secret_free(line);
	}
	return bad ? -1 : 0;
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

static void
transfer_error(struct xfer *x, CURLcode rc, struct mcle_err *err)
{
	char host[256];
	const char *detail = x->errbuf[0] != '\0' ? x->errbuf : curl_easy_strerror(rc);

	http_url_host(x->req.url, host, sizeof(host));
	if (x->sink.stream_failed)
		mcle_err_set(err, MCLE_ECORRUPT, "malformed response from '%s'", host);
	else if (x->sink.overflow)
		mcle_err_set(err, MCLE_ECORRUPT, "response from '%s' exceeds %zu bytes",
		    host, x->sink.max);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		mcle_err_set(err, MCLE_EUNAVAIL, "request to '%s' timed out: %s", host, detail);
	/*
	 * A TLS alert from the server (unknown ca, bad certificate,
	 * certificate required) arrives as a send/receive error: it refused
	 * our client certificate, and trying again will not change that.
	 */
	else if ((rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
		  rc == CURLE_SSL_CONNECT_ERROR) && strstr(detail, " alert ") != NULL)
		mcle_err_set(err, MCLE_ECONFIG,
		    "'%s' refused the TLS handshake (check the client certificate): %s",
		    host, detail);
	else
		mcle_err_set(err, code_of(rc), "request to '%s' failed: %s", host, detail);
	if (rc == CURLE_COULDNT_RESOLVE_HOST)
		x->call.resp.resolve_failed = 1;
}

/* Reset the outcome for a new attempt. */
static void
attempt_reset(struct xfer *x)
{
	http_response_free(&x->call.resp);
	memset(&x->call.resp, 0, sizeof(x->call.resp));
	x->call.resp.retry_after = -1;
	x->call.resp.sensitive = x->req.sensitive;
	mcle_err_clear(&x->call.err);
	x->call.rc = -1;
	memset(&x->sink, 0, sizeof(x->sink));
	x->sink.resp = &x->call.resp;
	x->sink.stream = x->req.stream;
	x->sink.max = x->c->body_max;
	x->errbuf[0] = '\0';
	free_headers(x->hdrs);
	x->hdrs = NULL;
	cred_copy_free(&x->cc);
}

/* This attempt's time: min(left, cap); -1 with err set once the deadline passed. */
static int64_t
attempt_timeout(struct xfer *x, struct mcle_err *err)
{
	char host[256];
	int64_t left;

	if (x->req.deadline <= 0)
		return x->c->attempt_max;
	left = x->req.deadline - time_now_mono();
	if (left > 0)
		return left < x->c->attempt_max ? left : x->c->attempt_max;
	http_url_host(x->req.url, host, sizeof(host));
	mcle_err_set(err, MCLE_EUNAVAIL, "deadline passed before a request to '%s'", host);
	return -1;
}

/* Credentials, headers and options onto x->h for one attempt. */
static int
attempt_setup(struct xfer *x, struct mcle_err *err)
{
	int64_t timeout;
	CURLcode rc;

	attempt_reset(x);
	x->tries++;
	x->start = time_now_mono();
	if ((timeout = attempt_timeout(x, err)) < 0)
		return -1;
	if (x->req.cred != NULL &&
	    cred_get(x->req.cred, x->req.deadline, &x->cc, err) < 0) {
		x->call.cred_failed = 1;
		return -1;
	}
	if (build_headers(x) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "cannot build request headers");
	curl_easy_reset(x->h);
	x->sink.h = x->h;
	if ((rc = set_common(x, timeout)) != CURLE_OK ||
	    (rc = set_method(x->h, &x->req)) != CURLE_OK) {
		transfer_error(x, rc, err);
		return -1;
	}
	if (x->req.stream != NULL)
		x->req.stream->begin(x->req.stream->arg);
	return 0;
}

static int
status_class(long status)
{
	return status >= 100 && status <= 599 ? (int)(status / 100) : 0;
}

/* After curl finished an attempt: the outcome into x->call. */
static void
attempt_finish(struct xfer *x, CURLcode rc)
{
	long v = 0, conns = 0;

	/* no header list may outlive the attempt: it holds the token */
	curl_easy_setopt(x->h, CURLOPT_HTTPHEADER, NULL);
	free_headers(x->hdrs);
	x->hdrs = NULL;
	if (curl_easy_getinfo(x->h, CURLINFO_NUM_CONNECTS, &conns) == CURLE_OK && conns > 0)
		x->c->stats.connections += (uint64_t)conns;
	if (x->tries > 1)
		x->c->stats.retries++;
	if ((rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && x->sink.error_cut)) &&
	    !x->sink.stream_failed && !x->sink.overflow) {
		if (curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &x->call.resp.status) != CURLE_OK)
			x->call.resp.status = 0;
		if (curl_easy_getinfo(x->h, CURLINFO_HTTP_VERSION, &v) == CURLE_OK)
			x->call.resp.http_version = v == CURL_HTTP_VERSION_2_0 ? 2 : 1;
		x->call.rc = 0;
	} else {
		transfer_error(x, rc, &x->call.err);
	}
	x->c->stats.requests[x->call.rc == 0 ? status_class(x->call.resp.status) : 0]++;
	x->call.resp.attempts = x->tries;
	log_attempt(x, x->call.rc == 0 ? NULL : &x->call.err);
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

/*
 * What to do after an attempt: 0 = deliver the outcome, 1 = again at
 * once (fresh credentials after a 401), else the backoff in usec + 1.
 */
static int64_t
next_step(struct xfer *x)
{
	const struct http_call *c = &x->call;
	int64_t wait;

	if (c->rc == 0 && c->resp.status == 401 && x->req.cred != NULL && !x->reauthed) {
		/* an expired or rotated credential: once more with a fresh one */
		cred_invalidate(x->req.cred, x->cc.gen);
		x->reauthed = 1;
		x->tries--;
		return 1;
	}
	if (c->rc == 0 && !http_status_retryable(c->resp.status))
		return 0;
	if (c->rc < 0 && c->err.code != MCLE_EUNAVAIL)
		return 0;
	if (x->tries >= x->req.max_tries || signals_pending())
		return 0;
	wait = backoff_us(x->tries, &c->resp);
	if (x->req.deadline > 0 && time_now_mono() + wait >= x->req.deadline)
		return 0;
	log_debug("retrying %s in %lld ms (try %d)", x->req.method,
	    (long long)(wait / 1000), x->tries + 1);
	return wait + 1;
}

/* --- transfers ------------------------------------------------------------ */

static void xfer_free(struct xfer *x);

static int
copy_request(struct xfer *x, const struct http_request *req)
{
	int i;

	x->req = *req;
	if (copy_opt(&x->url, req->url) < 0 || copy_opt(&x->method, req->method) < 0 ||
	    copy_opt(&x->content_type, req->content_type) < 0)
		return -1;
	x->req.url = x->url;
	x->req.method = x->method;
	x->req.content_type = x->content_type;
	if (req->body != NULL) {
		if ((x->body = malloc(req->body_len + 1)) == NULL)
			return -1;
		memcpy(x->body, req->body, req->body_len);
		x->body[req->body_len] = '\0';
		x->req.body = x->body;
	}
	for (i = 0; i < HTTP_HEADERS_MAX && req->headers[i] != NULL; i++) {
		if ((x->headers[i] = strdup(req->headers[i])) == NULL)
			return -1;
		x->req.headers[i] = x->headers[i];
	}
	x->req.headers[i] = NULL;
	for (i = 0; i < HTTP_CAPTURE_MAX && req->capture[i] != NULL; i++) {
		if ((x->capture[i] = strdup(req->capture[i])) == NULL)
			return -1;
		x->req.capture[i] = x->capture[i];
	}
	x->req.capture[i] = NULL;
	if (x->req.max_tries < 1)
		x->req.max_tries = 1;
	return 0;
}

static struct xfer *
xfer_new(struct http_client *c, const struct http_request *req, struct mcle_err *err)
{
	struct xfer *x;

	if ((x = calloc(1, sizeof(*x))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	x->c = c;
	x->call.priv = x;
	if (copy_request(x, req) < 0) {
		xfer_free(x);
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	x->call.resp.retry_after = -1;
	x->call.resp.sensitive = req->sensitive;
	return x;
}

static void
xfer_free(struct xfer *x)
{
	int i;

	if (x == NULL)
		return;
	http_response_free(&x->call.resp);
	free_headers(x->hdrs);
	cred_copy_free(&x->cc);
	free(x->url);
	free(x->method);
	free(x->content_type);
	if (x->body != NULL && x->req.sensitive)
		secret_wipe(x->body, x->req.body_len);
	free(x->body);
	for (i = 0; i < HTTP_HEADERS_MAX; i++)
		free(x->headers[i]);
	for (i = 0; i < HTTP_CAPTURE_MAX; i++)
		free(x->capture[i]);
	free(x);
}

static void pump(struct http_engine *e);

/* From the loop: hand the outcome to the caller, then free the transfer. */
static void
deliver(void *arg)
{
	struct xfer *x = arg;
	struct http_engine *e = x->c->e;

	e->busy--;
	x->fn(x->arg, &x->call);
	xfer_free(x);
}

static void
complete(struct xfer *x)
{
	struct http_engine *e = x->c->e;

	loop_timer_init(&x->timer, deliver, x);
	if (loop_timer_at(e->loop, &x->timer, 0) < 0) {
		/* cannot even queue the delivery: deliver now */
		deliver(x);
	}
}

static void
enqueue(struct http_engine *e, struct xfer *x)
{
	x->next = NULL;
	if (e->queue_tail != NULL)
		e->queue_tail->next = x;
	else
		e->queue = x;
	e->queue_tail = x;
}

static void
requeue(void *arg)
{
	struct xfer *x = arg;

	enqueue(x->c->e, x);
	pump(x->c->e);
}

static CURL *
take_handle(struct http_engine *e)
{
	if (e->nidle > 0)
		return e->idle[--e->nidle];
	return curl_easy_init();
}

static void
give_handle(struct http_engine *e, CURL *h)
{
	if (e->nidle < IDLE_HANDLES_MAX)
		e->idle[e->nidle++] = h;
	else
		curl_easy_cleanup(h);
}

/* Start queued transfers while there is room. */
static void
pump(struct http_engine *e)
{
	struct xfer *x;

	while (e->queue != NULL && e->active < (size_t)e->max_in_flight) {
		x = e->queue;
		e->queue = x->next;
		if (e->queue == NULL)
			e->queue_tail = NULL;
		if ((x->h = take_handle(e)) == NULL) {
			mcle_err_set(&x->call.err, MCLE_ENOMEM, "cannot create a curl handle");
			complete(x);
			continue;
		}
		if (attempt_setup(x, &x->call.err) < 0 ||
		    curl_multi_add_handle(e->multi, x->h) != CURLM_OK) {
			mcle_err_set(&x->call.err, MCLE_ENOMEM, "cannot start a request");
			x->call.rc = -1;
			give_handle(e, x->h);
			x->h = NULL;
			complete(x);
			continue;
		}
		e->active++;
	}
}

/* A finished attempt: deliver, retry now, or retry after a backoff. */
static void
attempt_done(struct http_engine *e, struct xfer *x, CURLcode rc)
{
	int64_t step;

	curl_multi_remove_handle(e->multi, x->h);
	e->active--;
	attempt_finish(x, rc);
	give_handle(e, x->h);
	x->h = NULL;
	step = next_step(x);
	if (step == 0) {
		complete(x);
	} else if (step == 1) {
		enqueue(e, x);
	} else {
		loop_timer_init(&x->timer, requeue, x);
		if (loop_timer_at(e->loop, &x->timer, time_now_mono() + step - 1) < 0)
			enqueue(e, x);
	}
}

static void
check_done(struct http_engine *e)
{
	struct xfer *x;
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(e->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x) != CURLE_OK ||
		    x == NULL)
			continue;
		attempt_done(e, x, m->data.result);
	}
	pump(e);
}

static void
on_io(void *arg, int fd, unsigned events)
{
	struct http_engine *e = arg;
	int flags = 0, running;

	if (events & LOOP_IN)
		flags |= CURL_CSELECT_IN;
	if (events & LOOP_OUT)
		flags |= CURL_CSELECT_OUT;
	if (events & LOOP_ERR)
		flags |= CURL_CSELECT_ERR;
	curl_multi_socket_action(e->multi, fd, flags, &running);
	check_done(e);
}

static void
on_timer(void *arg)
{
	struct http_engine *e = arg;
	int running;

	curl_multi_socket_action(e->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(e);
}

static int
is_owned(const struct http_engine *e, curl_socket_t s)
{
	return s >= 0 && s < OWNED_FDS_MAX && (e->owned[s / 8] & (1u << (s % 8)));
}

/*
 * curl's connection sockets, opened and closed here: a socket of ours is
 * known to stay open until close_socket, so between two requests on a
 * pooled connection it stays registered with the loop (loop_park) instead
 * of leaving epoll and coming back - two system calls a request.
 */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct http_engine *e = arg;
	int s;

	(void)purpose;
	if ((s = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol)) < 0)
		return CURL_SOCKET_BAD;
	if (s < OWNED_FDS_MAX)
		e->owned[s / 8] |= (unsigned char)(1u << (s % 8));
	return s;
}

static int
close_socket(void *arg, curl_socket_t s)
{
	struct http_engine *e = arg;

	loop_unwatch(e->loop, s);
	if (is_owned(e, s))
		e->owned[s / 8] &= (unsigned char)~(1u << (s % 8));
	return close(s);
}

static int
socket_cb(CURL *h, curl_socket_t s, int what, void *userp, void *sockp)
{
	struct http_engine *e = userp;
	struct mcle_err err = MCLE_ERR_INIT;
	unsigned ev = 0;

	(void)h;
	(void)sockp;
	if (what == CURL_POLL_REMOVE) {
		if (is_owned(e, s))
			loop_park(e->loop, s);
		else
			loop_unwatch(e->loop, s);
		return 0;
	}
	if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
		ev |= LOOP_IN;
	if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
		ev |= LOOP_OUT;
	if (loop_watch(e->loop, s, ev, on_io, e, &err) < 0) {
		log_debug("%s", err.msg);
		return -1;	/* curl fails the transfers on this socket */
	}
	return 0;
}

static int
timer_cb(CURLM *m, long ms, void *userp)
{
	struct http_engine *e = userp;

	(void)m;
	if (ms < 0) {
		loop_timer_stop(e->loop, &e->timer);
		return 0;
	}
	return loop_timer_at(e->loop, &e->timer, time_now_mono() + (int64_t)ms * 1000) < 0 ? -1 : 0;
}

int
http_submit(struct http_client *c, const struct http_request *req,
	    http_done_fn done, void *arg, struct mcle_err *err)
{
	struct xfer *x;

	if (c->e == NULL)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a blocking client cannot submit");
	if ((x = xfer_new(c, req, err)) == NULL)
		return -1;
	x->fn = done;
	x->arg = arg;
	c->e->busy++;
	enqueue(c->e, x);
	pump(c->e);
	return 0;
}

/* --- waiting ------------------------------------------------------------- */

struct waiter {
	struct http_response *resp;
	struct mcle_err *err;
	int rc, done;
};

static void
wake(void *arg, struct http_call *call)
{
	struct waiter *w = arg;

	*w->resp = call->resp;
	memset(&call->resp, 0, sizeof(call->resp));
	if (call->rc < 0)
		mcle_err_set(w->err, call->err.code, "%s", call->err.msg);
	w->rc = call->rc;
	w->done = 1;
}

static int
is_done(void *arg)
{
	return ((struct waiter *)arg)->done;
}

/* Sleep until `until` (monotonic) or a signal; 1 if a signal cut it short. */
static int
blocking_sleep(int64_t until)
{
	struct pollfd p;
	int64_t left;

	p.fd = signals_fd();
	p.events = POLLIN;
	while ((left = until - time_now_mono()) > 0) {
		if (signals_pending())
			return 1;
		if (poll(&p, p.fd >= 0 ? 1 : 0, (int)((left + 999) / 1000)) > 0)
			return 1;
	}
	return 0;
}

/* A blocking client: attempts on its own handle, with the same policy. */
static int
perform_blocking(struct http_client *c, const struct http_request *req,
		 struct http_response *resp, struct mcle_err *err)
{
	struct xfer *x;
	int64_t step;
	int rc;

	if ((x = xfer_new(c, req, err)) == NULL)
		return -1;
	x->h = c->own;
	for (;;) {
		if (attempt_setup(x, &x->call.err) < 0) {
			x->call.rc = -1;
			break;
		}
		attempt_finish(x, curl_easy_perform(x->h));
		if ((step = next_step(x)) == 0)
			break;
		if (step > 1 && blocking_sleep(time_now_mono() + step - 1))
			break;
	}
	*resp = x->call.resp;
	memset(&x->call.resp, 0, sizeof(x->call.resp));
	if ((rc = x->call.rc) < 0)
		mcle_err_set(err, x->call.err.code, "%s", x->call.err.msg);
	x->h = NULL;
	xfer_free(x);
	return rc;
}

int
http_do(struct http_client *c, const struct http_request *req,
	struct http_response *resp, struct mcle_err *err)
{
	struct waiter w;

	memset(resp, 0, sizeof(*resp));
	resp->retry_after = -1;
	if (c->e == NULL)
		return perform_blocking(c, req, resp, err);
	memset(&w, 0, sizeof(w));
	w.resp = resp;
	w.err = err;
	w.rc = -1;
	if (http_submit(c, req, wake, &w, err) < 0)
		return -1;
	/* a signal does not abandon a request: it is bounded by its own timeouts */
	if (loop_wait(c->e->loop, is_done, &w) < 0)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "internal error: a request stalled with nothing to wait for");
	return w.rc;
}

void
http_engine_each_client(const struct http_engine *e,
			void (*fn)(void *arg, const char *label, const struct http_stats *st),
			void *arg)
{
	const struct http_client *c;

	for (c = e->clients; c != NULL; c = c->next_client)
		fn(arg, c->label, &c->stats);
}
