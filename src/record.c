/* record.c - the lease record codec (a flat map of string values). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "parse.h"
#include "record.h"

#define K_FORMAT "mcleFormat"
#define K_HOLDER "holderIdentity"
#define K_EPOCH "leaseTransitions"
#define K_DURATION "leaseDurationSeconds"
#define K_ACQUIRED "acquireTime"
#define K_CLUSTER "mcleCluster"

int
record_encode(const struct lease_record *rec, record_put_fn put, void *arg)
{
	char num[32], when[MCLE_RFC3339_MAX];

	if (put(arg, K_FORMAT, MCLE_RECORD_FORMAT) < 0 ||
	    put(arg, K_HOLDER, rec->holder) < 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRId64, rec->epoch);
	if (put(arg, K_EPOCH, num) < 0)
		return -1;
	snprintf(num, sizeof(num), "%" PRId32, rec->duration);
	if (put(arg, K_DURATION, num) < 0)
		return -1;
	if (rec->acquired != 0) {
		time_format(rec->acquired, when);
		if (put(arg, K_ACQUIRED, when) < 0)
			return -1;
	}
	if (rec->cluster[0] != '\0' && put(arg, K_CLUSTER, rec->cluster) < 0)
		return -1;
	return 0;
}

int
record_valid_cluster(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			  "0123456789._:-");

	return n > 0 && n <= MCLE_CLUSTER_MAX && s[n] == '\0';
}

int32_t
record_transitions(const struct lease_record *rec)
{
	if (rec->epoch > MCLE_TRANSITIONS_MAX)
		return MCLE_TRANSITIONS_MAX;
	return rec->epoch < 0 ? 0 : (int32_t)rec->epoch;
}

/* A field's value, or NULL (with err set): present, a string, no NUL. */
static const char *
field(record_get_fn get, void *arg, const char *key, const char *where,
      struct mcle_err *err)
{
	size_t len = 0;
	const char *v = get(arg, key, &len);

	if (v == NULL) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': missing '%s'",
			     where, key);
		return NULL;
	}
	if (strlen(v) != len) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': metadata '%s' holds a NUL byte",
			     where, key);
		return NULL;
	}
	return v;
}

static int
number(record_get_fn get, void *arg, const char *key, int64_t min, int64_t max,
       const char *where, int64_t *out, struct mcle_err *err)
{
	const char *s = field(get, arg, key, where, err);

	if (s == NULL)
		return -1;
	if (parse_int(s, min, max, out) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': '%s' is not an integer in [%" PRId64 ", %" PRId64 "]",
				    where, key, min, max);
	return 0;
}

/* The optional acquire time: absent is 0, malformed is an error. */
static int
acquired(record_get_fn get, void *arg, const char *where, mcle_time *out,
	 struct mcle_err *err)
{
	size_t len = 0;
	const char *v = get(arg, K_ACQUIRED, &len);

	*out = 0;
	if (v == NULL)
		return 0;
	if (strlen(v) != len || time_parse_rfc3339(v, out) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': '%s' is not an RFC 3339 time",
				    where, K_ACQUIRED);
	return 0;
}

/* The optional cluster fingerprint: absent is "", malformed is an error. */
static int
cluster(record_get_fn get, void *arg, const char *where, char *out,
	struct mcle_err *err)
{
	size_t len = 0;
	const char *v = get(arg, K_CLUSTER, &len);

	*out = '\0';
	if (v == NULL)
		return 0;
	if (strlen(v) != len || !record_valid_cluster(v))
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': '%s' is not a cluster fingerprint",
				    where, K_CLUSTER);
	memcpy(out, v, len + 1);
	return 0;
}

int
record_decode(record_get_fn get, void *arg, const char *where,
	      struct lease_record *rec, struct mcle_err *err)
{
	const char *s;
	int64_t n;

	memset(rec, 0, sizeof(*rec));
	if ((s = field(get, arg, K_FORMAT, where, err)) == NULL)
		return -1;
	if (strcmp(s, MCLE_RECORD_FORMAT) != 0) {
		char shown[20];		/* a store's bytes: clipped */

		http_clip_n(s, strlen(s), shown, sizeof(shown));
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': unknown format '%s'", where, shown);
	}
	if ((s = field(get, arg, K_HOLDER, where, err)) == NULL)
		return -1;
	if (*s != '\0' && !valid_identity(s))
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': invalid '%s'", where, K_HOLDER);
	memcpy(rec->holder, s, strlen(s) + 1);
	if (number(get, arg, K_EPOCH, 0, MCLE_EPOCH_MAX, where, &n, err) < 0)
		return -1;
	rec->epoch = n;
	if (number(get, arg, K_DURATION, 1, INT32_MAX, where, &n, err) < 0)
		return -1;
	rec->duration = (int32_t)n;
	if (acquired(get, arg, where, &rec->acquired, err) < 0)
		return -1;
	return cluster(get, arg, where, rec->cluster, err);
}
