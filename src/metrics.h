/*
 * metrics.h - a small registry of metrics in the Prometheus text
 * exposition format (version 0.0.4).
 *
 * Families are declared once (name, type, help, up to two label names);
 * samples are set, added to, or rebuilt after each pass.  Rendering makes
 * one text: for the HTTP listener (httpd.c) and for a file written
 * atomically (node-exporter's textfile collector).  Names follow the
 * Prometheus conventions: the mcle_ prefix, base units (_seconds), _total
 * on counters.  Not thread-safe: the loop's thread owns it.
 */
#ifndef MCLE_METRICS_H
#define MCLE_METRICS_H

#include <stddef.h>

#include "err.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

#define METRIC_LABELS_MAX	2
#define METRIC_BUCKETS_MAX	16
#define METRIC_SAMPLES_MAX	(4 * 1000 * 1000)	/* per family */

struct metrics;
struct metric;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/*
 * Declare a family (name and help are kept by pointer: static strings).
 * l1, l2: label names or NULL.  NULL when out of memory.
 */
struct metric *metrics_family(struct metrics *m, const char *name, enum metric_type type,
			      const char *help, const char *l1, const char *l2);

/* A histogram without labels, with n ascending upper bounds (+Inf implied). */
struct metric *metrics_histogram(struct metrics *m, const char *name, const char *help,
				 const double *bounds, size_t n);

/*
 * The sample with these label values (NULL for a family's unused labels)
 * set to v / increased by v; made at 0 first if new.  -1 when out of
 * memory or over METRIC_SAMPLES_MAX.
 */
int metric_set(struct metric *f, double v, const char *l1, const char *l2);
int metric_add(struct metric *f, double v, const char *l1, const char *l2);

/* A sample the caller knows is new (no lookup): families rebuilt each pass. */
int metric_append(struct metric *f, double v, const char *l1, const char *l2);

/* Forget every sample of f. */
void metric_clear(struct metric *f);

/* One observation of a histogram. */
void metric_observe(struct metric *h, double v);

/* The exposition text, malloc'd, its length in *len; NULL when out of memory. */
char *metrics_render(const struct metrics *m, size_t *len);

/*
 * Write the text to path atomically: a temporary file beside it, fsync,
 * rename.  -1 with err (MCLE_EIO) on failure.
 */
int metrics_write_file(const struct metrics *m, const char *path, struct mcle_err *err);

#endif
