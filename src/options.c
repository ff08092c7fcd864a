/* options.c - the option table and its parser. */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config-file.h"
#include "namespaces.h"
#include "options.h"
#include "output.h"
#include "parse.h"

#define DEFAULT_CONFIG "/etc/mcle/config.yaml"
#define MAX_IN_FLIGHT_MAX 1024		/* the default, 128: mcle-reconcile-all(1) says why */

/* Indexed by enum opt_id: a row may stand anywhere, its index says which it is. */
const struct opt_def opt_table[OPT__COUNT] = {
	[OPT_STORE] = { OPT_STORE, "store", 0, "MCLE_STORE", "URL",
	  "lock store: gs://BUCKET[/PREFIX] or file:///DIR", 1, 1, NULL },
	[OPT_IDENTITY] = { OPT_IDENTITY, "identity", 0, "MCLE_IDENTITY", "ID",
	  "this cluster's stable identity", 1, 1, NULL },
	[OPT_LEASE_DURATION] = { OPT_LEASE_DURATION, "lease-duration", 0, "MCLE_LEASE_DURATION", "SECONDS",
	  "lease duration (default 60)", 1, 1, "60" },
	[OPT_CLOCK_SKEW] = { OPT_CLOCK_SKEW, "clock-skew", 0, "MCLE_CLOCK_SKEW", "SECONDS",
	  "extra time before a lease counts as expired (default 2)", 1, 1, "2" },
	[OPT_TIMEOUT] = { OPT_TIMEOUT, "timeout", 0, "MCLE_TIMEOUT", "SECONDS",
	  "deadline for the whole run, retries included (default 30)", 1, 1, "30" },
	[OPT_REQUEST_TIMEOUT] = { OPT_REQUEST_TIMEOUT, "request-timeout", 0, "MCLE_REQUEST_TIMEOUT", "SECONDS",
	  "one HTTP attempt at most, then retried (default 20)", 1, 1, "20" },
	[OPT_NAMESPACE] = { OPT_NAMESPACE, "namespace", 'n', NULL, "NS",
	  "the namespace (a DNS-1123 label)", 1, 0, NULL },
	[OPT_OUTPUT] = { OPT_OUTPUT, "output", 'o', "MCLE_OUTPUT", "FORMAT",
	  "text (default), wide, json, yaml, name or jsonpath=TEMPLATE", 1, 1, "text" },
	[OPT_KUBECONFIG] = { OPT_KUBECONFIG, "kubeconfig", 0, NULL, "FILE",
	  "kubeconfig of the cluster to write Lease resources in", 1, 1, NULL },
	[OPT_CONTEXT] = { OPT_CONTEXT, "context", 0, NULL, "NAME",
	  "kubeconfig context to use", 1, 1, NULL },
	[OPT_CONFIG] = { OPT_CONFIG, "config", 0, "MCLE_CONFIG", "FILE",
	  "config file (default " DEFAULT_CONFIG " if it exists)", 1, 0, NULL },
	[OPT_VERBOSE] = { OPT_VERBOSE, "verbose", 'v', NULL, NULL,
	  "log requests and decisions to stderr (twice for more)", 1, 0, NULL },
	[OPT_HELP] = { OPT_HELP, "help", 'h', NULL, NULL,
	  "show help and exit", 1, 0, NULL },
	[OPT_VERSION] = { OPT_VERSION, "version", 0, NULL, NULL,
	  "show the version and exit", 1, 0, NULL },
	[OPT_ALL] = { OPT_ALL, "all", 'A', NULL, NULL,
	  "every lease in the store", 0, 0, NULL },
	[OPT_CHECK] = { OPT_CHECK, "check", 0, NULL, NULL,
	  "status: exit 0 if --identity holds the lease, 1 if not; migrate: check, exit 1 "
	  "on problems", 0, 0, NULL },
	[OPT_NAMESPACES] = { OPT_NAMESPACES, "namespaces", 0, NULL, "NS,NS,...",
	  "namespaces to reconcile when no cluster is configured", 0, 1, NULL },
	[OPT_NAMESPACES_FILE] = { OPT_NAMESPACES_FILE, "namespaces-file", 0, NULL, "FILE",
	  "read namespaces from FILE, one per line ('#' comments)", 0, 1, NULL },
	[OPT_SELECTOR] = { OPT_SELECTOR, "selector", 'l', "MCLE_SELECTOR", "SELECTOR",
	  "only namespaces matching this label selector", 0, 1, NULL },
	[OPT_EXCLUDE] = { OPT_EXCLUDE, "exclude", 0, "MCLE_EXCLUDE", "NS,NS,...",
	  "more namespaces to leave alone, added to --exclude-preset's",
	  0, 1, "" },
	[OPT_LEASE_NAME] = { OPT_LEASE_NAME, "lease-name", 0, "MCLE_LEASE_NAME", "NAME",
	  "name of the Lease resource in each namespace (default lease-gsc)", 1, 1, "lease-gsc" },
	[OPT_LEASE_GROUP] = { OPT_LEASE_GROUP, "lease-group", 0, NULL, "GROUP",
	  "API group of the Lease resource (default leaderelection.600lyy.io)", 1, 1,
	  "leaderelection.600lyy.io" },
	[OPT_LEASE_VERSION] = { OPT_LEASE_VERSION, "lease-version", 0, NULL, "VERSION",
	  "API version of the Lease resource (default v1)", 1, 1, "v1" },
	[OPT_LEASE_PLURAL] = { OPT_LEASE_PLURAL, "lease-plural", 0, NULL, "PLURAL",
	  "resource name (plural) of the Lease kind (default leases)", 1, 1, "leases" },
	[OPT_NO_CLUSTER] = { OPT_NO_CLUSTER, "no-cluster", 0, NULL, NULL,
	  "do not read or write Lease resources, even if a cluster is configured", 1, 0, NULL },
	[OPT_PARALLEL] = { OPT_PARALLEL, "parallel", 0, "MCLE_PARALLEL", "N",
	  "the same as --max-in-flight (its older name)", 0, 1, NULL },
	[OPT_MAX_IN_FLIGHT] = { OPT_MAX_IN_FLIGHT, "max-in-flight", 0, "MCLE_MAX_IN_FLIGHT", "N",
	  "requests in flight at once, 1-1024 (default 128)", 0, 1, "128" },
	[OPT_INTERVAL] = { OPT_INTERVAL, "interval", 0, "MCLE_INTERVAL", "DURATION",
	  "run a pass every DURATION (e.g. 10s) until SIGTERM, in one process", 0, 1, NULL },
	[OPT_RELEASE_ON_EXIT] = { OPT_RELEASE_ON_EXIT, "release-on-exit", 0, NULL, NULL,
	  "with --interval: on SIGTERM, hand every lease held over at once", 0, 0, NULL },
	[OPT_METRICS_FILE] = { OPT_METRICS_FILE, "metrics-file", 0, "MCLE_METRICS_FILE", "FILE",
	  "write Prometheus metrics to FILE after each pass", 0, 1, NULL },
	[OPT_LISTEN] = { OPT_LISTEN, "listen", 0, "MCLE_LISTEN", "HOST:PORT",
	  "with --interval: serve /metrics, /healthz and /readyz", 0, 1, NULL },
	[OPT_UNHEALTHY_AFTER] = { OPT_UNHEALTHY_AFTER, "unhealthy-after", 0, "MCLE_UNHEALTHY_AFTER", "N",
	  "/healthz fails after N intervals without a completed pass (default 3)", 0, 1, "3" },
	[OPT_NO_EVENTS] = { OPT_NO_EVENTS, "no-events", 0, NULL, NULL,
	  "record no Kubernetes Events on a change of leader", 0, 0, NULL },
	[OPT_LOG_FORMAT] = { OPT_LOG_FORMAT, "log-format", 0, "MCLE_LOG_FORMAT", "FORMAT",
	  "log lines on stderr: text (default) or json", 1, 1, "text" },
	[OPT_QUIET] = { OPT_QUIET, "quiet", 'q', NULL, NULL,
	  "print only the summary and errors", 1, 0, NULL },
	[OPT_PARTIAL_OK] = { OPT_PARTIAL_OK, "partial-ok", 0, NULL, NULL,
	  "exit 0, not 6, when the pass finished but some namespaces failed", 0, 0, NULL },
	[OPT_WAIT] = { OPT_WAIT, "wait", 0, NULL, "DURATION",
	  "wait up to DURATION for a lease held by another (default: try once)", 0, 0, NULL },
	[OPT_EXCLUSIVE] = { OPT_EXCLUSIVE, "exclusive", 0, NULL, NULL,
	  "hold it as IDENTITY/run-ID, unique to this run: excludes the same identity", 0, 0,
	  NULL },
	[OPT_RENEW_EVERY] = { OPT_RENEW_EVERY, "renew-every", 0, NULL, "DURATION",
	  "renew this often (default a third of the lease, with jitter)", 0, 0, NULL },
	[OPT_KILL_GRACE] = { OPT_KILL_GRACE, "kill-grace", 0, NULL, "DURATION",
	  "SIGTERM this long before SIGKILL (default 10s, at most a quarter of the lease)", 0,
	  0, NULL },
	[OPT_LEGACY_LOCKS] = { OPT_LEGACY_LOCKS, "legacy-locks", 0, "MCLE_LEGACY_LOCKS", "MODE",
	  "the Go controller's locks: auto (default: the gs:// store bucket's root), off, "
	  "or where they are, gs://BUCKET[/PREFIX]", 1, 1,
	  "auto" },
	[OPT_EXCLUDE_PRESET] = { OPT_EXCLUDE_PRESET, "exclude-preset", 0, "MCLE_EXCLUDE_PRESET",
	  "PRESET", "namespaces always left alone: kube (default: the kube-* three), "
	  "gke (the Go controller's list) or none", 0, 1, "kube" },
	[OPT_DRY_RUN] = { OPT_DRY_RUN, "dry-run", 0, NULL, NULL,
	  "print what would be done, change nothing", 0, 0, NULL },
	[OPT_MIN_EPOCH] = { OPT_MIN_EPOCH, "min-epoch", 0, NULL, "N",
	  "the repaired lock's epoch is above N (when none can be salvaged)", 0, 0, NULL },
	[OPT_CADENCE] = { OPT_CADENCE, "cadence", 0, NULL, "DURATION",
	  "the time between passes when they are not a loop's (a CronJob's schedule)", 0, 0,
	  NULL },
};

