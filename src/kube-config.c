/* kube-config.c - kubeconfig (libyaml) and in-cluster configuration. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <yaml.h>

#include "kube-config.h"
#include "readfile.h"
#include "secret.h"
#include "log.h"
#include "parse.h"

#define ANCHORS_MAX	256
#define WHAT_MAX	256	/* one detail of a message */

/* ==== a small YAML tree ================================================== */

enum ykind { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode {
	enum ykind kind;
	unsigned long line, col;	/* 1-based, where the node starts */
	int plain;		/* scalar: plain style, no tag (null and bool resolve) */
	char *text;		/* scalar: NUL-terminated (may hold NULs: see len) */
	size_t len;
	struct ynode **kid;	/* sequence: items; mapping: key, value, key, ... */
	size_t nkid, cap;
};

struct yanchor {
	char *name;
	struct ynode *node;	/* owned by the tree */
};

struct yparse {
	const char *path;
	const char *buf;	/* the file, for reader errors' positions */
	size_t len;
	struct mcle_err *err;
	struct ynode *stack[KUBE_CONFIG_DEPTH_MAX];
	char *stack_anchor[KUBE_CONFIG_DEPTH_MAX];
	int depth;
	struct ynode *root;
	struct yanchor anchor[ANCHORS_MAX];
	size_t nanchor;
	size_t nodes;
	int docs;
};

static void
ynode_free(struct ynode *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nkid; i++)
		ynode_free(n->kid[i]);
	free(n->kid);
	if (n->text != NULL) {
		OPENSSL_cleanse(n->text, n->len);	/* tokens and keys live here */
		free(n->text);
	}
	free(n);
}

static int
ymark_err(struct yparse *p, unsigned long line, unsigned long col, const char *what)
{
	return mcle_err_set(p->err, MCLE_ECONFIG, "cannot parse kubeconfig '%s:%lu:%lu': %s",
	    p->path, line, col, what);
}

static int
ynomem(struct yparse *p)
{
	return mcle_err_set(p->err, MCLE_ENOMEM, "out of memory");
}

static struct ynode *
ynode_new(struct yparse *p, enum ykind kind, unsigned long line, unsigned long col)
{
	struct ynode *n;

	if (p->nodes >= KUBE_CONFIG_NODES_MAX) {
		ymark_err(p, line, col, "too many nodes (aliases expanded)");
		return NULL;
	}
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		ynomem(p);
		return NULL;
	}
	p->nodes++;
	n->kind = kind;
	n->line = line;
	n->col = col;
	return n;
}

/* Hang n under the open collection (or make it the root).  Takes n. */
static int
attach(struct yparse *p, struct ynode *n)
{
	struct ynode *parent, **nk;
	size_t ncap;

	if (p->depth == 0) {
		if (p->root != NULL) {
			ynode_free(n);
			return ymark_err(p, n->line, n->col, "more than one root node");
		}
		p->root = n;
		return 0;
	}
	parent = p->stack[p->depth - 1];
	if (parent->nkid == parent->cap) {
		ncap = parent->cap != 0 ? parent->cap * 2 : 8;
		if ((nk = realloc(parent->kid, ncap * sizeof(*nk))) == NULL) {
			ynode_free(n);
			return ynomem(p);
		}
		parent->kid = nk;
		parent->cap = ncap;
	}
	parent->kid[parent->nkid++] = n;
	return 0;
}

static int
remember(struct yparse *p, const char *name, struct ynode *n)
{
	size_t i;

	if (name == NULL)
		return 0;
	for (i = 0; i < p->nanchor; i++)
		if (strcmp(p->anchor[i].name, name) == 0) {
			p->anchor[i].node = n;	/* a redefined anchor: the last wins */
			return 0;
		}
	if (p->nanchor == ANCHORS_MAX)
		return ymark_err(p, n->line, n->col, "too many anchors");
	if ((p->anchor[p->nanchor].name = strdup(name)) == NULL)
		return ynomem(p);
	p->anchor[p->nanchor++].node = n;
	return 0;
}

static struct ynode *
ycopy(struct yparse *p, const struct ynode *src)
{
	struct ynode *n, *c;
	size_t i;

	if ((n = ynode_new(p, src->kind, src->line, src->col)) == NULL)
		return NULL;
	n->plain = src->plain;
	if (src->text != NULL) {
		if ((n->text = malloc(src->len + 1)) == NULL)
			goto nomem;
		memcpy(n->text, src->text, src->len + 1);
		n->len = src->len;
	}
	if (src->nkid > 0 && (n->kid = calloc(src->nkid, sizeof(*n->kid))) == NULL)
		goto nomem;
	n->cap = src->nkid;
	for (i = 0; i < src->nkid; i++) {
		if ((c = ycopy(p, src->kid[i])) == NULL) {
			ynode_free(n);
			return NULL;
		}
		n->kid[n->nkid++] = c;
	}
	return n;
nomem:
	ynode_free(n);
	ynomem(p);
	return NULL;
}

static int
on_scalar(struct yparse *p, const yaml_event_t *ev)
{
	struct ynode *n;

	n = ynode_new(p, Y_SCALAR, ev->start_mark.line + 1, ev->start_mark.column + 1);
	if (n == NULL)
		return -1;
	n->plain = ev->data.scalar.plain_implicit &&
	    ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	n->len = ev->data.scalar.length;
	if ((n->text = malloc(n->len + 1)) == NULL) {
		ynode_free(n);
		return ynomem(p);
	}
	memcpy(n->text, ev->data.scalar.value, n->len);
	n->text[n->len] = '\0';
	if (attach(p, n) < 0)
		return -1;
	return remember(p, (const char *)ev->data.scalar.anchor, n);
}

