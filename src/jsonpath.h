/*
 * jsonpath.h - the JSONPath templates of `kubectl -o jsonpath=...`, the
 * subset people write: text, {.field}, {.a.b}, {['key']}, {[0]}, {[-1]},
 * {[1:3]}, {[*]}, {.*}, {..field}, {[?(@.field==VALUE)]} (==, !=, <, <=, >,
 * >=, or @.field alone: present and not null or false), {"literal\n"},
 * {range PATH}...{end}, {$} and {@}.  No unions, no scripts.
 *
 * Pure: parsing has no I/O; execution writes only to the stream it is
 * given.  A root that is an array may be made on demand, one element at a
 * time (jp_root.get), so `{range [*]}...{end}` over 100,000 leases never
 * holds them all.  As kubectl does, a missing field or index prints
 * nothing; the results of one {...} are separated by spaces; null prints
 * "null"; objects and arrays print as compact JSON; no newline is added.
 */
#ifndef MCLE_JSONPATH_H
#define MCLE_JSONPATH_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#define JSONPATH_TEMPLATE_MAX	4096	/* bytes of a template */
#define JSONPATH_NODES_MAX	256	/* text, {...} and {range}/{end} pieces */
#define JSONPATH_STEPS_MAX	32	/* steps of one path */
#define JSONPATH_NEST_MAX	8	/* range within range, filter within filter */

struct jsonpath;

/* Parse a template: a new jsonpath, or NULL with why ("... at position N"). */
struct jsonpath *jsonpath_parse(const char *tmpl, char *why, size_t whylen);
void jsonpath_free(struct jsonpath *jp);

/* What a template runs on: one value, or an array whose elements are made on demand. */
struct jsonpath_root {
	json_object *value;	/* the root, when get is NULL (borrowed; NULL is JSON null) */
	size_t n;		/* else an array of n elements: */
	json_object *(*get)(void *arg, size_t i);	/* element i, a new reference */
	void *arg;
};

/*
 * Run jp on root, printing to out.  0, or -1 with why (out of memory, an
 * element that could not be made); a failed write is left to ferror(out).
 */
int jsonpath_execute(const struct jsonpath *jp, const struct jsonpath_root *root, FILE *out,
		     char *why, size_t whylen);

#endif
