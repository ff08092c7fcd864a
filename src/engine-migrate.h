/*
 * engine-migrate.h - mcle migrate --check: what stands in the way of
 * replacing the Go controller (leaderelection.600lyy.io), read-only.
 *
 * The checks, each finding with the step that fixes it (mcle-migrate(1)):
 *   legacy-lock     the Go controller's NAMESPACE-lease-gsc objects: live
 *                   (a Go controller still renews it), expired, unreadable,
 *                   or taken over by mcle (marked mcleEpoch: nothing to do);
 *   lease-duration  a lease shorter than the cadence needs
 *                   (elect_cadence_min): each Lease resource's
 *                   spec.leaseDurationSeconds, or --lease-duration;
 *   crd             the installed CRD lacks fields mcle writes (the API
 *                   server drops them), or is not installed;
 *   identity        an identity that looks like an API server URL, or one
 *                   identity written from two clusters (mcleCluster);
 *   scope           namespaces the Go controller left alone that mcle would
 *                   now contend for.
 * Only GET and LIST requests: nothing is written anywhere.
 */
#ifndef MCLE_ENGINE_MIGRATE_H
#define MCLE_ENGINE_MIGRATE_H

#include <stdint.h>

#include "namespaces.h"
#include "output.h"
#include "store.h"

struct kube_client;
struct loop;

#define MIGRATE_LINES_MAX 50	/* findings shown per check; then one line counts the rest */
#define MIGRATE_NAMES_MAX 10	/* names listed in one finding */

struct migrate_params {
	struct store *store;
	struct kube_client *kube;	/* NULL: no cluster */
	struct loop *loop;
	const char *identity;		/* --identity, or NULL */
	const char *legacy_at;		/* --legacy-locks gs://BUCKET[/PREFIX], or NULL */
	int32_t duration;		/* --lease-duration */
	int duration_explicit;		/* given explicitly: it wins over each spec */
	int64_t cadence;		/* usec between passes; 0: unknown */
	const char *cadence_what;	/* "--interval 10s", for messages */
	int64_t timeout;		/* a pass's deadline (usec) */
	int64_t skew;
	const char *preset;		/* --exclude-preset */
	const char *selector;		/* with a cluster: --selector, or NULL */
	const struct ns_list *exclude;	/* with a cluster: the preset's and --exclude */
	const struct ns_list *names;	/* without one: --namespaces (may be empty) */
	int64_t deadline;
	struct output *out;
};

/* Run the checks and print the findings; *problems: how many to fix. */
int engine_migrate(const struct migrate_params *mp, size_t *problems, struct mcle_err *err);

#endif
