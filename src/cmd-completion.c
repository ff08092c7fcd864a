/* cmd-completion.c - mcle completion bash|zsh|fish (the scripts: completion.c). */
#include "config.h"

#include <stdio.h>

#include "cmd.h"
#include "completion.h"

static int
completion_exec(struct cmd_ctx *ctx, struct mcle_err *err)
{
	const struct opts *o = ctx->opts;
	const char *sh = o->nargs > 0 ? o->args[0] : NULL;

	if (sh == NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "missing SHELL: bash, zsh or fish");
	if (o->nargs > 1)
		return mcle_err_set(err, MCLE_EUSAGE, "unexpected argument '%s'", o->args[1]);
	if (completion_script(stdout, sh) < 0)
		return mcle_err_set(err, MCLE_EUSAGE, "unknown shell '%.32s': expected bash, zsh or fish",
				    sh);
	return 0;
}

const struct cmd_entry cmd_completion_entry = {
	.name = "completion",
	.usage = "bash|zsh|fish",
	.summary = "print a shell completion script for bash, zsh or fish",
	.help = "Print a script that completes mcle's commands, options, output formats\n"
		"and (from the store, with -n) namespaces in the shell named:\n"
		"  bash:  source <(mcle completion bash)      (e.g. in ~/.bashrc)\n"
		"  zsh:   source <(mcle completion zsh)       (after compinit)\n"
		"  fish:  mcle completion fish | source",
	.flags = CMD_NO_SETUP | CMD_TAKES_ARGS,
	.options = { OPT__COUNT },
	.exec = completion_exec,
};
