/*
 * timeutil.h - time values and their text forms.
 *
 * Wall-clock times are int64 microseconds since the Unix epoch (UTC).  They
 * come from the store's clock only: a GCS object's `updated`, a response's
 * `Date`, or for the file store this host's clock.  Deadlines use the
 * monotonic clock.
 */
#ifndef MCLE_TIMEUTIL_H
#define MCLE_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t mcle_time;	/* microseconds since 1970-01-01T00:00:00Z */

#define MCLE_USEC 1000000LL
#define MCLE_RFC3339_MAX 32	/* "2006-01-02T15:04:05.000000Z" + NUL */

/* RFC 3339's range, years 1-9999: every time mcle computes stays within it. */
#define MCLE_TIME_MIN (-62135596800LL * MCLE_USEC)	/* 0001-01-01T00:00:00Z */
#define MCLE_TIME_MAX (253402300800LL * MCLE_USEC - 1)	/* 9999-12-31T23:59:59.999999Z */

/*
 * Format as RFC 3339 with microseconds, UTC: 2006-01-02T15:04:05.000000Z.
 * A time outside [MCLE_TIME_MIN, MCLE_TIME_MAX] prints as the nearest end:
 * the year never wraps.
 */
void time_format(mcle_time t, char buf[MCLE_RFC3339_MAX]);

/* t + d saturated to [MCLE_TIME_MIN, MCLE_TIME_MAX]; never overflows. */
mcle_time time_add(mcle_time t, int64_t d);

/*
 * Parse RFC 3339 (any fraction up to nanoseconds, Z or +hh:mm).
 * Returns 0, or -1 if the text is not exactly one such time.
 */
int time_parse_rfc3339(const char *s, mcle_time *out);

/* Parse an HTTP date (IMF-fixdate, RFC 7231): "Sun, 06 Nov 1994 08:49:37 GMT". */
int time_parse_http(const char *s, mcle_time *out);

/*
 * This host's wall clock (the file store's "store clock"), kept within
 * [MCLE_TIME_MIN, MCLE_TIME_MAX] whatever the host says.
 */
mcle_time time_now_real(void);

/* Monotonic microseconds, for deadlines and backoff. */
int64_t time_now_mono(void);

/* Sleep for usec microseconds, resuming after signals. */
void time_sleep_us(int64_t usec);

#endif
