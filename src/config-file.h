/*
 * config-file.h - the YAML config file: a mapping of option names to values.
 *
 *   store: gs://my-bucket/leases
 *   identity: cluster-eu-1
 *   lease-duration: 60
 *   namespaces: [team-a, team-b]     # a sequence joins with commas
 */
#ifndef MCLE_CONFIG_FILE_H
#define MCLE_CONFIG_FILE_H

#include "err.h"

#define CONFIG_FILE_MAX (256 * 1024)

/*
 * Called for each key with its value (sequences joined with ',') and
 * "FILE:LINE" for messages.  Returns 0 to go on or -1 (error in err).
 */
typedef int (*config_fn)(void *arg, const char *key, const char *value,
			 const char *where, struct mcle_err *err);

/*
 * Read and parse `path`: one YAML document, each key once.  The file is
 * refused unless only root and the user can change it: the file, every
 * directory from "/" down to it and every symbolic link on the way (a
 * sticky directory may be writable by others; a read-only file system is
 * writable by no one).  When missing_ok and the file does not exist,
 * returns 0 without calling fn.
 */
int config_file_read(const char *path, int missing_ok, config_fn fn, void *arg,
		     struct mcle_err *err);

/* Parse config text already in memory (for tests and fuzzing). */
int config_file_parse(const char *text, size_t len, const char *path,
		      config_fn fn, void *arg, struct mcle_err *err);

#endif
