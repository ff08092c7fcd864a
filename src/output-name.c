/*
 * output-name.c - -o name: one namespace a line, to hand back to -n.
 * (kubectl prints TYPE/NAME; mcle shows one type, so the name alone.)
 */
#include "config.h"

#include <string.h>

#include "output.h"

static int
name_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	struct lease_result res;
	struct lease_view v;
	size_t i;

	(void)flags;
	for (i = 0; i < n && !ferror(o->out); i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		fprintf(o->out, "%s\n", v.ns);
	}
	return ferror(o->out) ? -1 : 0;
}

const struct output_format output_name = {
	.name = "name",
	.leases = name_leases,
	.summary = NULL,
	.ns_error = output_ns_error_line,
};
