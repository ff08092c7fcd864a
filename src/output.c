/* output.c - lease state as an aligned table or JSON. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "election.h"
#include "output.h"

static int
is_leader(const struct lease_view *v)
{
	return v->res != NULL && v->res->found && v->identity != NULL &&
	       elect_is_leader(&v->res->entry, v->identity);
}

static int
held(const struct lease_view *v)
{
	return v->res != NULL && v->res->found && v->res->entry.rec.holder[0] != '\0';
}

/* A listed lock that could not be read: its state is unknown, not free. */
static int
unreadable(const struct lease_view *v)
{
	return v->res != NULL && !v->res->found && v->res->entry.err.code != MCLE_OK;
}

static json_object *status_object(const struct lease_view *v);

static json_object *
json_time(int present, mcle_time t)
{
	char buf[MCLE_RFC3339_MAX];

	if (!present)
		return NULL;
	time_format(t, buf);
	return json_object_new_string(buf);
}

json_object *
lease_status_json(const struct lease_result *res, const char *identity)
{
	struct lease_view v;

	memset(&v, 0, sizeof(v));
	v.res = res;
	v.identity = identity;
	return status_object(&v);
}

/* The Lease status the Kubernetes side writes for this namespace. */
static json_object *
status_object(const struct lease_view *v)
{
	const struct store_entry *e = &v->res->entry;
	json_object *o = json_object_new_object();
	int f = v->res->found;

	json_object_object_add(o, "isLeader", json_object_new_boolean(is_leader(v)));
	json_object_object_add(o, "observedHolderIdentity",
			       json_object_new_string(f ? e->rec.holder : ""));
	json_object_object_add(o, "observedAcquireTime", json_time(f, e->ver.created));
	json_object_object_add(o, "observedRenewTime", json_time(f, e->ver.updated));
	/* an int32 for the original controller's readers; epoch is exact */
	json_object_object_add(o, "leaseTransitions",
			       json_object_new_int(f ? record_transitions(&e->rec) : 0));
	json_object_object_add(o, "observedExpireTime",
			       json_time(held(v), elect_expire_time(e)));
	json_object_object_add(o, "epoch", json_object_new_int64(f ? e->rec.epoch : 0));
	return o;
}

static json_object *
view_object(const struct lease_view *v, unsigned flags)
{
	const struct store_entry *e = v->res ? &v->res->entry : NULL;
	int f = v->res != NULL && v->res->found, bad = unreadable(v);
	json_object *o = json_object_new_object();

	json_object_object_add(o, "namespace", json_object_new_string(v->ns));
	json_object_object_add(o, "holderIdentity",
			       bad ? NULL : json_object_new_string(f ? e->rec.holder : ""));
	json_object_object_add(o, "isLeader", json_object_new_boolean(is_leader(v)));
	json_object_object_add(o, "leaseDurationSeconds",
			       f ? json_object_new_int(e->rec.duration) : NULL);
	json_object_object_add(o, "acquireTime", json_time(f, f ? e->ver.created : 0));
	json_object_object_add(o, "renewTime", json_time(f, f ? e->ver.updated : 0));
	json_object_object_add(o, "expireTime", json_time(held(v), held(v) ? elect_expire_time(e) : 0));
	json_object_object_add(o, "leaseTransitions",
			       bad ? NULL : json_object_new_int(f ? record_transitions(&e->rec) : 0));
	json_object_object_add(o, "epoch", bad ? NULL : json_object_new_int64(f ? e->rec.epoch : 0));
	json_object_object_add(o, "storeTime", json_time(f && e->now != 0, f ? e->now : 0));
	if (bad)
		json_object_object_add(o, "corrupt",
				       json_object_new_boolean(e->err.code == MCLE_ECORRUPT));
	if (v->action != NULL)
		json_object_object_add(o, "action", json_object_new_string(v->action));
	if (v->err != NULL && v->err->code != MCLE_OK) {
		json_object_object_add(o, "error", json_object_new_string(v->err->msg));
		json_object_object_add(o, "errorReason",
				       json_object_new_string(mcle_err_name(v->err->code)));
	}
	if ((flags & OUT_STATUS) && v->res != NULL)
		json_object_object_add(o, "status", status_object(v));
	if (v->resource_status != NULL)
		json_object_object_add(o, "resourceStatus", json_object_get(v->resource_status));
	return o;
}

