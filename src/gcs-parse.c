/*
 * gcs-parse.c - GCS answers decoded: object resources, list pages, error
 * bodies.  Pure but for log_warn about skipped items.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gcs-parse.h"
#include "http.h"
#include "json.h"
#include "log.h"
#include "parse.h"

int
gcs_canonical_int64(const char *s, int64_t *out)
{
	if (s == NULL || *s < '1' || *s > '9')
		return -1;
	return parse_int(s, 1, INT64_MAX, out);
}

/* --- an object's fields (from a tree or from a stream) -------------------- */

static const char *const md_keys[GCS_MD_KEYS] = {
	"mcleFormat", "holderIdentity", "leaseTransitions", "leaseDurationSeconds",
	"acquireTime", "mcleEpoch", "mcleCluster",
};

static void
copy_field(char *dst, size_t size, int tok_ok, const char *s, size_t len)
{
	if (tok_ok && s != NULL && len < size && strlen(s) == len)
		memcpy(dst, s, len + 1);
	else
		snprintf(dst, size, "%s", "\x01");	/* present but invalid */
}

static void
obj_field(struct gcs_obj *f, const char *key, enum jstream_tok tok, const char *s,
	  size_t len)
{
	int str = tok == JS_STRING;

	if (strcmp(key, "name") == 0) {
		f->name_state = str && s != NULL && len <= GCS_NAME_MAX && strlen(s) == len ? 1 : -1;
		f->name_bad_type = !str;
		if (f->name_state == 1)
			memcpy(f->name, s, len + 1);
		else
			http_clip_n(s, str ? len : 0, f->name, GCS_NAME_CLIP);
	} else if (strcmp(key, "bucket") == 0) {
		f->bucket_state = str && s != NULL && len <= GCS_BUCKET_MAX && strlen(s) == len ? 1 : -1;
		if (f->bucket_state == 1)
			memcpy(f->bucket, s, len + 1);
		else
			http_clip_n(s, str ? len : 0, f->bucket, sizeof(f->bucket));
	} else if (strcmp(key, "generation") == 0) {
		copy_field(f->gen, sizeof(f->gen), str, s, len);
	} else if (strcmp(key, "metageneration") == 0) {
		copy_field(f->meta, sizeof(f->meta), str, s, len);
	} else if (strcmp(key, "updated") == 0) {
		copy_field(f->updated, sizeof(f->updated), str, s, len);
	} else if (strcmp(key, "timeCreated") == 0) {
		copy_field(f->created, sizeof(f->created), str, s, len);
	}
}

static void
md_field(struct gcs_obj *f, const char *key, enum jstream_tok tok, const char *s,
	 size_t len)
{
	int i;

	for (i = 0; i < GCS_MD_KEYS; i++) {
		if (strcmp(key, md_keys[i]) != 0)
			continue;
		if (tok != JS_STRING)
			return;		/* null or not a string: as if absent */
		f->md_set[i] = 1;
		f->md_len[i] = len;
		if (s != NULL && len <= GCS_VALUE_MAX) {
			memcpy(f->md[i], s, len);
			f->md[i][len] = '\0';
		} else {
			f->md[i][0] = '\0';
			f->md_len[i] = GCS_VALUE_MAX + 1;	/* never valid: too long */
		}
		return;
	}
}

static const char *
md_get(void *arg, const char *key, size_t *len)
{
	struct gcs_obj *f = arg;
	int i;

	for (i = 0; i < GCS_MD_KEYS; i++)
		if (f->md_set[i] && strcmp(key, md_keys[i]) == 0) {
			*len = f->md_len[i];
			return f->md[i];
		}
	return NULL;
}

/*
 * The lock of ns from f into e: version, times and record.  -1 with err
 * (MCLE_ECORRUPT naming what is wrong).
 */
