/*
 * fuzz-kube-status.c - what the Kubernetes API answers about one Lease:
 * an error's Status body (kube_api_error) and a 2xx Lease object
 * (kube_lease_parse), on arbitrary bytes.
 *
 * The first byte picks the HTTP status of the error; the rest is the
 * body, read both ways.  Invariants: an error is "WHAT: STATUS MESSAGE"
 * in printable ASCII, with the code of its status, ns_missing only on a
 * 404; a Lease that decodes is ours, in the namespace asked for, with a
 * valid resourceVersion and status, and its status written back (as
 * kube-lease.c writes it) reads the same; the same object as the item of
 * a list page decodes to the same Lease, and is kept iff it decodes.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "fuzz-kube.h"
#include "fuzz-util.h"
#include "http.h"
#include "json.h"
#include "kube-parse.h"
#include "parse.h"

#define NAME	"lease-gsc"
#define NS	"team-a"
#define WHAT	"cannot read leases 'lease-gsc' in namespace 'team-a'"
#define SERVER	"https://127.0.0.1:6443"

static const long statuses[] = {
	400, 401, 403, 404, 404, 404, 409, 410, 422, 429, 500, 502, 503, 504, 418, 301,
};

static void
check_error(long status, const char *body, size_t len)
{
	struct mcle_err err = MCLE_ERR_INIT;
	char head[128];
	int ns_missing = -1;

	kube_api_error(status, body, len, WHAT, &err, &ns_missing);
	snprintf(head, sizeof(head), "%s: %ld ", WHAT, status);
	FUZZ_CHECK(fuzz_msg_ok(&err) && strncmp(err.msg, head, strlen(head)) == 0);
	FUZZ_CHECK(ns_missing == 0 || (ns_missing == 1 && status == 404));
	FUZZ_CHECK(status != 404 || err.code == MCLE_ENOTFOUND);
	FUZZ_CHECK(status != 409 || err.code == MCLE_EPRECOND);
	FUZZ_CHECK(status != 401 || err.code == MCLE_EAUTH);
	FUZZ_CHECK(status != 403 || err.code == MCLE_EPERM);
	FUZZ_CHECK(status < 500 || err.code == MCLE_EUNAVAIL);
	FUZZ_CHECK(status != 429 || err.code == MCLE_EUNAVAIL);
}

static void
check_lease(const struct kube_lease *l)
{
	const struct kube_status *st = &l->status;

	FUZZ_CHECK(strcmp(l->ns, NS) == 0 && l->rv[0] != '\0' && strlen(l->rv) <= KUBE_RV_MAX);
	FUZZ_CHECK(l->spec_holder[0] == '\0' || valid_identity(l->spec_holder));
	FUZZ_CHECK(l->spec_duration >= 0);
	/* one value per key in a tree: a field is valid, malformed or null */
	FUZZ_CHECK((st->has & st->bad) == 0 && (st->has & st->null) == 0 &&
		   (st->bad & st->null) == 0);
	fuzz_status_check(st);
}