static int
on_start(struct yparse *p, const yaml_event_t *ev, enum ykind kind,
	 const yaml_char_t *anchor)
{
	unsigned long line = ev->start_mark.line + 1, col = ev->start_mark.column + 1;
	struct ynode *n;

	if (p->depth == KUBE_CONFIG_DEPTH_MAX)
		return ymark_err(p, line, col, "nested more than 64 levels deep");
	if ((n = ynode_new(p, kind, line, col)) == NULL || attach(p, n) < 0)
		return -1;
	p->stack_anchor[p->depth] = NULL;
	if (anchor != NULL &&
	    (p->stack_anchor[p->depth] = strdup((const char *)anchor)) == NULL)
		return ynomem(p);
	p->stack[p->depth++] = n;
	return 0;
}

static int
on_end(struct yparse *p)
{
	char *anchor;
	int rc;

	if (p->depth == 0)
		return 0;
	p->depth--;
	anchor = p->stack_anchor[p->depth];
	p->stack_anchor[p->depth] = NULL;
	rc = remember(p, anchor, p->stack[p->depth]);
	free(anchor);
	return rc;
}

static int
on_alias(struct yparse *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct ynode *n;
	size_t i;

	for (i = 0; i < p->nanchor; i++)
		if (strcmp(p->anchor[i].name, name) == 0)
			break;
	if (i == p->nanchor)
		return ymark_err(p, ev->start_mark.line + 1, ev->start_mark.column + 1,
		    "unknown alias");
	if ((n = ycopy(p, p->anchor[i].node)) == NULL)
		return -1;
	return attach(p, n);
}

/* 0: go on, 1: the stream is complete, -1: error. */
static int
on_event(struct yparse *p, const yaml_event_t *ev)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return on_scalar(p, ev);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(p, ev, Y_SEQ, ev->data.sequence_start.anchor);
	case YAML_MAPPING_START_EVENT:
		return on_start(p, ev, Y_MAP, ev->data.mapping_start.anchor);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(p);
	case YAML_ALIAS_EVENT:
		return on_alias(p, ev);
	case YAML_DOCUMENT_START_EVENT:
		/* a later document would be ignored: refuse it */
		if (p->docs++ > 0)
			return ymark_err(p, ev->start_mark.line + 1, ev->start_mark.column + 1,
			    "a second YAML document: only one is read");
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;
	default:
		return 0;
	}
}

static int
syntax_error(struct yparse *p, const yaml_parser_t *y)
{
	char what[WHAT_MAX];
	unsigned long line = y->problem_mark.line + 1, col = y->problem_mark.column + 1;
	size_t i;

	if (y->error == YAML_MEMORY_ERROR)
		return ynomem(p);
	if (y->error == YAML_READER_ERROR && p->buf != NULL) {	/* only an offset */
		line = col = 1;
		for (i = 0; i < y->problem_offset && i < p->len && p->buf[i] != '\0'; i++, col++)
			if (p->buf[i] == '\n') {
				line++;
				col = 0;
			}
	}
	if (y->context != NULL)
		snprintf(what, sizeof(what), "%s (%s)",
		    y->problem != NULL ? y->problem : "invalid YAML", y->context);
	else
		snprintf(what, sizeof(what), "%s",
		    y->problem != NULL ? y->problem : "invalid YAML");
	return ymark_err(p, line, col, what);
}

static void
yparse_done(struct yparse *p)
{
	size_t i;
	int d;

	for (i = 0; i < p->nanchor; i++)
		free(p->anchor[i].name);
	for (d = 0; d < p->depth; d++)
		free(p->stack_anchor[d]);
}

/* Parse buf, one document, into a tree; *root is NULL for an empty one. */
static int
yaml_tree(const char *path, const char *buf, size_t len, struct ynode **root,
	  struct mcle_err *err)
{
	struct yparse p = { .path = path, .buf = buf, .len = len, .err = err };
	yaml_parser_t y;
	yaml_event_t ev;
	int rc = 0;

