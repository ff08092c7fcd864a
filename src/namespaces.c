/* namespaces.c - the namespaces of a pass, from the command line or a file. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namespaces.h"
#include "parse.h"
#include "readfile.h"

typedef char ns_name[MCLE_NAMESPACE_MAX + 1];

void
ns_list_init(struct ns_list *l)
{
	struct vec v = VEC_INIT(ns_name, MCLE_NAMESPACES_MAX);

	l->v = v;
}

void
ns_list_free(struct ns_list *l)
{
	vec_free(&l->v);
}

size_t
ns_list_count(const struct ns_list *l)
{
	return l->v.n;
}

const char *
ns_list_at(const struct ns_list *l, size_t i)
{
	return vec_at(&l->v, i);
}

int
ns_list_add(struct ns_list *l, const char *name, size_t len, const char *where,
	    struct mcle_err *err)
{
	char buf[MCLE_NAMESPACE_MAX + 1];
	char *slot;

	if (len > MCLE_NAMESPACE_MAX)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: invalid namespace '%.16s...': longer than 63",
				    where, name);
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (strlen(buf) != len || !valid_namespace(buf))
		return mcle_err_set(err, MCLE_EUSAGE,
				    "%s: invalid namespace '%s': not a DNS-1123 label", where, buf);
	if ((slot = vec_add(&l->v)) == NULL)
		return vec_full(&l->v) ?
			mcle_err_set(err, MCLE_EUSAGE, "%s: over %d namespaces", where,
				     MCLE_NAMESPACES_MAX) :
			mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	memcpy(slot, buf, len + 1);
	return 0;
}

int
ns_list_csv(struct ns_list *l, const char *csv, const char *where,
	    struct mcle_err *err)
{
	const char *p = csv, *comma;

	while (*p != '\0') {
		comma = strchr(p, ',');
		if (ns_list_add(l, p, comma ? (size_t)(comma - p) : strlen(p), where, err) < 0)
			return -1;
		if (comma == NULL)
			break;
		p = comma + 1;
		if (*p == '\0')
			return mcle_err_set(err, MCLE_EUSAGE, "%s: empty namespace after ','", where);
	}
	return 0;
}

/* One line (without its newline): comments and blanks skipped. */
static int
add_line(struct ns_list *l, const char *line, size_t len, const char *path,
	 size_t lineno, struct mcle_err *err)
{
	char where[600];
	const char *hash, *end;

	snprintf(where, sizeof(where), "%s:%zu", path, lineno);
	if (memchr(line, '\0', len) != NULL)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: a NUL byte in the line", where);
	if (len > NS_LINE_MAX)
		return mcle_err_set(err, MCLE_EUSAGE, "%s: line longer than %d bytes", where,
				    NS_LINE_MAX);
	if ((hash = memchr(line, '#', len)) != NULL)
		len = (size_t)(hash - line);
	end = line + len;
	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (end == line)
		return 0;
	return ns_list_add(l, line, (size_t)(end - line), where, err);
}

int
ns_list_text(struct ns_list *l, const char *buf, size_t len, const char *path,
	     struct mcle_err *err)
{
	size_t lineno = 0, n;
	const char *p, *nl;
	int rc = 0;

	for (p = buf; rc == 0 && p < buf + len; p = nl + 1) {
		lineno++;
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(buf + len - p);
		rc = add_line(l, p, n, path, lineno, err);
		if (nl == NULL)
			break;
	}
	return rc;
}

int
ns_list_file(struct ns_list *l, const char *path, struct mcle_err *err)
{
	const struct readfile_opts o = { "namespaces file", MCLE_EUSAGE, NS_FILE_MAX,
					 READFILE_ANY };
	char *buf;
	size_t len;
	int rc;

	if (readfile(path, &o, &buf, &len, err) < 0)
		return -1;
	rc = ns_list_text(l, buf, len, path, err);
	free(buf);
	return rc;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

void
ns_list_sort(struct ns_list *l)
{
	size_t i, j = 0;
	char *v = l->v.v;

	if (l->v.n < 2)
		return;
	qsort(v, l->v.n, sizeof(ns_name), cmp_name);
	for (i = 1; i < l->v.n; i++)
		if (strcmp(v + i * sizeof(ns_name), v + j * sizeof(ns_name)) != 0 && ++j != i)
			memcpy(v + j * sizeof(ns_name), v + i * sizeof(ns_name), sizeof(ns_name));
	l->v.n = j + 1;
}

long
ns_list_find(const struct ns_list *l, const char *name)
{
	const char *hit = l->v.n == 0 ? NULL :
		bsearch(name, l->v.v, l->v.n, sizeof(ns_name), cmp_name);

	return hit == NULL ? -1 : (long)((hit - (const char *)l->v.v) / (long)sizeof(ns_name));
}

/* The Go controller's ignoredNamespaces (internal/controller/predicate.go). */
static const char *const preset_gke[] = {
	"cert-manager", "cnrm-system", "default", "gke-managed-cim", "gmp-public",
	"gmp-system", "kube-node-lease", "kube-public", "kube-system",
	"multi-cluster-leader-election-system", "ssa-demo", NULL,
};
static const char *const preset_kube[] = {
	"kube-node-lease", "kube-public", "kube-system", NULL,
};
static const char *const preset_none[] = { NULL };

static const char *const *
preset_names(const char *preset)
{
	if (strcmp(preset, "kube") == 0)
		return preset_kube;
	if (strcmp(preset, "gke") == 0)
		return preset_gke;
	if (strcmp(preset, "none") == 0)
		return preset_none;
	return NULL;
}

int
ns_preset_valid(const char *preset)
{
	return preset_names(preset) != NULL;
}

int
ns_list_preset(struct ns_list *l, const char *preset, struct mcle_err *err)
{
	const char *const *n = preset_names(preset);

	if (n == NULL)
		return mcle_err_set(err, MCLE_EUSAGE,
				    "unknown exclude preset '%.32s': expected kube, gke or none", preset);
	for (; *n != NULL; n++)
		if (ns_list_add(l, *n, strlen(*n), "--exclude-preset", err) < 0)
			return -1;
	return 0;
}
