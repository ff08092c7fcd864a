/*
 * kube-parse.c - Kubernetes answers decoded: a Lease object, list pages
 * of namespaces and of Leases, Status error bodies.  Pure but for
 * log_warn about skipped items.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "json.h"
#include "kube-parse.h"
#include "log.h"
#include "parse.h"

/* --- the Lease resource's fields ------------------------------------------- */

/* A clean string: no NUL, at most max bytes. */
static int
clean(const char *s, size_t len, size_t max)
{
	return s != NULL && len <= max && strlen(s) == len;
}

static int
time_field(enum jstream_tok tok, const char *s, size_t len, mcle_time *t)
{
	return tok == JS_STRING && clean(s, len, 64) && time_parse_rfc3339(s, t) == 0;
}

static int
int_field(enum jstream_tok tok, const char *s, size_t len, int64_t min, int64_t max,
	  int64_t *v)
{
	return tok == JS_NUMBER && clean(s, len, 24) && parse_int(s, min, max, v) == 0;
}

static const struct { const char *key; unsigned bit; } status_keys[] = {
	{ "isLeader", KS_LEADER }, { "observedHolderIdentity", KS_HOLDER },
	{ "observedAcquireTime", KS_ACQUIRE }, { "observedRenewTime", KS_RENEW },
	{ "leaseTransitions", KS_TRANS }, { "observedExpireTime", KS_EXPIRE },
	{ "epoch", KS_EPOCH }, { "leaseDurationSeconds", KS_DURATION },
	{ "lastError", KS_ERROR },
};

const char *
kube_status_key(unsigned bit)
{
	size_t i;

	for (i = 0; i < sizeof(status_keys) / sizeof(status_keys[0]); i++)
		if (status_keys[i].bit == bit)
			return status_keys[i].key;
	return "?";
}

/* One status field into st; unknown keys are ignored. */
static void
status_field(struct kube_status *st, const char *key, enum jstream_tok tok,
	     const char *s, size_t len)
{
	const size_t nkeys = sizeof(status_keys) / sizeof(status_keys[0]);
	unsigned bit = 0;
	size_t i;
	int64_t v = 0;
	int ok = 0;

	for (i = 0; i < nkeys && bit == 0; i++)
		if (strcmp(key, status_keys[i].key) == 0)
			bit = status_keys[i].bit;
	if (bit == 0)
		return;
	if (tok == JS_NULL) {
		st->null |= bit;
		return;
	}
	switch (bit) {
	case KS_LEADER:
		ok = tok == JS_TRUE || tok == JS_FALSE;
		st->is_leader = tok == JS_TRUE;
		break;
	case KS_HOLDER:
		ok = tok == JS_STRING && clean(s, len, MCLE_IDENTITY_MAX) &&
		     (len == 0 || valid_identity(s));
		if (ok)
			memcpy(st->holder, s, len + 1);
		break;
	case KS_ACQUIRE:
		ok = time_field(tok, s, len, &st->acquire);
		break;
	case KS_RENEW:
		ok = time_field(tok, s, len, &st->renew);
		break;
	case KS_EXPIRE:
		ok = time_field(tok, s, len, &st->expire);
		break;
	case KS_TRANS:
	case KS_EPOCH:
		ok = int_field(tok, s, len, 0, MCLE_EPOCH_MAX, &v);
		*(bit == KS_TRANS ? &st->transitions : &st->epoch) = v;
		break;
	case KS_DURATION:
		ok = int_field(tok, s, len, 1, INT32_MAX, &v);
		st->duration = (int32_t)v;
		break;
	case KS_ERROR:
		ok = tok == JS_STRING && s != NULL;
		if (ok)
			http_clip_n(s, len, st->error, sizeof(st->error));
		break;
	}
	if (ok)
		st->has |= bit;
	else
		st->bad |= bit;
}

static void
lease_field(struct kube_lease_fields *f, const char *section, const char *key,
	    enum jstream_tok tok, const char *s, size_t len, const char *want_name)
{
	int64_t v = 0;

