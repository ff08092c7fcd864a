/*
 * test-kube-config.c - kubeconfig and in-cluster configuration, exec
 * credential plugins.  Fixtures: $MCLE_SRCDIR/tests/data/kubeconfig/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cred-kube.h"
#include "kube-config.h"
#include "kube-exec.h"
#include "timeutil.h"
#include "tap.h"

#define CA_PEM "-----BEGIN CERTIFICATE-----\nTESTCA\n-----END CERTIFICATE-----\n"
#define CA_B64 "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClRFU1RDQQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0tCg=="

static void free_kc(struct kube_config *kc);

static const char *srcdir;
static char tmpdir[512];

/* ---- helpers ------------------------------------------------------------ */

static const char *
fx(const char *rel)
{
	static char buf[8][1024];
	static int i;
	char *b = buf[i++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/tests/data/kubeconfig/%s", srcdir, rel);
	return b;
}

static const char *
tmp(const char *rel)
{
	static char buf[8][1024];
	static int i;
	char *b = buf[i++ % 8];

	snprintf(b, sizeof(buf[0]), "%s/%s", tmpdir, rel);
	return b;
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (f != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	return buf;
}

static int
lines(const char *path)
{
	const char *s = slurp(path);
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static int
load(const char *file, const char *ctx, struct kube_config **kc,
     struct mcle_err *err)
{
	struct kube_config_opts o = { file, ctx };

	mcle_err_clear(err);
	*kc = NULL;
	return kube_config_load(&o, kc, err);
}

static void
diag_err(const struct mcle_err *err)
{
	printf("#   error %d: %s\n", (int)err->code, err->msg);
}

/* Loading fails with code and a one-line message containing want. */
static void
load_fails(const char *file, const char *ctx, enum mcle_code code, const char *want,
	   const char *name)
{
	struct kube_config *kc;
	struct mcle_err err = MCLE_ERR_INIT;
	int rc = load(file, ctx, &kc, &err);

	if (!ok(rc == -1 && kc == NULL && err.code == code &&
	    strstr(err.msg, want) != NULL && strchr(err.msg, '\n') == NULL, name)) {
		printf("#   rc %d, want '%s'\n", rc, want);
		diag_err(&err);
	}
	free_kc(kc);
}

static struct kube_config *
load_ok(const char *file, const char *ctx, const char *name)
{
	struct kube_config *kc;
	struct mcle_err err = MCLE_ERR_INIT;

	if (!ok(load(file, ctx, &kc, &err) == 0 && kc != NULL, name))
		diag_err(&err);
	return kc;
}

/*
 * The credentials cred-kube.c makes of kc, through one credential cache
 * per loaded configuration (as kube.c keeps one per client).
 */
struct kube_auth {
	char *token, *cert_pem, *key_pem;
	unsigned gen;
};

static struct cred *cache;
static struct kube_config *cache_kc;
static struct kube_auth last;

static void
drop_auth(struct kube_auth *a)
{
	free(a->token);
	free(a->cert_pem);
	free(a->key_pem);
	memset(a, 0, sizeof(*a));
}

static void
free_kc(struct kube_config *kc)
{
	if (cache_kc == kc) {
		cred_free(cache);
		cache = NULL;
		cache_kc = NULL;
	}
	kube_config_free(kc);
}

static int
kube_config_auth(struct kube_config *kc, int64_t deadline, struct kube_auth *a,
		 struct mcle_err *err)
{
	struct cred_copy cp;
	int none = 0;

	drop_auth(a);
	if (cache_kc != kc) {
		cred_free(cache);
		cache_kc = kc;
		if ((cache = cred_kube_new(kc, &none, err)) == NULL && !none) {
			cache_kc = NULL;
			return -1;
		}
	}
	if (cache == NULL)
		return 0;
	if (cred_get(cache, deadline, &cp, err) < 0)
		return -1;
	a->token = cp.token ? strdup(cp.token) : NULL;
	a->cert_pem = cp.cert_pem ? strdup(cp.cert_pem) : NULL;
	a->key_pem = cp.key_pem ? strdup(cp.key_pem) : NULL;
	a->gen = cp.gen;
	last.gen = cp.gen;
	cred_copy_free(&cp);
	return 0;
}

/* The server said 401: the next auth fetches again. */
static void
kube_config_invalidate(struct kube_config *kc)
{
	if (cache != NULL && cache_kc == kc)
		cred_invalidate(cache, last.gen);
}

/* The token the credentials give, or NULL (with the error printed). */
static const char *
auth_token(struct kube_config *kc, struct kube_auth *a, struct mcle_err *err)
{
	static char tok[4096];

	mcle_err_clear(err);
	if (kube_config_auth(kc, time_now_mono() + 10 * MCLE_USEC, a, err) < 0) {
		diag_err(err);
		return NULL;
	}
	snprintf(tok, sizeof(tok), "%s", a->token != NULL ? a->token : "(none)");
	drop_auth(a);
	return tok;
}

static void
clean_env(void)
{
	unsetenv("KUBECONFIG");
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	unsetenv("MCLE_SERVICEACCOUNT_DIR");
	unsetenv("FAKE_PLUGIN_MODE");
	unsetenv("FAKE_PLUGIN_TTL");
	setenv("HOME", tmp("home"), 1);
}

/* ---- a plain kubeconfig ------------------------------------------------- */

static void
test_token(void)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;

	kc = load_ok(fx("token.yaml"), NULL, "token.yaml loads");
	if (kc == NULL)
		return;
	is_str(kc->server, "https://127.0.0.1:6443", "trailing slash dropped from server");
	is_str(kc->url, "https://127.0.0.1:6443", "url is the server");
	ok(kc->connect_to == NULL && kc->tls_server_name == NULL, "no tls-server-name");
	is_str(kc->ca_pem, CA_PEM, "certificate-authority-data decoded");
	is_int(kc->ca_len, strlen(CA_PEM), "CA length");
	ok(kc->ca_file == NULL && kc->cert_file == NULL && kc->cert_pem == NULL,
	    "no CA file, no client certificate");
	is_str(kc->token, "abc.def-123", "static token");
	is_str(kc->namespace, "team-a", "context namespace");
	is_str(kc->context, "dev", "current-context used");
	is_str(kc->cluster_name, "dev-cluster", "cluster name");
	is_str(kc->user_name, "dev-user", "user name");
	is_str(kc->source, fx("token.yaml"), "source is the file");
	ok(!kc->insecure && !kc->in_cluster && kc->exec == NULL, "verified, not in-cluster");
	is_str(auth_token(kc, &a, &err), "abc.def-123", "auth gives the static token");
	ok(kc->ca_pem != NULL && kc->ca_file == NULL && !kc->insecure &&
	    kc->cert_pem == NULL && kc->connect_to == NULL, "tls settings");
	free_kc(kc);

	kc = load_ok(fx("token.yaml"), "anonymous", "--context anonymous");
	if (kc == NULL)
		return;
	ok(kc->insecure == 1 && kc->ca_pem == NULL, "insecure-skip-tls-verify: true");
	ok(kc->user_name == NULL && kc->token == NULL, "no user");
	is_str(auth_token(kc, &a, &err), "(none)", "anonymous: no token");
	ok(kc->insecure == 1, "tls insecure");
	free_kc(kc);
}

static void
test_certs(void)
{
	struct kube_config *kc;

	kc = load_ok(fx("certs.yaml"), NULL, "certs.yaml loads");
	if (kc == NULL)
		return;
	is_str(kc->server, "https://[::1]:8443", "IPv6 server");
	is_str(kc->url, "https://kubernetes.default.svc:8443", "url uses tls-server-name");
	is_str(kc->connect_to, "kubernetes.default.svc:8443:[::1]:8443",
	    "connect_to maps the name to the address");
	is_str(kc->ca_pem, CA_PEM, "CA data split over lines");
	is_str(kc->cert_pem,
	    "-----BEGIN CERTIFICATE-----\nCLIENTCERT\n-----END CERTIFICATE-----\n",
	    "client-certificate-data");
	is_str(kc->key_pem,
	    "-----BEGIN PRIVATE KEY-----\nCLIENTKEY\n-----END PRIVATE KEY-----\n",
	    "client-key-data");
	ok(kc->cert_pem != NULL && kc->key_pem != NULL && kc->connect_to != NULL,
	    "the client certificate and where to connect");
	free_kc(kc);

	kc = load_ok(fx("certs.yaml"), "noscheme", "server without a scheme");
	if (kc != NULL)
		is_str(kc->server, "https://10.0.0.1:443", "https assumed");
	free_kc(kc);
}

static void
test_relative(void)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	const char *t;

	kc = load_ok(fx("relative/config"), NULL, "relative/config loads");
	if (kc == NULL)
		return;
	is_str(kc->ca_file, fx("relative/ca.crt"), "certificate-authority resolved");
	is_str(kc->cert_file, fx("relative/sub/client.crt"), "client-certificate resolved");
	is_str(kc->key_file, fx("relative/./sub/client.key"), "client-key resolved");
	is_str(kc->token_file, fx("relative/token.txt"), "tokenFile resolved");
	is_str(kc->server, "https://kube.example:443", "server");
	is_str(auth_token(kc, &a, &err), "relative-token-1", "token read and trimmed");
	free_kc(kc);

	load_fails(fx("relative/config"), "missing-ca", MCLE_ECONFIG,
	    "cannot read certificate-authority '", "a missing CA file");
	load_fails(fx("relative/config"), "missing-ca", MCLE_ECONFIG,
	    "relative/no-such-ca.crt': No such file or directory",
	    "the message names the resolved path");

	kc = load_ok(fx("relative/config"), "abs", "absolute tokenFile");
	if (kc == NULL)
		return;
	is_str(kc->token_file, "/nonexistent/token", "absolute path kept");
	mcle_err_clear(&err);
	t = kube_config_auth(kc, 0, &a, &err) < 0 ? err.msg : NULL;
	ok(err.code == MCLE_EAUTH && t != NULL && strcmp(t,
	    "cannot read token file '/nonexistent/token': No such file or directory") == 0,
	    "a missing token file fails auth");
	free_kc(kc);
}

/* ---- KUBECONFIG lists and ~/.kube/config -------------------------------- */

static void
expect_ctx(const char *list, const char *ctx, const char *want_ctx,
	   const char *want_server, const char *want_token, const char *name)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	const char *tok;
	int good;

	setenv("KUBECONFIG", list, 1);
	if (load(NULL, ctx, &kc, &err) != 0) {
		ok(0, name);
		diag_err(&err);
		return;
	}
	tok = auth_token(kc, &a, &err);
	good = strcmp(kc->context, want_ctx) == 0 && strcmp(kc->server, want_server) == 0 &&
	    tok != NULL && strcmp(tok, want_token) == 0;
	if (!ok(good, name))
		printf("#   got context %s, server %s, token %s\n", kc->context, kc->server,
		    tok ? tok : "(error)");
	free_kc(kc);
}

