/*
 * loop.c - one thread's event loop over epoll: watched fds, a binary heap
 * of timers, and the signal pipe.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "loop.h"
#include "signals.h"
#include "timeutil.h"

#define EVENTS_MAX 64
#define WATCH_MAX 65536		/* fds watched at once */

struct watch {
	int fd;
	unsigned events;		/* as registered with epoll */
	int parked;			/* loop_park: registered, not dispatched */
	loop_io_fn fn;
	void *arg;
};

struct loop {
	int ep;
	int sigfd;			/* watched signal pipe, or -1 */
	struct loop_timer **heap;	/* min-heap on when */
	size_t ntimers, cap;
	struct watch *watches;		/* sorted by fd */
	size_t nwatches, wcap;
	size_t nparked;			/* of nwatches */
	loop_fn on_signal;		/* loop_on_signal */
	void *on_signal_arg;
};

/* --- timers ------------------------------------------------------------- */

static void
heap_set(struct loop *l, size_t i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void
heap_up(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && l->heap[(i - 1) / 2]->when > t->when) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void
heap_down(struct loop *l, size_t i)
{
	struct loop_timer *t = l->heap[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= l->ntimers)
			break;
		if (c + 1 < l->ntimers && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (l->heap[c]->when >= t->when)
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

void
loop_timer_init(struct loop_timer *t, loop_fn fn, void *arg)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->arg = arg;
}

int
loop_timer_armed(const struct loop_timer *t)
{
	return t->slot != 0;
}

void
loop_timer_stop(struct loop *l, struct loop_timer *t)
{
	size_t i;

	if (t->slot == 0)
		return;
	i = t->slot - 1;
	t->slot = 0;
	if (--l->ntimers == i)
		return;
	heap_set(l, i, l->heap[l->ntimers]);
	heap_up(l, i);
	heap_down(l, l->heap[i]->slot - 1);
}

int
loop_timer_at(struct loop *l, struct loop_timer *t, int64_t when)
{
	struct loop_timer **tmp;
	size_t cap;

	loop_timer_stop(l, t);
	if (l->ntimers == l->cap) {
		cap = l->cap ? l->cap * 2 : 64;
		if ((tmp = realloc(l->heap, cap * sizeof(*tmp))) == NULL)
			return -1;
		l->heap = tmp;
		l->cap = cap;
	}
	t->when = when;
	heap_set(l, l->ntimers++, t);
	heap_up(l, l->ntimers - 1);
	return 0;
}

/* Run every timer that is due; 1 if any ran. */
static int
run_timers(struct loop *l)
{
	struct loop_timer *t;
	int64_t now = time_now_mono();
	int ran = 0;

	while (l->ntimers > 0 && l->heap[0]->when <= now) {
		t = l->heap[0];
		loop_timer_stop(l, t);
		t->fn(t->arg);
		ran = 1;
	}
	return ran;
}

/* --- fds ---------------------------------------------------------------- */

static struct watch *
find_watch(struct loop *l, int fd, size_t *pos)
{
	size_t lo = 0, hi = l->nwatches, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (l->watches[mid].fd == fd) {
			*pos = mid;
			return &l->watches[mid];
		}
		if (l->watches[mid].fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	*pos = lo;
	return NULL;
}

static uint32_t
ep_events(unsigned events)
{
	return (events & LOOP_IN ? EPOLLIN : 0) | (events & LOOP_OUT ? EPOLLOUT : 0);
}

static struct watch *
insert_watch(struct loop *l, size_t pos, struct mcle_err *err)
{
	struct watch *tmp;
	size_t cap;

	if (l->nwatches >= WATCH_MAX) {
		mcle_err_set(err, MCLE_EUNAVAIL, "too many connections open (%d)", WATCH_MAX);
		return NULL;
	}
	if (l->nwatches == l->wcap) {
		cap = l->wcap ? l->wcap * 2 : 32;
		if ((tmp = realloc(l->watches, cap * sizeof(*tmp))) == NULL) {
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			return NULL;
		}
		l->watches = tmp;
		l->wcap = cap;
	}
	memmove(&l->watches[pos + 1], &l->watches[pos],
		(l->nwatches - pos) * sizeof(*l->watches));
	l->nwatches++;
	return &l->watches[pos];
}

int
loop_watch(struct loop *l, int fd, unsigned events, loop_io_fn fn, void *arg,
	   struct mcle_err *err)
{
	struct epoll_event ev;
	struct watch *w;
	size_t pos;
	int op = EPOLL_CTL_MOD;

	memset(&ev, 0, sizeof(ev));
	ev.events = ep_events(events);
	ev.data.fd = fd;
	if ((w = find_watch(l, fd, &pos)) != NULL && w->parked) {
		w->parked = 0;
		l->nparked--;
	}
	if (w != NULL && w->events == events) {
		/* registered as asked already: no system call */
		w->fn = fn;
		w->arg = arg;
		return 0;
	}
	if (w == NULL) {
		if ((w = insert_watch(l, pos, err)) == NULL)
			return -1;
		op = EPOLL_CTL_ADD;
	}
	/* ENOENT: the fd was closed and its number came back, unregistered */
	if (epoll_ctl(l->ep, op, fd, &ev) < 0 &&
	    (op == EPOLL_CTL_ADD || errno != ENOENT ||
	     epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0)) {
		int e = errno;

		if (op == EPOLL_CTL_ADD) {
			memmove(w, w + 1, (l->nwatches - pos - 1) * sizeof(*w));
			l->nwatches--;
		}
		return mcle_err_errno(err, MCLE_EUNAVAIL, e, "cannot watch a connection");
	}
	w->fd = fd;
	w->events = events;
	w->parked = 0;
	w->fn = fn;
	w->arg = arg;
	return 0;
}

void
loop_unwatch(struct loop *l, int fd)
{
	struct watch *w;
	size_t pos;

	if ((w = find_watch(l, fd, &pos)) == NULL)
		return;
	/* the fd may be closed already: then the kernel dropped it itself */
	epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
	if (w->parked)
		l->nparked--;
	memmove(w, w + 1, (l->nwatches - pos - 1) * sizeof(*w));
	l->nwatches--;
}

void
loop_park(struct loop *l, int fd)
{
	struct watch *w;
	size_t pos;

	if ((w = find_watch(l, fd, &pos)) == NULL || w->parked)
		return;
	w->parked = 1;
	l->nparked++;
}

/* --- the loop ----------------------------------------------------------- */

struct loop *
loop_new(struct mcle_err *err)
{
	struct epoll_event ev;
	struct loop *l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	l->sigfd = -1;
	if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0) {
		mcle_err_errno(err, MCLE_ECONFIG, errno, "cannot create an event loop");
		free(l);
		return NULL;
	}
	if (signals_fd() >= 0) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = signals_fd();
		if (epoll_ctl(l->ep, EPOLL_CTL_ADD, signals_fd(), &ev) == 0)
			l->sigfd = signals_fd();
	}
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->ep);
	free(l->heap);
	free(l->watches);
	free(l);
}

