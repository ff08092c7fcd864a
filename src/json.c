/* json.c - strict parsing, typed getters and checked builders over json-c. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"

#define JSON_NUMBER_MAX	4096	/* bytes of a number (longer strings are skipped, not kept) */

/* After a strict parse failed: was the text a JSON value with data after it? */
static int
trailing(const char *text, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH_MAX);
	json_object *o;
	int rc = 0;

	if (tok == NULL)
		return 0;
	if ((o = json_tokener_parse_ex(tok, text, (int)len)) != NULL)
		rc = json_tokener_get_parse_end(tok) < len;
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/*
 * What RFC 8259 refuses in text json-c's strict mode took (control
 * characters in strings, NaN, Infinity, "1.", lone surrogates), as the
 * streaming parser reads it; NULL if nothing.
 */
static const char *
not_strict(const char *text, size_t len)
{
	struct jstream js;
	const char *why = NULL;

	jstream_init(&js, NULL, NULL, JSON_NUMBER_MAX);
	if (jstream_feed(&js, text, len) < 0 || jstream_finish(&js) < 0)
		why = js.reason != NULL ? js.reason : "malformed JSON";
	jstream_free(&js);
	return why;
}

json_object *
json_parse(const char *text, size_t len, const char **why)
{
	json_tokener *tok;
	json_object *o;
	const char *strict;
	size_t used;

	*why = "out of memory";
	if (text == NULL || len > INT32_MAX) {
		*why = text == NULL ? "empty body" : "too large";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH_MAX)) == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	if (o == NULL) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		*why = e == json_tokener_continue || e == json_tokener_success ?
		    "truncated JSON" : trailing(text, len) ? "data after the JSON value" :
		    json_tokener_error_desc(e);
		json_tokener_free(tok);
		return NULL;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	for (; used < len; used++) {
		if (text[used] != ' ' && text[used] != '\t' && text[used] != '\n' &&
		    text[used] != '\r') {
			json_object_put(o);
			*why = "data after the JSON value";
			return NULL;
		}
	}
	if ((strict = not_strict(text, len)) != NULL) {
		json_object_put(o);
		*why = strict;
		return NULL;
	}
	return o;
}

json_object *
json_parse_object(const char *text, size_t len, const char *what,
		  struct mcle_err *err)
{
	const char *why;
	json_object *o = json_parse(text, len, &why);

	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		why = "not a JSON object";
	}
	if (o == NULL)
		mcle_err_set(err, strcmp(why, "out of memory") == 0 ? MCLE_ENOMEM :
			     MCLE_ECORRUPT, "%s: malformed JSON: %s", what, why);
	return o;
}

const char *
json_str(json_object *o, const char *key)
{
	json_object *v;
	const char *s;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) != strlen(s))
		return NULL;	/* a NUL inside: never truncate */
	return s;
}

const char *
json_str_max(json_object *o, const char *key, size_t max)
{
	const char *s = json_str(o, key);

	return s != NULL && *s != '\0' && strlen(s) <= max ? s : NULL;
}

json_object *
json_obj(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

json_object *
json_arr(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_array))
		return NULL;
	return v;
}

int
json_int(json_object *o, const char *key, int64_t *out)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	return 0;
}

int
json_has(json_object *o, const char *key)
{
	return o != NULL && json_object_object_get_ex(o, key, NULL);
}

int
json_add(json_object *o, const char *key, json_object *val)
{
	if (o == NULL || json_object_object_add(o, key, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

int
json_add_str(json_object *o, const char *key, const char *val)
{
	json_object *v = NULL;

	if (val != NULL && (v = json_object_new_string(val)) == NULL)
		return -1;
	return json_add(o, key, v);
}

int
json_add_int(json_object *o, const char *key, int64_t val)
{
	json_object *v = json_object_new_int64(val);

	return v == NULL ? -1 : json_add(o, key, v);
}

int
json_add_bool(json_object *o, const char *key, int val)
{
	json_object *v = json_object_new_boolean(val ? 1 : 0);

	return v == NULL ? -1 : json_add(o, key, v);
}

int
json_push(json_object *arr, json_object *val)
{
	if (arr == NULL || val == NULL || json_object_array_add(arr, val) != 0) {
		json_object_put(val);
		return -1;
	}
	return 0;
}

char *
json_dump(json_object *o, int style)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE |
		    (style == JSON_PRETTY ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
		     style == JSON_FILE ? JSON_C_TO_STRING_PRETTY : JSON_C_TO_STRING_PLAIN);
	const char *s = json_object_to_json_string_ext(o, flags);

	return s == NULL ? NULL : strdup(s);
}

const char *
json_record_get(void *obj, const char *key, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || v == NULL ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

int
json_record_put(void *obj, const char *key, const char *val)
{
	return json_add_str(obj, key, val);
}
