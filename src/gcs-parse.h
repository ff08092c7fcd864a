/*
 * gcs-parse.h - what the GCS JSON API answers, decoded without I/O: an
 * object resource (parsed whole), a list page (streamed through
 * jstream.c, with the checks of each item's bucket and name and of the
 * page token) and Google's error body.  store-gcs.c makes the requests
 * and pages through listings; the fuzz targets feed these arbitrary bytes.
 *
 * Server strings never reach a message unclipped (http_clip_n); a NUL
 * byte inside a name or a value makes it invalid, never shorter.
 */
#ifndef MCLE_GCS_PARSE_H
#define MCLE_GCS_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jstream.h"
#include "store.h"
#include "timeutil.h"
#include "vec.h"

#define GCS_BUCKET_MAX		222
#define GCS_NAME_MAX		1024		/* an object name, in bytes */
#define GCS_PAGE_TOKEN_MAX	2048
#define GCS_PAGE_SIZE		1000		/* items per page asked for */
#define GCS_PAGE_ITEMS_MAX	(5 * GCS_PAGE_SIZE)	/* a page may not hold more */
#define GCS_NAME_CLIP		96		/* a server's object name, in messages */
#define GCS_VALUE_MAX		512		/* one metadata value kept */
#define GCS_STRING_MAX		(64 * 1024)	/* one string of a list page */
#define GCS_MD_KEYS		7
#define GCS_LEGACY_BODY_MAX	4096		/* a legacy lock's body (the original reads 200 bytes) */

/* What an object resource says, reduced to the fields mcle reads. */
struct gcs_obj {
	char name[GCS_NAME_MAX + 1];
	int name_state;			/* 0 absent, 1 ok, -1 bad (NUL, too long, not a string) */
	int name_bad_type;		/* bad: not a string at all */
	char bucket[GCS_BUCKET_MAX + 1];
	int bucket_state;
	char gen[32], meta[32], updated[40], created[40];
	int has_md;
	char md[GCS_MD_KEYS][GCS_VALUE_MAX + 1];
	size_t md_len[GCS_MD_KEYS];	/* > GCS_VALUE_MAX: too long; value cut */
	int md_set[GCS_MD_KEYS];
};

/* A positive int64 in decimal without leading zeros, as GCS writes them. */
int gcs_canonical_int64(const char *s, int64_t *out);

/*
 * A 2xx answer about one object: body must be the resource of object
 * `name` in `bucket`; the lock of namespace ns it holds into e, with the
 * store's clock now.  0, or -1 with err (MCLE_ECORRUPT, "WHAT: ...").
 */
int gcs_object_parse(const char *body, size_t len, const char *bucket, const char *name,
		     const char *ns, mcle_time now, const char *what,
		     struct store_entry *e, struct mcle_err *err);

/*
 * The Go controller's lock (a legacy lock, store.h).  The object resource
 * of NAMESPACE-lease-gsc: generation, updated, and mcleEpoch (custom
 * metadata mcle writes when it takes one over) into l (present set);
 * 0, or -1 with err.
 */
int gcs_legacy_object_parse(const char *body, size_t len, const char *bucket,
			    const char *name, const char *what, struct store_legacy *l,
			    struct mcle_err *err);

/*
 * Its body, {"holderIdentity": string, "leaseDurationSeconds": int > 0,
 * "acquireTime", "renewTime", "leaderTransitions": int >= 0}, into l
 * (read set; bad set when it is not such a record).
 */
void gcs_legacy_body_parse(const char *body, size_t len, struct store_legacy *l);

/* "NS-lease-gsc" (no slash) -> ns in buf (MCLE_NAMESPACE_MAX + 1): 1, else 0. */
int gcs_legacy_name(const char *name, char *ns);

/* Google's error.message of an error body (clipped, one line) into buf, "" if none. */
void gcs_error_message(const char *body, size_t len, char *buf, size_t size);

/* One item of a list page: its lock, or why it is not one (rec zeroed). */
struct gcs_item {
	struct store_entry e;		/* e.now is 0: the page's Date sets it */
	int bad;
	char why[200];
};

/*
 * A list page being read: gcs_page_feed as the bytes arrive, then
 * gcs_page_finish; items outside PREFIX/NAMESPACE are skipped with a
 * warning; a page about another bucket, an item without a name, a page
 * over GCS_PAGE_ITEMS_MAX items or malformed JSON stop it.  The result is
 * the same however the bytes are cut.
 */
struct gcs_page {
	/* the listing (borrowed, set by gcs_page_init) */
	const char *bucket, *prefix, *url, *what;
	int legacy;			/* 1: also legacy locks at the root (prefix ""); 2: only them
					   (right under prefix: --legacy-locks gs://B/P) */
	/* the page */
	struct jstream js;
	struct vec items;		/* struct gcs_item */
	struct gcs_obj cur;
	int in_item, next_bad;
	char next[GCS_PAGE_TOKEN_MAX + 1];	/* nextPageToken, "" at the end */
	struct mcle_err err;		/* why the parse stopped */
};

/* prefix: "" or "a/b" (no slash at either end); url and what: for messages. */
void gcs_page_init(struct gcs_page *p, const char *bucket, const char *prefix,
		   const char *url, const char *what);
/* Start (again) with an empty page: a retried request streams it anew. */
void gcs_page_begin(struct gcs_page *p);
/* n more bytes: 0, or -1 with p->err. */
int gcs_page_feed(struct gcs_page *p, const char *buf, size_t n);
/* The end of the body: 0 if it was one whole page, or -1 with err. */
int gcs_page_finish(struct gcs_page *p, struct mcle_err *err);
/* The page's nextPageToken is valid: 0 (p->next, "" at the end), or -1 with err. */
int gcs_page_token(const struct gcs_page *p, struct mcle_err *err);
void gcs_page_free(struct gcs_page *p);

#endif
