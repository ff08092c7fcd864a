/*
 * cmd.h - the command table.  Each command lives in its own cmd-NAME.c and
 * exports one `const struct cmd_entry`; usage and help come only from it.
 * A command parses its options and calls an engine (engine-*.c); the
 * dispatcher (mcle.c) has done the shared set-up its flags ask for.
 */
#ifndef MCLE_CMD_H
#define MCLE_CMD_H

#include <stdio.h>

#include "err.h"
#include "http.h"
#include "kube.h"
#include "lease.h"
#include "loop.h"
#include "options.h"
#include "output.h"
#include "store.h"

/* Set-up the dispatcher does before a command's exec runs. */
#define CMD_NEEDS_STORE		0x01	/* open --store */
#define CMD_NEEDS_IDENTITY	0x02	/* --identity is required */
#define CMD_NEEDS_NAMESPACE	0x04	/* -n is required */
#define CMD_NEEDS_CLUSTER	0x08	/* connect to the cluster, if one is configured */
#define CMD_READS_CLUSTER	0x10	/* the same, but a failure is only reported after the output */
#define CMD_NO_SETUP		0x20	/* help, completion: no settings, store or cluster */
#define CMD_TAKES_ARGS		0x40	/* positional arguments (help COMMAND, completion SHELL) */

#define CMD_OPTIONS_MAX 16

struct cmd_entry;

struct cmd_ctx {
	const struct cmd_entry *entry;
	const struct opts *opts;
	struct settings st;
	struct loop *loop;
	struct http_engine *http;
	struct store *store;
	struct kube_client *kube;	/* NULL: no cluster configured, or --no-cluster */
	struct mcle_err kube_err;	/* CMD_READS_CLUSTER: why there is no cluster */
	struct output out;
	int64_t deadline;		/* of the run (--timeout) */
	int exit_status;		/* >= 0: exit with it (run: its COMMAND's), whatever else */
	const char *holder;		/* acquire --exclusive: IDENTITY/run-ID; NULL: --identity */
};

struct cmd_entry {
	const char *name;
	const char *usage;	/* after "mcle NAME ": "-n NS [options]" */
	const char *summary;	/* one line for "mcle --help" */
	const char *help;	/* a paragraph for "mcle NAME --help" */
	unsigned flags;
	enum opt_id options[CMD_OPTIONS_MAX];	/* its own options, OPT__COUNT-terminated */
	int (*exec)(struct cmd_ctx *ctx, struct mcle_err *err);
};

extern const struct cmd_entry cmd_acquire_entry;
extern const struct cmd_entry cmd_completion_entry;
extern const struct cmd_entry cmd_gc_entry;
extern const struct cmd_entry cmd_help_entry;
extern const struct cmd_entry cmd_migrate_entry;
extern const struct cmd_entry cmd_reconcile_all_entry;
extern const struct cmd_entry cmd_release_entry;
extern const struct cmd_entry cmd_renew_entry;
extern const struct cmd_entry cmd_run_entry;
extern const struct cmd_entry cmd_repair_entry;
extern const struct cmd_entry cmd_status_entry;

/* Exact names only: no prefixes, no aliases. */
const struct cmd_entry *cmd_find(const char *name);
/* MCLE_EUSAGE "unknown command 'NAME'", with the likely one if there is one. */
int cmd_unknown(const char *name, struct mcle_err *err);
/* The command most likely meant by an unknown name, or NULL. */
const char *cmd_suggest(const char *name);
/* Command i of the table (alphabetical), NULL past the last. */
const struct cmd_entry *cmd_at(size_t i);

/* 1 if the command accepts option id (global options always). */
int cmd_accepts(const struct cmd_entry *c, enum opt_id id);

void cmd_print_usage(FILE *f, const struct cmd_entry *c);
void cmd_print_help(FILE *f, const struct cmd_entry *c);
void cmd_print_main_help(FILE *f);

/* Election parameters from the settings. */
struct elect_params;
void cmd_elect_params(const struct cmd_ctx *ctx, struct elect_params *p);

/* A job of the single-lease engine on -n NAMESPACE, from the settings. */
struct lease_job;
void cmd_lease_job(const struct cmd_ctx *ctx, enum lease_kind kind, struct lease_job *j);

/*
 * acquire, renew and release: the single-lease engine on -n NAMESPACE,
 * then the lease printed (also when it is busy: the holder and expiry are
 * what a script wants).
 */
int cmd_lease(struct cmd_ctx *ctx, enum lease_kind kind, struct mcle_err *err);

struct ns_list;
/* Add the names of --namespaces and --namespaces-file to l (errors name where). */
int cmd_given_namespaces(const struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err);
/* Add the names --exclude-preset and --exclude leave alone to l, sorted. */
int cmd_excluded(const struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err);

#endif
