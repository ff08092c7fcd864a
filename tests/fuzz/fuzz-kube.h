/*
 * fuzz-kube.h - a Lease as kube-parse.c decodes it, compared field by
 * field (never by its padding).
 */
#ifndef MCLE_FUZZ_KUBE_H
#define MCLE_FUZZ_KUBE_H

#include <string.h>

#include "fuzz-util.h"
#include "kube-lease.h"
#include "parse.h"

/* A status's valid fields are valid values. */
static inline void
fuzz_status_check(const struct kube_status *st)
{
	FUZZ_CHECK((st->has & KS_HOLDER) == 0 || st->holder[0] == '\0' ||
		   valid_identity(st->holder));
	FUZZ_CHECK((st->has & KS_TRANS) == 0 ||
		   (st->transitions >= 0 && st->transitions <= MCLE_EPOCH_MAX));
	FUZZ_CHECK((st->has & KS_EPOCH) == 0 || (st->epoch >= 0 && st->epoch <= MCLE_EPOCH_MAX));
	FUZZ_CHECK((st->has & KS_DURATION) == 0 || st->duration >= 1);
	FUZZ_CHECK((st->has & KS_ERROR) == 0 || fuzz_printable(st->error));
}

static inline uint64_t
fuzz_status_hash(const struct kube_status *st, uint64_t h)
{
	h = fuzz_hash(&st->has, sizeof(st->has), h);
	h = fuzz_hash(&st->bad, sizeof(st->bad), h);
	h = fuzz_hash(&st->null, sizeof(st->null), h);
	h = fuzz_hash(&st->is_leader, sizeof(st->is_leader), h);
	h = fuzz_hash(st->holder, strlen(st->holder) + 1, h);
	h = fuzz_hash(&st->acquire, sizeof(st->acquire), h);
	h = fuzz_hash(&st->renew, sizeof(st->renew), h);
	h = fuzz_hash(&st->expire, sizeof(st->expire), h);
	h = fuzz_hash(&st->transitions, sizeof(st->transitions), h);
	h = fuzz_hash(&st->epoch, sizeof(st->epoch), h);
	h = fuzz_hash(&st->duration, sizeof(st->duration), h);
	return fuzz_hash(st->error, strlen(st->error) + 1, h);
}

static inline uint64_t
fuzz_lease_hash(const struct kube_lease *l, uint64_t h)
{
	h = fuzz_hash(l->ns, strlen(l->ns) + 1, h);
	h = fuzz_hash(l->rv, strlen(l->rv) + 1, h);
	h = fuzz_hash(&l->spec_duration, sizeof(l->spec_duration), h);
	h = fuzz_hash(l->spec_holder, strlen(l->spec_holder) + 1, h);
	h = fuzz_hash(&l->has_status, sizeof(l->has_status), h);
	return fuzz_status_hash(&l->status, h);
}

#endif
