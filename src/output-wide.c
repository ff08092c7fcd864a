/* output-wide.c - -o wide: the text table with the acquire and renew times. */
#include "config.h"

#include "output.h"

static int
wide_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	return output_table(o, get, arg, n, flags, 1);
}

const struct output_format output_wide = {
	.name = "wide",
	.leases = wide_leases,
	.summary = output_summary_line,
	.ns_error = output_ns_error_line,
};
