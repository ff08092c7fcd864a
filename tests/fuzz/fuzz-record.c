/* fuzz-record.c - the lease record codec on arbitrary JSON. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "record.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lease_record rec, again;
	struct mcle_err err = MCLE_ERR_INIT;
	json_tokener *tok = json_tokener_new_ex(16);
	json_object *o, *enc;

	if (tok == NULL)
		return 0;
	o = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 65536 ? 65536 : size));
	if (record_decode(o, "fuzz", &rec, &err) == 0) {
		/* what decodes must encode and decode to the same record */
		enc = record_encode(&rec);
		mcle_err_clear(&err);
		if (enc == NULL || record_decode(enc, "fuzz", &again, &err) != 0 ||
		    memcmp(&rec, &again, sizeof(rec)) != 0)
			abort();
		json_object_put(enc);
	}
	json_object_put(o);
	json_tokener_free(tok);
	return 0;
}
