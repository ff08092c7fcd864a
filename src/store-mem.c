/*
 * store-mem.c - mem://NAME: an in-memory lock store with fault injection,
 * for tests.  Versions are "GENERATION/METAGENERATION" with a generation
 * counter that never repeats within the store.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "store-mem.h"
#include "vec.h"

#define MEM_OBJECTS_MAX 1000000
#define VERBS (STORE_REMOVE + 1)

struct mem_obj {
	char name[MCLE_NAMESPACE_MAX + 1];
	struct lease_record rec;
	uint64_t gen, meta;
	mcle_time updated;
};

struct mem {
	struct vec objs;		/* struct mem_obj, sorted by name */
	uint64_t next_gen;
	int64_t offset;
	mcle_time fixed;
	enum mem_fault fault[VERBS];
	int fault_times[VERBS];
	unsigned count[VERBS];
	void (*hook)(void *arg, struct store *s, struct store_op *op);
	void *hook_arg;
};

static struct mem *
priv(struct store *s)
{
	return s->priv;
}

static mcle_time
mem_now(const struct mem *m)
{
	return m->fixed != 0 ? m->fixed : time_now_real() + m->offset;
}

static int
mem_open(struct store *s, const char *rest, struct mcle_err *err)
{
	if (*rest == '\0' || strchr(rest, '/') != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "invalid store '%s': expected mem://NAME",
				    s->url);
	struct vec objs = VEC_INIT(struct mem_obj, MEM_OBJECTS_MAX);

	priv(s)->objs = objs;
	priv(s)->next_gen = 1;
	return 0;
}

static void
mem_close(struct store *s)
{
	vec_free(&priv(s)->objs);
}

static struct mem_obj *
obj(const struct mem *m, size_t i)
{
	return vec_at(&m->objs, i);
}

static struct mem_obj *
find(struct mem *m, const char *name, size_t *pos)
{
	size_t lo = 0, hi = m->objs.n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(name, obj(m, mid)->name);
		if (c == 0) {
			*pos = mid;
			return obj(m, mid);
		}
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	*pos = lo;
	return NULL;
}

static struct mem_obj *
insert(struct mem *m, size_t pos, const char *name)
{
	struct mem_obj *o;

	if (vec_add(&m->objs) == NULL)
		return NULL;
	o = obj(m, pos);
	memmove(o + 1, o, (m->objs.n - 1 - pos) * sizeof(*o));
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%s", name);
	return o;
}

static void
entry_of(const struct mem *m, const struct mem_obj *o, struct store_entry *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", o->name);
	e->rec = o->rec;
	snprintf(e->ver.v, sizeof(e->ver.v), "%" PRIu64 "/%" PRIu64, o->gen, o->meta);
	e->updated = o->updated;
	e->now = mem_now(m);
}

static int
version_is(const struct mem_obj *o, const struct store_version *v)
{
	char cur[STORE_VERSION_MAX + 1];

	snprintf(cur, sizeof(cur), "%" PRIu64 "/%" PRIu64, o->gen, o->meta);
	return strcmp(cur, v->v) == 0;
}

int
store_mem_put(struct store *s, const char *name, const struct lease_record *rec,
	      mcle_time updated)
{
	struct mem *m = priv(s);
	struct mem_obj *o;
	size_t pos;

	if ((o = find(m, name, &pos)) == NULL && (o = insert(m, pos, name)) == NULL)
		return -1;
	o->rec = *rec;
	o->gen = m->next_gen++;
	o->meta = 1;
	o->updated = updated != 0 ? updated : mem_now(m);
	return 0;
}

/* Apply a write under its precondition; 0 or -1 with op->err. */
static int
mutate(struct mem *m, struct store_op *op)
{
	struct mem_obj *o;
	size_t pos;

	o = find(m, op->name, &pos);
	if (op->verb == STORE_CREATE ? o != NULL : (o == NULL || !version_is(o, &op->expect)))
		return mcle_err_set(&op->err, MCLE_EPRECOND, "cannot %s lock '%s': it changed",
				    store_verb_name(op->verb), op->name);
	if (op->verb == STORE_REMOVE) {
		memmove(o, o + 1, (m->objs.n - pos - 1) * sizeof(*o));
		m->objs.n--;
		op->out.now = mem_now(m);
		return 0;
	}
	if (o == NULL && (o = insert(m, pos, op->name)) == NULL)
		return mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
	if (op->verb == STORE_UPDATE) {
		o->meta++;
	} else {
		o->gen = m->next_gen++;
		o->meta = 1;
	}
	o->rec = op->rec;
	o->updated = mem_now(m);
	entry_of(m, o, &op->out);
	return 0;
}

