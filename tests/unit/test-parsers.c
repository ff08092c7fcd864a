/*
 * test-parsers.c - what a server or a file hands the parsers, through
 * their entry points without I/O (gcs-parse.h, kube-parse.h,
 * kube_exec_parse, json_parse, jstream): the cases the fuzz targets
 * (tests/fuzz/) found or check, one by one.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gcs-parse.h"
#include "json.h"
#include "jstream.h"
#include "kube-exec.h"
#include "kube-parse.h"
#include "tap.h"

/* --- ExecCredential ----------------------------------------------------- */

#define EXEC_OK "{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\"," \
		"\"status\":{\"token\":\"t0k\"}}"

static int
exec_parse(const char *out, size_t len, struct mcle_err *err)
{
	struct kube_exec_cred c = { 0 };
	int rc = kube_exec_parse("plugin", KUBE_EXEC_V1, out, len, &c, err);

	kube_exec_cred_wipe(&c);
	return rc;
}

static void
test_exec_credential(void)
{
	struct mcle_err err = MCLE_ERR_INIT;

	ok(exec_parse(EXEC_OK "\n \t\r\n", sizeof(EXEC_OK) + 4, &err) == 0,
	   "exec credential: whitespace may follow the value");
	mcle_err_clear(&err);
	ok(exec_parse(EXEC_OK "\n", sizeof(EXEC_OK) + 1, &err) < 0,
	   "exec credential: a NUL byte after the value is refused");
	is_str(err.msg, "credential plugin 'plugin' printed an invalid ExecCredential: "
	       "the output is not one JSON value", "exec credential: ... as not one JSON value");
	mcle_err_clear(&err);
	ok(exec_parse(EXEC_OK " \0 ", sizeof(EXEC_OK) + 2, &err) < 0,
	   "exec credential: a NUL byte between spaces too");
}

int
main(void)
{
	test_exec_credential();
	return done_testing();
}
