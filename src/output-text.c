/* output-text.c - aligned tables for people, errors and the summary beside them. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "election.h"
#include "output.h"

struct row {
	char ns[MCLE_NAMESPACE_MAX + 1];
	char action[16];
	const char *holder;
	char leader[8], epoch[24], duration[16];
	char expires[MCLE_RFC3339_MAX], left[24];
};

/* "41s", "12m3s", "expired", "-". */
static void
remaining(const struct lease_view *v, char *buf, size_t len)
{
	const struct store_entry *e = &v->res->entry;
	int64_t left;

	if (!output_held(v) || e->now == 0) {
		snprintf(buf, len, "-");
		return;
	}
	left = elect_expire_time(e) - e->now;
	if (left < 0) {
		snprintf(buf, len, "expired");
		return;
	}
	left /= MCLE_USEC;
	if (left < 60)
		snprintf(buf, len, "%" PRId64 "s", left);
	else
		snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", left / 60, left % 60);
}

/* The columns whose width varies: namespace, action, holder. */
static void
fill_names(const struct lease_view *v, struct row *r)
{
	snprintf(r->ns, sizeof(r->ns), "%s", v->ns);
	snprintf(r->action, sizeof(r->action), "%s", v->action ? v->action : "-");
	r->holder = output_held(v) ? v->res->entry.rec.holder : "<none>";
	if (v->unreadable)	/* never shown as free: its state is unknown */
		r->holder = v->err != NULL && v->err->code == MCLE_ECORRUPT ?
			    "<corrupt>" : "<unreadable>";
}

static void
fill_row(const struct lease_view *v, struct row *r)
{
	const struct store_entry *e = v->res ? &v->res->entry : NULL;
	int f = v->res != NULL && v->res->found;

	memset(r, 0, sizeof(*r));
	fill_names(v, r);
	snprintf(r->leader, sizeof(r->leader), "%s", output_is_leader(v) ? "true" : "false");
	snprintf(r->epoch, sizeof(r->epoch), "%" PRId64, f ? e->rec.epoch : 0);
	if (f)
		snprintf(r->duration, sizeof(r->duration), "%" PRId32 "s", e->rec.duration);
	else
		snprintf(r->duration, sizeof(r->duration), "-");
	if (output_held(v))
		time_format(elect_expire_time(e), r->expires);
	else
		snprintf(r->expires, sizeof(r->expires), "-");
	if (v->res != NULL)
		remaining(v, r->left, sizeof(r->left));
	else
		snprintf(r->left, sizeof(r->left), "-");
	if (v->unreadable) {
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

static int
text_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags)
{
	int wn = 9, wh = 6, wa = 6, act = (flags & OUT_ACTION) != 0;
	struct lease_result res;
	struct lease_view v;
	FILE *f = o->out;
	struct row r;
	size_t i;

	for (i = 0; i < n; i++) {	/* the widths first: only the names */
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		fill_names(&v, &r);
		wn = width((size_t)wn, r.ns);
		wh = width((size_t)wh, r.holder);
		wa = width((size_t)wa, r.action);
	}
	if (act)
		fprintf(f, "%-*s  %-*s  ", wn, "NAMESPACE", wa, "ACTION");
	else
		fprintf(f, "%-*s  ", wn, "NAMESPACE");
	fprintf(f, "%-*s  %-6s  %-5s  %-8s  %-27s  %s\n", wh, "HOLDER", "LEADER",
		"EPOCH", "DURATION", "EXPIRES", "REMAINING");
	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		get(arg, i, &v, &res);
		fill_row(&v, &r);
		if (v.warning != NULL)
			fprintf(o->err, "mcle: warning: namespace '%s': %s\n", v.ns, v.warning);
		if (act)
			fprintf(f, "%-*s  %-*s  ", wn, r.ns, wa, r.action);
		else
			fprintf(f, "%-*s  ", wn, r.ns);
		fprintf(f, "%-*s  %-6s  %-5s  %-8s  %-27s  %s\n", wh, r.holder, r.leader,
			r.epoch, r.duration, r.expires, r.left);
	}
	return ferror(f) ? -1 : 0;
}

static int
text_summary(struct output *o, const struct pass_summary *s)
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
	.summary = text_summary,
	.ns_error = output_ns_error_line,
};
