/* jsonpath.c - kubectl's JSONPath templates, the subset people write. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"

enum step_kind { S_FIELD, S_ANY, S_RECURSE, S_INDEX, S_SLICE, S_FILTER };
enum filter_op { F_TRUTHY, F_EQ, F_NE, F_LT, F_LE, F_GT, F_GE };

struct jp_path;

struct jp_filter {
	struct jp_path *lhs;		/* relative to the element (@) */
	enum filter_op op;
	json_object *rhs;		/* a literal (NULL: JSON null) */
};

struct jp_step {
	enum step_kind kind;
	char *name;			/* S_FIELD, S_RECURSE (NULL: any) */
	int64_t a, b, by;		/* S_INDEX: a; S_SLICE: a:b:by */
	int has_a, has_b;
	struct jp_filter filter;	/* S_FILTER */
};

struct jp_path {
	int from_root;			/* $ */
	size_t n;
	struct jp_step steps[JSONPATH_STEPS_MAX];
};

enum node_kind { N_TEXT, N_PATH, N_RANGE, N_END };

struct jp_node {
	enum node_kind kind;
	char *text;			/* N_TEXT: what to print */
	struct jp_path *path;		/* N_PATH, N_RANGE */
	size_t end;			/* N_RANGE: the index of its {end} */
};

struct jsonpath {
	size_t n;
	struct jp_node nodes[JSONPATH_NODES_MAX];
};

/* --- parsing ---------------------------------------------------------------- */

struct parser {
	const char *s, *p;
	char *why;
	size_t whylen;
	int depth;
};

static int
perr(struct parser *ps, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(ps->why, ps->whylen, "%s at position %zu", msg, (size_t)(ps->p - ps->s) + 1);
	return -1;
}

static void
skip_space(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

static int
name_char(char c)
{
	return c != '\0' && !isspace((unsigned char)c) &&
	       strchr(".[]{}()'\",=!<>@$*:?\\", c) == NULL;
}

/* 'text' or "text" with \n \t \r \\ \' \" escapes: a new string. */
static char *
parse_quoted(struct parser *ps)
{
	char q = *ps->p++, *out, *o;

	if ((out = o = malloc(strlen(ps->p) + 1)) == NULL) {
		perr(ps, "out of memory");
		return NULL;
	}
	for (; *ps->p != q; ps->p++) {
		char c = *ps->p;

		if (c == '\0') {
			free(out);
			perr(ps, "unterminated string");
			return NULL;
		}
		if (c == '\\') {
			c = *++ps->p;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
			if (c == '\0' || strchr("\n\t\r\\'\"", c) == NULL) {
				free(out);
				perr(ps, "unknown escape in a string");
				return NULL;
			}
		}
		*o++ = c;
	}
	ps->p++;
	*o = '\0';
	return out;
}

/* An optionally signed integer; 0, or -1 if there is none. */
static int
parse_int64(struct parser *ps, int64_t *v)
{
	char *end;

	if (!(isdigit((unsigned char)*ps->p) || (*ps->p == '-' && isdigit((unsigned char)ps->p[1]))))
		return -1;
	errno = 0;
	*v = strtoll(ps->p, &end, 10);
	if (errno != 0)
		return perr(ps, "number out of range");
	ps->p = end;
	return 0;
}

static struct jp_path *parse_path(struct parser *ps);
static void path_free(struct jp_path *p);

/* A filter's literal: 'x', "x", a number, true, false or null. */
static int
parse_literal(struct parser *ps, json_object **out)
{
	char *s, *end;
	double d;
	int64_t i;

	*out = NULL;
	if (*ps->p == '\'' || *ps->p == '"') {
		if ((s = parse_quoted(ps)) == NULL)
			return -1;
		*out = json_object_new_string(s);
		free(s);
		return *out != NULL ? 0 : perr(ps, "out of memory");
	}
	if (strncmp(ps->p, "true", 4) == 0 || strncmp(ps->p, "false", 5) == 0) {
		*out = json_object_new_boolean(*ps->p == 't');
		ps->p += *ps->p == 't' ? 4 : 5;
		return *out != NULL ? 0 : perr(ps, "out of memory");
	}
	if (strncmp(ps->p, "null", 4) == 0) {
		ps->p += 4;
		return 0;
	}
	errno = 0;
	d = strtod(ps->p, &end);
	if (end == ps->p || errno != 0)
		return perr(ps, "expected a string, a number, true, false or null");
	if (parse_int64(ps, &i) == 0 && ps->p == end)
		*out = json_object_new_int64(i);
	else
		*out = json_object_new_double(d);
	ps->p = end;
	return *out != NULL ? 0 : perr(ps, "out of memory");
}

/* "?(@.path OP literal)" or "?(@.path)", after the '['. */
static int
parse_filter(struct parser *ps, struct jp_filter *f)
{
	static const struct { const char *s; enum filter_op op; } ops[] = {
		{ "==", F_EQ }, { "!=", F_NE }, { "<=", F_LE }, { ">=", F_GE },
		{ "<", F_LT }, { ">", F_GT },
	};
	size_t i;

	ps->p += 2;	/* "?(" */
	skip_space(ps);
	if (*ps->p != '@')
		return perr(ps, "a filter starts with '@'");
	if (++ps->depth > JSONPATH_NEST_MAX)
		return perr(ps, "filters nested too deep");
	f->lhs = parse_path(ps);
	ps->depth--;
	if (f->lhs == NULL)
		return -1;
	skip_space(ps);
	f->op = F_TRUTHY;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strncmp(ps->p, ops[i].s, strlen(ops[i].s)) == 0) {
			f->op = ops[i].op;
			ps->p += strlen(ops[i].s);
			skip_space(ps);
			if (parse_literal(ps, &f->rhs) < 0)
				return -1;
			skip_space(ps);
			break;
		}
	}
	if (*ps->p != ')')
		return perr(ps, "expected ')' to close the filter");
	ps->p++;
	return 0;
}

