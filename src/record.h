/*
 * record.h - the lease record and its codec.  Pure: no I/O, no third-party
 * headers.
 *
 * A lock object's state is the record below (what the holder wrote) plus
 * the store's version of the object and its time of last write
 * (struct store_entry in store.h).  The record is encoded as a flat map of
 * string values - the shape of a GCS object's custom `metadata` - through
 * get/put callbacks, so one codec serves every backend.
 */
#ifndef MCLE_RECORD_H
#define MCLE_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "timeutil.h"

#define MCLE_IDENTITY_MAX 253	/* a DNS subdomain's length */
#define MCLE_NAMESPACE_MAX 63	/* a DNS-1123 label's length */
#define MCLE_RECORD_FORMAT "1"	/* value of the "mcleFormat" key */
#define MCLE_CLUSTER_MAX 64	/* bytes of a cluster fingerprint (a UID is 36) */

/*
 * The epoch (the fencing token) is an integer in [0, MCLE_EPOCH_MAX]:
 * 2^53 - 1, the largest integer a JSON reader that holds numbers as doubles
 * (jq, JavaScript) keeps exact.  A record above it is corrupt, and a change
 * of holder that would pass it is refused.  Where a reader expects an int32
 * (the Lease status's leaseTransitions, the original controller's field),
 * the epoch is shown saturated at MCLE_TRANSITIONS_MAX; the `epoch` fields
 * carry the full value.
 */
#define MCLE_EPOCH_MAX 9007199254740991LL	/* 2^53 - 1 */
#define MCLE_TRANSITIONS_MAX INT32_MAX

struct lease_record {
	char holder[MCLE_IDENTITY_MAX + 1];	/* "" when released */
	int64_t epoch;		/* +1 on every change of holder; kept on release */
	int32_t duration;	/* leaseDurationSeconds */
	/*
	 * When the holder took the lease, by the store's clock as the holder
	 * last observed it before the write (0: unknown, e.g. a record written
	 * before this field existed).  Kept by renewals and releases.
	 */
	mcle_time acquired;
	/*
	 * The fingerprint of the cluster the holder wrote from (the UID of
	 * its kube-system namespace; key "mcleCluster"), "" when written
	 * without a cluster or before this field existed.  Optional.
	 */
	char cluster[MCLE_CLUSTER_MAX + 1];
};

/* Read key of the map: its value and length (may hold NUL), or NULL if absent. */
typedef const char *(*record_get_fn)(void *arg, const char *key, size_t *len);
/* Set key to value; -1 when out of memory. */
typedef int (*record_put_fn)(void *arg, const char *key, const char *value);

/* Encode rec as string values.  -1 only when put fails. */
int record_encode(const struct lease_record *rec, record_put_fn put, void *arg);

/* The epoch as an int32 reader sees it: saturated at MCLE_TRANSITIONS_MAX. */
int32_t record_transitions(const struct lease_record *rec);

/*
 * Decode a map.  Strict: every required field present, a string of the
 * right form and in range, no NUL bytes; unknown keys are ignored so later
 * versions may add some.  On failure -1 with MCLE_ECORRUPT naming the
 * field; `where` names the object in the message.
 */
int record_decode(record_get_fn get, void *arg, const char *where,
		  struct lease_record *rec, struct mcle_err *err);

/* The epoch as an int32 reader sees it: saturated at MCLE_TRANSITIONS_MAX. */
int32_t record_transitions(const struct lease_record *rec);

/* 1 if s is a valid fingerprint: 1..MCLE_CLUSTER_MAX of [A-Za-z0-9._:-]. */
int record_valid_cluster(const char *s);

#endif