static int
entry_from(const struct gcs_obj *f, const char *ns, mcle_time now,
	   struct store_entry *e, struct mcle_err *err)
{
	int64_t g, m;
	mcle_time created = 0;
	const char *bad = NULL;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", ns);
	e->now = now;
	if (gcs_canonical_int64(f->gen, &g) < 0 || strlen(f->gen) > 20)
		bad = "generation";
	else if (gcs_canonical_int64(f->meta, &m) < 0 || strlen(f->meta) > 20)
		bad = "metageneration";
	else if (time_parse_rfc3339(f->updated, &e->updated) < 0)
		bad = "updated";
	else if (f->created[0] != '\0' && time_parse_rfc3339(f->created, &created) < 0)
		bad = "timeCreated";
	if (bad != NULL)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "malformed lock '%s': missing or invalid '%s'", ns, bad);
	snprintf(e->ver.v, sizeof(e->ver.v), "%" PRId64 "/%" PRId64, g, m);
	if (!f->has_md)
		return mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': no lease metadata", ns);
	if (record_decode(md_get, (void *)f, ns, &e->rec, err) < 0)
		return -1;
	/* a record written before acquireTime existed: its generation's creation */
	if (e->rec.acquired == 0)
		e->rec.acquired = created;
	return 0;
}

static void
fields_from_tree(json_object *o, struct gcs_obj *f)
{
	json_object *md;
	const char *s;
	size_t len;

	memset(f, 0, sizeof(*f));
	json_object_object_foreach(o, key, val) {
		s = json_object_is_type(val, json_type_string) ? json_object_get_string(val) : NULL;
		len = s != NULL ? (size_t)json_object_get_string_len(val) : 0;
		obj_field(f, key, s != NULL ? JS_STRING : JS_NULL, s, len);
	}
	if (json_object_object_get_ex(o, "metadata", &md) &&
	    json_object_is_type(md, json_type_object)) {
		f->has_md = 1;
		json_object_object_foreach(md, mk, mv) {
			s = json_object_is_type(mv, json_type_string) ? json_object_get_string(mv) : NULL;
			len = s != NULL ? (size_t)json_object_get_string_len(mv) : 0;
			md_field(f, mk, s != NULL ? JS_STRING : JS_NULL, s, len);
		}
	}
}

/* --- one object ------------------------------------------------------------ */

/* The answer is about another bucket: err, with the server's name clipped. */
static int
other_bucket(const struct gcs_obj *f, const char *bucket, const char *what,
	     struct mcle_err *err)
{
	char cl[GCS_BUCKET_MAX + 1];

	http_clip_n(f->bucket, strlen(f->bucket), cl, sizeof(cl));
	return mcle_err_set(err, MCLE_ECORRUPT, "%s: the response is about bucket '%s', not '%s'",
			    what, cl, bucket);
}

/* The object and bucket the answer is about are the ones asked for. */
static int
check_object(const struct gcs_obj *f, const char *bucket, const char *name,
	     const char *what, struct mcle_err *err)
{
	char cl[GCS_NAME_CLIP + 1];

	if (f->name_state == 0 || f->bucket_state == 0)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: no '%s'", what,
				    f->name_state == 0 ? "name" : "bucket");
	if (f->name_state != 1 || strcmp(f->name, name) != 0) {
		http_clip_n(f->name, strlen(f->name), cl, sizeof(cl));
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: the response is about object '%s', not '%s'", what, cl,
				    name);
	}
	if (f->bucket_state != 1 || strcmp(f->bucket, bucket) != 0)
		return other_bucket(f, bucket, what, err);
	return 0;
}