/* [*], [N], [A:B], [A:B:S], ['name'], [?(...)]: after the '['. */
static int
parse_bracket(struct parser *ps, struct jp_step *st)
{
	skip_space(ps);
	if (*ps->p == '*') {
		st->kind = S_ANY;
		ps->p++;
	} else if (*ps->p == '\'' || *ps->p == '"') {
		st->kind = S_FIELD;
		if ((st->name = parse_quoted(ps)) == NULL)
			return -1;
	} else if (ps->p[0] == '?' && ps->p[1] == '(') {
		st->kind = S_FILTER;
		if (parse_filter(ps, &st->filter) < 0)
			return -1;
	} else {
		st->kind = S_INDEX;
		st->has_a = parse_int64(ps, &st->a) == 0;
		if (*ps->p == ':') {
			st->kind = S_SLICE;
			ps->p++;
			st->has_b = parse_int64(ps, &st->b) == 0;
			st->by = 1;
			if (*ps->p == ':' && (ps->p++, parse_int64(ps, &st->by) < 0 || st->by <= 0))
				return perr(ps, "expected a positive step");
		} else if (!st->has_a) {
			return perr(ps, "expected *, an index, a slice, a quoted name or a filter");
		}
	}
	skip_space(ps);
	if (*ps->p != ']')
		return perr(ps, "expected ']'");
	ps->p++;
	return 0;
}

/* .name, .*, ..name, ..*, [...]: one step. */
static int
parse_step(struct parser *ps, struct jp_step *st)
{
	const char *start;

	memset(st, 0, sizeof(*st));
	if (*ps->p == '[') {
		ps->p++;
		return parse_bracket(ps, st);
	}
	ps->p++;	/* '.' */
	st->kind = S_FIELD;
	if (*ps->p == '.') {
		ps->p++;
		st->kind = S_RECURSE;
	}
	if (*ps->p == '*') {
		ps->p++;
		if (st->kind == S_FIELD)
			st->kind = S_ANY;
		return 0;
	}
	if (*ps->p == '[' && st->kind == S_FIELD)
		return parse_step(ps, st);	/* ".[0]" as "[0]" */
	for (start = ps->p; name_char(*ps->p) || (*ps->p == '\\' && ps->p[1] == '.'); ps->p++)
		if (*ps->p == '\\')
			ps->p++;
	if (ps->p == start)
		return st->kind == S_FIELD && (*ps->p == '}' || *ps->p == ' ' || *ps->p == ')' ||
					       *ps->p == '\0') ? 1 : perr(ps, "expected a field name");
	if ((st->name = malloc((size_t)(ps->p - start) + 1)) == NULL)
		return perr(ps, "out of memory");
	{
		char *o = st->name;

		for (; start < ps->p; start++)	/* "a\.b" is the key "a.b" */
			if (!(*start == '\\' && start[1] == '.'))
				*o++ = *start;
		*o = '\0';
	}
	return 0;
}

