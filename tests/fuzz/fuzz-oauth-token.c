/*
 * fuzz-oauth-token.c - a token endpoint's answer (google_token_response),
 * from a key file's token_uri or the metadata server, on arbitrary bytes.
 *
 * The first byte picks the HTTP status and the source; the rest is the
 * body.  Invariants: only a 200 gives a token, and then a non-empty one a
 * header can carry, within GOOGLE_TOKEN_MAX bytes, with a lifetime of 1 s
 * to a day; a refusal has a clean message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cred-google.h"
#include "fuzz.h"
#include "fuzz-util.h"
#include "parse.h"
#include "secret.h"
#include "timeutil.h"

static const long statuses[] = { 200, 200, 200, 200, 400, 401, 403, 404, 429, 500, 503, 302 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cred_fresh out = { 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	struct http_response r;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	memset(&r, 0, sizeof(r));
	r.status = statuses[(data[0] >> 1) % (sizeof(statuses) / sizeof(statuses[0]))];
	r.body = fuzz_copy(data + 1, size - 1);
	r.len = size - 1;
	r.attempts = 1;
	rc = google_token_response(&r, "token endpoint 'oauth2.example'",
				   "credentials file '/k.json'", data[0] & 1, &out, &err);
	if (rc == 0) {
		FUZZ_CHECK(r.status == 200 && err.code == MCLE_OK && out.token != NULL);
		FUZZ_CHECK(out.token[0] != '\0' && strlen(out.token) <= GOOGLE_TOKEN_MAX &&
			   valid_bearer_token(out.token));
		FUZZ_CHECK(out.lifetime_us >= MCLE_USEC && out.lifetime_us <= 86400 * MCLE_USEC);
		FUZZ_CHECK(out.cert_pem == NULL && out.key_pem == NULL);
	} else {
		FUZZ_CHECK(rc == -1 && out.token == NULL && fuzz_msg_ok(&err));
		FUZZ_CHECK(r.status == 200 || strstr(err.msg, "(") != NULL ||
			   strstr(err.msg, "answered") != NULL);
	}
	secret_free(out.token);
	free(r.body);
	return 0;
}
