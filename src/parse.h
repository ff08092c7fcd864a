/*
 * parse.h - strict parsers for command-line and config values.  Pure: no I/O.
 */
#ifndef MCLE_PARSE_H
#define MCLE_PARSE_H

#include <stdint.h>

/*
 * A duration in whole seconds: "60", "60s", "5m", "1h", "1h30m".  Rejects
 * signs, spaces, junk, zero (unless allow_zero) and values above max.
 * Returns 0 or -1.
 */
int parse_duration(const char *s, int64_t max, int allow_zero, int64_t *out);

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