static struct jp_path *
parse_path(struct parser *ps)
{
	struct jp_path *p = calloc(1, sizeof(*p));
	int rc;

	if (p == NULL) {
		perr(ps, "out of memory");
		return NULL;
	}
	if (*ps->p == '$' || *ps->p == '@')
		p->from_root = *ps->p++ == '$';
	while (*ps->p == '.' || *ps->p == '[') {
		if (p->n == JSONPATH_STEPS_MAX) {
			perr(ps, "more than %d steps", JSONPATH_STEPS_MAX);
			goto fail;
		}
		if ((rc = parse_step(ps, &p->steps[p->n])) < 0)
			goto fail;
		if (rc == 0)
			p->n++;	/* rc 1: a lone "." is the current value */
	}
	return p;
fail:
	path_free(p);
	return NULL;
}

static int
add_node(struct jsonpath *jp, struct parser *ps, enum node_kind kind, char *text,
	 struct jp_path *path)
{
	if (jp->n == JSONPATH_NODES_MAX) {
		free(text);
		path_free(path);
		return perr(ps, "more than %d pieces", JSONPATH_NODES_MAX);
	}
	memset(&jp->nodes[jp->n], 0, sizeof(jp->nodes[0]));
	jp->nodes[jp->n].kind = kind;
	jp->nodes[jp->n].text = text;
	jp->nodes[jp->n].path = path;
	jp->n++;
	return 0;
}

static int
is_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	return strncmp(ps->p, w, n) == 0 && !name_char(ps->p[n]);
}

/* The inside of one {...}; stack holds the open {range}s. */
static int
parse_action(struct jsonpath *jp, struct parser *ps, size_t *stack, int *depth)
{
	struct jp_path *path;
	char *text;

	skip_space(ps);
	if (is_word(ps, "end")) {
		ps->p += 3;
		if (*depth == 0)
			return perr(ps, "{end} without {range}");
		jp->nodes[stack[--*depth]].end = jp->n;
		return add_node(jp, ps, N_END, NULL, NULL);
	}
	if (*ps->p == '"' || *ps->p == '\'')
		return (text = parse_quoted(ps)) == NULL ? -1 : add_node(jp, ps, N_TEXT, text, NULL);
	if (is_word(ps, "range")) {
		ps->p += 5;
		skip_space(ps);
		if (*depth == JSONPATH_NEST_MAX)
			return perr(ps, "{range} nested too deep");
		stack[(*depth)++] = jp->n;
		return (path = parse_path(ps)) == NULL ? -1 : add_node(jp, ps, N_RANGE, NULL, path);
	}
	if (strchr("$@.[", *ps->p) == NULL || *ps->p == '\0')
		return perr(ps, "expected a path such as .field, [0], range, end or a quoted string");
	return (path = parse_path(ps)) == NULL ? -1 : add_node(jp, ps, N_PATH, NULL, path);
}

static int
parse_template(struct jsonpath *jp, struct parser *ps)
{
	size_t stack[JSONPATH_NEST_MAX];
	const char *start;
	int depth = 0;
	char *text;

	while (*ps->p != '\0') {
		if (*ps->p != '{') {
			for (start = ps->p; *ps->p != '\0' && *ps->p != '{'; ps->p++)
				;
			if ((text = strndup(start, (size_t)(ps->p - start))) == NULL)
				return perr(ps, "out of memory");
			if (add_node(jp, ps, N_TEXT, text, NULL) < 0)
				return -1;
			continue;
		}
		ps->p++;
		if (parse_action(jp, ps, stack, &depth) < 0)
			return -1;
		skip_space(ps);
		if (*ps->p != '}')
			return perr(ps, *ps->p == '\0' ? "unclosed '{'" : "unexpected '%c'", *ps->p);
		ps->p++;
	}
	if (depth > 0)
		return perr(ps, "{range} without {end}");
	return 0;
}

