/*
 * log.h - diagnostics on stderr: warnings always, debug only with -v.
 *
 * The only place besides the dispatcher that writes to stderr.  Never pass a
 * secret (token, key, password, Authorization header) to these functions.
 */
#ifndef MCLE_LOG_H
#define MCLE_LOG_H

/* 0 = quiet (default), 1 = -v (requests and decisions), 2 = -vv (more detail) */
void log_set_level(int level);
int log_level(void);

/*
 * "mcle: warning: ..." on stderr, always: something was skipped or is
 * suspicious but the run goes on.  Text from a server must be clipped to
 * printable ASCII first (http_clip).
 */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "mcle: debug: ..." on stderr when level >= 1 (log_debug) or 2 (log_trace). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