static void
test_merge(void)
{
	char ab[2048], ba[2048], acb[3072], abc[3072], messy[4096], names[2048];
	struct kube_config *kc;
	struct mcle_err err = MCLE_ERR_INIT;
	const char *a = fx("merge/a.yaml"), *b = fx("merge/b/config"), *c = fx("merge/c.yaml");

	snprintf(ab, sizeof(ab), "%s:%s", a, b);
	snprintf(ba, sizeof(ba), "%s:%s", b, a);
	snprintf(acb, sizeof(acb), "%s:%s:%s", a, c, b);
	snprintf(abc, sizeof(abc), "%s:%s:%s", a, b, c);
	snprintf(messy, sizeof(messy), "::/nonexistent/kubeconfig:%s:::%s:%s:", a, b, a);

	expect_ctx(ab, NULL, "ctx-b", "https://b.example:3", "token-b",
	    "a:b - the first file that sets current-context is b");
	expect_ctx(acb, NULL, "ctx-a", "https://a.example:1", "token-a",
	    "a:c:b - c sets current-context before b");
	expect_ctx(abc, NULL, "ctx-b", "https://b.example:3", "token-b",
	    "a:b:c - b sets current-context before c");
	expect_ctx(ab, "ctx-both", "ctx-both", "https://a.example:1", "token-a",
	    "a:b - a context in both files comes from a");
	expect_ctx(ba, "ctx-both", "ctx-both", "https://b.example:3", "token-b",
	    "b:a - and from b when b is first");
	expect_ctx(ab, "ctx-mixed", "ctx-mixed", "https://a.example:1", "token-a",
	    "a context from b uses the cluster and user a defines first");
	expect_ctx(messy, NULL, "ctx-b", "https://b.example:3", "token-b",
	    "empty entries, missing files and duplicates are skipped");

	setenv("KUBECONFIG", ab, 1);
	kc = load_ok(NULL, "ctx-b", "ctx-b from the list");
	if (kc != NULL) {
		is_str(kc->ca_file, fx("merge/b/ca-b.crt"), "b's CA relative to b's directory");
		is_str(kc->token_file, fx("merge/b/token-b"), "b's tokenFile relative to b");
		is_str(kc->source, b, "source names the file with the context");
	}
	free_kc(kc);
	kc = load_ok(NULL, "ctx-both", "namespace of the winning context");
	if (kc != NULL)
		is_str(kc->namespace, "from-a", "namespace from a");
	free_kc(kc);

	snprintf(names, sizeof(names), "context 'nope' not found in kubeconfig '%s:%s'", a, b);
	load_fails(NULL, "nope", MCLE_ECONFIG, names, "a missing context names every file");

	kc = load_ok(fx("token.yaml"), NULL, "--kubeconfig wins over KUBECONFIG");
	if (kc != NULL)
		is_str(kc->context, "dev", "the --kubeconfig file's context");
	free_kc(kc);

	setenv("KUBECONFIG", "/nonexistent/one:/nonexistent/two", 1);
	load_fails(NULL, NULL, MCLE_ECONFIG,
	    "none of the kubeconfig files in KUBECONFIG exists: '/nonexistent/one:/nonexistent/two'",
	    "KUBECONFIG with no existing file");

	setenv("KUBECONFIG", "::", 1);
	ok(load(NULL, NULL, &kc, &err) == 1 && kc == NULL && err.code == MCLE_OK,
	    "KUBECONFIG of empty entries counts as unset: nothing configured");
	unsetenv("KUBECONFIG");

	load_fails("/nonexistent/kubeconfig", NULL, MCLE_ECONFIG,
	    "cannot read kubeconfig '/nonexistent/kubeconfig': No such file or directory",
	    "a missing --kubeconfig file");
	load_fails("", NULL, MCLE_EUSAGE, "the kubeconfig path is empty", "--kubeconfig ''");
	load_fails(fx("merge"), NULL, MCLE_ECONFIG, "not a regular file",
	    "a directory is not a kubeconfig");
}

