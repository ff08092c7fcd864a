/* httpd.c - a tiny HTTP/1.1 server for /metrics and the probes, on the loop. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "httpd.h"
#include "timeutil.h"

#define ACCEPTS_PER_WAKE 16
#define HEAD_MAX 256

struct conn {
	struct httpd *h;
	int fd;
	char in[HTTPD_REQUEST_MAX + 1];
	size_t in_len;
	char *out;			/* head and body */
	size_t out_len, out_off;
	struct loop_timer idle;
	struct conn *next;
};

struct httpd {
	struct loop *loop;
	int fd;
	httpd_fn fn;
	void *arg;
	struct conn *conns;
	size_t nconns;
	char address[INET6_ADDRSTRLEN + 16];
};

/* --- the address ------------------------------------------------------------- */

/* "HOST:PORT" -> host (NULL for every interface) and port. */
static int
split_addr(const char *addr, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon;
	size_t hl;

	if (addr[0] == '[') {
		colon = strstr(addr, "]:");
		if (colon == NULL)
			return -1;
		hl = (size_t)(colon - addr - 1);
		addr++;
		colon++;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL)
			return -1;
		hl = (size_t)(colon - addr);
	}
	if (hl >= hsize || strlen(colon + 1) >= psize || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
	    atoi(colon + 1) > 65535)
		return -1;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

static void
describe_bound(struct httpd *h)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];
	void *a;
	int port;

	snprintf(h->address, sizeof(h->address), "?");
	if (getsockname(h->fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	} else {
		a = &((struct sockaddr_in *)&ss)->sin_addr;
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
	if (inet_ntop(ss.ss_family, a, host, sizeof(host)) == NULL)
		return;
	snprintf(h->address, sizeof(h->address), ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
		 host, port);
}

static int
bind_listener(struct httpd *h, const char *addr, struct mcle_err *err)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[8];
	int one = 1, rc;

	if (split_addr(addr, host, sizeof(host), port, sizeof(port)) < 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "invalid listen address '%.200s': expected HOST:PORT or :PORT",
				    addr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host[0] != '\0' ? host : NULL, port, &hints, &res)) != 0)
		return mcle_err_set(err, MCLE_ECONFIG, "cannot listen on '%.200s': %s", addr,
				    gai_strerror(rc));
	h->fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || setsockopt(h->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(h->fd, res->ai_addr, res->ai_addrlen) < 0 || listen(h->fd, 64) < 0) {
		rc = errno;
		freeaddrinfo(res);
		return mcle_err_errno(err, MCLE_ECONFIG, rc, "cannot listen on '%.200s'", addr);
	}
	freeaddrinfo(res);
	describe_bound(h);
	return 0;
}

/* --- connections ------------------------------------------------------------ */

static void
conn_close(struct conn *c)
{
	struct httpd *h = c->h;
	struct conn **pp;

	for (pp = &h->conns; *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	h->nconns--;
	loop_timer_stop(h->loop, &c->idle);
	loop_unwatch(h->loop, c->fd);
	close(c->fd);
	free(c->out);
	free(c);
}

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	default: return "Internal Server Error";
	}
}

static void on_conn(void *arg, int fd, unsigned events);

/* Queue the answer and start writing it. */
static void
respond(struct conn *c, struct httpd_reply *r, int head_only)
{
	struct mcle_err e = MCLE_ERR_INIT;
	char head[HEAD_MAX];
	size_t body = head_only ? 0 : r->len;
	int n;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "%sConnection: close\r\n\r\n", r->status, reason(r->status),
		     r->ctype != NULL ? r->ctype : "text/plain; charset=utf-8", r->len,
		     r->status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if ((c->out = malloc((size_t)n + body)) == NULL) {
		free(r->body);
		conn_close(c);
		return;
	}
	memcpy(c->out, head, (size_t)n);
	if (body > 0)
		memcpy(c->out + n, r->body, body);
	free(r->body);
	c->out_len = (size_t)n + body;
	if (loop_watch(c->h->loop, c->fd, LOOP_OUT, on_conn, c, &e) < 0)
		conn_close(c);
}