const struct opt_def *
opt_find_long(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < OPT__COUNT; i++)
		if (strlen(opt_table[i].name) == len &&
		    strncmp(opt_table[i].name, name, len) == 0)
			return &opt_table[i];
	return NULL;
}

const struct opt_def *
opt_find_short(char c)
{
	size_t i;

	for (i = 0; i < OPT__COUNT; i++)
		if (c != 0 && opt_table[i].short_name == c)
			return &opt_table[i];
	return NULL;
}

/* A value given twice is a mistake, not "the last one wins" (-v -v counts). */
static int
set_flag(struct opts *o, const struct opt_def *d, const char *value, struct mcle_err *err)
{
	if (d->metavar != NULL && o->count[d->id] > 0)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "option '--%s' given twice ('%.64s', then '%.64s'): give it once%s",
				    d->name, o->val[d->id], value,
				    strstr(d->metavar, ",...") != NULL ? ", with a comma-separated list" : "");
	o->val[d->id] = value != NULL ? value : "1";
	o->src[d->id] = SRC_FLAG;
	o->count[d->id]++;
	return 0;
}

/* "unknown option '--namespce'; did you mean '--namespace'?" */
static int
unknown_long(const char *arg, size_t len, struct mcle_err *err)
{
	const char *names[OPT__COUNT], *pick;
	char word[SUGGEST_LEN_MAX + 1];
	size_t i;

	for (i = 0; i < OPT__COUNT; i++)
		names[i] = opt_table[i].name;
	snprintf(word, sizeof(word), "%.*s", (int)len, arg);
	pick = len <= SUGGEST_LEN_MAX ? str_suggest(word, names, OPT__COUNT) : NULL;
	if (pick != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "unknown option '--%.*s'; did you mean '--%s'?",
				    len > 64 ? 64 : (int)len, arg, pick);
	return mcle_err_set(err, MCLE_EUSAGE, "unknown option '--%.*s'",
			    len > 64 ? 64 : (int)len, arg);
}