	*root = NULL;
	if (!yaml_parser_initialize(&y))
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	while (rc == 0) {
		if (!yaml_parser_parse(&y, &ev)) {
			rc = syntax_error(&p, &y);
			break;
		}
		rc = on_event(&p, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&y);
	yparse_done(&p);
	if (rc < 0) {
		ynode_free(p.root);
		return -1;
	}
	*root = p.root;
	return 0;
}

/* ==== files ============================================================== */

static void
wipe_free(char *s, size_t len)
{
	secret_free_n(s, len);
}

static void
wipe_str(char **s)
{
	secret_free(*s);
	*s = NULL;
}

/* Open path for reading; it must be a regular file. */
static int
open_regular(const char *path, const char *what, enum mcle_code code,
	     struct stat *st, struct mcle_err *err)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return mcle_err_errno(err, code, errno, "cannot read %s '%s'", what, path);
	if (fstat(fd, st) < 0) {
		mcle_err_errno(err, code, errno, "cannot read %s '%s'", what, path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		mcle_err_set(err, code, "cannot read %s '%s': not a regular file", what, path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Read a whole file of at most max bytes; *buf is NUL-terminated, wipe it. */
static int
read_file(const char *path, size_t max, const char *what, enum mcle_code code,
	  char **buf, size_t *len, struct mcle_err *err)
{
	const struct readfile_opts o = { what, code, max, READFILE_SECRET };

	return readfile(path, &o, buf, len, err);
}

static int
check_readable(const char *path, const char *what, struct mcle_err *err)
{
	struct stat st;
	int fd;

	if ((fd = open_regular(path, what, MCLE_ECONFIG, &st, err)) < 0)
		return -1;
	close(fd);
	return 0;
}

/* path resolved against dir unless it is absolute; NULL when out of memory. */
static char *
resolve(const char *dir, const char *path)
{
	char *out;

	if (path[0] == '/' || dir == NULL)
		return strdup(path);
	if (asprintf(&out, "%s/%s", dir, path) < 0)
		return NULL;
	return out;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* ==== typed access to a kubeconfig ======================================= */

struct kdoc {
	char *path;
	char *dir;
	struct ynode *root;	/* a mapping, or NULL for an empty file */
};

struct kset {
	struct kdoc doc[KUBE_CONFIG_FILES_MAX];
	size_t n;
};

static int __attribute__((format(printf, 4, 5)))
bad(const struct kdoc *d, const struct ynode *n, struct mcle_err *err,
    const char *fmt, ...)
{
	char what[WHAT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (n == NULL)
		return mcle_err_set(err, MCLE_ECONFIG, "invalid kubeconfig '%s': %s",
		    d->path, what);
	return mcle_err_set(err, MCLE_ECONFIG, "invalid kubeconfig '%s:%lu:%lu': %s",
	    d->path, n->line, n->col, what);
}

static int
is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	size_t i;

	if (n->kind != Y_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->text, nulls[i]) == 0)
			return 1;
	return 0;
}

/* The value of key in mapping m (NULL if m is NULL, key absent or null). */
static int
map_find(const struct kdoc *d, const struct ynode *m, const char *key,
	 const struct ynode **out, struct mcle_err *err)
{
	const struct ynode *k, *found = NULL;
	size_t i;

	*out = NULL;
	if (m == NULL)
		return 0;
	for (i = 0; i + 1 < m->nkid; i += 2) {
		k = m->kid[i];
		if (k->kind != Y_SCALAR || strcmp(k->text, key) != 0 ||
		    k->len != strlen(key))
			continue;
		if (found != NULL)
			return bad(d, k, err, "duplicate key '%s'", key);
		found = m->kid[i + 1];
	}
	if (found != NULL && !is_null(found))
		*out = found;
	return 0;
}

static const char *
kind_name(enum ykind kind)
{
	return kind == Y_SCALAR ? "a string" : kind == Y_SEQ ? "a list" : "a mapping";
}

static int
get_node(const struct kdoc *d, const struct ynode *m, const char *key,
	 enum ykind kind, const struct ynode **out, struct mcle_err *err)
{
	if (map_find(d, m, key, out, err) < 0)
		return -1;
	if (*out != NULL && (*out)->kind != kind)
		return bad(d, *out, err, "'%s' must be %s", key, kind_name(kind));
	return 0;
}

/* A string value, borrowed; NULL when absent, null or empty. */
static int
get_cstr(const struct kdoc *d, const struct ynode *m, const char *key,
	 const char **out, struct mcle_err *err)
{
	const struct ynode *n;

	*out = NULL;
	if (get_node(d, m, key, Y_SCALAR, &n, err) < 0)
		return -1;
	if (n == NULL)
		return 0;
	if (strlen(n->text) != n->len)
		return bad(d, n, err, "'%s' must not contain NUL characters", key);
	if (n->len > 0)
		*out = n->text;
	return 0;
}

/* Like get_cstr, copied (malloc'd). */
static int
get_str(const struct kdoc *d, const struct ynode *m, const char *key, char **out,
	struct mcle_err *err)
{
	const char *s;

	*out = NULL;
	if (get_cstr(d, m, key, &s, err) < 0)
		return -1;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* A path, resolved against the file's directory. */
static int
get_path(const struct kdoc *d, const struct ynode *m, const char *key, char **out,
	 struct mcle_err *err)
{
	const char *s;

	*out = NULL;
	if (get_cstr(d, m, key, &s, err) < 0)
		return -1;
	if (s != NULL && (*out = resolve(d->dir, s)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* A boolean as YAML 1.1 (and so kubectl) spells it; absent = 0. */
static int
get_bool(const struct kdoc *d, const struct ynode *m, const char *key, int *out,
	 struct mcle_err *err)
{
	static const char *const yes[] = { "true", "yes", "on", "y" };
	static const char *const no[] = { "false", "no", "off", "n" };
	const struct ynode *n;
	size_t i;

	*out = 0;
	if (map_find(d, m, key, &n, err) < 0)
		return -1;
	if (n == NULL)
		return 0;
	for (i = 0; n->kind == Y_SCALAR && n->plain && i < 4; i++) {
		if (strcasecmp(n->text, yes[i]) == 0)
			return *out = 1, 0;
		if (strcasecmp(n->text, no[i]) == 0)
			return 0;
	}
	return bad(d, n, err, "'%s' must be true or false", key);
}

/* ==== base64 (standard alphabet, padded; CR and LF ignored) ============== */

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode into out (room for len / 4 * 3 + 1 bytes); -1 if not strict base64. */
static int
b64_decode(const char *in, size_t len, unsigned char *out, size_t *olen)
{
	unsigned acc = 0;
	size_t i, n = 0, q = 0, pad = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		if (in[i] == '\r' || in[i] == '\n')
			continue;
		q++;
		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_value((unsigned char)in[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (q % 4 != 0 || pad > 2)
		return -1;
	*olen = n;
	return 0;
}

/* A *-data field: base64 of PEM text; *out is NUL-terminated. */
static int
get_data(const struct kdoc *d, const struct ynode *m, const char *key, char **out,
	 size_t *olen, struct mcle_err *err)
{
	const struct ynode *n;
	char *buf;

	*out = NULL;
	*olen = 0;
	if (get_node(d, m, key, Y_SCALAR, &n, err) < 0)
		return -1;
	if (n == NULL || n->len == 0)
		return 0;
	if ((buf = malloc(n->len / 4 * 3 + 4)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (b64_decode(n->text, n->len, (unsigned char *)buf, olen) < 0) {
		wipe_free(buf, n->len / 4 * 3 + 4);
		return bad(d, n, err, "'%s' is not valid base64", key);
	}
	buf[*olen] = '\0';
	if (strlen(buf) != *olen || *olen == 0) {
		wipe_free(buf, *olen);
		return bad(d, n, err, "'%s' does not hold PEM text", key);
	}
	*out = buf;
	return 0;
}

/* ==== loading files ====================================================== */

/* An entry of clusters/users/contexts: a mapping with a name and a body. */
static int
check_entry(const struct kdoc *d, const struct ynode *item, const char *list,
	    const char *body, struct mcle_err *err)
{
	const struct ynode *n;
	const char *name;

	if (item->kind != Y_MAP)
		return bad(d, item, err, "entries of '%s' must be mappings", list);
	if (get_cstr(d, item, "name", &name, err) < 0 ||
	    get_node(d, item, body, Y_MAP, &n, err) < 0)
		return -1;
	if (name == NULL)
		return bad(d, item, err, "an entry of '%s' has no name", list);
	return 0;
}

/* The top level: lists of named entries and current-context. */
static int
check_shape(const struct kdoc *d, struct mcle_err *err)
{
	static const char *const lists[][2] = {
		{ "clusters", "cluster" }, { "users", "user" }, { "contexts", "context" },
	};
	const struct ynode *seq;
	const char *cur;
	size_t i, j;

	if (d->root == NULL)
		return 0;
	if (d->root->kind != Y_MAP)
		return bad(d, d->root, err, "the document must be a mapping");
	if (get_cstr(d, d->root, "current-context", &cur, err) < 0)
		return -1;
	for (i = 0; i < 3; i++) {
		if (get_node(d, d->root, lists[i][0], Y_SEQ, &seq, err) < 0)
			return -1;
		for (j = 0; seq != NULL && j < seq->nkid; j++)
			if (check_entry(d, seq->kid[j], lists[i][0], lists[i][1], err) < 0)
				return -1;
	}
	return 0;
}

/* One kubeconfig's text, buf[0..len), as the file path: the next doc of s. */
static int
doc_from_buf(struct kset *s, const char *path, const char *buf, size_t len,
	     struct mcle_err *err)
{
	struct kdoc *d = &s->doc[s->n];

	memset(d, 0, sizeof(*d));
	s->n++;
	if ((d->path = strdup(path)) == NULL || (d->dir = dir_of(path)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (yaml_tree(path, buf, len, &d->root, err) < 0)
		return -1;
	if (d->root != NULL && is_null(d->root)) {
		ynode_free(d->root);
		d->root = NULL;
	}
	log_trace("loaded kubeconfig '%s'", path);
	return check_shape(d, err);
}

static int
load_doc(struct kset *s, const char *path, struct mcle_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (read_file(path, KUBE_CONFIG_FILE_MAX, "kubeconfig", MCLE_ECONFIG, &buf,
	    &len, err) < 0)
		return -1;
	rc = doc_from_buf(s, path, buf, len, err);
	wipe_free(buf, len);
	return rc;
}

static void
kset_free(struct kset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->doc[i].path);
		free(s->doc[i].dir);
		ynode_free(s->doc[i].root);
	}
	s->n = 0;
}

/* "a:b:c", the loaded files, for messages. */
static void
kset_names(const struct kset *s, char *buf, size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < s->n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s", i > 0 ? ":" : "",
		    s->doc[i].path);
}

static int
already_loaded(const struct kset *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->doc[i].path, path) == 0)
			return 1;
	return 0;
}

/* Load the files of a KUBECONFIG list that exist. */
static int
load_list(struct kset *s, const char *list, struct mcle_err *err)
{
	char *copy, *p, *next;
	size_t entries = 0;
	int rc = 0;

	if ((copy = strdup(list)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (p = copy; p != NULL && rc == 0; p = next) {
		if ((next = strchr(p, ':')) != NULL)
			*next++ = '\0';
		if (*p == '\0' || already_loaded(s, p))
			continue;
		if (++entries > KUBE_CONFIG_FILES_MAX)
			rc = mcle_err_set(err, MCLE_ECONFIG,
			    "KUBECONFIG lists more than %d files", KUBE_CONFIG_FILES_MAX);
		else if (access(p, F_OK) == 0 || errno != ENOENT)
			rc = load_doc(s, p, err);
	}
	free(copy);
	if (rc == 0 && s->n == 0)
		rc = mcle_err_set(err, MCLE_ECONFIG,
		    "none of the kubeconfig files in KUBECONFIG exists: '%s'", list);
	return rc;
}

static int
has_entry(const char *list)
{
	for (; *list != '\0'; list++)
		if (*list != ':')
			return 1;
	return 0;
}

/* 0: kubeconfig files loaded into s; 1: there are none; -1: error. */
static int
pick_files(const struct kube_config_opts *o, struct kset *s, struct mcle_err *err)
{
	const char *env, *home;
	char path[4096];

	if (o->kubeconfig != NULL) {
		if (o->kubeconfig[0] == '\0')
			return mcle_err_set(err, MCLE_EUSAGE, "the kubeconfig path is empty");
		return load_doc(s, o->kubeconfig, err);
	}
	if ((env = getenv("KUBECONFIG")) != NULL && has_entry(env))
		return load_list(s, env, err);
	if ((home = getenv("HOME")) == NULL || home[0] == '\0')
		return 1;
	if ((size_t)snprintf(path, sizeof(path), "%s/.kube/config", home) >= sizeof(path))
		return mcle_err_set(err, MCLE_ECONFIG, "HOME is too long");
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return 1;
	return load_doc(s, path, err);
}

/* ==== resolving a context ================================================ */

/* The entry named name in list: 1 found (*d, *body), 0 absent, -1 error. */
static int
find_in_doc(const struct kdoc *d, const char *list, const char *body_key,
	    const char *name, const struct ynode **body, struct mcle_err *err)
{
	const struct ynode *seq, *found = NULL, *item;
	const char *n;
	size_t i;

	*body = NULL;
	if (get_node(d, d->root, list, Y_SEQ, &seq, err) < 0)
		return -1;
	for (i = 0; seq != NULL && i < seq->nkid; i++) {
		item = seq->kid[i];
		if (get_cstr(d, item, "name", &n, err) < 0)
			return -1;
		if (n == NULL || strcmp(n, name) != 0)
			continue;
		if (found != NULL)
			return bad(d, item, err, "'%s' defines '%s' twice", list, name);
		found = item;
	}
	if (found == NULL)
		return 0;
	return get_node(d, found, body_key, Y_MAP, body, err) < 0 ? -1 : 1;
}

/* The first file that defines name wins. */
static int
lookup(const struct kset *s, const char *list, const char *body_key,
       const char *name, const struct kdoc **d, const struct ynode **body,
       struct mcle_err *err)
{
	size_t i;
	int r;

	for (i = 0; i < s->n; i++) {
		if ((r = find_in_doc(&s->doc[i], list, body_key, name, body, err)) != 0) {
			*d = &s->doc[i];
			return r;
		}
	}
	return 0;
}

static const char *
current_context(const struct kset *s, struct mcle_err *err)
{
	const char *cur;
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (get_cstr(&s->doc[i], s->doc[i].root, "current-context", &cur, err) < 0)
			return NULL;
		if (cur != NULL)
			return cur;
	}
	return NULL;
}

/* ==== the server URL ===================================================== */

static int
valid_port(const char *p, size_t len)
{
	char buf[8];
	int64_t v;

	if (len == 0 || len >= sizeof(buf))
		return 0;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return parse_int(buf, 1, 65535, &v) == 0;
}

static int
valid_hostname(const char *h)
{
	if (*h == '\0')
		return 0;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		    (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' || *h == '_'))
			return 0;
	return 1;
}

struct url_parts {
	const char *scheme;		/* "https" or "http" */
	const char *host;		/* [v6] keeps its brackets */
	size_t host_len;
	const char *port;		/* explicit port or the scheme's default */
	size_t port_len;
	const char *path;
	size_t path_len;		/* without trailing slashes */
};

static int
split_host_port(const char *a, size_t alen, struct url_parts *u)
{
	const char *end = a + alen, *colon;

	if (alen > 0 && a[0] == '[') {
		if ((colon = memchr(a, ']', alen)) == NULL)
			return -1;
		colon++;
		if (colon < end && *colon != ':')
			return -1;
	} else if ((colon = memchr(a, ':', alen)) == NULL)
		colon = end;
	u->host = a;
	u->host_len = (size_t)(colon - a);
	if (colon < end) {
		u->port = colon + 1;
		u->port_len = (size_t)(end - colon - 1);
	}
	if (u->host_len == 0 || memchr(a, '@', alen) != NULL ||
	    (u->host[0] == '[' && u->host_len < 3))
		return -1;
	return valid_port(u->port, u->port_len) ? 0 : -1;
}

static int
split_url(const char *s, struct url_parts *u)
{
	const char *rest, *sep = strstr(s, "://");
	size_t alen;

	memset(u, 0, sizeof(*u));
	u->scheme = "https";	/* no scheme: kubectl would guess; we use TLS */
	rest = s;
	if (sep != NULL) {
		if ((size_t)(sep - s) == 5 && strncasecmp(s, "https", 5) == 0)
			u->scheme = "https";
		else if ((size_t)(sep - s) == 4 && strncasecmp(s, "http", 4) == 0)
			u->scheme = "http";
		else
			return -1;
		rest = sep + 3;
	}
	if (strpbrk(rest, "?# \t\r\n") != NULL)
		return -1;
	alen = strcspn(rest, "/");
	u->port = u->scheme[4] == 's' ? "443" : "80";
	u->port_len = strlen(u->port);
	u->path = rest + alen;
	u->path_len = strlen(u->path);
	while (u->path_len > 0 && u->path[u->path_len - 1] == '/')
		u->path_len--;
	return split_host_port(rest, alen, u);
}

/* kc->server normalised, kc->url and kc->connect_to. */
static int
build_urls(struct kube_config *kc, struct mcle_err *err)
{
	struct url_parts u;
	char *server = NULL;
	int n;

	if (split_url(kc->server, &u) < 0)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "invalid server URL '%s' of cluster '%s' in kubeconfig '%s'", kc->server,
		    kc->cluster_name ? kc->cluster_name : "", kc->source);
	if (kc->tls_server_name != NULL && !valid_hostname(kc->tls_server_name))
		return mcle_err_set(err, MCLE_ECONFIG,
		    "invalid tls-server-name '%s' of cluster '%s'", kc->tls_server_name,
		    kc->cluster_name ? kc->cluster_name : "");
	n = asprintf(&server, "%s://%.*s:%.*s%.*s", u.scheme, (int)u.host_len, u.host,
	    (int)u.port_len, u.port, (int)u.path_len, u.path);
	if (n < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (kc->tls_server_name == NULL || strcmp(u.scheme, "https") != 0)
		n = (kc->url = strdup(server)) != NULL ? 0 : -1;
	else if ((n = asprintf(&kc->url, "https://%s:%.*s%.*s", kc->tls_server_name,
	    (int)u.port_len, u.port, (int)u.path_len, u.path)) >= 0)
		n = asprintf(&kc->connect_to, "%s:%.*s:%.*s:%.*s", kc->tls_server_name,
		    (int)u.port_len, u.port, (int)u.host_len, u.host, (int)u.port_len, u.port);
	free(kc->server);	/* u pointed into it: replace it last */
	kc->server = server;
	if (n < 0) {
		kc->url = kc->connect_to = NULL;
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	return 0;
}

/* ==== cluster ============================================================ */

static int
reject_if_set(const struct kdoc *d, const struct ynode *m, const char *key,
	      const char *why, struct mcle_err *err)
{
	const struct ynode *n;

	if (map_find(d, m, key, &n, err) < 0)
		return -1;
	if (n != NULL && !(n->kind == Y_SCALAR && n->len == 0))
		return bad(d, n, err, "%s", why);
	return 0;
}

static int
parse_cluster(struct kube_config *kc, const struct kdoc *d, const struct ynode *m,
	      struct mcle_err *err)
{
	if (reject_if_set(d, m, "proxy-url",
	    "proxy-url is not supported (mcle connects to the server directly)", err) < 0 ||
	    get_str(d, m, "server", &kc->server, err) < 0 ||
	    get_path(d, m, "certificate-authority", &kc->ca_file, err) < 0 ||
	    get_data(d, m, "certificate-authority-data", &kc->ca_pem, &kc->ca_len, err) < 0 ||
	    get_bool(d, m, "insecure-skip-tls-verify", &kc->insecure, err) < 0 ||
	    get_str(d, m, "tls-server-name", &kc->tls_server_name, err) < 0)
		return -1;
	if (kc->server == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "cluster '%s' in kubeconfig '%s' has no server", kc->cluster_name, d->path);
	if (kc->ca_file != NULL && kc->ca_pem != NULL)
		return bad(d, m, err, "cluster '%s' sets both certificate-authority and "
		    "certificate-authority-data", kc->cluster_name);
	if (kc->insecure && (kc->ca_file != NULL || kc->ca_pem != NULL))
		return bad(d, m, err, "cluster '%s' sets insecure-skip-tls-verify and a "
		    "certificate authority", kc->cluster_name);
	if (kc->ca_file != NULL &&
	    check_readable(kc->ca_file, "certificate-authority", err) < 0)
		return -1;
	return build_urls(kc, err);
}

/* ==== exec plugin ======================================================== */

struct exec_tmp {
	struct kube_exec_spec spec;
	char *command;
	char **args;
	char **env;
	char *ca;		/* certificate-authority read for provideClusterInfo */
	size_t ca_len;
};

static void
exec_tmp_free(struct exec_tmp *t)
{
	size_t i;

	free(t->command);
	for (i = 0; t->args != NULL && t->args[i] != NULL; i++)
		free(t->args[i]);
	free(t->args);
	for (i = 0; t->env != NULL && t->env[i] != NULL; i++)
		wipe_str(&t->env[i]);
	free(t->env);
	wipe_free(t->ca, t->ca_len);
}

static int
exec_args(const struct kdoc *d, const struct ynode *m, struct exec_tmp *t,
	  struct mcle_err *err)
{
	const struct ynode *seq, *n;
	size_t i;

	if (get_node(d, m, "args", Y_SEQ, &seq, err) < 0)
		return -1;
	if (seq == NULL)
		return 0;
	if (seq->nkid > KUBE_EXEC_ARGS_MAX)
		return bad(d, seq, err, "more than %d exec args", KUBE_EXEC_ARGS_MAX);
	if ((t->args = calloc(seq->nkid + 1, sizeof(*t->args))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (i = 0; i < seq->nkid; i++) {
		n = seq->kid[i];
		if (n->kind != Y_SCALAR || strlen(n->text) != n->len)
			return bad(d, n, err, "exec args must be strings");
		if ((t->args[i] = strdup(n->text)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	return 0;
}

static int
exec_env_entry(const struct kdoc *d, const struct ynode *n, char **out,
	       struct mcle_err *err)
{
	const char *name, *value;

	if (n->kind != Y_MAP)
		return bad(d, n, err, "exec env entries must be mappings");
	if (get_cstr(d, n, "name", &name, err) < 0 ||
	    get_cstr(d, n, "value", &value, err) < 0)
		return -1;
	if (name == NULL || strchr(name, '=') != NULL)
		return bad(d, n, err, "an exec env entry needs a name without '='");
	if (asprintf(out, "%s=%s", name, value != NULL ? value : "") < 0) {
		*out = NULL;
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	return 0;
}

static int
exec_env(const struct kdoc *d, const struct ynode *m, struct exec_tmp *t,
	 struct mcle_err *err)
{
	const struct ynode *seq;
	size_t i;

	if (get_node(d, m, "env", Y_SEQ, &seq, err) < 0)
		return -1;
	if (seq == NULL)
		return 0;
	if (seq->nkid > KUBE_EXEC_ENV_MAX)
		return bad(d, seq, err, "more than %d exec env entries", KUBE_EXEC_ENV_MAX);
	if ((t->env = calloc(seq->nkid + 1, sizeof(*t->env))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (i = 0; i < seq->nkid; i++)
		if (exec_env_entry(d, seq->kid[i], &t->env[i], err) < 0)
			return -1;
	return 0;
}

static int
exec_mode(const struct kdoc *d, const struct ynode *m, const char *version,
	  struct mcle_err *err)
{
	const struct ynode *n;

	if (get_node(d, m, "interactiveMode", Y_SCALAR, &n, err) < 0)
		return -1;
	if (n == NULL && strcmp(version, KUBE_EXEC_V1) == 0)
		return bad(d, m, err, "exec interactiveMode must be set for %s", KUBE_EXEC_V1);
	if (n == NULL || strcmp(n->text, "Never") == 0 ||
	    strcmp(n->text, "IfAvailable") == 0)
		return 0;
	if (strcmp(n->text, "Always") == 0)
		return bad(d, n, err, "exec interactiveMode Always needs a terminal, "
		    "and mcle never runs a plugin interactively");
	return bad(d, n, err, "unknown exec interactiveMode '%.64s'", n->text);
}

static int
exec_command(const struct kdoc *d, const struct ynode *m, struct exec_tmp *t,
	     struct mcle_err *err)
{
	const char *cmd, *ver;

	if (get_cstr(d, m, "apiVersion", &ver, err) < 0 ||
	    get_cstr(d, m, "command", &cmd, err) < 0)
		return -1;
	if (ver == NULL || (strcmp(ver, KUBE_EXEC_V1) != 0 &&
	    strcmp(ver, KUBE_EXEC_V1BETA1) != 0))
		return bad(d, m, err, "exec apiVersion must be %s or %s", KUBE_EXEC_V1,
		    KUBE_EXEC_V1BETA1);
	if (cmd == NULL)
		return bad(d, m, err, "exec has no command");
	/* kubectl: a command with a '/' is relative to the kubeconfig's directory */
	t->command = strchr(cmd, '/') != NULL ? resolve(d->dir, cmd) : strdup(cmd);
	if (t->command == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	t->spec.api_version = ver;
	t->spec.command = t->command;
	return exec_mode(d, m, ver, err);
}

/* The cluster, for provideClusterInfo. */
static int
exec_cluster_info(const struct kube_config *kc, struct exec_tmp *t,
		  struct mcle_err *err)
{
	t->spec.server = kc->server;
	t->spec.tls_server_name = kc->tls_server_name;
	t->spec.insecure = kc->insecure;
	if (kc->ca_pem != NULL) {
		t->spec.ca_data = kc->ca_pem;
		t->spec.ca_len = kc->ca_len;
	} else if (kc->ca_file != NULL) {
		if (read_file(kc->ca_file, KUBE_CONFIG_FILE_MAX, "certificate-authority",
		    MCLE_ECONFIG, &t->ca, &t->ca_len, err) < 0)
			return -1;
		t->spec.ca_data = t->ca;
		t->spec.ca_len = t->ca_len;
	}
	return 0;
}

static int
parse_exec(struct kube_config *kc, const struct kdoc *d, const struct ynode *m,
	   struct mcle_err *err)
{
	struct exec_tmp t;
	const char *hint;
	int rc = -1;

	memset(&t, 0, sizeof(t));
	if (exec_command(d, m, &t, err) < 0 || exec_args(d, m, &t, err) < 0 ||
	    exec_env(d, m, &t, err) < 0 ||
	    get_cstr(d, m, "installHint", &hint, err) < 0 ||
	    get_bool(d, m, "provideClusterInfo", &t.spec.provide_cluster_info, err) < 0)
		goto cleanup;
	t.spec.args = (const char *const *)t.args;
	t.spec.env = (const char *const *)t.env;
	t.spec.install_hint = hint;
	if (t.spec.provide_cluster_info && exec_cluster_info(kc, &t, err) < 0)
		goto cleanup;
	if ((kc->exec = kube_exec_new(&t.spec, err)) != NULL)
		rc = 0;
cleanup:
	exec_tmp_free(&t);
	return rc;
}

/* ==== user =============================================================== */

static int
reject_unsupported_auth(const struct kdoc *d, const struct ynode *m,
			struct mcle_err *err)
{
	static const char *const imp[] = { "as", "as-uid", "as-groups", "as-user-extra" };
	size_t i;

	if (reject_if_set(d, m, "username", "username/password authentication is not "
	    "supported", err) < 0 ||
	    reject_if_set(d, m, "password", "username/password authentication is not "
	    "supported", err) < 0 ||
	    reject_if_set(d, m, "auth-provider", "auth-provider is not supported: use an "
	    "exec credential plugin (for GKE, gke-gcloud-auth-plugin)", err) < 0)
		return -1;
	for (i = 0; i < sizeof(imp) / sizeof(imp[0]); i++)
		if (reject_if_set(d, m, imp[i], "impersonation (as, as-uid, as-groups, "
		    "as-user-extra) is not supported", err) < 0)
			return -1;
	return 0;
}

static int
check_user(struct kube_config *kc, const struct kdoc *d, const struct ynode *m,
	   struct mcle_err *err)
{
	const char *u = kc->user_name;

	if (kc->cert_file != NULL && kc->cert_pem != NULL)
		return bad(d, m, err, "user '%s' sets both client-certificate and "
		    "client-certificate-data", u);
	if (kc->key_file != NULL && kc->key_pem != NULL)
		return bad(d, m, err, "user '%s' sets both client-key and client-key-data", u);
	if ((kc->cert_file != NULL || kc->cert_pem != NULL) !=
	    (kc->key_file != NULL || kc->key_pem != NULL))
		return bad(d, m, err, "user '%s' needs both a client certificate and a "
		    "client key", u);
	if (kc->exec != NULL && (kc->token != NULL || kc->token_file != NULL))
		return bad(d, m, err, "user '%s' sets both a token and an exec plugin: "
		    "only one authentication method is allowed", u);
	if (kc->token != NULL && !valid_bearer_token(kc->token))
		return bad(d, m, err, "the token of user '%s' has characters a header "
		    "cannot carry", u);
	if (kc->cert_file != NULL &&
	    check_readable(kc->cert_file, "client-certificate", err) < 0)
		return -1;
	if (kc->key_file != NULL && check_readable(kc->key_file, "client-key", err) < 0)
		return -1;
	return 0;
}

static int
parse_user(struct kube_config *kc, const struct kdoc *d, const struct ynode *m,
	   struct mcle_err *err)
{
	const struct ynode *ex;

	if (reject_unsupported_auth(d, m, err) < 0 ||
	    get_path(d, m, "client-certificate", &kc->cert_file, err) < 0 ||
	    get_data(d, m, "client-certificate-data", &kc->cert_pem, &kc->cert_len, err) < 0 ||
	    get_path(d, m, "client-key", &kc->key_file, err) < 0 ||
	    get_data(d, m, "client-key-data", &kc->key_pem, &kc->key_len, err) < 0 ||
	    get_str(d, m, "token", &kc->token, err) < 0 ||
	    get_path(d, m, "tokenFile", &kc->token_file, err) < 0 ||
	    get_node(d, m, "exec", Y_MAP, &ex, err) < 0)
		return -1;
	if (ex != NULL && parse_exec(kc, d, ex, err) < 0)
		return -1;
	return check_user(kc, d, m, err);
}

/* ==== the whole kubeconfig =============================================== */

static int
dup_into(char **dst, const char *src, struct mcle_err *err)
{
	if (src == NULL)
		return 0;
	if ((*dst = strdup(src)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* The context's cluster and user. */
static int
resolve_context(struct kube_config *kc, const struct kset *s, const struct kdoc *cd,
		const struct ynode *ctx, struct mcle_err *err)
{
	const struct kdoc *d = NULL;
	const struct ynode *body;
	const char *cluster, *user;
	char names[1024];
	int r;

	kset_names(s, names, sizeof(names));
	if (get_cstr(cd, ctx, "cluster", &cluster, err) < 0 ||
	    get_cstr(cd, ctx, "user", &user, err) < 0 ||
	    get_str(cd, ctx, "namespace", &kc->namespace, err) < 0)
		return -1;
	if (cluster == NULL)
		return mcle_err_set(err, MCLE_ECONFIG,
		    "context '%s' in kubeconfig '%s' names no cluster", kc->context, cd->path);
	if (dup_into(&kc->cluster_name, cluster, err) < 0 ||
	    dup_into(&kc->user_name, user, err) < 0)
		return -1;
	if ((r = lookup(s, "clusters", "cluster", cluster, &d, &body, err)) <= 0)
		return r < 0 ? -1 : mcle_err_set(err, MCLE_ECONFIG,
		    "cluster '%s' of context '%s' not found in kubeconfig '%s'", cluster,
		    kc->context, names);
	if (parse_cluster(kc, d, body, err) < 0)
		return -1;
	if (user == NULL)
		return 0;	/* anonymous */
	if ((r = lookup(s, "users", "user", user, &d, &body, err)) <= 0)
		return r < 0 ? -1 : mcle_err_set(err, MCLE_ECONFIG,
		    "user '%s' of context '%s' not found in kubeconfig '%s'", user,
		    kc->context, names);
	return parse_user(kc, d, body, err);
}

static int
from_kubeconfig(const struct kset *s, const char *name, struct kube_config *kc,
		struct mcle_err *err)
{
	const struct kdoc *cd = NULL;
	const struct ynode *ctx;
	char names[1024];
	int r;

	kset_names(s, names, sizeof(names));
	if (name == NULL && (name = current_context(s, err)) == NULL)
		return err->code != MCLE_OK ? -1 : mcle_err_set(err, MCLE_ECONFIG,
		    "kubeconfig '%s' has no current-context: pass --context", names);
	if ((r = lookup(s, "contexts", "context", name, &cd, &ctx, err)) <= 0)
		return r < 0 ? -1 : mcle_err_set(err, MCLE_ECONFIG,
		    "context '%s' not found in kubeconfig '%s'", name, names);
	if (dup_into(&kc->context, name, err) < 0 || dup_into(&kc->source, cd->path, err) < 0)
		return -1;
	log_debug("kubeconfig '%s', context '%s'", cd->path, name);
	return resolve_context(kc, s, cd, ctx, err);
}

/* ==== in-cluster ========================================================= */

static int
valid_service_host(const char *h)
{
	if (*h == '\0')
		return 0;
	for (; *h != '\0'; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		    (*h >= '0' && *h <= '9') || *h == '.' || *h == '-' || *h == ':'))
			return 0;
	return 1;
}

static int
in_cluster(struct kube_config *kc, const char *host, struct mcle_err *err)
{
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("MCLE_SERVICEACCOUNT_DIR");
	int v6 = strchr(host, ':') != NULL;

	if (dir == NULL || dir[0] == '\0')
		dir = KUBE_SA_DIR;
	if (!valid_service_host(host))
		return mcle_err_set(err, MCLE_ECONFIG,
		    "invalid KUBERNETES_SERVICE_HOST '%s'", host);
	if (port == NULL || !valid_port(port, strlen(port)))
		return mcle_err_set(err, MCLE_ECONFIG,
		    "KUBERNETES_SERVICE_HOST is set but KUBERNETES_SERVICE_PORT is %s",
		    port == NULL ? "not set" : "not a port number");
	kc->in_cluster = 1;
	if (dup_into(&kc->source, "in-cluster", err) < 0)
		return -1;
	if (asprintf(&kc->server, "https://%s%s%s:%s", v6 ? "[" : "", host,
	    v6 ? "]" : "", port) < 0 || (kc->url = strdup(kc->server)) == NULL ||
	    asprintf(&kc->ca_file, "%s/ca.crt", dir) < 0 ||
	    asprintf(&kc->token_file, "%s/token", dir) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	log_debug("in-cluster configuration: %s", kc->server);
	return check_readable(kc->ca_file, "in-cluster certificate authority", err);
}

/* ==== public ============================================================= */

/* A load's set of files and configuration: 0, or -1 when out of memory. */
static int
load_begin(struct kset **s, struct kube_config **kc, struct mcle_err *err)
{
	*kc = NULL;
	if ((*s = calloc(1, sizeof(**s))) == NULL || (*kc = calloc(1, sizeof(**kc))) == NULL) {
		free(*s);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	return 0;
}

/* Its end: the files freed, the configuration handed out if rc is 0. */
static int
load_end(struct kset *s, struct kube_config *kc, int rc, struct kube_config **out)
{
	kset_free(s);
	free(s);
	if (rc == 0)
		*out = kc;
	else
		kube_config_free(kc);
	return rc;
}

int
kube_config_parse(const char *path, const char *buf, size_t len, const char *context,
		  struct kube_config **out, struct mcle_err *err)
{
	struct kset *s;
	struct kube_config *kc;
	int rc;

	*out = NULL;
	if (len > KUBE_CONFIG_FILE_MAX)
		return mcle_err_set(err, MCLE_ECONFIG, "kubeconfig '%s' is larger than 1 MiB", path);
	if (load_begin(&s, &kc, err) < 0)
		return -1;
	if ((rc = doc_from_buf(s, path, buf, len, err)) == 0)
		rc = from_kubeconfig(s, context, kc, err);
	return load_end(s, kc, rc, out);
}

int
kube_config_load(const struct kube_config_opts *o, struct kube_config **out,
		 struct mcle_err *err)
{
	struct kset *s;
	struct kube_config *kc;
	const char *host;
	int rc;

	*out = NULL;
	if (load_begin(&s, &kc, err) < 0)
		return -1;
	if ((rc = pick_files(o, s, err)) == 0)
		rc = from_kubeconfig(s, o->context, kc, err);
	else if (rc == 1 && o->context != NULL)
		rc = mcle_err_set(err, MCLE_ECONFIG,
		    "context '%s' was given, but there is no kubeconfig", o->context);
	else if (rc == 1 && (host = getenv("KUBERNETES_SERVICE_HOST")) != NULL &&
	    host[0] != '\0')
		rc = in_cluster(kc, host, err);
	return load_end(s, kc, rc, out);
}

void
kube_config_free(struct kube_config *kc)
{
	if (kc == NULL)
		return;
	free(kc->server);
	free(kc->url);
	free(kc->connect_to);
	free(kc->tls_server_name);
	free(kc->ca_file);
	wipe_free(kc->ca_pem, kc->ca_len);
	free(kc->cert_file);
	wipe_free(kc->cert_pem, kc->cert_len);
	free(kc->key_file);
	wipe_free(kc->key_pem, kc->key_len);
	wipe_str(&kc->token);
	free(kc->token_file);
	kube_exec_free(kc->exec);
	free(kc->namespace);
	free(kc->source);
	free(kc->context);
	free(kc->cluster_name);
	free(kc->user_name);
	free(kc);
}
