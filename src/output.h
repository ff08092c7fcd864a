/*
 * output.h - lease state for people (aligned text) and machines (JSON).
 */
#ifndef MCLE_OUTPUT_H
#define MCLE_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#include "lease.h"

struct lease_view {
	const char *ns;
	const struct lease_result *res;	/* NULL when the operation failed before reading */
	const char *identity;		/* whose leadership isLeader reports (may be NULL) */
	int64_t skew;
	const char *action;		/* reconcile-all: what the pass did; else NULL */
	const struct mcle_err *err;	/* per-namespace failure, or NULL */
	json_object *resource_status;	/* status -n: the Lease resource's status (borrowed) */
};

#define OUT_ARRAY	0x01	/* JSON: always an array */
#define OUT_STATUS	0x02	/* JSON: add "status", the Lease status to write */
#define OUT_ACTION	0x04	/* text: an ACTION column */

/*
 * Print n views.  Text: a table with a header.  JSON: one object, or an
 * array when OUT_ARRAY or n != 1.  Returns -1 (MCLE_EIO) if stdout fails.
 */
int output_leases(FILE *f, int json, unsigned flags, const struct lease_view *v,
		  size_t n, struct mcle_err *err);

/*
 * The status of the Lease resource for this lease as seen by identity:
 * isLeader, observedHolderIdentity, observedAcquireTime, observedRenewTime,
 * leaseTransitions, observedExpireTime, epoch.  New object (caller puts it).
 */
json_object *lease_status_json(const struct lease_result *res, const char *identity);

/* Flush f and report a write error (e.g. >/dev/full) as MCLE_EIO. */
int output_flush(FILE *f, struct mcle_err *err);

#endif
