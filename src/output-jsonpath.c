/*
 * output-jsonpath.c - -o jsonpath=TEMPLATE: kubectl's templates (jsonpath.c)
 * over the JSON shape: the object -o json prints for one lease, the array
 * for several, its elements made one at a time as the template asks.
 */
#include "config.h"

#include <string.h>

#include "jsonpath.h"
#include "output.h"

static int
jp_init(struct output *o, const char *arg, char *why, size_t whylen)
{
	char msg[200];

	if ((o->priv = jsonpath_parse(arg, msg, sizeof(msg))) == NULL) {
		snprintf(why, whylen, "bad JSONPath template: %s", msg);
		return -1;
	}
	return 0;
}

static void
jp_fini(struct output *o)
{
	jsonpath_free(o->priv);
}

struct rows {
	output_view_fn get;
	void *arg;
	unsigned flags;
};

static json_object *
row_json(void *arg, size_t i)
{
	const struct rows *r = arg;
	struct lease_result res;
	struct lease_view v;

	memset(&v, 0, sizeof(v));
	r->get(r->arg, i, &v, &res);
	return output_view_json(&v, r->flags);
}

static int
jp_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	struct rows r = { get, arg, flags };
	struct jsonpath_root root;
	char why[200];
	int rc;

	memset(&root, 0, sizeof(root));
	if (n != 1 || (flags & OUT_ARRAY)) {
		root.n = n;
		root.get = row_json;
		root.arg = &r;
	} else if ((root.value = row_json(&r, 0)) == NULL) {
		return -1;
	}
	rc = jsonpath_execute(o->priv, &root, o->out, why, sizeof(why));
	json_object_put(root.value);
	return rc;
}

static int
jp_document(struct output *o, json_object *doc)
{
	struct jsonpath_root root;
	char why[200];

	memset(&root, 0, sizeof(root));
	root.value = doc;	/* borrowed */
	return jsonpath_execute(o->priv, &root, o->out, why, sizeof(why));
}

const struct output_format output_jsonpath = {
	.name = "jsonpath",
	.takes_arg = 1,
	.init = jp_init,
	.fini = jp_fini,
	.leases = jp_leases,
	.summary = NULL,
	.ns_error = output_ns_error_line,
	.document = jp_document,
};