static int
print_json(FILE *f, unsigned flags, const struct lease_view *v, size_t n)
{
	json_object *root;
	size_t i;
	int rc;

	if (n == 1 && !(flags & OUT_ARRAY)) {
		root = view_object(&v[0], flags);
	} else {
		root = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(root, view_object(&v[i], flags));
	}
	rc = fprintf(f, "%s\n", json_object_to_json_string_ext(root,
		     JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
		     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
	return rc < 0 ? -1 : 0;
}

/* "41s", "12m3s", "expired", "-". */
static void
remaining(const struct lease_view *v, char *buf, size_t len)
{
	const struct store_entry *e = &v->res->entry;
	int64_t left;

	if (!held(v) || e->now == 0) {
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

struct row {
	char ns[MCLE_NAMESPACE_MAX + 1];
	char action[16];
	const char *holder;
	char leader[8], epoch[24], duration[16];
	char expires[MCLE_RFC3339_MAX], left[24];
};

static void
fill_row(const struct lease_view *v, struct row *r)
{
	const struct store_entry *e = v->res ? &v->res->entry : NULL;
	int f = v->res != NULL && v->res->found;

	memset(r, 0, sizeof(*r));
	snprintf(r->ns, sizeof(r->ns), "%s", v->ns);
	snprintf(r->action, sizeof(r->action), "%s", v->action ? v->action : "-");
	r->holder = held(v) ? e->rec.holder : "<none>";
	snprintf(r->leader, sizeof(r->leader), "%s", is_leader(v) ? "true" : "false");
	snprintf(r->epoch, sizeof(r->epoch), "%" PRId64, f ? e->rec.epoch : 0);
	if (f)
		snprintf(r->duration, sizeof(r->duration), "%" PRId32 "s", e->rec.duration);
	else
		snprintf(r->duration, sizeof(r->duration), "-");
	if (held(v))
		time_format(elect_expire_time(e), r->expires);
	else
		snprintf(r->expires, sizeof(r->expires), "-");
	if (v->res != NULL)
		remaining(v, r->left, sizeof(r->left));
	else
		snprintf(r->left, sizeof(r->left), "-");
	if (unreadable(v)) {	/* never shown as free: its state is unknown */
		r->holder = e->err.code == MCLE_ECORRUPT ? "<corrupt>" : "<unreadable>";
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
print_text(FILE *f, unsigned flags, const struct lease_view *v, size_t n)
{
	struct row r;
	int wn = 9, wh = 6, wa = 6;
	size_t i;
	int act = (flags & OUT_ACTION) != 0;

	for (i = 0; i < n; i++) {
		fill_row(&v[i], &r);
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
		fill_row(&v[i], &r);
		if (act)
			fprintf(f, "%-*s  %-*s  ", wn, r.ns, wa, r.action);
		else
			fprintf(f, "%-*s  ", wn, r.ns);
		fprintf(f, "%-*s  %-6s  %-5s  %-8s  %-27s  %s\n", wh, r.holder, r.leader,
			r.epoch, r.duration, r.expires, r.left);
	}
	return ferror(f) ? -1 : 0;
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
output_leases(FILE *f, int json, unsigned flags, const struct lease_view *v,
	      size_t n, struct mcle_err *err)
{
	int rc = json ? print_json(f, flags, v, n) : print_text(f, flags, v, n);

	if (rc < 0)
		return mcle_err_errno(err, MCLE_EIO, errno ? errno : EIO,
				      "cannot write to standard output");
	return 0;
}
