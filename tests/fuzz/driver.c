/*
 * driver.c - run a fuzz target over files, as a TAP test: each file named
 * on the command line, or every file in each directory named, is one test
 * that passes when the target returns (a crash or sanitizer report fails
 * the whole program).
 */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

#define INPUT_MAX (1024 * 1024)

static int n;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t len;

	if (f == NULL || (buf = malloc(INPUT_MAX)) == NULL) {
		printf("not ok %d - %s: cannot read\n", ++n, path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	len = fread(buf, 1, INPUT_MAX, f);
	fclose(f);
	/* which input, should it abort */
	printf("# %s\n", path);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("ok %d - %s\n", ++n, path);
	return 0;
}

static int
run_dir(const char *dir)
{
	struct dirent **names;
	char path[4096];
	int i, count, rc = 0;

	if ((count = scandir(dir, &names, NULL, alphasort)) < 0)
		return run_file(dir);
	for (i = 0; i < count; i++) {
		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (run_file(path) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *src = getenv("MCLE_SRCDIR");
	char dir[4096];
	int i, rc = 0;

	/* no arguments (make check): the target's seed corpus */
	if (argc < 2 && src != NULL && argv[0] != NULL) {
		const char *base = strrchr(argv[0], '/');

		base = base ? base + 1 : argv[0];
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", src,
			 strncmp(base, "fuzz-", 5) == 0 ? base + 5 : base);
		rc = run_dir(dir);
	}
	for (i = 1; i < argc; i++)
		if (run_dir(argv[i]) < 0)
			rc = -1;
	printf("1..%d\n", n);
	return rc < 0 || n == 0;
}
