/*
 * options.h - the option table: flags, MCLE_* environment and config file.
 *
 * Every option is declared once, in options.c.  The table drives parsing,
 * --help, the config file's keys and the precedence
 * flags > environment > config file > defaults.
 */
#ifndef MCLE_OPTIONS_H
#define MCLE_OPTIONS_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

enum opt_id {
	/* global */
	OPT_STORE,
	OPT_IDENTITY,
	OPT_LEASE_DURATION,
	OPT_CLOCK_SKEW,
	OPT_TIMEOUT,
	OPT_REQUEST_TIMEOUT,
	OPT_NAMESPACE,
	OPT_OUTPUT,
	OPT_KUBECONFIG,
	OPT_CONTEXT,
	OPT_CONFIG,
	OPT_VERBOSE,
	OPT_HELP,
	OPT_VERSION,
	/* per command */
	OPT_ALL,
	OPT_CHECK,
	OPT_NAMESPACES,
	OPT_NAMESPACES_FILE,
	OPT_SELECTOR,
	OPT_EXCLUDE,
	OPT_LEASE_NAME,
	OPT_LEASE_GROUP,
	OPT_LEASE_VERSION,
	OPT_LEASE_PLURAL,
	OPT_NO_CLUSTER,
	OPT_PARALLEL,
	OPT_INTERVAL,
	OPT_RELEASE_ON_EXIT,
	OPT_METRICS_FILE,
	OPT_LISTEN,
	OPT_UNHEALTHY_AFTER,
	OPT_NO_EVENTS,
	OPT_LOG_FORMAT,
	OPT_QUIET,
	OPT_PARTIAL_OK,
	OPT_WAIT,
	OPT_EXCLUSIVE,
	OPT_RENEW_EVERY,
	OPT_KILL_GRACE,
	OPT_MAX_IN_FLIGHT,
	OPT_LEGACY_LOCKS,
	OPT_EXCLUDE_PRESET,
	OPT_DRY_RUN,
	OPT_MIN_EPOCH,
	OPT_CADENCE,
	OPT__COUNT
};

enum opt_source { SRC_DEFAULT, SRC_CONFIG, SRC_ENV, SRC_FLAG };

struct opt_def {
	enum opt_id id;
	const char *name;	/* long name, also the config file key */
	char short_name;	/* 0 if none */
	const char *env;	/* environment variable, or NULL */
	const char *metavar;	/* NULL for a flag without a value */
	const char *help;
	int global;		/* valid with every command */
	int in_config;		/* may be set in the config file */
	const char *def;	/* default value, or NULL */
};

extern const struct opt_def opt_table[OPT__COUNT];

/* Values as resolved: the winning string and where it came from. */
struct opts {
	const char *val[OPT__COUNT];
	enum opt_source src[OPT__COUNT];
	char *where[OPT__COUNT];	/* config file position, for messages */
	int count[OPT__COUNT];		/* times a flag was given (-v -v) */
	char *owned[OPT__COUNT];	/* config values we must free */
	const char *command;		/* command name as given, or NULL */
	char **args;			/* positional arguments after the command */
	int nargs;
	int args_before_dashdash;	/* how many of args came before "--" */
};

/* Typed settings derived from struct opts after validation. */
struct settings {
	const char *store;
	const char *identity;
	int32_t lease_duration;		/* seconds */
	int64_t skew;			/* microseconds */
	int64_t timeout;		/* microseconds */
	int64_t request_timeout;	/* microseconds: one HTTP attempt at most */
	const char *namespace;
	const char *output;		/* -o: a format of output.c */
	const char *kubeconfig;
	const char *context;
	int verbose;
	const char *lease_name;		/* the Lease resource: name, group, version, plural */
	const char *lease_group;
	const char *lease_version;
	const char *lease_plural;
	int no_cluster;			/* --no-cluster */
	int parallel;			/* the same as max_in_flight (--parallel is its alias) */
	int max_in_flight;		/* requests at once (--max-in-flight, --parallel) */
	int64_t interval;		/* --interval, microseconds; 0: one pass */
	int release_on_exit;		/* --release-on-exit */
	const char *metrics_file;	/* --metrics-file, or NULL */
	const char *listen;		/* --listen HOST:PORT, or NULL */
	int unhealthy_after;		/* --unhealthy-after: intervals */
	int no_events;			/* --no-events */
	const char *log_format;		/* --log-format: text or json */
	int legacy_off;			/* --legacy-locks off */
	const char *legacy_url;		/* --legacy-locks gs://BUCKET[/PREFIX], or NULL */
	int quiet;			/* -q */
	int64_t wait;			/* acquire, run: --wait, microseconds (0: try once) */
	int exclusive;			/* acquire --exclusive */
	int64_t renew_every;		/* run: microseconds; 0: a third of the lease */
	int64_t kill_grace;		/* run: microseconds; -1: the default */
	int64_t cadence;		/* migrate: --cadence, microseconds; 0: not given */
};

const struct opt_def *opt_find_long(const char *name, size_t len);
const struct opt_def *opt_find_short(char c);

/*
 * Parse argv into o (flags only; then opts_resolve adds env, config file
 * and defaults).  Usage errors are MCLE_EUSAGE.
 */
int opts_parse(struct opts *o, int argc, char **argv, struct mcle_err *err);

/* Fill what flags did not set from the environment, the config file, defaults. */
int opts_resolve(struct opts *o, struct mcle_err *err);

/* Validate and convert the global options. */
int opts_settings(const struct opts *o, struct settings *st, struct mcle_err *err);

void opts_free(struct opts *o);

/* "--store" or "'store' in /etc/mcle/config.yaml:3" or "MCLE_STORE", for messages. */
void opts_origin(const struct opts *o, enum opt_id id, char *buf, size_t len);

/*
 * A usage error found later about option id's value (e.g. by the store):
 * when the value came from the config file it becomes a configuration error
 * naming "'KEY' in FILE:LINE"; from the environment, it names the variable.
 */
void opts_blame(const struct opts *o, enum opt_id id, struct mcle_err *err);

/* One help line per option: "  -n, --namespace NS   the namespace ...". */
void opts_print_help(FILE *f, enum opt_id id);

#endif