static void
test_home(void)
{
	struct kube_config *kc;
	struct mcle_err err = MCLE_ERR_INIT;
	char text[4096];

	ok(load(NULL, NULL, &kc, &err) == 1 && kc == NULL && err.code == MCLE_OK,
	    "no KUBECONFIG, no ~/.kube/config, not in a cluster: nothing configured");
	load_fails(NULL, "dev", MCLE_ECONFIG,
	    "context 'dev' was given, but there is no kubeconfig",
	    "--context without any kubeconfig");
	mkdir(tmp("home/.kube"), 0700);
	snprintf(text, sizeof(text), "%s", slurp(fx("token.yaml")));
	write_file(tmp("home/.kube/config"), text);
	kc = load_ok(NULL, NULL, "~/.kube/config is used");
	if (kc != NULL) {
		is_str(kc->source, tmp("home/.kube/config"), "source is ~/.kube/config");
		is_str(kc->context, "dev", "its current-context");
	}
	free_kc(kc);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	kc = load_ok(NULL, NULL, "~/.kube/config comes before in-cluster");
	if (kc != NULL)
		ok(!kc->in_cluster, "not in-cluster");
	free_kc(kc);
	unlink(tmp("home/.kube/config"));
	rmdir(tmp("home/.kube"));
	clean_env();
}

/* ---- in-cluster --------------------------------------------------------- */

static void
make_sa(void)
{
	mkdir(tmp("sa"), 0700);
	write_file(tmp("sa/token"), slurp(fx("serviceaccount/token")));
	write_file(tmp("sa/ca.crt"), slurp(fx("serviceaccount/ca.crt")));
	setenv("MCLE_SERVICEACCOUNT_DIR", tmp("sa"), 1);
}