/* "--name", "--name=value", "--name value". */
static int
parse_long(struct opts *o, int argc, char **argv, int *i, struct mcle_err *err)
{
	const char *arg = argv[*i] + 2, *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt_def *d = opt_find_long(arg, len);

	if (d == NULL)
		return unknown_long(arg, len, err);
	if (d->metavar == NULL) {
		if (eq != NULL)
			return mcle_err_set(err, MCLE_EUSAGE,
					    "option '--%s' takes no value", d->name);
		return set_flag(o, d, NULL, err);
	}
	if (eq != NULL)
		return set_flag(o, d, eq + 1, err);
	if (*i + 1 >= argc)
		return mcle_err_set(err, MCLE_EUSAGE, "option '--%s' needs a value (%s)",
				    d->name, d->metavar);
	return set_flag(o, d, argv[++*i], err);
}

/* "-n NS", "-nNS", "-vv". */
static int
parse_short(struct opts *o, int argc, char **argv, int *i, struct mcle_err *err)
{
	const char *p = argv[*i] + 1;
	const struct opt_def *d;

	for (; *p != '\0'; p++) {
		if ((d = opt_find_short(*p)) == NULL)
			return mcle_err_set(err, MCLE_EUSAGE, "unknown option '-%c'", *p);
		if (d->metavar == NULL) {
			if (set_flag(o, d, NULL, err) < 0)
				return -1;
			continue;
		}
		if (p[1] != '\0')
			return set_flag(o, d, p + 1, err);
		if (*i + 1 >= argc)
			return mcle_err_set(err, MCLE_EUSAGE, "option '-%c' needs a value (%s)",
					    *p, d->metavar);
		return set_flag(o, d, argv[++*i], err);
	}
	return 0;
}

