/* signals.c - terminating signals recorded and turned into a readable pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "signals.h"

static const int counted[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
#define NCOUNTED (sizeof(counted) / sizeof(counted[0]))

static volatile sig_atomic_t first_signal;
/* written by the handler of that signal only, which does not nest with itself */
static volatile sig_atomic_t counts[NCOUNTED];
static int pipe_fd[2] = { -1, -1 };

static int
slot(int sig)
{
	size_t i;

	for (i = 0; i < NCOUNTED; i++)
		if (counted[i] == sig)
			return (int)i;
	return -1;
}

static void
on_signal(int sig)
{
	int saved = errno, i = slot(sig);
	char c = (char)sig;

	if (first_signal == 0 && sig != SIGCHLD)
		first_signal = sig;
	if (i >= 0 && counts[i] < INT_MAX)
		counts[i] = counts[i] + 1;
	/* a full pipe already wakes the loop: the byte may be dropped */
	if (write(pipe_fd[1], &c, 1) < 0)
		(void)0;
	errno = saved;
}

int
signals_init(struct mcle_err *err)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa;
	size_t i;

	if (pipe_fd[0] >= 0)
		return 0;
	if (pipe2(pipe_fd, O_CLOEXEC | O_NONBLOCK) < 0)
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot create a pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return mcle_err_errno(err, MCLE_ECONFIG, errno,
					      "cannot handle signal %d", sigs[i]);
	return 0;
}

int
signals_watch_children(struct mcle_err *err)
{
	struct sigaction sa;

	if (pipe_fd[0] < 0 && signals_init(err) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot handle signal %d", SIGCHLD);
	return 0;
}

int
signals_fd(void)
{
	return pipe_fd[0];
}

int
signals_drain(void)
{
	char buf[64];
	ssize_t r;
	int n = 0;

	if (pipe_fd[0] < 0)
		return 0;
	while ((r = read(pipe_fd[0], buf, sizeof(buf))) > 0)
		while (r-- > 0)
			n += buf[r] != (char)SIGCHLD;
	return n;
}

unsigned long
signals_count(int sig)
{
	int i = slot(sig);

	return i < 0 ? 0 : (unsigned long)counts[i];
}

int
signals_pending(void)
{
	return first_signal;
}

void
signals_reset(void)
{
	first_signal = 0;
	signals_drain();
}
