/* engine-locks.c - the store's locks, listed, sorted and checked. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine-locks.h"

static int
on_lock(void *arg, const struct store_entry *e, const struct mcle_err *bad,
	struct mcle_err *err)
{
	struct lock_table *t = arg;
	struct lock_row *r;

	/* a legacy lock mcle took over holds nothing: mcle's own lock tells */
	if (e->legacy.listed && e->legacy.mcle_epoch > 0)
		return 0;
	if ((r = vec_add(&t->rows)) == NULL)
		return vec_full(&t->rows) ?
			mcle_err_set(err, MCLE_ECONFIG, "the store holds over %d locks: "
				     "too many for one listing", ENGINE_LOCKS_MAX) :
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", e->name);
	r->now = e->now;
	r->legacy = e->legacy.listed;
	if (bad != NULL) {
		if ((r->bad = malloc(sizeof(*r->bad))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		*r->bad = *bad;
		return 0;
	}
	r->epoch = e->rec.epoch;
	r->duration = e->rec.duration;
	r->acquired = e->rec.acquired;
	r->updated = e->updated;
	if ((r->holder = strtab_intern(t->strings, e->rec.holder, strlen(e->rec.holder))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

static int
cmp_row(const void *a, const void *b)
{
	const struct lock_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c != 0 ? c : x->legacy - y->legacy;	/* mcle's lock, then the legacy one */
}

/* A legacy row's body: its holder as written, its duration, its transitions. */
static int
read_legacy(struct store *s, int64_t deadline, struct lock_table *t, struct lock_row *r,
	    struct mcle_err *err)
{
	struct store_op op;
	const struct store_legacy *l = &op.out.legacy;

	memset(&op, 0, sizeof(op));
	op.verb = STORE_LEGACY_READ;
	snprintf(op.name, sizeof(op.name), "%s", r->name);
	op.deadline = deadline;
	if (store_run(s, &op) < 0 && op.err.code == MCLE_ENOTFOUND)
		return 0;	/* gone since the listing: shown as listed */
	if (op.rc < 0 || l->bad || !l->read) {
		if (op.rc < 0 && op.err.code != MCLE_EPRECOND && op.err.code != MCLE_ECORRUPT)
			return mcle_err_set(err, op.err.code, "%s", op.err.msg);
		if (r->bad == NULL && (r->bad = calloc(1, sizeof(*r->bad))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		mcle_err_set(r->bad, MCLE_ECORRUPT, "legacy lock '%s" STORE_LEGACY_SUFFIX
			     "' is unreadable", r->name);
		return 0;
	}
	r->epoch = l->transitions;
	r->duration = l->duration > INT32_MAX / 3 ? INT32_MAX : 3 * l->duration;
	r->updated = l->updated;
	r->acquired = 0;
	if (op.out.now > r->now)
		r->now = op.out.now;
	if ((r->holder = strtab_intern(t->strings, l->holder, strlen(l->holder))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* Two entries for one name: the server contradicts itself; trust neither. */
static int
mark_twice(struct lock_table *t, struct mcle_err *err)
{
	struct lock_row *a, *b;
	size_t i;

	for (i = 1; i < t->rows.n; i++) {
		a = vec_at(&t->rows, i - 1);
		b = vec_at(&t->rows, i);
		if (strcmp(a->name, b->name) != 0 || a->legacy != b->legacy)
			continue;
		if (b->bad == NULL && (b->bad = calloc(1, sizeof(*b->bad))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		mcle_err_clear(b->bad);
		mcle_err_set(b->bad, MCLE_ECORRUPT, "the store lists lock '%s' twice", b->name);
		if (a->bad == NULL && (a->bad = calloc(1, sizeof(*a->bad))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		mcle_err_clear(a->bad);
		*a->bad = *b->bad;
	}
	return 0;
}

int
engine_locks(struct store *s, int64_t deadline, struct lock_table *t, struct mcle_err *err)
{
	struct vec rows = VEC_INIT(struct lock_row, ENGINE_LOCKS_MAX);
	struct store_op op;
	struct lock_row *r;
	size_t i;

	t->rows = rows;
	if ((t->strings = strtab_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	memset(&op, 0, sizeof(op));
	op.verb = STORE_LIST;
	op.deadline = deadline;
	op.each = on_lock;
	op.each_arg = t;
	op.legacy = store_legacy(s);
	if (store_run(s, &op) < 0)
		return mcle_err_set(err, op.err.code, "%s", op.err.msg);
	if (t->rows.n > 1)
		qsort(t->rows.v, t->rows.n, sizeof(struct lock_row), cmp_row);
	if (mark_twice(t, err) < 0)
		return -1;
	for (i = 0; i < t->rows.n; i++) {
		r = vec_at(&t->rows, i);
		if (r->legacy && r->bad == NULL && read_legacy(s, deadline, t, r, err) < 0)
			return -1;
	}
	return 0;
}

void
lock_table_free(struct lock_table *t)
{
	struct lock_row *r;
	size_t i;

	for (i = 0; i < t->rows.n; i++) {
		r = vec_at(&t->rows, i);
		free(r->bad);
	}
	vec_free(&t->rows);
	strtab_free(t->strings);
	t->strings = NULL;
}

void
lock_row_entry(const struct lock_table *t, size_t i, struct store_entry *e)
{
	const struct lock_row *r = vec_at(&t->rows, i);

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", r->name);
	if (r->holder != NULL)
		snprintf(e->rec.holder, sizeof(e->rec.holder), "%s", r->holder);
	e->rec.epoch = r->epoch;
	e->rec.duration = r->duration;
	e->rec.acquired = r->acquired;
	e->updated = r->updated;
	e->now = r->now;
	e->legacy.listed = r->legacy != 0;
}