int
opts_parse(struct opts *o, int argc, char **argv, struct mcle_err *err)
{
	int i, dashdash = 0;

	memset(o, 0, sizeof(*o));
	if ((o->args = calloc((size_t)argc + 1, sizeof(*o->args))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!dashdash && strcmp(a, "--") == 0) {
			dashdash = 1;
		} else if (!dashdash && a[0] == '-' && a[1] == '-') {
			if (parse_long(o, argc, argv, &i, err) < 0)
				return -1;
		} else if (!dashdash && a[0] == '-' && a[1] != '\0') {
			if (parse_short(o, argc, argv, &i, err) < 0)
				return -1;
		} else if (o->command == NULL) {
			o->command = a;
		} else {
			o->args[o->nargs++] = argv[i];
			o->args_before_dashdash += !dashdash;
		}
	}
	return 0;
}

static int
config_cb(void *arg, const char *key, const char *value, const char *where,
	  struct mcle_err *err)
{
	struct opts *o = arg;
	const struct opt_def *d = opt_find_long(key, strlen(key));

	if (d == NULL || !d->in_config)
		return mcle_err_set(err, MCLE_ECONFIG, "%s: unknown setting '%s'", where, key);
	if (o->src[d->id] != SRC_DEFAULT)
		return 0;	/* a flag or the environment wins */
	free(o->owned[d->id]);
	free(o->where[d->id]);
	o->owned[d->id] = strdup(value);
	o->where[d->id] = strdup(where);
	if (o->owned[d->id] == NULL || o->where[d->id] == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	o->val[d->id] = o->owned[d->id];
	o->src[d->id] = SRC_CONFIG;
	return 0;
}

int
opts_resolve(struct opts *o, struct mcle_err *err)
{
	const char *path, *v;
	size_t i;

	for (i = 0; i < OPT__COUNT; i++) {
		if (o->src[i] != SRC_DEFAULT || opt_table[i].env == NULL)
			continue;
		if ((v = getenv(opt_table[i].env)) != NULL && *v != '\0') {
			o->val[i] = v;
			o->src[i] = SRC_ENV;
		}
	}
	path = o->val[OPT_CONFIG];
	if (path != NULL && *path == '\0')
		return mcle_err_set(err, MCLE_EUSAGE, "empty config file name");
	if (config_file_read(path ? path : DEFAULT_CONFIG, path == NULL,
			     config_cb, o, err) < 0)
		return -1;
	for (i = 0; i < OPT__COUNT; i++)
		if (o->val[i] == NULL && opt_table[i].def != NULL)
			o->val[i] = opt_table[i].def;
	return 0;
}

void
opts_origin(const struct opts *o, enum opt_id id, char *buf, size_t len)
{
	const struct opt_def *d = &opt_table[id];

	switch (o->src[id]) {
	case SRC_ENV:
		snprintf(buf, len, "%s", d->env);
		break;
	case SRC_CONFIG:
		snprintf(buf, len, "'%s' in %s", d->name, o->where[id]);
		break;
	default:
		snprintf(buf, len, "--%s", d->name);
		break;
	}
}

static int
bad_value(const struct opts *o, enum opt_id id, const char *what,
	  struct mcle_err *err)
{
	char origin[300];