/* An object resource's body into f: JSON, an object, about bucket/name. */
static int
object_fields(const char *body, size_t len, const char *bucket, const char *name,
	      const char *what, struct gcs_obj *f, struct mcle_err *err)
{
	const char *why;
	json_object *o;

	if ((o = json_parse(body, len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: %s", what,
			     o == NULL ? why : "not a JSON object");
		json_object_put(o);
		return -1;
	}
	fields_from_tree(o, f);
	json_object_put(o);
	return check_object(f, bucket, name, what, err);
}

int
gcs_object_parse(const char *body, size_t len, const char *bucket, const char *name,
		 const char *ns, mcle_time now, const char *what,
		 struct store_entry *e, struct mcle_err *err)
{
	struct gcs_obj f;

	if (object_fields(body, len, bucket, name, what, &f, err) < 0)
		return -1;
	return entry_from(&f, ns, now, e, err);
}

/* generation, updated and mcleEpoch of a legacy lock's object into l. */
static void
legacy_from(const struct gcs_obj *f, struct store_legacy *l)
{
	int64_t g, e = 0;
	size_t len;
	const char *m = md_get((void *)f, "mcleEpoch", &len);

	memset(l, 0, sizeof(*l));
	l->present = 1;
	if (gcs_canonical_int64(f->gen, &g) < 0 || strlen(f->gen) >= sizeof(l->gen) ||
	    time_parse_rfc3339(f->updated, &l->updated) < 0 ||
	    (m != NULL && (len > 20 || gcs_canonical_int64(m, &e) < 0 || e > MCLE_EPOCH_MAX))) {
		l->bad = 1;
		return;
	}
	snprintf(l->gen, sizeof(l->gen), "%s", f->gen);
	l->mcle_epoch = e;
}

int
gcs_legacy_object_parse(const char *body, size_t len, const char *bucket, const char *name,
			const char *what, struct store_legacy *l, struct mcle_err *err)
{
	struct gcs_obj f;

	if (object_fields(body, len, bucket, name, what, &f, err) < 0)
		return -1;
	legacy_from(&f, l);
	if (l->bad)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: generation, "
				    "updated or mcleEpoch", what);
	return 0;
}

void
gcs_legacy_body_parse(const char *body, size_t len, struct store_legacy *l)
{
	const char *why, *h;
	json_object *o = len <= GCS_LEGACY_BODY_MAX ? json_parse(body, len, &why) : NULL;
	int64_t d, t = 0;

	l->read = 1;
	l->bad = 1;
	if (o == NULL || !json_object_is_type(o, json_type_object))
		goto out;
	h = json_str(o, "holderIdentity");
	if (h == NULL || strlen(h) > MCLE_IDENTITY_MAX || json_int(o, "leaseDurationSeconds", &d) < 0 ||
	    d < 1 || d > INT32_MAX ||
	    (json_has(o, "leaderTransitions") && (json_int(o, "leaderTransitions", &t) < 0 ||
						   t < 0 || t >= MCLE_EPOCH_MAX)))
		goto out;
	snprintf(l->holder, sizeof(l->holder), "%s", h);
	l->duration = (int32_t)d;
	l->transitions = t;
	l->bad = 0;
out:
	json_object_put(o);
}

int
gcs_legacy_name(const char *name, char *ns)
{
	size_t n = strlen(name), k = strlen(STORE_LEGACY_SUFFIX);

	if (n <= k || n - k > MCLE_NAMESPACE_MAX || strchr(name, '/') != NULL ||
	    strcmp(name + n - k, STORE_LEGACY_SUFFIX) != 0)
		return 0;
	memcpy(ns, name, n - k);
	ns[n - k] = '\0';
	return valid_namespace(ns);
}

void
gcs_error_message(const char *body, size_t len, char *buf, size_t size)
{
	const char *why;
	json_object *o = json_parse(body, len, &why), *m;

	buf[0] = '\0';
	if (json_object_object_get_ex(json_obj(o, "error"), "message", &m) &&
	    json_object_is_type(m, json_type_string))
		http_clip_n(json_object_get_string(m), (size_t)json_object_get_string_len(m), buf, size);
	json_object_put(o);
}

/* --- a list page ------------------------------------------------------------- */

/* The namespace an object name stands for, or NULL if it is not one. */
static const char *
name_to_ns(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	if (n > 0) {
		if (strncmp(name, prefix, n) != 0 || name[n] != '/')
			return NULL;
		name += n + 1;
	}
	return valid_namespace(name) ? name : NULL;
}

/* PREFIX/ itself: a "folder" placeholder, as the console creates. */
static int
is_folder(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	return n > 0 && strncmp(name, prefix, n) == 0 && strcmp(name + n, "/") == 0;
}

