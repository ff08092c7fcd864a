/*
 * parse.h - strict parsers for command-line and config values.  Pure: no I/O.
 */
#ifndef MCLE_PARSE_H
#define MCLE_PARSE_H

#include <stdint.h>

#include <stddef.h>

#define PARSE_EBAD	-1	/* not of the form asked for */
#define PARSE_ERANGE	-2	/* well formed, out of range */

/*
 * A duration in whole seconds: "60", "60s", "5m", "1h", "1h30m", "2d3h".
 * Units in decreasing order, each once.  Returns 0, PARSE_EBAD for signs,
 * spaces and junk, or PARSE_ERANGE for zero (unless allow_zero) and values
 * above max.
 */
int parse_duration(const char *s, int64_t max, int allow_zero, int64_t *out);

/* The one printed form of a duration: "0s", "45s", "1h30m", "2d3h", "1m5s". */
#define MCLE_DURATION_MAX 32
void duration_format(int64_t secs, char buf[MCLE_DURATION_MAX]);

/*
 * A Kubernetes label selector, checked against the grammar of
 * apimachinery's labels.Parse: requirements separated by commas, each
 * KEY, !KEY, KEY=V, KEY==V, KEY!=V, KEY in (V,...), KEY notin (V,...),
 * KEY>N or KEY<N, with valid label keys and values.  "" selects everything.
 * Returns 0, or -1 with why (e.g. "found ')' at position 6, expected ...").
 */
#define SELECTOR_MAX 4096
int parse_selector(const char *s, char *why, size_t whylen);

/* Edit distance (insertions, deletions, substitutions, swaps); SIZE_MAX if long. */
#define SUGGEST_LEN_MAX 64
size_t str_distance(const char *a, const char *b);

/* The candidate word most likely meant (a close typo or a prefix), or NULL. */
const char *str_suggest(const char *word, const char *const *cands, size_t n);

/* A decimal integer in [min, max], nothing else.  Returns 0 or -1. */
int parse_int(const char *s, int64_t min, int64_t max, int64_t *out);

/* A Kubernetes namespace name: a DNS-1123 label (1-63 of [a-z0-9-], alnum at both ends). */
int valid_namespace(const char *s);

/*
 * An identity: 1-253 printable ASCII characters without spaces, quotes,
 * backslashes or control characters (it ends up in JSON, logs and HTTP).
 */
int valid_identity(const char *s);

/* A bearer token: it goes into an HTTP header, so visible ASCII only. */
int valid_bearer_token(const char *s);

/* A DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
int valid_subdomain(const char *s);

#endif
