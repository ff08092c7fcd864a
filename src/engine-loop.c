/*
 * engine-loop.c - passes on a schedule, with what operators watch them by:
 * metrics (metrics.c, served by httpd.c or written to a file), Events
 * (kube-events.c) and log lines on every change of holder.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "engine-loop.h"
#include "httpd.h"
#include "kube-events.h"
#include "log.h"
#include "metrics.h"
#include "signals.h"
#include "vec.h"

#define STATUS_TRIES 3
#define METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

/* What a namespace's last pass found. */
struct memo {
	char ns[MCLE_NAMESPACE_MAX + 1];
	char *holder;			/* malloc'd; NULL: nobody */
	int leader;
};

struct families {
	struct metric *leader, *expiry, *epoch, *states, *passes, *duration, *last_ok,
		      *requests, *retries, *conns, *events, *lapses;
};

struct run {
	const struct loop_params *lp;
	struct pass_params pp;
	struct loop *loop;
	struct metrics *m;
	struct families f;
	struct httpd *httpd;
	struct kube_events *ev;
	struct vec memo, next;		/* struct memo, in the pass's (sorted) order */
	size_t cursor;
	int observed;			/* this pass has reported namespaces */
	size_t nleader, nstandby, nfailed;
	int64_t started, last_done;	/* monotonic */
	unsigned long completed;	/* passes that completed (success or partial) */
	int stopping;
};

/* --- metrics --------------------------------------------------------------------- */

static const double duration_buckets[] = {
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120
};

static int
families_new(struct run *run)
{
	struct metrics *m = run->m;
	struct families *f = &run->f;

	f->leader = metrics_family(m, "mcle_leader", METRIC_GAUGE,
				   "1 when this cluster holds the namespace's lease, else 0",
				   "namespace", NULL);
	f->expiry = metrics_family(m, "mcle_lease_expiry_timestamp_seconds", METRIC_GAUGE,
				   "When the namespace's lease expires, by the store's clock",
				   "namespace", NULL);
	f->epoch = metrics_family(m, "mcle_lease_epoch", METRIC_GAUGE,
				  "The term of the namespace's lease (grows with every new holder)",
				  "namespace", NULL);
	f->states = metrics_family(m, "mcle_namespaces", METRIC_GAUGE,
				   "Namespaces by state after the last pass", "state", NULL);
	f->passes = metrics_family(m, "mcle_passes_total", METRIC_COUNTER,
				   "Passes by result: success, partial (some namespaces failed), failed",
				   "result", NULL);
	f->duration = metrics_histogram(m, "mcle_pass_duration_seconds", "How long passes took",
					duration_buckets,
					sizeof(duration_buckets) / sizeof(duration_buckets[0]));
	f->last_ok = metrics_family(m, "mcle_last_success_timestamp_seconds", METRIC_GAUGE,
				    "When the last pass that reconciled every namespace ended",
				    NULL, NULL);
	f->requests = metrics_family(m, "mcle_http_requests_total", METRIC_COUNTER,
				     "HTTP attempts by server and status class (none: no answer)",
				     "server", "code");
	f->retries = metrics_family(m, "mcle_http_retries_total", METRIC_COUNTER,
				    "HTTP attempts after a request's first", "server", NULL);
	f->conns = metrics_family(m, "mcle_http_connections_total", METRIC_COUNTER,
				  "Connections opened", "server", NULL);
	f->events = metrics_family(m, "mcle_events_total", METRIC_COUNTER,
				   "Kubernetes Events by result: sent, failed, suppressed (rate limit)",
				   "result", NULL);
	f->lapses = metrics_family(m, "mcle_lease_lapses_total", METRIC_COUNTER,
				   "Renewals of our own lease after it had expired", NULL, NULL);
	if (f->leader == NULL || f->expiry == NULL || f->epoch == NULL || f->states == NULL ||
	    f->passes == NULL || f->duration == NULL || f->last_ok == NULL ||
	    f->requests == NULL || f->retries == NULL || f->conns == NULL ||
	    f->events == NULL || f->lapses == NULL)
		return -1;
	/* every series from the start, so that rate() and absent() work at once */
	return metric_set(f->passes, 0, "success", NULL) | metric_set(f->passes, 0, "partial", NULL) |
	       metric_set(f->passes, 0, "failed", NULL) | metric_set(f->lapses, 0, NULL, NULL) |
	       metric_set(f->last_ok, 0, NULL, NULL);
}

