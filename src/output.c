/* output.c - the format table, and the JSON shape every format starts from. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "json.h"
#include "output.h"

static const struct output_format *const formats[] = {
	&output_text,
	&output_wide,
	&output_json,
	&output_yaml,
	&output_name,
	&output_jsonpath,
};

#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

/* The format spec names ("jsonpath=..." names jsonpath), or NULL. */
static const struct output_format *
find_format(const char *spec, const char **arg)
{
	size_t i, n;

	for (i = 0; i < NFORMATS; i++) {
		n = strlen(formats[i]->name);
		if (strncmp(formats[i]->name, spec, n) != 0)
			continue;
		if (!formats[i]->takes_arg && spec[n] == '\0') {
			*arg = NULL;
			return formats[i];
		}
		if (formats[i]->takes_arg && spec[n] == '=') {
			*arg = spec + n + 1;
			return formats[i];
		}
	}
	return NULL;
}

static int
format_of(struct output *o, const char *spec, char *why, size_t whylen)
{
	const char *arg = NULL;

	memset(o, 0, sizeof(*o));
	if ((o->fmt = find_format(spec, &arg)) == NULL) {
		snprintf(why, whylen, "expected %s", output_formats());
		return -1;
	}
	if (o->fmt->init != NULL && o->fmt->init(o, arg, why, whylen) < 0) {
		o->fmt = NULL;
		return -1;
	}
	return 0;
}

int
output_check(const char *spec, char *why, size_t whylen)
{
	struct output o;

	if (format_of(&o, spec, why, whylen) < 0)
		return -1;
	output_free(&o);
	return 0;
}

int
output_init(struct output *o, const char *spec, FILE *out, FILE *err, struct mcle_err *e)
{
	char why[256];

	if (format_of(o, spec, why, sizeof(why)) < 0)
		return mcle_err_set(e, MCLE_EUSAGE, "invalid output format '%.64s': %s", spec, why);
	o->out = out;
	o->err = err;
	return 0;
}

void
output_free(struct output *o)
{
	if (o->fmt != NULL && o->fmt->fini != NULL)
		o->fmt->fini(o);
	o->priv = NULL;
}

const char *
output_formats(void)
{
	return "text, wide, json, yaml, name or jsonpath=TEMPLATE";
}

const char *
output_format_name(size_t i)
{
	return i < NFORMATS ? formats[i]->name : NULL;
}

static int
io_error(struct mcle_err *err)
{
	return mcle_err_errno(err, MCLE_EIO, errno ? errno : EIO, "cannot write to standard output");
}

int
output_leases(struct output *o, output_view_fn get, void *arg, size_t n, unsigned flags,
	      struct mcle_err *err)
{
	errno = 0;
	if (o->fmt->leases(o, get, arg, n, flags) < 0 || ferror(o->out))
		return io_error(err);
	return 0;
}

static void
given(void *arg, size_t i, struct lease_view *v, struct lease_result *res)
{
	(void)res;
	*v = ((const struct lease_view *)arg)[i];
}

int
output_views(struct output *o, const struct lease_view *v, size_t n, unsigned flags,
	     struct mcle_err *err)
{
	return output_leases(o, given, (void *)v, n, flags, err);
}

int
output_summary(struct output *o, const struct pass_summary *s, struct mcle_err *err)
{
	errno = 0;
	if (o->fmt->summary != NULL && (o->fmt->summary(o, s) < 0 || ferror(o->out)))
		return io_error(err);
	return 0;
}

int
output_ns_error(struct output *o, const char *ns, const struct mcle_err *e,
		struct mcle_err *err)
{
	if (o->fmt->ns_error != NULL)
		o->fmt->ns_error(o, ns, e);
	(void)err;
	return 0;
}

static const char *const severity_names[] = { "ok", "problem", "unchecked" };