	if (strcmp(section, "metadata") == 0) {
		if (strcmp(key, "name") == 0) {
			f->name_ok = tok == JS_STRING && clean(s, len, 253) &&
				     strcmp(s, want_name) == 0;
			/* a valid name not ours is another resource; an invalid one is bad */
			f->name_state = f->name_ok ? 1 :
				tok == JS_STRING && clean(s, len, 253) && valid_subdomain(s) ? 0 : -1;
			http_clip_n(s, tok == JS_STRING ? len : 0, f->shown_name, sizeof(f->shown_name));
		} else if (strcmp(key, "namespace") == 0 && tok == JS_STRING) {
			f->ns_ok = clean(s, len, MCLE_NAMESPACE_MAX) && valid_namespace(s);
			if (f->ns_ok)
				memcpy(f->l.ns, s, len + 1);
			else
				http_clip_n(s, len, f->bad_ns, sizeof(f->bad_ns));
		} else if (strcmp(key, "resourceVersion") == 0) {
			f->rv_ok = tok == JS_STRING && clean(s, len, KUBE_RV_MAX) && len > 0 &&
				   strspn(s, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.:/+=") == len;
			if (f->rv_ok)
				memcpy(f->l.rv, s, len + 1);
		}
	} else if (strcmp(section, "spec") == 0) {
		if (strcmp(key, "leaseDurationSeconds") == 0 &&
		    int_field(tok, s, len, 1, INT32_MAX, &v))
			f->l.spec_duration = (int32_t)v;
		else if (strcmp(key, "holderIdentity") == 0 && tok == JS_STRING &&
			 clean(s, len, MCLE_IDENTITY_MAX) && valid_identity(s))
			memcpy(f->l.spec_holder, s, len + 1);
	} else if (strcmp(section, "status") == 0) {
		f->l.has_status = 1;
		status_field(&f->l.status, key, tok, s, len);
	}
}

/* The same from a json-c tree (a single object's answer). */
static enum jstream_tok
tok_of(json_object *v, const char **s, size_t *len)
{
	*s = NULL;
	*len = 0;
	switch (json_object_get_type(v)) {
	case json_type_null:
		return JS_NULL;
	case json_type_boolean:
		return json_object_get_boolean(v) ? JS_TRUE : JS_FALSE;
	case json_type_int:
		*s = json_object_get_string(v);
		*len = strlen(*s);
		return JS_NUMBER;
	case json_type_string:
		*s = json_object_get_string(v);
		*len = (size_t)json_object_get_string_len(v);
		return JS_STRING;
	case json_type_double:
		*s = "1.5";	/* never an integer field's value */
		*len = 3;
		return JS_NUMBER;
	default:
		return JS_OBJECT;	/* a container where a scalar should be */
	}
}

static void
lease_from_tree(struct kube_lease_fields *f, json_object *o, const char *want_name)
{
	static const char *const sections[] = { "metadata", "spec", "status" };
	json_object *sec;
	const char *s;
	size_t i, len;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < 3; i++) {
		if (!json_object_object_get_ex(o, sections[i], &sec) ||
		    !json_object_is_type(sec, json_type_object))
			continue;
		if (i == 2)
			f->l.has_status = 1;
		json_object_object_foreach(sec, key, val) {
			enum jstream_tok t = tok_of(val, &s, &len);

			lease_field(f, sections[i], key, t, s, len, want_name);
		}
	}
}

/* An error answer: the Status message, the code for its HTTP status. */
void
kube_api_error(long status, const char *body, size_t len, const char *what,
	       struct mcle_err *err, int *ns_missing)
{
	const char *why, *m = NULL, *reason = NULL, *kind = NULL;
	json_object *st = len > 0 ? json_parse(body, len, &why) : NULL;
	json_object *det = json_obj(st, "details"), *mv;
	char text[256];
	enum mcle_code code;

