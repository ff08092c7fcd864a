/*
 * kube-events.h - Kubernetes Events (events.k8s.io/v1) about the Lease
 * resource of a namespace when this cluster sees its holder change.
 *
 * Recording never blocks and never fails the caller: each Event is one
 * POST on the loop, its outcome only counted (and logged).  A flapping
 * lease cannot flood the API server: each namespace has a token bucket
 * (KUBE_EVENTS_BURST Events, then one per KUBE_EVENTS_REFILL_US), changes
 * over it are counted and mentioned in the namespace's next Event, and at
 * most KUBE_EVENTS_IN_FLIGHT are in flight at once.  A 403 or 404 (no
 * permission, no such API) turns Events off for the rest of the run with
 * one warning.
 */
#ifndef MCLE_KUBE_EVENTS_H
#define MCLE_KUBE_EVENTS_H

#include <stdint.h>

#include "kube.h"

#define KUBE_EVENTS_BURST	5
#define KUBE_EVENTS_REFILL_US	(60 * 1000000LL)
#define KUBE_EVENTS_IN_FLIGHT	64
#define KUBE_EVENT_TIMEOUT_US	(10 * 1000000LL)
#define KUBE_EVENTS_CONTROLLER	"leaderelection.600lyy.io/mcle"

enum kube_event_why {
	KEV_ACQUIRED,		/* this cluster took a free lease */
	KEV_TAKEN_OVER,		/* this cluster took it over from another holder */
	KEV_LOST,		/* another holder has it, or nobody, after us */
	KEV_RELEASED,		/* this cluster released it */
	KEV_CHANGED,		/* from one other holder to another */
};

struct kube_events;

struct kube_events *kube_events_new(struct kube_client *k, const char *identity,
				    struct mcle_err *err);
/* Call once kube_events_busy() is 0 (or the loop is gone for good). */
void kube_events_free(struct kube_events *ev);

/*
 * One change of holder in ns: holder and previous may be NULL (nobody);
 * epoch is the lease's term.
 */
void kube_events_record(struct kube_events *ev, const char *ns, enum kube_event_why why,
			const char *holder, const char *previous, int64_t epoch);

/* Events in flight. */
unsigned kube_events_busy(const struct kube_events *ev);

struct kube_events_stats {
	uint64_t sent, failed, suppressed;
};
void kube_events_stats(const struct kube_events *ev, struct kube_events_stats *out);

/* The reason as written ("LeaderAcquired", ...). */
const char *kube_event_reason(enum kube_event_why why);

#endif
