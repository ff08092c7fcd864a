/* test-election.c - the election decisions, without I/O. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "election.h"
#include "tap.h"

#define S MCLE_USEC
#define T0 ((mcle_time)1700000000 * S)

static struct store_entry
entry(const char *holder, int64_t epoch, int32_t duration, mcle_time updated,
      mcle_time now)
{
	struct store_entry e;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "team-a");
	snprintf(e.rec.holder, sizeof(e.rec.holder), "%s", holder);
	e.rec.epoch = epoch;
	e.rec.duration = duration;
	snprintf(e.ver.v, sizeof(e.ver.v), "42/1");
	e.rec.acquired = updated;
	e.updated = updated;
	e.now = now;
	return e;
}

static void
test_acquire(void)
{
	struct elect_params me = { "me", 30, 2 * S, 0, NULL };
	struct lease_record next;
	struct store_entry e;

	is_int(elect_acquire(NULL, &me, &next), ELECT_CREATE, "absent: create");
	is_str(next.holder, "me", "create: holder is us");
	is_int(next.epoch, 1, "create: first epoch is 1");
	is_int(next.duration, 30, "create: our duration");

	e = entry("other", 4, 60, T0, T0 + 10 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_BUSY, "live, another holder: busy");

	e = entry("other", 4, 60, T0, T0 + 60 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_BUSY, "at expiry: still busy");
	e = entry("other", 4, 60, T0, T0 + 62 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_BUSY, "within the skew allowance: busy");
	e = entry("other", 4, 60, T0, T0 + 62 * S + 1);
	is_int(elect_acquire(&e, &me, &next), ELECT_TAKEOVER, "past expiry + skew: takeover");
	is_int(next.epoch, 5, "takeover from another: epoch + 1");
	is_str(next.holder, "me", "takeover: holder is us");

	e = entry("me", 4, 60, T0, T0 + 30 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_RENEW, "ours and live: renew");
	is_int(next.epoch, 4, "renew keeps the epoch");
	is_int(next.duration, 30, "renew writes our duration");

	e = entry("me", 4, 60, T0, T0 + 61 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_TAKEOVER,
	       "ours, past expiry within skew: new term, not renew");
	is_int(next.epoch, 4, "own expired lease: same holder, same epoch");

	e = entry("", 7, 60, T0, T0 + 1 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_TAKEOVER, "released: takeover at once");
	is_int(next.epoch, 8, "released then acquired: epoch + 1");

	/* the local clock plays no part: only e.now and e.updated */
	e = entry("other", 1, 60, T0 + 3600 * S, T0 + 3600 * S + 5 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_BUSY, "store clock far from ours: still busy");
}

static void
test_renew_release(void)
{
	struct elect_params me = { "me", 30, 2 * S, 0, NULL };
	struct lease_record next;
	struct store_entry e;

	is_int(elect_renew(NULL, &me, &next), ELECT_LOST, "renew absent: lost");
	e = entry("other", 3, 60, T0, T0 + S);
	is_int(elect_renew(&e, &me, &next), ELECT_LOST, "renew another's: lost");
	e = entry("me", 3, 60, T0, T0 + 60 * S + 1);
	is_int(elect_renew(&e, &me, &next), ELECT_LOST, "renew after expiry: lost");
	e = entry("me", 3, 60, T0, T0 + 60 * S);
	is_int(elect_renew(&e, &me, &next), ELECT_RENEW, "renew at expiry: renew");
	is_int(next.epoch, 3, "renew keeps the epoch");
	e = entry("", 3, 60, T0, T0 + S);
	is_int(elect_renew(&e, &me, &next), ELECT_LOST, "renew released: lost");

	is_int(elect_release(NULL, &me, &next), ELECT_LOST, "release absent: lost");
	e = entry("other", 3, 60, T0, T0 + S);
	is_int(elect_release(&e, &me, &next), ELECT_LOST, "release another's: lost");
	e = entry("me", 3, 60, T0, T0 + S);
	is_int(elect_release(&e, &me, &next), ELECT_RELEASE, "release ours");
	is_str(next.holder, "", "release empties the holder");
	is_int(next.epoch, 3, "release keeps the epoch");
	is_int(next.duration, 60, "release keeps the duration");
}

static void
test_views(void)
{
	struct store_entry e = entry("me", 1, 10, T0, T0 + 5 * S);

	is_int(elect_expire_time(&e), T0 + 10 * S, "expire = updated + duration");
	ok(elect_is_leader(&e, "me"), "holder within duration is leader");
	ok(!elect_is_leader(&e, "you"), "another identity is not leader");
	e.now = T0 + 11 * S;
	ok(!elect_is_leader(&e, "me"), "past expiry: not leader");
	ok(elect_is_live(&e, 2 * S), "past expiry within skew: still live for rivals");
	e.rec.holder[0] = '\0';
	ok(!elect_is_live(&e, 0), "released: not live");
	is_str(elect_action_name(ELECT_TAKEOVER), "takeover", "action names");
}