/* PREFIX/.mcle-epoch-floor: the epoch floor (store.h), no lock. */
static int
is_floor(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	if (n > 0) {
		if (strncmp(name, prefix, n) != 0 || name[n] != '/')
			return 0;
		name += n + 1;
	}
	return strcmp(name, STORE_FLOOR_NAME) == 0;
}

static void
warn_skip(const struct gcs_page *p, const char *name, const char *why)
{
	log_warn("skipping object '%s' in '%s': %s", name, p->url, why);
}

/* The item's lock, or why it is not one. */
static void
item_entry(const struct gcs_obj *f, const char *ns, struct gcs_item *it)
{
	struct mcle_err e = MCLE_ERR_INIT;

	/* the store's clock comes with the page's Date: entries are made at its end */
	snprintf(it->e.name, sizeof(it->e.name), "%s", ns);
	it->bad = 0;
	if (entry_from(f, ns, 0, &it->e, &e) < 0) {
		it->bad = 1;
		snprintf(it->why, sizeof(it->why), "%.199s", e.msg);
		memset(&it->e.rec, 0, sizeof(it->e.rec));
	}
}

/* A legacy-only listing under a prefix (--legacy-locks gs://B/P): the name under it. */
static const char *
legacy_rel(const struct gcs_page *p, const char *name)
{
	size_t n = strlen(p->prefix);

	if (p->legacy != 2 || n == 0)
		return name;
	return strncmp(name, p->prefix, n) == 0 && name[n] == '/' ? name + n + 1 : "";
}

/* An item is complete: keep its entry for the page, or skip it. */
static int
item_end(struct gcs_page *p)
{
	struct gcs_obj *f = &p->cur;
	struct gcs_item *it;
	const char *ns;
	char lns[MCLE_NAMESPACE_MAX + 1];

	p->in_item = 0;
	if (f->bucket_state != 0 && (f->bucket_state != 1 || strcmp(f->bucket, p->bucket) != 0))
		return other_bucket(f, p->bucket, p->what, &p->err);
	if (f->name_state == 0)
		return mcle_err_set(&p->err, MCLE_ECORRUPT,
				    "%s: malformed response: an item without a 'name'", p->what);
	if (f->name_state < 0) {
		warn_skip(p, f->name, f->name_bad_type ? "its name is not a string" :
			  "its name holds a NUL byte");
		return 0;
	}
	if (gcs_legacy_name(legacy_rel(p, f->name), lns) && (p->legacy || *p->prefix == '\0')) {
		if (!p->legacy)
			return 0;	/* not a lock of mcle's: a legacy lock, not asked for */
		if ((it = vec_add(&p->items)) == NULL)
			goto full;
		memset(it, 0, sizeof(*it));
		snprintf(it->e.name, sizeof(it->e.name), "%s", lns);
		legacy_from(f, &it->e.legacy);
		it->e.legacy.listed = 1;
		return 0;
	}
	if (p->legacy == 2)
		return 0;	/* the root's other objects */
	if ((ns = name_to_ns(p->prefix, f->name)) == NULL) {
		if (!is_folder(p->prefix, f->name) && !is_floor(p->prefix, f->name)) {
			char cl[GCS_NAME_CLIP];

			http_clip_n(f->name, strlen(f->name), cl, sizeof(cl));
			warn_skip(p, cl, "its name is not PREFIX/NAMESPACE");
		}
		return 0;
	}
	if ((it = vec_add(&p->items)) == NULL)
		goto full;
	item_entry(f, ns, it);
	return 0;
full:
	return vec_full(&p->items) ?
		mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: a page of over %d objects",
			     p->what, GCS_PAGE_ITEMS_MAX) :
		mcle_err_set(&p->err, MCLE_ENOMEM, "out of memory");
}

