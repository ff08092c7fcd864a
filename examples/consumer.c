/*
 * consumer.c - may this cluster act for a namespace right now?
 *
 * The check an operator makes before acting, in C: read the namespace's
 * Lease resource as JSON on stdin, as printed by
 *
 *	kubectl get leases.leaderelection.600lyy.io/lease-gsc -n team-a -o json |
 *	    ./consumer [-m MARGIN] [-i IDENTITY]
 *
 * and say yes only if status.isLeader is true, status.observedHolderIdentity
 * is set (and equal to IDENTITY with -i), status.epoch is an integer and
 * now + MARGIN (default 10 s) < status.observedExpireTime by this host's
 * clock.  isLeader alone is not enough: if mcle stops running in this
 * cluster, the status keeps saying true while the lease runs out.  No rival
 * can win before the expiry (plus the store's clock-skew allowance), so a
 * passing check holds for MARGIN seconds minus however far this host's
 * clock runs behind the lock store's; check again before every step.
 *
 * Prints "leader epoch=N until=T" and exits 0, or "not leader: REASON" and
 * exits 1; 2 for a usage error.  Use the epoch as a fencing token: it grows
 * with every change of holder.
 *
 * Build: cc -std=c11 consumer.c $(pkg-config --cflags --libs json-c)
 */
#define _DEFAULT_SOURCE		/* timegm(3) */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#define INPUT_MAX	(1024 * 1024)	/* a Lease is a few hundred bytes */
#define MARGIN_DEFAULT	10
#define MARGIN_MAX	86400
#define REASON_MAX	256

struct check {
	int64_t		 margin_us;
	const char	*identity;	/* NULL: any holder */
	int64_t		 epoch;		/* out */
	const char	*until;		/* out, borrowed from the JSON */
	char		 reason[REASON_MAX];
};

static void
usage(void)
{
	fprintf(stderr, "usage: consumer [-m MARGIN] [-i IDENTITY] < lease.json\n");
	exit(2);
}

/* Reads all of stdin, at most INPUT_MAX bytes; NULL on error or overflow. */
static char *
read_input(size_t *len)
{
	char *buf;
	size_t n;

	if ((buf = malloc(INPUT_MAX + 1)) == NULL)
		return NULL;
	n = fread(buf, 1, INPUT_MAX + 1, stdin);
	if (ferror(stdin) || n > INPUT_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* n decimal digits at s -> *out; -1 unless all are digits. */
static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* ".ffffff" (1-9 digits, optional) -> microseconds, truncated; *end past it. */
static int
fraction(const char *s, const char **end, int64_t *us)
{
	int64_t v = 0;
	int n = 0;

	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, n++) {
			if (n == 9)
				return -1;
			if (n < 6)
				v = v * 10 + (*s - '0');
		}
		if (n == 0)
			return -1;
		for (; n < 6; n++)
			v *= 10;
	}
	*us = v;
	*end = s;
	return 0;
}

/* "Z", "+hh:mm" or "-hh:mm", then the end of the string -> seconds east. */
static int
zone(const char *s, int *off)
{
	int h, m;

	if ((s[0] == 'Z' || s[0] == 'z') && s[1] == '\0') {
		*off = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || digits(s + 1, 2, &h) < 0 ||
	    s[3] != ':' || digits(s + 4, 2, &m) < 0 || s[6] != '\0' ||
	    h > 23 || m > 59)
		return -1;
	*off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return 0;
}

/* The date and time fields of "YYYY-MM-DDTHH:MM:SS", checked for range. */
static int
date_time(const char *s, struct tm *tm)
{
	int y, mo, d, h, mi, se;
	struct tm chk;
	time_t t;

	if (digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 ||
	    s[7] != '-' || digits(s + 8, 2, &d) < 0 ||
	    (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) < 0 ||
	    s[13] != ':' || digits(s + 14, 2, &mi) < 0 || s[16] != ':' ||
	    digits(s + 17, 2, &se) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59)
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = se;
	/* timegm normalises 31 April to 1 May: refuse what it had to move */
	chk = *tm;
	if ((t = timegm(&chk)) == (time_t)-1 || chk.tm_mday != d || chk.tm_mon != mo - 1)
		return -1;
	return 0;
}

