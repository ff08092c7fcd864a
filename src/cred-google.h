/*
 * cred-google.h - Google OAuth access tokens for GCS, from the first source
 * found:
 *   1. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file, "service_account"
 *      (an RS256 JWT signed with the key, exchanged at the key's token_uri)
 *      or "authorized_user" (a refresh token);
 *   2. the gcloud application-default credentials file,
 *      $CLOUDSDK_CONFIG/application_default_credentials.json or
 *      ~/.config/gcloud/application_default_credentials.json;
 *   3. the metadata server (cred-metadata.c; GKE Workload Identity).
 * Key files are read once (refused if others may write them); tokens are
 * fetched through a blocking HTTP client of their own, cached by cred.c and
 * refreshed before they expire.  Keys and tokens are wiped and never logged.
 */
#ifndef MCLE_CRED_GOOGLE_H
#define MCLE_CRED_GOOGLE_H

#include "cred.h"
#include "http.h"

#define GOOGLE_SCOPE		"https://www.googleapis.com/auth/devstorage.read_write"
#define GOOGLE_TOKEN_URI	"https://oauth2.googleapis.com/token"
#define GOOGLE_TOKEN_MAX	4096	/* bytes of an access token */
#define GOOGLE_URI_MAX		1024	/* bytes of a key file's token_uri */

/* The first credential source found (files are read now; nobody is contacted). */
struct cred *cred_google_find(struct mcle_err *err);

/* The metadata server (GCE_METADATA_HOST or metadata.google.internal). */
struct cred *cred_metadata_new(struct mcle_err *err);

/*
 * A token endpoint's answer into out: 200 with access_token (and
 * expires_in, 1 s .. 1 day), else the endpoint's refusal.  `server` and
 * `source` name who answered and whose credentials were refused.
 */
int google_token_response(const struct http_response *r, const char *server,
			  const char *source, int metadata, struct cred_fresh *out,
			  struct mcle_err *err);

/* What a key file holds, as google_key_parse found it. */
struct google_key_info {
	int service_account;		/* 1: service_account, 0: authorized_user */
	char token_uri[GOOGLE_URI_MAX];
};

/*
 * A key file's JSON, buf[0..len) (named path in messages), checked as
 * cred_google_find reads it, without I/O: 0 with *info, or -1 with err
 * (MCLE_ECONFIG "malformed credentials file 'PATH': ...").
 */
int google_key_parse(const char *buf, size_t len, const char *path,
		     struct google_key_info *info, struct mcle_err *err);

#endif
