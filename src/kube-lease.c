/* kube-lease.c - a Lease status as JSON. */
#include "config.h"

#include "json.h"
#include "kube-lease.h"

static int
add_time(json_object *o, const char *key, const struct kube_status *st, unsigned bit,
	 mcle_time t)
{
	char buf[MCLE_RFC3339_MAX];

	if (!(st->has & bit))
		return (st->null & bit) ? json_add(o, key, NULL) : 0;
	time_format(t, buf);
	return json_add_str(o, key, buf);
}

json_object *
kube_status_object(const struct kube_status *st)
{
	json_object *o = json_object_new_object();
	int bad = o == NULL;

	if (st->has & KS_LEADER)
		bad |= json_add_bool(o, "isLeader", st->is_leader);
	if (st->has & KS_HOLDER)
		bad |= json_add_str(o, "observedHolderIdentity", st->holder);
	bad |= add_time(o, "observedAcquireTime", st, KS_ACQUIRE, st->acquire);
	bad |= add_time(o, "observedRenewTime", st, KS_RENEW, st->renew);
	if (st->has & KS_TRANS)
		bad |= json_add_int(o, "leaseTransitions", st->transitions);
	bad |= add_time(o, "observedExpireTime", st, KS_EXPIRE, st->expire);
	if (st->has & KS_EPOCH)
		bad |= json_add_int(o, "epoch", st->epoch);
	if (st->has & KS_DURATION)
		bad |= json_add_int(o, "leaseDurationSeconds", st->duration);
	if (st->has & KS_ERROR)
		bad |= json_add_str(o, "lastError", st->error);
	else if (st->null & KS_ERROR)
		bad |= json_add(o, "lastError", NULL);
	if (bad) {
		json_object_put(o);
		return NULL;
	}
	return o;
}