	opts_origin(o, id, origin, sizeof(origin));
	return mcle_err_set(err, o->src[id] == SRC_CONFIG ? MCLE_ECONFIG : MCLE_EUSAGE,
			    "invalid value '%.64s' for %s: %s", o->val[id], origin, what);
}

/* "a,b,c", each a namespace ("" is no namespace at all): 0, or -1 with why. */
static int
check_ns_list(const char *csv, char *why, size_t len)
{
	const char *p = csv;
	char name[64];		/* a DNS-1123 label: at most 63 */
	size_t n;

	if (*csv == '\0')
		return 0;
	for (;; p += n + 1) {
		n = strcspn(p, ",");
		if (n == 0) {
			snprintf(why, len, "an empty name in the list");
			return -1;
		}
		snprintf(name, sizeof(name), "%.*s", (int)n, p);
		if (n >= sizeof(name) || !valid_namespace(name)) {
			snprintf(why, len, "'%.*s' is not a DNS-1123 label", n > 64 ? 64 : (int)n, p);
			return -1;
		}
		if (p[n] == '\0')
			return 0;
	}
}

/* HOST:PORT, :PORT or [ADDRESS]:PORT, the port 0-65535 (the host is the resolver's). */
static int
valid_listen(const char *s)
{
	const char *colon = strrchr(s, ':');
	int64_t port;

	if (colon == NULL || parse_int(colon + 1, 0, 65535, &port) < 0)
		return 0;
	if (s[0] == '[')
		return colon > s + 1 && colon[-1] == ']';
	return memchr(s, ':', (size_t)(colon - s)) == NULL;
}

static int
is_empty(const struct opts *o, enum opt_id id)
{
	return o->val[id] != NULL && *o->val[id] == '\0';
}

/*
 * --max-in-flight, or its alias --parallel when that comes from a stronger
 * source (flag over variable over config file); both are checked.
 */
static int
max_in_flight(const struct opts *o, int *out, struct mcle_err *err)
{
	static const enum opt_id ids[] = { OPT_MAX_IN_FLIGHT, OPT_PARALLEL };
	int64_t v[2] = { 0, 0 };
	size_t i;

	for (i = 0; i < 2; i++)
		if (o->val[ids[i]] != NULL &&
		    parse_int(o->val[ids[i]], 1, MAX_IN_FLIGHT_MAX, &v[i]) < 0)
			return bad_value(o, ids[i], "expected a number from 1 to 1024", err);
	*out = (int)(o->val[OPT_PARALLEL] != NULL &&
		     o->src[OPT_PARALLEL] > o->src[OPT_MAX_IN_FLIGHT] ? v[1] : v[0]);
	return 0;
}

/* The values only commands use: checked here, so that every key is checked alike. */
static int
check_lists(const struct opts *o, struct mcle_err *err)
{
	char why[256];

	if (is_empty(o, OPT_KUBECONFIG))
		return bad_value(o, OPT_KUBECONFIG, "expected a file name", err);
	if (is_empty(o, OPT_CONTEXT))
		return bad_value(o, OPT_CONTEXT, "expected a context name", err);
	if (is_empty(o, OPT_NAMESPACES_FILE))
		return bad_value(o, OPT_NAMESPACES_FILE, "expected a file name", err);
	if (o->val[OPT_NAMESPACES] != NULL &&
	    check_ns_list(o->val[OPT_NAMESPACES], why, sizeof(why)) < 0)
		return bad_value(o, OPT_NAMESPACES, why, err);
	if (o->val[OPT_EXCLUDE] != NULL &&
	    check_ns_list(o->val[OPT_EXCLUDE], why, sizeof(why)) < 0)
		return bad_value(o, OPT_EXCLUDE, why, err);
	if (o->val[OPT_METRICS_FILE] != NULL &&
	    (*o->val[OPT_METRICS_FILE] == '\0' ||
	     o->val[OPT_METRICS_FILE][strlen(o->val[OPT_METRICS_FILE]) - 1] == '/'))
		return bad_value(o, OPT_METRICS_FILE, "expected a file name", err);
	if (o->val[OPT_LISTEN] != NULL && !valid_listen(o->val[OPT_LISTEN]))
		return bad_value(o, OPT_LISTEN, "expected HOST:PORT, :PORT or [ADDRESS]:PORT", err);
	if (!ns_preset_valid(o->val[OPT_EXCLUDE_PRESET]))
		return bad_value(o, OPT_EXCLUDE_PRESET, "expected 'kube', 'gke' or 'none'", err);
	if (o->val[OPT_SELECTOR] != NULL &&
	    parse_selector(o->val[OPT_SELECTOR], why, sizeof(why)) < 0)
		return bad_value(o, OPT_SELECTOR, why, err);
	return 0;
}

/*
 * A duration option from min to max seconds; the message states the limits
 * and the form: "expected a duration from 1s to 24855d3h14m7s (2147483647
 * seconds), such as 60, 90s, 2m or 1h30m".
 */
static int
duration_value(const struct opts *o, enum opt_id id, int64_t min, int64_t max, int64_t *v,
	       struct mcle_err *err)
{
	char lo[MCLE_DURATION_MAX], hi[MCLE_DURATION_MAX], why[160];