static void
test_in_cluster(void)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;

	make_sa();
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	kc = load_ok(NULL, NULL, "in-cluster");
	if (kc == NULL)
		return;
	ok(kc->in_cluster && kc->context == NULL && kc->exec == NULL, "in-cluster flags");
	is_str(kc->server, "https://10.96.0.1:443", "server from the environment");
	is_str(kc->source, "in-cluster", "source");
	is_str(kc->ca_file, tmp("sa/ca.crt"), "service account CA");
	is_str(kc->token_file, tmp("sa/token"), "service account token");
	is_str(auth_token(kc, &a, &err), "sa-token-1", "token read");
	write_file(tmp("sa/token"), "sa-token-2\n");
	is_str(auth_token(kc, &a, &err), "sa-token-1", "cached for a while (read again each minute)");
	kube_config_invalidate(kc);
	is_str(auth_token(kc, &a, &err), "sa-token-2", "rotated token re-read after a 401");
	ok(kc->ca_file != NULL && !kc->insecure, "tls uses the CA file");
	write_file(tmp("sa/token"), " \n");
	kube_config_invalidate(kc);
	ok(kube_config_auth(kc, 0, &a, &err) < 0 && err.code == MCLE_EAUTH &&
	    strstr(err.msg, "token file '") != NULL && strstr(err.msg, "' is empty") != NULL,
	    "an empty token file fails");
	mcle_err_clear(&err);
	unlink(tmp("sa/token"));
	ok(kube_config_auth(kc, 0, &a, &err) < 0 && err.code == MCLE_EAUTH &&
	    strstr(err.msg, "No such file or directory") != NULL, "a missing token fails");
	drop_auth(&a);
	free_kc(kc);
	write_file(tmp("sa/token"), "sa-token-3");

	setenv("KUBERNETES_SERVICE_HOST", "fd00:10:96::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "6443", 1);
	kc = load_ok(NULL, NULL, "in-cluster over IPv6");
	if (kc != NULL)
		is_str(kc->server, "https://[fd00:10:96::1]:6443", "IPv6 host bracketed");
	free_kc(kc);

	unsetenv("KUBERNETES_SERVICE_PORT");
	load_fails(NULL, NULL, MCLE_ECONFIG, "KUBERNETES_SERVICE_PORT is not set",
	    "in-cluster without a port");
	setenv("KUBERNETES_SERVICE_PORT", "https", 1);
	load_fails(NULL, NULL, MCLE_ECONFIG, "KUBERNETES_SERVICE_PORT is not a port number",
	    "in-cluster with a bad port");
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	setenv("KUBERNETES_SERVICE_HOST", "evil/host", 1);
	load_fails(NULL, NULL, MCLE_ECONFIG, "invalid KUBERNETES_SERVICE_HOST 'evil/host'",
	    "in-cluster with a bad host");
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	load_fails(NULL, "ctx", MCLE_ECONFIG, "there is no kubeconfig",
	    "--context is not for in-cluster");
	unlink(tmp("sa/ca.crt"));
	load_fails(NULL, NULL, MCLE_ECONFIG, "cannot read in-cluster certificate authority '",
	    "in-cluster without a CA");
	unlink(tmp("sa/token"));
	rmdir(tmp("sa"));
	clean_env();
}

/* ---- exec plugins ------------------------------------------------------- */

static void
set_mode(const char *mode, const char *ttl)
{
	if (mode != NULL)
		setenv("FAKE_PLUGIN_MODE", mode, 1);
	else
		unsetenv("FAKE_PLUGIN_MODE");
	if (ttl != NULL)
		setenv("FAKE_PLUGIN_TTL", ttl, 1);
	else
		unsetenv("FAKE_PLUGIN_TTL");
}

static char last_msg[MCLE_ERR_MSG_MAX];

/* Run the plugin (invalidating the cache first) and expect an error. */
static void
exec_fails(struct kube_config *kc, const char *mode, enum mcle_code code,
	   const char *want, const char *name)
{
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	int rc;

	set_mode(mode, NULL);
	kube_config_invalidate(kc);
	rc = kube_config_auth(kc, time_now_mono() + 10 * MCLE_USEC, &a, &err);
	snprintf(last_msg, sizeof(last_msg), "%s", err.msg);
	if (!ok(rc < 0 && err.code == code && strstr(err.msg, want) != NULL &&
	    strchr(err.msg, '\n') == NULL, name)) {
		printf("#   want '%s'\n", want);
		diag_err(&err);
	}
	set_mode(NULL, NULL);
}

static void
test_exec_cache(struct kube_config *kc)
{
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	const char *count = tmp("count");

	is_str(auth_token(kc, &a, &err), "token-v1", "the plugin's token (env from kubeconfig)");
	is_int(lines(count), 1, "plugin ran once");
	is_str(auth_token(kc, &a, &err), "token-v1", "again");
	is_int(lines(count), 1, "cached: not run again");
	kube_config_invalidate(kc);
	is_str(auth_token(kc, &a, &err), "token-v1", "after invalidate");
	is_int(lines(count), 2, "invalidate: run again");
	set_mode(NULL, "0");
	kube_config_invalidate(kc);
	auth_token(kc, &a, &err);
	auth_token(kc, &a, &err);
	is_int(lines(count), 4, "an already expired credential is not cached");
	set_mode(NULL, "5");
	auth_token(kc, &a, &err);
	auth_token(kc, &a, &err);
	is_int(lines(count), 5, "one that expires in 5 s is");
	set_mode("noexp", NULL);
	kube_config_invalidate(kc);
	auth_token(kc, &a, &err);
	auth_token(kc, &a, &err);
	is_int(lines(count), 6, "no expirationTimestamp: cached until invalidated");
	is_int(kube_exec_runs(kc->exec), 6, "kube_exec_runs counts runs");
	set_mode(NULL, NULL);
}

