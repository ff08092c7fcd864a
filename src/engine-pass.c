/*
 * engine-pass.c - a reconcile-all pass on the loop.
 *
 *   namespaces (cluster listing, or given)
 *     -> store listing  ||  Lease resource listing
 *     -> one job per namespace, max_in_flight at once:
 *          [create the resource] -> lease (acquire from the listed state)
 *          -> [write the status; 409: read it again]
 *     -> the table and the summary
 *
 * Per namespace the pass keeps a compact slot (holders interned); a job's
 * full state exists only while the job runs.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "engine-pass.h"
#include "log.h"
#include "signals.h"
#include "strtab.h"
#include "vec.h"

#define STATUS_TRIES 3

/* What the store says of a lock, compactly. */
struct cobs {
	const char *holder;		/* interned; NULL when not found */
	const char *cluster;		/* interned fingerprint ("" none); NULL when not found */
	int64_t epoch;
	int32_t duration;
	mcle_time acquired, updated, now;
	char ver[STORE_VERSION_MAX + 1];
};

/* A Lease status, compactly. */
struct cstatus {
	unsigned has, bad, null;
	int is_leader;
	const char *holder, *error;	/* interned */
	mcle_time acquire, renew, expire;
	int64_t transitions, epoch;
	int32_t duration;
};

struct slot {
	char ns[MCLE_NAMESPACE_MAX + 1];
	unsigned listed : 1, listed_twice : 1, listed_bad : 1, cr_listed : 1, cr_twice : 1,
		 found : 1, has_status : 1, done : 1, created : 1, written : 1, standby : 1,
		 changed : 1, lapsed : 1, spec_updated : 1,
		 unstarted : 1;		/* the deadline passed or a signal came first */
	enum elect_action action;
	struct cobs obs;
	char *rv;			/* the resource's resourceVersion, or NULL */
	int32_t spec_duration;
	struct cstatus status;
	const char *previous;		/* interned: the holder before the pass */
	/* the legacy lock as listed (its body is read only when it decides) */
	unsigned legacy_present : 1, legacy_bad : 1;
	char legacy_gen[24];
	mcle_time legacy_updated;
	int64_t legacy_epoch;		/* mcleEpoch: taken over by mcle */
	struct mcle_err *err;		/* malloc'd when the namespace failed */
	int64_t lapse_gap;		/* lapsed: by how long (usec), */
	int32_t lapse_duration;		/* under a lease of this many seconds */
};

#define LAPSE_MSG_MAX 160		/* bytes of the lapse's status.lastError */

struct job;

struct pass {
	const struct pass_params *pp;
	struct loop *loop;
	struct vec slots;		/* struct slot, sorted by ns */
	struct strtab *strings;
	mcle_time store_now;		/* the store listing's clock */
	size_t next;			/* the next slot to start */
	size_t running, finished;
	struct job *jobs;
	int lists_pending;
	int list_rc;
	struct mcle_err list_err;
	unsigned warned_dups;
	const char *cluster;		/* this cluster's fingerprint, or "" */
	int have_floor;			/* the epoch floor, read after the listing */
	int64_t floor;
};

enum job_state { J_IDLE, J_RESOURCE, J_LEASE, J_STATUS };

struct job {
	struct pass *p;
	struct slot *s;
	enum job_state state;
	struct lease_op op;
	struct kube_lease cr;
	struct kube_status desired;
	int tries;
	int error_write;		/* the status write records a failure (lastError) */
};

/* --- slots ----------------------------------------------------------------- */

