/*
 * fuzz-kubeconfig.c - a kubeconfig's YAML (kube_config_parse) on
 * arbitrary bytes.
 *
 * The first byte picks the context: current-context, or "fuzz".
 * Invariants: a configuration read has an http(s) server URL without a
 * trailing '/', a request URL, at most one CA source, a client
 * certificate iff a client key, one authentication method, a token a
 * header can carry; it reads the same twice; a refusal is MCLE_ECONFIG
 * (or out of memory) with a one-line message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "kube-config.h"
#include "parse.h"

#define PATH "/nonexistent-fuzz/config"

static int
same_str(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

static void
check(const struct kube_config *kc)
{
	size_t n = strlen(kc->server);

	FUZZ_CHECK(strncmp(kc->server, "https://", 8) == 0 ||
		   strncmp(kc->server, "http://", 7) == 0);
	FUZZ_CHECK(n > 0 && kc->server[n - 1] != '/' && kc->url != NULL);
	FUZZ_CHECK(!(kc->ca_file != NULL && kc->ca_pem != NULL));
	FUZZ_CHECK((kc->cert_file != NULL || kc->cert_pem != NULL) ==
		   (kc->key_file != NULL || kc->key_pem != NULL));
	FUZZ_CHECK(!(kc->cert_file != NULL && kc->cert_pem != NULL));
	FUZZ_CHECK(!(kc->key_file != NULL && kc->key_pem != NULL));
	FUZZ_CHECK(kc->exec == NULL || (kc->token == NULL && kc->token_file == NULL));
	FUZZ_CHECK(kc->token == NULL || valid_bearer_token(kc->token));
	FUZZ_CHECK(!kc->in_cluster && kc->context != NULL && strcmp(kc->source, PATH) == 0);
}

static void
same(const struct kube_config *a, const struct kube_config *b)
{
	FUZZ_CHECK(same_str(a->server, b->server) && same_str(a->url, b->url) &&
		   same_str(a->connect_to, b->connect_to) &&
		   same_str(a->tls_server_name, b->tls_server_name) && a->insecure == b->insecure);
	FUZZ_CHECK(same_str(a->ca_file, b->ca_file) && a->ca_len == b->ca_len &&
		   same_str(a->token, b->token) && same_str(a->token_file, b->token_file) &&
		   same_str(a->namespace, b->namespace) && same_str(a->context, b->context) &&
		   same_str(a->user_name, b->user_name) && (a->exec == NULL) == (b->exec == NULL));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT, err2 = MCLE_ERR_INIT;
	struct kube_config *kc = NULL, *kc2 = NULL;
	const char *ctx;
	char *buf;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	ctx = data[0] & 1 ? "fuzz" : NULL;
	buf = fuzz_copy(data + 1, size - 1);
	rc = kube_config_parse(PATH, buf, size - 1, ctx, &kc, &err);
	if (rc == 0) {
		FUZZ_CHECK(kc != NULL && err.code == MCLE_OK);
		check(kc);
	} else {
		FUZZ_CHECK(rc == -1 && kc == NULL && err.code != MCLE_OK && err.msg[0] != '\0');
		FUZZ_CHECK(err.code == MCLE_ECONFIG || err.code == MCLE_ENOMEM);
		FUZZ_CHECK(strchr(err.msg, '\n') == NULL);
	}
	/* the same text reads the same again */
	FUZZ_CHECK(kube_config_parse(PATH, buf, size - 1, ctx, &kc2, &err2) == rc);
	FUZZ_CHECK(strcmp(err.msg, err2.msg) == 0);
	if (rc == 0)
		same(kc, kc2);
	kube_config_free(kc);
	kube_config_free(kc2);
	free(buf);
	return 0;
}
