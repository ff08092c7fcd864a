/*
 * engine-run.c - run: a lease held while a command runs, renewed on the
 * loop, with a watchdog process that stops the command in time.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine-lease.h"
#include "engine-run.h"
#include "log.h"
#include "signals.h"
#include "watchdog.h"

#define TICK MCLE_USEC			/* the supervisor looks around at least this often */
#define CLEANUP_TICK (100 * 1000)	/* ... and while the rest of the group ends */
#define CLEANUP_EXTRA (5 * MCLE_USEC)	/* after the grace, for SIGKILL to end the group */
#define RETRY_FIRST MCLE_USEC		/* after a failed renewal: 1 s, 2 s, ... */
#define RENEW_GAP_MIN MCLE_USEC		/* GCS: about one write a second per object */
#define WATCHDOG_EXIT_WAIT (5 * MCLE_USEC)
#define ORPHANS_MAX 64			/* reaped per wake-up */
#define ENV_OWN 4
#define FDS_MAX 65536			/* looked at for close-on-exec */

struct run {
	struct run_job *job;
	struct loop *loop;
	int32_t duration;		/* seconds, as acquired */
	int64_t grace, every;		/* usec */
	struct lease_result res;	/* as acquired */
	int64_t expiry, kill_at;	/* monotonic: the lease we count on; the watchdog's deadline */
	struct watchdog wd;
	int wd_reaped, wd_status, wd_down;
	pid_t pid;			/* the command, and its process group */
	int reaped, wstatus, exec_errno;
	int changed;			/* the command ended: the supervisor has work */
	struct loop_timer renew_timer, deadline_timer, sigkill_timer;
	int renew_due;
	int64_t retry;			/* backoff after a failed renewal */
	int lost;			/* no more renewals */
	int stopping;			/* the group is being stopped for the lease */
	struct mcle_err stop_err;	/* why (MCLE_ESTOPPED) */
	int cleanup, group_done, keep_lease;
	int64_t cleanup_until;
	unsigned long seen[3];		/* SIGTERM, SIGINT, SIGHUP forwarded */
};

static const int forwarded[3] = { SIGTERM, SIGINT, SIGHUP };

/* "10s" or "2.500s" */
static void
secs(int64_t us, char buf[32])
{
	if (us % MCLE_USEC == 0)
		snprintf(buf, 32, "%llds", (long long)(us / MCLE_USEC));
	else
		snprintf(buf, 32, "%.3fs", (double)us / MCLE_USEC);
}

/* The defaults, and the arithmetic that makes the kill come in time. */
static int
arithmetic(struct run *r, int32_t duration, struct mcle_err *err)
{
	const struct run_job *j = r->job;
	int64_t lease = (int64_t)duration * MCLE_USEC, left;
	char g[32], k[32], l[32], e[32];

	r->duration = duration;
	r->grace = j->kill_grace >= 0 ? j->kill_grace :
		   lease / 4 < RUN_KILL_GRACE_DEFAULT ? lease / 4 : RUN_KILL_GRACE_DEFAULT;
	r->every = j->renew_every > 0 ? j->renew_every :
		   lease / 3 > RENEW_GAP_MIN ? lease / 3 : RENEW_GAP_MIN;
	left = lease - r->grace - j->skew;
	secs(r->grace, g);
	secs(j->skew, k);
	secs(lease, l);
	secs(r->every, e);
	if (left <= 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "--kill-grace (%s) plus --clock-skew (%s) must be shorter than the "
				    "lease (--lease-duration, %s): the command would be stopped at once",
				    g, k, l);
	if (r->every >= left)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "--renew-every (%s) must be shorter than the lease (--lease-duration, "
				    "%s) less --kill-grace (%s) and --clock-skew (%s): the command "
				    "would be stopped before a renewal is due", e, l, g, k);
	return 0;
}

static int64_t
boot_offset(void)
{
	return watchdog_clock() - time_now_mono();
}

/* A job of the lease engine for the run's holder, the cluster's resource. */
static void
lease_job_for(const struct run *r, enum lease_kind kind, struct lease_job *j)
{
	struct run_job *rj = r->job;

	memset(j, 0, sizeof(*j));
	j->store = rj->store;
	j->kube = rj->kube;
	j->kind = kind;
	snprintf(j->ns, sizeof(j->ns), "%s", rj->ns);
	j->p.identity = rj->holder;
	j->p.duration = r->duration;
	j->p.skew = rj->skew;
	j->duration_explicit = 1;	/* as acquired, whatever the resource says later */
	j->cluster_identity = rj->identity;
	j->deadline = time_now_mono() + rj->op_timeout;
}

