/*
 * fuzz-gcs-object.c - the answer to a GET/upload/PATCH of one object
 * (gcs_object_parse) on arbitrary bytes.
 *
 * Invariants: a failure has a clean message; what decodes is a valid lock
 * that re-encodes, as GCS would send it, to the same entry; and the same
 * object inside a list page (gcs-parse.c's streaming reader) decodes to
 * the same entry, or to an item marked bad with the same reason.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-util.h"
#include "gcs-parse.h"
#include "json.h"
#include "parse.h"

#define BUCKET	"bkt"
#define PREFIX	"locks"
#define NS	"team-a"
#define NAME	PREFIX "/" NS
#define NOW	((mcle_time)1700000000 * MCLE_USEC)
#define WHAT	"cannot read lock '" NS "'"

static int
same_entry(const struct store_entry *a, const struct store_entry *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->ver.v, b->ver.v) == 0 &&
	       a->updated == b->updated && memcmp(&a->rec, &b->rec, sizeof(a->rec)) == 0;
}

/* The entry as GCS would send it back: the decoded fields, re-encoded. */
static void
check_reencodes(const struct store_entry *e)
{
	json_object *o = json_object_new_object(), *md = json_object_new_object();
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry again;
	char gen[32], t[MCLE_RFC3339_MAX], *text;
	const char *slash = strchr(e->ver.v, '/');

	FUZZ_CHECK(o != NULL && md != NULL && slash != NULL);
	snprintf(gen, sizeof(gen), "%.*s", (int)(slash - e->ver.v), e->ver.v);
	time_format(e->updated, t);
	FUZZ_CHECK(record_encode(&e->rec, json_record_put, md) == 0);
	FUZZ_CHECK(json_add_str(o, "name", NAME) == 0 && json_add_str(o, "bucket", BUCKET) == 0 &&
		   json_add_str(o, "generation", gen) == 0 &&
		   json_add_str(o, "metageneration", slash + 1) == 0 &&
		   json_add_str(o, "updated", t) == 0 && json_add(o, "metadata", md) == 0);
	FUZZ_CHECK((text = json_dump(o, JSON_PLAIN)) != NULL);
	FUZZ_CHECK(gcs_object_parse(text, strlen(text), BUCKET, NAME, NS, NOW, WHAT, &again,
				    &err) == 0);
	FUZZ_CHECK(same_entry(e, &again) && again.now == NOW);
	free(text);
	json_object_put(o);
}

static void
check_entry(const struct store_entry *e)
{
	const char *slash = strchr(e->ver.v, '/');
	int64_t g, m;

	FUZZ_CHECK(strcmp(e->name, NS) == 0 && e->now == NOW);
	FUZZ_CHECK(slash != NULL && slash - e->ver.v <= 20 && strlen(slash + 1) <= 20);
	FUZZ_CHECK(gcs_canonical_int64(slash + 1, &m) == 0);
	FUZZ_CHECK(sscanf(e->ver.v, "%" SCNd64 "/", &g) == 1 && g >= 1);
	FUZZ_CHECK(e->updated >= MCLE_TIME_MIN && e->updated <= MCLE_TIME_MAX);
	FUZZ_CHECK(e->rec.holder[0] == '\0' || valid_identity(e->rec.holder));
	FUZZ_CHECK(e->rec.duration >= 1);
}

/* The same bytes as the one item of a list page. */
static void
check_as_item(const uint8_t *data, size_t size, int rc, const struct store_entry *e,
	      const struct mcle_err *err)
{
	static const char head[] = "{\"items\":[", tail[] = "]}";
	struct mcle_err perr = MCLE_ERR_INIT;
	struct gcs_page p;
	struct gcs_item *it;
	int entry_failed = rc < 0 && strncmp(err->msg, "malformed lock '", 16) == 0;

	if ((rc != 0 && !entry_failed) || !fuzz_json_unique(data, size))
		return;
	gcs_page_init(&p, BUCKET, PREFIX, "gs://" BUCKET "/" PREFIX, "cannot list locks");
	FUZZ_CHECK(gcs_page_feed(&p, head, sizeof(head) - 1) == 0);
	FUZZ_CHECK(gcs_page_feed(&p, (const char *)data, size) == 0);
	FUZZ_CHECK(gcs_page_feed(&p, tail, sizeof(tail) - 1) == 0);
	FUZZ_CHECK(gcs_page_finish(&p, &perr) == 0 && p.items.n == 1);
	it = vec_at(&p.items, 0);
	if (rc == 0)
		FUZZ_CHECK(!it->bad && same_entry(e, &it->e) && it->e.now == 0);
	else
		FUZZ_CHECK(it->bad && strcmp(it->why, err->msg) == 0);
	gcs_page_free(&p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_entry e;
	char *body;
	int rc;

	if (size > 65536)
		return 0;
	body = fuzz_copy(data, size);
	memset(&e, 0, sizeof(e));
	rc = gcs_object_parse(body, size, BUCKET, NAME, NS, NOW, WHAT, &e, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.code == MCLE_OK);
		check_entry(&e);
		check_reencodes(&e);
	} else {
		FUZZ_CHECK(rc == -1 && fuzz_msg_ok(&err) && err.code == MCLE_ECORRUPT);
	}
	check_as_item(data, size, rc, &e, &err);
	free(body);
	return 0;
}