	if (json_object_object_get_ex(st, "message", &mv) &&
	    json_object_is_type(mv, json_type_string))
		http_clip_n(json_object_get_string(mv), (size_t)json_object_get_string_len(mv),
		     text, sizeof(text));
	else
		http_clip_n(body, len, text, sizeof(text));
	m = text;
	reason = json_str(st, "reason");
	kind = json_str(det, "kind");
	switch (status) {
	case 401: code = MCLE_EAUTH; break;
	case 403: code = MCLE_EPERM; break;
	case 404: code = MCLE_ENOTFOUND; break;
	case 409: code = MCLE_EPRECOND; break;
	case 410: code = MCLE_EUNAVAIL; break;
	case 400: case 422: code = MCLE_ECONFIG; break;
	default:
		code = http_status_retryable(status) ? MCLE_EUNAVAIL : MCLE_ECONFIG;
		break;
	}
	*ns_missing = status == 404 && reason != NULL &&
		      strcmp(reason, "NotFound") == 0 && kind != NULL &&
		      strcmp(kind, "namespaces") == 0;
	mcle_err_set(err, code, "%s: %ld %s", what, status, *m ? m : "(no message)");
	json_object_put(st);
}

/* --- one object --------------------------------------------------------------- */

int
kube_lease_parse(const char *body, size_t len, const char *name, const char *ns,
		 const char *what, const char *server, struct kube_lease *out,
		 struct mcle_err *err)
{
	struct kube_lease_fields f;
	json_object *o;
	const char *why;

	if ((o = json_parse(body, len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed JSON from %s: %s", what, server,
			     o == NULL ? why : "not an object");
		json_object_put(o);
		return -1;
	}
	lease_from_tree(&f, o, name);
	json_object_put(o);
	if (!f.name_ok || !f.ns_ok || strcmp(f.l.ns, ns) != 0 || !f.rv_ok)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: the answer from %s is not that resource (name, namespace or resourceVersion)",
				    what, server);
	*out = f.l;
	return 0;
}

int
kube_uid_parse(const char *body, size_t len, const char *what, char *uid,
	       struct mcle_err *err)
{
	json_object *o, *meta;
	const char *why, *v;

	if ((o = json_parse(body, len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed JSON: %s", what,
			     o == NULL ? why : "not an object");
		json_object_put(o);
		return -1;
	}
	meta = json_obj(o, "metadata");
	v = meta != NULL ? json_str_max(meta, "uid", KUBE_UID_MAX) : NULL;
	if (v == NULL || !record_valid_cluster(v)) {
		json_object_put(o);
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: no valid metadata.uid in the answer",
				    what);
	}
	memcpy(uid, v, strlen(v) + 1);
	json_object_put(o);
	return 0;
}

/* --- a list page ---------------------------------------------------------------- */