static void
plain(struct httpd_reply *r, int status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	r->len = strlen(text);
	r->body = strdup(text);
	if (r->body == NULL)
		r->len = 0;
}

/* A whole request head is in: answer it. */
static void
serve(struct conn *c)
{
	struct httpd_reply r = { 404, NULL, NULL, 0 };
	char method[16], target[2048], version[16];
	char *q;
	int head;

	if (sscanf(c->in, "%15s %2047s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0 || target[0] != '/') {
		plain(&r, 400, "bad request\n");
		respond(c, &r, 0);
		return;
	}
	head = strcmp(method, "HEAD") == 0;
	if (!head && strcmp(method, "GET") != 0) {
		plain(&r, 405, "only GET and HEAD\n");
		respond(c, &r, 0);
		return;
	}
	if ((q = strchr(target, '?')) != NULL)
		*q = '\0';
	c->h->fn(c->h->arg, target, &r);
	if (r.status == 404 && r.body == NULL)
		plain(&r, 404, "not found\n");
	respond(c, &r, head);
}

static void
conn_read(struct conn *c)
{
	struct httpd_reply r = { 431, NULL, NULL, 0 };
	ssize_t n;

	n = recv(c->fd, c->in + c->in_len, HTTPD_REQUEST_MAX - c->in_len, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	if (strstr(c->in, "\r\n\r\n") != NULL || strstr(c->in, "\n\n") != NULL) {
		serve(c);
	} else if (c->in_len >= HTTPD_REQUEST_MAX) {
		plain(&r, 431, "request too large\n");
		respond(c, &r, 0);
	}
}

static void
conn_write(struct conn *c)
{
	ssize_t n;

	n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->out_off += (size_t)n;
	if (c->out_off == c->out_len) {
		shutdown(c->fd, SHUT_WR);
		conn_close(c);
	}
}

static void
on_conn(void *arg, int fd, unsigned events)
{
	struct conn *c = arg;

	(void)fd;
	if (c->out != NULL && (events & (LOOP_OUT | LOOP_ERR)))
		conn_write(c);
	else if (c->out == NULL && (events & (LOOP_IN | LOOP_ERR)))
		conn_read(c);
}

static void
on_idle(void *arg)
{
	conn_close(arg);
}

static void
conn_new(struct httpd *h, int fd)
{
	struct mcle_err e = MCLE_ERR_INIT;
	struct conn *c;

	if (h->nconns >= HTTPD_CONNS_MAX || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->h = h;
	c->fd = fd;
	loop_timer_init(&c->idle, on_idle, c);
	c->next = h->conns;
	h->conns = c;
	h->nconns++;
	if (loop_timer_at(h->loop, &c->idle, time_now_mono() + HTTPD_IDLE_US) < 0 ||
	    loop_watch(h->loop, fd, LOOP_IN, on_conn, c, &e) < 0)
		conn_close(c);
}

static void
on_listen(void *arg, int fd, unsigned events)
{
	struct httpd *h = arg;
	int i, c;

	(void)events;
	for (i = 0; i < ACCEPTS_PER_WAKE; i++) {
		if ((c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) < 0)
			return;
		conn_new(h, c);
	}
}

struct httpd *
httpd_new(struct loop *l, const char *addr, httpd_fn fn, void *arg, struct mcle_err *err)
{
	struct httpd *h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	h->loop = l;
	h->fn = fn;
	h->arg = arg;
	h->fd = -1;
	if (bind_listener(h, addr, err) < 0 ||
	    loop_watch(l, h->fd, LOOP_IN, on_listen, h, err) < 0) {
		if (h->fd >= 0)
			close(h->fd);
		free(h);
		return NULL;
	}
	return h;
}

void
httpd_free(struct httpd *h)
{
	if (h == NULL)
		return;
	while (h->conns != NULL)
		conn_close(h->conns);
	loop_unwatch(h->loop, h->fd);
	close(h->fd);
	free(h);
}

const char *
httpd_address(const struct httpd *h)
{
	return h->address;
}
