/*
 * log.h - diagnostics on stderr, one event per line.
 *
 * Levels: errors always; warnings and info unless quiet (-q); debug with
 * -v, trace with -vv.  Two formats: text ("mcle: warning: ...", the
 * default, for people) and json (one object a line with the stable keys
 * "time" (RFC 3339, UTC), "level" and "msg", then an event's own keys, for
 * a log pipeline).  The only place besides the dispatcher that writes to
 * stderr.  Never pass a secret (token, key, password, Authorization
 * header) to these functions.
 */
#ifndef MCLE_LOG_H
#define MCLE_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_format { LOG_TEXT, LOG_JSON };

/* -1 = -q (errors only), 0 = default, 1 = -v (requests and decisions), 2 = -vv */
void log_set_level(int level);
int log_level(void);

void log_set_format(enum log_format f);
enum log_format log_format(void);
/* "text" or "json" into *f; -1 for anything else. */
int log_format_parse(const char *s, enum log_format *f);

/*
 * "mcle: warning: ..." on stderr unless quiet: something was skipped or is
 * suspicious but the run goes on.  Text from a server must be clipped to
 * printable ASCII first (http_clip).
 */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mcle: info: ..." unless quiet: what changed (a new leader, a listener). */
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mcle: ..." always: a failure (the dispatcher's last line, a namespace's error). */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mcle: debug: ..." on stderr when level >= 1 (log_debug) or 2 (log_trace). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An event with keys of its own: text "msg key=value ...", json its keys. */
enum log_level { LOG_ERROR, LOG_WARN, LOG_INFO, LOG_DEBUG };

struct log_field {
	const char *key;
	const char *str;	/* the value, or NULL: num is */
	int64_t num;
};

#define LOG_STR(k, v)	{ (k), (v), 0 }
#define LOG_NUM(k, v)	{ (k), NULL, (v) }

void log_event(enum log_level lvl, const char *msg, const struct log_field *f, size_t n);

#endif