void
kube_page_warn(struct kube_page *p, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (p->warned++ >= KUBE_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warn("%s", buf);
}

static void
item_begin(struct kube_page *p)
{
	p->in_item = 1;
	memset(&p->ns_cur, 0, sizeof(p->ns_cur));
	memset(&p->lease_cur, 0, sizeof(p->lease_cur));
}

/* A namespace item's field: its name, and whether it is going away. */
static void
ns_field(struct kube_page *p, const char *section, const char *key, enum jstream_tok tok,
	 const char *s, size_t len)
{
	struct kube_ns_reading *n = &p->ns_cur;
	int meta = strcmp(section, "metadata") == 0;

	if (meta && strcmp(key, "name") == 0) {
		http_clip_n(s, tok == JS_STRING ? len : 0, n->shown, sizeof(n->shown));
		if (tok == JS_STRING && clean(s, len, MCLE_NAMESPACE_MAX) && valid_namespace(s))
			memcpy(n->it.name, s, len + 1);
		else
			n->bad = "metadata.name is not a namespace name";
	} else if (meta && strcmp(key, "uid") == 0) {
		if (tok == JS_STRING && clean(s, len, KUBE_UID_MAX) && record_valid_cluster(s))
			memcpy(n->uid, s, len + 1);
	} else if (meta && strcmp(key, "deletionTimestamp") == 0) {
		if (tok == JS_STRING && !clean(s, len, 64) && n->bad == NULL)
			n->bad = "metadata.deletionTimestamp holds a NUL byte";
		if (tok != JS_NULL)
			n->it.terminating = 1;
	} else if (strcmp(section, "status") == 0 && strcmp(key, "phase") == 0) {
		if (tok == JS_STRING && !clean(s, len, 64) && n->bad == NULL)
			n->bad = "status.phase holds a NUL byte";
		else if (tok == JS_STRING && strcmp(s, "Terminating") == 0)
			n->it.terminating = 1;
	}
}

/* Items of this page and the pages before: over a cap, the server's error. */
static int
page_full(struct kube_page *p)
{
	if (++p->page_items > KUBE_PAGE_ITEMS_MAX)
		return mcle_err_set(&p->err, MCLE_ECORRUPT,
				    "%s: a page of over %d items (ten times the limit asked for)",
				    p->ls.what, KUBE_PAGE_ITEMS_MAX);
	if (p->items + p->page_items > KUBE_LIST_ITEMS_MAX)
		return mcle_err_set(&p->err, MCLE_ECONFIG, "cluster %s lists over %d %s",
				    p->ls.describe, KUBE_LIST_ITEMS_MAX, p->ls.noun);
	return 0;
}

static int
ns_end(struct kube_page *p)
{
	struct kube_ns_reading *n = &p->ns_cur;
	struct kube_ns_item *slot;

	if (n->bad == NULL && n->it.name[0] == '\0')
		n->bad = "metadata.name is not a namespace name";
	if (n->bad != NULL) {
		kube_page_warn(p, "namespace '%s' from %s skipped: %s", n->shown, p->ls.describe,
			       n->bad);
		return 0;
	}
	if ((slot = vec_add(&p->page)) == NULL)
		return mcle_err_set(&p->err, MCLE_ENOMEM, "out of memory");
	*slot = n->it;
	/* the cluster's fingerprint, at no extra request */
	if (strcmp(n->it.name, "kube-system") == 0)
		memcpy(p->system_uid, n->uid, sizeof(p->system_uid));
	return 0;
}

static int
lease_end(struct kube_page *p)
{
	struct kube_lease_fields *f = &p->lease_cur, *slot;
	const char *why = NULL;

	if (f->name_state == 0)
		return 0;	/* another resource of the kind: not ours */
	if (f->name_state < 0)
		why = "invalid metadata.name";
	else if (!f->ns_ok)
		why = "invalid metadata.namespace";
	else if (!f->rv_ok)
		why = "invalid metadata.resourceVersion";
	if (why != NULL) {
		kube_page_warn(p, "%s '%s' in namespace '%s' from %s skipped: %s", p->ls.plural,
			       f->shown_name, f->ns_ok ? f->l.ns : f->bad_ns, p->ls.describe, why);
		return 0;
	}
	if ((slot = vec_add(&p->page)) == NULL)
		return mcle_err_set(&p->err, MCLE_ENOMEM, "out of memory");
	*slot = *f;
	return 0;
}

/* The end of an item: counted against the caps, kept or skipped. */
static int
item_end(struct kube_page *p)
{
	p->in_item = 0;
	if (page_full(p) < 0)
		return -1;
	return p->ls.leases ? lease_end(p) : ns_end(p);
}

/* The list itself: {"metadata": {"continue": ...}, "items": [ ... ]} */
static int
list_member(struct kube_page *p, struct jstream *js, enum jstream_tok tok, const char *s,
	    size_t len, int depth)
{
	if (depth == 1 && jstream_key_is(js, 1, "metadata") && tok != JS_OBJECT &&
	    tok != JS_OBJECT_END && tok != JS_NULL)
		return mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: malformed list from %s",
				    p->ls.what, p->ls.server);
	if (depth == 1 && jstream_key_is(js, 1, "items")) {
		p->saw_items = 1;
		if (tok != JS_ARRAY && tok != JS_ARRAY_END && tok != JS_NULL)
			return mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: malformed list from %s",
					    p->ls.what, p->ls.server);
		return 0;
	}
	if (depth == 2 && jstream_key_is(js, 1, "metadata") && jstream_key_is(js, 2, "continue")) {
		if (tok == JS_NULL)
			return 0;
		if (tok != JS_STRING || !clean(s, len, KUBE_CONTINUE_MAX))
			p->next_bad = 1;
		else
			memcpy(p->next, s, len + 1);
	}
	return 0;
}

