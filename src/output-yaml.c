/*
 * output-yaml.c - -o yaml: the JSON shape (output_view_json) as YAML,
 * through libyaml's emitter: a mapping for one lease, a sequence for
 * several, streamed one row at a time.  Strings that a YAML reader would
 * take for something else (numbers, booleans, null, times) are quoted.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "output.h"

#define YAML_DEPTH_MAX 16	/* our objects are three levels deep */

static int
emit(yaml_emitter_t *em, yaml_event_t *ev, int ok)
{
	return ok && yaml_emitter_emit(em, ev) ? 0 : -1;
}

/* Safe to print plain: a word that YAML 1.1 and 1.2 readers both keep a string. */
static int
plain_string(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
	};
	size_t i;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./")] != '\0')
		return 0;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasecmp(s, words[i]) == 0)
			return 0;
	return 1;
}

static int
emit_scalar(yaml_emitter_t *em, const char *text, int is_string)
{
	yaml_event_t ev;
	int plain = !is_string || plain_string(text);

	return emit(em, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL,
			(yaml_char_t *)text, (int)strlen(text), plain, !plain,
			plain ? YAML_PLAIN_SCALAR_STYLE : YAML_DOUBLE_QUOTED_SCALAR_STYLE));
}

static int emit_value(yaml_emitter_t *em, json_object *v, int depth);

static int
emit_object(yaml_emitter_t *em, json_object *v, int depth)
{
	yaml_event_t ev;

	if (emit(em, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							       YAML_BLOCK_MAPPING_STYLE)) < 0)
		return -1;
	json_object_object_foreach(v, key, val) {
		if (emit_scalar(em, key, 1) < 0 || emit_value(em, val, depth + 1) < 0)
			return -1;
	}
	return emit(em, &ev, yaml_mapping_end_event_initialize(&ev));
}

static int
emit_array(yaml_emitter_t *em, json_object *v, int depth)
{
	size_t i, n = json_object_array_length(v);
	yaml_event_t ev;

	if (emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
				n == 0 ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (emit_value(em, json_object_array_get_idx(v, i), depth + 1) < 0)
			return -1;
	return emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
}

static int
emit_value(yaml_emitter_t *em, json_object *v, int depth)
{
	if (depth > YAML_DEPTH_MAX)
		return -1;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return emit_scalar(em, "null", 0);
	case json_type_object:
		return emit_object(em, v, depth);
	case json_type_array:
		return emit_array(em, v, depth);
	case json_type_string:
		return emit_scalar(em, json_object_get_string(v), 1);
	default:	/* numbers and booleans as JSON spells them */
		return emit_scalar(em, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), 0);
	}
}

static int
emit_rows(yaml_emitter_t *em, output_view_fn get, void *arg, size_t n, unsigned flags,
	  int array)
{
	struct lease_result res;
	struct lease_view v;
	yaml_event_t ev;
	json_object *row;
	size_t i;
	int rc = 0;

	if (array && emit(em, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
				n == 0 ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)) < 0)
		return -1;
	for (i = 0; i < n && rc == 0; i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		row = output_view_json(&v, flags);
		rc = row != NULL ? emit_object(em, row, 1) : -1;
		json_object_put(row);
	}
	if (rc == 0 && array)
		rc = emit(em, &ev, yaml_sequence_end_event_initialize(&ev));
	return rc;
}

/* One document: rows (doc NULL) or a report (doc). */
static int
yaml_emit(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags,
	  json_object *doc)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int rc;

	if (!yaml_emitter_initialize(&em))
		return -1;
	yaml_emitter_set_output_file(&em, o->out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, -1);
	rc = emit(&em, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
	if (rc == 0)
		rc = emit(&em, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
	if (rc == 0)
		rc = doc != NULL ? emit_object(&em, doc, 1) :
		     emit_rows(&em, get, arg, n, flags, n != 1 || (flags & OUT_ARRAY));
	if (rc == 0)
		rc = emit(&em, &ev, yaml_document_end_event_initialize(&ev, 1));
	if (rc == 0)
		rc = emit(&em, &ev, yaml_stream_end_event_initialize(&ev));
	if (rc == 0 && !yaml_emitter_flush(&em))
		rc = -1;
	yaml_emitter_delete(&em);
	return rc;
}

static int
yaml_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	return yaml_emit(o, get, arg, n, flags, NULL);
}

static int
yaml_document(struct output *o, json_object *doc)
{
	return yaml_emit(o, NULL, NULL, 0, 0, doc);
}

const struct output_format output_yaml = {
	.name = "yaml",
	.leases = yaml_leases,
	.summary = NULL,	/* the rows say it all */
	.ns_error = output_ns_error_line,
	.document = yaml_document,
};