static void
test_exec_cert(struct kube_config *kc)
{
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;

	set_mode("cert", NULL);
	kube_config_invalidate(kc);
	ok(kube_config_auth(kc, 0, &a, &err) == 0 && a.token == NULL &&
	    a.cert_pem != NULL && strstr(a.cert_pem, "\nEXEC\n") != NULL &&
	    a.key_pem != NULL && strstr(a.key_pem, "PRIVATE KEY") != NULL,
	    "a client certificate from the plugin");
	kube_config_invalidate(kc);
	ok(kube_config_auth(kc, 0, &a, &err) == 0 && a.cert_pem != NULL, "run again");
	set_mode(NULL, NULL);
	kube_config_invalidate(kc);
	ok(kube_config_auth(kc, 0, &a, &err) == 0 && a.cert_pem == NULL, "token again");
	drop_auth(&a);
}

static void
test_exec_info(void)
{
	const char *info = slurp(tmp("info"));

	ok(strstr(info, "{\"kind\":\"ExecCredential\",\"apiVersion\":"
	    "\"client.authentication.k8s.io/v1\",\"spec\":{\"interactive\":false,"
	    "\"cluster\":{\"server\":\"https://127.0.0.1:6443\",\"tls-server-name\":"
	    "\"api.test\",\"certificate-authority-data\":\"" CA_B64 "\"}}}\n") == info,
	    "KUBERNETES_EXEC_INFO with the cluster (replacing ours)");
	ok(strstr(info, "\narg:--flag\narg:two words\n") != NULL, "args passed as given");
	ok(strstr(info, "\nempty:\n") != NULL, "an env entry without value is empty");
}

static void
test_exec_errors(struct kube_config *kc)
{
	char want[1024];

	snprintf(want, sizeof(want), "credential plugin '%s' failed (exit status 3): "
	    "fake-plugin: no credentials for you", fx("./fake-plugin.sh"));
	exec_fails(kc, "fail", MCLE_EAUTH, want, "exit status and first stderr line");
	ok(strstr(last_msg, "second") == NULL, "only the first line of stderr");
	exec_fails(kc, "garbage", MCLE_EAUTH, "printed an invalid ExecCredential: "
	    "the output is not one JSON value", "output that is not JSON");
	exec_fails(kc, "kind", MCLE_EAUTH, "kind is not 'ExecCredential'", "wrong kind");
	exec_fails(kc, "version", MCLE_EAUTH, "apiVersion does not match",
	    "wrong apiVersion");
	exec_fails(kc, "big", MCLE_EAUTH, "printed more than 1048576 bytes",
	    "output over 1 MiB");
	exec_fails(kc, "nosuchmode", MCLE_EAUTH, "failed (exit status 2): "
	    "fake-plugin: unknown mode", "another exit status");
}

static int
gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	char *p;
	int zombie = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(buf, sizeof(buf), f) != NULL && (p = strrchr(buf, ')')) != NULL)
		zombie = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return zombie;
}

static void
test_exec_timeout(struct kube_config *kc)
{
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	int64_t start, took, wait_us = 500000;
	int shell = 0, sleeper = 0, i, rc;

	set_mode("hang", NULL);
	setenv("FAKE_PLUGIN_PIDS", tmp("pids"), 1);
	/*
	 * The plugin writes its pids once it has started; a loaded machine may
	 * not start it within the deadline, so a run where it had not is
	 * repeated with a longer one.
	 */
	for (;;) {
		unlink(tmp("pids"));
		kube_config_invalidate(kc);
		mcle_err_clear(&err);
		start = time_now_mono();
		rc = kube_config_auth(kc, start + wait_us, &a, &err);
		took = time_now_mono() - start;
		if (sscanf(slurp(tmp("pids")), "%d %d", &shell, &sleeper) == 2 || wait_us >= 8000000)
			break;
		wait_us *= 4;
	}
	ok(rc < 0 && err.code == MCLE_EUNAVAIL &&
	    strstr(err.msg, "did not finish before the deadline") != NULL,
	    "a hanging plugin times out");
	ok(took >= wait_us * 4 / 5 && took < wait_us + 3 * MCLE_USEC, "at the deadline");
	ok(shell > 0 && kill(shell, 0) < 0 && errno == ESRCH, "the plugin was reaped");
	for (i = 0; i < 500 && sleeper > 0 && !gone(sleeper); i++)
		time_sleep_us(10000);
	ok(sleeper > 0 && gone(sleeper), "its process group was killed");
	unsetenv("FAKE_PLUGIN_PIDS");
	set_mode(NULL, NULL);
}

