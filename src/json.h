/*
 * json.h - the one home for json-c: strict parsing with one depth limit,
 * typed getters that refuse what a server should never send (strings
 * with NUL bytes, wrong types), and checked builders.
 *
 * Getters return borrowed pointers into their object (valid while it
 * lives).  Builders take ownership of a value they are given and release
 * it on failure, so a chain of builder calls leaks nothing; they return -1
 * only when out of memory.
 */
#ifndef MCLE_JSON_H
#define MCLE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "jstream.h"
#include "record.h"

#define JSON_DEPTH_MAX JSTREAM_DEPTH_MAX

/*
 * Parse text as exactly one JSON value (only whitespace may follow).
 * Returns a new object, or NULL with *why set to a static reason
 * ("truncated JSON", "data after the end of the JSON value", ...).
 */
json_object *json_parse(const char *text, size_t len, const char **why);

/* The same, requiring an object; MCLE_ECORRUPT "WHAT: malformed JSON: WHY". */
json_object *json_parse_object(const char *text, size_t len, const char *what,
			       struct mcle_err *err);

/* o[key] if it is a string without NUL bytes, else NULL. */
const char *json_str(json_object *o, const char *key);
/* o[key] as a string of 1..max bytes (no NUL), else NULL. */
const char *json_str_max(json_object *o, const char *key, size_t max);
/* o[key] if it is an object (or an array for json_arr), else NULL. */
json_object *json_obj(json_object *o, const char *key);
json_object *json_arr(json_object *o, const char *key);
/* o[key] as an integer (a JSON integer, not a string): 0, or -1 if not one. */
int json_int(json_object *o, const char *key, int64_t *out);
/* 1 if o has key at all (even null). */
int json_has(json_object *o, const char *key);

/* Builders: 0, or -1 when out of memory (the value given is released). */
int json_add(json_object *o, const char *key, json_object *val);	/* takes val; NULL adds null */
int json_add_str(json_object *o, const char *key, const char *val);	/* NULL adds null */
int json_add_int(json_object *o, const char *key, int64_t val);
int json_add_bool(json_object *o, const char *key, int val);
int json_push(json_object *arr, json_object *val);			/* takes val */

/* Text of o, malloc'd; NULL when out of memory.  No slash escapes. */
#define JSON_PLAIN	0	/* one line */
#define JSON_PRETTY	1	/* indented, "key": value (for people) */
#define JSON_FILE	2	/* indented, "key":value (the file store's files) */
char *json_dump(json_object *o, int style);

/* The record codec over a JSON object of string values (GCS metadata). */
const char *json_record_get(void *obj, const char *key, size_t *len);
int json_record_put(void *obj, const char *key, const char *val);

#endif
