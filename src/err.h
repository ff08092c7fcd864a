/*
 * err.h - the one error type of mcle.
 *
 * Every layer reports failure through a struct mcle_err passed down by
 * pointer.  The first failure recorded wins, so the root cause is never
 * overwritten by the callers that give up after it.  Only the dispatcher
 * (mcle.c) prints errors and maps them to exit statuses.
 */
#ifndef MCLE_ERR_H
#define MCLE_ERR_H

#include <stddef.h>

enum mcle_code {
	MCLE_OK = 0,
	MCLE_EBUSY,		/* held by another identity (exit 1) */
	MCLE_EUSAGE,		/* bad command line or option value (exit 2) */
	MCLE_ELOST,		/* lease lost / not held by us (exit 3) */
	MCLE_EUNAVAIL,		/* network, 5xx, 429, deadline (exit 4) */
	MCLE_ECONFIG,		/* configuration or local environment (exit 5) */
	MCLE_EAUTH,		/* credentials rejected or missing (exit 5) */
	MCLE_EPERM,		/* permission denied (exit 5) */
	MCLE_ECORRUPT,		/* malformed record or response (exit 5) */
	MCLE_ENOTFOUND,		/* object absent (store layer) */
	MCLE_EPRECOND,		/* a write precondition failed (store layer) */
	MCLE_ERATELIMIT,	/* 429 after retries (exit 4) */
	MCLE_EIO,		/* local I/O failure (exit 5) */
	MCLE_ENOMEM,		/* out of memory (exit 5) */
	MCLE_EPARTIAL,		/* reconcile-all: some namespaces failed (exit 6) */
	MCLE_ESTOPPED,		/* run: the command was stopped, its lease lost or not
				   confirmed in time (exit MCLE_EXIT_STOPPED) */
};

/* run's status when mcle stopped the command (as timeout(1)'s 124 is its own) */
#define MCLE_EXIT_STOPPED 122

#define MCLE_ERR_MSG_MAX 512

struct mcle_err {
	enum mcle_code code;
	char msg[MCLE_ERR_MSG_MAX];
};

#define MCLE_ERR_INIT { MCLE_OK, "" }

/*
 * Record a failure.  If one is already recorded, nothing changes: the first
 * failure wins.  Returns -1 so callers can write "return mcle_err_set(...)".
 * The message is one line, lowercase, without a full stop.
 */
int mcle_err_set(struct mcle_err *e, enum mcle_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like mcle_err_set, with ": strerror(errnum)" appended. */
int mcle_err_errno(struct mcle_err *e, enum mcle_code code, int errnum,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Forget a recorded failure (after handling it, e.g. a 404 that means "absent"). */
void mcle_err_clear(struct mcle_err *e);

/* The documented exit status for an error code. */
int mcle_err_exit_status(enum mcle_code code);

/* A stable short name for a code ("busy", "lost", ...), for JSON output. */
const char *mcle_err_name(enum mcle_code code);

#endif
