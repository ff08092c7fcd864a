/* log.c - diagnostics on stderr: text for people, or one JSON object a line. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "log.h"
#include "timeutil.h"

#define LOG_LINE_MAX 1024
#define LOG_FIELDS_MAX 16

static int level;
static enum log_format format = LOG_TEXT;

static const char *const level_names[] = { "error", "warning", "info", "debug" };

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

void
log_set_format(enum log_format f)
{
	format = f;
}

enum log_format
log_format(void)
{
	return format;
}

int
log_format_parse(const char *s, enum log_format *f)
{
	if (strcmp(s, "text") == 0)
		*f = LOG_TEXT;
	else if (strcmp(s, "json") == 0)
		*f = LOG_JSON;
	else
		return -1;
	return 0;
}

static int
shown(enum log_level lvl)
{
	switch (lvl) {
	case LOG_ERROR:
		return 1;
	case LOG_WARN:
	case LOG_INFO:
		return level >= 0;
	default:
		return level >= 1;
	}
}

/* {"time":..,"level":..,"msg":..,keys...} on one line; plain text if out of memory. */
static void
emit_json(enum log_level lvl, const char *msg, const struct log_field *f, size_t n)
{
	json_object *o = json_object_new_object();
	char now[MCLE_RFC3339_MAX], *text = NULL;
	size_t i;
	int rc;

	time_format(time_now_real(), now);
	rc = o == NULL || json_add_str(o, "time", now) < 0 ||
	     json_add_str(o, "level", level_names[lvl]) < 0 || json_add_str(o, "msg", msg) < 0;
	for (i = 0; i < n && !rc; i++)
		rc = f[i].str != NULL ? json_add_str(o, f[i].key, f[i].str) :
					json_add_int(o, f[i].key, f[i].num);
	if (!rc)
		text = json_dump(o, JSON_PLAIN);
	if (text != NULL)
		fprintf(stderr, "%s\n", text);
	else
		fprintf(stderr, "{\"level\":\"%s\",\"msg\":\"out of memory\"}\n", level_names[lvl]);
	free(text);
	json_object_put(o);
}

/* "mcle: KIND: msg key=value ..." (errors without a kind, as the dispatcher's line). */
static void
emit_text(enum log_level lvl, const char *msg, const struct log_field *f, size_t n)
{
	char line[LOG_LINE_MAX];
	size_t i, used;

	if (lvl == LOG_ERROR)
		used = (size_t)snprintf(line, sizeof(line), "mcle: %s", msg);
	else
		used = (size_t)snprintf(line, sizeof(line), "mcle: %s: %s", level_names[lvl], msg);
	for (i = 0; i < n && used < sizeof(line); i++) {
		if (f[i].str != NULL)
			used += (size_t)snprintf(line + used, sizeof(line) - used, " %s=%s",
						 f[i].key, f[i].str);
		else
			used += (size_t)snprintf(line + used, sizeof(line) - used, " %s=%lld",
						 f[i].key, (long long)f[i].num);
	}
	/* one write per line */
	fprintf(stderr, "%s\n", line);
}

void
log_event(enum log_level lvl, const char *msg, const struct log_field *f, size_t n)
{
	if (!shown(lvl))
		return;
	if (n > LOG_FIELDS_MAX)
		n = LOG_FIELDS_MAX;
	if (format == LOG_JSON)
		emit_json(lvl, msg, f, n);
	else
		emit_text(lvl, msg, f, n);
}

static void vlog(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
vlog(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];

	vsnprintf(line, sizeof(line), fmt, ap);
	log_event(lvl, line, NULL, 0);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_WARN, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERROR, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (level < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
log_trace(const char *fmt, ...)
{
	va_list ap;

	if (level < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}