	if (parse_duration(o->val[id], max, min == 0, v) == 0)
		return 0;
	duration_format(min, lo);
	duration_format(max, hi);
	snprintf(why, sizeof(why), "expected a duration from %s to %s (%" PRId64 " second%s), "
		 "such as 60, 90s, 2m or 1h30m", lo, hi, max, max == 1 ? "" : "s");
	return bad_value(o, id, why, err);
}

/* reconcile-all's loop, metrics and logs. */
static int
command_settings(const struct opts *o, struct settings *st, struct mcle_err *err)
{
	int64_t v;

	if (o->val[OPT_INTERVAL] != NULL) {
		if (duration_value(o, OPT_INTERVAL, 1, 86400, &v, err) < 0)
			return -1;
		st->interval = v * 1000000;
	}
	if (o->val[OPT_CADENCE] != NULL) {
		if (duration_value(o, OPT_CADENCE, 1, 31 * 86400, &v, err) < 0)
			return -1;
		st->cadence = v * 1000000;
	}
	if (parse_int(o->val[OPT_UNHEALTHY_AFTER], 1, 1000, &v) < 0)
		return bad_value(o, OPT_UNHEALTHY_AFTER, "expected a number from 1 to 1000", err);
	st->unhealthy_after = (int)v;
	if (strcmp(o->val[OPT_LEGACY_LOCKS], "auto") != 0 &&
	    strcmp(o->val[OPT_LEGACY_LOCKS], "off") != 0 &&
	    strncmp(o->val[OPT_LEGACY_LOCKS], "gs://", 5) != 0)
		return bad_value(o, OPT_LEGACY_LOCKS,
				 "expected 'auto', 'off' or gs://BUCKET[/PREFIX]", err);
	if (strncmp(o->val[OPT_LEGACY_LOCKS], "gs://", 5) == 0)
		st->legacy_url = o->val[OPT_LEGACY_LOCKS];
	st->legacy_off = strcmp(o->val[OPT_LEGACY_LOCKS], "off") == 0;
	st->log_format = o->val[OPT_LOG_FORMAT];
	if (strcmp(st->log_format, "text") != 0 && strcmp(st->log_format, "json") != 0)
		return bad_value(o, OPT_LOG_FORMAT, "expected 'text' or 'json'", err);
	st->release_on_exit = o->count[OPT_RELEASE_ON_EXIT] > 0;
	st->no_events = o->count[OPT_NO_EVENTS] > 0;
	st->quiet = o->count[OPT_QUIET] > 0;
	st->metrics_file = o->val[OPT_METRICS_FILE];
	st->listen = o->val[OPT_LISTEN];
	return 0;
}

/* acquire's and run's own durations (whole seconds, as the lease's). */
static int
run_settings(const struct opts *o, struct settings *st, struct mcle_err *err)
{
	int64_t v;

	st->exclusive = o->count[OPT_EXCLUSIVE] > 0;
	st->kill_grace = -1;
	if (o->val[OPT_WAIT] != NULL) {
		if (parse_duration(o->val[OPT_WAIT], 31 * 86400, 1, &v) < 0)
			return bad_value(o, OPT_WAIT, "expected seconds up to 31 days (e.g. 90s, 10m)",
					 err);
		st->wait = v * 1000000;
	}
	if (o->val[OPT_RENEW_EVERY] != NULL) {
		if (parse_duration(o->val[OPT_RENEW_EVERY], INT32_MAX, 0, &v) < 0)
			return bad_value(o, OPT_RENEW_EVERY,
					 "expected a positive number of seconds (e.g. 20, 1m)", err);
		st->renew_every = v * 1000000;
	}
	if (o->val[OPT_KILL_GRACE] != NULL) {
		if (parse_duration(o->val[OPT_KILL_GRACE], INT32_MAX, 1, &v) < 0)
			return bad_value(o, OPT_KILL_GRACE, "expected a number of seconds (e.g. 0, 10s)",
					 err);
		st->kill_grace = v * 1000000;
	}
	return 0;
}

int
opts_settings(const struct opts *o, struct settings *st, struct mcle_err *err)
{
	char why[256];
	int64_t v;

	memset(st, 0, sizeof(*st));
	st->store = o->val[OPT_STORE];
	st->identity = o->val[OPT_IDENTITY];
	if (st->identity != NULL && !valid_identity(st->identity))
		return bad_value(o, OPT_IDENTITY,
				 "expected 1-253 printable characters without spaces or quotes", err);
	if (duration_value(o, OPT_LEASE_DURATION, 1, INT32_MAX, &v, err) < 0)
		return -1;
	st->lease_duration = (int32_t)v;
	if (duration_value(o, OPT_CLOCK_SKEW, 0, 3600, &v, err) < 0)
		return -1;
	st->skew = v * 1000000;
	if (duration_value(o, OPT_TIMEOUT, 1, 86400, &v, err) < 0)
		return -1;
	st->timeout = v * 1000000;
	if (parse_duration(o->val[OPT_REQUEST_TIMEOUT], 3600, 0, &v) < 0)
		return bad_value(o, OPT_REQUEST_TIMEOUT,
				 "expected a positive number of seconds up to 3600", err);
	st->request_timeout = v * 1000000;
	st->namespace = o->val[OPT_NAMESPACE];
	if (st->namespace != NULL && !valid_namespace(st->namespace))
		return bad_value(o, OPT_NAMESPACE,
				 "not a DNS-1123 label (1-63 of a-z, 0-9, '-')", err);
	st->output = o->val[OPT_OUTPUT];
	if (output_check(st->output, why, sizeof(why)) < 0)
		return bad_value(o, OPT_OUTPUT, why, err);
	st->kubeconfig = o->val[OPT_KUBECONFIG];
	st->context = o->val[OPT_CONTEXT];
	st->verbose = o->count[OPT_VERBOSE];
	st->lease_name = o->val[OPT_LEASE_NAME];
	st->lease_group = o->val[OPT_LEASE_GROUP];
	st->lease_version = o->val[OPT_LEASE_VERSION];
	st->lease_plural = o->val[OPT_LEASE_PLURAL];
	st->no_cluster = o->count[OPT_NO_CLUSTER] > 0;
	if (max_in_flight(o, &st->max_in_flight, err) < 0)
		return -1;
	st->parallel = st->max_in_flight;
	if (command_settings(o, st, err) < 0)
		return -1;
	if (!valid_subdomain(st->lease_name))
		return bad_value(o, OPT_LEASE_NAME, "not a DNS-1123 subdomain", err);
	if (!valid_subdomain(st->lease_group))
		return bad_value(o, OPT_LEASE_GROUP, "not a DNS-1123 subdomain", err);
	if (!valid_namespace(st->lease_version))
		return bad_value(o, OPT_LEASE_VERSION, "not a DNS-1123 label", err);
	if (!valid_namespace(st->lease_plural))
		return bad_value(o, OPT_LEASE_PLURAL, "not a DNS-1123 label", err);
	if (run_settings(o, st, err) < 0)
		return -1;
	return check_lists(o, err);
}

void
opts_blame(const struct opts *o, enum opt_id id, struct mcle_err *err)
{
	char origin[300], msg[MCLE_ERR_MSG_MAX];

	if (err->code != MCLE_EUSAGE || (o->src[id] != SRC_CONFIG && o->src[id] != SRC_ENV))
		return;
	opts_origin(o, id, origin, sizeof(origin));
	memcpy(msg, err->msg, sizeof(msg));
	mcle_err_clear(err);
	mcle_err_set(err, o->src[id] == SRC_CONFIG ? MCLE_ECONFIG : MCLE_EUSAGE,
		     "%s: %s", origin, msg);
}

void
opts_free(struct opts *o)
{
	size_t i;

	for (i = 0; i < OPT__COUNT; i++) {
		free(o->owned[i]);
		free(o->where[i]);
	}
	free(o->args);
}

void
opts_print_help(FILE *f, enum opt_id id)
{
	const struct opt_def *d = &opt_table[id];
	char lhs[64];

	if (d->short_name != 0)
		snprintf(lhs, sizeof(lhs), "-%c, --%s%s%s", d->short_name, d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
	else
		snprintf(lhs, sizeof(lhs), "    --%s%s%s", d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
	fprintf(f, "  %-30s %s", lhs, d->help);
	if (d->env != NULL)
		fprintf(f, " [%s]", d->env);
	fputc('\n', f);
}