static json_object *
findings_json(const struct output_finding *f, size_t n, size_t problems, size_t unchecked)
{
	json_object *doc = json_object_new_object(), *arr = json_object_new_array(), *row;
	size_t i;
	int rc = doc == NULL || arr == NULL;

	rc |= json_add_int(doc, "schemaVersion", OUTPUT_SCHEMA_VERSION);
	rc |= json_add_str(doc, "kind", "MigrateCheck");
	rc |= json_add_int(doc, "problems", (int64_t)problems);
	rc |= json_add_int(doc, "unchecked", (int64_t)unchecked);
	for (i = 0; i < n && rc == 0; i++) {
		row = json_object_new_object();
		rc |= json_add_str(row, "check", f[i].check);
		rc |= json_add_str(row, "subject", f[i].subject);
		rc |= json_add_str(row, "severity", severity_names[f[i].severity]);
		rc |= json_add_str(row, "message", f[i].message);
		rc |= json_add_str(row, "fix", f[i].fix);
		rc |= json_push(arr, row);	/* takes row, also on failure */
	}
	rc |= json_add(doc, "findings", arr);	/* takes arr */
	if (rc != 0) {
		json_object_put(doc);
		return NULL;
	}
	return doc;
}

static void
findings_text(struct output *o, const struct output_finding *f, size_t n, size_t problems,
	      size_t unchecked)
{
	size_t i;

	for (i = 0; i < n; i++)
		fprintf(o->out, "%s %s: %s%s%s\n", f[i].check, f[i].subject, f[i].message,
			f[i].fix != NULL ? "; fix: " : "", f[i].fix != NULL ? f[i].fix : "");
	if (problems == 0)
		fputs("no problems found", o->out);
	else
		fprintf(o->out, "%zu problem%s found", problems, problems == 1 ? "" : "s");
	if (unchecked > 0)
		fprintf(o->out, " (%zu check%s could not run)", unchecked,
			unchecked == 1 ? "" : "s");
	fputc('\n', o->out);
}

int
output_findings(struct output *o, const struct output_finding *f, size_t n,
		struct mcle_err *err)
{
	size_t i, problems = 0, unchecked = 0;
	json_object *doc;
	int rc = 0;

