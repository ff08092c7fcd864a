/*
 * cred-metadata.c - access tokens from the GCE/GKE metadata server
 * (Workload Identity), retried for up to 30 s: it is slow while a pod
 * starts.  Off Google Cloud the default name does not resolve: that fails
 * at once with a configuration error saying what to set.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cred-google.h"
#include "log.h"
#include "timeutil.h"

#define METADATA_BUDGET_US	(30 * MCLE_USEC)
#define METADATA_TRIES		64
#define METADATA_DEFAULT_HOST	"metadata.google.internal"
#define METADATA_PATH		"/computeMetadata/v1/instance/service-accounts/default/token"
#define URL_MAX			1024

struct metadata {
	char url[URL_MAX];
	char source[URL_MAX + 32];
	int is_default;			/* metadata.google.internal, not set by env */
	struct http_client *http;
};

static int
fetch(struct cred *c, int64_t deadline, struct cred_fresh *out, struct mcle_err *err)
{
	struct metadata *m = cred_priv(c);
	struct http_request req;
	struct http_response resp;
	struct mcle_err e = MCLE_ERR_INIT;
	int rc;

	log_debug("getting an access token from %s", m->source);
	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.url = m->url;
	req.headers[0] = "Metadata-Flavor: Google";
	req.deadline = http_deadline_within(deadline, METADATA_BUDGET_US);
	req.max_tries = 1;
	req.sensitive = 1;
	rc = http_do(m->http, &req, &resp, &e);
	if (rc < 0 && resp.resolve_failed && m->is_default) {
		http_response_free(&resp);
		return mcle_err_set(err, MCLE_ECONFIG, "no google credentials: "
				    "set GOOGLE_APPLICATION_CREDENTIALS, run 'gcloud auth "
				    "application-default login' or run on google cloud");
	}
	if ((rc < 0 && e.code == MCLE_EUNAVAIL) ||
	    (rc == 0 && http_status_retryable(resp.status))) {
		http_response_free(&resp);
		mcle_err_clear(&e);
		req.max_tries = METADATA_TRIES;
		rc = http_do(m->http, &req, &resp, &e);
	}
	if (rc < 0)
		mcle_err_set(err, e.code, "cannot get an access token from %s: %s",
			     m->source, e.msg);
	else
		rc = google_token_response(&resp, m->source, m->source, 1, out, err);
	http_response_free(&resp);
	return rc;
}

static void
metadata_free(struct cred *c)
{
	struct metadata *m = cred_priv(c);

	if (m != NULL)
		http_client_free(m->http);
	free(m);
}

static const struct cred_ops metadata_ops = {
	.name = "metadata server",
	.fetch = fetch,
	.free = metadata_free,
};

struct cred *
cred_metadata_new(struct mcle_err *err)
{
	const char *host = getenv("GCE_METADATA_HOST");
	struct metadata *m;
	struct cred *c;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	m->is_default = host == NULL || *host == '\0';
	if (m->is_default)
		host = METADATA_DEFAULT_HOST;
	if (strcspn(host, "/?#@ \t\r\n") != strlen(host) ||
	    (size_t)snprintf(m->url, sizeof(m->url), "http://%s" METADATA_PATH, host) >=
	    sizeof(m->url)) {
		free(m);
		mcle_err_set(err, MCLE_ECONFIG, "invalid GCE_METADATA_HOST '%.64s'", host);
		return NULL;
	}
	snprintf(m->source, sizeof(m->source), "metadata server '%s'", host);
	if ((m->http = http_client_new(NULL, "metadata", NULL, err)) == NULL ||
	    (c = cred_new(&metadata_ops, m, m->source, err)) == NULL) {
		http_client_free(m->http);
		free(m);
		return NULL;
	}
	return c;
}