static void
test_exec_v1(void)
{
	struct kube_config *kc;
	const struct kube_exec_spec *s;
	char fdnum[16];
	int fd;

	setenv("FAKE_PLUGIN_COUNT", tmp("count"), 1);
	setenv("FAKE_PLUGIN_INFO", tmp("info"), 1);
	setenv("FAKE_PLUGIN_TOKEN", "from-our-environment", 1);
	setenv("KUBERNETES_EXEC_INFO", "stale", 1);
	kc = load_ok(fx("exec-v1.yaml"), NULL, "exec-v1.yaml loads");
	if (kc == NULL)
		return;
	ok(kc->exec != NULL && kc->token == NULL, "an exec user");
	s = kube_exec_get_spec(kc->exec);
	is_str(s->command, fx("./fake-plugin.sh"), "command relative to the kubeconfig");
	is_str(s->api_version, KUBE_EXEC_V1, "apiVersion");
	ok(s->provide_cluster_info, "provideClusterInfo");
	snprintf(fdnum, sizeof(fdnum), "%d", fd = open("/dev/null", O_RDONLY));
	setenv("FAKE_PLUGIN_FD", fdnum, 1);
	test_exec_cache(kc);
	test_exec_info();
	ok(fd >= 0 && strstr(slurp(tmp("info")), "\nfd:closed\n") != NULL,
	    "the plugin inherits no descriptor but 0-2");
	unsetenv("FAKE_PLUGIN_FD");
	close(fd);
	test_exec_cert(kc);
	test_exec_errors(kc);
	test_exec_timeout(kc);
	free_kc(kc);
	unsetenv("FAKE_PLUGIN_TOKEN");
	unsetenv("KUBERNETES_EXEC_INFO");
}

