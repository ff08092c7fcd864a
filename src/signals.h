/*
 * signals.h - terminating signals (SIGTERM, SIGINT, SIGHUP), noticed by
 * every wait.
 *
 * The handler only records the signal and writes a byte to a self-pipe;
 * loop.c watches the pipe, so a signal wakes any loop_run, which returns
 * LOOP_SIGNAL.  What to do next is the engine's choice: stop starting new
 * work, settle what is in flight, then return.  The dispatcher maps a
 * finished run after a signal to exit status 128 + the signal's number.
 * Installing handlers also makes SIGTERM count when mcle is a container's
 * PID 1 (the kernel ignores default-action signals there).
 *
 * SIGCHLD, for a command that runs children (run), is recorded apart: it
 * wakes the loop (loop_on_signal) but never counts as terminating.
 */
#ifndef MCLE_SIGNALS_H
#define MCLE_SIGNALS_H

#include "err.h"

/* Install the handlers and the pipe.  Idempotent. */
int signals_init(struct mcle_err *err);

/* The pipe's read end (-1 before signals_init). */
int signals_fd(void);

/*
 * Also note SIGCHLD (children that exit; not stopped ones): it wakes the
 * loop, never terminates anything.  Idempotent.
 */
int signals_watch_children(struct mcle_err *err);

/* Empty the pipe; returns the number of terminating signals read since the last call. */
int signals_drain(void);

/*
 * How many times sig (SIGTERM, SIGINT, SIGHUP or SIGCHLD) has arrived: a
 * counter that only grows, so a reader keeps its own count of those it
 * handled.
 */
unsigned long signals_count(int sig);

/* The first terminating signal received (SIGTERM, ...), or 0. */
int signals_pending(void);

/* Forget it (tests). */
void signals_reset(void);

#endif
