/* cmd.c - the command table, the help it generates, and what commands share. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "namespaces.h"
#include "parse.h"

/* Alphabetical. */
static const struct cmd_entry *const cmd_table[] = {
	&cmd_acquire_entry,
	&cmd_completion_entry,
	&cmd_gc_entry,
	&cmd_help_entry,
	&cmd_migrate_entry,
	&cmd_reconcile_all_entry,
	&cmd_release_entry,
	&cmd_renew_entry,
	&cmd_run_entry,
	&cmd_repair_entry,
	&cmd_status_entry,
};

#define NCMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

const struct cmd_entry *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (strcmp(cmd_table[i]->name, name) == 0)
			return cmd_table[i];
	return NULL;
}

const struct cmd_entry *
cmd_at(size_t i)
{
	return i < NCMDS ? cmd_table[i] : NULL;
}

const char *
cmd_suggest(const char *name)
{
	const char *names[NCMDS];
	size_t i;

	for (i = 0; i < NCMDS; i++)
		names[i] = cmd_table[i]->name;
	return str_suggest(name, names, NCMDS);
}

int
cmd_accepts(const struct cmd_entry *c, enum opt_id id)
{
	size_t i;

	if (opt_table[id].global)
		return 1;
	for (i = 0; i < CMD_OPTIONS_MAX && c->options[i] != OPT__COUNT; i++)
		if (c->options[i] == id)
			return 1;
	return 0;
}

void
cmd_print_usage(FILE *f, const struct cmd_entry *c)
{
	fprintf(f, "usage: mcle %s %s\n", c->name, c->usage);
}

static void
print_globals(FILE *f)
{
	size_t i;

	fputs("\nGlobal options (before or after the command):\n", f);
	for (i = 0; i < OPT__COUNT; i++)
		if (opt_table[i].global)
			opts_print_help(f, opt_table[i].id);
}

void
cmd_print_help(FILE *f, const struct cmd_entry *c)
{
	size_t i;

	cmd_print_usage(f, c);
	fprintf(f, "\n%s\n", c->help);
	if (c->options[0] != OPT__COUNT) {
		fputs("\nOptions:\n", f);
		for (i = 0; i < CMD_OPTIONS_MAX && c->options[i] != OPT__COUNT; i++)
			opts_print_help(f, c->options[i]);
	}
	if (!(c->flags & CMD_NO_SETUP))
		print_globals(f);
	fprintf(f, "\nSee mcle-%s(1).\n", c->name);
}

void
cmd_print_main_help(FILE *f)
{
	size_t i;

	fputs("usage: mcle [options] COMMAND [options]\n\n"
	      "Elect one leader per Kubernetes namespace across clusters, using lock\n"
	      "objects in Google Cloud Storage (or a local directory).\n\n"
	      "Commands:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-15s %s\n", cmd_table[i]->name, cmd_table[i]->summary);
	print_globals(f);
	fputs("\nOutput formats (-o): text, wide, json, yaml, name, jsonpath=TEMPLATE\n"
	      "(kubectl's templates: -o 'jsonpath={range [*]}{.namespace}{\"\\n\"}{end}').\n", f);
	fputs("\nExit status: 0 ok, 1 held by another identity (migrate --check:\n"
	      "problems found), 2 usage error,\n"
	      "3 lease lost, 4 temporarily unavailable, 5 configuration, credential,\n"
	      "permission or data error, 6 reconcile-all: some namespaces failed,\n"
	      "122 run: the command was stopped, its lease lost or not confirmed in\n"
	      "time (else run exits with the command's status), 128+N ended by\n"
	      "signal N (143 SIGTERM, 130 SIGINT).\n"
	      "\nSee mcle(1) and 'mcle help COMMAND'.\n", f);
}

/* "unknown command 'aquire'; did you mean 'acquire'?" */
int
cmd_unknown(const char *name, struct mcle_err *err)
{
	const char *pick = cmd_suggest(name);

	if (pick != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "unknown command '%.64s'; did you mean '%s'?",
				    name, pick);
	return mcle_err_set(err, MCLE_EUSAGE, "unknown command '%.64s'", name);
}

/* mcle help [COMMAND] */
static int
help_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	const struct cmd_entry *c;

	if (o->nargs > 1)
		return mcle_err_set(err, MCLE_EUSAGE, "unexpected argument '%s'", o->args[1]);
	if (o->nargs == 0) {
		cmd_print_main_help(stdout);
		return 0;
	}
	if ((c = cmd_find(o->args[0])) == NULL)
		return cmd_unknown(o->args[0], err);
	cmd_print_help(stdout, c);
	return 0;
}

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND]",
	.summary = "show the help of mcle or of a command",
	.help = "Print the help of COMMAND, as 'mcle COMMAND --help' does, or without\n"
		"one the list of commands and global options, as 'mcle --help' does.",
	.flags = CMD_NO_SETUP | CMD_TAKES_ARGS,
	.options = { OPT__COUNT },
	.exec = help_exec,
};

int
cmd_given_namespaces(const struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char origin[300];

	if (o->val[OPT_NAMESPACES] != NULL) {
		opts_origin(o, OPT_NAMESPACES, origin, sizeof(origin));
		if (ns_list_csv(l, o->val[OPT_NAMESPACES], origin, err) < 0)
			return -1;
	}
	if (o->val[OPT_NAMESPACES_FILE] != NULL &&
	    ns_list_file(l, o->val[OPT_NAMESPACES_FILE], err) < 0) {
		opts_blame(o, OPT_NAMESPACES_FILE, err);
		return -1;
	}
	return 0;
}

int
cmd_excluded(const struct cmd_ctx *ctx, struct ns_list *l, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	char origin[300];

	/* --exclude adds to the preset's (kube: the three kube-* namespaces) */
	if (ns_list_preset(l, o->val[OPT_EXCLUDE_PRESET], err) < 0)
		return -1;
	opts_origin(o, OPT_EXCLUDE, origin, sizeof(origin));
	if (*o->val[OPT_EXCLUDE] != '\0' && ns_list_csv(l, o->val[OPT_EXCLUDE], origin, err) < 0)
		return -1;
	ns_list_sort(l);
	return 0;
}
