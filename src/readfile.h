/*
 * readfile.h - the one bounded file reader.
 *
 * Reads a whole file into a NUL-terminated buffer, looping until end of
 * file, refusing it as soon as it passes `max` bytes (the limit applies
 * while reading: /dev/zero is refused after max + 1 bytes, never read
 * whole).  The rules a caller needs are flags.  Messages name the file:
 * "cannot read WHAT 'PATH': ...", with the caller's error code.
 */
#ifndef MCLE_READFILE_H
#define MCLE_READFILE_H

#include <stddef.h>

#include "err.h"

#define READFILE_ANY		0x01	/* not only regular files (pipes: <(cmd)) */
#define READFILE_NOFOLLOW	0x02	/* refuse a symbolic link */
#define READFILE_PRIVATE	0x04	/* refuse a file others may write */
#define READFILE_SECRET		0x08	/* wipe every copy of the contents */

struct readfile_opts {
	const char *what;		/* "config file", "token file", ... */
	enum mcle_code code;		/* for every failure but ENOMEM */
	size_t max;			/* bytes */
	unsigned flags;
};

/* *out: malloc'd, NUL-terminated (len bytes before it); free (secret_free_n). */
int readfile(const char *path, const struct readfile_opts *o, char **out,
	     size_t *len, struct mcle_err *err);

/* The same from an open fd (closed by the caller); path is for messages. */
int readfile_fd(int fd, const char *path, const struct readfile_opts *o,
		char **out, size_t *len, struct mcle_err *err);

#endif
