/*
 * fuzz-exec-credential.c - what an exec credential plugin prints
 * (kube_exec_parse) on arbitrary bytes.
 *
 * The first byte picks the apiVersion asked for; the rest is the output.
 * Invariants: output holding a NUL byte (never part of JSON text) is
 * refused; a credential read has a token a header can carry or a client
 * certificate with its key, and a valid expiry; a failure has a clean
 * message naming the plugin.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "kube-exec.h"
#include "parse.h"

#define CMD "fuzz-plugin"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_exec_cred c = { 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	const char *ver;
	char *out;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	ver = data[0] & 1 ? KUBE_EXEC_V1 : KUBE_EXEC_V1BETA1;
	out = fuzz_copy(data + 1, size - 1);
	rc = kube_exec_parse(CMD, ver, out, size - 1, &c, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.code == MCLE_OK);
		FUZZ_CHECK(memchr(out, '\0', size - 1) == NULL);
		FUZZ_CHECK(c.token != NULL || c.cert_pem != NULL);
		FUZZ_CHECK((c.cert_pem == NULL) == (c.key_pem == NULL));
		FUZZ_CHECK(c.token == NULL || (c.token[0] != '\0' && valid_bearer_token(c.token)));
		FUZZ_CHECK(c.cert_pem == NULL || (c.cert_pem[0] != '\0' && c.key_pem[0] != '\0'));
		FUZZ_CHECK(c.expires >= MCLE_TIME_MIN && c.expires <= MCLE_TIME_MAX);
	} else {
		FUZZ_CHECK(rc == -1 && fuzz_msg_ok(&err));
		FUZZ_CHECK(err.code == MCLE_ENOMEM ||
			   (err.code == MCLE_EAUTH && strstr(err.msg, "'" CMD "'") != NULL));
		FUZZ_CHECK(c.token == NULL && c.cert_pem == NULL && c.key_pem == NULL);
	}
	kube_exec_cred_wipe(&c);
	free(out);
	return 0;
}