size_t
loop_pending(const struct loop *l)
{
	return l->ntimers + l->nwatches - l->nparked;
}

static int
wait_ms(const struct loop *l, int64_t deadline)
{
	int64_t now = time_now_mono(), until = deadline, ms;

	if (l->ntimers > 0 && (until == 0 || l->heap[0]->when < until))
		until = l->heap[0]->when;
	if (until == 0)
		return -1;
	if (until <= now)
		return 0;
	ms = (until - now + 999) / 1000;
	return ms > 60000 ? 60000 : (int)ms;
}

/* Wait once and dispatch what is ready; 1 if a signal arrived. */
static int
poll_once(struct loop *l, int64_t deadline)
{
	struct epoll_event evs[EVENTS_MAX];
	struct watch *w;
	unsigned what;
	size_t pos;
	int n, i, sig = 0;

	n = epoll_wait(l->ep, evs, EVENTS_MAX, wait_ms(l, deadline));
	if (n < 0)
		return errno == EINTR ? signals_pending() != 0 : 0;
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd == l->sigfd && l->sigfd >= 0) {
			sig |= signals_drain() > 0;
			if (l->on_signal != NULL)
				l->on_signal(l->on_signal_arg);
			continue;
		}
		/* an earlier callback may have removed this fd */
		if ((w = find_watch(l, evs[i].data.fd, &pos)) == NULL)
			continue;
		/* a parked fd stirred (its peer closed): out of epoll for real */
		if (w->parked) {
			loop_unwatch(l, w->fd);
			continue;
		}
		what = (evs[i].events & EPOLLIN ? LOOP_IN : 0) |
		       (evs[i].events & EPOLLOUT ? LOOP_OUT : 0) |
		       (evs[i].events & (EPOLLERR | EPOLLHUP) ? LOOP_ERR : 0);
		w->fn(w->arg, w->fd, what);
	}
	return sig;
}

enum loop_why
loop_run(struct loop *l, int (*done)(void *arg), void *arg, int64_t deadline)
{
	for (;;) {
		run_timers(l);
		if (done != NULL && done(arg))
			return LOOP_DONE;
		if (l->ntimers == 0 && l->nwatches == l->nparked && deadline == 0)
			return LOOP_IDLE;
		if (deadline != 0 && time_now_mono() >= deadline)
			return LOOP_DEADLINE;
		if (poll_once(l, deadline))
			return LOOP_SIGNAL;
	}
}

int
loop_wait(struct loop *l, int (*done)(void *arg), void *arg)
{
	while (!done(arg))
		if (loop_run(l, done, arg, 0) == LOOP_IDLE && !done(arg))
			return -1;
	return 0;
}

void
loop_on_signal(struct loop *l, loop_fn fn, void *arg)
{
	l->on_signal = fn;
	l->on_signal_arg = arg;
}

enum loop_why
loop_sleep_until(struct loop *l, int64_t deadline)
{
	enum loop_why why;

	do
		why = loop_run(l, NULL, NULL, deadline);
	while (why == LOOP_IDLE && time_now_mono() < deadline);
	return why;
}