	for (i = 0; i < n; i++) {
		problems += f[i].severity == OUT_PROBLEM;
		unchecked += f[i].severity == OUT_UNCHECKED;
	}
	errno = 0;
	if (o->fmt->document == NULL) {
		findings_text(o, f, n, problems, unchecked);
	} else {
		if ((doc = findings_json(f, n, problems, unchecked)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		rc = o->fmt->document(o, doc);
		json_object_put(doc);
	}
	if (rc < 0 || ferror(o->out))
		return io_error(err);
	return 0;
}

int
output_ns_error_line(struct output *o, const char *ns, const struct mcle_err *e)
{
	fprintf(o->err, "mcle: namespace '%s': %s\n", ns, e->msg);
	return 0;
}

int
output_flush(FILE *f, struct mcle_err *err)
{
	if (fflush(f) != 0 || ferror(f))
		return mcle_err_errno(err, MCLE_EIO, errno ? errno : EIO,
				      "cannot write to standard output");
	return 0;
}

int
output_is_leader(const struct lease_view *v)
{
	return v->res != NULL && v->res->found && v->identity != NULL &&
	       !v->res->entry.legacy.listed && elect_is_leader(&v->res->entry, v->identity);
}

int
output_held(const struct lease_view *v)
{
	return v->res != NULL && v->res->found && v->res->entry.rec.holder[0] != '\0';
}

static json_object *
json_time(int present, mcle_time t)
{
	char buf[MCLE_RFC3339_MAX];

	if (!present || t == 0)
		return NULL;
	time_format(t, buf);
	return json_object_new_string(buf);
}

/* json_add of a value that may be NULL because it is absent, or because of no memory */
static int
add_opt(json_object *o, const char *key, int want, json_object *v)
{
	if (want && v == NULL)
		return -1;
	return json_add(o, key, v);
}

/* "acquireTime" and, for jq 1.6 and other tools without fractions, "acquireTimeSeconds". */
static int
add_time(json_object *o, const char *key, int present, mcle_time t)
{
	char secs[48];
	int rc;

	present = present && t != 0;
	rc = add_opt(o, key, present, json_time(present, t));
	snprintf(secs, sizeof(secs), "%sSeconds", key);
	/* whole Unix seconds, rounded down (also before 1970) */
	if (present)
		rc |= json_add_int(o, secs, t >= 0 ? t / MCLE_USEC : -((-t - 1) / MCLE_USEC) - 1);
	else
		rc |= json_add(o, secs, NULL);
	return rc;
}

int64_t
output_remaining_seconds(const struct lease_view *v)
{
	const struct store_entry *e;
	int64_t left;

	if (v->unreadable || !output_held(v) || v->res->entry.now == 0)
		return -1;
	e = &v->res->entry;
	left = elect_expire_time(e) - e->now;
	return left <= 0 ? 0 : left / MCLE_USEC;
}

/* "expired", "remainingSeconds": null unless someone holds the lease. */
static int
add_expiry(json_object *o, const struct lease_view *v)
{
	const struct store_entry *e = v->res != NULL ? &v->res->entry : NULL;
	int64_t left = output_remaining_seconds(v);
	int rc = 0;

	if (left < 0) {
		rc |= json_add(o, "expired", NULL);
		rc |= json_add(o, "remainingSeconds", NULL);
		return rc;
	}
	rc |= json_add_bool(o, "expired", e->now > elect_expire_time(e));
	rc |= json_add_int(o, "remainingSeconds", left);
	return rc;
}

/* The common fields: the lease as the store has it. */
static int
lease_fields(json_object *o, const struct lease_view *v)
{
	const struct store_entry *e = v->res != NULL ? &v->res->entry : NULL;
	int f = v->res != NULL && v->res->found, bad = v->unreadable;
	int held = output_held(v), rc = 0;

	rc |= json_add_str(o, "namespace", v->ns);
	rc |= json_add_str(o, "holderIdentity", bad ? NULL : f ? e->rec.holder : "");
	rc |= json_add_bool(o, "isLeader", output_is_leader(v));
	rc |= f ? json_add_int(o, "leaseDurationSeconds", e->rec.duration) :
		  json_add(o, "leaseDurationSeconds", NULL);
	rc |= add_time(o, "acquireTime", f, f ? e->rec.acquired : 0);
	rc |= add_time(o, "renewTime", f, f ? e->updated : 0);
	rc |= add_time(o, "expireTime", held, held ? elect_expire_time(e) : 0);
	if (bad) {
		rc |= json_add(o, "leaseTransitions", NULL);
		rc |= json_add(o, "epoch", NULL);
	} else {
		rc |= json_add_int(o, "leaseTransitions", f ? record_transitions(&e->rec) : 0);
		rc |= json_add_int(o, "epoch", f ? e->rec.epoch : 0);
	}
	rc |= add_time(o, "storeTime", f || (e != NULL && e->now != 0), e != NULL ? e->now : 0);
	rc |= add_expiry(o, v);
	if (v->resource != NULL)
		rc |= add_opt(o, "resourceStatus", 1, v->resource->has_status ?
			      kube_status_object(&v->resource->status) : json_object_new_object());
	else
		rc |= json_add(o, "resourceStatus", NULL);
	if (bad)
		rc |= json_add_bool(o, "corrupt", v->err != NULL && v->err->code == MCLE_ECORRUPT);
	/* the Go controller's lock object (status --all) or mcle's own */
	rc |= json_add_str(o, "source", e != NULL && e->legacy.listed ? "legacy" : "mcle");
	return rc;
}

json_object *
output_view_json(const struct lease_view *v, unsigned flags)
{
	json_object *o = json_object_new_object();
	int rc;

	if (o == NULL)
		return NULL;
	rc = json_add_int(o, "schemaVersion", OUTPUT_SCHEMA_VERSION);
	rc |= lease_fields(o, v);
	if (v->action != NULL)
		rc |= json_add_str(o, "action", v->action);
	if (v->err != NULL && v->err->code != MCLE_OK) {
		rc |= json_add_str(o, "error", v->err->msg);
		rc |= json_add_str(o, "errorReason", mcle_err_name(v->err->code));
	}
	if (v->warning != NULL)
		rc |= json_add_str(o, "warning", v->warning);
	if ((flags & OUT_STATUS) && v->status != NULL)
		rc |= add_opt(o, "status", 1, kube_status_object(v->status));
	if (rc != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
