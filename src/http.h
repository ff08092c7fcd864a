/*
 * http.h - HTTP over libcurl (the only user of curl.h).
 *
 * An http_engine is one curl multi handle driven by a loop (loop.h): every
 * request of a run goes through it, many at once, over a shared pool of
 * connections (HTTP/2 multiplexing when the server offers it over TLS).
 * An http_client is one server's settings (TLS, limits) on an engine.
 *
 * Requests carry their own deadline.  Each attempt is capped at
 * min(time left, the client's per-attempt limit) and abandoned when the
 * connection stalls (curl's low-speed limit), then retried by the policy
 * below if the request may be repeated.  Credentials come from a struct
 * cred per request: a 401 invalidates them and the request is sent once
 * more with fresh ones.
 *
 * Nothing here logs a header, a request body or a response body; with -v
 * one line per request: method, URL (secret query values masked), status,
 * duration.
 */
#ifndef MCLE_HTTP_H
#define MCLE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "cred.h"
#include "err.h"
#include "loop.h"

#define HTTP_BODY_MAX_DEFAULT	(8 * 1024 * 1024)
#define HTTP_ERROR_BODY_MAX	(64 * 1024)	/* kept of a non-2xx answer */
#define HTTP_CAPTURE_MAX	4	/* extra response headers a request may ask for */
#define HTTP_HEADERS_MAX	16	/* extra request headers */
#define HTTP_ATTEMPT_MAX_US	(20 * 1000000LL)	/* default cap of one attempt */
#define HTTP_STALL_SECONDS	10L	/* an attempt receiving nothing this long is dropped */

/*
 * TLS and connection settings, fixed for the client's life.  Every string
 * is copied by http_client_new; PEM blobs and keys are wiped when freed.
 * Leave a field NULL/0 for curl's default (system CA store, verification on).
 */
struct http_tls {
	const char *ca_file;		/* CA bundle path */
	const char *ca_pem;		/* CA bundle as PEM text */
	const char *cert_file;		/* client certificate (PEM) path */
	const char *cert_pem;		/* client certificate as PEM text */
	const char *key_file;		/* client key (PEM) path */
	const char *key_pem;		/* client key as PEM text */
	int insecure;			/* skip verification: only when the user asks */
	/*
	 * "HOST:PORT:CONNECT-HOST:CONNECT-PORT" (CURLOPT_CONNECT_TO): to verify
	 * a TLS server name other than the address, build URLs with the name
	 * and connect to the address.
	 */
	const char *connect_to;
};

/*
 * Bounds of an engine.  Over HTTP/2 the requests to one server share as
 * few connections as its stream limit allows (PIPEWAIT: a new transfer
 * waits for the first connection to say whether it multiplexes); over
 * HTTP/1.1 each request in flight holds a connection of its own, up to
 * HTTP_HOST_CONNECTIONS_MAX, and the others wait in curl for one to be
 * free.  Each connection costs a handshake (about 1 ms of CPU over TLS)
 * and its buffers while busy (about 50 KiB over TLS); a pass alternates
 * its requests between two servers, so at the default 128 in flight 64
 * to one server lose nothing (scripts/bench.sh: 2,000 namespaces, steady
 * holder, peak RSS 24.3 -> 21.2 MiB, CPU 400 -> 345 us a namespace).
 */
#define HTTP_HOST_CONNECTIONS_MAX	64	/* connections to one server, at most */
#define HTTP_STREAMS_MAX		100	/* HTTP/2 streams on one connection, at most */

struct http_limits {
	int max_in_flight;		/* transfers at once (others wait in a queue) */
	int max_host_connections;	/* connections to one server (at most
					   HTTP_HOST_CONNECTIONS_MAX) */
	int64_t attempt_max;		/* usec: one attempt at most (0: HTTP_ATTEMPT_MAX_US) */
};

struct http_engine;
struct http_client;

/* Calls curl_global_init the first time (before any other thread starts). */
struct http_engine *http_engine_new(struct loop *l, const struct http_limits *lim,
				    struct mcle_err *err);
/* Every call must have completed; the clients freed first. */
void http_engine_free(struct http_engine *e);
struct loop *http_engine_loop(const struct http_engine *e);

/* Transfers started and not yet finished (retries waiting count too). */
size_t http_engine_busy(const struct http_engine *e);

/*
 * A client for one server.  With e == NULL the client is blocking: it has
 * its own connection and http_do performs on the calling thread (for
 * credential fetches, which may happen from inside another request's
 * start).  label names the server in statistics ("gcs", "kubernetes").
 */
struct http_client *http_client_new(struct http_engine *e, const char *label,
				    const struct http_tls *tls,
				    struct mcle_err *err);
void http_client_free(struct http_client *c);

/* The engine of a client (NULL for a blocking one). */
struct http_engine *http_client_engine(const struct http_client *c);

/* Change the 2xx body cap (default HTTP_BODY_MAX_DEFAULT). */
void http_client_set_body_max(struct http_client *c, size_t max);
/* Change the per-attempt cap (default HTTP_ATTEMPT_MAX_US). */
void http_client_set_attempt_max(struct http_client *c, int64_t usec);

