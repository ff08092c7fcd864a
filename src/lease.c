/* lease.c - acquire, renew and release over any lock store. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lease.h"
#include "log.h"

#define ROUNDS 3	/* read-decide-write rounds before "kept changing" */

typedef enum elect_action (*decide_fn)(const struct store_entry *cur,
				       const struct elect_params *p,
				       struct lease_record *next);

/* Read into res; absent is not an error here. */
static int
read_state(struct store *s, const char *ns, struct lease_result *res,
	   struct mcle_err *err)
{
	struct mcle_err rerr = MCLE_ERR_INIT;

	res->found = 0;
	if (s->ops->read(s, ns, &res->entry, &rerr) == 0) {
		res->found = 1;
		return 0;
	}
	if (rerr.code == MCLE_ENOTFOUND) {
		memset(&res->entry, 0, sizeof(res->entry));
		snprintf(res->entry.name, sizeof(res->entry.name), "%s", ns);
		return 0;
	}
	return mcle_err_set(err, rerr.code, "%s", rerr.msg);
}

static int
write_action(struct store *s, const char *ns, enum elect_action a,
	     const struct store_entry *cur, const struct lease_record *next,
	     struct store_entry *out, struct mcle_err *err)
{
	switch (a) {
	case ELECT_CREATE:
		return s->ops->create(s, ns, next, out, err);
	case ELECT_TAKEOVER:
		return s->ops->replace(s, ns, &cur->ver, next, out, err);
	case ELECT_RENEW:
	case ELECT_RELEASE:
		return s->ops->update(s, ns, &cur->ver, next, out, err);
	case ELECT_BUSY:
	case ELECT_LOST:
		break;
	}
	return mcle_err_set(err, MCLE_ECONFIG, "internal error: no write for '%s'",
			    elect_action_name(a));
}

/* After a failed precondition: does the store show that our write landed? */
static int
settled_ours(const struct lease_result *now, enum elect_action a,
	     const struct lease_record *next)
{
	if (!now->found || strcmp(now->entry.rec.holder, next->holder) != 0 ||
	    now->entry.rec.epoch != next->epoch)
		return 0;
	if (a == ELECT_RELEASE)
		return 1;
	return now->entry.now <= elect_expire_time(&now->entry);
}

static int
refuse(const char *ns, enum elect_action a, const struct lease_result *res,
       const struct elect_params *p, struct mcle_err *err)
{
	char when[MCLE_RFC3339_MAX];
	const struct store_entry *e = &res->entry;

	time_format(res->found ? elect_expire_time(e) : 0, when);
	if (a == ELECT_BUSY)
		return mcle_err_set(err, MCLE_EBUSY, "lease '%s' is held by '%s' until %s",
				    ns, e->rec.holder, when);
	if (!res->found)
		return mcle_err_set(err, MCLE_ELOST, "lease '%s' is not held by '%s': no lock exists",
				    ns, p->identity);
	if (strcmp(e->rec.holder, p->identity) == 0)
		return mcle_err_set(err, MCLE_ELOST, "lease '%s' of '%s' expired at %s",
				    ns, p->identity, when);
	if (e->rec.holder[0] == '\0')
		return mcle_err_set(err, MCLE_ELOST, "lease '%s' is not held by '%s': it is free",
				    ns, p->identity);
	return mcle_err_set(err, MCLE_ELOST, "lease '%s' is not held by '%s': held by '%s'",
			    ns, p->identity, e->rec.holder);
}

