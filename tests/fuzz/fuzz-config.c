/* fuzz-config.c - the YAML config file parser on arbitrary bytes. */
#include "config.h"

#include <string.h>

#include "config-file.h"
#include "fuzz.h"

static int
accept_all(void *arg, const char *key, const char *value, const char *where,
	   struct mcle_err *err)
{
	(void)arg;
	(void)err;
	/* every callback gets NUL-terminated, bounded strings */
	return strlen(key) + strlen(value) + strlen(where) > (size_t)1 << 30 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT;

	if (size > CONFIG_FILE_MAX)
		return 0;
	config_file_parse((const char *)data, size, "fuzz.yaml", accept_all, NULL, &err);
	return 0;
}