/*
 * Take a 2xx body as it arrives instead of keeping it: begin before each
 * attempt, data for every chunk (return -1 to abandon the transfer: the
 * call fails with the stream's own error, which it records in its state).
 */
struct http_stream {
	void (*begin)(void *arg);
	int (*data)(void *arg, const char *p, size_t n);
	void *arg;
};

struct http_request {
	const char *method;		/* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *url;
	const char *headers[HTTP_HEADERS_MAX + 1];	/* "Name: value", NULL-ended */
	struct cred *cred;		/* where the bearer comes from, or NULL */
	const char *body;		/* may be NULL */
	size_t body_len;
	const char *content_type;	/* of body */
	int64_t deadline;		/* monotonic usec; 0 = one attempt's cap from now */
	int max_tries;			/* 0 or 1: sent once; more only when safe to repeat */
	const char *capture[HTTP_CAPTURE_MAX + 1];	/* header names, NULL-ended */
	int sensitive;			/* the response holds secrets: wipe it when freed */
	const struct http_stream *stream;	/* NULL: keep the body */
};

struct http_response {
	long status;
	char *body;			/* NUL-terminated (len bytes before it); NULL if streamed */
	size_t len;
	char date[64];			/* "Date" header, "" if absent */
	long retry_after;		/* "Retry-After" in seconds, -1 if absent */
	char *captured[HTTP_CAPTURE_MAX];	/* values of req->capture, or NULL */
	int attempts;			/* tries made */
	int resolve_failed;		/* no response: the host name did not resolve */
	int sensitive;
	long http_version;		/* 1 or 2 (the last attempt's) */
};

/*
 * Retry policy: connection failures and 408, 429, 5xx are retried with
 * capped exponential backoff and full jitter (100 ms base, 4 s cap, at
 * least 1 s after a 429, Retry-After honoured), never sleeping past the
 * deadline, at most max_tries attempts.  Only for requests that are safe to
 * repeat: reads, and writes that carry a precondition.
 */
int http_status_retryable(long status);

/* One request's outcome, passed to its callback; freed by http.c after it. */
struct http_call {
	int rc;				/* 0: an HTTP answer (resp.status); -1: err */
	int cred_failed;		/* -1 because the credentials could not be had */
	struct http_response resp;	/* the callback may take resp.body (set it NULL) */
	struct mcle_err err;
	void *priv;
};

typedef void (*http_done_fn)(void *arg, struct http_call *call);

/*
 * Start a request on an engine client; done(arg, call) runs from the loop
 * when it has an outcome (never before http_submit returns).  The request
 * and everything it points to are copied.  Returns -1 with err set only if
 * it cannot be started at all (out of memory).
 */
int http_submit(struct http_client *c, const struct http_request *req,
		http_done_fn done, void *arg, struct mcle_err *err);

/*
 * The same, waiting for the outcome: on an engine client it runs the loop
 * (never call it from a loop callback); on a blocking client it performs
 * here.  Returns 0 when an HTTP response arrived (any status, in resp), -1
 * with err set otherwise: connection failure, timeout, deadline passed,
 * interrupted by a signal -> MCLE_EUNAVAIL; TLS verification or bad URL ->
 * MCLE_ECONFIG; body over the cap -> MCLE_ECORRUPT.  resp must be
 * http_response_free'd in every case.
 */
int http_do(struct http_client *c, const struct http_request *req,
	    struct http_response *resp, struct mcle_err *err);

void http_response_free(struct http_response *resp);

/* Per-server statistics (for metrics and the benchmark). */
struct http_stats {
	uint64_t requests[6];		/* attempts answered by class: [0] none, [1..5] 1xx..5xx */
	uint64_t retries;		/* attempts after the first */
	uint64_t connections;		/* new connections opened */
};
void http_client_stats(const struct http_client *c, struct http_stats *out);
/* The label and statistics of each client of an engine (metrics). */
void http_engine_each_client(const struct http_engine *e,
			     void (*fn)(void *arg, const char *label, const struct http_stats *st),
			     void *arg);

/*
 * Percent-encode s (every byte but unreserved A-Z a-z 0-9 - . _ ~) for a
 * path segment or a query value.  Returns a malloc'd string, or NULL if out
 * of memory.
 */
char *http_escape(const char *s);

/* "host[:port]" of url into buf (for messages), "?" if there is none. */
void http_url_host(const char *url, char *buf, size_t size);

/*
 * Copy text from a server into buf for an error message: one line of
 * printable ASCII, at most size - 1 bytes ("..." marks a cut).
 */
void http_clip(const char *s, char *buf, size_t size);
/* The same for len bytes that may hold NULs (shown as spaces); s may be NULL. */
void http_clip_n(const char *s, size_t len, char *buf, size_t size);

/* A random number in [0, n) for jitter (not for secrets). */
uint64_t http_jitter(uint64_t n);

/* Monotonic deadline for a budget: min(deadline, now + budget); deadline 0 = none. */
int64_t http_deadline_within(int64_t deadline, int64_t budget_us);

#endif
