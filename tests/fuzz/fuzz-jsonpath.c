/* fuzz-jsonpath.c - JSONPath templates and label selectors on arbitrary text. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jsonpath.h"
#include "parse.h"

static const char *doc = "[{\"namespace\":\"a\",\"epoch\":1,\"status\":{\"isLeader\":true}},"
			 "{\"namespace\":\"b\",\"epoch\":2,\"holderIdentity\":null,\"x\":[1,[2,[3]]]}]";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonpath_root root;
	struct jsonpath *jp;
	char *s, why[256];
	FILE *out;

	if (size > JSONPATH_TEMPLATE_MAX + 1 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)parse_selector(s, why, sizeof(why));
	if ((jp = jsonpath_parse(s, why, sizeof(why))) != NULL &&
	    (out = fopen("/dev/null", "w")) != NULL) {
		memset(&root, 0, sizeof(root));
		root.value = json_tokener_parse(doc);
		(void)jsonpath_execute(jp, &root, out, why, sizeof(why));
		json_object_put(root.value);
		fclose(out);
	}
	jsonpath_free(jp);
	free(s);
	return 0;
}
