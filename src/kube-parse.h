/*
 * kube-parse.h - what the Kubernetes API answers, decoded without I/O: a
 * Lease object (parsed whole), a list page of namespaces or of Lease
 * resources (streamed through jstream.c: the items, the continue token,
 * the caps) and the Status body of an error.  kube.c makes the requests
 * and pages through listings; the fuzz targets feed these arbitrary bytes.
 *
 * Names that are not valid namespace names are skipped with a warning,
 * never cut short; server strings reach messages clipped (http_clip_n).
 */
#ifndef MCLE_KUBE_PARSE_H
#define MCLE_KUBE_PARSE_H

#include <stddef.h>

#include "err.h"
#include "jstream.h"
#include "kube.h"
#include "kube-lease.h"
#include "vec.h"

#define KUBE_STRING_MAX	(64 * 1024)	/* one string value of a list item */
#define KUBE_WARN_MAX	5		/* warnings about skipped items, per listing */
#define KUBE_CLIP	96		/* a server's name, in messages */

/*
 * A 2xx answer holding the Lease resource `name` of namespace ns: into
 * *out, or -1 with err (MCLE_ECORRUPT, "WHAT: ... from SERVER ...").
 */
int kube_lease_parse(const char *body, size_t len, const char *name, const char *ns,
		     const char *what, const char *server, struct kube_lease *out,
		     struct mcle_err *err);

/* The JSON key of status field `bit` (one KS_* bit). */
const char *kube_status_key(unsigned bit);

/*
 * The metadata.uid of a namespace object (GET /api/v1/namespaces/NAME):
 * into uid (KUBE_UID_MAX + 1 bytes), or -1 with err (MCLE_ECORRUPT).
 */
int kube_uid_parse(const char *body, size_t len, const char *what, char *uid,
		   struct mcle_err *err);

/*
 * An error answer: "WHAT: STATUS MESSAGE" into err, the message from the
 * metav1.Status body (else the body itself), clipped; the code for the
 * HTTP status.  *ns_missing: a 404 whose Status says the namespace itself
 * does not exist.
 */
void kube_api_error(long status, const char *body, size_t len, const char *what,
		    struct mcle_err *err, int *ns_missing);

/* A namespace kept from a listing. */
struct kube_ns_item {
	char name[MCLE_NAMESPACE_MAX + 1];
	int terminating;
};

/* A namespace item being read: its name, and why it is skipped if it is. */
struct kube_ns_reading {
	struct kube_ns_item it;
	char shown[KUBE_CLIP];		/* the name as a warning shows it */
	const char *bad;		/* why it is skipped, or NULL */
	char uid[KUBE_UID_MAX + 1];	/* metadata.uid if valid, else "" */
};

/* What a Lease item says, field by field. */
struct kube_lease_fields {
	struct kube_lease l;
	int name_ok, ns_ok, rv_ok;
	int name_state;			/* 0: not ours, 1: ours, -1: an invalid name */
	char shown_name[KUBE_CLIP];	/* as a warning shows it */
	char bad_ns[KUBE_CLIP];
};

/* What is listed, for checks and messages (strings borrowed). */
struct kube_listing {
	int leases;			/* 0: namespaces, 1: the Lease resources */
	const char *lease_name;		/* leases: the resources' name (kind.name) */
	const char *plural;		/* leases: kind.plural, for warnings */
	const char *noun;		/* "namespaces" or "PLURAL.GROUP", for the cap */
	const char *what;		/* "cannot list namespaces in ..." */
	const char *server;		/* the server URL, for messages */
	const char *describe;		/* the cluster, for warnings */
};

/*
 * One page of a listing being read: kube_page_feed as the bytes arrive,
 * then kube_page_finish.  The result is the same however the bytes are
 * cut.  `items` and `warned` count the whole listing: the caller adds a
 * delivered page's page_items to items.
 */
struct kube_page {
	struct kube_listing ls;
	size_t items;			/* items of the listing's earlier pages */
	size_t warned;			/* warnings of the listing */
	/* the page */
	struct jstream js;
	struct vec page;		/* struct kube_ns_item or struct kube_lease_fields */
	size_t page_items;		/* items counted, kept or not */
	int in_item, saw_items, next_bad;
	struct kube_ns_reading ns_cur;
	struct kube_lease_fields lease_cur;
	char next[KUBE_CONTINUE_MAX + 1];	/* metadata.continue, "" at the end */
	char system_uid[KUBE_UID_MAX + 1];	/* kube-system's metadata.uid if listed */
	struct mcle_err err;		/* why the parse stopped */
};

void kube_page_init(struct kube_page *p, const struct kube_listing *ls);
/* Start (again) with an empty page: a retried request streams it anew. */
void kube_page_begin(struct kube_page *p);
/* n more bytes: 0, or -1 with p->err. */
int kube_page_feed(struct kube_page *p, const char *buf, size_t n);
/* The end of the body: 0 if it was one whole list page, or -1 with err. */
int kube_page_finish(struct kube_page *p, struct mcle_err *err);
/* The continue token is valid: 0 (p->next, "" at the end), or -1 with err. */
int kube_page_token(const struct kube_page *p, struct mcle_err *err);
void kube_page_free(struct kube_page *p);

/* A warning about a skipped item, the first KUBE_WARN_MAX of a listing. */
void kube_page_warn(struct kube_page *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