/* ---- the watchdog and the group ---------------------------------------- */

static void
sigkill_group(void *arg)
{
	struct run *r = arg;

	if (!r->group_done)
		kill(-r->pid, SIGKILL);
}

/* SIGTERM now, SIGKILL after the grace: by the watchdog, or by mcle if it is gone. */
static void
stop_group(struct run *r)
{
	struct mcle_err e = MCLE_ERR_INIT;

	if (r->wd.fd >= 0 && !r->wd_reaped && watchdog_kill(&r->wd, &e) == 0)
		return;
	if (r->group_done || loop_timer_armed(&r->sigkill_timer))
		return;
	kill(-r->pid, r->grace > 0 ? SIGTERM : SIGKILL);
	kill(-r->pid, SIGCONT);
	if (r->grace > 0)
		loop_timer_at(r->loop, &r->sigkill_timer, time_now_mono() + r->grace);
}

/* Why mcle stopped the command: the first reason wins. */
static void
record_stop(struct run *r, const char *why)
{
	mcle_err_set(&r->stop_err, MCLE_ESTOPPED, "%s: the command was stopped", why);
}

/* Stop the command because of its lease (once; not after it has ended). */
static void
stop_command(struct run *r, const char *why)
{
	if (r->stopping || r->reaped)
		return;
	r->stopping = 1;
	record_stop(r, why);
	log_warn("%s: stopping the command", why);
	stop_group(r);
}

static void
deadline_why(const struct run *r, char why[MCLE_ERR_MSG_MAX])
{
	snprintf(why, MCLE_ERR_MSG_MAX,
		 "lease '%s' was not confirmed in time: no renewal succeeded before its expiry "
		 "less --kill-grace and --clock-skew", r->job->ns);
}

/* The watchdog's deadline passed without a renewal: it stops the command. */
static void
deadline_passed(void *arg)
{
	struct run *r = arg;
	char why[MCLE_ERR_MSG_MAX];

	deadline_why(r, why);
	stop_command(r, why);
}

/* The command ended past the deadline, or the watchdog acted, while mcle did not look. */
static void
deadline_passed_unseen(struct run *r)
{
	char why[MCLE_ERR_MSG_MAX];

	r->stopping = 1;
	deadline_why(r, why);
	record_stop(r, why);
}

/* ---- children and signals ------------------------------------------------ */

/* Orphans handed to mcle (a subreaper, or PID 1): every zombie but another part's. */
static void
reap_orphans(struct run *r)
{
	pid_t me = getsid(0);
	siginfo_t si;
	int i, st;

	for (i = 0; i < ORPHANS_MAX; i++) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0 || si.si_pid == 0)
			return;
		if (si.si_pid == r->pid || si.si_pid == r->wd.pid)
			return;		/* reap() takes these, with their status */
		/* a credential plugin (kube-exec.c): it leads a group in mcle's session */
		if (getsid(si.si_pid) == me && getpgid(si.si_pid) == si.si_pid)
			return;
		waitpid(si.si_pid, &st, WNOHANG);
	}
}

static void
reap(struct run *r)
{
	int st;

	if (r->pid > 0 && !r->reaped && waitpid(r->pid, &st, WNOHANG) == r->pid) {
		/* ended while mcle did not look (frozen, say): in time? */
		if (!r->stopping && r->kill_at != 0 && time_now_mono() >= r->kill_at)
			deadline_passed_unseen(r);
		r->reaped = r->changed = 1;
		r->wstatus = st;
		loop_timer_stop(r->loop, &r->deadline_timer);
	}
	if (r->wd.pid > 0 && !r->wd_reaped && waitpid(r->wd.pid, &st, WNOHANG) == r->wd.pid) {
		r->wd_reaped = 1;
		r->wd_status = st;
		if (!r->wd_down)
			stop_command(r, "the watchdog process ended unexpectedly");
	}
	reap_orphans(r);
}

