/*
 * election.c - the election decisions.  Pure: no I/O, no clock of our own.
 *
 * Every judgement of time uses cur->now, the store's clock as the store
 * reported it when the record was read, against cur->updated, the
 * store's time of the last write.  No two hosts' clocks are ever compared.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "election.h"

mcle_time
elect_expire_time(const struct store_entry *cur)
{
	/* saturates at 9999-12-31T23:59:59.999999Z, the end of a store's clock */
	return time_add(cur->updated, (int64_t)cur->rec.duration * MCLE_USEC);
}

int
elect_is_live(const struct store_entry *cur, int64_t skew)
{
	if (cur == NULL || cur->rec.holder[0] == '\0')
		return 0;
	/* expired only once the store's clock is past expiry plus the allowance */
	return cur->now <= time_add(elect_expire_time(cur), skew);
}

int
elect_is_leader(const struct store_entry *cur, const char *identity)
{
	/* the holder gets no skew allowance: that is for its rivals */
	return cur != NULL && cur->rec.holder[0] != '\0' &&
	       strcmp(cur->rec.holder, identity) == 0 &&
	       cur->now <= elect_expire_time(cur);
}

int
elect_foreign(const struct store_entry *cur, const struct elect_params *p)
{
	return cur != NULL && p->cluster != NULL && p->cluster[0] != '\0' &&
	       cur->rec.cluster[0] != '\0' && cur->rec.holder[0] != '\0' &&
	       strcmp(cur->rec.holder, p->identity) == 0 &&
	       strcmp(cur->rec.cluster, p->cluster) != 0;
}

int
elect_foreign_err(const struct store_entry *cur, const struct elect_params *p,
		  const char *ns, struct mcle_err *err)
{
	if (!elect_foreign(cur, p))
		return 0;
	return mcle_err_set(err, MCLE_ECONFIG,
			    "lease '%s' is held by identity '%s' from another cluster "
			    "(fingerprint '%s'; this cluster is '%s'): two clusters share this "
			    "identity; give each cluster its own --identity", ns, p->identity,
			    cur->rec.cluster, p->cluster);
}

/* HOST:PORT: a host name or address, one colon, a port of digits only. */
static int
is_host_port(const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t i, host = colon != NULL ? (size_t)(colon - s) : 0;

	if (colon == NULL || host == 0 || colon[1] == '\0' || strlen(colon + 1) > 5 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return 0;
	for (i = 0; i < host; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-[]:",
			   s[i]) == NULL)
			return 0;
	return 1;
}

int
elect_identity_is_url(const char *identity)
{
	return identity != NULL && (strstr(identity, "://") != NULL || is_host_port(identity));
}

int32_t
elect_cadence_min(int64_t cadence, int64_t timeout)
{
	int64_t start = cadence + cadence / 10;
	int64_t us = (start > timeout ? start : timeout) + timeout;
	int64_t s = us / MCLE_USEC + (us % MCLE_USEC != 0);

	return s > INT32_MAX ? INT32_MAX : (int32_t)s;
}

/* Our fingerprint on what we write; without one, a renewal keeps the record's. */
static void
stamp(struct lease_record *next, const struct store_entry *cur,
      const struct elect_params *p)
{
	const char *fp = p->cluster != NULL ? p->cluster : "";

	if (*fp == '\0' && cur != NULL && strcmp(cur->rec.holder, next->holder) == 0)
		fp = cur->rec.cluster;
	snprintf(next->cluster, sizeof(next->cluster), "%s", fp);
}

/* acquired: kept from the current term, or 0 for a new one (lease.c sets it) */
static void
next_record(struct lease_record *next, const char *holder, int64_t epoch,
	    int32_t duration, mcle_time acquired)
{
	memset(next, 0, sizeof(*next));
	strncpy(next->holder, holder, sizeof(next->holder) - 1);
	next->epoch = epoch;
	next->duration = duration;
	next->acquired = acquired;
}

/*
 * A holder of its own live lease renews.  We never renew a lease that only
 * looks ours once expired: that starts a new term (takeover) instead, so
 * acquire time and generation mark the gap.
 */
