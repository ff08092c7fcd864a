/*
 * cmd.h - the command table.  Each command lives in its own cmd-NAME.c and
 * exports one `const struct cmd_entry`; usage and help come only from it.
 */
#ifndef MCLE_CMD_H
#define MCLE_CMD_H

#include <stdio.h>

#include <json-c/json.h>

#include "err.h"
#include "kube.h"
#include "options.h"
#include "store.h"

/* Setup the dispatcher does before a command's exec runs. */
#define CMD_NEEDS_STORE		0x01	/* open --store */
#define CMD_NEEDS_IDENTITY	0x02	/* --identity is required */
#define CMD_NEEDS_NAMESPACE	0x04	/* -n is required */

#define CMD_OPTIONS_MAX 8

struct cmd_entry;

struct cmd_ctx {
	const struct cmd_entry *entry;
	const struct opts *opts;
	struct settings st;
	struct store *store;
	FILE *out;
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
extern const struct cmd_entry cmd_reconcile_all_entry;
extern const struct cmd_entry cmd_release_entry;
extern const struct cmd_entry cmd_renew_entry;
extern const struct cmd_entry cmd_status_entry;

/* Exact names only: no prefixes, no aliases. */
const struct cmd_entry *cmd_find(const char *name);

/* 1 if the command accepts option id (global options always). */
int cmd_accepts(const struct cmd_entry *c, enum opt_id id);

void cmd_print_usage(FILE *f, const struct cmd_entry *c);
void cmd_print_help(FILE *f, const struct cmd_entry *c);
void cmd_print_main_help(FILE *f);

/* Election parameters from the settings. */
struct elect_params;
void cmd_elect_params(const struct cmd_ctx *ctx, struct elect_params *p);

/* Print one lease's state in the chosen format (acquire, renew, release, status). */
struct lease_result;
int cmd_print_lease(struct cmd_ctx *ctx, const char *ns,
		    const struct lease_result *res, struct mcle_err *err);

/* The same, with the Lease resource's status in the JSON ("resourceStatus"). */
int cmd_print_lease_resource(struct cmd_ctx *ctx, const char *ns,
			     const struct lease_result *res, json_object *rs,
			     struct mcle_err *err);

/*
 * The namespace's Lease resource around a store operation, when a cluster
 * is configured and --no-cluster is not given: cmd_cluster_begin reads it
 * (creating it first if `create`: before the store, so that we never hold
 * a lease whose status we cannot write), cmd_cluster_write writes its
 * status if it changed, cmd_cluster_end frees.  Without a cluster, or
 * without a resource and !create, the others do nothing.
 */
struct cmd_cluster {
	struct kube_client *k;		/* NULL: no cluster */
	struct kube_lease l;
	int have;			/* l holds the resource */
};

int cmd_cluster_begin(struct cmd_ctx *ctx, const char *ns, int create,
		      struct cmd_cluster *cc, struct mcle_err *err);
int cmd_cluster_write(struct cmd_ctx *ctx, struct cmd_cluster *cc,
		      const struct lease_result *res, struct mcle_err *err);
void cmd_cluster_end(struct cmd_cluster *cc);

/* One store operation on the lease of -n NAMESPACE. */
typedef int (*cmd_lease_fn)(struct store *s, const char *ns,
			    const struct elect_params *p, struct lease_result *res,
			    struct mcle_err *err);

/*
 * The body of acquire, renew and release: the Lease resource around one
 * store operation (created first if `create`), then the lease printed
 * (also when it is busy: the holder and expiry are what a script wants).
 */
int cmd_lease_op(struct cmd_ctx *ctx, cmd_lease_fn fn, int create,
		 struct mcle_err *err);

/* The resource's spec.leaseDurationSeconds, unless --lease-duration was given. */
void cmd_cluster_duration(const struct cmd_ctx *ctx, const struct cmd_cluster *cc,
			  struct elect_params *p);

#endif
