/* kube-exec.c - exec credential plugins: run, capture, parse, cache. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "kube-exec.h"
#include "parse.h"
#include "log.h"

#define INFO_VAR	"KUBERNETES_EXEC_INFO"
#define READ_CHUNK	65536
#define HINT_MAX	160	/* characters of installHint in a message */
#define STDERR_LINE_MAX	400	/* characters of the plugin's stderr in a message */
#define JSON_DEPTH	16

extern char **environ;

struct kube_exec {
	struct kube_exec_spec spec;	/* every pointer owned */
	struct kube_exec_cred cred;	/* the last credential (kept for cert_gen) */
	int have;			/* cred may be handed out */
	mcle_time obtained;		/* when cred arrived (wall clock) */
	unsigned runs;
};

/* A growable capture buffer with a hard limit, wiped when it moves or dies. */
struct obuf {
	char *p;
	size_t len, cap;
};

/* One run of the plugin. */
struct run {
	const char *name;		/* the command as configured, for messages */
	pid_t pid;
	int reaped;
	int status;
	int fd[2];			/* read ends: stdout, stderr */
	struct obuf out, errb;
};

/* ---- small helpers ------------------------------------------------------ */

static void
wipe_str(char **s)
{
	if (*s != NULL) {
		OPENSSL_cleanse(*s, strlen(*s));
		free(*s);
		*s = NULL;
	}
}

void
kube_exec_cred_wipe(struct kube_exec_cred *c)
{
	wipe_str(&c->token);
	wipe_str(&c->cert_pem);
	wipe_str(&c->key_pem);
	c->expires = 0;
}

