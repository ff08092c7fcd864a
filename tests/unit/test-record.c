/* test-record.c - the lease record codec. */
#include "config.h"

#include <string.h>

#include "json.h"
#include "record.h"
#include "tap.h"

static json_object *
encode(const struct lease_record *rec)
{
	json_object *o = json_object_new_object();

	if (record_encode(rec, json_record_put, o) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
decode_text(const char *text, struct lease_record *rec, struct mcle_err *err)
{
	json_object *o = json_tokener_parse(text);
	int rc;

	mcle_err_clear(err);
	rc = record_decode(json_record_get, o, "team-a", rec, err);
	json_object_put(o);
	return rc;
}

/* "mcleFormat", holder, epoch, duration; NULL leaves a key out, a raw value starts with '='. */
static int
decode_fields(const char *fmt, const char *holder, const char *epoch,
	      const char *duration, struct lease_record *rec, struct mcle_err *err)
{
	const char *keys[] = { "mcleFormat", "holderIdentity", "leaseTransitions",
			       "leaseDurationSeconds" };
	const char *vals[] = { fmt, holder, epoch, duration };
	char text[512];
	size_t i, n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "{");
	for (i = 0; i < 4; i++) {
		if (vals[i] == NULL)
			continue;
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      vals[i][0] == '=' ? "%s\"%s\":%s" : "%s\"%s\":\"%s\"",
				      n > 1 ? "," : "", keys[i],
				      vals[i][0] == '=' ? vals[i] + 1 : vals[i]);
	}
	snprintf(text + n, sizeof(text) - n, "}");
	return decode_text(text, rec, err);
}

/* corrupt(...): the record is refused as corrupt, the message naming `key`. */
static int
corrupt(const char *fmt, const char *holder, const char *epoch, const char *duration,
	const char *key, struct lease_record *rec, struct mcle_err *err)
{
	return decode_fields(fmt, holder, epoch, duration, rec, err) < 0 &&
	       err->code == MCLE_ECORRUPT && strstr(err->msg, key) != NULL;
}

/* Every field is required and typed: a damaged or foreign record is never a free lease. */
static void
test_strict(struct lease_record *out, struct mcle_err *err)
{
	ok(decode_fields("1", "a", "3", "60", out, err) == 0, "a complete record decodes");
	ok(corrupt("1", NULL, "3", "60", "holderIdentity", out, err),
	   "missing holderIdentity: corrupt, not free");
	ok(corrupt("1", "=null", "3", "60", "holderIdentity", out, err),
	   "holderIdentity null: corrupt");
	ok(corrupt("1", "=7", "3", "60", "holderIdentity", out, err),
	   "holderIdentity a number: corrupt");
	ok(corrupt("1", "={}", "3", "60", "holderIdentity", out, err),
	   "holderIdentity an object: corrupt");
	ok(corrupt("1", "a", NULL, "60", "leaseTransitions", out, err),
	   "missing leaseTransitions: corrupt");
	ok(corrupt("1", "a", "=3", "60", "leaseTransitions", out, err),
	   "leaseTransitions a number, not a string: corrupt");
	ok(corrupt("1", "a", "3x", "60", "leaseTransitions", out, err),
	   "leaseTransitions not an integer: corrupt");
	ok(corrupt("1", "a", "", "60", "leaseTransitions", out, err),
	   "leaseTransitions empty: corrupt");
	ok(corrupt("1", "a", "3", NULL, "leaseDurationSeconds", out, err),
	   "missing leaseDurationSeconds: corrupt");
	ok(corrupt("1", "a", "3", "=60", "leaseDurationSeconds", out, err),
	   "leaseDurationSeconds a number: corrupt");
	ok(corrupt("1", "a", "3", "2147483648", "leaseDurationSeconds", out, err),
	   "leaseDurationSeconds past int32: corrupt");
	ok(corrupt(NULL, "a", "3", "60", "mcleFormat", out, err), "missing mcleFormat: corrupt");
	ok(corrupt("=1", "a", "3", "60", "mcleFormat", out, err), "mcleFormat a number: corrupt");
	ok(corrupt("2", "a", "3", "60", "unknown format", out, err), "unknown format: corrupt");
	ok(corrupt(NULL, NULL, NULL, NULL, "mcleFormat", out, err), "an empty map: corrupt");
}

