/*
 * completion.c - shell completion scripts for bash, zsh and fish, made from
 * the command table (cmd.c), the option table (options.c) and the output
 * formats (output.c), so they never disagree with the program.  -n
 * completes from `mcle status --all -o name` (the store of the environment
 * and the configuration file), quietly and with a short deadline.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "completion.h"

#define NAMESPACES_CMD "mcle status --all -o name --no-cluster --timeout 3 2>/dev/null"

/* What an option's value completes to. */
enum value_kind { V_NONE, V_FILE, V_NAMESPACE, V_FORMAT, V_OTHER };

static enum value_kind
value_kind(const struct opt_def *d)
{
	if (d->metavar == NULL)
		return V_NONE;
	if (strcmp(d->metavar, "FILE") == 0)
		return V_FILE;
	if (d->id == OPT_NAMESPACE)
		return V_NAMESPACE;
	if (d->id == OPT_OUTPUT)
		return V_FORMAT;
	return V_OTHER;
}

static void
print_formats(FILE *f, const char *sep)
{
	const char *name;
	size_t i;

	for (i = 0; (name = output_format_name(i)) != NULL; i++)
		fprintf(f, "%s%s%s", i > 0 ? sep : "", name,
			strcmp(name, "jsonpath") == 0 ? "=" : "");
}

/* The words after "case $cmd in NAME)": the command's options, then the globals. */
static void
bash_options(FILE *f, const struct cmd_entry *c)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_def *d = &opt_table[i];

		if (c != NULL ? !cmd_accepts(c, d->id) || ((c->flags & CMD_NO_SETUP) && d->global &&
							   d->id != OPT_HELP) : !d->global)
			continue;
		fprintf(f, "%s--%s", sep, d->name);
		sep = " ";
		if (d->short_name != 0)
			fprintf(f, " -%c", d->short_name);
	}
}

/* "-n|--namespace|..." for the options of kind k. */
static int
bash_pattern(FILE *f, enum value_kind k)
{
	int n = 0;
	size_t i;

	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_def *d = &opt_table[i];

		if (value_kind(d) != k)
			continue;
		fprintf(f, "%s--%s", n++ ? "|" : "", d->name);
		if (d->short_name != 0)
			fprintf(f, "|-%c", d->short_name);
	}
	return n;
}

