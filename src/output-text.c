/*
 * output-text.c - aligned tables for people (-o text, and -o wide with
 * output-wide.c), errors and the summary beside them.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "election.h"
#include "output.h"
#include "parse.h"

struct row {
	char ns[MCLE_NAMESPACE_MAX + 1];
	char action[16];
	const char *holder;
	char leader[8], epoch[24], duration[MCLE_DURATION_MAX];
	char expires[MCLE_RFC3339_MAX], left[MCLE_DURATION_MAX];
	char acquired[MCLE_RFC3339_MAX], renewed[MCLE_RFC3339_MAX];
	char legacy_holder[MCLE_IDENTITY_MAX + 10];	/* "HOLDER (legacy)" */
};

void
output_remaining(const struct lease_view *v, char *buf, size_t len)
{
	const struct store_entry *e;
	char d[MCLE_DURATION_MAX];
	int64_t left = output_remaining_seconds(v);

	if (left < 0) {
		snprintf(buf, len, "-");
		return;
	}
	e = &v->res->entry;
	if (e->now > elect_expire_time(e)) {
		snprintf(buf, len, "expired");
		return;
	}
	duration_format(left, d);
	snprintf(buf, len, "%s", d);
}

static void
fill_row(const struct lease_view *v, struct row *r)
{
	const struct store_entry *e = v->res ? &v->res->entry : NULL;
	int f = v->res != NULL && v->res->found;

	memset(r, 0, sizeof(*r));
	snprintf(r->ns, sizeof(r->ns), "%s", v->ns);
	snprintf(r->action, sizeof(r->action), "%s", v->action ? v->action : "-");
	r->holder = output_held(v) ? e->rec.holder : "<none>";
	if (output_held(v) && e->legacy.listed) {	/* the Go controller's lock */
		snprintf(r->legacy_holder, sizeof(r->legacy_holder), "%s (legacy)", e->rec.holder);
		r->holder = r->legacy_holder;
	}
	snprintf(r->leader, sizeof(r->leader), "%s", output_is_leader(v) ? "true" : "false");
	snprintf(r->epoch, sizeof(r->epoch), "%" PRId64, f ? e->rec.epoch : 0);
	if (f)
		duration_format(e->rec.duration, r->duration);
	else
		snprintf(r->duration, sizeof(r->duration), "-");
	if (output_held(v))
		time_format(elect_expire_time(e), r->expires);
	else
		snprintf(r->expires, sizeof(r->expires), "-");
	output_remaining(v, r->left, sizeof(r->left));
	if (f && e->rec.acquired != 0)
		time_format(e->rec.acquired, r->acquired);
	else
		snprintf(r->acquired, sizeof(r->acquired), "-");
	if (f && e->updated != 0)
		time_format(e->updated, r->renewed);
	else
		snprintf(r->renewed, sizeof(r->renewed), "-");
	if (v->unreadable) {	/* never shown as free: its state is unknown */
		r->holder = v->err != NULL && v->err->code == MCLE_ECORRUPT ?
			    "<corrupt>" : "<unreadable>";
		snprintf(r->leader, sizeof(r->leader), "-");
		snprintf(r->epoch, sizeof(r->epoch), "-");
	}
}

static int
width(size_t cur, const char *s)
{
	size_t n = strlen(s);

	return (int)(n > cur ? n : cur);
}

struct widths {
	int ns, holder, action, duration, left;
};

static void
print_row(FILE *f, const struct widths *w, const struct row *r, int act, int wide)
{
	if (act)
		fprintf(f, "%-*s  %-*s  ", w->ns, r->ns, w->action, r->action);
	else
		fprintf(f, "%-*s  ", w->ns, r->ns);
	fprintf(f, "%-*s  %-6s  %-5s  %-*s  %-27s  ", w->holder, r->holder, r->leader,
		r->epoch, w->duration, r->duration, r->expires);
	if (wide)
		fprintf(f, "%-*s  %-27s  %s\n", w->left, r->left, r->acquired, r->renewed);
	else
		fprintf(f, "%s\n", r->left);
}

int
output_table(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags,
	     int wide)
{
	static const struct row head = {
		"NAMESPACE", "ACTION", "HOLDER", "LEADER", "EPOCH", "DURATION", "EXPIRES",
		"REMAINING", "ACQUIRED", "RENEWED", "",
	};
	struct widths w = { 9, 6, 6, 8, 9 };
	int act = (flags & OUT_ACTION) != 0;
	struct lease_result res;
	struct lease_view v;
	FILE *f = o->out;
	struct row r;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		fill_row(&v, &r);
		w.ns = width((size_t)w.ns, r.ns);
		w.holder = width((size_t)w.holder, r.holder);
		w.action = width((size_t)w.action, r.action);
		w.duration = width((size_t)w.duration, r.duration);
		w.left = width((size_t)w.left, r.left);
	}
	print_row(f, &w, &head, act, wide);
	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		fill_row(&v, &r);
		if (v.warning != NULL)
			fprintf(o->err, "mcle: warning: namespace '%s': %s\n", v.ns, v.warning);
		print_row(f, &w, &r, act, wide);
	}
	return ferror(f) ? -1 : 0;
}

static int
text_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	return output_table(o, get, arg, n, flags, 0);
}

int
output_summary_line(struct output *o, const struct pass_summary *s)
{
	fprintf(o->out, "\n%zu namespace%s: %zu leader, %zu standby, %zu failed", s->namespaces,
		s->namespaces == 1 ? "" : "s", s->leader, s->standby, s->failed);
	if (s->with_cluster)
		fprintf(o->out, "; %zu Lease resource%s created, %zu status%s written",
			s->created, s->created == 1 ? "" : "s", s->written,
			s->written == 1 ? "" : "es");
	fputc('\n', o->out);
	return ferror(o->out) ? -1 : 0;
}

const struct output_format output_text = {
	.name = "text",
	.leases = text_leases,
	.summary = output_summary_line,
	.ns_error = output_ns_error_line,
};
