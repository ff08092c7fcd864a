/*
 * watchdog.c - run's watchdog process: a kill deadline on a timer of its
 * own.  Everything below "the process" runs after fork and makes system
 * calls only.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "watchdog.h"

#define READY_WAIT_MS 10000	/* for the process to say it is ready */
#define FD_CLOSE_MAX 65536	/* without close_range: the fds closed one by one */

enum wd_type { WD_READY = 1, WD_DEADLINE, WD_GROUP, WD_KILL, WD_DOWN };

struct wd_msg {
	int32_t type;
	int32_t pad;
	int64_t value;
};

int64_t
watchdog_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- the process ---------------------------------------------------------- */

enum wd_phase { ARMED, TERM_SENT, KILL_SENT };

struct wd {
	int fd, tfd;
	int eof, down;
	pid_t pgid;		/* 0 until told */
	int64_t grace;
	int64_t when;		/* the next step (ARMED: the deadline; TERM_SENT: SIGKILL) */
	enum wd_phase phase;
};

static void
say(const char *s)
{
	if (write(2, s, strlen(s)) < 0)
		(void)0;
}

/* The next step is due: SIGTERM (then SIGKILL after the grace), or SIGKILL. */
static void
wd_step(struct wd *w, int64_t now)
{
	if (w->phase == ARMED && w->eof)
		say("mcle: warning: the lease was not confirmed in time and mcle is gone: "
		    "stopping the command\n");
	if (w->phase == ARMED && w->grace > 0) {
		kill(-w->pgid, SIGTERM);
		kill(-w->pgid, SIGCONT);
		w->phase = TERM_SENT;
		w->when = now + w->grace;
		return;
	}
	kill(-w->pgid, SIGKILL);
	w->phase = KILL_SENT;
	w->when = INT64_MAX;
}

static void
wd_message(struct wd *w, const struct wd_msg *m)
{
	switch (m->type) {
	case WD_DEADLINE:
		if (w->phase == ARMED)
			w->when = m->value;
		break;
	case WD_GROUP:
		if (w->pgid == 0 && m->value > 0)
			w->pgid = (pid_t)m->value;
		break;
	case WD_KILL:
		if (w->phase == ARMED)
			w->when = 0;
		break;
	case WD_DOWN:
		w->down = 1;
		break;
	}
}

static void
wd_read(struct wd *w)
{
	struct wd_msg m;
	ssize_t n;

	for (;;) {
		n = recv(w->fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n == (ssize_t)sizeof(m)) {
			wd_message(w, &m);
			continue;
		}
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			w->eof = 1;
		if (n < 0 && errno == EINTR)
			continue;
		return;
	}
}

/* Sleep until the next step is due or mcle says something. */
static void
wd_wait(struct wd *w)
{
	struct itimerspec its;
	struct pollfd p[2];
	uint64_t ticks;
	int n = 0;

	memset(&its, 0, sizeof(its));
	/* no group to stop yet: wait for it, not for a deadline already past */
	if (w->when != INT64_MAX && w->pgid != 0) {
		its.it_value.tv_sec = w->when > 0 ? w->when / 1000000 : 0;
		its.it_value.tv_nsec = w->when > 0 ? (long)(w->when % 1000000) * 1000 : 1;
	}
	timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
	p[n].fd = w->tfd;
	p[n++].events = POLLIN;
	if (!w->eof) {
		p[n].fd = w->fd;
		p[n++].events = POLLIN;
	}
	if (poll(p, (nfds_t)n, -1) < 0)
		return;
	if (p[0].revents & POLLIN)
		while (read(w->tfd, &ticks, sizeof(ticks)) < 0 && errno == EINTR)
			;
	if (n > 1 && p[1].revents)
		wd_read(w);
}

/* Done: told to stand down, or mcle is gone and nothing is left to stop. */
static int
wd_done(const struct wd *w)
{
	if (w->down)
		return 1;
	if (!w->eof)
		return 0;
	if (w->pgid == 0 || w->phase == KILL_SENT)
		return 1;
	return w->phase == ARMED && kill(-w->pgid, 0) < 0 && errno == ESRCH;
}