/* SIGTERM, SIGINT and SIGHUP to mcle go to the command's group (with SIGCONT). */
static void
forward(struct run *r)
{
	unsigned long n;
	size_t i;

	for (i = 0; i < 3 && r->pid > 0; i++) {
		if ((n = signals_count(forwarded[i])) == r->seen[i])
			continue;
		r->seen[i] = n;
		if (r->group_done)
			continue;
		log_debug("passing signal %d on to the command", forwarded[i]);
		kill(-r->pid, forwarded[i]);
		kill(-r->pid, SIGCONT);
	}
}

static void
on_signals(void *arg)
{
	reap(arg);
	forward(arg);
}

/* ---- the lease ---------------------------------------------------------- */

/*
 * A write sent at res->sent_mono made the lease ours for the duration from
 * then, if it landed: an outcome settled by reading back counts only if
 * the lock's version moved since the one last confirmed (for a renewal,
 * "still ours" is not "extended").  -1 if it did not.
 */
static int
confirmed(struct run *r, const struct lease_result *res, int64_t offset)
{
	struct mcle_err e = MCLE_ERR_INIT;
	int64_t expiry = res->sent_mono + (int64_t)r->duration * MCLE_USEC, next, now;

	if (res->settled && r->expiry != 0 && strcmp(res->entry.ver.v, r->res.entry.ver.v) == 0)
		return -1;
	if (res != &r->res)
		r->res = *res;
	if (expiry > r->expiry) {
		r->expiry = expiry;
		r->kill_at = expiry - r->grace - r->job->skew;
		if (r->wd.pid > 0 && !r->stopping &&
		    watchdog_deadline(&r->wd, r->kill_at + offset, &e) < 0)
			log_debug("%s", e.msg);	/* it is gone: reap() says so */
		if (!r->reaped)
			loop_timer_at(r->loop, &r->deadline_timer, r->kill_at);
	}
	/* jittered: a fifth of the interval early at most */
	next = res->sent_mono + r->every - (int64_t)http_jitter((uint64_t)(r->every / 5) + 1);
	now = time_now_mono();
	if (next < now + RENEW_GAP_MIN)
		next = now + RENEW_GAP_MIN;
	loop_timer_at(r->loop, &r->renew_timer, next);
	return 0;
}

static void
renew_now(void *arg)
{
	((struct run *)arg)->renew_due = 1;
}

/* The lease is not ours any more: no renewal, and the command stops. */
static void
lost(struct run *r, const char *why)
{
	r->lost = 1;
	loop_timer_stop(r->loop, &r->renew_timer);
	stop_command(r, why);
}

/* A renewal failed, not for a lost lease: again soon; the deadline stands. */
static void
retry(struct run *r, const struct mcle_err *e)
{
	int64_t now = time_now_mono(), when;
	char again[32], left[32];

	r->retry = r->retry == 0 ? RETRY_FIRST : r->retry * 2 > r->every ? r->every : r->retry * 2;
	when = now + r->retry + (int64_t)http_jitter((uint64_t)(r->retry / 2) + 1);
	secs(when - now, again);
	secs(r->kill_at > now ? r->kill_at - now : 0, left);
	log_warn("lease '%s' not renewed (%s); trying again in %s, the command is stopped in %s "
		 "unless a renewal succeeds", r->job->ns, e->msg, again, left);
	loop_timer_at(r->loop, &r->renew_timer, when);
}

static void
renew(struct run *r)
{
	struct mcle_err e = MCLE_ERR_INIT;
	struct lease_job j;
	int64_t offset = boot_offset(), now = time_now_mono();
	char why[MCLE_ERR_MSG_MAX];

	if (r->lost)
		return;
	lease_job_for(r, LEASE_RENEW, &j);
	if (j.deadline > r->expiry)
		j.deadline = r->expiry;	/* later, a renewal cannot count */
	if (j.deadline <= now) {
		snprintf(why, sizeof(why), "lease '%s' expired before a renewal succeeded",
			 r->job->ns);
		lost(r, why);
		return;
	}
	if (engine_lease(&j, &e) == 0 && confirmed(r, &j.res, offset) == 0) {
		log_debug("lease '%s' renewed", r->job->ns);
		if (j.warning[0] != '\0')
			log_debug("%s", j.warning);
		r->retry = 0;
		return;
	}
	if (e.code == MCLE_OK)
		mcle_err_set(&e, MCLE_EUNAVAIL, "the outcome was unknown, and reading back "
			     "showed the renewal had not landed");
	if (e.code == MCLE_ELOST)
		lost(r, e.msg);
	else
		retry(r, &e);
}

