/* fuzz-record.c - the lease record codec on arbitrary JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "json.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lease_record rec, again;
	struct mcle_err err = MCLE_ERR_INIT;
	json_object *o, *enc;
	const char *why;

	o = json_parse((const char *)data, size > 65536 ? 65536 : size, &why);
	if (record_decode(json_record_get, o, "fuzz", &rec, &err) == 0) {
		/* what decodes must encode and decode to the same record */
		enc = json_object_new_object();
		mcle_err_clear(&err);
		if (enc == NULL || record_encode(&rec, json_record_put, enc) < 0 ||
		    record_decode(json_record_get, enc, "fuzz", &again, &err) != 0 ||
		    memcmp(&rec, &again, sizeof(rec)) != 0)
			abort();
		json_object_put(enc);
	}
	json_object_put(o);
	return 0;
}
