/* record.c - the lease record codec (a flat map of string values). */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "record.h"

#define K_HOLDER "holderIdentity"
#define K_EPOCH "leaseTransitions"
#define K_DURATION "leaseDurationSeconds"
#define K_FORMAT "mcleFormat"

static int
add_string(json_object *o, const char *key, const char *val)
{
	json_object *v = json_object_new_string(val);

	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

json_object *
record_encode(const struct lease_record *rec)
{
	json_object *o;
	char num[32];

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (add_string(o, K_FORMAT, MCLE_RECORD_FORMAT) < 0 ||
	    add_string(o, K_HOLDER, rec->holder) < 0)
		goto fail;
	snprintf(num, sizeof(num), "%" PRId64, rec->epoch);
	if (add_string(o, K_EPOCH, num) < 0)
		goto fail;
	snprintf(num, sizeof(num), "%" PRId32, rec->duration);
	if (add_string(o, K_DURATION, num) < 0)
		goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

int32_t
record_transitions(const struct lease_record *rec)
{
	if (rec->epoch > MCLE_TRANSITIONS_MAX)
		return MCLE_TRANSITIONS_MAX;
	return rec->epoch < 0 ? 0 : (int32_t)rec->epoch;
}

/* A borrowed string value of the map, or NULL (with err set). */
static const char *
get_field(json_object *meta, const char *key, const char *where,
	  struct mcle_err *err)
{
	json_object *v;

	if (!json_object_object_get_ex(meta, key, &v) || v == NULL) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': missing '%s'",
			     where, key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': '%s' is not a string",
			     where, key);
		return NULL;
	}
	return json_object_get_string(v);
}

static int
get_number(json_object *meta, const char *key, int64_t min, int64_t max,
	   const char *where, int64_t *out, struct mcle_err *err)
{
	const char *s = get_field(meta, key, where, err);

	if (s == NULL)
		return -1;
	if (parse_int(s, min, max, out) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': '%s' is not an integer in [%" PRId64 ", %" PRId64 "]",
				    where, key, min, max);
	return 0;
}

int
record_decode(json_object *meta, const char *where, struct lease_record *rec,
	      struct mcle_err *err)
{
	const char *s;
	int64_t n;

	memset(rec, 0, sizeof(*rec));
	if (meta == NULL || !json_object_is_type(meta, json_type_object))
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': no lease metadata", where);
	if ((s = get_field(meta, K_FORMAT, where, err)) == NULL)
		return -1;
	if (strcmp(s, MCLE_RECORD_FORMAT) != 0)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': unknown format '%.16s'", where, s);
	if ((s = get_field(meta, K_HOLDER, where, err)) == NULL)
		return -1;
	if (*s != '\0' && !valid_identity(s))
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': invalid '%s'", where, K_HOLDER);
	memcpy(rec->holder, s, strlen(s) + 1);
	if (get_number(meta, K_EPOCH, 0, MCLE_EPOCH_MAX, where, &n, err) < 0)
		return -1;
	rec->epoch = n;
	if (get_number(meta, K_DURATION, 1, INT32_MAX, where, &n, err) < 0)
		return -1;
	rec->duration = (int32_t)n;
	return 0;
}