/* Expiry never overflows or wraps: it saturates at the end of year 9999. */
static void
test_time_limits(void)
{
	const mcle_time end = 253402300800LL * S - 1;	/* 9999-12-31T23:59:59.999999Z */
	const mcle_time last = 253402300799LL * S;	/* 9999-12-31T23:59:59Z */
	struct elect_params me = { "me", 30, 2 * S, 0, NULL };
	struct lease_record next;
	struct store_entry e = entry("other", 4, 60, last, last);

	is_int(elect_expire_time(&e), end, "updated at the end of 9999 + 60 s: saturates");
	ok(elect_is_live(&e, 3600 * S), "... still live with a large skew");
	is_int(elect_acquire(&e, &me, &next), ELECT_BUSY, "... and busy for a rival");
	e = entry("me", 4, INT32_MAX, last, end);
	ok(elect_is_leader(&e, "me"), "holder at the store clock's end: still leader");
	e = entry("other", 4, INT32_MAX, INT64_MAX, INT64_MAX);
	is_int(elect_expire_time(&e), end, "an out-of-range updated: no overflow");
	e = entry("other", 4, 60, T0, T0 + 63 * S);
	ok(elect_is_live(&e, INT64_MAX), "an absurd skew saturates: live, no overflow");
}

static struct store_legacy
legacy(const char *holder, int32_t duration, int64_t transitions, mcle_time updated)
{
	struct store_legacy l;

	memset(&l, 0, sizeof(l));
	l.present = l.read = 1;
	snprintf(l.holder, sizeof(l.holder), "%s", holder);
	l.duration = duration;
	l.transitions = transitions;
	l.updated = updated;
	snprintf(l.gen, sizeof(l.gen), "17");
	return l;
}

/* The Go controller's lock: held until updated + 3d + skew; the epoch continues. */
static void
test_legacy(void)
{
	struct elect_params me = { "me", 30, 2 * S, 0, NULL };
	struct lease_record next;
	struct store_legacy l = legacy("https://34.118.224.1:443", 15, 7, T0), none;
	struct store_entry e;

	memset(&none, 0, sizeof(none));
	is_int(elect_legacy(&none, T0, 2 * S), LEGACY_NONE, "legacy: absent is none");
	is_int(elect_legacy(NULL, T0, 2 * S), LEGACY_NONE, "legacy: NULL is none");
	is_int(elect_legacy(&l, T0 + 15 * S, 2 * S), LEGACY_LIVE, "legacy: live at d");
	is_int(elect_legacy(&l, T0 + 45 * S, 2 * S), LEGACY_LIVE,
	       "legacy: live at 3d (the original renews as late as that)");
	is_int(elect_legacy(&l, T0 + 47 * S, 2 * S), LEGACY_LIVE,
	       "legacy: live within the skew allowance");
	is_int(elect_legacy(&l, T0 + 47 * S + 1, 2 * S), LEGACY_EXPIRED,
	       "legacy: expired past 3d + skew");
	is_int(elect_legacy_expire(&l), T0 + 45 * S, "legacy: expiry is updated + 3d");
	l.read = 0;
	is_int(elect_legacy(&l, T0 + 1000 * S, 2 * S), LEGACY_BAD,
	       "legacy: body not read: never taken blindly");
	l.read = 1;
	l.bad = 1;
	is_int(elect_legacy(&l, T0 + 1000 * S, 2 * S), LEGACY_BAD, "legacy: unreadable body: held");
	l.bad = 0;
	l.holder[0] = '\0';
	is_int(elect_legacy(&l, T0 + 1 * S, 2 * S), LEGACY_EXPIRED, "legacy: released is free");
	l = legacy("x", 15, 7, T0);
	is_int(elect_legacy_epoch(&l, 0), 8, "legacy epoch: leaderTransitions + 1");
	is_int(elect_legacy_epoch(&l, 12), 13, "legacy epoch: own epoch + 1 when larger");
	l.mcle_epoch = 9;
	is_int(elect_legacy(&l, T0, 2 * S), LEGACY_NONE, "legacy written by mcle: superseded");
	is_int(elect_legacy_epoch(&l, 3), 9, "... its epoch is the floor");
	l = legacy("x", INT32_MAX, 7, (mcle_time)253402300799LL * S);
	is_int(elect_legacy(&l, (mcle_time)253402300800LL * S - 1, INT64_MAX), LEGACY_LIVE,
	       "legacy: expiry saturates, no overflow");

	/* the floor: a new term never starts below it */
	me.epoch_min = 8;
	is_int(elect_acquire(NULL, &me, &next), ELECT_CREATE, "floor: absent: create");
	is_int(next.epoch, 8, "floor: create starts at the floor");
	e = entry("other", 3, 60, T0, T0 + 100 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_TAKEOVER, "floor: expired: takeover");
	is_int(next.epoch, 8, "floor: takeover at the floor, not own + 1");
	e = entry("other", 11, 60, T0, T0 + 100 * S);
	elect_acquire(&e, &me, &next);
	is_int(next.epoch, 12, "floor: own + 1 when above it");
	e = entry("me", 3, 60, T0, T0 + 10 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_TAKEOVER,
	       "floor: our live lease below the floor: a new term, not a renewal");
	is_int(next.epoch, 8, "... at the floor");
	e = entry("me", 8, 60, T0, T0 + 10 * S);
	is_int(elect_acquire(&e, &me, &next), ELECT_RENEW, "floor: ours at the floor: renew");
	is_int(next.epoch, 8, "... keeping the epoch");
}

