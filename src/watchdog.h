/*
 * watchdog.h - the process that stops run's command once its lease can no
 * longer be counted on, whether or not mcle itself gets to run.
 *
 * mcle forks it before the command starts, with the first kill deadline,
 * and tells it over a socket the command's process group and each newer
 * deadline as renewals confirm the lease.  The deadlines are on
 * CLOCK_BOOTTIME (watchdog_clock), which keeps counting while the host is
 * suspended.  When the deadline passes, or at once when told (the lease is
 * lost), it sends the group SIGTERM (and SIGCONT, so that a stopped process
 * sees it), then SIGKILL after the grace; a grace of 0 is SIGKILL at once.
 * A frozen, starved or dead mcle cannot delay it: it sleeps on a timer of
 * its own, and when mcle's end of the socket closes it keeps the last
 * deadline (and stops then, unless the group is gone).  It ignores SIGTERM,
 * SIGINT and SIGHUP: those are mcle's to forward.
 *
 * After fork it makes only async-signal-safe system calls: no allocation,
 * no stdio, no locks.
 */
#ifndef MCLE_WATCHDOG_H
#define MCLE_WATCHDOG_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct watchdog {
	pid_t pid;	/* 0: none */
	int fd;		/* mcle's end of the socket, or -1 */
};

/* Microseconds of CLOCK_BOOTTIME, the watchdog's clock. */
int64_t watchdog_clock(void);

/*
 * Fork it, with the grace between SIGTERM and SIGKILL and the first kill
 * deadline (watchdog_clock), and wait until it is ready (a few seconds at
 * most).  -1 with err if it could not be started.
 */
int watchdog_start(struct watchdog *w, int64_t grace, int64_t deadline, struct mcle_err *err);

/* The process group to stop (the command's). */
int watchdog_group(struct watchdog *w, pid_t pgid, struct mcle_err *err);

/* A later deadline, confirmed by a renewal (ignored once it is stopping the group). */
int watchdog_deadline(struct watchdog *w, int64_t deadline, struct mcle_err *err);

/* Stop the group now: SIGTERM, SIGKILL after the grace. */
int watchdog_kill(struct watchdog *w, struct mcle_err *err);

/*
 * Stand it down and close the socket: it exits at once, with status 1 if
 * it had signalled the group, else 0.  The caller reaps it (w->pid).
 */
void watchdog_down(struct watchdog *w);

#endif
