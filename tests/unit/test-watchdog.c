/*
 * test-watchdog.c - run's watchdog process and the loop's SIGCHLD wake-up:
 * never a kill before the deadline, SIGTERM then SIGKILL after it (also
 * with mcle's end of the socket closed), at once when told, nothing when
 * stood down; a child's exit wakes the loop's signal hook, and SIGCHLD is
 * never a terminating signal.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"
#include "signals.h"
#include "tap.h"
#include "timeutil.h"
#include "watchdog.h"

#define GRACE (300 * 1000)
#define LONG (20 * MCLE_USEC)

static struct loop *l;
static pid_t child;
static int reaped, wstatus, hooked;
static int64_t died_at;

static void
on_signal(void *arg)
{
	int st;

	(void)arg;
	hooked++;
	if (child > 0 && !reaped && waitpid(child, &st, WNOHANG) == child) {
		reaped = 1;
		wstatus = st;
		died_at = watchdog_clock();
	}
}

static int
is_reaped(void *arg)
{
	(void)arg;
	return reaped;
}

/* A child leading its own group; it ignores SIGTERM if asked. */
static void
spawn(int ignore_term)
{
	reaped = 0;
	wstatus = 0;
	if ((child = fork()) == 0) {
		setpgid(0, 0);
		signal(SIGTERM, ignore_term ? SIG_IGN : SIG_DFL);
		for (;;)
			pause();
	}
	setpgid(child, child);
}

/* Wait (on the loop, woken by SIGCHLD) for the child to be reaped. */
static int
wait_child(void)
{
	loop_run(l, is_reaped, NULL, time_now_mono() + LONG);
	return reaped;
}

static int
watchdog_status(struct watchdog *w)
{
	int st = -1;

	watchdog_down(w);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int
main(void)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct watchdog w;
	int64_t deadline;
	int st;

	ok(signals_init(&err) == 0 && signals_watch_children(&err) == 0, "signals");
	ok((l = loop_new(&err)) != NULL, "a loop");
	loop_on_signal(l, on_signal, NULL);

	/* a far deadline, then a near one: SIGTERM ignored, SIGKILL after the grace */
	spawn(1);
	ok(watchdog_start(&w, GRACE, watchdog_clock() + LONG, &err) == 0, "the watchdog starts");
	ok(watchdog_group(&w, child, &err) == 0, "told the group");
	usleep(300 * 1000);
	ok(waitpid(child, &st, WNOHANG) == 0, "no kill long before the deadline");
	deadline = watchdog_clock() + 200 * 1000;
	ok(watchdog_deadline(&w, deadline, &err) == 0, "told a nearer deadline");
	ok(wait_child(), "the child was stopped");
	ok(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL, "by SIGKILL, SIGTERM being ignored");
	ok(died_at >= deadline + GRACE, "not before the deadline plus the grace");
	ok(hooked > 0, "the child's exit woke the loop's signal hook");
	is_int(signals_pending(), 0, "SIGCHLD is not a terminating signal");
	is_int(watchdog_status(&w), 1, "the watchdog says it signalled the group");

	/* told to kill: SIGTERM at once */
	spawn(0);
	ok(watchdog_start(&w, GRACE, watchdog_clock() + LONG, &err) == 0 &&
	   watchdog_group(&w, child, &err) == 0 && watchdog_kill(&w, &err) == 0, "told to kill");
	ok(wait_child() && WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGTERM,
	   "SIGTERM, long before the deadline");
	is_int(watchdog_status(&w), 1, "it says so");

	/* stood down: nothing happens */
	spawn(0);
	ok(watchdog_start(&w, GRACE, watchdog_clock() + 200 * 1000, &err) == 0 &&
	   watchdog_group(&w, child, &err) == 0, "another watchdog");
	is_int(watchdog_status(&w), 0, "stood down before the deadline: exit 0");
	usleep(700 * 1000);
	ok(waitpid(child, &st, WNOHANG) == 0, "and the child lives on");
	kill(child, SIGKILL);
	ok(wait_child(), "(killed by the test)");

	/* mcle gone (its end closed): the last deadline holds */
	spawn(1);
	deadline = watchdog_clock() + 300 * 1000;
	ok(watchdog_start(&w, GRACE, deadline, &err) == 0 &&
	   watchdog_group(&w, child, &err) == 0, "a last watchdog");
	close(w.fd);
	w.fd = -1;
	ok(wait_child() && WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL,
	   "stopped after mcle's end closed");
	ok(died_at >= deadline + GRACE, "at the deadline it had, not before");
	while (waitpid(w.pid, &st, 0) < 0 && errno == EINTR)
		;
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 1, "then it exits by itself");

	loop_on_signal(l, NULL, NULL);
	loop_free(l);
	return done_testing();
}