static void
obuf_free(struct obuf *b)
{
	if (b->p != NULL) {
		OPENSSL_cleanse(b->p, b->cap);
		free(b->p);
	}
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Make room for want more bytes and a NUL (old contents wiped, not realloc'd). */
static int
obuf_reserve(struct obuf *b, size_t want)
{
	size_t ncap, len = b->len;
	char *np;

	if (len + want + 1 <= b->cap)
		return 0;
	ncap = b->cap != 0 ? b->cap : 4096;
	while (ncap < len + want + 1)
		ncap *= 2;
	if ((np = malloc(ncap)) == NULL)
		return -1;
	if (len != 0)
		memcpy(np, b->p, len);
	np[len] = '\0';
	obuf_free(b);
	b->p = np;
	b->len = len;
	b->cap = ncap;
	return 0;
}

/*
 * The first non-blank line of s into buf: printable ASCII, runs of blanks
 * squeezed to one space.
 */
static void
first_line(const char *s, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	buf[0] = '\0';
	if (s == NULL || size == 0)
		return;
	while (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t')
		s++;
	for (; *s != '\0' && *s != '\n' && n + 1 < size; s++) {
		c = (*s >= 0x21 && *s < 0x7f) ? *s : ' ';
		if (c != ' ' || (n > 0 && buf[n - 1] != ' '))
			buf[n++] = c;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
}

static char *
dup_or_null(const char *s, int *failed)
{
	char *d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		*failed = 1;
	return d;
}

/* Copy a NULL-terminated string vector (NULL stays NULL). */
static const char **
dup_vec(const char *const *v, int *failed)
{
	const char **d;
	size_t n = 0, i;

	if (v == NULL)
		return NULL;
	while (v[n] != NULL)
		n++;
	if ((d = calloc(n + 1, sizeof(*d))) == NULL) {
		*failed = 1;
		return NULL;
	}
	for (i = 0; i < n; i++)
		d[i] = dup_or_null(v[i], failed);
	return d;
}

static void
free_vec(const char *const *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free((char *)v[i]);
	free((void *)v);
}

/* ---- life cycle --------------------------------------------------------- */

struct kube_exec *
kube_exec_new(const struct kube_exec_spec *spec, struct mcle_err *err)
{
	struct kube_exec *ex;
	struct kube_exec_spec *s;
	int failed = 0;

	if ((ex = calloc(1, sizeof(*ex))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	s = &ex->spec;
	s->api_version = dup_or_null(spec->api_version, &failed);
	s->command = dup_or_null(spec->command, &failed);
	s->args = dup_vec(spec->args, &failed);
	s->env = dup_vec(spec->env, &failed);
	s->install_hint = dup_or_null(spec->install_hint, &failed);
	s->provide_cluster_info = spec->provide_cluster_info;
	s->server = dup_or_null(spec->server, &failed);
	s->tls_server_name = dup_or_null(spec->tls_server_name, &failed);
	s->insecure = spec->insecure;
	if (spec->ca_data != NULL && spec->ca_len > 0) {
		if ((s->ca_data = malloc(spec->ca_len)) == NULL)
			failed = 1;
		else
			memcpy((char *)s->ca_data, spec->ca_data, spec->ca_len);
		s->ca_len = spec->ca_len;
	}
	if (failed || s->api_version == NULL || s->command == NULL) {
		kube_exec_free(ex);
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	return ex;
}

void
kube_exec_free(struct kube_exec *ex)
{
	struct kube_exec_spec *s;

	if (ex == NULL)
		return;
	s = &ex->spec;
	kube_exec_cred_wipe(&ex->cred);
	free((char *)s->api_version);
	free((char *)s->command);
	free_vec(s->args);
	free_vec(s->env);
	free((char *)s->install_hint);
	free((char *)s->server);
	free((char *)s->tls_server_name);
	free((char *)s->ca_data);
	free(ex);
}

const struct kube_exec_spec *
kube_exec_get_spec(const struct kube_exec *ex)
{
	return &ex->spec;
}

unsigned
kube_exec_runs(const struct kube_exec *ex)
{
	return ex->runs;
}

void
kube_exec_invalidate(struct kube_exec *ex)
{
	if (ex != NULL)
		ex->have = 0;
}

/* ---- the request: KUBERNETES_EXEC_INFO ---------------------------------- */

static int
add_str(json_object *o, const char *key, const char *val)
{
	json_object *v;

	if (val == NULL)
		return 0;
	if ((v = json_object_new_string(val)) == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

static int
add_obj(json_object *o, const char *key, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* spec.cluster for provideClusterInfo (client.authentication.k8s.io Cluster). */
static json_object *
exec_cluster(const struct kube_exec_spec *s)
{
	json_object *c;
	unsigned char *b64 = NULL;
	int rc = 0;

	if ((c = json_object_new_object()) == NULL)
		return NULL;
	rc |= add_str(c, "server", s->server);
	rc |= add_str(c, "tls-server-name", s->tls_server_name);
	if (s->insecure)
		rc |= add_obj(c, "insecure-skip-tls-verify", json_object_new_boolean(1));
	if (s->ca_data != NULL && s->ca_len > 0 && s->ca_len < INT_MAX / 2) {
		if ((b64 = malloc(4 * ((s->ca_len + 2) / 3) + 1)) == NULL)
			rc = -1;
		else {
			EVP_EncodeBlock(b64, (const unsigned char *)s->ca_data, (int)s->ca_len);
			rc |= add_str(c, "certificate-authority-data", (char *)b64);
		}
	}
	free(b64);
	if (rc != 0) {
		json_object_put(c);
		return NULL;
	}
	return c;
}

/* "KUBERNETES_EXEC_INFO={...}", malloc'd; NULL when out of memory. */
static char *
exec_info(const struct kube_exec_spec *s)
{
	json_object *o, *spec;
	const char *text;
	char *env = NULL;
	int rc = 0;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	rc |= add_str(o, "kind", "ExecCredential");
	rc |= add_str(o, "apiVersion", s->api_version);
	if ((spec = json_object_new_object()) == NULL || add_obj(o, "spec", spec) < 0)
		rc = -1;
	else {
		rc |= add_obj(spec, "interactive", json_object_new_boolean(0));
		if (s->provide_cluster_info)
			rc |= add_obj(spec, "cluster", exec_cluster(s));
	}
	if (rc == 0) {
		text = json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
		if (text != NULL && (env = malloc(strlen(INFO_VAR) + strlen(text) + 2)) != NULL)
			sprintf(env, "%s=%s", INFO_VAR, text);
	}
	json_object_put(o);
	return env;
}

/* ---- argv, environment, PATH -------------------------------------------- */

/* Does the environment entry e set the variable named by the "NAME=..." entry n? */
static int
same_name(const char *e, const char *n)
{
	size_t len = strcspn(n, "=");

	return strncmp(e, n, len) == 0 && e[len] == '=';
}

static int
overridden(const struct kube_exec_spec *s, const char *e)
{
	size_t i;

	if (same_name(e, INFO_VAR "="))
		return 1;
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++)
		if (same_name(e, s->env[i]))
			return 1;
	return 0;
}

/* Ours, less what the plugin sets, + the plugin's env + KUBERNETES_EXEC_INFO. */
static char **
build_env(const struct kube_exec_spec *s, char *info)
{
	size_t n = 0, i, k = 0;
	char **envp;

	while (environ != NULL && environ[n] != NULL)
		n++;
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++)
		n++;
	if ((envp = calloc(n + 2, sizeof(*envp))) == NULL)
		return NULL;
	for (i = 0; environ != NULL && environ[i] != NULL; i++)
		if (!overridden(s, environ[i]))
			envp[k++] = environ[i];
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++)
		envp[k++] = (char *)s->env[i];
	envp[k] = info;
	return envp;
}

static char **
build_argv(const struct kube_exec_spec *s)
{
	size_t n = 0, i;
	char **argv;

	while (s->args != NULL && s->args[n] != NULL)
		n++;
	if ((argv = calloc(n + 2, sizeof(*argv))) == NULL)
		return NULL;
	argv[0] = (char *)s->command;
	for (i = 0; i < n; i++)
		argv[i + 1] = (char *)s->args[i];
	return argv;
}

static void
hint_suffix(const struct kube_exec_spec *s, char *buf, size_t size)
{
	char line[HINT_MAX + 1];

	first_line(s->install_hint, line, sizeof(line));
	if (line[0] != '\0')
		snprintf(buf, size, " (%s)", line);
	else
		buf[0] = '\0';
}

static int
cannot_run(const struct kube_exec_spec *s, int errnum, struct mcle_err *err)
{
	char hint[HINT_MAX + 8] = "";

	if (errnum == ENOENT)
		hint_suffix(s, hint, sizeof(hint));
	return mcle_err_set(err, MCLE_ECONFIG, "cannot run credential plugin '%s': %s%s",
	    s->command, strerror(errnum), hint);
}

static int
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The file to execute: the command itself if it has a '/', else a PATH search. */
static int
find_command(const struct kube_exec_spec *s, char **out, struct mcle_err *err)
{
	const char *path, *p, *end;
	char buf[PATH_MAX], hint[HINT_MAX + 8];
	int len, n;

	if (strchr(s->command, '/') != NULL)
		return (*out = strdup(s->command)) != NULL ? 0 :
		    mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if ((path = getenv("PATH")) == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		len = (int)(end - p);
		n = snprintf(buf, sizeof(buf), "%.*s/%s", len > 0 ? len : 1,
		    len > 0 ? p : ".", s->command);
		if (n > 0 && (size_t)n < sizeof(buf) && is_executable(buf))
			return (*out = strdup(buf)) != NULL ? 0 :
			    mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		if (*end == '\0')
			break;
	}
	hint_suffix(s, hint, sizeof(hint));
	return mcle_err_set(err, MCLE_ECONFIG,
	    "cannot run credential plugin '%s': not found in PATH%s", s->command, hint);
}

/* ---- the child ---------------------------------------------------------- */

/* Keep fd clear of 0-2 so the child's dup2 calls cannot clobber it. */
static int
lift_fd(int *fd)
{
	int nfd;

	if (*fd > 2)
		return 0;
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return -1;
	close(*fd);
	*fd = nfd;
	return 0;
}

/* After fork: only async-signal-safe calls from here on. */
static void __attribute__((noreturn))
child(const char *path, char *const argv[], char *const envp[], int in, int out,
      int errfd, int report)
{
	struct sigaction sa = { .sa_handler = SIG_DFL };
	sigset_t none;
	int e;

	setpgid(0, 0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
		goto fail;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 34)
	/* nothing of ours but the report pipe (close-on-exec) reaches the plugin */
	if (report > 3)
		close_range(3, (unsigned)report - 1, 0);
	close_range((unsigned)report + 1, ~0U, 0);
#endif
	execve(path, argv, envp);
fail:
	e = errno;
	if (write(report, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
kill_child(struct run *r)
{
	if (r->pid <= 0 || r->reaped)
		return;
	kill(-r->pid, SIGKILL);	/* its process group: a shell script's children too */
	kill(r->pid, SIGKILL);
}

/* Kill the child if it still runs, and reap it. */
static void
reap_child(struct run *r)
{
	if (r->pid <= 0 || r->reaped)
		return;
	kill_child(r);
	while (waitpid(r->pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->reaped = 1;
}

/* The errno the child reports if execve fails; 0 once it has exec'd. */
static int
exec_errno(int fd)
{
	ssize_t n;
	int e = 0;

	do
		n = read(fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(e) ? e : 0;
}

static int
make_pipes(int p[3][2], int *null)
{
	int i, j;

	for (i = 0; i < 3; i++)
		if (pipe2(p[i], O_CLOEXEC) < 0)
			return -1;
	if ((*null = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		for (j = 0; j < 2; j++)
			if (lift_fd(&p[i][j]) < 0)
				return -1;
	return lift_fd(null);
}

static int
spawn(struct run *r, const struct kube_exec_spec *s, const char *path,
      char *const argv[], char *const envp[], struct mcle_err *err)
{
	int p[3][2] = { { -1, -1 }, { -1, -1 }, { -1, -1 } };	/* out, err, report */
	int null = -1, rc = -1, e, i;

	if (make_pipes(p, &null) < 0 || (r->pid = fork()) < 0) {
		mcle_err_errno(err, MCLE_EIO, errno, "cannot run credential plugin '%s'",
		    s->command);
		goto cleanup;
	}
	if (r->pid == 0)
		child(path, argv, envp, null, p[0][1], p[1][1], p[2][1]);
	setpgid(r->pid, r->pid);	/* the child does it too: whoever is first */
	close_fd(&p[0][1]);
	close_fd(&p[1][1]);
	close_fd(&p[2][1]);
	r->fd[0] = p[0][0];
	r->fd[1] = p[1][0];
	p[0][0] = p[1][0] = -1;
	if ((e = exec_errno(p[2][0])) != 0) {
		reap_child(r);
		cannot_run(s, e, err);
		goto cleanup;
	}
	rc = 0;
cleanup:
	for (i = 0; i < 3; i++) {
		close_fd(&p[i][0]);
		close_fd(&p[i][1]);
	}
	close_fd(&null);
	return rc;
}

/* ---- capture ------------------------------------------------------------ */

/* Read once from fd into b, keeping at most limit bytes (the rest is dropped). */
static ssize_t
read_into(int fd, struct obuf *b, size_t limit)
{
	char scratch[4096];
	size_t room;
	ssize_t n;

	if (b->len >= limit)
		return read(fd, scratch, sizeof(scratch));
	room = limit - b->len;
	if (room > READ_CHUNK)
		room = READ_CHUNK;
	if (obuf_reserve(b, room) < 0) {
		errno = ENOMEM;
		return -1;
	}
	n = read(fd, b->p + b->len, room);
	if (n > 0) {
		b->len += (size_t)n;
		b->p[b->len] = '\0';
	}
	return n;
}

/* Service one readable pipe (0 = stdout, 1 = stderr). */
static int
pump(struct run *r, int which, struct mcle_err *err)
{
	ssize_t n;

	if (which == 0)
		n = read_into(r->fd[0], &r->out, KUBE_EXEC_STDOUT_MAX + 1);
	else
		n = read_into(r->fd[1], &r->errb, KUBE_EXEC_STDERR_MAX);
	if (n == 0)
		close_fd(&r->fd[which]);
	if (n < 0 && errno != EINTR && errno != EAGAIN)
		return mcle_err_errno(err, MCLE_EIO, errno,
		    "cannot read from credential plugin '%s'", r->name);
	if (r->out.len > KUBE_EXEC_STDOUT_MAX)
		return mcle_err_set(err, MCLE_EAUTH,
		    "credential plugin '%s' printed more than %d bytes", r->name,
		    KUBE_EXEC_STDOUT_MAX);
	return 0;
}

static int
timed_out(struct run *r, struct mcle_err *err)
{
	return mcle_err_set(err, MCLE_EUNAVAIL,
	    "credential plugin '%s' did not finish before the deadline", r->name);
}

static int
poll_ms(int64_t deadline)
{
	int64_t left = deadline - time_now_mono();

	if (left <= 0)
		return 0;
	if (left > 60 * MCLE_USEC)
		left = 60 * MCLE_USEC;
	return (int)(left / 1000) + 1;
}

/* Read stdout and stderr until both close or the deadline passes. */
static int
collect(struct run *r, int64_t deadline, struct mcle_err *err)
{
	struct pollfd pfd[2];
	int which[2], n, i;

	while (r->fd[0] >= 0 || r->fd[1] >= 0) {
		if (time_now_mono() >= deadline)
			return timed_out(r, err);
		for (n = 0, i = 0; i < 2; i++)
			if (r->fd[i] >= 0) {
				pfd[n].fd = r->fd[i];
				pfd[n].events = POLLIN;
				which[n++] = i;
			}
		if (poll(pfd, (nfds_t)n, poll_ms(deadline)) < 0) {
			if (errno == EINTR)
				continue;
			return mcle_err_errno(err, MCLE_EIO, errno,
			    "cannot read from credential plugin '%s'", r->name);
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0 && pump(r, which[i], err) < 0)
				return -1;
	}
	return 0;
}

/* Wait for the child to exit, until the deadline. */
static int
wait_child(struct run *r, int64_t deadline, struct mcle_err *err)
{
	int64_t pause = 1000, left;
	pid_t w;

	for (;;) {
		w = waitpid(r->pid, &r->status, WNOHANG);
		if (w == r->pid) {
			r->reaped = 1;
			return 0;
		}
		if (w < 0 && errno != EINTR) {
			r->reaped = 1;	/* someone else reaped it: status unknown */
			return mcle_err_errno(err, MCLE_EIO, errno,
			    "cannot get the exit status of credential plugin '%s'", r->name);
		}
		if ((left = deadline - time_now_mono()) <= 0)
			return timed_out(r, err);
		time_sleep_us(pause < left ? pause : left);
		if (pause < 50000)
			pause *= 2;
	}
}

static int
check_status(struct run *r, struct mcle_err *err)
{
	char line[STDERR_LINE_MAX + 1];

	if (WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0)
		return 0;
	first_line(r->errb.p, line, sizeof(line));
	if (WIFSIGNALED(r->status))
		return mcle_err_set(err, MCLE_EAUTH,
		    "credential plugin '%s' was killed by signal %d%s%s", r->name,
		    WTERMSIG(r->status), line[0] != '\0' ? ": " : "", line);
	return mcle_err_set(err, MCLE_EAUTH,
	    "credential plugin '%s' failed (exit status %d)%s%s", r->name,
	    WEXITSTATUS(r->status), line[0] != '\0' ? ": " : "", line);
}

/* ---- the answer: ExecCredential ----------------------------------------- */

static int
invalid(const char *name, struct mcle_err *err, const char *what)
{
	return mcle_err_set(err, MCLE_EAUTH,
	    "credential plugin '%s' printed an invalid ExecCredential: %s", name, what);
}

/* An optional string member; -1 if present but not a NUL-free string. */
static int
get_string(json_object *o, const char *key, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string) ||
	    strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v))
		return -1;
	*out = json_object_get_string(v);
	if (**out == '\0')
		*out = NULL;
	return 0;
}

/* Wipe a secret json-c holds before the object is released. */
static void
wipe_member(json_object *o, const char *key)
{
	json_object *v;

	if (json_object_object_get_ex(o, key, &v) &&
	    json_object_is_type(v, json_type_string))
		OPENSSL_cleanse((char *)json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
}

static int
check_header(const char *name, const char *want_version, json_object *root,
	     struct mcle_err *err)
{
	const char *kind, *ver;

	if (!json_object_is_type(root, json_type_object))
		return invalid(name, err, "not a JSON object");
	if (get_string(root, "kind", &kind) < 0 || kind == NULL ||
	    strcmp(kind, "ExecCredential") != 0)
		return invalid(name, err, "kind is not 'ExecCredential'");
	if (get_string(root, "apiVersion", &ver) < 0 || ver == NULL ||
	    strcmp(ver, want_version) != 0)
		return invalid(name, err, "apiVersion does not match the requested one");
	return 0;
}

static int
take_status(const char *name, json_object *st, struct kube_exec_cred *c,
	    struct mcle_err *err)
{
	const char *tok, *cert, *key, *exp;

	if (get_string(st, "token", &tok) < 0 ||
	    get_string(st, "clientCertificateData", &cert) < 0 ||
	    get_string(st, "clientKeyData", &key) < 0 ||
	    get_string(st, "expirationTimestamp", &exp) < 0)
		return invalid(name, err, "a status field is not a string");
	if (tok == NULL && cert == NULL && key == NULL)
		return invalid(name, err, "no token and no client certificate");
	if ((cert == NULL) != (key == NULL))
		return invalid(name, err,
		    "clientCertificateData and clientKeyData must come together");
	if (tok != NULL && !valid_bearer_token(tok))
		return invalid(name, err, "the token has characters a header cannot carry");
	if (exp != NULL && time_parse_rfc3339(exp, &c->expires) < 0)
		return invalid(name, err, "expirationTimestamp is not an RFC 3339 time");
	if ((tok != NULL && (c->token = strdup(tok)) == NULL) ||
	    (cert != NULL && (c->cert_pem = strdup(cert)) == NULL) ||
	    (key != NULL && (c->key_pem = strdup(key)) == NULL))
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	return 0;
}

int
kube_exec_parse(const char *command, const char *api_version, const char *buf,
		size_t len, struct kube_exec_cred *c, struct mcle_err *err)
{
	json_tokener *tok;
	json_object *root = NULL, *st;
	size_t end;
	int rc = -1;

	if (len > KUBE_EXEC_STDOUT_MAX)
		return invalid(command, err, "the output is too large");
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (len > 0)
		root = json_tokener_parse_ex(tok, buf, (int)len);
	end = root != NULL ? json_tokener_get_parse_end(tok) : 0;
	/* only whitespace may follow (strchr would match a NUL: the terminator) */
	while (root != NULL && end < len && buf[end] != '\0' &&
	       strchr(" \t\r\n", buf[end]) != NULL)
		end++;
	if (root == NULL || end != len)
		invalid(command, err, "the output is not one JSON value");
	else if (check_header(command, api_version, root, err) == 0) {
		if (!json_object_object_get_ex(root, "status", &st) ||
		    !json_object_is_type(st, json_type_object))
			invalid(command, err, "no status object");
		else {
			rc = take_status(command, st, c, err);
			wipe_member(st, "token");
			wipe_member(st, "clientKeyData");
		}
	}
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

/* ---- one run ------------------------------------------------------------ */

static void
run_free(struct run *r)
{
	reap_child(r);
	close_fd(&r->fd[0]);
	close_fd(&r->fd[1]);
	obuf_free(&r->out);
	obuf_free(&r->errb);
}

static int
run_plugin(const struct kube_exec_spec *s, int64_t deadline,
	   struct kube_exec_cred *c, struct mcle_err *err)
{
	struct run r = { .name = s->command, .pid = -1, .fd = { -1, -1 } };
	char *path = NULL, *info = NULL, **envp = NULL, **argv = NULL;
	int rc = -1;

	if (time_now_mono() >= deadline)
		return timed_out(&r, err);
	if (find_command(s, &path, err) < 0)
		goto cleanup;
	if ((info = exec_info(s)) == NULL || (envp = build_env(s, info)) == NULL ||
	    (argv = build_argv(s)) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		goto cleanup;
	}
	log_debug("running credential plugin '%s'", s->command);
	if (spawn(&r, s, path, argv, envp, err) < 0 || collect(&r, deadline, err) < 0 ||
	    wait_child(&r, deadline, err) < 0 || check_status(&r, err) < 0)
		goto cleanup;
	rc = kube_exec_parse(s->command, s->api_version, r.out.p, r.out.len, c, err);
cleanup:
	run_free(&r);
	free(argv);
	free(envp);
	free(info);
	free(path);
	return rc;
}

/* ---- the cache ---------------------------------------------------------- */

static int
still_valid(const struct kube_exec *ex)
{
	mcle_time life, margin;

	if (!ex->have)
		return 0;
	if (ex->cred.expires == 0)
		return 1;
	life = ex->cred.expires - ex->obtained;
	if (life <= 0)
		return 0;
	margin = life / 2 < KUBE_EXEC_MARGIN ? life / 2 : KUBE_EXEC_MARGIN;
	return time_now_real() < ex->cred.expires - margin;
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
kube_exec_get(struct kube_exec *ex, int64_t deadline,
	      const struct kube_exec_cred **out, struct mcle_err *err)
{
	struct kube_exec_cred fresh = { 0 };

	*out = NULL;
	if (still_valid(ex)) {
		*out = &ex->cred;
		return 0;
	}
	ex->have = 0;
	if (deadline == 0)
		deadline = time_now_mono() + KUBE_EXEC_TIMEOUT;
	ex->runs++;
	if (run_plugin(&ex->spec, deadline, &fresh, err) < 0) {
		kube_exec_cred_wipe(&fresh);
		return -1;
	}
	fresh.cert_gen = ex->cred.cert_gen;
	if (!same_str(fresh.cert_pem, ex->cred.cert_pem) ||
	    !same_str(fresh.key_pem, ex->cred.key_pem))
		fresh.cert_gen++;
	kube_exec_cred_wipe(&ex->cred);
	ex->cred = fresh;
	ex->obtained = time_now_real();
	ex->have = 1;
	*out = &ex->cred;
	return 0;
}
