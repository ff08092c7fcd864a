/* cred-kube.c - static token, token file or exec plugin, as a cred source. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred-kube.h"
#include "kube-exec.h"
#include "parse.h"
#include "readfile.h"
#include "secret.h"

#define TOKEN_FILE_LIFETIME (60 * MCLE_USEC)	/* read a token file again after this */

static int
dup_secret(char **dst, const char *src, struct mcle_err *err)
{
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

/* A token file: surrounding white space trimmed, visible ASCII only. */
static int
read_token(const char *path, char **out, struct mcle_err *err)
{
	const struct readfile_opts o = { "token file", MCLE_EAUTH, KUBE_TOKEN_MAX,
					 READFILE_SECRET };
	char *buf;
	size_t len, start = 0;

	if (readfile(path, &o, &buf, &len, err) < 0)
		return -1;
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		buf[--len] = '\0';
	while (start < len && strchr(" \t\r\n", buf[start]) != NULL)
		start++;
	memmove(buf, buf + start, len - start + 1);
	if (len - start == 0 || strlen(buf) != len - start || !valid_bearer_token(buf)) {
		secret_free_n(buf, len);
		return mcle_err_set(err, MCLE_EAUTH, len - start == 0 ?
		    "token file '%s' is empty" : "token file '%s' does not hold a token", path);
	}
	*out = buf;
	return 0;
}

static int
fetch_exec(struct kube_config *kc, int64_t deadline, struct cred_fresh *out,
	   struct mcle_err *err)
{
	const struct kube_exec_cred *c;
	mcle_time now;

	/* cred.c decides when to ask again: the plugin always runs */
	kube_exec_invalidate(kc->exec);
	if (kube_exec_get(kc->exec, deadline, &c, err) < 0)
		return -1;
	if (dup_secret(&out->token, c->token, err) < 0 ||
	    dup_secret(&out->cert_pem, c->cert_pem, err) < 0 ||
	    dup_secret(&out->key_pem, c->key_pem, err) < 0)
		return -1;
	now = time_now_real();
	if (c->expires != 0)
		out->lifetime_us = c->expires > now ? c->expires - now : 1;
	return 0;
}

static int
fetch(struct cred *c, int64_t deadline, struct cred_fresh *out, struct mcle_err *err)
{
	struct kube_config *kc = cred_priv(c);

	if (kc->exec != NULL) {
		if (fetch_exec(kc, deadline, out, err) < 0)
			return -1;
		if (out->token != NULL || kc->token == NULL)
			return 0;
	}
	if (kc->token_file != NULL) {
		out->lifetime_us = TOKEN_FILE_LIFETIME;
		return read_token(kc->token_file, &out->token, err);
	}
	return dup_secret(&out->token, kc->token, err);
}

static const struct cred_ops kube_ops = {
	.name = "kubernetes user",
	.fetch = fetch,
	.free = NULL,
};

struct cred *
cred_kube_new(struct kube_config *kc, int *none, struct mcle_err *err)
{
	char what[512];

	*none = kc->exec == NULL && kc->token == NULL && kc->token_file == NULL;
	if (*none)
		return NULL;
	if (kc->exec != NULL)
		snprintf(what, sizeof(what), "the credential plugin of %s", kc->source);
	else if (kc->token_file != NULL)
		snprintf(what, sizeof(what), "token file '%s'", kc->token_file);
	else
		snprintf(what, sizeof(what), "the token in %s", kc->source);
	return cred_new(&kube_ops, kc, what, err);
}
