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

	if ((r = vec_add(&t->rows)) == NULL)
		return vec_full(&t->rows) ?
			mcle_err_set(err, MCLE_ECONFIG, "the store holds over %d locks: "
				     "too many for one listing", ENGINE_LOCKS_MAX) :
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	snprintf(r->name, sizeof(r->name), "%s", e->name);
	r->now = e->now;
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
	return strcmp(((const struct lock_row *)a)->name, ((const struct lock_row *)b)->name);
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
		if (strcmp(a->name, b->name) != 0)
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

	t->rows = rows;
	if ((t->strings = strtab_new()) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (store_list(s, deadline, on_lock, t, err) < 0)
		return -1;
	if (t->rows.n > 1)
		qsort(t->rows.v, t->rows.n, sizeof(struct lock_row), cmp_row);
	return mark_twice(t, err);
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
}
