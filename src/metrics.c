/* metrics.c - the metrics registry and its Prometheus text form. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "vec.h"

#define FAMILIES_MAX 64

struct sample {
	char *l[METRIC_LABELS_MAX];
	double v;
};

struct metric {
	const char *name, *help;
	enum metric_type type;
	const char *label[METRIC_LABELS_MAX];
	struct vec samples;		/* struct sample */
	/* a histogram: */
	double bounds[METRIC_BUCKETS_MAX];
	unsigned long long counts[METRIC_BUCKETS_MAX + 1];	/* per bucket, not cumulative */
	size_t nbounds;
	double sum;
};

struct metrics {
	struct metric *fam[FAMILIES_MAX];
	size_t n;
};

/* A growable text buffer. */
struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

struct metrics *
metrics_new(void)
{
	return calloc(1, sizeof(struct metrics));
}

static void
sample_free(struct sample *s)
{
	size_t i;

	for (i = 0; i < METRIC_LABELS_MAX; i++)
		free(s->l[i]);
}

void
metric_clear(struct metric *f)
{
	size_t i;

	for (i = 0; i < f->samples.n; i++)
		sample_free(vec_at(&f->samples, i));
	vec_free(&f->samples);
}

void
metrics_free(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		metric_clear(m->fam[i]);
		free(m->fam[i]);
	}
	free(m);
}

struct metric *
metrics_family(struct metrics *m, const char *name, enum metric_type type, const char *help,
	       const char *l1, const char *l2)
{
	struct vec init = VEC_INIT(struct sample, METRIC_SAMPLES_MAX);
	struct metric *f;

	if (m->n >= FAMILIES_MAX || (f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	f->name = name;
	f->help = help;
	f->type = type;
	f->label[0] = l1;
	f->label[1] = l2;
	f->samples = init;
	m->fam[m->n++] = f;
	return f;
}

struct metric *
metrics_histogram(struct metrics *m, const char *name, const char *help, const double *bounds,
		  size_t n)
{
	struct metric *f;

	if (n > METRIC_BUCKETS_MAX ||
	    (f = metrics_family(m, name, METRIC_HISTOGRAM, help, NULL, NULL)) == NULL)
		return NULL;
	memcpy(f->bounds, bounds, n * sizeof(*bounds));
	f->nbounds = n;
	return f;
}

static int
same(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static struct sample *
find(struct metric *f, const char *l1, const char *l2)
{
	struct sample *s;
	size_t i;

	for (i = 0; i < f->samples.n; i++) {
		s = vec_at(&f->samples, i);
		if (same(s->l[0], l1) && same(s->l[1], l2))
			return s;
	}
	return NULL;
}

static struct sample *
append(struct metric *f, const char *l1, const char *l2)
{
	struct sample *s = vec_add(&f->samples);

	if (s == NULL)
		return NULL;
	s->l[0] = l1 != NULL ? strdup(l1) : NULL;
	s->l[1] = l2 != NULL ? strdup(l2) : NULL;
	if ((l1 != NULL && s->l[0] == NULL) || (l2 != NULL && s->l[1] == NULL)) {
		sample_free(s);
		f->samples.n--;
		return NULL;
	}
	return s;
}

int
metric_append(struct metric *f, double v, const char *l1, const char *l2)
{
	struct sample *s = append(f, l1, l2);

	if (s == NULL)
		return -1;
	s->v = v;
	return 0;
}

int
metric_set(struct metric *f, double v, const char *l1, const char *l2)
{
	struct sample *s = find(f, l1, l2);

	if (s == NULL && (s = append(f, l1, l2)) == NULL)
		return -1;
	s->v = v;
	return 0;
}

int
metric_add(struct metric *f, double v, const char *l1, const char *l2)
{
	struct sample *s = find(f, l1, l2);

	if (s == NULL && (s = append(f, l1, l2)) == NULL)
		return -1;
	s->v += v;
	return 0;
}

void
metric_observe(struct metric *h, double v)
{
	size_t i;

	for (i = 0; i < h->nbounds && v > h->bounds[i]; i++)
		;
	h->counts[i]++;
	h->sum += v;
}

/* --- rendering ---------------------------------------------------------------- */

static void
sb_grow(struct sbuf *b, size_t need)
{
	size_t cap = b->cap < 4096 ? 4096 : b->cap;
	char *p;

	while (cap < b->len + need + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = 1;
		return;
	}
	b->p = p;
	b->cap = cap;
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (b->len + (size_t)n + 1 > b->cap && (sb_grow(b, (size_t)n), b->failed)))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* A label value: backslash, double quote and newline escaped. */
static void
sb_label_value(struct sbuf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			sb_printf(b, "\\%c", *s);
		else if (*s == '\n')
			sb_printf(b, "\\n");
		else
			sb_printf(b, "%c", *s);
	}
}

/* 1 if 15 significant digits give v back exactly (0.05, not 0.050000000000000003). */
static int
shortest(double v)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.15g", v);
	return strtod(buf, NULL) == v;
}

static void
sb_value(struct sbuf *b, double v)
{
	if (isinf(v))
		sb_printf(b, v > 0 ? "+Inf" : "-Inf");
	else if (isnan(v))
		sb_printf(b, "NaN");
	else if (v > -1e15 && v < 1e15 && v == (double)(long long)v)
		sb_printf(b, "%.0f", v);
	else
		sb_printf(b, shortest(v) ? "%.15g" : "%.17g", v);
}

static void
render_sample(struct sbuf *b, const struct metric *f, const struct sample *s)
{
	size_t i, shown = 0;

	sb_printf(b, "%s", f->name);
	for (i = 0; i < METRIC_LABELS_MAX; i++) {
		if (f->label[i] == NULL || s->l[i] == NULL)
			continue;
		sb_printf(b, "%s%s=\"", shown++ ? "," : "{", f->label[i]);
		sb_label_value(b, s->l[i]);
		sb_printf(b, "\"");
	}
	sb_printf(b, "%s ", shown ? "}" : "");
	sb_value(b, s->v);
	sb_printf(b, "\n");
}

static void
render_histogram(struct sbuf *b, const struct metric *f)
{
	unsigned long long total = 0;
	size_t i;

	for (i = 0; i <= f->nbounds; i++) {
		total += f->counts[i];
		sb_printf(b, "%s_bucket{le=\"", f->name);
		if (i < f->nbounds)
			sb_value(b, f->bounds[i]);
		else
			sb_printf(b, "+Inf");
		sb_printf(b, "\"} %llu\n", total);
	}
	sb_printf(b, "%s_sum ", f->name);
	sb_value(b, f->sum);
	sb_printf(b, "\n%s_count %llu\n", f->name, total);
}

static const char *
type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : t == METRIC_GAUGE ? "gauge" : "histogram";
}

