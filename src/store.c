/*
 * store.c - pick a lock store backend by URL scheme, and run operations:
 * a backend without STORE_CAP_CONCURRENT performs an operation at once,
 * and its outcome is delivered from the loop like any other.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

static const struct store_ops *const backends[] = {
	&store_file_ops,
	&store_gcs_ops,
	&store_mem_ops,
};

static const struct store_ops *
find_backend(const char *url, const char **rest)
{
	size_t i, n;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]->scheme);
		if (strncmp(url, backends[i]->scheme, n) == 0 &&
		    strncmp(url + n, "://", 3) == 0) {
			*rest = url + n + 3;
			return backends[i];
		}
	}
	return NULL;
}

struct store *
store_open(const char *url, const struct store_params *params,
	   struct mcle_err *err)
{
	const struct store_ops *ops;
	const char *rest;
	struct store *s;

	if ((ops = find_backend(url, &rest)) == NULL) {
		mcle_err_set(err, MCLE_EUSAGE,
			     "invalid store '%s': expected gs://BUCKET[/PREFIX] or file:///DIR",
			     url);
		return NULL;
	}
	if (params->legacy_url != NULL && !(ops->caps & STORE_CAP_LEGACY)) {
		mcle_err_set(err, MCLE_EUSAGE, "legacy locks at '%s' need a gs:// store, not '%s'",
			     params->legacy_url, url);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->url = strdup(url)) == NULL ||
	    (ops->priv_size > 0 && (s->priv = calloc(1, ops->priv_size)) == NULL)) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		if (s != NULL)
			free(s->url);
		free(s);
		return NULL;
	}
	s->ops = ops;
	s->params = *params;
	if (ops->open(s, rest, err) < 0) {
		free(s->priv);
		free(s->url);
		free(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ops->close != NULL)
		s->ops->close(s);
	free(s->priv);
	free(s->url);
	free(s);
}

unsigned
store_caps(const struct store *s)
{
	return s->ops->caps;
}

int
store_legacy(const struct store *s)
{
	return (s->ops->caps & STORE_CAP_LEGACY) && !s->params.legacy_off;
}

const char *
store_verb_name(enum store_verb v)
{
	static const char *const names[] = {
		"read", "list", "create", "replace", "update", "remove",
		"read legacy lock", "take over legacy lock"
	};

	return (size_t)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

static void
deliver(void *arg)
{
	struct store_op *op = arg;

	op->done(op);
}

void
store_op_finish(struct store *s, struct store_op *op)
{
	loop_timer_init(&op->timer, deliver, op);
	if (loop_timer_at(s->params.loop, &op->timer, 0) < 0) {
		mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
		op->rc = -1;
		deliver(op);
	}
}

int
store_submit(struct store *s, struct store_op *op)
{
	op->rc = -1;
	mcle_err_clear(&op->err);
	memset(&op->out, 0, sizeof(op->out));
	if (op->deadline == 0 && s->params.default_timeout > 0)
		op->deadline = time_now_mono() + s->params.default_timeout;
	if (op->verb == STORE_REMOVE && !(s->ops->caps & STORE_CAP_REMOVE)) {
		mcle_err_set(&op->err, MCLE_ECONFIG, "store '%s' cannot remove locks", s->url);
		store_op_finish(s, op);
		return 0;
	}
	if (s->ops->submit != NULL)
		return s->ops->submit(s, op, &op->err);
	s->ops->exec(s, op);
	store_op_finish(s, op);
	return 0;
}

static void
wake(struct store_op *op)
{
	*(int *)op->arg = 1;
}

static int
finished(void *arg)
{
	return *(int *)arg;
}

int
store_run(struct store *s, struct store_op *op)
{
	void (*done)(struct store_op *) = op->done;
	void *arg = op->arg;
	int fin = 0;

	op->done = wake;
	op->arg = &fin;
	if (store_submit(s, op) < 0)
		fin = 1;
	if (loop_wait(s->params.loop, finished, &fin) < 0)
		return mcle_err_set(&op->err, MCLE_ECONFIG,
				    "internal error: a store operation stalled");
	op->done = done;
	op->arg = arg;
	return op->rc;
}

int
store_read(struct store *s, const char *name, int64_t deadline,
	   struct store_entry *out, struct mcle_err *err)
{
	struct store_op op;

	memset(&op, 0, sizeof(op));
	op.verb = STORE_READ;
	snprintf(op.name, sizeof(op.name), "%s", name);
	op.deadline = deadline;
	if (store_run(s, &op) < 0) {
		*out = op.out;
		return mcle_err_set(err, op.err.code, "%s", op.err.msg);
	}
	*out = op.out;
	return 0;
}

int
store_list(struct store *s, int64_t deadline, store_each_fn each, void *arg,
	   struct mcle_err *err)
{
	struct store_op op;

	memset(&op, 0, sizeof(op));
	op.verb = STORE_LIST;
	op.deadline = deadline;
	op.each = each;
	op.each_arg = arg;
	if (store_run(s, &op) < 0)
		return mcle_err_set(err, op.err.code, "%s", op.err.msg);
	return 0;
}

/* --- the epoch floor (store.h) ----------------------------------------------- */

#define FLOOR_ROUNDS 16	/* raises lost to rival raises before giving up */

int
store_is_floor(const char *name)
{
	return strcmp(name, STORE_FLOOR_NAME) == 0;
}

void
store_floor_op(struct store_op *op, int64_t deadline)
{
	memset(op, 0, sizeof(*op));
	op->verb = STORE_READ;
	snprintf(op->name, sizeof(op->name), "%s", STORE_FLOOR_NAME);
	op->deadline = deadline;
}

int
store_floor_of(const struct store_op *op, int64_t *floor, struct mcle_err *err)
{
	*floor = 0;
	if (op->rc == 0) {
		*floor = op->out.rec.epoch;
		return 0;
	}
	if (op->err.code == MCLE_ENOTFOUND)
		return 0;
	return mcle_err_set(err, op->err.code, "cannot read the epoch floor: %s", op->err.msg);
}

int
store_floor_read(struct store *s, int64_t deadline, int64_t *floor,
		 struct store_entry *e, struct mcle_err *err)
{
	struct store_op op;

	store_floor_op(&op, deadline);
	store_run(s, &op);
	*e = op.out;
	if (op.rc < 0)
		memset(&e->ver, 0, sizeof(e->ver));
	return store_floor_of(&op, floor, err);
}

int
store_floor_raise(struct store *s, int64_t epoch, int64_t deadline,
		  struct mcle_err *err)
{
	struct store_entry cur;
	struct store_op op;
	int64_t floor;
	int round;

	for (round = 0; round < FLOOR_ROUNDS; round++) {
		if (store_floor_read(s, deadline, &floor, &cur, err) < 0)
			return -1;
		if (floor >= epoch)
			return 0;
		memset(&op, 0, sizeof(op));
		op.verb = cur.ver.v[0] == '\0' ? STORE_CREATE : STORE_UPDATE;
		snprintf(op.name, sizeof(op.name), "%s", STORE_FLOOR_NAME);
		op.expect = cur.ver;
		op.rec.epoch = epoch;
		op.rec.duration = 1;
		op.deadline = deadline;
		/* a 412 (a rival raised it, or our retried write landed): read again */
		if (store_run(s, &op) == 0 || op.err.code == MCLE_EPRECOND)
			continue;
		return mcle_err_set(err, op.err.code, "cannot raise the epoch floor: %s",
				    op.err.msg);
	}
	return mcle_err_set(err, MCLE_EUNAVAIL, "the epoch floor kept changing; try again");
}
