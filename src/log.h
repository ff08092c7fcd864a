/*
 * log.h - diagnostics on stderr, only with -v.
 *
 * The only place besides the dispatcher that writes to stderr.  Never pass a
 * secret (token, key, password, Authorization header) to these functions.
 */
#ifndef MCLE_LOG_H
#define MCLE_LOG_H

/* 0 = quiet (default), 1 = -v (requests and decisions), 2 = -vv (more detail) */
void log_set_level(int level);
int log_level(void);

/* "mcle: debug: ..." on stderr when level >= 1 (log_debug) or 2 (log_trace). */
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
