/* err.c - the one error type: first failure wins. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

static void set_msg(struct mcle_err *e, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
set_msg(struct mcle_err *e, const char *fmt, va_list ap)
{
	char *p;

	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	/* one line, always: a server's text must not break the format */
	for (p = e->msg; *p != '\0'; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

int
mcle_err_set(struct mcle_err *e, enum mcle_code code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL || e->code != MCLE_OK)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	return -1;
}

int
mcle_err_errno(struct mcle_err *e, enum mcle_code code, int errnum,
	       const char *fmt, ...)
{
	va_list ap;
	size_t len;

	if (e == NULL || e->code != MCLE_OK)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	set_msg(e, fmt, ap);
	va_end(ap);
	len = strlen(e->msg);
	snprintf(e->msg + len, sizeof(e->msg) - len, ": %s", strerror(errnum));
	return -1;
}

void
mcle_err_clear(struct mcle_err *e)
{
	e->code = MCLE_OK;
	e->msg[0] = '\0';
}

int
mcle_err_exit_status(enum mcle_code code)
{
	switch (code) {
	case MCLE_OK:
		return 0;
	case MCLE_EBUSY:
		return 1;
	case MCLE_EUSAGE:
		return 2;
	case MCLE_ELOST:
	case MCLE_EPRECOND:
		return 3;
	case MCLE_EUNAVAIL:
	case MCLE_ERATELIMIT:
		return 4;
	case MCLE_EPARTIAL:
		return 6;
	case MCLE_ESTOPPED:
		return MCLE_EXIT_STOPPED;
	case MCLE_ECONFIG:
	case MCLE_EAUTH:
	case MCLE_EPERM:
	case MCLE_ECORRUPT:
	case MCLE_ENOTFOUND:
	case MCLE_EIO:
	case MCLE_ENOMEM:
		break;
	}
	return 5;
}

const char *
mcle_err_name(enum mcle_code code)
{
	switch (code) {
	case MCLE_OK:		return "ok";
	case MCLE_EBUSY:	return "busy";
	case MCLE_EUSAGE:	return "usage";
	case MCLE_ELOST:	return "lost";
	case MCLE_EUNAVAIL:	return "unavailable";
	case MCLE_ECONFIG:	return "config";
	case MCLE_EAUTH:	return "credentials";
	case MCLE_EPERM:	return "permission";
	case MCLE_ECORRUPT:	return "corrupt";
	case MCLE_ENOTFOUND:	return "not-found";
	case MCLE_EPRECOND:	return "precondition";
	case MCLE_ERATELIMIT:	return "rate-limited";
	case MCLE_EIO:		return "io";
	case MCLE_ENOMEM:	return "no-memory";
	case MCLE_EPARTIAL:	return "partial";
	case MCLE_ESTOPPED:	return "stopped";
	}
	return "unknown";
}