struct jsonpath *
jsonpath_parse(const char *tmpl, char *why, size_t whylen)
{
	struct parser ps = { tmpl, tmpl, why, whylen, 0 };
	struct jsonpath *jp;

	if (strlen(tmpl) > JSONPATH_TEMPLATE_MAX) {
		snprintf(why, whylen, "a template longer than %d bytes", JSONPATH_TEMPLATE_MAX);
		return NULL;
	}
	if ((jp = calloc(1, sizeof(*jp))) == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (parse_template(jp, &ps) < 0) {
		jsonpath_free(jp);
		return NULL;
	}
	return jp;
}

static void
path_free(struct jp_path *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < JSONPATH_STEPS_MAX; i++) {
		free(p->steps[i].name);
		path_free(p->steps[i].filter.lhs);
		json_object_put(p->steps[i].filter.rhs);
	}
	free(p);
}

void
jsonpath_free(struct jsonpath *jp)
{
	size_t i;

	if (jp == NULL)
		return;
	for (i = 0; i < jp->n; i++) {
		free(jp->nodes[i].text);
		path_free(jp->nodes[i].path);
	}
	free(jp);
}

/* --- running ---------------------------------------------------------------- */

struct exec {
	const struct jsonpath_root *root;
	json_object *all;		/* the on-demand root, made whole when a step needs it */
	int have_all;
	FILE *out;
	char *why;
	size_t whylen;
};

/* Called for each result; v is borrowed (NULL: JSON null). */
typedef int (*emit_fn)(struct exec *x, json_object *v, void *arg);

static int eval(struct exec *x, const struct jp_path *p, size_t k, json_object *node,
		int vroot, emit_fn fn, void *arg);

static int
xerr(struct exec *x, const char *msg)
{
	snprintf(x->why, x->whylen, "%s", msg);
	return -1;
}

/* The on-demand root as one array (for {$}, {..x}): built once. */
static int
whole_root(struct exec *x, json_object **out)
{
	json_object *e;
	size_t i;

	if (!x->have_all) {
		if ((x->all = json_object_new_array()) == NULL)
			return xerr(x, "out of memory");
		x->have_all = 1;
		for (i = 0; i < x->root->n; i++) {
			if ((e = x->root->get(x->root->arg, i)) == NULL ||
			    json_object_array_add(x->all, e) != 0) {
				json_object_put(e);
				return xerr(x, "out of memory");
			}
		}
	}
	*out = x->all;
	return 0;
}

/* Element i of the current array: node's, or made by the on-demand root. */
static int
elem(struct exec *x, json_object *node, int vroot, size_t i, const struct jp_path *p, size_t k,
     emit_fn fn, void *arg)
{
	json_object *e;
	int rc;

	if (!vroot)
		return eval(x, p, k, json_object_array_get_idx(node, i), 0, fn, arg);
	if ((e = x->root->get(x->root->arg, i)) == NULL)
		return xerr(x, "out of memory");
	rc = eval(x, p, k, e, 0, fn, arg);
	json_object_put(e);
	return rc;
}

static int64_t
clamp(int64_t v, int64_t n)
{
	if (v < 0)
		v += n;
	return v < 0 ? 0 : v > n ? n : v;
}

/* [a:b:by] as Python slices it. */
static int
slice(struct exec *x, const struct jp_step *st, json_object *node, int vroot, size_t n,
      const struct jp_path *p, size_t k, emit_fn fn, void *arg)
{
	int64_t a = st->has_a ? clamp(st->a, (int64_t)n) : 0;
	int64_t b = st->has_b ? clamp(st->b, (int64_t)n) : (int64_t)n, i;

	for (i = a; i < b; i += st->by)
		if (elem(x, node, vroot, (size_t)i, p, k, fn, arg) < 0)
			return -1;
	return 0;
}

struct first {
	int found;
	json_object *v;
};

static int
take_first(struct exec *x, json_object *v, void *arg)
{
	struct first *f = arg;

	(void)x;
	if (!f->found) {
		f->found = 1;
		f->v = v;
	}
	return 0;
}

static int
compare(json_object *a, json_object *b, int *cmp)
{
	enum json_type ta = json_object_get_type(a), tb = json_object_get_type(b);

	if ((ta == json_type_int || ta == json_type_double) &&
	    (tb == json_type_int || tb == json_type_double)) {
		double da = json_object_get_double(a), db = json_object_get_double(b);

		if (ta == json_type_int && tb == json_type_int) {
			int64_t ia = json_object_get_int64(a), ib = json_object_get_int64(b);

			*cmp = (ia > ib) - (ia < ib);
		} else {
			*cmp = (da > db) - (da < db);
		}
		return 0;
	}
	if (ta != tb)
		return -1;
	if (ta == json_type_string)
		*cmp = strcmp(json_object_get_string(a), json_object_get_string(b));
	else if (ta == json_type_boolean)
		*cmp = json_object_get_boolean(a) - json_object_get_boolean(b);
	else if (ta == json_type_null)
		*cmp = 0;
	else
		return -1;
	return 0;
}