static void
release(struct run *r)
{
	struct mcle_err e = MCLE_ERR_INIT;
	struct lease_job j;

	if (r->keep_lease)
		return;
	lease_job_for(r, LEASE_RELEASE, &j);
	if (engine_lease(&j, &e) < 0) {
		if (!(r->lost && e.code == MCLE_ELOST))
			log_warn("lease '%s' not released: %s", r->job->ns, e.msg);
		return;
	}
	if (j.warning[0] != '\0')
		log_warn("%s", j.warning);
	log_debug("lease '%s' released", r->job->ns);
}

static int
acquire(struct run *r, int64_t *offset, struct mcle_err *err)
{
	struct run_job *rj = r->job;
	struct lease_job j;

	lease_job_for(r, LEASE_ACQUIRE, &j);
	j.duration_explicit = rj->duration_explicit;
	j.deadline = rj->deadline;
	if (rj->wait > 0) {
		j.wait_until = time_now_mono() + rj->wait;
		j.attempt_timeout = rj->op_timeout;
	}
	*offset = boot_offset();	/* before the write: it only grows */
	if (engine_lease(&j, err) < 0)
		return -1;
	if (j.warning[0] != '\0')
		log_warn("%s", j.warning);
	r->res = j.res;
	r->duration = j.p.duration;	/* the Lease resource's, unless --lease-duration */
	log_debug("lease '%s' held by '%s', epoch %lld", rj->ns, rj->holder,
		  (long long)j.res.entry.rec.epoch);
	return 0;
}

/* ---- the command ---------------------------------------------------------- */

struct env {
	char **v;
	char *own[ENV_OWN];
};

static void
env_free(struct env *e)
{
	size_t i;

	for (i = 0; i < ENV_OWN; i++)
		free(e->own[i]);
	free(e->v);
}

