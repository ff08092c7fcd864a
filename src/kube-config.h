/*
 * kube-config.h - where the Kubernetes API server is and how to
 * authenticate to it: a kubeconfig (parsed with libyaml) or the in-cluster
 * service account.  No HTTP here: kube.c builds its http_client from the
 * TLS settings, and cred-kube.c turns the user's token, token file or exec
 * plugin into credentials.
 *
 * Which configuration, as kubectl chooses it:
 *   1. opts->kubeconfig (--kubeconfig FILE): that file only; it must exist.
 *   2. else KUBECONFIG, a ':'-separated list (empty entries ignored,
 *      duplicates dropped, missing files skipped, but at least one must
 *      exist).  Merged by kubectl's rules: for clusters, users and contexts
 *      the first file that defines a name wins (as a whole entry); the first
 *      file that sets current-context wins.
 *   3. else $HOME/.kube/config if it exists.
 *   4. else in-cluster, if KUBERNETES_SERVICE_HOST is set: the service
 *      account in /var/run/secrets/kubernetes.io/serviceaccount (test hook:
 *      the environment variable MCLE_SERVICEACCOUNT_DIR replaces that
 *      directory).
 *   5. else no cluster is configured (kube_config_load returns 1).
 * The context is opts->context (--context NAME), else current-context.
 * Relative paths (certificate-authority, client-certificate, client-key,
 * tokenFile, and an exec command containing a '/') are resolved against
 * the directory of the kubeconfig file that defined the entry.
 *
 * Refused with a clear message: files over 1 MiB, nesting over 64 levels,
 * YAML errors (reported as FILE:LINE:COLUMN), wrong field types,
 * proxy-url, username/password, auth-provider, impersonation, an exec
 * plugin with interactiveMode Always, conflicting settings (a CA file and
 * CA data, a CA with insecure-skip-tls-verify, a certificate without key).
 *
 * Secrets (tokens, keys) are wiped with OPENSSL_cleanse when freed.
 */
#ifndef MCLE_KUBE_CONFIG_H
#define MCLE_KUBE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "http.h"
#include "kube-exec.h"

#define KUBE_CONFIG_FILE_MAX	(1024 * 1024)	/* bytes of one kubeconfig */
#define KUBE_CONFIG_DEPTH_MAX	64		/* YAML nesting */
#define KUBE_CONFIG_NODES_MAX	100000		/* YAML nodes, aliases expanded */
#define KUBE_CONFIG_FILES_MAX	64		/* entries in KUBECONFIG */
#define KUBE_TOKEN_MAX		(64 * 1024)	/* a token file */
#define KUBE_SA_DIR		"/var/run/secrets/kubernetes.io/serviceaccount"

struct kube_config_opts {
	const char *kubeconfig;		/* --kubeconfig FILE, or NULL */
	const char *context;		/* --context NAME, or NULL */
};

/* Everything a client needs.  Strings are NUL-terminated and owned. */
struct kube_config {
	char *server;		/* the cluster's server URL, no trailing '/' */
	char *url;		/* base for request URLs: server, with the host
				   replaced by tls_server_name when that is set */
	char *connect_to;	/* for http_tls.connect_to with tls_server_name, else NULL */
	char *tls_server_name;	/* or NULL */
	int insecure;		/* insecure-skip-tls-verify: true */

	char *ca_file;		/* certificate-authority path, or NULL */
	char *ca_pem;		/* certificate-authority-data, decoded, or NULL */
	size_t ca_len;
	char *cert_file;	/* client-certificate path, or NULL */
	char *cert_pem;		/* client-certificate-data, decoded, or NULL */
	size_t cert_len;
	char *key_file;		/* client-key path, or NULL */
	char *key_pem;		/* client-key-data, decoded, or NULL (secret) */
	size_t key_len;

	char *token;		/* static token (secret), or NULL */
	char *token_file;	/* tokenFile or the service account token: re-read
				   by cred-kube.c; or NULL */
	struct kube_exec *exec;	/* exec credential plugin, or NULL */

	char *namespace;	/* the context's namespace, or NULL */
	int in_cluster;		/* 1: from the service account */
	char *source;		/* for messages: the kubeconfig file that defined
				   the context, or "in-cluster" */
	char *context;		/* the context name; NULL in-cluster */
	char *cluster_name;	/* NULL in-cluster */
	char *user_name;	/* NULL in-cluster or without a user */

};

/*
 * Find and load the configuration.  Returns 0 with *out set (free it with
 * kube_config_free), 1 when no cluster is configured at all (*out NULL:
 * nothing given, no ~/.kube/config, not in a cluster), or -1 with err set
 * (MCLE_ECONFIG for bad or missing files and settings, MCLE_EUSAGE for an
 * empty opts->kubeconfig, MCLE_ENOMEM).  Reads the environment: KUBECONFIG,
 * HOME, KUBERNETES_SERVICE_HOST/PORT, MCLE_SERVICEACCOUNT_DIR.
 */
int kube_config_load(const struct kube_config_opts *opts,
		     struct kube_config **out, struct mcle_err *err);

/*
 * The same from one kubeconfig's text, buf[0..len) (not NUL-terminated),
 * read as if it were the file `path` (relative paths resolve against its
 * directory; the files a kubeconfig names are checked as usual), for
 * context (NULL: its current-context).  0 with *out, or -1 with err.
 */
int kube_config_parse(const char *path, const char *buf, size_t len, const char *context,
		      struct kube_config **out, struct mcle_err *err);

/* Free kc, wiping secrets.  NULL is fine. */
void kube_config_free(struct kube_config *kc);

#endif