static struct slot *
find_slot(struct pass *p, const char *ns)
{
	size_t lo = 0, hi = p->slots.n, mid;
	struct slot *s;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		s = vec_at(&p->slots, mid);
		c = strcmp(ns, s->ns);
		if (c == 0)
			return s;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static void
fail_slot(struct slot *s, enum mcle_code code, const char *msg)
{
	if (s->err != NULL)
		return;
	if ((s->err = calloc(1, sizeof(*s->err))) == NULL)
		return;
	mcle_err_set(s->err, code, "%s", msg);
}

static void
fail_slot_err(struct slot *s, const struct mcle_err *e)
{
	if (s->err == NULL && (s->err = calloc(1, sizeof(*s->err))) != NULL)
		*s->err = *e;
}

static int
intern(struct pass *p, const char *str, const char **out)
{
	*out = str == NULL ? NULL : strtab_intern(p->strings, str, strlen(str));
	return str != NULL && *out == NULL ? -1 : 0;
}

static int
obs_from(struct pass *p, struct cobs *o, const struct store_entry *e)
{
	o->epoch = e->rec.epoch;
	o->duration = e->rec.duration;
	o->acquired = e->rec.acquired;
	o->updated = e->updated;
	o->now = e->now;
	snprintf(o->ver, sizeof(o->ver), "%s", e->ver.v);
	if (intern(p, e->rec.cluster, &o->cluster) < 0)
		return -1;
	return intern(p, e->rec.holder, &o->holder);
}

static void
legacy_of(const struct slot *s, struct store_legacy *l)
{
	memset(l, 0, sizeof(*l));
	l->present = s->legacy_present;
	l->bad = s->legacy_bad;
	snprintf(l->gen, sizeof(l->gen), "%s", s->legacy_gen);
	l->updated = s->legacy_updated;
	l->mcle_epoch = s->legacy_epoch;
}

static void
entry_of(const struct slot *s, struct store_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", s->ns);
	if (s->obs.holder != NULL)
		snprintf(e->rec.holder, sizeof(e->rec.holder), "%s", s->obs.holder);
	if (s->obs.cluster != NULL)
		snprintf(e->rec.cluster, sizeof(e->rec.cluster), "%s", s->obs.cluster);
	e->rec.epoch = s->obs.epoch;
	e->rec.duration = s->obs.duration;
	e->rec.acquired = s->obs.acquired;
	snprintf(e->ver.v, sizeof(e->ver.v), "%s", s->obs.ver);
	e->updated = s->obs.updated;
	e->now = s->obs.now;
	legacy_of(s, &e->legacy);
}

static int
status_from(struct pass *p, struct cstatus *c, const struct kube_status *k)
{
	c->has = k->has;
	c->bad = k->bad;
	c->null = k->null;
	c->is_leader = k->is_leader;
	c->acquire = k->acquire;
	c->renew = k->renew;
	c->expire = k->expire;
	c->transitions = k->transitions;
	c->epoch = k->epoch;
	c->duration = k->duration;
	if (intern(p, (k->has & KS_HOLDER) ? k->holder : NULL, &c->holder) < 0 ||
	    intern(p, (k->has & KS_ERROR) ? k->error : NULL, &c->error) < 0)
		return -1;
	return 0;
}

static void
status_of(const struct cstatus *c, struct kube_status *k)
{
	memset(k, 0, sizeof(*k));
	k->has = c->has;
	k->bad = c->bad;
	k->null = c->null;
	k->is_leader = c->is_leader;
	k->acquire = c->acquire;
	k->renew = c->renew;
	k->expire = c->expire;
	k->transitions = c->transitions;
	k->epoch = c->epoch;
	k->duration = c->duration;
	if (c->holder != NULL)
		snprintf(k->holder, sizeof(k->holder), "%s", c->holder);
	if (c->error != NULL)
		snprintf(k->error, sizeof(k->error), "%s", c->error);
}

/* Keep what the server answered about the resource. */
static int
keep_cr(struct pass *p, struct slot *s, const struct kube_lease *l)
{
	char *rv = strdup(l->rv);

	if (rv == NULL)
		return -1;
	free(s->rv);
	s->rv = rv;
	s->spec_duration = l->spec_duration;
	s->has_status = l->has_status;
	return status_from(p, &s->status, &l->status);
}

static void
cr_of(const struct slot *s, struct kube_lease *l)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->ns, sizeof(l->ns), "%s", s->ns);
	snprintf(l->rv, sizeof(l->rv), "%s", s->rv != NULL ? s->rv : "");
	l->spec_duration = s->spec_duration;
	l->has_status = s->has_status;
	status_of(&s->status, &l->status);
}

/* --- the namespaces --------------------------------------------------------- */

static int
add_slot(struct pass *p, const char *ns, struct mcle_err *err)
{
	struct slot *s = vec_add(&p->slots);

	if (s == NULL)
		return vec_full(&p->slots) ?
			mcle_err_set(err, MCLE_ECONFIG, "over %d namespaces in one pass",
				     MCLE_NAMESPACES_MAX) :
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	snprintf(s->ns, sizeof(s->ns), "%s", ns);
	return 0;
}

struct ns_gather {
	struct pass *p;
	struct ns_list names;
	int done, rc;
	struct mcle_err err;
};