static void
client_stats(void *arg, const char *label, const struct http_stats *st)
{
	static const char *const classes[6] = { "none", "1xx", "2xx", "3xx", "4xx", "5xx" };
	struct run *run = arg;
	int i;

	for (i = 0; i < 6; i++)
		if (st->requests[i] > 0 || i == 2)
			metric_add(run->f.requests, (double)st->requests[i], label, classes[i]);
	metric_add(run->f.retries, (double)st->retries, label, NULL);
	metric_add(run->f.conns, (double)st->connections, label, NULL);
}

/* The counters kept elsewhere (HTTP, Events), copied in. */
static void
refresh_counters(struct run *run)
{
	struct kube_events_stats es;

	metric_clear(run->f.requests);
	metric_clear(run->f.retries);
	metric_clear(run->f.conns);
	if (run->lp->http != NULL)
		http_engine_each_client(run->lp->http, client_stats, run);
	if (run->ev == NULL)
		return;
	kube_events_stats(run->ev, &es);
	metric_set(run->f.events, (double)es.sent, "sent", NULL);
	metric_set(run->f.events, (double)es.failed, "failed", NULL);
	metric_set(run->f.events, (double)es.suppressed, "suppressed", NULL);
}

static void
write_metrics(struct run *run)
{
	struct mcle_err e = MCLE_ERR_INIT;

	if (run->lp->metrics_file == NULL)
		return;
	refresh_counters(run);
	if (metrics_write_file(run->m, run->lp->metrics_file, &e) < 0)
		log_warn("%s", e.msg);
}

/* --- what each namespace's pass found ---------------------------------------------- */

