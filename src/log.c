/* log.c - diagnostics on stderr: warnings always, the rest only with -v. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static int level;

void
log_set_level(int l)
{
	level = l;
}

int
log_level(void)
{
	return level;
}

static void vlog(const char *kind, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
vlog(const char *kind, const char *fmt, va_list ap)
{
	char line[1024];

	/* one write per line, so that worker threads' lines do not interleave */
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "mcle: %s: %s\n", kind, line);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("warning", fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < 1)
		return;
	va_start(ap, fmt);
	vlog("debug", fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list ap;

	if (level < 2)
		return;
	va_start(ap, fmt);
	vlog("debug", fmt, ap);
	va_end(ap);
}
