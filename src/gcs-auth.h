/*
 * gcs-auth.h - where the GCS API is and how to authenticate to it.
 *
 * Sources, first match wins:
 *   1. STORAGE_EMULATOR_HOST ("host:port" or "http(s)://host:port"): the API
 *      base becomes that URL and no credentials are sent;
 *   2. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file, "service_account"
 *      (an RS256 JWT signed with the key, exchanged at the key's token_uri)
 *      or "authorized_user" (a refresh token);
 *   3. the gcloud application-default credentials file,
 *      $CLOUDSDK_CONFIG/application_default_credentials.json or
 *      ~/.config/gcloud/application_default_credentials.json;
 *   4. the metadata server (GCE_METADATA_HOST or metadata.google.internal),
 *      retried for up to 30 s, as it is slow when a pod starts.
 * MCLE_GCS_ENDPOINT (a URL) replaces https://storage.googleapis.com as the
 * API base without changing how credentials are found.
 *
 * The access token is fetched on first use and cached, and fetched again
 * when it nears its end.  Keys and tokens are wiped when freed and never
 * logged.
 */
#ifndef MCLE_GCS_AUTH_H
#define MCLE_GCS_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "err.h"
#include "http.h"

#define GCS_SCOPE "https://www.googleapis.com/auth/devstorage.read_write"
#define GCS_DEFAULT_BASE "https://storage.googleapis.com"
#define GCS_DEFAULT_TOKEN_URI "https://oauth2.googleapis.com/token"
#define GCS_TOKEN_MAX 4096		/* longest access token taken */

struct gcs_auth;

/*
 * Find the credentials (reading key files, not yet talking to anyone).
 * Missing, unreadable or malformed files -> MCLE_ECONFIG naming the file.
 */
struct gcs_auth *gcs_auth_new(struct mcle_err *err);
void gcs_auth_free(struct gcs_auth *a);

/* The API base URL, without a trailing slash ("https://storage.googleapis.com"). */
const char *gcs_auth_base(const struct gcs_auth *a);

/* A short description of the credential source, for -v ("metadata server"). */
const char *gcs_auth_source(const struct gcs_auth *a);

/*
 * A copy of the access token to send in buf (size > GCS_TOKEN_MAX), ""
 * for the emulator; the caller wipes it after the request.  Fetched
 * through http if none is cached or the cached one is near its end (within
 * a quarter of its lifetime, at most a minute).  Threads may share a: one
 * fetches while the others wait, then reuse its token.  Token endpoint
 * rejects -> MCLE_EAUTH; unreachable -> MCLE_EUNAVAIL; malformed answer ->
 * MCLE_EAUTH.
 */
int gcs_auth_token(struct gcs_auth *a, struct http_client *http,
		   int64_t deadline, char *buf, size_t size, struct mcle_err *err);

/*
 * Google's answers, read strictly (for the token endpoint, the metadata
 * server and the storage API alike).
 *
 * gcs_json_parse: body (len bytes) as exactly one JSON value, nothing but
 * whitespace after it, at most depth levels deep; NULL with a short reason
 * in *why ("truncated JSON", "data after the JSON value", ...).
 */
json_object *gcs_json_parse(const char *body, size_t len, int depth,
			    const char **why);

/*
 * A string member of o, borrowed; NULL if absent, not a string or holding a
 * NUL byte (json-c keeps those; C would cut the string short).
 */
const char *gcs_json_str(json_object *o, const char *key);

#endif