char *
metrics_render(const struct metrics *m, size_t *len)
{
	struct sbuf b = { NULL, 0, 0, 0 };
	const struct metric *f;
	size_t i, j;

	for (i = 0; i < m->n; i++) {
		f = m->fam[i];
		sb_printf(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
			  type_name(f->type));
		if (f->type == METRIC_HISTOGRAM)
			render_histogram(&b, f);
		for (j = 0; j < f->samples.n; j++)
			render_sample(&b, f, vec_at(&f->samples, j));
	}
	if (b.p == NULL && !b.failed)
		sb_grow(&b, 0);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	b.p[b.len] = '\0';
	*len = b.len;
	return b.p;
}

/* --- the file ------------------------------------------------------------------ */

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
metrics_write_file(const struct metrics *m, const char *path, struct mcle_err *err)
{
	char tmp[4096];
	size_t len;
	char *text;
	int fd, rc = -1, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return mcle_err_set(err, MCLE_EIO, "cannot write metrics to '%.200s': name too long",
				    path);
	if ((text = metrics_render(m, &len)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd >= 0 && write_all(fd, text, len) == 0 && fsync(fd) == 0 && close(fd) == 0) {
		fd = -1;
		if (rename(tmp, path) == 0)
			rc = 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		unlink(tmp);
		mcle_err_errno(err, MCLE_EIO, e, "cannot write metrics to '%.200s'", path);
	}
	free(text);
	return rc;
}
