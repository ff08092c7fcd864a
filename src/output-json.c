/* output-json.c - -o json: one object per lease (an array for several). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "output.h"

/* One object as indented text, each line after the first indented by `pad`. */
static int
print_object(FILE *f, json_object *o, const char *pad)
{
	char *text = o != NULL ? json_dump(o, JSON_PRETTY) : NULL, *p, *nl;

	if (text == NULL)
		return -1;
	for (p = text; (nl = strchr(p, '\n')) != NULL; p = nl + 1)
		fprintf(f, "%.*s\n%s", (int)(nl - p), p, pad);
	fputs(p, f);
	free(text);
	return 0;
}

/* Streamed: one row's object at a time, never the whole array in memory. */
static int
json_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	struct lease_result res;
	struct lease_view v;
	json_object *row;
	size_t i;
	int rc = 0, array = n != 1 || (flags & OUT_ARRAY);

	if (array)
		fputs(n == 0 ? "[" : "[\n  ", o->out);
	for (i = 0; i < n && rc == 0; i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		row = output_view_json(&v, flags);
		rc = print_object(o->out, row, array ? "  " : "");
		json_object_put(row);
		if (array && i + 1 < n)
			fputs(",\n  ", o->out);
	}
	fputs(array ? (n == 0 ? "]\n" : "\n]\n") : "\n", o->out);
	return rc;
}

static int
json_document(struct output *o, json_object *doc)
{
	int rc = print_object(o->out, doc, "");

	fputc('\n', o->out);
	return rc;
}

const struct output_format output_json = {
	.name = "json",
	.leases = json_leases,
	.summary = NULL,	/* the rows say it all */
	.ns_error = output_ns_error_line,	/* and in the row: "error", "errorReason" */
	.document = json_document,
};