static int
excluded(const struct pass_params *pp, const char *ns)
{
	return pp->exclude != NULL && ns_list_find(pp->exclude, ns) >= 0;
}

static int
on_namespace(void *arg, const char *name, int terminating, struct mcle_err *err)
{
	struct ns_gather *g = arg;

	if (terminating || excluded(g->p->pp, name)) {
		log_debug("namespace '%s': %s", name, terminating ? "terminating, skipped" : "excluded");
		return 0;
	}
	return ns_list_add(&g->names, name, strlen(name), "namespace list", err);
}

static void
on_ns_reset(void *arg)
{
	struct ns_gather *g = arg;

	g->names.v.n = 0;
}

static void
on_ns_done(void *arg, int rc, const struct mcle_err *err)
{
	struct ns_gather *g = arg;

	g->done = 1;
	g->rc = rc;
	if (rc < 0)
		g->err = *err;
}

static int
gather_done(void *arg)
{
	return ((struct ns_gather *)arg)->done;
}

/* The cluster's namespaces, selected and not excluded. */
static int
gather_cluster(struct pass *p, struct mcle_err *err)
{
	struct kube_list_cb cb = { on_namespace, NULL, on_ns_reset, on_ns_done, NULL };
	struct ns_gather g;
	size_t i, before;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	g.p = p;
	ns_list_init(&g.names);
	cb.arg = &g;
	if (kube_list_namespaces_start(p->pp->kube, p->pp->selector, p->pp->deadline, &cb,
				       err) < 0) {
		ns_list_free(&g.names);
		return -1;
	}
	if (loop_wait(p->loop, gather_done, &g) < 0) {
		ns_list_free(&g.names);
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a listing stalled");
	}
	if (g.rc < 0) {
		ns_list_free(&g.names);
		return mcle_err_set(err, g.err.code, "%s", g.err.msg);
	}
	before = ns_list_count(&g.names);
	ns_list_sort(&g.names);
	if (ns_list_count(&g.names) != before)
		log_warn("%s listed %zu namespaces more than once; each is reconciled once",
			 kube_describe(p->pp->kube), before - ns_list_count(&g.names));
	if (vec_reserve(&p->slots, ns_list_count(&g.names)) < 0)
		rc = mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (i = 0; i < ns_list_count(&g.names) && rc == 0; i++)
		rc = add_slot(p, ns_list_at(&g.names, i), err);
	ns_list_free(&g.names);
	return rc;
}

/* --- the listings ----------------------------------------------------------- */

static int
on_lock(void *arg, const struct store_entry *e, const struct mcle_err *bad,
	struct mcle_err *err)
{
	struct pass *p = arg;
	struct slot *s = find_slot(p, e->name);

