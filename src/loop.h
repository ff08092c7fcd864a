/*
 * loop.h - one thread's event loop: sockets, timers and signals.
 *
 * Everything that waits in mcle waits here: the HTTP engine's sockets and
 * timeouts (http.c), backoff between retries, the pause between passes,
 * a wait for a lease.  A terminating signal (signals.h) wakes every wait,
 * so no sleep outlives a SIGTERM.  Single-threaded: a loop and what is
 * registered on it belong to the thread that runs it.
 */
#ifndef MCLE_LOOP_H
#define MCLE_LOOP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct loop;

typedef void (*loop_fn)(void *arg);

/* A timer; embed it in its owner and loop_timer_init it once. */
struct loop_timer {
	int64_t when;		/* monotonic microseconds */
	loop_fn fn;
	void *arg;
	size_t slot;		/* 1 + its index in the heap; 0 = not armed */
};

#define LOOP_IN		0x01
#define LOOP_OUT	0x02
#define LOOP_ERR	0x04	/* error or hang-up (reported, never asked for) */

typedef void (*loop_io_fn)(void *arg, int fd, unsigned events);

/* Why loop_run returned. */
enum loop_why {
	LOOP_DONE,		/* the caller's condition holds */
	LOOP_IDLE,		/* nothing armed or watched: nothing can happen */
	LOOP_DEADLINE,		/* the deadline passed */
	LOOP_SIGNAL,		/* a terminating signal arrived (signals_pending()) */
};

struct loop *loop_new(struct mcle_err *err);
void loop_free(struct loop *l);

/*
 * Watch fd for events (LOOP_IN | LOOP_OUT), replacing an earlier watch of
 * the same fd; events 0 keeps it registered but quiet.  fn runs from
 * loop_run.  Returns -1 with err set if the fd cannot be watched.
 */
int loop_watch(struct loop *l, int fd, unsigned events, loop_io_fn fn,
	       void *arg, struct mcle_err *err);
void loop_unwatch(struct loop *l, int fd);

/*
 * Stop dispatching fd's events but keep it registered, so that a later
 * loop_watch with the same events costs no system call (an idle pooled
 * connection between two requests).  If it stirs meanwhile (its peer
 * closed it) it leaves epoll then.  A parked fd is not pending (it keeps
 * no loop_run going).  The caller must loop_unwatch it before closing it:
 * a closed fd leaves epoll by itself, and its number comes back.
 */
void loop_park(struct loop *l, int fd);

void loop_timer_init(struct loop_timer *t, loop_fn fn, void *arg);

/*
 * Arm t to run at `when` (monotonic usec; the past means "soon"), moving it
 * if it is armed already.  Returns -1 only when out of memory.
 */
int loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when);
void loop_timer_stop(struct loop *l, struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);

/*
 * Run until done(arg) is true (checked before waiting and after every
 * dispatch; done may be NULL), nothing is armed or watched, the deadline
 * passes (monotonic usec; 0 = none) or a terminating signal arrives.  A
 * caller that wants to finish work after a signal calls loop_run again:
 * each signal makes one call return LOOP_SIGNAL.
 */
enum loop_why loop_run(struct loop *l, int (*done)(void *arg), void *arg,
		       int64_t deadline);

/*
 * Run until done(arg): through signals (the work in flight is bounded by
 * its own deadlines and finishes).  -1 if nothing is left that could make
 * it true (an internal error).
 */
int loop_wait(struct loop *l, int (*done)(void *arg), void *arg);

/*
 * fn runs from the loop each time signals arrived - a terminating one or,
 * after signals_watch_children, SIGCHLD - also inside a loop_wait, so that
 * its owner notices them while it waits for something else (signals_count
 * says which).  One per loop; fn NULL removes it.
 */
void loop_on_signal(struct loop *l, loop_fn fn, void *arg);

/* Wait until the deadline or a signal, running the loop meanwhile. */
enum loop_why loop_sleep_until(struct loop *l, int64_t deadline);

/* Timers armed and fds watched, for tests and leak checks. */
size_t loop_pending(const struct loop *l);

#endif