/* The epoch is exact up to 2^53-1 (JSON numbers as doubles); past that, corrupt. */
static void
test_epoch_range(struct lease_record *out, struct mcle_err *err)
{
	struct lease_record in;
	json_object *o;

	ok(decode_fields("1", "a", "2147483647", "60", out, err) == 0 && out->epoch == 2147483647,
	   "epoch 2^31-1 decodes");
	ok(decode_fields("1", "a", "2147483648", "60", out, err) == 0 && out->epoch == 2147483648LL,
	   "epoch 2^31 decodes (a takeover at 2^31-1 writes it)");
	ok(decode_fields("1", "a", "9007199254740991", "60", out, err) == 0 &&
	   out->epoch == 9007199254740991LL, "epoch 2^53-1 decodes");
	ok(corrupt("1", "a", "9007199254740992", "60", "9007199254740991", out, err),
	   "epoch 2^53: corrupt, the message gives the range");
	ok(corrupt("1", "a", "9223372036854775808", "60", "leaseTransitions", out, err),
	   "epoch past int64: corrupt");
	memset(&in, 0, sizeof(in));
	in.epoch = 9007199254740991LL;
	in.duration = 1;
	o = encode(&in);
	is_str(json_object_get_string(json_object_object_get(o, "leaseTransitions")),
	       "9007199254740991", "epoch 2^53-1 encodes exactly");
	json_object_put(o);
	is_int(record_transitions(&in), 2147483647, "leaseTransitions saturates at int32");
	in.epoch = 2147483647;
	is_int(record_transitions(&in), 2147483647, "... and is exact up to it");
	in.epoch = 5;
	is_int(record_transitions(&in), 5, "... small epochs unchanged");
}

/* The optional cluster fingerprint: written when set, absent is "", malformed is corrupt. */
static void
test_cluster(struct lease_record *out, struct mcle_err *err)
{
	const char *base = "{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\","
			   "\"leaseTransitions\":\"3\",\"leaseDurationSeconds\":\"60\"";
	char text[512];
	struct lease_record in;
	json_object *o;

	memset(&in, 0, sizeof(in));
	snprintf(in.holder, sizeof(in.holder), "a");
	in.epoch = 3;
	in.duration = 60;
	o = encode(&in);
	ok(o != NULL && !json_object_object_get_ex(o, "mcleCluster", NULL),
	   "no fingerprint: no mcleCluster key (nothing changes without a cluster)");
	json_object_put(o);
	snprintf(in.cluster, sizeof(in.cluster), "0f3c1d2e-1111-4a4b-9c9d-0123456789ab");
	o = encode(&in);
	is_str(json_object_get_string(json_object_object_get(o, "mcleCluster")),
	       "0f3c1d2e-1111-4a4b-9c9d-0123456789ab", "the fingerprint is written as mcleCluster");
	json_object_put(o);

	snprintf(text, sizeof(text), "%s}", base);
	ok(decode_text(text, out, err) == 0 && out->cluster[0] == '\0',
	   "a record without mcleCluster is accepted (fingerprint \"\")");
	snprintf(text, sizeof(text), "%s,\"mcleCluster\":\"0f3c1d2e-1111\"}", base);
	ok(decode_text(text, out, err) == 0 && strcmp(out->cluster, "0f3c1d2e-1111") == 0,
	   "mcleCluster decodes");
	snprintf(text, sizeof(text), "%s,\"mcleCluster\":\"\"}", base);
	ok(decode_text(text, out, err) < 0 && strstr(err->msg, "mcleCluster") != NULL,
	   "mcleCluster empty: corrupt");
	snprintf(text, sizeof(text), "%s,\"mcleCluster\":\"a b\"}", base);
	ok(decode_text(text, out, err) < 0 && err->code == MCLE_ECORRUPT,
	   "mcleCluster with a space: corrupt");
	snprintf(text, sizeof(text), "%s,\"mcleCluster\":\"%065d\"}", base, 0);
	ok(decode_text(text, out, err) < 0 && err->code == MCLE_ECORRUPT,
	   "mcleCluster over 64 bytes: corrupt");
	snprintf(text, sizeof(text), "%s,\"mcleCluster\":\"%064d\"}", base, 0);
	ok(decode_text(text, out, err) == 0 && strlen(out->cluster) == 64,
	   "mcleCluster of 64 bytes decodes");
}