static int
filter_match(struct exec *x, const struct jp_filter *f, json_object *e, int *match)
{
	struct first got = { 0, NULL };
	int cmp;

	if (eval(x, f->lhs, 0, e, 0, take_first, &got) < 0)
		return -1;
	if (f->op == F_TRUTHY) {
		*match = got.found && got.v != NULL &&
			 !(json_object_is_type(got.v, json_type_boolean) &&
			   !json_object_get_boolean(got.v));
		return 0;
	}
	if (!got.found || compare(got.v, f->rhs, &cmp) < 0) {
		*match = f->op == F_NE && got.found;
		return 0;
	}
	switch (f->op) {
	case F_EQ: *match = cmp == 0; break;
	case F_NE: *match = cmp != 0; break;
	case F_LT: *match = cmp < 0; break;
	case F_LE: *match = cmp <= 0; break;
	case F_GT: *match = cmp > 0; break;
	default: *match = cmp >= 0; break;
	}
	return 0;
}

static int
filter(struct exec *x, const struct jp_step *st, json_object *node, int vroot, size_t n,
       const struct jp_path *p, size_t k, emit_fn fn, void *arg)
{
	json_object *e;
	size_t i;
	int match, rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		e = vroot ? x->root->get(x->root->arg, i) : json_object_array_get_idx(node, i);
		if (vroot && e == NULL)
			return xerr(x, "out of memory");
		rc = filter_match(x, &st->filter, e, &match);
		if (rc == 0 && match)
			rc = eval(x, p, k + 1, e, 0, fn, arg);
		if (vroot)
			json_object_put(e);
	}
	return rc;
}

/* ..name / ..*: node and everything below it. */
static int
descend(struct exec *x, const struct jp_step *st, json_object *node, const struct jp_path *p,
	size_t k, emit_fn fn, void *arg)
{
	size_t i, n;
	json_object *v;

	if (json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, key, val) {
			if ((st->name == NULL || strcmp(key, st->name) == 0) &&
			    eval(x, p, k + 1, val, 0, fn, arg) < 0)
				return -1;
			if (descend(x, st, val, p, k, fn, arg) < 0)
				return -1;
		}
	} else if (json_object_is_type(node, json_type_array)) {
		n = json_object_array_length(node);
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(node, i);
			if ((st->name == NULL && eval(x, p, k + 1, v, 0, fn, arg) < 0) ||
			    descend(x, st, v, p, k, fn, arg) < 0)
				return -1;
		}
	}
	return 0;
}

/* [*] / .*: every element or member value. */
static int
every(struct exec *x, json_object *node, int vroot, size_t n, const struct jp_path *p, size_t k,
      emit_fn fn, void *arg)
{
	size_t i;

	if (!vroot && json_object_is_type(node, json_type_object)) {
		json_object_object_foreach(node, key, val) {
			(void)key;
			if (eval(x, p, k + 1, val, 0, fn, arg) < 0)
				return -1;
		}
		return 0;
	}
	for (i = 0; i < n; i++)
		if (elem(x, node, vroot, i, p, k + 1, fn, arg) < 0)
			return -1;
	return 0;
}

