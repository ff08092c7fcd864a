/*
 * engine-run.h - run: hold a lease while a command runs.
 *
 *   1. acquire the lease (waiting up to `wait`) as IDENTITY/run-ID, unique
 *      to this run (engine_lease_exclusive_holder);
 *   2. fork the watchdog (watchdog.h) with the kill deadline, then the
 *      command in a session and process group of its own, with
 *      MCLE_NAMESPACE, MCLE_IDENTITY (the holder), MCLE_EPOCH and
 *      MCLE_LEASE_EXPIRES in its environment;
 *   3. renew on the loop every renew_every (jittered); each renewal
 *      confirms the lease until (the time its write was sent) + the lease
 *      duration, and the watchdog is told the new kill deadline
 *          expiry - kill_grace - skew;
 *      a renewal that finds the lease lost makes the watchdog stop the
 *      command at once; a renewal that fails otherwise is tried again,
 *      and the deadline stands;
 *   4. forward SIGTERM, SIGINT and SIGHUP to the command's group; reap the
 *      command, and any orphan handed to mcle (it is a child subreaper, or
 *      PID 1);
 *   5. when the command has ended, stop what is left of its group, stand
 *      the watchdog down and release the lease (the Lease resource first).
 *
 * The arithmetic, checked before anything starts (MCLE_EUSAGE naming the
 * options otherwise): kill_grace + skew < duration, and
 * renew_every < duration - kill_grace - skew, so that a renewal is due
 * before the deadline it must beat.  The command is killed by
 * expiry - skew on this host's clock, and a rival can take the lease over
 * only after expiry + skew on the store's: 2 x skew of margin for clock
 * rates and scheduling.
 */
#ifndef MCLE_ENGINE_RUN_H
#define MCLE_ENGINE_RUN_H

#include "kube.h"
#include "lease.h"

#define RUN_KILL_GRACE_DEFAULT (10 * MCLE_USEC)	/* at most a quarter of the lease */

struct run_job {
	/* in */
	struct store *store;
	struct kube_client *kube;	/* NULL: no cluster */
	char ns[MCLE_NAMESPACE_MAX + 1];
	const char *identity;		/* the cluster's (--identity) */
	int32_t duration;		/* seconds (--lease-duration) */
	int duration_explicit;		/* given: it wins over the Lease resource's */
	int64_t skew;			/* microseconds */
	int64_t deadline;		/* of the first try to acquire (monotonic usec) */
	int64_t op_timeout;		/* each later store operation's (--timeout) */
	int64_t wait;			/* for a busy lease (usec); 0: try once */
	int64_t renew_every;		/* usec; 0: a third of the lease */
	int64_t kill_grace;		/* usec; -1: the default */
	char *const *argv;		/* COMMAND [ARGS...], NULL-terminated */
	/* out */
	int started;			/* the command was started: status is what to exit with */
	int status;
	char holder[MCLE_IDENTITY_MAX + 1];
};

/*
 * Run r.  Before the command starts: -1 with err (MCLE_EBUSY, ...).  Once
 * it has: r->started, r->status its exit status (128 + signal when a
 * signal ended it), and 0, or -1 with err when mcle stopped it
 * (MCLE_ESTOPPED; status MCLE_EXIT_STOPPED) or it could not be executed
 * (status 127: not found, 126: not executable).
 */
int engine_run(struct run_job *r, struct mcle_err *err);

#endif
