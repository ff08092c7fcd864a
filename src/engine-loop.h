/*
 * engine-loop.h - reconcile-all for days: passes (engine-pass.c) repeated
 * in one process, with metrics, health probes, Events and logs.
 *
 * One process keeps what costs requests or handshakes: the loop, the HTTP
 * engine's connections, the store, the cluster client and its
 * credentials (refreshed before expiry and after a 401 by cred.c), and
 * what each namespace's previous pass found (its holder, for the logs and
 * --release-on-exit).  It never decides from that memory: every pass lists
 * the store and the Lease resources again.
 *
 * Passes start every interval, each start moved by up to a tenth of the
 * interval at random (so that many clusters do not pass in step); a pass
 * that runs over the interval is followed by the next at once.  Each pass
 * has its own deadline (pass_timeout).  A pass that fails (the store or
 * the cluster cannot be reached, a credential is refused, some namespaces
 * fail) does not end the loop; what does:
 *   - MCLE_EUSAGE, MCLE_ENOMEM: always;
 *   - MCLE_ECONFIG (no CRD, TLS verification, a bad URL): when no pass has
 *     completed yet, so a misconfigured Deployment fails at once; after
 *     that it counts as a failed pass (the cluster may be mid-change).
 * SIGTERM or SIGINT: the pass in progress starts no new namespace, its
 * requests in flight finish within its deadline, then the loop ends
 * (after releasing, with release_on_exit).
 *
 * With interval 0 it is one pass (the one-shot reconcile-all), with the
 * same metrics file; its changes of leader are logged at debug level (its
 * table says as much) and it records no Events (a process per pass could
 * not rate-limit them).
 */
#ifndef MCLE_ENGINE_LOOP_H
#define MCLE_ENGINE_LOOP_H

#include "engine-pass.h"
#include "http.h"

struct loop_params {
	struct pass_params pass;	/* each pass's; deadline set per pass */
	struct http_engine *http;	/* for the request statistics */
	int64_t interval;		/* usec between pass starts; 0: one pass */
	int64_t pass_timeout;		/* usec: each pass's deadline */
	int64_t deadline;		/* one pass: the run's deadline */
	int release_on_exit;		/* after a signal: hand every lease over */
	const char *metrics_file;	/* or NULL */
	const char *listen;		/* HOST:PORT for /metrics and probes, or NULL */
	int unhealthy_after;		/* /healthz: intervals without a completed pass */
	int events;			/* record Events in the cluster (a loop only: the
					   rate limit needs one process's memory) */
};

/*
 * Run.  One pass: as engine_pass.  A loop: 0 when a signal ended it, or
 * -1 with the error that did (see above).
 */
int engine_loop(const struct loop_params *lp, struct mcle_err *err);

#endif
