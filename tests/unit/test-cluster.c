/* test-cluster.c - what the Lease status says, and when it must be written. */
#include "config.h"

#include <string.h>

#include "cluster.h"
#include "tap.h"

#define S MCLE_USEC
#define T0 ((mcle_time)1767225600 * S)	/* 2026-01-01T00:00:00Z */

static struct kube_status
status(int leader, const char *holder, int epoch, mcle_time renew)
{
	struct kube_status st;

	memset(&st, 0, sizeof(st));
	st.has = KS_LEADER | KS_HOLDER | KS_ACQUIRE | KS_RENEW | KS_TRANS | KS_EXPIRE | KS_EPOCH;
	st.is_leader = leader;
	snprintf(st.holder, sizeof(st.holder), "%s", holder);
	st.acquire = T0;
	st.renew = renew;
	st.transitions = epoch;
	st.expire = renew + 60 * S;
	st.epoch = epoch;
	return st;
}

static struct lease_result
result(const char *holder, int64_t epoch, mcle_time updated, mcle_time now)
{
	struct lease_result r;

	memset(&r, 0, sizeof(r));
	r.found = 1;
	snprintf(r.entry.rec.holder, sizeof(r.entry.rec.holder), "%s", holder);
	r.entry.rec.epoch = epoch;
	r.entry.rec.duration = 60;
	r.entry.rec.acquired = T0;
	r.entry.updated = updated;
	r.entry.now = now;
	return r;
}

int
main(void)
{
	struct kube_status cur, want;
	struct lease_result r;

	want = status(1, "me", 3, T0 + 60 * S);
	ok(cluster_needs_write(0, &want, &want), "no status yet: write");
	cur = status(1, "me", 3, T0 + 60 * S);
	ok(!cluster_needs_write(1, &cur, &want), "holder, nothing changed: no write");
	cur = status(1, "me", 3, T0 + 30 * S);
	ok(cluster_needs_write(1, &cur, &want), "holder, renew time moved: write");

	want = status(0, "other", 3, T0 + 60 * S);
	cur = status(0, "other", 3, T0 + 30 * S);
	ok(!cluster_needs_write(1, &cur, &want), "standby, only renew time moved: no write");
	cur = status(0, "older", 2, T0 + 30 * S);
	ok(cluster_needs_write(1, &cur, &want), "standby, holder and epoch changed: write");
	cur = status(1, "other", 3, T0 + 30 * S);
	ok(cluster_needs_write(1, &cur, &want), "we lost it (isLeader true -> false): write");
	cur = status(0, "other", 3, T0 + 30 * S);
	cur.has &= ~KS_EPOCH;
	ok(!cluster_needs_write(1, &cur, &want), "an older CRD pruned epoch: no write every pass");
	cur.transitions = 4;
	ok(cluster_needs_write(1, &cur, &want), "... but leaseTransitions still counts");
	cur = status(0, "other", 3, T0 + 30 * S);
	cur.bad |= KS_LEADER;
	ok(cluster_needs_write(1, &cur, &want), "a malformed isLeader: write");

	/* what the status says */
	r = result("me", 5, T0, T0 + 10 * S);
	cluster_desired(&r, "me", &want);
	ok(want.is_leader && strcmp(want.holder, "me") == 0, "our live lease: isLeader");
	is_int(want.expire, T0 + 60 * S, "expiry by the store's clock");
	is_int(want.acquire, T0, "the record's acquire time");
	r = result("me", 5, T0, T0 + 61 * S);
	cluster_desired(&r, "me", &want);
	ok(!want.is_leader, "our lease, expired by the store's clock: not leader");
	r = result("me", 5, T0, T0 + 10 * S);
	cluster_desired(&r, "you", &want);
	ok(!want.is_leader && strcmp(want.holder, "me") == 0, "another's lease: not leader, its holder");
	r = result("me", 3000000000LL, T0, T0 + 10 * S);
	cluster_desired(&r, "me", &want);
	ok(want.transitions == 2147483647 && want.epoch == 3000000000LL,
	   "leaseTransitions saturates at int32; epoch carries the whole value");
	r = result("", 5, T0, T0 + 10 * S);
	cluster_desired(&r, "me", &want);
	ok(!(want.has & KS_EXPIRE) && (want.null & KS_EXPIRE), "a free lease has no expiry");
	cur = want;
	cluster_not_leader(&cur);
	ok(!cur.is_leader, "marked not leader");
	return done_testing();
}
