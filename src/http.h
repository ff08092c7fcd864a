/*
 * http.h - a small HTTP client over libcurl (the only user of curl.h).
 *
 * One struct http_client per run holds one curl easy handle that every
 * request reuses, so connections, DNS answers and TLS sessions are kept
 * (HTTP/2 over TLS where the server offers it).  Requests carry a monotonic
 * deadline; response bodies are collected up to a hard cap.  Used by the
 * GCS store and its credentials, and meant for the Kubernetes client.
 *
 * Nothing here logs a header, a request body or a response body; with -v
 * one line per request: method, URL (secret query values masked), status,
 * duration.
 */
#ifndef MCLE_HTTP_H
#define MCLE_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HTTP_BODY_MAX_DEFAULT	(8 * 1024 * 1024)
#define HTTP_CAPTURE_MAX	4	/* extra response headers a request may ask for */
#define HTTP_HEADERS_MAX	16	/* extra request headers */

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

struct http_client;

/* Calls curl_global_init the first time (call it before starting threads). */
struct http_client *http_client_new(const struct http_tls *tls,
				    struct mcle_err *err);
void http_client_free(struct http_client *c);

/*
 * A new client with c's settings for another thread, sharing c's
 * connection pool (connections and DNS; curl's share interface
 * with locks).  Each client is used by one thread at a time.
 */
struct http_client *http_client_clone(struct http_client *c,
				      struct mcle_err *err);

/* Change the response body cap (default HTTP_BODY_MAX_DEFAULT). */
void http_client_set_body_max(struct http_client *c, size_t max);

struct http_request {
	const char *method;		/* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *url;
	const char *headers[HTTP_HEADERS_MAX + 1];	/* "Name: value", NULL-ended */
	const char *bearer;		/* access token for "Authorization: Bearer" */
	const char *body;		/* may be NULL */
	size_t body_len;
	const char *content_type;	/* of body */
	int64_t deadline;		/* monotonic usec; 0 = none (30 s per try) */
	const char *capture[HTTP_CAPTURE_MAX + 1];	/* header names, NULL-ended */
	int sensitive;			/* the response holds secrets: wipe it when freed */
};

struct http_response {
	long status;
	char *body;			/* NUL-terminated (len bytes before it) */
	size_t len;
	char date[64];			/* "Date" header, "" if absent */
	long retry_after;		/* "Retry-After" in seconds, -1 if absent */
	char *captured[HTTP_CAPTURE_MAX];	/* values of req->capture, or NULL */
	int attempts;			/* tries http_do_retry made */
	int resolve_failed;		/* no response: the host name did not resolve */
	int sensitive;
};

/*
 * Perform one request.  Returns 0 when an HTTP response arrived (any status,
 * in resp->status), -1 with err set otherwise: connection failure, timeout,
 * deadline passed -> MCLE_EUNAVAIL; TLS verification or bad URL ->
 * MCLE_ECONFIG; body over the cap -> MCLE_ECORRUPT.  resp must be
 * http_response_free'd in every case.
 */
int http_do(struct http_client *c, const struct http_request *req,
	    struct http_response *resp, struct mcle_err *err);

/* 1 for responses worth retrying: 408, 429, 5xx. */
int http_status_retryable(long status);

/*
 * Like http_do, retrying connection failures and retryable statuses with
 * capped exponential backoff and full jitter (100 ms base, 4 s cap, at least
 * 1 s after a 429), never sleeping past req->deadline and trying at most
 * max_tries times.  Only for requests that are safe to repeat: reads, and
 * writes that carry a precondition.  Returns like http_do: 0 with the last
 * response (which may still be retryable), or -1 with the last failure.
 */
int http_do_retry(struct http_client *c, const struct http_request *req,
		  int max_tries, struct http_response *resp,
		  struct mcle_err *err);

void http_response_free(struct http_response *resp);

/*
 * Percent-encode s (every byte but unreserved A-Z a-z 0-9 - . _ ~) for a
 * path segment or a query value.  Returns a malloc'd string, or NULL if out
 * of memory.
 */
char *http_escape(const char *s);

/*
 * "host[:port]" of url into buf (for messages), "?" if there is none.
 */
void http_url_host(const char *url, char *buf, size_t size);

/*
 * Copy text from a server into buf for an error message: one line of
 * printable ASCII, at most size - 1 bytes ("..." marks a cut).
 */
void http_clip(const char *s, char *buf, size_t size);

/* A random number in [0, n) for jitter (not for secrets). */
uint64_t http_jitter(uint64_t n);

/* Monotonic deadline for a budget: min(deadline, now + budget); deadline 0 = none. */
int64_t http_deadline_within(int64_t deadline, int64_t budget_us);

#endif
