/*
 * fuzz-gcs-error.c - Google's error body (gcs_error_message) on arbitrary
 * bytes.
 *
 * Invariants: what comes out is one clipped line of printable ASCII; and
 * when the body is a JSON document without duplicate keys, it is exactly
 * error.message as the streaming reader sees it, clipped ("" without one).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "gcs-parse.h"
#include "http.h"
#include "json.h"

#define MSG_MAX 160

struct find {
	char want[MSG_MAX + 1];
	int error_is_object;
};

static int
find_message(void *arg, struct jstream *js, enum jstream_tok tok, const char *s, size_t len,
	     int depth)
{
	struct find *f = arg;

	if (depth == 1 && jstream_key_is(js, 1, "error") && tok == JS_OBJECT)
		f->error_is_object = 1;
	if (depth == 2 && f->error_is_object && jstream_key_is(js, 1, "error") &&
	    jstream_key_is(js, 2, "message")) {
		if (tok == JS_STRING)
			http_clip_n(s, len, f->want, sizeof(f->want));
		else
			f->want[0] = '\0';
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[MSG_MAX + 1], *body;
	const char *why;
	struct jstream js;
	struct find f;
	json_object *o;

	if (size > 65536)
		return 0;
	body = fuzz_copy(data, size);
	memset(msg, 'x', sizeof(msg));
	gcs_error_message(body, size, msg, sizeof(msg));
	FUZZ_CHECK(memchr(msg, '\0', sizeof(msg)) != NULL && fuzz_printable(msg));
	/* the other reader agrees where both read the document */
	o = json_parse(body, size, &why);
	if (o != NULL && json_object_is_type(o, json_type_object) &&
	    fuzz_json_unique(data, size)) {
		memset(&f, 0, sizeof(f));
		jstream_init(&js, find_message, &f, (size_t)1 << 20);
		FUZZ_CHECK(jstream_feed(&js, body, size) == 0 && jstream_finish(&js) == 0);
		jstream_free(&js);
		FUZZ_CHECK(strcmp(f.want, msg) == 0);
	} else if (o == NULL) {
		FUZZ_CHECK(msg[0] == '\0');
	}
	json_object_put(o);
	free(body);
	return 0;
}