	if (s == NULL)
		return 0;	/* another cluster's namespace */
	if (e->legacy.listed) {
		/* listed twice: unreadable, so never taken over in this pass */
		s->legacy_bad = s->legacy_present || e->legacy.bad;
		s->legacy_present = 1;
		snprintf(s->legacy_gen, sizeof(s->legacy_gen), "%s", e->legacy.gen);
		s->legacy_updated = e->legacy.updated;
		s->legacy_epoch = e->legacy.mcle_epoch;
		return 0;
	}
	if (s->listed) {
		s->listed_twice = 1;
		return 0;
	}
	s->listed = 1;
	if (bad != NULL) {
		s->listed_bad = 1;
		fail_slot_err(s, bad);
		return 0;
	}
	s->found = 1;
	if (obs_from(p, &s->obs, e) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
wanted(void *arg, const char *ns)
{
	return find_slot(arg, ns) != NULL;
}

static void
list_finished(struct pass *p, int rc, const struct mcle_err *err)
{
	p->lists_pending--;
	if (rc < 0 && p->list_rc == 0) {
		p->list_rc = -1;
		p->list_err = *err;
	}
}

static void
on_store_listed(struct store_op *op)
{
	struct pass *p = op->arg;

	p->store_now = op->out.now;
	list_finished(p, op->rc, &op->err);
}

static int
on_cr(void *arg, const struct kube_lease *l, struct mcle_err *err)
{
	struct pass *p = arg;
	struct slot *s = find_slot(p, l->ns);

	if (s == NULL)
		return 0;	/* a namespace this pass leaves alone */
	if (s->cr_listed) {
		s->cr_twice = 1;	/* read it on its own before writing */
		if (p->warned_dups++ < 5)
			log_warn("%s '%s' in namespace '%s' listed twice by %s: read again",
				 kube_kind(p->pp->kube)->plural, kube_kind(p->pp->kube)->name,
				 l->ns, kube_describe(p->pp->kube));
		return 0;
	}
	s->cr_listed = 1;
	if (keep_cr(p, s, l) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static void
on_cr_reset(void *arg)
{
	struct pass *p = arg;
	struct slot *s;
	size_t i;

	for (i = 0; i < p->slots.n; i++) {
		s = vec_at(&p->slots, i);
		s->cr_listed = s->cr_twice = 0;
	}
}

static void
on_crs_listed(void *arg, int rc, const struct mcle_err *err)
{
	list_finished(arg, rc, err);
}

static int
lists_done(void *arg)
{
	return ((struct pass *)arg)->lists_pending == 0;
}

/* Wait for the listing started; its error into err. */
static int
wait_listing(struct pass *p, struct mcle_err *err)
{
	if (loop_wait(p->loop, lists_done, p) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: a listing stalled");
	if (p->list_rc < 0)
		return mcle_err_set(err, p->list_err.code, "%s", p->list_err.msg);
	return 0;
}

/*
 * Creates need the epoch floor read after the absence was seen (lease.c):
 * the listing saw it, so one read now serves every create of the pass.  If
 * it fails, each create reads it on its own.
 */
static void
read_floor(struct pass *p)
{
	struct mcle_err e = MCLE_ERR_INIT;
	struct store_op op;
	struct slot *s;
	size_t i;

	for (i = 0; i < p->slots.n; i++) {
		s = vec_at(&p->slots, i);
		if (!s->found && !s->listed_bad)
			break;
	}
	if (i == p->slots.n)
		return;
	store_floor_op(&op, p->pp->deadline);
	store_run(p->pp->store, &op);
	if (store_floor_of(&op, &p->floor, &e) == 0)
		p->have_floor = 1;
	else
		log_debug("pass: %s", e.msg);
}

/*
 * The cluster's Lease resources, then the store: the store is never
 * touched when the cluster side cannot work (no CRD, no permission).
 */
static int
observe(struct pass *p, struct store_op *sop, struct mcle_err *err)
{
	struct kube_list_cb cb = { NULL, on_cr, on_cr_reset, on_crs_listed, p };

	if (p->pp->kube != NULL) {
		if (kube_list_leases_start(p->pp->kube, p->pp->deadline, &cb, err) < 0)
			return -1;
		p->lists_pending = 1;
		if (wait_listing(p, err) < 0)
			return -1;
	}
	memset(sop, 0, sizeof(*sop));
	sop->verb = STORE_LIST;
	sop->deadline = p->pp->deadline;
	sop->each = on_lock;
	sop->each_arg = p;
	sop->want = wanted;
	sop->legacy = 1;
	sop->done = on_store_listed;
	sop->arg = p;
	if (store_submit(p->pp->store, sop) < 0)
		return mcle_err_set(err, sop->err.code, "%s", sop->err.msg);
	p->lists_pending = 1;
	if (wait_listing(p, err) < 0)
		return -1;
	read_floor(p);
	return 0;
}

/* --- the jobs --------------------------------------------------------------- */

static void job_next(struct pass *p, struct job *j);
static void job_lease(struct job *j);
static void job_status(struct job *j);

static void
job_done(struct job *j)
{
	struct pass *p = j->p;

	j->s->done = 1;
	j->state = J_IDLE;
	j->s = NULL;
	p->running--;
	p->finished++;
	job_next(p, j);
}

static void
job_fail(struct job *j, const struct mcle_err *e)
{
	fail_slot_err(j->s, e);
	job_done(j);
}

static void
on_resource(void *arg, struct kube_reply *r)
{
	struct job *j = arg;

	if (r->rc < 0) {
		if (r->ns_missing)
			fail_slot(j->s, MCLE_ENOTFOUND, "the namespace no longer exists");
		job_fail(j, &r->err);
		return;
	}
	j->s->created = r->created;
	if (keep_cr(j->p, j->s, &r->lease) < 0) {
		fail_slot(j->s, MCLE_ENOMEM, "out of memory");
		job_done(j);
		return;
	}
	j->s->cr_listed = 1;
	j->s->cr_twice = 0;
	job_lease(j);
}

/* The resource first: it must exist, or we never lead the namespace. */
static void
job_resource(struct job *j)
{
	const struct pass_params *pp = j->p->pp;
	struct mcle_err e = MCLE_ERR_INIT;
	int rc;

	j->state = J_RESOURCE;
	if (j->s->cr_twice)
		rc = kube_get_lease_start(pp->kube, j->s->ns, pp->deadline, on_resource, j, &e);
	else
		rc = kube_create_lease_start(pp->kube, j->s->ns, pp->p.identity, pp->p.duration,
					     pp->deadline, on_resource, j, &e);
	if (rc < 0)
		job_fail(j, &e);
}

/* Why a slot lapsed, made when needed: slots stay small. */
static void
lapse_text(const struct slot *s, char *buf, size_t size)
{
	snprintf(buf, size, "our lease had lapsed %lld.%03lld s before it was renewed "
		 "(lease %d s): the lease is too short for the cadence",
		 (long long)(s->lapse_gap / MCLE_USEC),
		 (long long)(s->lapse_gap % MCLE_USEC / 1000), (int)s->lapse_duration);
}

/* Our own lease had expired when we renewed it: the lease is too short for the cadence. */
static void
note_lapse(struct job *j, const struct lease_op *op)
{
	const struct store_entry *o = &j->op.observed;
	char msg[LAPSE_MSG_MAX];
	int64_t gap;

	if (op->res.action != ELECT_TAKEOVER || !j->s->found || j->s->obs.holder == NULL ||
	    strcmp(j->s->obs.holder, j->p->pp->p.identity) != 0)
		return;
	gap = o->now - elect_expire_time(o);
	j->s->lapsed = 1;
	j->s->lapse_gap = gap;
	j->s->lapse_duration = o->rec.duration;
	lapse_text(j->s, msg, sizeof(msg));
	log_warn("namespace '%s': %s", j->s->ns, msg);
}

/*
 * A failure recorded in the resource's status.lastError, the rest of the
 * status as it stands.  One write, no retry after a conflict: the status
 * read again is someone's newer one, and this pass tells its error anyway.
 */
static void
job_fail_status(struct job *j, const struct mcle_err *e)
{
	struct slot *s = j->s;

	fail_slot_err(s, e);
	if (j->p->pp->kube == NULL || s->rv == NULL) {
		job_done(j);
		return;
	}
	status_of(&s->status, &j->desired);
	cluster_set_error(&j->desired, s->err != NULL ? s->err->msg : e->msg);
	j->error_write = 1;
	j->tries = 0;
	job_status(j);
}

static void
on_lease(struct lease_op *op)
{
	struct job *j = op->arg;
	struct slot *s = j->s;
	struct mcle_err e = MCLE_ERR_INIT;
	char msg[LAPSE_MSG_MAX];

	/* our identity, written from another cluster: never ours to act on */
	if (op->res.found && elect_foreign_err(&op->res.entry, &op->p, s->ns, &e) < 0) {
		job_fail_status(j, &e);
		return;
	}
	if (op->rc < 0 && op->err.code != MCLE_EBUSY) {
		job_fail_status(j, &op->err);
		return;
	}
	s->standby = op->rc < 0;
	s->action = op->res.action;
	note_lapse(j, op);
	s->found = op->res.found;
	if (op->res.found && obs_from(j->p, &s->obs, &op->res.entry) < 0) {
		fail_slot(s, MCLE_ENOMEM, "out of memory");
		job_done(j);
		return;
	}
	if (j->p->pp->kube == NULL) {
		job_done(j);
		return;
	}
	cluster_desired(&op->res, j->p->pp->p.identity, &j->desired);
	if (s->lapsed) {
		lapse_text(s, msg, sizeof(msg));
		cluster_set_error(&j->desired, msg);
	}
	j->tries = 0;
	j->error_write = 0;
	job_status(j);
}

static void
job_lease(struct job *j)
{
	const struct pass_params *pp = j->p->pp;
	struct elect_params ep = pp->p;
	struct slot *s = j->s;

	j->state = J_LEASE;
	/* what this cluster recorded (an empty holder reads back absent), else the store */
	s->previous = s->found ? s->obs.holder : NULL;
	if (s->has_status && (s->status.has & (KS_HOLDER | KS_LEADER)))
		s->previous = (s->status.has & KS_HOLDER) ? s->status.holder : NULL;
	if (s->spec_duration > 0 && !pp->duration_explicit)
		ep.duration = s->spec_duration;
	ep.cluster = j->p->cluster;
	lease_op_init(&j->op, pp->store, LEASE_ACQUIRE, s->ns, &ep, pp->deadline);
	j->op.have_observed = 1;
	if (s->found) {
		entry_of(s, &j->op.observed);
	} else {
		j->op.observed_absent = 1;
		j->op.observed.now = j->p->store_now;
		legacy_of(s, &j->op.observed.legacy);
		j->op.have_floor = j->p->have_floor;
		j->op.floor = j->p->floor;
	}
	j->op.done = on_lease;
	j->op.arg = j;
	lease_start(&j->op);
}

static void on_status(void *arg, struct kube_reply *r);

static void
on_spec(void *arg, struct kube_reply *r)
{
	struct job *j = arg;

	if (r->rc < 0 && r->err.code == MCLE_EPRECOND) {
		/* changed meanwhile: the next pass sets it again */
		log_debug("spec of '%s' changed meanwhile; left for the next pass", j->s->ns);
		job_done(j);
		return;
	}
	if (r->rc < 0) {
		job_fail(j, &r->err);
		return;
	}
	j->s->spec_updated = 1;
	if (keep_cr(j->p, j->s, &r->lease) < 0)
		fail_slot(j->s, MCLE_ENOMEM, "out of memory");
	job_done(j);
}

/*
 * An explicit --lease-duration wins over the resource's spec, and the spec
 * says so afterwards: the duration is what the next pass (and every
 * cluster without the option) reads.  Not a leadership write: a merge
 * patch of that one field, conditional on the resourceVersion just seen.
 */
static void
job_spec(struct job *j)
{
	const struct pass_params *pp = j->p->pp;
	struct mcle_err e = MCLE_ERR_INIT;

	if (!pp->duration_explicit || j->s->err != NULL || j->s->rv == NULL ||
	    j->s->spec_duration == pp->p.duration) {
		job_done(j);
		return;
	}
	cr_of(j->s, &j->cr);
	if (kube_patch_spec_start(pp->kube, &j->cr, pp->p.duration, pp->deadline, on_spec, j,
				  &e) < 0)
		job_fail(j, &e);
}

static void
on_reread(void *arg, struct kube_reply *r)
{
	struct job *j = arg;

	if (r->rc < 0) {
		job_fail(j, &r->err);
		return;
	}
	if (keep_cr(j->p, j->s, &r->lease) < 0) {
		fail_slot(j->s, MCLE_ENOMEM, "out of memory");
		job_done(j);
		return;
	}
	job_status(j);
}

static void
on_status(void *arg, struct kube_reply *r)
{
	struct job *j = arg;
	const struct pass_params *pp = j->p->pp;
	struct mcle_err e = MCLE_ERR_INIT;

	if (r->rc == 0) {
		j->s->written = 1;
		j->s->changed = !(j->cr.has_status && (j->cr.status.has & KS_HOLDER)) ||
				strcmp(j->cr.status.holder, j->desired.holder) != 0;
		if (keep_cr(j->p, j->s, &r->lease) < 0)
			fail_slot(j->s, MCLE_ENOMEM, "out of memory");
		job_spec(j);
		return;
	}
	if (r->err.code != MCLE_EPRECOND || j->error_write) {
		job_fail(j, &r->err);
		return;
	}
	/* 409: someone wrote in between; read it and decide again */
	log_debug("status of '%s' changed meanwhile; reading it again", j->s->ns);
	if (kube_get_lease_start(pp->kube, j->s->ns, pp->deadline, on_reread, j, &e) < 0)
		job_fail(j, &e);
}

static void
job_status(struct job *j)
{
	const struct pass_params *pp = j->p->pp;
	struct mcle_err e = MCLE_ERR_INIT;

	j->state = J_STATUS;
	cr_of(j->s, &j->cr);
	if (!cluster_needs_write(j->cr.has_status, &j->cr.status, &j->desired)) {
		job_spec(j);
		return;
	}
	if (++j->tries > STATUS_TRIES) {
		mcle_err_set(&e, MCLE_EUNAVAIL,
			     "status of the Lease resource in namespace '%s' kept changing; try again",
			     j->s->ns);
		job_fail(j, &e);
		return;
	}
	if (kube_put_status_start(pp->kube, &j->cr, &j->desired, pp->deadline, on_status, j,
				  &e) < 0)
		job_fail(j, &e);
}

/* Start slot s on job j (free). */
static void
job_start(struct pass *p, struct job *j, struct slot *s)
{
	j->p = p;
	j->s = s;
	p->running++;
	if (s->err != NULL) {			/* a lock we cannot read: never overwrite it */
		job_fail_status(j, s->err);
		return;
	}
	if (s->listed_twice) {
		fail_slot(s, MCLE_ECORRUPT,
			  "the store lists this lock twice: not acting on it in this pass");
		job_done(j);
		return;
	}
	if (p->pp->kube != NULL && (!s->cr_listed || s->cr_twice))
		job_resource(j);
	else
		job_lease(j);
}

/* The next slot for a job that just became free, unless the pass must stop. */
static void
job_next(struct pass *p, struct job *j)
{
	struct slot *s;

	while (p->next < p->slots.n) {
		s = vec_at(&p->slots, p->next++);
		if (signals_pending()) {
			fail_slot(s, MCLE_EUNAVAIL, "not reconciled: interrupted by a signal");
			s->unstarted = 1;
		} else if (time_now_mono() >= p->pp->deadline) {
			fail_slot(s, MCLE_EUNAVAIL, "not reconciled: the pass's deadline passed");
			s->unstarted = 1;
		} else {
			job_start(p, j, s);
			return;
		}
		s->done = 1;
		p->finished++;
	}
}

/*
 * Whether a lock listed as held by our identity carries a fingerprint.
 * The fingerprint comes with the namespace listing at no cost; when a
 * selector left kube-system out, it is read (one GET) only when such a
 * lock could be another cluster's: a record without one is accepted.
 */
static int
own_fingerprinted(struct pass *p)
{
	const struct slot *s;
	size_t i;

	for (i = 0; i < p->slots.n; i++) {
		s = vec_at(&p->slots, i);
		if (s->found && s->obs.holder != NULL && s->obs.cluster != NULL &&
		    s->obs.cluster[0] != '\0' && strcmp(s->obs.holder, p->pp->p.identity) == 0)
			return 1;
	}
	return 0;
}

static int
all_done(void *arg)
{
	struct pass *p = arg;

	return p->finished == p->slots.n;
}

static int
run_jobs(struct pass *p, struct mcle_err *err)
{
	size_t n = (size_t)p->pp->max_in_flight, i;

	if (n < 1)
		n = 1;
	if (n > p->slots.n)
		n = p->slots.n;
	if (n == 0)
		return 0;
	if ((p->jobs = calloc(n, sizeof(*p->jobs))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	log_debug("pass: %zu namespaces, %d requests in flight at most", p->slots.n,
		  p->pp->max_in_flight);
	for (i = 0; i < n; i++)
		job_next(p, &p->jobs[i]);
	/* after a signal the jobs in flight finish: no write is left unsettled */
	if (loop_wait(p->loop, all_done, p) < 0)
		return mcle_err_set(err, MCLE_ECONFIG, "internal error: the pass stalled");
	return 0;
}

/* --- the report ------------------------------------------------------------- */

static const char *
action_word(const struct slot *s)
{
	if (s->err != NULL)
		return "error";
	if (s->standby)
		return "standby";
	switch (s->action) {
	case ELECT_CREATE:
	case ELECT_TAKEOVER:
		return "acquired";
	case ELECT_RENEW:
		return "renewed";
	default:
		return "standby";
	}
}

struct view_ctx {
	struct pass *p;
	struct kube_status status;
};

static void
view_of(void *arg, size_t i, struct lease_view *v, struct lease_result *res)
{
	struct view_ctx *c = arg;
	struct pass *p = c->p;
	const struct slot *s = vec_at(&p->slots, i);

	memset(res, 0, sizeof(*res));
	res->found = s->found && !s->listed_bad;
	entry_of(s, &res->entry);
	res->action = s->action;
	v->ns = s->ns;
	v->res = res;
	v->identity = p->pp->p.identity;
	v->skew = p->pp->p.skew;
	v->action = action_word(s);
	v->err = s->err;
	v->unreadable = s->listed_bad;
	cluster_desired(res, p->pp->p.identity, &c->status);
	v->status = s->err == NULL ? &c->status : NULL;
}

static void
observe_slot(struct pass *p, const struct slot *s)
{
	struct lease_result res;
	struct pass_ns r;
	const char *holder = s->found && s->obs.holder != NULL && *s->obs.holder ? s->obs.holder : NULL;

	memset(&r, 0, sizeof(r));
	r.ns = s->ns;
	r.action = action_word(s);
	r.err = s->err;
	r.holder = holder;
	r.previous = s->previous != NULL && *s->previous ? s->previous : NULL;
	entry_of(s, &res.entry);
	r.leader = s->err == NULL && holder != NULL && elect_is_leader(&res.entry, p->pp->p.identity);
	r.epoch = s->found ? s->obs.epoch : 0;
	r.expire = holder != NULL ? elect_expire_time(&res.entry) : 0;
	r.status_changed = s->changed;
	r.lapsed = s->lapsed;
	p->pp->observe(p->pp->observe_arg, &r);
}

static int
report(struct pass *p, struct pass_summary *sum, struct mcle_err *err)
{
	struct view_ctx ctx = { p, { 0 } };
	const struct slot *s;
	size_t i, unstarted = 0;

	memset(sum, 0, sizeof(*sum));
	sum->namespaces = p->slots.n;
	sum->with_cluster = p->pp->kube != NULL;
	for (i = 0; i < p->slots.n; i++) {
		s = vec_at(&p->slots, i);
		if (s->unstarted) {
			/* one line for them all, below: not one per namespace */
			sum->failed++;
			unstarted++;
		} else if (s->err != NULL) {
			sum->failed++;
			output_ns_error(p->pp->out, s->ns, s->err, err);
		} else if (s->standby || s->action == ELECT_BUSY) {
			sum->standby++;
		} else {
			sum->leader++;
		}
		sum->created += s->created;
		sum->written += s->written;
		if (p->pp->observe != NULL)
			observe_slot(p, s);
	}
	if ((!p->pp->no_table && output_leases(p->pp->out, view_of, &ctx, p->slots.n,
					       OUT_ARRAY | OUT_STATUS | OUT_ACTION, err) < 0) ||
	    output_summary(p->pp->out, sum, err) < 0)
		return -1;
	log_debug("pass: %zu namespaces, %zu leader, %zu standby, %zu failed, %zu created, %zu written",
		  sum->namespaces, sum->leader, sum->standby, sum->failed, sum->created, sum->written);
	if (unstarted > 0)
		return mcle_err_set(err, MCLE_EUNAVAIL, "%s: %zu of %zu namespaces not reconciled",
				    signals_pending() ? "interrupted by a signal" :
				    "the pass's deadline passed", unstarted, sum->namespaces);
	if (sum->failed > 0)
		return mcle_err_set(err, MCLE_EPARTIAL, "%zu of %zu namespaces failed", sum->failed,
				    sum->namespaces);
	return 0;
}

static void
pass_free(struct pass *p)
{
	struct slot *s;
	size_t i;

	for (i = 0; i < p->slots.n; i++) {
		s = vec_at(&p->slots, i);
		free(s->rv);
		free(s->err);
	}
	vec_free(&p->slots);
	strtab_free(p->strings);
	free(p->jobs);
}

int
engine_pass(const struct pass_params *pp, struct pass_summary *sum, struct mcle_err *err)
{
	struct vec slots = VEC_INIT(struct slot, MCLE_NAMESPACES_MAX);
	struct store_op sop;
	struct pass p;
	size_t i;
	int rc = -1;

	memset(sum, 0, sizeof(*sum));
	memset(&p, 0, sizeof(p));
	p.pp = pp;
	p.loop = pp->store->params.loop;
	p.slots = slots;
	if ((p.strings = strtab_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	p.cluster = "";
	if (pp->kube != NULL) {
		if (gather_cluster(&p, err) < 0)
			goto out;
		p.cluster = kube_fingerprint_listed(pp->kube);
	} else {
		if (vec_reserve(&p.slots, ns_list_count(pp->names)) < 0) {
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < ns_list_count(pp->names); i++)
			if (add_slot(&p, ns_list_at(pp->names, i), err) < 0)
				goto out;
	}
	if (observe(&p, &sop, err) < 0)
		goto out;
	if (pp->kube != NULL && p.cluster[0] == '\0' && own_fingerprinted(&p))
		p.cluster = kube_fingerprint(pp->kube, pp->deadline);
	if (run_jobs(&p, err) < 0)
		goto out;
	rc = report(&p, sum, err);
out:
	pass_free(&p);
	return rc;
}