static int
on_token(void *arg, struct jstream *js, enum jstream_tok tok, const char *s,
	 size_t len, int depth)
{
	struct kube_page *p = arg;
	const char *sec, *key;

	if (!jstream_key_is(js, 1, "items") || depth < 2)
		return list_member(p, js, tok, s, len, depth);
	if (depth == 2) {
		if (tok == JS_OBJECT)
			item_begin(p);
		else if (tok == JS_OBJECT_END)
			return item_end(p);
		else
			return mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: malformed item from %s",
					    p->ls.what, p->ls.server);
		return 0;
	}
	if (!p->in_item || tok == JS_OBJECT_END || tok == JS_ARRAY_END)
		return 0;
	/* a status object, even empty, as lease_from_tree sees it */
	if (depth == 3 && tok == JS_OBJECT && jstream_key_is(js, 3, "status"))
		p->lease_cur.l.has_status = 1;
	if (depth != 4 || (sec = jstream_key(js, 3)) == NULL || (key = jstream_key(js, 4)) == NULL)
		return 0;
	/* a container where a scalar belongs is a malformed value, as in a tree */
	if (tok == JS_ARRAY)
		tok = JS_OBJECT;
	if (p->ls.leases)
		lease_field(&p->lease_cur, sec, key, tok, s, len, p->ls.lease_name);
	else
		ns_field(p, sec, key, tok, s, len);
	return 0;
}

void
kube_page_init(struct kube_page *p, const struct kube_listing *ls)
{
	struct vec ns_page = VEC_INIT(struct kube_ns_item, KUBE_PAGE_ITEMS_MAX);
	struct vec lease_page = VEC_INIT(struct kube_lease_fields, KUBE_PAGE_ITEMS_MAX);

	memset(p, 0, sizeof(*p));
	p->ls = *ls;
	p->page = ls->leases ? lease_page : ns_page;
	jstream_init(&p->js, on_token, p, KUBE_STRING_MAX);
}

void
kube_page_begin(struct kube_page *p)
{
	jstream_free(&p->js);
	jstream_init(&p->js, on_token, p, KUBE_STRING_MAX);
	p->page.n = 0;
	p->page_items = 0;
	p->in_item = p->saw_items = p->next_bad = 0;
	p->next[0] = '\0';
	mcle_err_clear(&p->err);
}

int
kube_page_feed(struct kube_page *p, const char *buf, size_t n)
{
	if (jstream_feed(&p->js, buf, n) < 0)
		return mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: malformed list from %s: %s",
				    p->ls.what, p->ls.server, p->js.err);
	return 0;
}

int
kube_page_finish(struct kube_page *p, struct mcle_err *err)
{
	if (jstream_finish(&p->js) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed list from %s: %s",
				    p->ls.what, p->ls.server, p->js.err);
	if (!p->saw_items)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed list from %s",
				    p->ls.what, p->ls.server);
	return 0;
}

int
kube_page_token(const struct kube_page *p, struct mcle_err *err)
{
	if (p->next_bad)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: invalid continue token from %s (not a string of at most %d bytes)",
				    p->ls.what, p->ls.server, KUBE_CONTINUE_MAX);
	return 0;
}

void
kube_page_free(struct kube_page *p)
{
	jstream_free(&p->js);
	vec_free(&p->page);
}
