/* test-record.c - the lease record codec. */
#include "config.h"

#include <string.h>

#include "record.h"
#include "tap.h"

static int
decode_text(const char *text, struct lease_record *rec, struct mcle_err *err)
{
	json_object *o = json_tokener_parse(text);
	int rc;

	mcle_err_clear(err);
	rc = record_decode(o, "team-a", rec, err);
	json_object_put(o);
	return rc;
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
	o = record_encode(&in);
	ok(o != NULL, "encode");
	is_str(json_object_get_string(json_object_object_get(o, "leaseTransitions")), "7",
	       "values are strings (GCS metadata)");
	ok(record_decode(o, "team-a", &out, &err) == 0, "round trip decodes");
	is_str(out.holder, "cluster-eu-1", "holder survives");
	is_int(out.epoch, 7, "epoch survives");
	is_int(out.duration, 45, "duration survives");
	json_object_put(o);

	/* a long identity is not truncated (the old controller cut at 200 bytes) */
	memset(in.holder, 'x', 253);
	in.holder[253] = '\0';
	o = record_encode(&in);
	ok(record_decode(o, "team-a", &out, &err) == 0 && strlen(out.holder) == 253,
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
	ok(record_decode(o, "team-a", &out, &err) < 0, "oversized identity rejected");
	json_object_put(o);
	ok(decode_text("[1,2]", &out, &err) < 0, "not an object");
	mcle_err_clear(&err);
	ok(record_decode(NULL, "team-a", &out, &err) < 0, "no metadata");
	return done_testing();
}