static int
run(struct store *s, const char *ns, decide_fn decide, int may_retry,
    const struct elect_params *p, const struct store_entry *observed,
    int absent, struct lease_result *res, struct mcle_err *err)
{
	struct lease_record next;
	struct store_entry out;
	struct mcle_err werr;
	enum elect_action a;
	int round;

	memset(res, 0, sizeof(*res));
	if (observed != NULL) {
		res->entry = *observed;
		res->found = 1;
	} else if (absent) {
		snprintf(res->entry.name, sizeof(res->entry.name), "%s", ns);
	} else if (read_state(s, ns, res, err) < 0) {
		return -1;
	}
	for (round = 0; round < ROUNDS; round++) {
		a = decide(res->found ? &res->entry : NULL, p, &next);
		res->action = a;
		log_debug("lease '%s': %s (holder '%s', epoch %lld)", ns,
			  elect_action_name(a), res->entry.rec.holder,
			  (long long)res->entry.rec.epoch);
		if (a == ELECT_BUSY || a == ELECT_LOST)
			return refuse(ns, a, res, p, err);
		if (next.epoch > MCLE_EPOCH_MAX)	/* a change of holder past 2^53-1 */
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "lease '%s': epoch %lld is the largest allowed (2^53-1): refusing to take it over",
					    ns, (long long)res->entry.rec.epoch);
		res->sent = time_now_real();
		mcle_err_clear(&werr);
		if (write_action(s, ns, a, &res->entry, &next, &out, &werr) == 0) {
			res->entry = out;
			res->found = 1;
			return 0;
		}
		if (werr.code != MCLE_EPRECOND)
			return mcle_err_set(err, werr.code, "%s", werr.msg);
		/* ambiguous: the write may have landed before a retry said 412 */
		if (read_state(s, ns, res, err) < 0)
			return -1;
		if (settled_ours(res, a, &next)) {
			log_debug("lease '%s': %s settled by reading back", ns,
				  elect_action_name(a));
			return 0;
		}
		if (!may_retry)
			return mcle_err_set(err, MCLE_ELOST,
					    "lease '%s' changed under '%s' (now held by '%s')",
					    ns, p->identity,
					    res->entry.rec.holder[0] ? res->entry.rec.holder : "nobody");
	}
	return mcle_err_set(err, MCLE_EUNAVAIL, "lock '%s' kept changing; try again", ns);
}

int
lease_acquire(struct store *s, const char *ns, const struct elect_params *p,
	      const struct store_entry *observed, int absent,
	      struct lease_result *res, struct mcle_err *err)
{
	return run(s, ns, elect_acquire, 1, p, observed, absent, res, err);
}

int
lease_renew(struct store *s, const char *ns, const struct elect_params *p,
	    struct lease_result *res, struct mcle_err *err)
{
	return run(s, ns, elect_renew, 0, p, NULL, 0, res, err);
}

int
lease_release(struct store *s, const char *ns, const struct elect_params *p,
	      struct lease_result *res, struct mcle_err *err)
{
	return run(s, ns, elect_release, 0, p, NULL, 0, res, err);
}

int
lease_read(struct store *s, const char *ns, struct lease_result *res,
	   struct mcle_err *err)
{
	memset(res, 0, sizeof(*res));
	return read_state(s, ns, res, err);
}

struct list_acc {
	struct store_entry *v;
	size_t n, cap;
};

static int
collect(void *arg, const struct store_entry *e, struct mcle_err *err)
{
	struct list_acc *acc = arg;
	struct store_entry *tmp;

	if (acc->n >= LEASE_LIST_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT, "store holds over %d locks",
				    LEASE_LIST_MAX);
	if (acc->n == acc->cap) {
		acc->cap = acc->cap ? acc->cap * 2 : 64;
		if ((tmp = realloc(acc->v, acc->cap * sizeof(*tmp))) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		acc->v = tmp;
	}
	acc->v[acc->n++] = *e;
	return 0;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct store_entry *)a)->name,
		      ((const struct store_entry *)b)->name);
}

int
lease_list(struct store *s, struct store_entry **entries, size_t *n,
	   struct mcle_err *err)
{
	struct list_acc acc = { NULL, 0, 0 };

	if (s->ops->list(s, collect, &acc, err) < 0) {
		free(acc.v);
		return -1;
	}
	if (acc.n > 1)
		qsort(acc.v, acc.n, sizeof(*acc.v), cmp_entry);
	*entries = acc.v;
	*n = acc.n;
	return 0;
}

const struct store_entry *
lease_find(const struct store_entry *entries, size_t n, const char *ns)
{
	struct store_entry key;

	if (n == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", ns);
	return bsearch(&key, entries, n, sizeof(*entries), cmp_entry);
}