static void
list(struct mem *m, struct store_op *op, int times)
{
	struct store_entry e;
	size_t i;
	int k;

	for (i = 0; i < m->objs.n; i++) {
		if (store_is_floor(obj(m, i)->name))
			continue;	/* the epoch floor is no lock */
		if (op->want != NULL && !op->want(op->each_arg, obj(m, i)->name))
			continue;
		entry_of(m, obj(m, i), &e);
		for (k = 0; k < times; k++)
			if (op->each(op->each_arg, &e, NULL, &op->err) < 0)
				return;
	}
	op->out.now = mem_now(m);
	op->rc = 0;
}

/* An injected fault for op, if one is due: 1 when op is finished. */
static int
inject(struct mem *m, struct store_op *op)
{
	enum mem_fault f;

	if (m->fault_times[op->verb] == 0)
		return 0;
	m->fault_times[op->verb]--;
	f = m->fault[op->verb];
	if (f == MEM_COMMIT_LOST || f == MEM_COMMIT_LOST_412) {
		if (mutate(m, op) < 0)
			return 1;	/* the write did not apply: its own error */
		memset(&op->out, 0, sizeof(op->out));
	}
	switch (f) {
	case MEM_PRECOND:
	case MEM_COMMIT_LOST_412:
		mcle_err_set(&op->err, MCLE_EPRECOND, "cannot %s lock '%s': precondition failed (injected)",
			     store_verb_name(op->verb), op->name);
		break;
	case MEM_CORRUPT:
		mcle_err_set(&op->err, MCLE_ECORRUPT, "cannot %s lock '%s': malformed answer (injected)",
			     store_verb_name(op->verb), op->name);
		break;
	default:
		mcle_err_set(&op->err, MCLE_EUNAVAIL, "cannot %s lock '%s': unavailable (injected)",
			     store_verb_name(op->verb), op->name);
		break;
	}
	return 1;
}

static void
mem_exec(struct store *s, struct store_op *op)
{
	struct mem *m = priv(s);
	struct mem_obj *o;
	size_t pos;

	m->count[op->verb]++;
	if (m->hook != NULL)
		m->hook(m->hook_arg, s, op);
	if (op->verb == STORE_LIST && m->fault_times[op->verb] > 0 &&
	    m->fault[op->verb] == MEM_LIST_TWICE) {
		m->fault_times[op->verb]--;
		list(m, op, 2);
		return;
	}
	if (inject(m, op))
		return;
	if (op->verb == STORE_LIST) {
		list(m, op, 1);
		return;
	}
	if (op->verb != STORE_READ) {
		op->rc = mutate(m, op);
		return;
	}
	if ((o = find(m, op->name, &pos)) == NULL) {
		op->out.now = mem_now(m);
		mcle_err_set(&op->err, MCLE_ENOTFOUND, "no lock '%s'", op->name);
		return;
	}
	entry_of(m, o, &op->out);
	op->rc = 0;
}

void
store_mem_fault(struct store *s, enum store_verb verb, enum mem_fault f, int times)
{
	priv(s)->fault[verb] = f;
	priv(s)->fault_times[verb] = times;
}

void
store_mem_clock(struct store *s, int64_t offset, mcle_time fixed)
{
	priv(s)->offset = offset;
	priv(s)->fixed = fixed;
}

void
store_mem_hook(struct store *s, void (*fn)(void *, struct store *, struct store_op *),
	       void *arg)
{
	priv(s)->hook = fn;
	priv(s)->hook_arg = arg;
}

unsigned
store_mem_count(const struct store *s, enum store_verb verb)
{
	return ((const struct mem *)s->priv)->count[verb];
}

const struct store_ops store_mem_ops = {
	.scheme = "mem",
	.caps = STORE_CAP_UPDATE_IN_PLACE | STORE_CAP_REMOVE,
	.priv_size = sizeof(struct mem),
	.open = mem_open,
	.close = mem_close,
	.exec = mem_exec,
};