static void
bash_script(FILE *f)
{
	const struct cmd_entry *c;
	size_t i;

	fputs("# bash completion for mcle; made by 'mcle completion bash'.\n"
	      "# Load it with: source <(mcle completion bash)\n"
	      "_mcle() {\n"
	      "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "\tlocal cmd='' i opts\n"
	      "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "\t\tcase ${COMP_WORDS[i]} in\n\t\t", f);
	for (i = 1; i < V_OTHER + 1; i++) {
		if (i > 1)
			fputc('|', f);
		bash_pattern(f, (enum value_kind)i);
	}
	fputs(") ((i++)) ;;\n"
	      "\t\t-*) ;;\n"
	      "\t\t*) [[ -n $cmd ]] || cmd=${COMP_WORDS[i]} ;;\n"
	      "\t\tesac\n"
	      "\tdone\n"
	      "\tcase $prev in\n\t", f);
	bash_pattern(f, V_FILE);
	fputs(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n\t", f);
	bash_pattern(f, V_NAMESPACE);
	fputs(")\n\t\tCOMPREPLY=($(compgen -W \"$(" NAMESPACES_CMD ")\" -- \"$cur\")); return ;;\n\t", f);
	bash_pattern(f, V_FORMAT);
	fputs(")\n\t\tCOMPREPLY=($(compgen -W '", f);
	print_formats(f, " ");
	fputs("' -- \"$cur\")); return ;;\n\t", f);
	bash_pattern(f, V_OTHER);
	fputs(")\n\t\treturn ;;\n\tesac\n\tcase $cmd in\n", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++) {
		fprintf(f, "\t%s) opts='", c->name);
		bash_options(f, c);
		fputs("' ;;\n", f);
	}
	fputs("\t*) opts='", f);
	bash_options(f, NULL);
	fputs("' ;;\n\tesac\n"
	      "\tif [[ $cur == -* ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	      "\telif [[ -z $cmd || $cmd == help ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W '", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? " " : "", c->name);
	fputs("' -- \"$cur\"))\n"
	      "\telif [[ $cmd == completion ]]; then\n"
	      "\t\tCOMPREPLY=($(compgen -W 'bash zsh fish' -- \"$cur\"))\n"
	      "\tfi\n"
	      "}\n"
	      "complete -F _mcle mcle\n", f);
}

/* text in single quotes for zsh and fish ('\'' for '); brackets and colons escaped for zsh. */
static void
quoted(FILE *f, const char *s, int zsh_spec)
{
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs(zsh_spec ? "'\\''" : "\\'", f);
		else if (*s == '\\' && !zsh_spec)
			fputs("\\\\", f);
		else if (zsh_spec && (*s == '[' || *s == ']' || *s == ':'))
			fprintf(f, "\\%c", *s);
		else
			fputc(*s, f);
	}
}

static void
zsh_option(FILE *f, const struct opt_def *d)
{
	static const char *const action[] = {
		[V_FILE] = "_files", [V_NAMESPACE] = "_mcle_namespaces", [V_FORMAT] = "_mcle_formats",
		[V_OTHER] = " ",
	};
	enum value_kind k = value_kind(d);

	if (d->short_name != 0)
		fprintf(f, "\t\t'(-%c --%s)'{-%c,--%s}'", d->short_name, d->name, d->short_name,
			d->name);
	else
		fprintf(f, "\t\t'--%s", d->name);
	fputc('[', f);
	quoted(f, d->help, 1);
	fputc(']', f);
	if (k != V_NONE) {
		fputc(':', f);
		quoted(f, d->metavar, 1);
		fprintf(f, ":%s", action[k]);
	}
	fputs("'\n", f);
}

static void
zsh_script(FILE *f)
{
	const struct cmd_entry *c;
	size_t i, j;

	fputs("#compdef mcle\n"
	      "# zsh completion for mcle; made by 'mcle completion zsh'.\n"
	      "# Put it in a directory of $fpath as _mcle, or: source <(mcle completion zsh)\n"
	      "_mcle_namespaces() {\n"
	      "\tlocal -a ns\n"
	      "\tns=(${(f)\"$(" NAMESPACES_CMD ")\"})\n"
	      "\tcompadd -a ns\n"
	      "}\n"
	      "_mcle_formats() {\n"
	      "\tcompadd -S '' -- ", f);
	print_formats(f, " ");
	fputs("\n}\n"
	      "_mcle() {\n"
	      "\tlocal curcontext=$curcontext state line\n"
	      "\tlocal -a commands globals\n"
	      "\tcommands=(\n", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++) {
		fprintf(f, "\t\t'%s:", c->name);
		quoted(f, c->summary, 1);
		fputs("'\n", f);
	}
	fputs("\t)\n\tglobals=(\n", f);
	for (i = 0; i < OPT__COUNT; i++)
		if (opt_table[i].global)
			zsh_option(f, &opt_table[i]);
	fputs("\t)\n"
	      "\t_arguments -C $globals '1:command:->command' '*::argument:->argument'\n"
	      "\tcase $state in\n"
	      "\tcommand) _describe -t commands command commands ;;\n"
	      "\targument)\n"
	      "\t\tcase $line[1] in\n", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++) {
		fprintf(f, "\t\t%s)\n\t\t\tlocal -a opts\n\t\t\topts=(\n", c->name);
		for (j = 0; j < CMD_OPTIONS_MAX && c->options[j] != OPT__COUNT; j++) {
			fputc('\t', f);
			zsh_option(f, &opt_table[c->options[j]]);
		}
		if (strcmp(c->name, "help") == 0)
			fputs("\t\t\t\t'1:command:->command'\n", f);
		else if (strcmp(c->name, "completion") == 0)
			fputs("\t\t\t\t'1:shell:(bash zsh fish)'\n", f);
		fprintf(f, "\t\t\t)\n\t\t\t_arguments%s $opts\n\t\t\t;;\n",
			(c->flags & CMD_NO_SETUP) ? "" : " $globals");
	}
	fputs("\t\tesac\n"
	      "\t\t[[ $state == command ]] && _describe -t commands command commands\n"
	      "\t\t;;\n"
	      "\tesac\n"
	      "}\n"
	      "if [[ $funcstack[1] == _mcle ]]; then _mcle \"$@\"; else compdef _mcle mcle; fi\n", f);
}

static void
fish_option(FILE *f, const struct opt_def *d, const char *cond)
{
	enum value_kind k = value_kind(d);

	fputs("complete -c mcle", f);
	if (cond != NULL)
		fprintf(f, " -n '__fish_seen_subcommand_from %s'", cond);
	if (d->short_name != 0)
		fprintf(f, " -s %c", d->short_name);
	fprintf(f, " -l %s", d->name);
	if (k == V_FILE)
		fputs(" -r -F", f);
	else if (k == V_NAMESPACE)
		fputs(" -x -a '(" NAMESPACES_CMD ")'", f);
	else if (k == V_FORMAT) {
		fputs(" -x -a '", f);
		print_formats(f, " ");
		fputc('\'', f);
	} else if (k == V_OTHER)
		fputs(" -x", f);
	fputs(" -d '", f);
	quoted(f, d->help, 0);
	fputs("'\n", f);
}

static void
fish_script(FILE *f)
{
	const struct cmd_entry *c;
	char users[256];
	size_t i, j, n;

	fputs("# fish completion for mcle; made by 'mcle completion fish'.\n"
	      "# Save it as ~/.config/fish/completions/mcle.fish, or: mcle completion fish | source\n"
	      "complete -c mcle -f\n", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++) {
		fprintf(f, "complete -c mcle -n __fish_use_subcommand -a %s -d '", c->name);
		quoted(f, c->summary, 0);
		fputs("'\n", f);
	}
	for (i = 0; i < OPT__COUNT; i++) {
		const struct opt_def *d = &opt_table[i];

		if (d->global) {
			fish_option(f, d, NULL);
			continue;
		}
		/* a command's own option: offered after the commands that take it */
		users[0] = '\0';
		for (j = 0, n = 0; (c = cmd_at(j)) != NULL; j++)
			if (cmd_accepts(c, d->id))
				n += (size_t)snprintf(users + n, n < sizeof(users) ? sizeof(users) - n : 0,
						      "%s%s", n ? " " : "", c->name);
		if (n > 0 && n < sizeof(users))
			fish_option(f, d, users);
	}
	fputs("complete -c mcle -n '__fish_seen_subcommand_from help' -a '", f);
	for (i = 0; (c = cmd_at(i)) != NULL; i++)
		fprintf(f, "%s%s", i > 0 ? " " : "", c->name);
	fputs("'\ncomplete -c mcle -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n",
	      f);
}

int
completion_script(FILE *f, const char *shell)
{
	if (strcmp(shell, "bash") == 0)
		bash_script(f);
	else if (strcmp(shell, "zsh") == 0)
		zsh_script(f);
	else if (strcmp(shell, "fish") == 0)
		fish_script(f);
	else
		return -1;
	return 0;
}