/* environ, with MCLE_NAMESPACE, MCLE_IDENTITY, MCLE_EPOCH, MCLE_LEASE_EXPIRES set. */
static int
env_make(const struct run *r, struct env *e, struct mcle_err *err)
{
	static const char *const names[ENV_OWN] = {
		"MCLE_NAMESPACE", "MCLE_IDENTITY", "MCLE_EPOCH", "MCLE_LEASE_EXPIRES"
	};
	char epoch[24], expires[MCLE_RFC3339_MAX];
	const char *vals[ENV_OWN] = { r->job->ns, r->job->holder, epoch, expires };
	size_t n, i, k, m, len;

	memset(e, 0, sizeof(*e));
	snprintf(epoch, sizeof(epoch), "%lld", (long long)r->res.entry.rec.epoch);
	time_format(elect_expire_time(&r->res.entry), expires);
	for (n = 0; environ[n] != NULL; n++)
		;
	if ((e->v = calloc(n + ENV_OWN + 1, sizeof(*e->v))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (i = 0, k = 0; i < n; i++) {
		for (m = 0; m < ENV_OWN; m++)
			if (strncmp(environ[i], names[m], strlen(names[m])) == 0 &&
			    environ[i][strlen(names[m])] == '=')
				break;
		if (m == ENV_OWN)
			e->v[k++] = environ[i];	/* not one of ours */
	}
	for (i = 0; i < ENV_OWN; i++) {
		len = strlen(names[i]) + strlen(vals[i]) + 2;
		if ((e->own[i] = malloc(len)) == NULL)
			return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		snprintf(e->own[i], len, "%s=%s", names[i], vals[i]);
		e->v[k++] = e->own[i];
	}
	return 0;
}

/*
 * After fork, in the command's process: system calls only until exec.  It
 * leads a session and process group of its own, says so, and execs once
 * mcle has told the watchdog (EOF instead: mcle is gone, run nothing).
 */
static void __attribute__((noreturn))
command_main(char *const argv[], char *const envp[], int fd)
{
	static const int reset[] = { SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;
	size_t i;
	ssize_t n;
	char c = 's';
	int e;

	setsid();
	for (i = 0; i < sizeof(reset) / sizeof(reset[0]); i++)
		sigaction(reset[i], &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
		_exit(127);
	do
		n = recv(fd, &c, 1, 0);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);
	execvpe(argv[0], argv, envp);
	e = errno;
	if (send(fd, &e, sizeof(e), MSG_NOSIGNAL) < 0)
		_exit(127);
	_exit(e == ENOENT ? 127 : 126);
}

/*
 * Connected sockets above stderr - mcle's own connections to the store and
 * the cluster, which libcurl does not open close-on-exec - stay out of the
 * command; other descriptors, listening sockets included, are its.
 */
static void
sockets_close_on_exec(void)
{
	struct dirent *d;
	struct stat sb;
	socklen_t len;
	DIR *dir;
	int fd, listening, n = 0;

	if ((dir = opendir("/proc/self/fd")) == NULL)
		return;
	while ((d = readdir(dir)) != NULL && n++ < FDS_MAX) {
		fd = atoi(d->d_name);
		len = sizeof(listening);
		if (fd <= 2 || fd == dirfd(dir) || fstat(fd, &sb) < 0 || !S_ISSOCK(sb.st_mode) ||
		    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || listening)
			continue;
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(dir);
}

static ssize_t
recv_intr(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

/* The child leads its group; the watchdog learns it; then the child may exec. */
static int
handshake(struct run *r, int fd, struct mcle_err *err)
{
	char c;
	int e;

	if (recv_intr(fd, &c, 1) != 1)
		return mcle_err_set(err, MCLE_ECONFIG, "the command's process ended before it ran");
	if (watchdog_group(&r->wd, r->pid, err) < 0)
		return -1;
	if (send(fd, &c, 1, MSG_NOSIGNAL) != 1)
		return mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot start the command");
	if (recv_intr(fd, &e, sizeof(e)) == (ssize_t)sizeof(e))
		r->exec_errno = e;
	return 0;
}

static int
spawn(struct run *r, struct mcle_err *err)
{
	struct env env;
	int sv[2], rc = -1;

	if (env_make(r, &env, err) < 0)
		goto out;
	sockets_close_on_exec();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot start the command");
		goto out;
	}
	if ((r->pid = fork()) < 0) {
		r->pid = 0;
		mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot start the command");
	} else if (r->pid == 0) {
		close(sv[0]);
		command_main(r->job->argv, env.v, sv[1]);
	} else {
		close(sv[1]);
		sv[1] = -1;
		rc = handshake(r, sv[0], err);
	}
	close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
out:
	env_free(&env);
	return rc;
}

/* ---- the run -------------------------------------------------------------- */

static int
start(struct run *r, int64_t offset, struct mcle_err *err)
{
	size_t i;

	if (r->duration != r->job->duration && arithmetic(r, r->duration, err) < 0)
		return -1;
	confirmed(r, &r->res, offset);
	if (r->kill_at <= time_now_mono())
		return mcle_err_set(err, MCLE_EUNAVAIL,
				    "lease '%s' was confirmed too late to run the command: the store "
				    "answered after the lease less --kill-grace and --clock-skew; try again",
				    r->job->ns);
	for (i = 0; i < 3; i++)
		r->seen[i] = signals_count(forwarded[i]);
	if (signals_pending() != 0)
		return mcle_err_set(err, MCLE_EUNAVAIL, "stopped by a signal before the command ran");
	if (signals_watch_children(err) < 0)
		return -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0)
		log_debug("cannot become a child subreaper: orphans go to init");
	loop_on_signal(r->loop, on_signals, r);
	if (watchdog_start(&r->wd, r->grace, r->kill_at + offset, err) < 0 || spawn(r, err) < 0)
		return -1;
	forward(r);	/* a signal that came while it started */
	return 0;
}

/* start failed half-way: nothing of the command may be left running. */
static void
abandon(struct run *r)
{
	int st;

	if (r->pid > 0 && !r->reaped) {
		kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (r->wd.pid > 0 && !r->wd_reaped) {
		r->wd_down = 1;
		watchdog_down(&r->wd);
		kill(r->wd.pid, SIGKILL);
		while (waitpid(r->wd.pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	r->pid = 0;
	r->wd.pid = 0;
}

static int
busy(void *arg)
{
	struct run *r = arg;

	return r->renew_due || r->changed;
}

/* Until the command and what is left of its group have ended. */
static void
cleanup(struct run *r)
{
	int64_t now = time_now_mono();

	if (r->group_done)
		return;
	if (kill(-r->pid, 0) < 0 && errno == ESRCH) {
		r->group_done = 1;
		return;
	}
	if (!r->cleanup) {
		r->cleanup = 1;
		r->cleanup_until = now + r->grace + CLEANUP_EXTRA;
		log_debug("the command ended; stopping what is left of its process group");
		stop_group(r);
		return;
	}
	if (now < r->cleanup_until)
		return;
	log_warn("processes of the command's group outlived SIGKILL: the lease is left to expire");
	r->keep_lease = 1;
	r->group_done = 1;
}

static void
supervise(struct run *r)
{
	while (!(r->reaped && r->group_done)) {
		loop_run(r->loop, busy, r, time_now_mono() + (r->reaped ? CLEANUP_TICK : TICK));
		r->changed = 0;
		reap(r);
		forward(r);
		if (r->renew_due) {
			r->renew_due = 0;
			renew(r);
		}
		if (r->reaped)
			cleanup(r);
	}
}

static int
watchdog_gone(void *arg)
{
	return ((struct run *)arg)->wd_reaped;
}

/* Stand the watchdog down and reap it: 1 if it had signalled the group. */
static int
watchdog_end(struct run *r)
{
	int64_t until = time_now_mono() + WATCHDOG_EXIT_WAIT;

	r->wd_down = 1;
	watchdog_down(&r->wd);
	while (!r->wd_reaped && time_now_mono() < until) {
		loop_run(r->loop, watchdog_gone, r, time_now_mono() + CLEANUP_TICK);
		reap(r);
	}
	if (!r->wd_reaped) {
		kill(r->wd.pid, SIGKILL);
		while (waitpid(r->wd.pid, &r->wd_status, 0) < 0 && errno == EINTR)
			;
		r->wd_reaped = 1;
	}
	return WIFEXITED(r->wd_status) && WEXITSTATUS(r->wd_status) == 1;
}

static int
finish(struct run *r, struct mcle_err *err)
{
	struct run_job *j = r->job;
	int killed;

	loop_timer_stop(r->loop, &r->renew_timer);
	loop_timer_stop(r->loop, &r->deadline_timer);
	loop_timer_stop(r->loop, &r->sigkill_timer);
	killed = watchdog_end(r);
	if (killed && !r->cleanup)
		deadline_passed_unseen(r);
	release(r);
	loop_on_signal(r->loop, NULL, NULL);
	if (r->exec_errno != 0) {
		j->status = r->exec_errno == ENOENT ? 127 : 126;
		return mcle_err_errno(err, MCLE_ECONFIG, r->exec_errno, "cannot run '%s'",
				      j->argv[0]);
	}
	if (r->stop_err.code != MCLE_OK) {
		j->status = MCLE_EXIT_STOPPED;
		return mcle_err_set(err, r->stop_err.code, "%s", r->stop_err.msg);
	}
	j->status = WIFSIGNALED(r->wstatus) ? 128 + WTERMSIG(r->wstatus) :
		    WEXITSTATUS(r->wstatus);
	return 0;
}

int
engine_run(struct run_job *job, struct mcle_err *err)
{
	struct run r;
	int64_t offset;

	memset(&r, 0, sizeof(r));
	r.job = job;
	r.loop = job->store->params.loop;
	r.wd.fd = -1;
	loop_timer_init(&r.renew_timer, renew_now, &r);
	loop_timer_init(&r.deadline_timer, deadline_passed, &r);
	loop_timer_init(&r.sigkill_timer, sigkill_group, &r);
	if (arithmetic(&r, job->duration, err) < 0 ||
	    engine_lease_exclusive_holder(job->identity, job->holder, err) < 0 ||
	    acquire(&r, &offset, err) < 0)
		return -1;
	if (start(&r, offset, err) < 0) {
		loop_on_signal(r.loop, NULL, NULL);
		loop_timer_stop(r.loop, &r.renew_timer);
		loop_timer_stop(r.loop, &r.deadline_timer);
		abandon(&r);
		release(&r);
		return -1;
	}
	job->started = 1;
	supervise(&r);
	return finish(&r, err);
}
