/*
 * record.h - the lease record and its codec.
 *
 * A lock object's state is the record below (what the holder wrote) plus the
 * store's version of the object (struct store_version in store.h: generation,
 * metageneration and the store's own timestamps).  The record is encoded as
 * a flat map of string values, the shape of a GCS object's custom
 * `metadata`, so one codec serves every backend.
 */
#ifndef MCLE_RECORD_H
#define MCLE_RECORD_H

#include <stdint.h>

#include <json-c/json.h>

#include "err.h"

#define MCLE_IDENTITY_MAX 253	/* a DNS subdomain's length */
#define MCLE_NAMESPACE_MAX 63	/* a DNS-1123 label's length */
#define MCLE_GENERATION_MAX 32	/* an int64 in decimal, and some */
#define MCLE_RECORD_FORMAT "1"	/* value of the "mcleFormat" key */

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
	int64_t epoch;		/* leaseTransitions: +1 on every change of holder */
	int32_t duration;	/* leaseDurationSeconds */
};

/*
 * Encode into a new json object {"holderIdentity": "...", ...} whose values
 * are all strings.  Returns NULL only when out of memory.  The caller owns
 * the result (json_object_put).
 */
json_object *record_encode(const struct lease_record *rec);

/* The epoch as an int32 reader sees it: saturated at MCLE_TRANSITIONS_MAX. */
int32_t record_transitions(const struct lease_record *rec);

/*
 * Decode a metadata map (borrowed; not consumed).  Strict: every field
 * present, of the right form and in range; unknown keys are ignored so later
 * versions may add some.  On failure returns -1 and sets MCLE_ECORRUPT with
 * a message naming the field; `where` names the object for the message.
 */
int record_decode(json_object *meta, const char *where,
		  struct lease_record *rec, struct mcle_err *err);

#endif