/* A member of the page itself: nextPageToken, items, prefixes. */
static int
page_member(struct gcs_page *p, struct jstream *js, enum jstream_tok tok, const char *s,
	    size_t len)
{
	if (jstream_key_is(js, 1, "nextPageToken")) {
		if (tok == JS_NULL)
			return 0;
		if (tok != JS_STRING || s == NULL || len > GCS_PAGE_TOKEN_MAX || strlen(s) != len)
			p->next_bad = 1;
		else
			memcpy(p->next, s, len + 1);
	} else if (jstream_key_is(js, 1, "items") && tok != JS_ARRAY &&
		   tok != JS_ARRAY_END && tok != JS_NULL) {
		return mcle_err_set(&p->err, MCLE_ECORRUPT,
				    "%s: malformed response: 'items' is not an array", p->what);
	} else if (jstream_key_is(js, 1, "prefixes") && tok != JS_ARRAY &&
		   tok != JS_ARRAY_END && tok != JS_NULL) {
		return mcle_err_set(&p->err, MCLE_ECORRUPT,
				    "%s: malformed response: 'prefixes' is not an array", p->what);
	}
	return 0;
}

static int
on_token(void *arg, struct jstream *js, enum jstream_tok tok, const char *s, size_t len,
	 int depth)
{
	struct gcs_page *p = arg;

	if (depth == 1)
		return page_member(p, js, tok, s, len);
	if (!jstream_key_is(js, 1, "items"))
		return 0;
	if (depth == 2) {
		if (tok == JS_OBJECT) {
			memset(&p->cur, 0, sizeof(p->cur));
			p->in_item = 1;
			return 0;
		}
		if (tok == JS_OBJECT_END)
			return item_end(p);
		return mcle_err_set(&p->err, MCLE_ECORRUPT,
				    "%s: malformed response: an item is not an object", p->what);
	}
	if (!p->in_item)
		return 0;
	if (depth == 3 && jstream_key(js, 3) != NULL) {
		if (jstream_key_is(js, 3, "metadata") && tok == JS_OBJECT)
			p->cur.has_md = 1;
		else if (tok != JS_OBJECT_END && tok != JS_ARRAY_END)
			/* a container is not a string, as in fields_from_tree */
			obj_field(&p->cur, jstream_key(js, 3), tok, s, len);
	} else if (depth == 4 && jstream_key_is(js, 3, "metadata") && jstream_key(js, 4) != NULL) {
		md_field(&p->cur, jstream_key(js, 4), tok, s, len);
	}
	return 0;
}

void
gcs_page_init(struct gcs_page *p, const char *bucket, const char *prefix, const char *url,
	      const char *what)
{
	struct vec items = VEC_INIT(struct gcs_item, GCS_PAGE_ITEMS_MAX);

	memset(p, 0, sizeof(*p));
	p->bucket = bucket;
	p->prefix = prefix;
	p->url = url;
	p->what = what;
	p->items = items;
	jstream_init(&p->js, on_token, p, GCS_STRING_MAX);
}

void
gcs_page_begin(struct gcs_page *p)
{
	jstream_free(&p->js);
	jstream_init(&p->js, on_token, p, GCS_STRING_MAX);
	p->items.n = 0;
	p->in_item = p->next_bad = 0;
	p->next[0] = '\0';
	mcle_err_clear(&p->err);
}

int
gcs_page_feed(struct gcs_page *p, const char *buf, size_t n)
{
	if (jstream_feed(&p->js, buf, n) < 0)
		return mcle_err_set(&p->err, MCLE_ECORRUPT, "%s: malformed response: %s",
				    p->what, p->js.err);
	return 0;
}

int
gcs_page_finish(struct gcs_page *p, struct mcle_err *err)
{
	if (jstream_finish(&p->js) < 0)
		return mcle_err_set(err, MCLE_ECORRUPT, "%s: malformed response: %s", p->what,
				    p->js.err);
	return 0;
}

int
gcs_page_token(const struct gcs_page *p, struct mcle_err *err)
{
	if (p->next_bad)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "%s: malformed response: invalid 'nextPageToken'", p->what);
	return 0;
}

void
gcs_page_free(struct gcs_page *p)
{
	jstream_free(&p->js);
	vec_free(&p->items);
}
