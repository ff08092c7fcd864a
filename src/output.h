/*
 * output.h - what users see: a table of formats, each in its own file
 * (output-text.c, output-wide.c, output-json.c, output-yaml.c,
 * output-name.c, output-jsonpath.c), with one entry per kind of output.
 * Commands and engines never branch on the format: they hand lease views,
 * per-namespace errors and a pass summary to output_*.
 */
#ifndef MCLE_OUTPUT_H
#define MCLE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "kube-lease.h"
#include "lease.h"

/* One lease as shown. */
struct lease_view {
	const char *ns;
	const struct lease_result *res;	/* NULL when the operation failed before reading */
	const char *identity;		/* whose leadership isLeader reports (may be NULL) */
	int64_t skew;
	const char *action;		/* reconcile-all: what the pass did; else NULL */
	const struct mcle_err *err;	/* per-namespace failure, or NULL */
	int unreadable;			/* a listed lock that could not be read (err says why) */
	const struct kube_status *status;	/* the Lease status written/wanted, or NULL */
	const struct kube_lease *resource;	/* status -n: the Lease resource, or NULL */
	const char *warning;		/* e.g. the resource was not updated, or NULL */
};

/* What a pass did. */
struct pass_summary {
	size_t namespaces, leader, standby, failed;
	size_t created, written;	/* Lease resources */
	int with_cluster;
};

#define OUT_ARRAY	0x01	/* JSON: always an array */
#define OUT_STATUS	0x02	/* JSON: add "status", the Lease status to write */
#define OUT_ACTION	0x04	/* text: an ACTION column */

struct output;

/*
 * Views are made on demand, one at a time, so that printing 100,000 rows
 * never holds 100,000 views: get fills *v for row i, pointing into *res
 * where it needs a lease_result.  A format may call it more than once for
 * a row (text: once for the column widths, once to print).
 */
typedef void (*output_view_fn)(void *arg, size_t i, struct lease_view *v,
			       struct lease_result *res);

struct output_format {
	const char *name;
	int takes_arg;		/* given as NAME=ARG (jsonpath=TEMPLATE) */
	/* check ARG and keep what the format needs in o->priv (may be NULL) */
	int (*init)(struct output *o, const char *arg, char *why, size_t whylen);
	void (*fini)(struct output *o);
	int (*leases)(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags);
	int (*summary)(struct output *o, const struct pass_summary *s);
	/* one namespace's failure, beside its row */
	int (*ns_error)(struct output *o, const char *ns, const struct mcle_err *e);
	/* a whole report as one JSON document (json, yaml, jsonpath); NULL: text lines */
	int (*document)(struct output *o, json_object *doc);
};

struct output {
	const struct output_format *fmt;
	FILE *out, *err;
	void *priv;		/* the format's own state */
};

extern const struct output_format output_text;
extern const struct output_format output_wide;
extern const struct output_format output_json;
extern const struct output_format output_yaml;
extern const struct output_format output_name;
extern const struct output_format output_jsonpath;

/* The format of spec (text, json, jsonpath=TEMPLATE, ...); -1 (MCLE_EUSAGE) if none. */
int output_init(struct output *o, const char *spec, FILE *out, FILE *err,
		struct mcle_err *e);
void output_free(struct output *o);
/* 0 if spec names a format (and its argument is good), else -1 with why. */
int output_check(const char *spec, char *why, size_t whylen);
/* The names, for help, completion and messages. */
const char *output_formats(void);
/* Format i's name (i from 0), or NULL past the last: for completion. */
const char *output_format_name(size_t i);

/* Print; -1 (MCLE_EIO) if the stream fails. */
int output_leases(struct output *o, output_view_fn get, void *arg, size_t n,
		  unsigned flags, struct mcle_err *err);
/* The same for views at hand. */
int output_views(struct output *o, const struct lease_view *v, size_t n, unsigned flags,
		 struct mcle_err *err);
int output_summary(struct output *o, const struct pass_summary *s, struct mcle_err *err);
int output_ns_error(struct output *o, const char *ns, const struct mcle_err *e,
		    struct mcle_err *err);

/* One finding of a check (mcle migrate --check). */
struct output_finding {
	const char *check;	/* "legacy-lock", "lease-duration", "crd", "identity", "scope" */
	const char *subject;	/* what it is about: a namespace, the CRD, an identity */
	int severity;		/* OUT_PROBLEM, OUT_OK or OUT_UNCHECKED */
	const char *message;	/* what was found, one line */
	const char *fix;	/* the command or step that fixes it, or NULL */
};

#define OUT_OK		0	/* found, nothing to do */
#define OUT_PROBLEM	1	/* to fix before the cut-over */
#define OUT_UNCHECKED	2	/* the check could not run: message says why */

/*
 * The findings: text, wide and name print one line each ("CHECK SUBJECT:
 * MESSAGE; fix: FIX") and a last line counting the problems; json, yaml
 * and jsonpath one document (mcle-json(7), "MigrateCheck").
 */
int output_findings(struct output *o, const struct output_finding *f, size_t n,
		    struct mcle_err *err);

/* Flush f and report a write error (e.g. >/dev/full) as MCLE_EIO. */
int output_flush(FILE *f, struct mcle_err *err);

/* --- for the formats ------------------------------------------------------ */

/*
 * The documented JSON shape of one view (mcle-json(7); new object, NULL when
 * out of memory).  OUTPUT_SCHEMA_VERSION grows when a field changes
 * meaning or goes away; new fields keep it.
 */
#define OUTPUT_SCHEMA_VERSION 1
json_object *output_view_json(const struct lease_view *v, unsigned flags);

/* The text table; wide adds the ACQUIRED and RENEWED columns. */
int output_table(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags,
		 int wide);
/* "N namespaces: L leader, ..." after a pass's table (text, wide). */
int output_summary_line(struct output *o, const struct pass_summary *s);
/* What the text formats print for a view's remaining time: "41s", "1h30m", "expired", "-". */
void output_remaining(const struct lease_view *v, char *buf, size_t len);
/* Seconds left by the store's clock (0 once expired); -1 when not held or unknown. */
int64_t output_remaining_seconds(const struct lease_view *v);

int output_is_leader(const struct lease_view *v);
/* "mcle: namespace 'NS': why" on the error stream (the formats' ns_error). */
int output_ns_error_line(struct output *o, const char *ns, const struct mcle_err *e);
int output_held(const struct lease_view *v);

#endif