/* The status (and spec) written back as a Lease reads the same. */
static void
check_reencodes(const struct kube_lease *l)
{
	const unsigned nullable = KS_ACQUIRE | KS_RENEW | KS_EXPIRE | KS_ERROR;
	json_object *o = json_object_new_object(), *meta = json_object_new_object();
	json_object *spec = json_object_new_object(), *st = kube_status_object(&l->status);
	struct mcle_err err = MCLE_ERR_INIT;
	struct kube_lease again;
	char *text;

	FUZZ_CHECK(o != NULL && meta != NULL && spec != NULL && st != NULL);
	FUZZ_CHECK(json_add_str(meta, "name", NAME) == 0 && json_add_str(meta, "namespace", NS) == 0 &&
		   json_add_str(meta, "resourceVersion", l->rv) == 0);
	if (l->spec_holder[0] != '\0')
		FUZZ_CHECK(json_add_str(spec, "holderIdentity", l->spec_holder) == 0);
	if (l->spec_duration > 0)
		FUZZ_CHECK(json_add_int(spec, "leaseDurationSeconds", l->spec_duration) == 0);
	FUZZ_CHECK(json_add(o, "metadata", meta) == 0 && json_add(o, "spec", spec) == 0);
	if (l->has_status)
		FUZZ_CHECK(json_add(o, "status", st) == 0);
	else
		json_object_put(st);
	FUZZ_CHECK((text = json_dump(o, JSON_PLAIN)) != NULL);
	FUZZ_CHECK(kube_lease_parse(text, strlen(text), NAME, NS, WHAT, SERVER, &again, &err) == 0);
	FUZZ_CHECK(strcmp(again.rv, l->rv) == 0 && again.spec_duration == l->spec_duration &&
		   strcmp(again.spec_holder, l->spec_holder) == 0 &&
		   again.has_status == l->has_status);
	if (l->has_status) {
		struct kube_status want = l->status;

		want.bad = 0;
		want.null &= nullable & ~want.has;
		/* fields not sent come back as they started: zero */
		if (!(want.has & KS_LEADER))
			want.is_leader = 0;
		if (!(want.has & KS_HOLDER))
			want.holder[0] = '\0';
		if (!(want.has & KS_ACQUIRE))
			want.acquire = 0;
		if (!(want.has & KS_RENEW))
			want.renew = 0;
		if (!(want.has & KS_EXPIRE))
			want.expire = 0;
		if (!(want.has & KS_TRANS))
			want.transitions = 0;
		if (!(want.has & KS_EPOCH))
			want.epoch = 0;
		if (!(want.has & KS_DURATION))
			want.duration = 0;
		if (!(want.has & KS_ERROR))
			want.error[0] = '\0';
		FUZZ_CHECK(fuzz_status_hash(&want, 0) == fuzz_status_hash(&again.status, 0));
	}
	free(text);
	json_object_put(o);
}

/* The same bytes as the one item of a page of Leases. */
static void
check_as_item(const uint8_t *data, size_t size, int rc, const struct kube_lease *l)
{
	static const char head[] = "{\"items\":[", tail[] = "]}";
	const struct kube_listing ls = { 1, NAME, "leases", "leases.x", "cannot list", SERVER, "k" };
	struct mcle_err perr = MCLE_ERR_INIT;
	struct kube_page *p;
	json_object *o;
	const char *why;
	int kept, object;

	/* only a JSON object without duplicate keys reads the same both ways */
	o = json_parse((const char *)data, size, &why);
	object = o != NULL && json_object_is_type(o, json_type_object);
	json_object_put(o);
	if (!object || !fuzz_json_unique(data, size))
		return;
	if ((p = malloc(sizeof(*p))) == NULL)
		abort();
	kube_page_init(p, &ls);
	FUZZ_CHECK(kube_page_feed(p, head, sizeof(head) - 1) == 0);
	FUZZ_CHECK(kube_page_feed(p, (const char *)data, size) == 0);
	FUZZ_CHECK(kube_page_feed(p, tail, sizeof(tail) - 1) == 0);
	FUZZ_CHECK(kube_page_finish(p, &perr) == 0 && p->page_items == 1);
	kept = p->page.n == 1 &&
	       strcmp(((struct kube_lease_fields *)vec_at(&p->page, 0))->l.ns, NS) == 0;
	FUZZ_CHECK(kept == (rc == 0));
	if (rc == 0) {
		const struct kube_lease *item = &((struct kube_lease_fields *)vec_at(&p->page, 0))->l;

		FUZZ_CHECK(fuzz_lease_hash(item, 0) == fuzz_lease_hash(l, 0));
	}
	kube_page_free(p);
	free(p);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct kube_lease l;
	char *body;
	int rc;

	if (size < 1 || size > 65536)
		return 0;
	body = fuzz_copy(data + 1, size - 1);
	check_error(statuses[data[0] % (sizeof(statuses) / sizeof(statuses[0]))], body, size - 1);
	memset(&l, 0, sizeof(l));
	rc = kube_lease_parse(body, size - 1, NAME, NS, WHAT, SERVER, &l, &err);
	if (rc == 0) {
		FUZZ_CHECK(err.code == MCLE_OK);
		check_lease(&l);
		check_reencodes(&l);
	} else {
		FUZZ_CHECK(rc == -1 && err.code == MCLE_ECORRUPT && fuzz_msg_ok(&err));
	}
	check_as_item(data + 1, size - 1, rc, &l);
	free(body);
	return 0;
}