/* RFC 3339 ("2024-05-01T12:00:00.123456Z") -> microseconds since the epoch. */
static int
parse_rfc3339(const char *s, int64_t *us)
{
	const char *p;
	struct tm tm;
	int64_t frac;
	int off;

	if (strlen(s) < 20 || date_time(s, &tm) < 0 ||
	    fraction(s + 19, &p, &frac) < 0 || zone(p, &off) < 0)
		return -1;
	*us = ((int64_t)timegm(&tm) - off) * 1000000 + frac;
	return 0;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return INT64_MAX;	/* no clock: nothing is live */
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#ifdef __GNUC__
static int deny(struct check *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
#endif

/* Sets the reason this cluster may not act; returns -1. */
static int
deny(struct check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
	return -1;
}

/* A string member of o, or NULL (absent, null or not a string). */
static const char *
get_string(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* The holder, the epoch and isLeader; the expiry is checked by the caller. */
static int
check_holder(json_object *st, struct check *c)
{
	json_object *v;
	const char *holder;

	if (!json_object_object_get_ex(st, "isLeader", &v) ||
	    !json_object_is_type(v, json_type_boolean) || !json_object_get_boolean(v))
		return deny(c, "isLeader is not true");
	if ((holder = get_string(st, "observedHolderIdentity")) == NULL || *holder == '\0')
		return deny(c, "no holder");
	if (c->identity != NULL && strcmp(holder, c->identity) != 0)
		return deny(c, "held by '%.100s', not '%.100s'", holder, c->identity);
	if (!json_object_object_get_ex(st, "epoch", &v) ||
	    !json_object_is_type(v, json_type_int) || (c->epoch = json_object_get_int64(v)) < 0)
		return deny(c, "no epoch");
	return 0;
}

/* 0: this cluster may act now; -1 with c->reason set: it may not. */
static int
decide(json_object *lease, struct check *c)
{
	json_object *st;
	int64_t exp, now;

	if (!json_object_object_get_ex(lease, "status", &st) ||
	    !json_object_is_type(st, json_type_object) || json_object_object_length(st) == 0)
		return deny(c, "no status");
	if (check_holder(st, c) < 0)
		return -1;
	if ((c->until = get_string(st, "observedExpireTime")) == NULL ||
	    parse_rfc3339(c->until, &exp) < 0)
		return deny(c, "no valid observedExpireTime");
	now = now_us();
	if (now >= exp)
		return deny(c, "lease expired at %.64s", c->until);
	if (now > exp - c->margin_us)
		return deny(c, "lease expires at %.64s, within the %" PRId64 " s margin",
			    c->until, c->margin_us / 1000000);
	return 0;
}

/* The whole input as one JSON object; NULL with c->reason set. */
static json_object *
parse_lease(const char *buf, size_t len, struct check *c)
{
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	if ((tok = json_tokener_new()) == NULL) {
		deny(c, "out of memory");
		return NULL;
	}
	/* the terminating NUL too: it tells the tokener the input ends here */
	o = json_tokener_parse_ex(tok, buf, (int)len + 1);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL) {
		deny(c, "cannot parse the lease: %s", jerr == json_tokener_success ?
		     "not one json object" : json_tokener_error_desc(jerr));
		return NULL;
	}
	end += strspn(buf + end, " \t\r\n");
	if (end != len || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		deny(c, "cannot parse the lease: %s", "not one json object");
		return NULL;
	}
	return o;
}

static int64_t
parse_margin(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 || v > MARGIN_MAX)
		usage();
	return (int64_t)v * 1000000;
}

int
main(int argc, char *argv[])
{
	struct check c = { .margin_us = (int64_t)MARGIN_DEFAULT * 1000000 };
	json_object *lease = NULL;
	char *buf;
	size_t len;
	int ch, rc = 1;

	while ((ch = getopt(argc, argv, "m:i:")) != -1) {
		switch (ch) {
		case 'm': c.margin_us = parse_margin(optarg); break;
		case 'i': c.identity = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if ((buf = read_input(&len)) == NULL)
		deny(&c, "cannot read the lease from stdin");
	else if ((lease = parse_lease(buf, len, &c)) != NULL && decide(lease, &c) == 0)
		rc = 0;
	if (rc == 0)
		printf("leader epoch=%" PRId64 " until=%s\n", c.epoch, c.until);
	else
		printf("not leader: %s\n", c.reason);
	json_object_put(lease);
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout))
		return 2;
	return rc;
}
