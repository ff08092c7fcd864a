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

static int
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

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

/* --- GCS ---------------------------------------------------------------------- */

#define GCS_OBJ(name, bucket) "{\"name\":\"" name "\",\"bucket\":\"" bucket "\"," \
	"\"generation\":\"7\",\"metageneration\":\"1\",\"updated\":\"2026-01-01T00:00:00Z\"," \
	"\"metadata\":{\"mcleFormat\":\"1\",\"holderIdentity\":\"a\",\"leaseTransitions\":\"1\"," \
	"\"leaseDurationSeconds\":\"30\"}}"

static void
test_gcs_messages(void)
{
	static const char esc_name[] = GCS_OBJ("locks/\\u001b[2Jx", "bkt");
	static const char esc_bucket[] = GCS_OBJ("locks/a", "b\\u001b]0;t\\u0007");
	static const char page[] = "{\"items\":[" GCS_OBJ("locks/a", "b\\u001bx") "]}";
	static const char esc_format[] = "{\"name\":\"locks/a\",\"bucket\":\"bkt\","
		"\"generation\":\"7\",\"metageneration\":\"1\",\"updated\":\"2026-01-01T00:00:00Z\","
		"\"metadata\":{\"mcleFormat\":\"\\u001b[2J\\u00a2\"}}";
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e;
	struct gcs_page p;

	ok(gcs_object_parse(GCS_OBJ("locks/a", "bkt"), strlen(GCS_OBJ("locks/a", "bkt")), "bkt",
			    "locks/a", "a", 1, "cannot read lock 'a'", &e, &err) == 0 &&
	   strcmp(e.ver.v, "7/1") == 0, "gcs: an object resource decodes");
	ok(gcs_object_parse(esc_name, strlen(esc_name), "bkt", "locks/a", "a", 1, "w", &e, &err) < 0,
	   "gcs: an answer about another object is refused");
	is_str(err.msg, "w: the response is about object 'locks/ [2Jx', not 'locks/a'",
	       "gcs: ... its name clipped to printable text");
	mcle_err_clear(&err);
	ok(gcs_object_parse(esc_bucket, strlen(esc_bucket), "bkt", "locks/a", "a", 1, "w", &e,
			    &err) < 0 && printable(err.msg), "gcs: so is another bucket's name");
	mcle_err_clear(&err);
	ok(gcs_object_parse(esc_format, strlen(esc_format), "bkt", "locks/a", "a", 1, "w", &e,
			    &err) < 0, "gcs: an unknown record format is refused");
	is_str(err.msg, "malformed lock 'a': unknown format ' [2J  '",
	       "gcs: ... the store's bytes clipped in the message");
	gcs_page_init(&p, "bkt", "locks", "gs://bkt/locks", "cannot list");
	ok(gcs_page_feed(&p, page, strlen(page)) < 0 && printable(p.err.msg) &&
	   strstr(p.err.msg, "about bucket 'b x'") != NULL, "gcs: ... and in a list page");
	gcs_page_free(&p);
}

/* An object read alone and as the item of a list page: the same lock or the same reason. */
static int
gcs_both_ways(const char *body, char *why, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT, perr = MCLE_ERR_INIT;
	struct store_entry e;
	struct gcs_page p;
	struct gcs_item *it;
	char page[1024];
	int same;

	snprintf(page, sizeof(page), "{\"items\":[%s]}", body);
	(void)gcs_object_parse(body, strlen(body), "bkt", "locks/a", "a", 1, "w", &e, &err);
	snprintf(why, size, "%s", err.msg);
	gcs_page_init(&p, "bkt", "locks", "gs://bkt/locks", "cannot list");
	same = gcs_page_feed(&p, page, strlen(page)) == 0 && gcs_page_finish(&p, &perr) == 0 &&
	       p.items.n == 1;
	if (same) {
		it = vec_at(&p.items, 0);
		same = it->bad ? strcmp(it->why, err.msg) == 0 :
		       err.code == MCLE_OK && strcmp(it->e.ver.v, e.ver.v) == 0;
	}
	gcs_page_free(&p);
	return same;
}

static void
test_gcs_both_ways(void)
{
	char why[MCLE_ERR_MSG_MAX];

	ok(gcs_both_ways(GCS_OBJ("locks/a", "bkt"), why, sizeof(why)) && why[0] == '\0',
	   "gcs: a lock reads the same alone and listed");
	ok(gcs_both_ways("{\"name\":\"locks/a\",\"bucket\":\"bkt\",\"generation\":\"7\","
			 "\"metageneration\":\"1\",\"updated\":\"2026-01-01T00:00:00Z\","
			 "\"timeCreated\":{\"x\":1},\"metadata\":{}}", why, sizeof(why)),
	   "gcs: a container where a field's string belongs: malformed both ways");
	is_str(why, "malformed lock 'a': missing or invalid 'timeCreated'",
	       "gcs: ... for the same reason");
}

/* --- Kubernetes: a Lease read alone and in a list ------------------------ */

#define LEASE_META "\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"a\",\"resourceVersion\":\"9\"}"

