/*
 * kube-exec.h - exec credential plugins (client.authentication.k8s.io).
 *
 * A kubeconfig user may name a command that prints an ExecCredential
 * (gke-gcloud-auth-plugin does).  kube_exec runs it without a shell:
 * stdin is /dev/null, stdout and stderr are captured up to hard caps, the
 * environment is ours plus the plugin's env plus KUBERNETES_EXEC_INFO, and
 * the caller's monotonic deadline bounds the run (the plugin's process group
 * is killed when it passes; the child is always reaped).  The credential is
 * cached until its expirationTimestamp, less a margin; the caller calls
 * kube_exec_invalidate after a 401 so the next kube_exec_get runs it again.
 *
 * Not thread-safe: one thread asks for credentials (once per pass).
 */
#ifndef MCLE_KUBE_EXEC_H
#define MCLE_KUBE_EXEC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "timeutil.h"

#define KUBE_EXEC_V1		"client.authentication.k8s.io/v1"
#define KUBE_EXEC_V1BETA1	"client.authentication.k8s.io/v1beta1"

#define KUBE_EXEC_STDOUT_MAX	(1024 * 1024)	/* the ExecCredential */
#define KUBE_EXEC_STDERR_MAX	(64 * 1024)	/* kept for the error message */
#define KUBE_EXEC_ARGS_MAX	256
#define KUBE_EXEC_ENV_MAX	256
#define KUBE_EXEC_MARGIN	(10 * MCLE_USEC)	/* renew this long before expiry */
#define KUBE_EXEC_TIMEOUT	(60 * MCLE_USEC)	/* when the caller has no deadline */

/*
 * What the kubeconfig says.  kube_exec_new copies every field; the caller
 * keeps ownership of what it passes.
 */
struct kube_exec_spec {
	const char *api_version;	/* KUBE_EXEC_V1 or KUBE_EXEC_V1BETA1 */
	const char *command;		/* a path (has a '/') or a name to find in PATH */
	const char *const *args;	/* argv[1..], NULL-terminated; may be NULL */
	const char *const *env;		/* "NAME=value", NULL-terminated; may be NULL */
	const char *install_hint;	/* shown when the command is missing; may be NULL */
	int provide_cluster_info;	/* put spec.cluster into KUBERNETES_EXEC_INFO */
	/* the cluster, for provide_cluster_info */
	const char *server;
	const char *tls_server_name;	/* may be NULL */
	const char *ca_data;		/* CA bundle bytes (PEM); may be NULL */
	size_t ca_len;
	int insecure;
};

/* A credential the plugin printed.  Owned by the struct kube_exec. */
struct kube_exec_cred {
	char *token;		/* status.token, or NULL */
	char *cert_pem;		/* status.clientCertificateData, or NULL */
	char *key_pem;		/* status.clientKeyData (set iff cert_pem is) */
	mcle_time expires;	/* status.expirationTimestamp; 0 = none given */
	unsigned cert_gen;	/* changes whenever cert_pem/key_pem change */
};

struct kube_exec;

/* Copy spec.  Returns NULL with err set (MCLE_ENOMEM) on failure. */
struct kube_exec *kube_exec_new(const struct kube_exec_spec *spec,
				struct mcle_err *err);

/* Free ex and wipe the cached credential.  NULL is fine. */
void kube_exec_free(struct kube_exec *ex);

/*
 * The current credential: the cached one while it is valid, else run the
 * plugin (deadline: monotonic usec, 0 = KUBE_EXEC_TIMEOUT from now).
 * *out is borrowed; it stays valid until the next kube_exec_get,
 * kube_exec_invalidate or kube_exec_free.  Errors:
 *   MCLE_ECONFIG "cannot run credential plugin 'CMD': ..." (missing,
 *     not executable);
 *   MCLE_EAUTH "credential plugin 'CMD' failed (exit status N): FIRST
 *     STDERR LINE", and for output that is not a valid ExecCredential;
 *   MCLE_EUNAVAIL when the deadline passes (the plugin is killed).
 */
int kube_exec_get(struct kube_exec *ex, int64_t deadline,
		  const struct kube_exec_cred **out, struct mcle_err *err);

/* Forget the cached credential (the server answered 401). */
void kube_exec_invalidate(struct kube_exec *ex);

/* How many times the plugin has been run (for -v and tests). */
unsigned kube_exec_runs(const struct kube_exec *ex);

/*
 * What a plugin printed, buf[0..len) (at most KUBE_EXEC_STDOUT_MAX bytes),
 * read as kube_exec_get reads it: one JSON value, kind ExecCredential of
 * api_version, a status with a token or a client certificate and key.  0
 * with *c filled (strings malloc'd: kube_exec_cred_wipe), or -1 with err
 * (MCLE_EAUTH naming command).  No I/O.
 */
int kube_exec_parse(const char *command, const char *api_version, const char *buf,
		    size_t len, struct kube_exec_cred *c, struct mcle_err *err);

/* Wipe and free c's strings (c itself is the caller's). */
void kube_exec_cred_wipe(struct kube_exec_cred *c);

/* The settings ex was made with (strings owned by ex). */
const struct kube_exec_spec *kube_exec_get_spec(const struct kube_exec *ex);

#endif
