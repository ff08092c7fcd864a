/*
 * httpd.h - a tiny HTTP/1.1 server on the loop, for /metrics and health
 * probes.
 *
 * GET and HEAD only, one request per connection (answered with
 * "Connection: close"), requests up to HTTPD_REQUEST_MAX bytes, at most
 * HTTPD_CONNS_MAX connections at once, each dropped after HTTPD_IDLE_US.
 * Everything happens in loop callbacks: non-blocking sockets, no thread,
 * so a pass in progress is never blocked and never blocks it.
 */
#ifndef MCLE_HTTPD_H
#define MCLE_HTTPD_H

#include <stddef.h>

#include "err.h"
#include "loop.h"

#define HTTPD_REQUEST_MAX	8192
#define HTTPD_CONNS_MAX		32
#define HTTPD_IDLE_US		(10 * 1000000LL)

/* What a path answers; body malloc'd (httpd frees it) or NULL. */
struct httpd_reply {
	int status;
	const char *ctype;
	char *body;
	size_t len;
};

/* path without the query; fill r (status 404 if nothing is there). */
typedef void (*httpd_fn)(void *arg, const char *path, struct httpd_reply *r);

struct httpd;

/*
 * Listen on addr: "HOST:PORT", ":PORT" (every interface) or "[V6]:PORT";
 * port 0 picks a free one.  -1/NULL with err (MCLE_EUSAGE for a malformed
 * address, MCLE_ECONFIG when it cannot be bound).
 */
struct httpd *httpd_new(struct loop *l, const char *addr, httpd_fn fn, void *arg,
			struct mcle_err *err);
/* Close the listener and every connection. */
void httpd_free(struct httpd *h);

/* The address bound, "127.0.0.1:41234" or "[::1]:41234". */
const char *httpd_address(const struct httpd *h);

#endif