/* A Lease's body read whole and as the item of a list page: both leases. */
static int
both_ways(const char *body, struct kube_lease *alone, struct kube_lease *listed)
{
	const struct kube_listing ls = { 1, "lease-gsc", "leases", "leases.x", "list", "s", "k" };
	struct mcle_err err = MCLE_ERR_INIT;
	struct kube_page *p = malloc(sizeof(*p));
	char page[1024];
	int rc;

	snprintf(page, sizeof(page), "{\"items\":[%s]}", body);
	memset(alone, 0, sizeof(*alone));
	memset(listed, 0, sizeof(*listed));
	if (p == NULL || kube_lease_parse(body, strlen(body), "lease-gsc", "a", "get", "s", alone,
					  &err) < 0) {
		free(p);
		return -1;
	}
	kube_page_init(p, &ls);
	rc = kube_page_feed(p, page, strlen(page)) == 0 && kube_page_finish(p, &err) == 0 &&
	     p->page.n == 1 ? 0 : -1;
	if (rc == 0)
		*listed = ((struct kube_lease_fields *)vec_at(&p->page, 0))->l;
	kube_page_free(p);
	free(p);
	return rc;
}

static void
test_kube_lease_both_ways(void)
{
	struct kube_lease a, l;

	ok(both_ways("{" LEASE_META ",\"status\":{\"observedHolderIdentity\":\"\",\"isLeader\":false}}",
		     &a, &l) == 0, "kube: a released Lease reads alone and listed");
	ok((a.status.has & KS_HOLDER) && (l.status.has & KS_HOLDER) &&
	   !(l.status.bad & KS_HOLDER) && l.status.holder[0] == '\0',
	   "kube: an empty observedHolderIdentity is a valid value in a list too");
	ok(both_ways("{" LEASE_META ",\"status\":{}}", &a, &l) == 0 && a.has_status &&
	   l.has_status, "kube: an empty status object is a status, listed or not");
	ok(both_ways("{" LEASE_META ",\"status\":{\"isLeader\":[],\"lastError\":{}}}", &a, &l) == 0 &&
	   a.status.bad == (KS_LEADER | KS_ERROR) && l.status.bad == a.status.bad &&
	   l.status.has == 0, "kube: a container where a value belongs is malformed both ways");
}

/* --- JSON: one notion of strict ------------------------------------------ */

static void
refused(const char *text, const char *want, const char *name)
{
	const char *why = NULL;
	json_object *o = json_parse(text, strlen(text), &why);

	ok(o == NULL && why != NULL && strcmp(why, want) == 0, name);
	if (o != NULL || why == NULL || strcmp(why, want) != 0)
		printf("#   got %s '%s'\n", o != NULL ? "a value" : "NULL", why ? why : "(null)");
	json_object_put(o);
}

static void
test_json_strict(void)
{
	const char *why;
	json_object *o = json_parse("{\"a\":[1,-2.5e3,\"\\u00e9\"]} ", 25, &why);

	ok(o != NULL, "json: a strict document parses");
	json_object_put(o);
	refused("[\"a\x01" "b\"]", "control character in string",
		"json: a raw control character in a string is refused");
	refused("[NaN]", "unexpected character", "json: NaN is refused");
	refused("[-Infinity]", "malformed number", "json: -Infinity is refused");
	refused("[1.]", "malformed number", "json: a fraction without digits is refused");
	refused("[\"\\ud800\"]", "unpaired surrogate in string", "json: a lone surrogate is refused");
	refused("{\"a\":1} x", "data after the JSON value", "json: json-c's reasons stay");
}

/* --- jstream: empty strings and cut keys ---------------------------------- */

struct seen {
	int n;
	const char *s[4];
	size_t len[4];
	char key[JSTREAM_KEY_MAX + 1];
};

static int
on_string(void *arg, struct jstream *js, enum jstream_tok tok, const char *s, size_t len,
	  int depth)
{
	struct seen *v = arg;

	if (tok == JS_STRING && v->n < 4) {
		v->s[v->n] = s;
		v->len[v->n++] = len;
	}
	if (depth == 1 && !js->lv[1].is_array)
		memcpy(v->key, js->lv[1].key, sizeof(v->key));
	return 0;
}

static int
stream(const char *text, size_t chunk, size_t token_max, struct seen *v)
{
	struct jstream js;
	size_t i, n = strlen(text);
	int rc = 0;

	memset(v, 0, sizeof(*v));
	jstream_init(&js, on_string, v, token_max);
	for (i = 0; i < n && rc == 0; i += chunk)
		rc = jstream_feed(&js, text + i, n - i < chunk ? n - i : chunk);
	if (rc == 0)
		rc = jstream_finish(&js);
	jstream_free(&js);
	return rc;
}

static void
test_jstream_strings(void)
{
	struct seen v, w;

	ok(stream("[\"\"]", 64, 64, &v) == 0 && v.n == 1 && v.s[0] != NULL && v.len[0] == 0,
	   "jstream: the first string, empty, comes as \"\" (not NULL: too long)");
	ok(stream("{\"\":1}", 64, 64, &v) == 0, "jstream: an empty first key");
	/* the value is read in the callback: compare there */
	{
		struct jstream js;
		struct seen x;
		const char *t = "{\"phase\":\"\"}";
		int empty = 0;

		memset(&x, 0, sizeof(x));
		jstream_init(&js, on_string, &x, 64);
		if (jstream_feed(&js, t, strlen(t)) == 0 && x.n == 1 && x.s[0] != NULL)
			empty = strlen(x.s[0]) == 0;
		jstream_free(&js);
		ok(empty, "jstream: an empty value after a key is \"\", not the key's text");
	}
	ok(stream("{\"abcdefgh\":1}", 1, 5, &v) == 0 && stream("{\"abcdefgh\":1}", 64, 5, &w) == 0 &&
	   strcmp(v.key, w.key) == 0 && strcmp(v.key, "abcde") == 0,
	   "jstream: a key over the token limit is cut the same however it arrives");
}

int
main(void)
{
	test_exec_credential();
	test_gcs_messages();
	test_gcs_both_ways();
	test_kube_lease_both_ways();
	test_json_strict();
	test_jstream_strings();
	return done_testing();
}
