/*
 * engine-gc.c - mcle gc and mcle repair: locks removed or replaced under
 * the epoch floor (the argument is in engine-gc.h and mcle-gc(1)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "election.h"
#include "engine-gc.h"
#include "engine-locks.h"
#include "kube-namespaces.h"
#include "log.h"

/* One lock of a name that does not exist, and what gc did with it. */
struct gc_row {
	struct store_entry e;		/* as read just before deciding */
	int found;
	const char *action;
	struct mcle_err *err;		/* failed or unreadable: why */
};

struct gc_run {
	const struct gc_params *gp;
	struct vec rows;		/* struct gc_row */
	struct ns_list exist;		/* the cluster's namespaces */
};

/* --- the names that exist ----------------------------------------------------- */

/* Every namespace of the cluster (no selector: a lock outside it still has a name). */
static int
cluster_names(struct gc_run *r, struct mcle_err *err)
{
	const struct gc_params *gp = r->gp;

	return kube_namespaces(gp->kube, gp->store->params.loop, NULL, gp->deadline, &r->exist,
			       err);
}

static int
exists(const struct gc_run *r, const char *name)
{
	const struct ns_list *l = r->gp->kube != NULL ? &r->exist : r->gp->names;

	return ns_list_find(l, name) >= 0;
}

/* --- one lock ------------------------------------------------------------------ */

static int
row_error(struct gc_row *row, const struct mcle_err *why, const char *action)
{
	if ((row->err = malloc(sizeof(*row->err))) == NULL)
		return -1;
	*row->err = *why;
	row->action = action;
	return 0;
}

/*
 * Read the lock again (its exact version, the store's clock now), then:
 * live -> kept; else raise the floor to its epoch, then remove exactly
 * that version (412: it changed - someone took it - kept).
 */
static int
collect(struct gc_run *r, const char *name, struct gc_row *row)
{
	const struct gc_params *gp = r->gp;
	struct mcle_err e = MCLE_ERR_INIT;
	struct store_op op;

	if (store_read(gp->store, name, gp->deadline, &row->e, &e) < 0) {
		snprintf(row->e.name, sizeof(row->e.name), "%s", name);
		if (e.code == MCLE_ENOTFOUND) {
			row->action = "gone";
			return 0;
		}
		return row_error(row, &e, e.code == MCLE_ECORRUPT ? "kept-unreadable" : "failed");
	}
	row->found = 1;
	if (elect_is_live(&row->e, gp->skew)) {
		row->action = "kept-live";
		return 0;
	}
	if (gp->dry_run) {
		row->action = "would-remove";
		return 0;
	}
	if (store_floor_raise(gp->store, row->e.rec.epoch, gp->deadline, &e) < 0)
		return row_error(row, &e, "failed");
	memset(&op, 0, sizeof(op));
	op.verb = STORE_REMOVE;
	snprintf(op.name, sizeof(op.name), "%s", name);
	op.expect = row->e.ver;
	op.deadline = gp->deadline;
	/* absent after a retried remove: the first attempt removed it */
	if (store_run(gp->store, &op) == 0 || op.err.code == MCLE_ENOTFOUND) {
		row->action = "removed";
		return 0;
	}
	if (op.err.code == MCLE_EPRECOND) {
		log_debug("gc: lock '%s' changed since it was read: kept", name);
		row->action = "kept-changed";
		return 0;
	}
	return row_error(row, &op.err, "failed");
}

/* --- the report ------------------------------------------------------------------ */

struct view_ctx {
	struct gc_run *r;
};

static void
view_of(void *arg, size_t i, struct lease_view *v, struct lease_result *res)
{
	const struct gc_run *r = ((struct view_ctx *)arg)->r;
	const struct gc_row *row = vec_at(&r->rows, i);

	memset(v, 0, sizeof(*v));
	memset(res, 0, sizeof(*res));
	res->found = row->found;
	res->entry = row->e;
	v->ns = row->e.name;
	v->res = row->err != NULL && !row->found ? NULL : res;
	v->skew = r->gp->skew;
	v->action = row->action;
	v->err = row->err;
	v->unreadable = row->err != NULL && row->err->code == MCLE_ECORRUPT;
}

static int
report(struct gc_run *r, struct gc_summary *sum, struct mcle_err *err)
{
	struct view_ctx ctx = { r };
	const struct gc_row *row;
	size_t i;

	for (i = 0; i < r->rows.n; i++) {
		row = vec_at(&r->rows, i);
		if (strcmp(row->action, "removed") == 0 || strcmp(row->action, "would-remove") == 0)
			sum->removed++;
		else if (strcmp(row->action, "failed") == 0)
			sum->failed++;
		else
			sum->kept++;
		if (row->err != NULL &&
		    output_ns_error(r->gp->out, row->e.name, row->err, err) < 0)
			return -1;
	}
	if (output_leases(r->gp->out, view_of, &ctx, r->rows.n, OUT_ARRAY | OUT_ACTION, err) < 0)
		return -1;
	log_debug("gc: %zu locks, %zu %s, %zu kept, %zu failed", sum->locks, sum->removed,
		  r->gp->dry_run ? "to remove" : "removed", sum->kept, sum->failed);
	if (sum->failed > 0)
		return mcle_err_set(err, MCLE_EPARTIAL, "%zu of %zu locks could not be collected",
				    sum->failed, r->rows.n);
	return 0;
}

