/*
 * kube-lease.h - the Lease resource as mcle reads and writes it: a few
 * compact fields, not a JSON tree.  kube.c parses them; kube-lease.c
 * encodes a status.
 */
#ifndef MCLE_KUBE_LEASE_H
#define MCLE_KUBE_LEASE_H

#include <stdint.h>

#include <json-c/json.h>

#include "record.h"
#include "timeutil.h"

#define KUBE_RV_MAX 128		/* bytes of a resourceVersion */

/* Fields of the status mcle writes (bit set in `has` when present). */
#define KS_LEADER	0x001	/* isLeader */
#define KS_HOLDER	0x002	/* observedHolderIdentity */
#define KS_ACQUIRE	0x004	/* observedAcquireTime */
#define KS_RENEW	0x008	/* observedRenewTime */
#define KS_TRANS	0x010	/* leaseTransitions */
#define KS_EXPIRE	0x020	/* observedExpireTime */
#define KS_EPOCH	0x040	/* epoch */
#define KS_DURATION	0x080	/* leaseDurationSeconds */
#define KS_ERROR	0x100	/* lastError */

#define KUBE_ERROR_MAX 256	/* bytes of status.lastError */

struct kube_status {
	unsigned has;		/* KS_* present with a valid value */
	unsigned bad;		/* KS_* present but malformed: never equal to anything */
	unsigned null;		/* KS_* written as JSON null (cleared) */
	int is_leader;
	char holder[MCLE_IDENTITY_MAX + 1];
	mcle_time acquire, renew, expire;
	int64_t transitions, epoch;
	int32_t duration;
	char error[KUBE_ERROR_MAX + 1];
};

struct kube_lease {
	char ns[MCLE_NAMESPACE_MAX + 1];
	char rv[KUBE_RV_MAX + 1];	/* metadata.resourceVersion */
	int32_t spec_duration;		/* spec.leaseDurationSeconds; 0 when absent or invalid */
	char spec_holder[MCLE_IDENTITY_MAX + 1];	/* spec.holderIdentity ("" absent) */
	int has_status;			/* a status object at all */
	struct kube_status status;
};

/* The JSON of a Lease's "status" with the fields st has (new object, NULL if out of memory). */
json_object *kube_status_object(const struct kube_status *st);

#endif
