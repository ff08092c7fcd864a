/* completion.h - shell completion scripts made from the command and option tables. */
#ifndef MCLE_COMPLETION_H
#define MCLE_COMPLETION_H

#include <stdio.h>

/* Print the script for shell ("bash", "zsh" or "fish") to f; -1 for another. */
int completion_script(FILE *f, const char *shell);

#endif