static void
test_exec_variants(void)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	char path[4096], want[1024], b64[256];
	const char *info;
	FILE *f;

	kc = load_ok(fx("exec-v1beta1.yaml"), NULL, "exec-v1beta1.yaml (gcloud's shape)");
	if (kc != NULL) {
		is_str(auth_token(kc, &a, &err), "fake-token", "v1beta1 token");
		info = slurp(tmp("info"));
		ok(strstr(info, "\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"") != NULL,
		    "v1beta1 requested");
		/* base64 of relative/ca.crt, computed by hand from its contents */
		snprintf(b64, sizeof(b64), "\"certificate-authority-data\":\"%s\"",
		    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClJFTEFUSVZFQ0EKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=");
		ok(strstr(info, b64) != NULL, "the CA file's bytes in spec.cluster");
	}
	free_kc(kc);

	snprintf(path, sizeof(path), "%s:%s", fx(""), getenv("PATH"));
	setenv("PATH", path, 1);
	kc = load_ok(fx("exec-v1.yaml"), "in-path", "a bare command");
	if (kc != NULL) {
		is_str(kube_exec_get_spec(kc->exec)->command, "fake-plugin.sh", "kept bare");
		is_str(auth_token(kc, &a, &err), "fake-token", "found in PATH");
	}
	free_kc(kc);

	kc = load_ok(fx("exec-v1.yaml"), "missing", "a missing plugin loads");
	snprintf(want, sizeof(want), "cannot run credential plugin '%s': No such file or "
	    "directory (Install no-such-plugin from your package manager.)",
	    fx("./no-such-plugin"));
	if (kc != NULL)
		exec_fails(kc, NULL, MCLE_ECONFIG, want, "and fails to run, with the hint");
	free_kc(kc);
	kc = load_ok(fx("exec-v1.yaml"), "missing-in-path", "a plugin not in PATH loads");
	if (kc != NULL)
		exec_fails(kc, NULL, MCLE_ECONFIG, "cannot run credential plugin "
		    "'mcle-no-such-plugin': not found in PATH (Install mcle-no-such-plugin first.)",
		    "and fails to run");
	free_kc(kc);

	if ((f = fopen(tmp("noexec.yaml"), "w")) != NULL) {
		fprintf(f, "current-context: x\nclusters: [{name: c, cluster: {server: "
		    "'https://h'}}]\nusers: [{name: u, user: {exec: {apiVersion: %s, "
		    "command: %s, interactiveMode: Never}}}]\ncontexts: [{name: x, context: "
		    "{cluster: c, user: u}}]\n", KUBE_EXEC_V1BETA1, tmp("noexec.sh"));
		fclose(f);
	}
	write_file(tmp("noexec.sh"), "#!/bin/sh\necho {}\n");
	chmod(tmp("noexec.sh"), 0644);
	kc = load_ok(tmp("noexec.yaml"), NULL, "a plugin without x bit loads");
	if (kc != NULL)
		exec_fails(kc, NULL, MCLE_ECONFIG, "noexec.sh': Permission denied",
		    "and fails to run");
	free_kc(kc);
}

static void
test_exec_config_errors(void)
{
	const char *f = fx("exec-v1.yaml");

	load_fails(f, "no-mode", MCLE_ECONFIG, "exec interactiveMode must be set for "
	    "client.authentication.k8s.io/v1", "v1 needs interactiveMode");
	load_fails(f, "always", MCLE_ECONFIG, "exec interactiveMode Always needs a terminal",
	    "interactiveMode Always is refused");
	load_fails(f, "odd-mode", MCLE_ECONFIG, "unknown exec interactiveMode 'Sometimes'",
	    "unknown interactiveMode");
	load_fails(f, "alpha", MCLE_ECONFIG, "exec apiVersion must be "
	    "client.authentication.k8s.io/v1 or client.authentication.k8s.io/v1beta1",
	    "v1alpha1 is refused");
	load_fails(f, "no-command", MCLE_ECONFIG, "exec has no command", "no command");
	load_fails(f, "bad-env", MCLE_ECONFIG, "an exec env entry needs a name",
	    "env entry without a name");
	load_fails(f, "bad-args", MCLE_ECONFIG, "'args' must be a list", "args not a list");
}

/* The real gke-gcloud-auth-plugin, offline: it must fail with one clear line. */
static void
test_gke_plugin(void)
{
	struct kube_config *kc;
	struct kube_auth a = { NULL, NULL, NULL, 0 };
	struct mcle_err err = MCLE_ERR_INIT;
	const char *prefix = "credential plugin 'gke-gcloud-auth-plugin' failed (exit status ";
	FILE *f;

	if (access("/usr/bin/gke-gcloud-auth-plugin", X_OK) != 0 &&
	    access("/usr/local/bin/gke-gcloud-auth-plugin", X_OK) != 0) {
		ok(1, "# SKIP gke-gcloud-auth-plugin is not installed");
		return;
	}
	mkdir(tmp("gcloud"), 0700);
	if ((f = fopen(tmp("gke.yaml"), "w")) == NULL)
		return;
	/* application default credentials from a missing file: fails offline */
	fprintf(f, "current-context: gke\nclusters: [{name: c, cluster: {server: "
	    "'https://192.0.2.1', certificate-authority-data: %s}}]\n"
	    "users:\n- name: u\n  user:\n    exec:\n      apiVersion: %s\n"
	    "      command: gke-gcloud-auth-plugin\n"
	    "      args: [--use_application_default_credentials]\n"
	    "      env:\n      - {name: GOOGLE_APPLICATION_CREDENTIALS, value: %s}\n"
	    "      - {name: CLOUDSDK_CONFIG, value: %s}\n"
	    "      - {name: CLOUDSDK_CORE_DISABLE_PROMPTS, value: '1'}\n"
	    "      provideClusterInfo: true\n      interactiveMode: IfAvailable\n"
	    "contexts: [{name: gke, context: {cluster: c, user: u}}]\n",
	    CA_B64, KUBE_EXEC_V1BETA1, tmp("no-adc.json"), tmp("gcloud"));
	fclose(f);
	kc = load_ok(tmp("gke.yaml"), NULL, "a gke-gcloud-auth-plugin kubeconfig loads");
	if (kc == NULL)
		return;
	ok(kube_config_auth(kc, time_now_mono() + 30 * MCLE_USEC, &a, &err) < 0 &&
	    err.code == MCLE_EAUTH && strncmp(err.msg, prefix, strlen(prefix)) == 0 &&
	    strstr(err.msg, "GOOGLE_APPLICATION_CREDENTIALS") != NULL,
	    "gke-gcloud-auth-plugin's failure is one clear line");
	printf("# %s\n", err.msg);
	free_kc(kc);
}

/* ---- broken kubeconfigs ------------------------------------------------- */

static void
test_syntax(void)
{
	char want[2048];

	snprintf(want, sizeof(want), "cannot parse kubeconfig '%s:9:1': found unexpected "
	    "end of stream (while scanning a quoted scalar)", fx("bad-truncated.yaml"));
	load_fails(fx("bad-truncated.yaml"), NULL, MCLE_ECONFIG, want, "truncated YAML");
	snprintf(want, sizeof(want), "cannot parse kubeconfig '%s:6:1': found character that "
	    "cannot start any token", fx("bad-tabs.yaml"));
	load_fails(fx("bad-tabs.yaml"), NULL, MCLE_ECONFIG, want, "a tab in the indentation");
	snprintf(want, sizeof(want), "invalid kubeconfig '%s:6:3': 'clusters' must be a list",
	    fx("bad-list.yaml"));
	load_fails(fx("bad-list.yaml"), NULL, MCLE_ECONFIG, want, "clusters as a mapping");
	load_fails(fx("bad-entry.yaml"), NULL, MCLE_ECONFIG,
	    "an entry of 'contexts' has no name", "an entry without a name");
	snprintf(want, sizeof(want), "invalid kubeconfig '%s:6:12': 'cluster' must be a "
	    "mapping", fx("bad-body.yaml"));
	load_fails(fx("bad-body.yaml"), NULL, MCLE_ECONFIG, want, "an entry's body as a list");
	load_fails(fx("bad-root.yaml"), NULL, MCLE_ECONFIG, "the document must be a mapping",
	    "a list as the document");
	load_fails(fx("bad-alias.yaml"), NULL, MCLE_ECONFIG, ":6:12': unknown alias",
	    "an alias without an anchor");
	load_fails(fx("empty.yaml"), NULL, MCLE_ECONFIG, "has no current-context: pass --context",
	    "an empty file");
	load_fails(fx("no-current.yaml"), NULL, MCLE_ECONFIG,
	    "has no current-context: pass --context", "no current-context");
	kube_config_free(load_ok(fx("no-current.yaml"), "only", "... unless --context is given"));
	snprintf(want, sizeof(want), "context 'gone' not found in kubeconfig '%s'",
	    fx("missing-context.yaml"));
	load_fails(fx("missing-context.yaml"), NULL, MCLE_ECONFIG, want,
	    "current-context names a missing context");
}

static void
test_fields(void)
{
	const char *f = fx("bad-fields.yaml");
	struct kube_config *kc;

	load_fails(f, "bool", MCLE_ECONFIG, ":8:31': 'insecure-skip-tls-verify' must be "
	    "true or false", "a bool that is not");
	load_fails(f, "quoted-bool", MCLE_ECONFIG, "must be true or false", "a quoted bool");
	load_fails(f, "server-list", MCLE_ECONFIG, "'server' must be a string",
	    "a list for a string");
	load_fails(f, "b64", MCLE_ECONFIG, "'certificate-authority-data' is not valid base64",
	    "bad base64");
	load_fails(f, "b64-padding", MCLE_ECONFIG, "is not valid base64",
	    "data after base64 padding");
	load_fails(f, "no-server", MCLE_ECONFIG, "cluster 'no-server' in kubeconfig '",
	    "a cluster without server");
	load_fails(f, "bad-url", MCLE_ECONFIG, "invalid server URL 'ftp://127.0.0.1' of "
	    "cluster 'bad-url'", "an ftp server");
	load_fails(f, "userinfo", MCLE_ECONFIG, "invalid server URL", "user info in the URL");
	load_fails(f, "bad-port", MCLE_ECONFIG, "invalid server URL", "a port out of range");
	load_fails(f, "dup-key", MCLE_ECONFIG, "duplicate key 'server'", "a duplicate key");
	load_fails(f, "twice", MCLE_ECONFIG, "'clusters' defines 'twice' twice",
	    "a name defined twice in one file");
	load_fails(f, "token-map", MCLE_ECONFIG, "'token' must be a string", "token as mapping");
	load_fails(f, "no-cluster", MCLE_ECONFIG, "context 'no-cluster' in kubeconfig '",
	    "a context without cluster");
	load_fails(f, "ghost-cluster", MCLE_ECONFIG, "cluster 'ghost' of context "
	    "'ghost-cluster' not found in kubeconfig '", "a missing cluster");
	load_fails(f, "ghost-user", MCLE_ECONFIG, "user 'ghost' of context 'ghost-user' "
	    "not found in kubeconfig '", "a missing user");
	kc = load_ok(fx("anchors.yaml"), NULL, "anchors and aliases");
	if (kc != NULL)
		ok(strcmp(kc->server, "https://127.0.0.1:6443") == 0 && kc->insecure,
		    "an aliased cluster body");
	free_kc(kc);
}

static void
test_unsupported(void)
{
	const char *f = fx("unsupported.yaml");
	struct kube_config *kc;

	load_fails(f, "proxy", MCLE_ECONFIG, "proxy-url is not supported", "proxy-url");
	load_fails(f, "two-ca", MCLE_ECONFIG, "sets both certificate-authority and "
	    "certificate-authority-data", "CA file and data");
	load_fails(f, "insecure-ca", MCLE_ECONFIG, "sets insecure-skip-tls-verify and a "
	    "certificate authority", "insecure with a CA");
	load_fails(f, "basic", MCLE_ECONFIG, "username/password authentication is not "
	    "supported", "basic auth");
	load_fails(f, "auth-provider", MCLE_ECONFIG, "auth-provider is not supported: use an "
	    "exec credential plugin", "auth-provider");
	load_fails(f, "impersonate", MCLE_ECONFIG, "impersonation", "impersonation");
	load_fails(f, "cert-no-key", MCLE_ECONFIG, "needs both a client certificate and a "
	    "client key", "certificate without key");
	load_fails(f, "two-certs", MCLE_ECONFIG, "sets both client-certificate and "
	    "client-certificate-data", "certificate file and data");
	load_fails(f, "token-and-exec", MCLE_ECONFIG, "only one authentication method",
	    "token and exec");
	load_fails(f, "bad-token", MCLE_ECONFIG, "has characters a header cannot carry",
	    "a token with a space");
	kc = load_ok(f, "empty-username", "an empty username is no username");
	free_kc(kc);
}

static void
write_repeated(const char *path, const char *head, const char *unit, int n,
	       const char *tail)
{
	FILE *f = fopen(path, "w");
	int i;

	if (f == NULL)
		return;
	fputs(head, f);
	for (i = 0; i < n; i++)
		fputs(unit, f);
	fputs(tail, f);
	fclose(f);
}

static void
test_limits(void)
{
	char text[8192];
	int i, len = 0;

	write_repeated(tmp("big.yaml"), "current-context: x\n",
	    "# a comment line that pads the file past its limit\n", 21000, "");
	load_fails(tmp("big.yaml"), NULL, MCLE_ECONFIG, "' is larger than 1 MiB",
	    "a file over 1 MiB");
	for (i = 0; i < 64; i++) {
		text[i] = '[';
		text[64 + i] = ']';
	}
	text[128] = '\n';
	text[129] = '\0';
	write_file(tmp("deep64.yaml"), text);
	write_repeated(tmp("deep65.yaml"), "", "[", 65, "");
	load_fails(tmp("deep65.yaml"), NULL, MCLE_ECONFIG, ":1:65': nested more than 64 "
	    "levels deep", "65 levels of nesting");
	load_fails(tmp("deep64.yaml"), NULL, MCLE_ECONFIG, "the document must be a mapping",
	    "64 levels are parsed");
	len += snprintf(text + len, sizeof(text) - (size_t)len, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
	for (i = 1; i < 9; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len,
		    "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n",
		    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
	write_file(tmp("bomb.yaml"), text);
	load_fails(tmp("bomb.yaml"), NULL, MCLE_ECONFIG, "too many nodes (aliases expanded)",
	    "an alias bomb is cut off");
	write_file(tmp("utf8.yaml"), "current-context: x\nclusters: \xff\xfe\n");
	load_fails(tmp("utf8.yaml"), NULL, MCLE_ECONFIG, ":2:11': invalid leading UTF-8 "
	    "octet", "invalid UTF-8");
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	char tmpl[] = "/tmp/mcle-kube-config.XXXXXX";

	srcdir = getenv("MCLE_SRCDIR");
	if (srcdir == NULL)
		srcdir = ".";
	if (access(fx("token.yaml"), R_OK) != 0) {
		printf("Bail out! no fixtures in %s (set MCLE_SRCDIR)\n", fx(""));
		return 1;
	}
	if (mkdtemp(tmpl) == NULL) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	snprintf(tmpdir, sizeof(tmpdir), "%s", tmpl);
	mkdir(tmp("home"), 0700);
	clean_env();

	test_token();
	test_certs();
	test_relative();
	test_merge();
	test_home();
	test_in_cluster();
	test_exec_v1();
	test_exec_variants();
	test_exec_config_errors();
	test_gke_plugin();
	test_syntax();
	test_fields();
	test_unsupported();
	test_limits();
	nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