static int
same_holder(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static int
is_me(const struct run *run, const char *h)
{
	return h != NULL && strcmp(h, run->pp.p.identity) == 0;
}

static enum kube_event_why
why_of(const struct run *run, const char *prev, const char *now)
{
	if (is_me(run, now))
		return prev == NULL ? KEV_ACQUIRED : KEV_TAKEN_OVER;
	if (is_me(run, prev))
		return KEV_LOST;
	return KEV_CHANGED;
}

/* The previous pass's memo of ns (the passes list namespaces in the same order). */
static struct memo *
memo_find(struct run *run, const char *ns)
{
	struct memo *m;
	int c;

	for (; run->cursor < run->memo.n; run->cursor++) {
		m = vec_at(&run->memo, run->cursor);
		if ((c = strcmp(m->ns, ns)) == 0)
			return m;
		if (c > 0)
			break;
	}
	return NULL;
}

static void
memo_free(struct vec *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(((struct memo *)vec_at(v, i))->holder);
	vec_free(v);
}

static void
log_change(struct run *run, const struct pass_ns *r, const char *prev)
{
	const struct log_field f[] = {
		LOG_STR("namespace", r->ns),
		LOG_STR("event", kube_event_reason(why_of(run, prev, r->holder))),
		LOG_STR("holder", r->holder != NULL ? r->holder : ""),
		LOG_STR("previous", prev != NULL ? prev : ""),
		LOG_NUM("epoch", r->epoch),
	};

	/* one pass prints a table that says as much */
	log_event(run->lp->interval > 0 ? LOG_INFO : LOG_DEBUG, "leader changed", f,
		  sizeof(f) / sizeof(f[0]));
}

static void
log_steady(const struct pass_ns *r)
{
	const struct log_field f[] = {
		LOG_STR("namespace", r->ns),
		LOG_STR("holder", r->holder != NULL ? r->holder : ""),
		LOG_NUM("epoch", r->epoch),
	};

	log_event(LOG_DEBUG, r->leader ? "renewed" : "unchanged", f, sizeof(f) / sizeof(f[0]));
}

/* An Event when the Lease status in this cluster now records another holder. */
static void
record_event(struct run *run, const struct pass_ns *r)
{
	if (run->ev == NULL || !r->status_changed || same_holder(r->previous, r->holder))
		return;
	kube_events_record(run->ev, r->ns, why_of(run, r->previous, r->holder), r->holder,
			   r->previous, r->epoch);
}

static void
count_state(struct run *run, const struct pass_ns *r)
{
	const char *ns = r->ns;

	if (!run->observed) {
		run->observed = 1;
		run->nleader = run->nstandby = run->nfailed = 0;
		metric_clear(run->f.leader);
		metric_clear(run->f.expiry);
		metric_clear(run->f.epoch);
	}
	if (r->err != NULL)
		run->nfailed++;
	else if (r->leader)
		run->nleader++;
	else
		run->nstandby++;
	metric_append(run->f.leader, r->leader ? 1 : 0, ns, NULL);
	if (r->holder != NULL) {
		metric_append(run->f.expiry, (double)r->expire / 1e6, ns, NULL);
		metric_append(run->f.epoch, (double)r->epoch, ns, NULL);
	}
	if (r->lapsed)
		metric_add(run->f.lapses, 1, NULL, NULL);
}

static void
observe(void *arg, const struct pass_ns *r)
{
	struct run *run = arg;
	struct memo *old = memo_find(run, r->ns), *m;
	const char *prev = old != NULL ? old->holder : r->previous;

	count_state(run, r);
	if ((m = vec_add(&run->next)) == NULL)
		return;
	snprintf(m->ns, sizeof(m->ns), "%s", r->ns);
	if (r->err != NULL) {		/* nothing learnt: keep what was known */
		if (old != NULL) {
			m->holder = old->holder;
			m->leader = old->leader;
			old->holder = NULL;
		}
		return;
	}
	if (!same_holder(prev, r->holder))
		log_change(run, r, prev);
	else
		log_steady(r);
	record_event(run, r);
	m->holder = r->holder != NULL ? strdup(r->holder) : NULL;
	m->leader = r->leader;
}

/* The next pass compares with this one's. */
static void
memo_swap(struct run *run)
{
	struct vec empty = VEC_INIT(struct memo, MCLE_NAMESPACES_MAX);

	if (!run->observed)
		return;		/* a pass that learnt nothing keeps the last memo */
	memo_free(&run->memo);
	run->memo = run->next;
	run->next = empty;
}

/* --- the probes ------------------------------------------------------------------ */

static int
healthy(const struct run *run)
{
	int64_t since = run->last_done > run->started ? run->last_done : run->started;

	return time_now_mono() - since <= (int64_t)run->lp->unhealthy_after * run->lp->interval;
}

static void
text_reply(struct httpd_reply *r, int status, const char *text)
{
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	if ((r->body = strdup(text)) != NULL)
		r->len = strlen(text);
}

static void
serve(void *arg, const char *path, struct httpd_reply *r)
{
	struct run *run = arg;

	if (strcmp(path, "/metrics") == 0) {
		refresh_counters(run);
		if ((r->body = metrics_render(run->m, &r->len)) == NULL) {
			text_reply(r, 500, "out of memory\n");
			return;
		}
		r->status = 200;
		r->ctype = METRICS_CTYPE;
	} else if (strcmp(path, "/healthz") == 0) {
		if (healthy(run))
			text_reply(r, 200, "ok\n");
		else
			text_reply(r, 503, "no pass completed within --unhealthy-after intervals\n");
	} else if (strcmp(path, "/readyz") == 0) {
		if (run->completed > 0 && !run->stopping)
			text_reply(r, 200, "ok\n");
		else
			text_reply(r, 503, run->stopping ? "stopping\n" : "no pass completed yet\n");
	}
}

/* --- --release-on-exit --------------------------------------------------------------- */

struct releasing;

/* One namespace handed over: not-leader in its resource, then released in the store. */
struct rel_job {
	struct releasing *rs;
	struct memo *m;
	int tries;
	int have_cr;
	struct kube_lease cr;
	struct kube_status st;
	struct lease_op op;
};

struct releasing {
	struct run *run;
	struct memo **held;
	size_t n, next, running, finished, released;
	int64_t deadline;
	struct rel_job *jobs;
};

static void rel_next(struct releasing *rs, struct rel_job *j);
static void rel_on_get(void *arg, struct kube_reply *r);

static void
rel_done(struct rel_job *j)
{
	struct releasing *rs = j->rs;

	rs->running--;
	rs->finished++;
	rel_next(rs, j);
}

static void
rel_fail(struct rel_job *j, const char *why)
{
	log_warn("namespace '%s': not released, it stays held until it expires: %s", j->m->ns,
		 why);
	rel_done(j);
}

static void
rel_on_final(void *arg, struct kube_reply *r)
{
	struct rel_job *j = arg;

	if (r->rc < 0)
		log_debug("namespace '%s': released, but its status was not updated: %s", j->m->ns,
			  r->err.msg);
	rel_done(j);
}

/* Released: say so in the cluster too (holder cleared), when the resource is known. */
static void
rel_on_released(struct lease_op *op)
{
	struct rel_job *j = op->arg;
	struct run *run = j->rs->run;
	struct mcle_err e = MCLE_ERR_INIT;
	const struct log_field f[] = { LOG_STR("namespace", j->m->ns),
				       LOG_NUM("epoch", op->res.entry.rec.epoch) };

	if (op->rc < 0) {
		if (op->err.code == MCLE_ELOST)
			rel_done(j);	/* not ours any more: nothing to hand over */
		else
			rel_fail(j, op->err.msg);
		return;
	}
	j->rs->released++;
	j->m->leader = 0;
	log_event(LOG_INFO, "released", f, 2);
	if (run->ev != NULL)
		kube_events_record(run->ev, j->m->ns, KEV_RELEASED, NULL, run->pp.p.identity,
				   op->res.entry.rec.epoch);
	if (!j->have_cr)
		goto out;
	cluster_desired(&op->res, run->pp.p.identity, &j->st);
	if (!cluster_needs_write(j->cr.has_status, &j->cr.status, &j->st))
		goto out;
	if (kube_put_status_start(run->pp.kube, &j->cr, &j->st, j->rs->deadline, rel_on_final, j,
				  &e) == 0)
		return;
out:
	rel_done(j);
}

static void
rel_store(struct rel_job *j)
{
	struct run *run = j->rs->run;

	lease_op_init(&j->op, run->pp.store, LEASE_RELEASE, j->m->ns, &run->pp.p, j->rs->deadline);
	j->op.done = rel_on_released;
	j->op.arg = j;
	lease_start(&j->op);
}

static void
rel_on_mark(void *arg, struct kube_reply *r)
{
	struct rel_job *j = arg;
	struct mcle_err e = MCLE_ERR_INIT;

	if (r->rc == 0) {
		j->cr = r->lease;
		rel_store(j);
		return;
	}
	if (r->err.code != MCLE_EPRECOND || ++j->tries >= STATUS_TRIES) {
		rel_fail(j, r->err.msg);
		return;
	}
	if (kube_get_lease_start(j->rs->run->pp.kube, j->m->ns, j->rs->deadline, rel_on_get, j,
				 &e) < 0)
		rel_fail(j, e.msg);
}

/* The resource as it is now: mark it not-leader before the store lets go. */
static void
rel_on_get(void *arg, struct kube_reply *r)
{
	struct rel_job *j = arg;
	struct mcle_err e = MCLE_ERR_INIT;

	if (r->rc < 0 && r->err.code == MCLE_ENOTFOUND) {
		rel_store(j);
		return;
	}
	if (r->rc < 0) {
		rel_fail(j, r->err.msg);
		return;
	}
	j->cr = r->lease;
	j->have_cr = 1;
	if (!j->cr.has_status || !(j->cr.status.has & KS_LEADER) || !j->cr.status.is_leader) {
		rel_store(j);
		return;
	}
	j->st = j->cr.status;
	cluster_not_leader(&j->st);
	if (kube_put_status_start(j->rs->run->pp.kube, &j->cr, &j->st, j->rs->deadline,
				  rel_on_mark, j, &e) < 0)
		rel_fail(j, e.msg);
}

static void
rel_start(struct rel_job *j)
{
	struct run *run = j->rs->run;
	struct mcle_err e = MCLE_ERR_INIT;

	j->tries = 0;
	j->have_cr = 0;
	if (run->pp.kube == NULL) {
		rel_store(j);
		return;
	}
	if (kube_get_lease_start(run->pp.kube, j->m->ns, j->rs->deadline, rel_on_get, j, &e) < 0)
		rel_fail(j, e.msg);
}

static void
rel_next(struct releasing *rs, struct rel_job *j)
{
	if (rs->next >= rs->n)
		return;
	j->rs = rs;
	j->m = rs->held[rs->next++];
	rs->running++;
	rel_start(j);
}

static int
rel_all_done(void *arg)
{
	struct releasing *rs = arg;

	return rs->finished == rs->n;
}

/* Every namespace the last pass found ours, with the pass's concurrency. */
static void
release_all(struct run *run)
{
	struct releasing rs;
	size_t i, k;

	memset(&rs, 0, sizeof(rs));
	rs.run = run;
	rs.deadline = time_now_mono() + run->lp->pass_timeout;
	if ((rs.held = calloc(run->memo.n + 1, sizeof(*rs.held))) == NULL)
		return;
	for (i = 0; i < run->memo.n; i++)
		if (((struct memo *)vec_at(&run->memo, i))->leader)
			rs.held[rs.n++] = vec_at(&run->memo, i);
	k = (size_t)(run->pp.max_in_flight > 0 ? run->pp.max_in_flight : 1);
	if (k > rs.n)
		k = rs.n;
	if (k > 0 && (rs.jobs = calloc(k, sizeof(*rs.jobs))) != NULL) {
		for (i = 0; i < k; i++)
			rel_next(&rs, &rs.jobs[i]);
		loop_wait(run->loop, rel_all_done, &rs);
	}
	log_info("released %zu of %zu leases held", rs.released, rs.n);
	free(rs.jobs);
	free(rs.held);
	/* the leader gauge as it is now */
	metric_clear(run->f.leader);
	for (i = 0; i < run->memo.n; i++) {
		struct memo *m = vec_at(&run->memo, i);

		metric_append(run->f.leader, m->leader, m->ns, NULL);
	}
}

/* --- the passes ---------------------------------------------------------------------- */

static const char *
result_of(int rc, const struct mcle_err *e)
{
	return rc == 0 ? "success" : e->code == MCLE_EPARTIAL ? "partial" : "failed";
}

static int
one_pass(struct run *run, int64_t deadline, struct mcle_err *err)
{
	struct pass_summary sum;
	int64_t t0 = time_now_mono();
	const char *result;
	int rc;

	run->pp.deadline = deadline;
	run->observed = 0;
	run->cursor = 0;
	rc = engine_pass(&run->pp, &sum, err);
	memo_swap(run);
	memo_free(&run->next);
	result = result_of(rc, err);
	metric_add(run->f.passes, 1, result, NULL);
	metric_observe(run->f.duration, (double)(time_now_mono() - t0) / 1e6);
	if (run->observed) {
		metric_set(run->f.states, (double)run->nleader, "leader", NULL);
		metric_set(run->f.states, (double)run->nstandby, "standby", NULL);
		metric_set(run->f.states, (double)run->nfailed, "failed", NULL);
	}
	if (rc == 0)
		metric_set(run->f.last_ok, (double)time_now_real() / 1e6, NULL, NULL);
	if (rc == 0 || err->code == MCLE_EPARTIAL) {
		run->completed++;
		run->last_done = time_now_mono();
	}
	write_metrics(run);
	fflush(run->pp.out->out);
	return rc;
}

/* Errors a next pass cannot mend (see engine-loop.h). */
static int
ends_loop(const struct run *run, const struct mcle_err *e)
{
	return e->code == MCLE_EUSAGE || e->code == MCLE_ENOMEM ||
	       (e->code == MCLE_ECONFIG && run->completed == 0);
}

static int64_t
next_start(const struct run *run, int64_t start)
{
	int64_t iv = run->lp->interval, tenth = iv / 10;

	return start + iv - tenth + (int64_t)http_jitter((uint64_t)(2 * tenth + 1));
}

static int
passes(struct run *run, struct mcle_err *err)
{
	struct mcle_err e;
	int64_t start;

	for (;;) {
		start = time_now_mono();
		mcle_err_clear(&e);
		if (one_pass(run, start + run->lp->pass_timeout, &e) < 0) {
			if (ends_loop(run, &e))
				return mcle_err_set(err, e.code, "%s", e.msg);
			if (e.code != MCLE_EPARTIAL)
				log_error("pass failed: %s", e.msg);
		}
		if (signals_pending() ||
		    loop_sleep_until(run->loop, next_start(run, start)) == LOOP_SIGNAL)
			return 0;
	}
}

static int
events_idle(void *arg)
{
	return kube_events_busy(arg) == 0;
}

static int
run_open(struct run *run, const struct loop_params *lp, struct mcle_err *err)
{
	struct vec init = VEC_INIT(struct memo, MCLE_NAMESPACES_MAX);

	run->lp = lp;
	run->pp = lp->pass;
	run->pp.observe = observe;
	run->pp.observe_arg = run;
	run->loop = lp->pass.store->params.loop;
	run->memo = init;
	run->next = init;
	run->started = time_now_mono();
	if ((run->m = metrics_new()) == NULL || families_new(run) < 0)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (lp->events && lp->interval > 0 && lp->pass.kube != NULL &&
	    (run->ev = kube_events_new(lp->pass.kube, lp->pass.p.identity, err)) == NULL)
		return -1;
	if (lp->listen != NULL) {
		if ((run->httpd = httpd_new(run->loop, lp->listen, serve, run, err)) == NULL)
			return -1;
		log_info("serving /metrics, /healthz and /readyz on %s", httpd_address(run->httpd));
	}
	return 0;
}

static void
run_close(struct run *run)
{
	if (run->ev != NULL) {
		loop_wait(run->loop, events_idle, run->ev);	/* each has its own deadline */
		kube_events_free(run->ev);
	}
	httpd_free(run->httpd);
	memo_free(&run->memo);
	memo_free(&run->next);
	metrics_free(run->m);
}

int
engine_loop(const struct loop_params *lp, struct mcle_err *err)
{
	struct run run;
	int rc;

	memset(&run, 0, sizeof(run));
	if (run_open(&run, lp, err) < 0) {
		run_close(&run);
		return -1;
	}
	if (lp->interval == 0) {
		rc = one_pass(&run, lp->deadline, err);
	} else {
		rc = passes(&run, err);
		run.stopping = 1;
		if (lp->release_on_exit && signals_pending())
			release_all(&run);
		write_metrics(&run);
	}
	run_close(&run);
	return rc;
}
