/* cluster.c - the Lease status mcle writes, and when. */
#include "config.h"

#include <string.h>

#include "cluster.h"

static void
set_time(struct kube_status *st, unsigned bit, int present, mcle_time t, mcle_time *field)
{
	if (present && t != 0) {
		st->has |= bit;
		*field = t;
	} else {
		st->null |= bit;
	}
}

void
cluster_desired(const struct lease_result *res, const char *identity,
		struct kube_status *out)
{
	const struct store_entry *e = &res->entry;
	int f = res->found, held = f && e->rec.holder[0] != '\0';

	memset(out, 0, sizeof(*out));
	out->has = KS_LEADER | KS_HOLDER | KS_TRANS | KS_EPOCH;
	out->is_leader = f && identity != NULL && elect_is_leader(e, identity);
	if (f)
		memcpy(out->holder, e->rec.holder, sizeof(out->holder));
	out->transitions = f ? record_transitions(&e->rec) : 0;
	out->epoch = f ? e->rec.epoch : 0;
	set_time(out, KS_ACQUIRE, held, e->rec.acquired, &out->acquire);
	set_time(out, KS_RENEW, f, e->updated, &out->renew);
	set_time(out, KS_EXPIRE, held, held ? elect_expire_time(e) : 0, &out->expire);
	/* the duration in effect: the one the holder's record carries */
	if (held) {
		out->has |= KS_DURATION;
		out->duration = e->rec.duration;
	} else {
		out->null |= KS_DURATION;
	}
	out->null |= KS_ERROR;	/* cleared: cluster_set_error sets it */
}

void
cluster_set_error(struct kube_status *st, const char *msg)
{
	size_t n = strlen(msg);

	if (n > KUBE_ERROR_MAX)
		n = KUBE_ERROR_MAX;
	/* a message cut at a byte: drop a partial UTF-8 sequence at the end */
	while (n > 0 && n < strlen(msg) && ((unsigned char)msg[n] & 0xc0) == 0x80)
		n--;
	memcpy(st->error, msg, n);
	st->error[n] = '\0';
	st->has |= KS_ERROR;
	st->null &= ~KS_ERROR;
}

void
cluster_not_leader(struct kube_status *st)
{
	st->has |= KS_LEADER;
	st->is_leader = 0;
}

/* 1 if field `bit` is the same in a and b (absent and null are the same). */
static int
same(const struct kube_status *a, const struct kube_status *b, unsigned bit)
{
	if ((a->bad | b->bad) & bit)
		return 0;
	if ((a->has & bit) != (b->has & bit))
		return 0;
	if (!(a->has & bit))
		return 1;
	switch (bit) {
	case KS_LEADER:
		return a->is_leader == b->is_leader;
	case KS_HOLDER:
		return strcmp(a->holder, b->holder) == 0;
	case KS_ACQUIRE:
		return a->acquire == b->acquire;
	case KS_RENEW:
		return a->renew == b->renew;
	case KS_EXPIRE:
		return a->expire == b->expire;
	case KS_TRANS:
		return a->transitions == b->transitions;
	case KS_EPOCH:
		return a->epoch == b->epoch;
	case KS_DURATION:
		return a->duration == b->duration;
	case KS_ERROR:
		return strcmp(a->error, b->error) == 0;
	}
	return 0;
}

int
cluster_needs_write(int has_status, const struct kube_status *cur,
		    const struct kube_status *desired)
{
	unsigned bit, present = cur->has | cur->bad | cur->null;

	if (!has_status)
		return 1;
	if (!same(cur, desired, KS_LEADER) || !same(cur, desired, KS_HOLDER) ||
	    !same(cur, desired, KS_TRANS))
		return 1;
	/* an older CRD prunes "epoch": then leaseTransitions alone decides */
	if ((present & KS_EPOCH) && !same(cur, desired, KS_EPOCH))
		return 1;
	/* lastError is every cluster's own: set on a failure, cleared after */
	if (!same(cur, desired, KS_ERROR) && ((desired->has | present) & KS_ERROR))
		return 1;
	if (!desired->is_leader)
		return 0;	/* a standby keeps what it wrote when the holder changed */
	for (bit = 1; bit <= KS_ERROR; bit <<= 1)
		if (((desired->has | desired->null) & bit) && !same(cur, desired, bit))
			return 1;
	return 0;
}

unsigned
cluster_pruned(const struct kube_status *sent, const struct kube_status *got)
{
	return sent->has & ~(got->has | got->bad);
}
