/*
 * fuzz-namespaces-file.c - a --namespaces-file's text (ns_list_text) on
 * arbitrary bytes, against a model of the format.
 *
 * Invariants: text with a NUL byte is refused; text accepted gives
 * exactly the model's names (one a line, '#' comments, blanks and
 * surrounding spaces dropped), each a valid namespace; a refusal names
 * the file and a line that exists.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "namespaces.h"
#include "parse.h"

#define PATH "fuzz.txt"

/* The i-th name the model finds in buf, into name; 0 if there is none. */
static size_t
model(const char *buf, size_t len, size_t want, char *name, size_t size, size_t *lines)
{
	size_t i = 0, found = 0, a, b, end;

	*lines = 0;
	while (i < len) {
		(*lines)++;
		for (end = i; end < len && buf[end] != '\n'; end++)
			;
		b = end;
		for (a = i; a < b; a++)
			if (buf[a] == '#') {
				b = a;
				break;
			}
		for (a = i; a < b && (buf[a] == ' ' || buf[a] == '\t'); a++)
			;
		while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
			b--;
		if (b > a && found++ == want) {
			FUZZ_CHECK(b - a < size);
			memcpy(name, buf + a, b - a);
			name[b - a] = '\0';
			return 1;
		}
		i = end + 1;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct ns_list l;
	char name[NS_LINE_MAX + 1], *buf, prefix[64];
	size_t i, lines = 0, line;
	int rc;

	if (size > 65536)
		return 0;
	buf = fuzz_copy(data, size);
	ns_list_init(&l);
	rc = ns_list_text(&l, buf, size, PATH, &err);
	(void)model(buf, size, (size_t)-1, name, sizeof(name), &lines);
	if (rc == 0) {
		FUZZ_CHECK(memchr(buf, '\0', size) == NULL && err.code == MCLE_OK);
		for (i = 0; i < ns_list_count(&l); i++) {
			FUZZ_CHECK(valid_namespace(ns_list_at(&l, i)));
			FUZZ_CHECK(model(buf, size, i, name, sizeof(name), &lines) == 1);
			FUZZ_CHECK(strcmp(name, ns_list_at(&l, i)) == 0);
		}
		FUZZ_CHECK(model(buf, size, i, name, sizeof(name), &lines) == 0);
	} else {
		FUZZ_CHECK(rc == -1 && err.code == MCLE_EUSAGE && err.msg[0] != '\0');
		FUZZ_CHECK(sscanf(err.msg, PATH ":%zu: ", &line) == 1 && line >= 1 && line <= lines);
		snprintf(prefix, sizeof(prefix), PATH ":%zu: ", line);
		FUZZ_CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0);
	}
	ns_list_free(&l);
	free(buf);
	return 0;
}