int
main(void)
{
	struct lease_record in, out;
	struct mcle_err err = MCLE_ERR_INIT;
	json_object *o;
	char big[400];

	memset(&in, 0, sizeof(in));
	snprintf(in.holder, sizeof(in.holder), "cluster-eu-1");
	in.epoch = 7;
	in.duration = 45;
	o = encode(&in);
	ok(o != NULL, "encode");
	is_str(json_object_get_string(json_object_object_get(o, "leaseTransitions")), "7",
	       "values are strings (GCS metadata)");
	ok(record_decode(json_record_get, o, "team-a", &out, &err) == 0, "round trip decodes");
	is_str(out.holder, "cluster-eu-1", "holder survives");
	is_int(out.epoch, 7, "epoch survives");
	is_int(out.duration, 45, "duration survives");
	json_object_put(o);

	/* a long identity is not truncated (the old controller cut at 200 bytes) */
	memset(in.holder, 'x', 253);
	in.holder[253] = '\0';
	o = encode(&in);
	ok(record_decode(json_record_get, o, "team-a", &out, &err) == 0 && strlen(out.holder) == 253,
	   "253-character identity round trips");
	json_object_put(o);

	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"\",\"leaseTransitions\":\"3\","
		       "\"leaseDurationSeconds\":\"60\",\"extra\":\"ignored\"}", &out, &err) == 0,
	   "released record with an unknown key decodes");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"3\"}",
		       &out, &err) < 0 && err.code == MCLE_ECORRUPT, "missing duration");
	ok(strstr(err.msg, "leaseDurationSeconds") != NULL && strstr(err.msg, "team-a") != NULL,
	   "message names the field and the lock");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":3,"
		       "\"leaseDurationSeconds\":\"60\"}", &out, &err) < 0, "number instead of string");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"-1\","
		       "\"leaseDurationSeconds\":\"60\"}", &out, &err) < 0, "negative epoch");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"0\"}", &out, &err) < 0, "zero duration");
	ok(decode_text("{\"mcleFormat\":\"2\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"5\"}", &out, &err) < 0, "unknown format");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a b\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"5\"}", &out, &err) < 0, "invalid identity");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "mcleFormat", json_object_new_string("1"));
	json_object_object_add(o, "holderIdentity", json_object_new_string(big));
	json_object_object_add(o, "leaseTransitions", json_object_new_string("1"));
	json_object_object_add(o, "leaseDurationSeconds", json_object_new_string("5"));
	mcle_err_clear(&err);
	ok(record_decode(json_record_get, o, "team-a", &out, &err) < 0, "oversized identity rejected");
	json_object_put(o);
	ok(decode_text("[1,2]", &out, &err) < 0, "not an object");
	test_strict(&out, &err);
	test_epoch_range(&out, &err);
	test_cluster(&out, &err);
	mcle_err_clear(&err);
	ok(record_decode(json_record_get, NULL, "team-a", &out, &err) < 0, "no metadata");

	/* the acquire time: optional (older records), exact when present */
	memset(&in, 0, sizeof(in));
	snprintf(in.holder, sizeof(in.holder), "a");
	in.epoch = 1;
	in.duration = 5;
	in.acquired = (mcle_time)1767225600 * MCLE_USEC + 123456;
	o = encode(&in);
	mcle_err_clear(&err);
	ok(record_decode(json_record_get, o, "team-a", &out, &err) == 0 &&
	   out.acquired == in.acquired, "acquireTime round trips to the microsecond");
	json_object_put(o);
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"5\"}", &out, &err) == 0 && out.acquired == 0,
	   "a record without acquireTime (an older mcle's) decodes, acquired unknown");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"5\",\"acquireTime\":\"yesterday\"}", &out, &err) < 0 &&
	   strstr(err.msg, "acquireTime") != NULL, "a malformed acquireTime is corrupt");
	ok(decode_text("{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\\u0000b\",\"leaseTransitions\":\"1\","
		       "\"leaseDurationSeconds\":\"5\"}", &out, &err) < 0 && strstr(err.msg, "NUL") != NULL,
	   "a holder with a NUL byte is corrupt, never cut short");
	return done_testing();
}