/* Steps k.. of p from node (vroot: the on-demand root array); fn for each result. */
static int
eval(struct exec *x, const struct jp_path *p, size_t k, json_object *node, int vroot,
     emit_fn fn, void *arg)
{
	const struct jp_step *st = &p->steps[k];
	int is_array = vroot || json_object_is_type(node, json_type_array);
	size_t n = vroot ? x->root->n : is_array ? json_object_array_length(node) : 0;
	json_object *v;
	int64_t i;

	if (vroot && (k == p->n || st->kind == S_RECURSE)) {
		if (whole_root(x, &node) < 0)
			return -1;
		vroot = 0;
	}
	if (k == p->n)
		return fn(x, node, arg);
	switch (st->kind) {
	case S_FIELD:
		if (json_object_is_type(node, json_type_object) && !vroot &&
		    json_object_object_get_ex(node, st->name, &v))
			return eval(x, p, k + 1, v, 0, fn, arg);
		return 0;
	case S_ANY:
		return every(x, node, vroot, n, p, k, fn, arg);
	case S_RECURSE:
		return descend(x, st, node, p, k, fn, arg);
	case S_INDEX:
		i = st->a < 0 ? st->a + (int64_t)n : st->a;
		if (!is_array || i < 0 || i >= (int64_t)n)
			return 0;
		return elem(x, node, vroot, (size_t)i, p, k + 1, fn, arg);
	case S_SLICE:
		return is_array ? slice(x, st, node, vroot, n, p, k + 1, fn, arg) : 0;
	case S_FILTER:
		return is_array ? filter(x, st, node, vroot, n, p, k, fn, arg) : 0;
	}
	return 0;
}

struct print_ctx {
	int first;
};

static int
print_value(struct exec *x, json_object *v, void *arg)
{
	struct print_ctx *pc = arg;

	if (!pc->first)
		fputc(' ', x->out);
	pc->first = 0;
	if (v == NULL)
		fputs("null", x->out);
	else if (json_object_is_type(v, json_type_string))
		fputs(json_object_get_string(v), x->out);
	else
		fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE), x->out);
	return ferror(x->out) ? xerr(x, "cannot write") : 0;
}

static int run_nodes(struct exec *x, const struct jsonpath *jp, size_t from, size_t to,
		     json_object *cur, int vroot);

struct range_ctx {
	const struct jsonpath *jp;
	size_t from, to;
};

static int
range_body(struct exec *x, json_object *v, void *arg)
{
	const struct range_ctx *rc = arg;
	size_t i, n;

	if (!json_object_is_type(v, json_type_array))
		return run_nodes(x, rc->jp, rc->from, rc->to, v, 0);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++)
		if (run_nodes(x, rc->jp, rc->from, rc->to, json_object_array_get_idx(v, i), 0) < 0)
			return -1;
	return 0;
}

/* "range PATH[*]": the body once per result, as each is made. */
static int
range_each(struct exec *x, json_object *v, void *arg)
{
	const struct range_ctx *rc = arg;

	return run_nodes(x, rc->jp, rc->from, rc->to, v, 0);
}

/* {range PATH}: the body once per element (per result for PATH[*]). */
static int
run_range(struct exec *x, const struct jsonpath *jp, size_t i, json_object *cur, int vroot)
{
	const struct jp_node *nd = &jp->nodes[i];
	struct range_ctx rc = { jp, i + 1, nd->end };
	const struct jp_path *p = nd->path;
	json_object *start = p->from_root ? x->root->value : cur;
	int sv = p->from_root ? x->root->get != NULL : vroot;

	if (p->n > 0 && p->steps[p->n - 1].kind == S_ANY)
		return eval(x, p, 0, start, sv, range_each, &rc);
	return eval(x, p, 0, start, sv, range_body, &rc);
}

static int
run_nodes(struct exec *x, const struct jsonpath *jp, size_t from, size_t to, json_object *cur,
	  int vroot)
{
	const struct jp_node *nd;
	struct print_ctx pc;
	size_t i;

	for (i = from; i < to; i++) {
		nd = &jp->nodes[i];
		switch (nd->kind) {
		case N_TEXT:
			fputs(nd->text, x->out);
			break;
		case N_PATH:
			pc.first = 1;
			if (eval(x, nd->path, 0, nd->path->from_root ? x->root->value : cur,
				 nd->path->from_root ? x->root->get != NULL : vroot,
				 print_value, &pc) < 0)
				return -1;
			break;
		case N_RANGE:
			if (run_range(x, jp, i, cur, vroot) < 0)
				return -1;
			i = nd->end;
			break;
		case N_END:
			break;
		}
		if (ferror(x->out))
			return xerr(x, "cannot write");
	}
	return 0;
}

int
jsonpath_execute(const struct jsonpath *jp, const struct jsonpath_root *root, FILE *out,
		 char *why, size_t whylen)
{
	struct exec x = { root, NULL, 0, out, why, whylen };
	int rc;

	rc = run_nodes(&x, jp, 0, jp->n, root->value, root->get != NULL);
	json_object_put(x.all);
	return rc;
}
