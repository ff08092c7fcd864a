/*
 * fuzz-credentials-file.c - a Google credentials file's JSON
 * (google_key_parse: service account keys and authorized users) on
 * arbitrary bytes.
 *
 * Invariants: a key file accepted has an http(s) token_uri; a refusal is
 * MCLE_ECONFIG (or out of memory) and names the file.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cred-google.h"
#include "fuzz.h"
#include "fuzz-util.h"

#define PATH "/fuzz/key.json"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct google_key_info info;
	struct mcle_err err = MCLE_ERR_INIT;
	char *buf;
	int rc;

	if (size > 65536)
		return 0;
	buf = fuzz_copy(data, size);
	memset(&info, 0, sizeof(info));
	rc = google_key_parse(buf, size, PATH, &info, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.code == MCLE_OK);
		FUZZ_CHECK(strncmp(info.token_uri, "https://", 8) == 0 ||
			   strncmp(info.token_uri, "http://", 7) == 0);
		FUZZ_CHECK(memchr(buf, '\0', size) == NULL);
	} else {
		FUZZ_CHECK(rc == -1 && err.code != MCLE_OK && err.msg[0] != '\0');
		FUZZ_CHECK(err.code == MCLE_ENOMEM ||
			   (err.code == MCLE_ECONFIG && strstr(err.msg, "'" PATH "'") != NULL));
	}
	free(buf);
	return 0;
}
