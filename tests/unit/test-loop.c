/* test-loop.c - the event loop: timers in order, stopping, fds, signals. */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "signals.h"
#include "tap.h"
#include "timeutil.h"

static char order[64];

static void
mark(void *arg)
{
	size_t n = strlen(order);

	order[n] = *(const char *)arg;
	order[n + 1] = '\0';
}

static int
three_ran(void *arg)
{
	(void)arg;
	return strlen(order) >= 3;
}

static int readable, counted;

static void
count(void *arg)
{
	(void)arg;
	counted++;
}

static void
on_read(void *arg, int fd, unsigned events)
{
	char c;

	(void)arg;
	if ((events & LOOP_IN) && read(fd, &c, 1) == 1)
		readable++;
}

int
main(void)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct loop_timer a, b, c, d;
	struct loop *l;
	int64_t t0;
	int p[2];

	ok(signals_init(&err) == 0, "signal handlers installed");
	l = loop_new(&err);
	ok(l != NULL, "a loop");
	t0 = time_now_mono();
	loop_timer_init(&a, mark, "a");
	loop_timer_init(&b, mark, "b");
	loop_timer_init(&c, mark, "c");
	loop_timer_init(&d, mark, "d");
	loop_timer_at(l, &c, t0 + 30000);
	loop_timer_at(l, &a, t0 + 10000);
	loop_timer_at(l, &b, t0 + 20000);
	loop_timer_at(l, &d, t0 + 25000);
	loop_timer_stop(l, &d);
	ok(!loop_timer_armed(&d), "a stopped timer is not armed");
	is_int(loop_run(l, three_ran, NULL, 0), LOOP_DONE, "the loop runs until the condition");
	is_str(order, "abc", "timers run in order of time; a stopped one never");
	ok(time_now_mono() - t0 >= 30000, "not before their time");
	is_int(loop_run(l, NULL, NULL, 0), LOOP_IDLE, "nothing armed: idle");

	/* moving an armed timer */
	order[0] = '\0';
	loop_timer_at(l, &a, time_now_mono() + 50000);
	loop_timer_at(l, &b, time_now_mono() + 1000);
	loop_timer_at(l, &a, time_now_mono() + 2000);
	loop_run(l, NULL, NULL, 0);
	is_str(order, "ba", "re-arming moves a timer");

	/* many timers: the heap stays ordered */
	{
		static struct loop_timer many[500];
		int i, sorted = 1;

		for (i = 0; i < 500; i++) {
			loop_timer_init(&many[i], count, NULL);
			loop_timer_at(l, &many[i], time_now_mono() + (i * 7919) % 997);
		}
		for (i = 0; i < 500; i += 3)
			loop_timer_stop(l, &many[i]);
		is_int(loop_pending(l), 500 - 167, "stopped timers leave the heap");
		loop_run(l, NULL, NULL, 0);
		for (i = 0; i < 500; i++)
			if (loop_timer_armed(&many[i]))
				sorted = 0;
		ok(sorted && counted == 500 - 167, "every armed timer ran once");
	}

	/* fds */
	ok(pipe(p) == 0, "a pipe");
	ok(loop_watch(l, p[0], LOOP_IN, on_read, NULL, &err) == 0, "watch its read end");
	ok(write(p[1], "x", 1) == 1, "write a byte");
	loop_run(l, NULL, NULL, time_now_mono() + 200000);
	is_int(readable, 1, "the watcher saw it");
	loop_unwatch(l, p[0]);
	is_int(loop_pending(l), 0, "unwatched");

	/* parked: registered but not dispatched, not pending */
	ok(loop_watch(l, p[0], LOOP_IN, on_read, NULL, &err) == 0, "watch it again");
	loop_park(l, p[0]);
	is_int(loop_pending(l), 0, "a parked fd is not pending");
	is_int(loop_run(l, NULL, NULL, 0), LOOP_IDLE, "nor keeps the loop running");
	ok(loop_watch(l, p[0], LOOP_IN, on_read, NULL, &err) == 0, "watched again, as it was");
	is_int(loop_pending(l), 1, "pending again");
	ok(write(p[1], "y", 1) == 1, "write a byte");
	loop_run(l, NULL, NULL, time_now_mono() + 200000);
	is_int(readable, 2, "the watcher saw it");
	loop_park(l, p[0]);
	ok(write(p[1], "z", 1) == 1, "a byte while parked");
	loop_run(l, NULL, NULL, time_now_mono() + 50000);
	is_int(readable, 2, "not dispatched while parked");
	is_int(loop_run(l, NULL, NULL, 0), LOOP_IDLE, "the stirred fd left the loop");
	ok(loop_watch(l, p[0], LOOP_IN, on_read, NULL, &err) == 0, "and is watched anew");
	loop_run(l, NULL, NULL, time_now_mono() + 200000);
	is_int(readable, 3, "the byte is seen then");
	loop_unwatch(l, p[0]);
	{
		int q[2], fd = p[0];

		/* closed behind the loop's back: its number comes back unregistered */
		ok(loop_watch(l, fd, LOOP_OUT, on_read, NULL, &err) == 0, "watch for output");
		close(p[0]);
		ok(pipe(q) == 0 && q[0] == fd, "a new pipe reuses the number");
		ok(loop_watch(l, fd, LOOP_IN, on_read, NULL, &err) == 0,
		   "watching the new fd registers it anew");
		ok(write(q[1], "w", 1) == 1, "write a byte");
		loop_run(l, NULL, NULL, time_now_mono() + 200000);
		is_int(readable, 4, "the new fd is seen");
		loop_unwatch(l, fd);
		close(q[1]);
		p[0] = q[0];
	}
	is_int(loop_pending(l), 0, "unwatched");

	/* a signal wakes a long wait */
	t0 = time_now_mono();
	loop_timer_at(l, &a, t0 + 5 * MCLE_USEC);
	kill(getpid(), SIGTERM);
	is_int(loop_run(l, NULL, NULL, 0), LOOP_SIGNAL, "SIGTERM wakes the loop");
	ok(time_now_mono() - t0 < 4 * MCLE_USEC, "long before the timer");
	is_int(signals_pending(), SIGTERM, "the signal is recorded");
	is_int(loop_sleep_until(l, time_now_mono() + 1000), LOOP_DEADLINE,
	       "after it, waits go on");
	loop_timer_stop(l, &a);
	close(p[0]);
	close(p[1]);
	loop_free(l);
	return done_testing();
}
