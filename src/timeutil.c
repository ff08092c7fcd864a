/* timeutil.c - time values and their text forms. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "timeutil.h"

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian), Howard Hinnant's method. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dm[m - 1];
}

static mcle_time
clamp(mcle_time t)
{
	return t < MCLE_TIME_MIN ? MCLE_TIME_MIN : t > MCLE_TIME_MAX ? MCLE_TIME_MAX : t;
}

mcle_time
time_add(mcle_time t, int64_t d)
{
	t = clamp(t);
	/* t is far inside int64, so neither bound minus d can overflow */
	if (d > 0 && t > MCLE_TIME_MAX - d)
		return MCLE_TIME_MAX;
	if (d < 0 && t < MCLE_TIME_MIN - d)
		return MCLE_TIME_MIN;
	return t + d;
}

void
time_format(mcle_time t, char buf[MCLE_RFC3339_MAX])
{
	time_t secs;
	int64_t us;
	struct tm tm;

	t = clamp(t);
	secs = (time_t)(t / MCLE_USEC);
	us = t % MCLE_USEC;
	if (us < 0) {
		us += MCLE_USEC;
		secs--;
	}
	if (gmtime_r(&secs, &tm) == NULL) {
		snprintf(buf, MCLE_RFC3339_MAX, "0001-01-01T00:00:00.000000Z");
		return;
	}
	/* the moduli only tell the compiler each field's width */
	snprintf(buf, MCLE_RFC3339_MAX, "%04u-%02u-%02uT%02u:%02u:%02u.%06uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 (unsigned)us % 1000000u);
}

/* Read exactly n digits. */
static int
digits(const char **sp, int n, int *out)
{
	const char *s = *sp;
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*sp = s + n;
	*out = v;
	return 0;
}

static int
expect(const char **sp, char c)
{
	if (**sp != c)
		return -1;
	(*sp)++;
	return 0;
}

static int
parse_fraction(const char **sp, int64_t *us)
{
	const char *s = *sp;
	int64_t v = 0;
	int n = 0;

	*us = 0;
	if (*s != '.')
		return 0;
	s++;
	while (*s >= '0' && *s <= '9') {
		if (n >= 9)
			return -1;
		if (n < 6)
			v = v * 10 + (*s - '0');
		n++;
		s++;
	}
	if (n == 0)
		return -1;
	for (; n < 6; n++)
		v *= 10;
	*us = v;
	*sp = s;
	return 0;
}

static int
parse_zone(const char **sp, int64_t *offset_secs)
{
	const char *s = *sp;
	int sign, hh, mm;

	*offset_secs = 0;
	if (*s == 'Z' || *s == 'z') {
		*sp = s + 1;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (digits(&s, 2, &hh) < 0 || expect(&s, ':') < 0 ||
	    digits(&s, 2, &mm) < 0 || hh > 23 || mm > 59)
		return -1;
	*offset_secs = sign * (hh * 3600 + mm * 60);
	*sp = s;
	return 0;
}

int
time_parse_rfc3339(const char *s, mcle_time *out)
{
	int y, mo, d, h, mi, se;
	int64_t us, off, days;

	if (s == NULL)
		return -1;
	if (digits(&s, 4, &y) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &mo) < 0 || expect(&s, '-') < 0 ||
	    digits(&s, 2, &d) < 0)
		return -1;
	if (*s != 'T' && *s != 't')
		return -1;
	s++;
	if (digits(&s, 2, &h) < 0 || expect(&s, ':') < 0 ||
	    digits(&s, 2, &mi) < 0 || expect(&s, ':') < 0 ||
	    digits(&s, 2, &se) < 0)
		return -1;
	if (parse_fraction(&s, &us) < 0 || parse_zone(&s, &off) < 0 || *s != '\0')
		return -1;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || se > 60)
		return -1;
	if (se == 60)
		se = 59;	/* a leap second: keep within the minute */
	days = days_from_civil(y, mo, d);
	*out = ((days * 86400 + h * 3600 + mi * 60 + se) - off) * MCLE_USEC + us;
	/* an offset must not carry the time out of years 1-9999 (RFC 3339's range) */
	if (*out < MCLE_TIME_MIN || *out > MCLE_TIME_MAX)
		return -1;
	return 0;
}

int
time_parse_http(const char *s, mcle_time *out)
{
	static const char *const wdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	int d, y, h, mi, se, mo = 0, i, okday = 0;

	if (s == NULL || strlen(s) != 29)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncmp(s, wdays[i], 3) == 0)
			okday = 1;
	if (!okday || s[3] != ',' || s[4] != ' ')
		return -1;
	s += 5;
	if (digits(&s, 2, &d) < 0 || expect(&s, ' ') < 0)
		return -1;
	for (i = 0; i < 12; i++)
		if (strncmp(s, months[i], 3) == 0)
			mo = i + 1;
	if (mo == 0)
		return -1;
	s += 3;
	if (expect(&s, ' ') < 0 || digits(&s, 4, &y) < 0 || expect(&s, ' ') < 0 ||
	    digits(&s, 2, &h) < 0 || expect(&s, ':') < 0 ||
	    digits(&s, 2, &mi) < 0 || expect(&s, ':') < 0 ||
	    digits(&s, 2, &se) < 0 || strcmp(s, " GMT") != 0)
		return -1;
	if (y < 1 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
		return -1;
	if (se == 60)
		se = 59;
	*out = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) * MCLE_USEC;
	return 0;
}

mcle_time
time_now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ts.tv_sec > MCLE_TIME_MAX / MCLE_USEC)
		return MCLE_TIME_MAX;
	if (ts.tv_sec < MCLE_TIME_MIN / MCLE_USEC)
		return MCLE_TIME_MIN;
	return (mcle_time)ts.tv_sec * MCLE_USEC + ts.tv_nsec / 1000;
}

int64_t
time_now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * MCLE_USEC + ts.tv_nsec / 1000;
}

void
time_sleep_us(int64_t usec)
{
	struct timespec ts;

	if (usec <= 0)
		return;
	ts.tv_sec = usec / MCLE_USEC;
	ts.tv_nsec = (usec % MCLE_USEC) * 1000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}