int
engine_gc(const struct gc_params *gp, struct gc_summary *sum, struct mcle_err *err)
{
	struct vec rows = VEC_INIT(struct gc_row, ENGINE_LOCKS_MAX);
	struct lock_table t = { 0 };
	struct gc_run r;
	struct gc_row *row;
	size_t i;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	memset(&r, 0, sizeof(r));
	r.gp = gp;
	r.rows = rows;
	ns_list_init(&r.exist);
	if ((gp->kube != NULL && cluster_names(&r, err) < 0) ||
	    engine_locks(gp->store, gp->deadline, &t, err) < 0)
		goto out;
	sum->locks = t.rows.n;
	for (i = 0; i < t.rows.n; i++) {
		const struct lock_row *lr = vec_at(&t.rows, i);

		if (exists(&r, lr->name) || (i > 0 && strcmp(lr->name,
			   ((const struct lock_row *)vec_at(&t.rows, i - 1))->name) == 0))
			continue;
		if ((row = vec_add(&r.rows)) == NULL) {
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			goto out;
		}
		memset(row, 0, sizeof(*row));
		if (collect(&r, lr->name, row) < 0) {
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			goto out;
		}
	}
	rc = report(&r, sum, err);
out:
	for (i = 0; i < r.rows.n; i++)
		free(((struct gc_row *)vec_at(&r.rows, i))->err);
	vec_free(&r.rows);
	ns_list_free(&r.exist);
	lock_table_free(&t);
	return rc;
}

/* --- repair ---------------------------------------------------------------------- */

static int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* The corrupt lock as read: its version and any epoch it still shows. */
static int
read_corrupt(const struct repair_params *rp, struct store_entry *e, struct mcle_err *err)
{
	struct mcle_err re = MCLE_ERR_INIT;

	if (store_read(rp->store, rp->ns, rp->deadline, e, &re) == 0)
		return mcle_err_set(err, MCLE_ECONFIG,
				    "lock '%s' is readable (holder '%s', epoch %lld): nothing to repair; use release",
				    rp->ns, e->rec.holder, (long long)e->rec.epoch);
	if (re.code == MCLE_ENOTFOUND)
		return mcle_err_set(err, MCLE_ECONFIG, "no lock '%s': nothing to repair", rp->ns);
	if (re.code != MCLE_ECORRUPT)
		return mcle_err_set(err, re.code, "%s", re.msg);
	if (e->ver.v[0] == '\0')
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "lock '%s' has no readable version to replace conditionally (%s): remove it by hand, then raise the floor",
				    rp->ns, re.msg);
	log_warn("lock '%s': %s", rp->ns, re.msg);
	return 0;
}

int
engine_repair(const struct repair_params *rp, struct mcle_err *err)
{
	struct lease_view v;
	struct lease_result res;
	struct store_entry cur;
	struct store_op op;
	int64_t epoch, floor;

	memset(&cur, 0, sizeof(cur));
	if (read_corrupt(rp, &cur, err) < 0)
		return -1;
	/* what the record still says, what the cluster saw, what the user vouches for */
	epoch = max64(max64(cur.rec.epoch, rp->cluster_epoch), rp->min_epoch);
	if (epoch <= 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "no epoch can be salvaged from lock '%s': give --min-epoch N, "
				    "at least the last epoch it issued", rp->ns);
	memset(&op, 0, sizeof(op));
	op.verb = STORE_REPLACE;
	snprintf(op.name, sizeof(op.name), "%s", rp->ns);
	op.expect = cur.ver;
	op.rec.duration = cur.rec.duration > 0 ? cur.rec.duration : rp->duration;
	op.deadline = rp->deadline;
	if (!rp->dry_run && store_floor_raise(rp->store, epoch, rp->deadline, err) < 0)
		return -1;
	if (store_floor_read(rp->store, rp->deadline, &floor, &res.entry, err) < 0)
		return -1;
	op.rec.epoch = max64(epoch, floor) + 1;
	if (op.rec.epoch > MCLE_EPOCH_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT, "lock '%s': no epoch left above %lld",
				    rp->ns, (long long)max64(epoch, floor));
	memset(&res, 0, sizeof(res));
	res.found = 1;
	res.entry = cur;
	res.entry.rec = op.rec;
	if (!rp->dry_run) {
		if (store_run(rp->store, &op) < 0)
			return mcle_err_set(err, op.err.code == MCLE_EPRECOND ? MCLE_ELOST : op.err.code,
					    "%s", op.err.code == MCLE_EPRECOND ?
					    "lock changed while it was repaired: look again" : op.err.msg);
		res.entry = op.out;
	}
	memset(&v, 0, sizeof(v));
	v.ns = rp->ns;
	v.res = &res;
	v.action = rp->dry_run ? "would-repair" : "repaired";
	return output_views(rp->out, &v, 1, OUT_ACTION, err);
}
