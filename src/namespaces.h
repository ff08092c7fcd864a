/*
 * namespaces.h - the set of namespaces a pass covers: from the command
 * line (-n, --namespaces a,b), a file (--namespaces-file), or a cluster's
 * listing (kube.c) filtered by the pass.  Sorted, without duplicates, at
 * most MCLE_NAMESPACES_MAX.
 */
#ifndef MCLE_NAMESPACES_H
#define MCLE_NAMESPACES_H

#include <stddef.h>

#include "err.h"
#include "record.h"
#include "vec.h"

#define MCLE_NAMESPACES_MAX	100000		/* namespaces in one pass */
#define NS_FILE_MAX		(4 * 1024 * 1024)	/* bytes of --namespaces-file */
#define NS_LINE_MAX		1024

struct ns_list {
	struct vec v;		/* char[MCLE_NAMESPACE_MAX + 1] each */
};

void ns_list_init(struct ns_list *l);
void ns_list_free(struct ns_list *l);

/* Add name[0..len).  Invalid names and a full list are usage errors naming `where`. */
int ns_list_add(struct ns_list *l, const char *name, size_t len, const char *where,
		struct mcle_err *err);

/* "a,b,c". */
int ns_list_csv(struct ns_list *l, const char *csv, const char *where,
		struct mcle_err *err);

/*
 * One name per line, '#' comments, blank lines ignored; read with its
 * limit applied while reading (pipes allowed: <(cmd)).  A NUL byte is an
 * error naming the file and line.
 */
int ns_list_file(struct ns_list *l, const char *path, struct mcle_err *err);

/* The same from the file's text, buf[0..len) (path names it in messages). */
int ns_list_text(struct ns_list *l, const char *buf, size_t len, const char *path,
		 struct mcle_err *err);

/* Sort and drop duplicates. */
void ns_list_sort(struct ns_list *l);

/*
 * The named set of namespaces to exclude (--exclude-preset): "kube" (the
 * three kube-* namespaces, the default), "gke" (the Go controller's own
 * list, exactly as it skipped them), "none".  Adds them to l: 0, or -1
 * (err) for an unknown preset.
 */
int ns_list_preset(struct ns_list *l, const char *preset, struct mcle_err *err);
/* 1 if preset is one of those names. */
int ns_preset_valid(const char *preset);

size_t ns_list_count(const struct ns_list *l);
const char *ns_list_at(const struct ns_list *l, size_t i);

/* The index of name in a sorted list, or -1. */
long ns_list_find(const struct ns_list *l, const char *name);

#endif