/* The same identity from another cluster: never renewed, released or taken over. */
static void
test_fingerprint(void)
{
	struct elect_params a = { "me", 30, 2 * S, 0, "uid-a" };
	struct elect_params none = { "me", 30, 2 * S, 0, NULL };
	struct lease_record next;
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e;

	is_int(elect_acquire(NULL, &a, &next), ELECT_CREATE, "fingerprint: create");
	is_str(next.cluster, "uid-a", "create carries our fingerprint");
	is_int(elect_acquire(NULL, &none, &next), ELECT_CREATE, "no cluster: create");
	is_str(next.cluster, "", "no cluster: no fingerprint written");

	e = entry("me", 4, 60, T0, T0 + 10 * S);
	snprintf(e.rec.cluster, sizeof(e.rec.cluster), "uid-b");
	ok(elect_foreign(&e, &a), "ours from another cluster: foreign");
	is_int(elect_acquire(&e, &a, &next), ELECT_BUSY, "foreign, live: acquire is busy");
	is_int(elect_renew(&e, &a, &next), ELECT_LOST, "foreign: renew is lost");
	is_int(elect_release(&e, &a, &next), ELECT_LOST, "foreign: release is lost");
	e.now = T0 + 3600 * S;
	is_int(elect_acquire(&e, &a, &next), ELECT_BUSY,
	       "foreign, expired: never a takeover of our own identity");
	is_int(elect_foreign_err(&e, &a, "team-a", &err), -1, "foreign: an error");
	is_int(err.code, MCLE_ECONFIG, "foreign: a configuration error");
	ok(strstr(err.msg, "'uid-b'") != NULL && strstr(err.msg, "'uid-a'") != NULL &&
	   strstr(err.msg, "'me'") != NULL, "the error names the identity and both clusters");

	e.now = T0 + 10 * S;
	ok(!elect_foreign(&e, &none), "no cluster here: nothing changes");
	is_int(elect_renew(&e, &none, &next), ELECT_RENEW, "no cluster: renew as before");
	is_str(next.cluster, "uid-b", "no cluster: renewal keeps the record's fingerprint");

	e.rec.cluster[0] = '\0';
	ok(!elect_foreign(&e, &a), "a record without a fingerprint is accepted");
	is_int(elect_renew(&e, &a, &next), ELECT_RENEW, "no fingerprint yet: renew");
	is_str(next.cluster, "uid-a", "renewal writes our fingerprint");

	snprintf(e.rec.cluster, sizeof(e.rec.cluster), "uid-a");
	is_int(elect_acquire(&e, &a, &next), ELECT_RENEW, "same fingerprint: renew");
	is_int(elect_foreign_err(&e, &a, "team-a", &err), 0, "same fingerprint: no error");

	snprintf(e.rec.holder, sizeof(e.rec.holder), "other");
	snprintf(e.rec.cluster, sizeof(e.rec.cluster), "uid-b");
	ok(!elect_foreign(&e, &a), "another identity elsewhere: not a collision");
	e.now = T0 + 3600 * S;
	is_int(elect_acquire(&e, &a, &next), ELECT_TAKEOVER, "another's expired: takeover");
	is_str(next.cluster, "uid-a", "takeover: our fingerprint, not the old one");
	is_int(next.epoch, 5, "takeover: epoch + 1");

	ok(elect_identity_is_url("https://34.118.224.1:443"), "an API server URL as identity");
	ok(elect_identity_is_url("http://10.0.0.1"), "... over http too");
	ok(!elect_identity_is_url("cluster-eu-1"), "a cluster name is not a URL");
	ok(!elect_identity_is_url(NULL), "no identity: not a URL");
	ok(elect_identity_is_url("34.118.224.1:443"), "HOST:PORT as identity");
	ok(elect_identity_is_url("kubernetes.default.svc:443"), "... a host name too");
	ok(elect_identity_is_url("[fd00::1]:6443"), "... an IPv6 address too");
	ok(!elect_identity_is_url("gke_proj_europe-west1_prod"), "a GKE context name is not");
	ok(!elect_identity_is_url("team:a"), "a colon without a port is not");

	/* the cadence rule: cadence x 1.1 + 2 x timeout, rounded up */
	is_int(elect_cadence_min(10 * S, 8 * S), 19, "--interval 10s, --timeout 8: 11 + 8 = 19 s");
	is_int(elect_cadence_min(60 * S, 30 * S), 96, "a one-minute CronJob, --timeout 30: 66 + 30 s");
	is_int(elect_cadence_min(20 * S, 30 * S), 60, "every 20 s, --timeout 30: passes that run over set it, 30 + 30 s");
	is_int(elect_cadence_min(S + 1, 0), 2, "rounded up");
}

int
main(void)
{
	test_legacy();
	test_acquire();
	test_renew_release();
	test_views();
	test_time_limits();
	test_fingerprint();
	return done_testing();
}