/* Signals, fds: only the socket (as fd 3), /dev/null, stderr. */
static int
wd_setup(int fd, int mcle_fd)
{
	static const int ignored[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT };
	struct sigaction ign = { .sa_handler = SIG_IGN }, dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	size_t i;
	int null;

	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		sigaction(ignored[i], &ign, NULL);
	sigaction(SIGCHLD, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	close(mcle_fd);
	if (fd != 3 && (dup2(fd, 3) < 0 || close(fd) < 0))
		return -1;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	close_range(4, ~0U, 0);
#else
	for (i = 4; i < FD_CLOSE_MAX; i++)
		close((int)i);
#endif
	if ((null = open("/dev/null", O_RDWR)) < 0)
		return -1;
	dup2(null, 0);
	dup2(null, 1);
	if (null > 2)
		close(null);
	return 3;
}

static void __attribute__((noreturn))
wd_main(int fd, int mcle_fd, int64_t grace, int64_t deadline)
{
	struct wd w;
	struct wd_msg ready = { WD_READY, 0, 0 };

	memset(&w, 0, sizeof(w));
	w.grace = grace;
	w.when = deadline;
	w.phase = ARMED;
	if ((w.fd = wd_setup(fd, mcle_fd)) < 0 ||
	    (w.tfd = timerfd_create(CLOCK_BOOTTIME, TFD_CLOEXEC | TFD_NONBLOCK)) < 0 ||
	    send(w.fd, &ready, sizeof(ready), MSG_NOSIGNAL) != (ssize_t)sizeof(ready))
		_exit(2);
	for (;;) {
		if (w.pgid != 0 && w.when != INT64_MAX && watchdog_clock() >= w.when)
			wd_step(&w, watchdog_clock());
		if (wd_done(&w))
			_exit(w.phase != ARMED);
		wd_wait(&w);
	}
}

/* ---- mcle's side ---------------------------------------------------------- */

static int
tell(struct watchdog *w, enum wd_type type, int64_t value, struct mcle_err *err)
{
	struct wd_msg m = { (int32_t)type, 0, value };

	if (w->fd >= 0 &&
	    send(w->fd, &m, sizeof(m), MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof(m))
		return 0;
	return mcle_err_errno(err, MCLE_ECONFIG, w->fd >= 0 ? errno : EBADF,
			      "cannot reach the watchdog process");
}

/* Its first word: it is ready (its timer made), or it failed. */
static int
await_ready(struct watchdog *w, struct mcle_err *err)
{
	struct pollfd p = { .fd = w->fd, .events = POLLIN };
	struct wd_msg m;
	int64_t until = watchdog_clock() + (int64_t)READY_WAIT_MS * 1000, left;
	int n;

	do {
		left = until - watchdog_clock();
		n = poll(&p, 1, left > 0 ? (int)(left / 1000) + 1 : 0);
	} while (n < 0 && errno == EINTR);
	if (n == 1 && recv(w->fd, &m, sizeof(m), MSG_DONTWAIT) == (ssize_t)sizeof(m) &&
	    m.type == WD_READY)
		return 0;
	return mcle_err_set(err, MCLE_ECONFIG, "the watchdog process did not start");
}

int
watchdog_start(struct watchdog *w, int64_t grace, int64_t deadline, struct mcle_err *err)
{
	int sv[2], status;

	w->pid = 0;
	w->fd = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot start the watchdog process");
	if ((w->pid = fork()) < 0) {
		close(sv[0]);
		close(sv[1]);
		w->pid = 0;
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot start the watchdog process");
	}
	if (w->pid == 0)
		wd_main(sv[1], sv[0], grace, deadline);
	close(sv[1]);
	w->fd = sv[0];
	if (await_ready(w, err) == 0)
		return 0;
	kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	close(w->fd);
	w->fd = -1;
	w->pid = 0;
	return -1;
}

int
watchdog_group(struct watchdog *w, pid_t pgid, struct mcle_err *err)
{
	return tell(w, WD_GROUP, pgid, err);
}

int
watchdog_deadline(struct watchdog *w, int64_t deadline, struct mcle_err *err)
{
	return tell(w, WD_DEADLINE, deadline, err);
}

int
watchdog_kill(struct watchdog *w, struct mcle_err *err)
{
	return tell(w, WD_KILL, 0, err);
}

void
watchdog_down(struct watchdog *w)
{
	struct mcle_err e = MCLE_ERR_INIT;

	tell(w, WD_DOWN, 0, &e);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
