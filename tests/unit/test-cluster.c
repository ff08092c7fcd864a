/* test-cluster.c - when the Lease resource's status must be written. */
#include "config.h"

#include "cluster.h"
#include "tap.h"

static json_object *
status(int leader, const char *holder, int epoch, const char *renew)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "isLeader", json_object_new_boolean(leader));
	json_object_object_add(o, "observedHolderIdentity", json_object_new_string(holder));
	json_object_object_add(o, "observedAcquireTime",
			       json_object_new_string("2026-01-01T00:00:00.000000Z"));
	json_object_object_add(o, "observedRenewTime", json_object_new_string(renew));
	json_object_object_add(o, "leaseTransitions", json_object_new_int(epoch));
	json_object_object_add(o, "observedExpireTime", json_object_new_string(renew));
	json_object_object_add(o, "epoch", json_object_new_int64(epoch));
	return o;
}

int
main(void)
{
	json_object *cur, *want;

	want = status(1, "me", 3, "2026-01-01T00:01:00.000000Z");
	ok(status_needs_write(NULL, want), "no status yet: write");
	cur = status(1, "me", 3, "2026-01-01T00:01:00.000000Z");
	ok(!status_needs_write(cur, want), "holder, nothing changed: no write");
	json_object_put(cur);
	cur = status(1, "me", 3, "2026-01-01T00:00:30.000000Z");
	ok(status_needs_write(cur, want), "holder, renew time moved: write");
	json_object_put(cur);
	json_object_put(want);

	want = status(0, "other", 3, "2026-01-01T00:01:00.000000Z");
	cur = status(0, "other", 3, "2026-01-01T00:00:30.000000Z");
	ok(!status_needs_write(cur, want), "standby, only renew time moved: no write");
	json_object_put(cur);
	cur = status(0, "older", 2, "2026-01-01T00:00:30.000000Z");
	ok(status_needs_write(cur, want), "standby, holder and epoch changed: write");
	json_object_put(cur);
	cur = status(1, "other", 3, "2026-01-01T00:00:30.000000Z");
	ok(status_needs_write(cur, want), "we lost it (isLeader true -> false): write");
	json_object_put(cur);
	cur = status(0, "other", 3, "2026-01-01T00:00:30.000000Z");
	json_object_object_del(cur, "epoch");
	ok(!status_needs_write(cur, want), "an older CRD pruned epoch: no write every pass");
	json_object_object_add(cur, "leaseTransitions", json_object_new_int(4));
	ok(status_needs_write(cur, want), "... but leaseTransitions still counts");
	json_object_put(cur);
	cur = json_object_new_string("garbage");
	ok(status_needs_write(cur, want), "a status that is not an object: write");
	json_object_put(cur);
	json_object_put(want);
	return done_testing();
}