enum elect_action
elect_acquire(const struct store_entry *cur, const struct elect_params *p,
	      struct lease_record *next)
{
	int64_t epoch;

	if (cur == NULL) {
		next_record(next, p->identity, p->epoch_min > 1 ? p->epoch_min : 1, p->duration, 0);
		stamp(next, NULL, p);
		return ELECT_CREATE;
	}
	if (elect_foreign(cur, p)) {
		*next = cur->rec;
		return ELECT_BUSY;
	}
	if (elect_is_live(cur, p->skew)) {
		if (strcmp(cur->rec.holder, p->identity) != 0) {
			*next = cur->rec;
			return ELECT_BUSY;
		}
		/* below the floor (a legacy term came between): a new term */
		if (cur->now <= elect_expire_time(cur) && cur->rec.epoch >= p->epoch_min) {
			next_record(next, p->identity, cur->rec.epoch, p->duration,
				    cur->rec.acquired);
			stamp(next, cur, p);
			return ELECT_RENEW;
		}
		/* ours, within the skew allowance only: start a new term */
	}
	/* free, released or expired: +1 only on a change of holder */
	epoch = cur->rec.epoch;
	if (strcmp(cur->rec.holder, p->identity) != 0)
		epoch++;
	if (epoch < p->epoch_min)
		epoch = p->epoch_min;
	next_record(next, p->identity, epoch, p->duration, 0);
	stamp(next, NULL, p);
	return ELECT_TAKEOVER;
}

enum elect_action
elect_renew(const struct store_entry *cur, const struct elect_params *p,
	    struct lease_record *next)
{
	if (cur == NULL || strcmp(cur->rec.holder, p->identity) != 0 ||
	    cur->now > elect_expire_time(cur) || elect_foreign(cur, p))
		return ELECT_LOST;
	next_record(next, p->identity, cur->rec.epoch, p->duration, cur->rec.acquired);
	stamp(next, cur, p);
	return ELECT_RENEW;
}

enum elect_action
elect_release(const struct store_entry *cur, const struct elect_params *p,
	      struct lease_record *next)
{
	if (cur == NULL || strcmp(cur->rec.holder, p->identity) != 0 || elect_foreign(cur, p))
		return ELECT_LOST;
	/* the holder becomes empty, the epoch and duration stay */
	next_record(next, "", cur->rec.epoch, cur->rec.duration, cur->rec.acquired);
	return ELECT_RELEASE;
}

mcle_time
elect_legacy_expire(const struct store_legacy *l)
{
	return time_add(l->updated, 3 * (int64_t)l->duration * MCLE_USEC);
}

enum legacy_verdict
elect_legacy(const struct store_legacy *l, mcle_time now, int64_t skew)
{
	if (l == NULL || !l->present || l->mcle_epoch > 0)
		return LEGACY_NONE;
	if (l->bad || !l->read)
		return LEGACY_BAD;
	if (l->holder[0] == '\0')
		return LEGACY_EXPIRED;	/* released */
	/* the original renews as late as 3d after its last write */
	return now <= time_add(elect_legacy_expire(l), skew) ? LEGACY_LIVE : LEGACY_EXPIRED;
}

int64_t
elect_legacy_epoch(const struct store_legacy *l, int64_t own)
{
	if (l->mcle_epoch > 0)
		return l->mcle_epoch;
	return (own > l->transitions ? own : l->transitions) + 1;
}

const char *
elect_legacy_name(enum legacy_verdict v)
{
	switch (v) {
	case LEGACY_NONE:	return "none";
	case LEGACY_LIVE:	return "live";
	case LEGACY_BAD:	return "unreadable";
	case LEGACY_EXPIRED:	return "expired";
	}
	return "unknown";
}

const char *
elect_action_name(enum elect_action a)
{
	switch (a) {
	case ELECT_CREATE:	return "create";
	case ELECT_RENEW:	return "renew";
	case ELECT_TAKEOVER:	return "takeover";
	case ELECT_RELEASE:	return "release";
	case ELECT_BUSY:	return "busy";
	case ELECT_LOST:	return "lost";
	}
	return "unknown";
}
