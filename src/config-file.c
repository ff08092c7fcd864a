/* config-file.c - the YAML config file (libyaml event parser). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <yaml.h>

#include "config-file.h"
#include "readfile.h"

#define VALUE_MAX 4096
#define KEY_MAX 128
#define SETTINGS_MAX 64		/* far more than there are options */

struct cf_key {
	char name[KEY_MAX];
	unsigned long line;
};

struct cf_state {
	yaml_parser_t parser;
	const char *path;
	config_fn fn;
	void *arg;
	struct cf_key seen[SETTINGS_MAX];	/* the keys so far, for duplicates */
	size_t nseen;
	int docs;
};

static int
yaml_error(struct cf_state *st, struct mcle_err *err)
{
	yaml_parser_t *p = &st->parser;

	return mcle_err_set(err, MCLE_ECONFIG, "%s:%lu:%lu: invalid YAML: %s",
			    st->path, (unsigned long)p->problem_mark.line + 1,
			    (unsigned long)p->problem_mark.column + 1,
			    p->problem ? p->problem : "syntax error");
}

static int
next_event(struct cf_state *st, yaml_event_t *ev, struct mcle_err *err)
{
	if (!yaml_parser_parse(&st->parser, ev))
		return yaml_error(st, err);
	return 0;
}

static int
append(char *buf, const char *s, size_t len, const char *where,
       struct mcle_err *err)
{
	size_t have = strlen(buf);

	if (have + len + 2 > VALUE_MAX)
		return mcle_err_set(err, MCLE_ECONFIG, "%s: value too long", where);
	if (memchr(s, '\0', len) != NULL)
		return mcle_err_set(err, MCLE_ECONFIG, "%s: a value holds a NUL character", where);
	if (have > 0)
		buf[have++] = ',';
	memcpy(buf + have, s, len);
	buf[have + len] = '\0';
	return 0;
}

/* A value: a scalar, or a sequence of scalars joined with ','. */
static int
read_value(struct cf_state *st, const char *where, char *buf,
	   struct mcle_err *err)
{
	yaml_event_t ev;
	int rc = 0;

	buf[0] = '\0';
	if (next_event(st, &ev, err) < 0)
		return -1;
	if (ev.type == YAML_SCALAR_EVENT) {
		rc = append(buf, (char *)ev.data.scalar.value, ev.data.scalar.length, where, err);
		yaml_event_delete(&ev);
		return rc;
	}
	if (ev.type != YAML_SEQUENCE_START_EVENT) {
		yaml_event_delete(&ev);
		return mcle_err_set(err, MCLE_ECONFIG,
				    "%s: expected a value or a list of values", where);
	}
	yaml_event_delete(&ev);
	for (;;) {
		if (next_event(st, &ev, err) < 0)
			return -1;
		if (ev.type == YAML_SEQUENCE_END_EVENT)
			break;
		if (ev.type != YAML_SCALAR_EVENT) {
			yaml_event_delete(&ev);
			return mcle_err_set(err, MCLE_ECONFIG,
					    "%s: expected a list of plain values", where);
		}
		rc = append(buf, (char *)ev.data.scalar.value, ev.data.scalar.length, where, err);
		yaml_event_delete(&ev);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A key may appear once: libyaml does not check, and "the first wins" hides typos. */
static int
remember_key(struct cf_state *st, const char *key, unsigned long line,
	     const char *where, struct mcle_err *err)
{
	size_t i;

	for (i = 0; i < st->nseen; i++)
		if (strcmp(st->seen[i].name, key) == 0)
			return mcle_err_set(err, MCLE_ECONFIG,
					    "%s: duplicate setting '%s' (first on line %lu)",
					    where, key, st->seen[i].line);
	if (st->nseen == SETTINGS_MAX)
		return mcle_err_set(err, MCLE_ECONFIG, "%s: more than %d settings",
				    where, SETTINGS_MAX);
	snprintf(st->seen[st->nseen].name, KEY_MAX, "%s", key);
	st->seen[st->nseen++].line = line;
	return 0;
}

/* The root mapping: key, value, key, value ... */
static int
read_mapping(struct cf_state *st, struct mcle_err *err)
{
	yaml_event_t ev;
	char where[512], key[KEY_MAX], *value;
	unsigned long line;
	int rc = -1;

	if ((value = malloc(VALUE_MAX)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	for (;;) {
		if (next_event(st, &ev, err) < 0)
			goto out;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		line = (unsigned long)ev.start_mark.line + 1;
		snprintf(where, sizeof(where), "%s:%lu", st->path, line);
		if (ev.type != YAML_SCALAR_EVENT || ev.data.scalar.length >= sizeof(key) ||
		    memchr(ev.data.scalar.value, '\0', ev.data.scalar.length) != NULL) {
			yaml_event_delete(&ev);
			mcle_err_set(err, MCLE_ECONFIG, "%s: expected a setting name", where);
			goto out;
		}
		memcpy(key, ev.data.scalar.value, ev.data.scalar.length + 1);
		yaml_event_delete(&ev);
		if (remember_key(st, key, line, where, err) < 0 ||
		    read_value(st, where, value, err) < 0 ||
		    st->fn(st->arg, key, value, where, err) < 0)
			goto out;
	}
	rc = 0;
out:
	free(value);
	return rc;
}

/* A document that is only "~", "null" or nothing: it sets nothing. */
static int
null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    !ev->data.scalar.plain_implicit)
		return 0;
	return ev->data.scalar.length == 0 || strcmp(v, "~") == 0 ||
	    strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* One event at the top level: 1 at the end of the stream, 0 to go on, -1. */
static int
top_event(struct cf_state *st, const yaml_event_t *ev, struct mcle_err *err)
{
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
	case YAML_DOCUMENT_END_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		/* later documents would be ignored: refuse them */
		if (st->docs++ > 0)
			return mcle_err_set(err, MCLE_ECONFIG,
					    "%s:%lu: a second YAML document: only one is read",
					    st->path, (unsigned long)ev->start_mark.line + 1);
		return 0;
	case YAML_STREAM_END_EVENT:
		return 1;	/* an empty file sets nothing */
	case YAML_MAPPING_START_EVENT:
		return read_mapping(st, err);
	case YAML_SCALAR_EVENT:
		if (null_scalar(ev))
			return 0;
		/* FALLTHROUGH */
	default:
		return mcle_err_set(err, MCLE_ECONFIG,
				    "%s: expected a mapping of settings", st->path);
	}
}

static int
parse_stream(struct cf_state *st, struct mcle_err *err)
{
	yaml_event_t ev;
	int rc;

	do {
		if (next_event(st, &ev, err) < 0)
			return -1;
		rc = top_event(st, &ev, err);
		yaml_event_delete(&ev);
	} while (rc == 0);
	return rc < 0 ? -1 : 0;
}

int
config_file_parse(const char *text, size_t len, const char *path,
		  config_fn fn, void *arg, struct mcle_err *err)
{
	struct cf_state st;
	int rc;

	memset(&st, 0, sizeof(st));
	st.path = path;
	st.fn = fn;
	st.arg = arg;
	if (!yaml_parser_initialize(&st.parser))
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&st.parser, (const unsigned char *)text, len);
	rc = parse_stream(&st, err);
	yaml_parser_delete(&st.parser);
	return rc;
}

/* ==== opening the file: no one but root and the user may change it ====== */

#ifndef O_PATH
#define O_PATH O_RDONLY
#endif
#define SYMLINKS_MAX 40

/* The config file's path, looked up one name at a time from "/". */
struct walk {
	const char *path;	/* as given, for messages */
	int missing_ok;
	char rest[PATH_MAX];	/* the names still to look up */
	char here[PATH_MAX];	/* the directory dirfd is, for messages */
	int dirfd;
	struct stat dir;	/* dirfd's status */
	int dir_ro;		/* dirfd is on a read-only file system */
	int links;		/* symbolic links followed so far */
	int fd;			/* the file, once open */
};

/*
 * Why someone other than root and this user could change sb, or NULL.  The
 * owner can always change it.  A sticky directory may be writable by others:
 * only its entries' owners can replace them, and each entry is checked in
 * turn.  Its group may write only if it is the user's own.  Nobody writes to
 * a read-only file system (a Kubernetes ConfigMap volume: mode 0777, but
 * mounted read-only).  A symbolic link's own mode means nothing.
 */
static const char *
unsafe_why(const struct stat *sb, int ro, char *buf, size_t len)
{
	if (ro)
		return NULL;
	if (sb->st_uid != 0 && sb->st_uid != geteuid()) {
		snprintf(buf, len, "is owned by uid %lu", (unsigned long)sb->st_uid);
		return buf;
	}
	if (S_ISLNK(sb->st_mode) || (S_ISDIR(sb->st_mode) && (sb->st_mode & S_ISVTX)))
		return NULL;
	if (sb->st_mode & S_IWOTH)
		return "is writable by anyone";
	if ((sb->st_mode & S_IWGRP) && sb->st_gid != getegid()) {
		snprintf(buf, len, "is writable by group %lu", (unsigned long)sb->st_gid);
		return buf;
	}
	return NULL;
}

static int
read_only_fs(int fd)
{
	struct statvfs vfs;

	return fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY) != 0;
}

static int
refuse(const struct walk *w, const char *what, const char *why, struct mcle_err *err)
{
	if (strcmp(what, w->path) == 0)
		return mcle_err_set(err, MCLE_ECONFIG, "config file '%s' %s: refusing it",
				    w->path, why);
	return mcle_err_set(err, MCLE_ECONFIG, "config file '%s': '%s' %s: refusing it",
			    w->path, what, why);
}

/* -1 with err set, or 1 (stop, nothing opened) for a missing file we may skip. */
static int
walk_errno(const struct walk *w, int errnum, struct mcle_err *err)
{
	if (errnum == ENOENT && w->missing_ok)
		return 1;
	return mcle_err_errno(err, MCLE_ECONFIG, errnum, "cannot open config file '%s'",
			      w->path);
}

/* Make fd, a directory, the one we look names up in. */
static int
walk_set_dir(struct walk *w, int fd, struct mcle_err *err)
{
	if (fstat(fd, &w->dir) < 0) {
		close(fd);
		return walk_errno(w, errno, err);
	}
	if (w->dirfd >= 0)
		close(w->dirfd);
	w->dirfd = fd;
	w->dir_ro = read_only_fs(fd);
	return 0;
}

static int
walk_root(struct walk *w, struct mcle_err *err)
{
	int fd;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return walk_errno(w, errno, err);
	strcpy(w->here, "/");
	return walk_set_dir(w, fd, err);
}

/* Into the directory `name` ("..": out of this one); `what` is its path. */
static int
walk_enter(struct walk *w, const char *name, const char *what, struct mcle_err *err)
{
	char *slash;
	int fd;

	if ((fd = openat(w->dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return walk_errno(w, errno, err);
	if (what != NULL) {
		snprintf(w->here, sizeof(w->here), "%s", what);
	} else if ((slash = strrchr(w->here, '/')) != NULL) {
		if (slash == w->here)
			slash++;
		*slash = '\0';
	}
	return walk_set_dir(w, fd, err);
}

/* Replace the link `name` by its target in what is left to look up. */
static int
walk_link(struct walk *w, const char *name, struct mcle_err *err)
{
	char target[PATH_MAX];
	size_t have = strlen(w->rest);
	ssize_t n;
	int rc;

	if (++w->links > SYMLINKS_MAX)
		return walk_errno(w, ELOOP, err);
	if ((n = readlinkat(w->dirfd, name, target, sizeof(target))) < 0)
		return walk_errno(w, errno, err);
	if (n == 0)
		return walk_errno(w, ENOENT, err);
	if ((size_t)n + 1 + have >= sizeof(w->rest))
		return walk_errno(w, ENAMETOOLONG, err);
	if (have > 0) {
		memmove(w->rest + n + 1, w->rest, have + 1);
		w->rest[n] = '/';
	} else {
		w->rest[n] = '\0';
	}
	memcpy(w->rest, target, (size_t)n);
	if (target[0] == '/' && (rc = walk_root(w, err)) != 0)
		return rc;
	return 0;
}

/* The file itself: opened without following a link, then checked. */
static int
walk_file(struct walk *w, const char *name, const char *what, struct mcle_err *err)
{
	struct stat sb;
	char buf[64];
	const char *why;

	if ((w->fd = openat(w->dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0)
		return walk_errno(w, errno, err);
	if (fstat(w->fd, &sb) < 0)
		return walk_errno(w, errno, err);
	if (!S_ISREG(sb.st_mode))
		return mcle_err_set(err, MCLE_ECONFIG, "config file '%s' is not a regular file",
				    w->path);
	if ((why = unsafe_why(&sb, read_only_fs(w->fd), buf, sizeof(buf))) != NULL)
		return refuse(w, what, why, err);
	return 1;
}

/*
 * One name: the directory holding it must be safe, then the name itself
 * (a link is followed, a directory entered, the last name is the file).
 */
static int
walk_step(struct walk *w, const char *name, int last, struct mcle_err *err)
{
	struct stat sb;
	char what[PATH_MAX], buf[64];
	const char *why;

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0)
		return walk_enter(w, "..", NULL, err);
	if (fstatat(w->dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
		return walk_errno(w, errno, err);
	if ((why = unsafe_why(&w->dir, w->dir_ro, buf, sizeof(buf))) != NULL)
		return refuse(w, w->here, why, err);
	if ((size_t)snprintf(what, sizeof(what), "%s%s%s", w->here,
			     strcmp(w->here, "/") == 0 ? "" : "/", name) >= sizeof(what))
		return walk_errno(w, ENAMETOOLONG, err);
	if (S_ISLNK(sb.st_mode)) {
		if ((why = unsafe_why(&sb, w->dir_ro, buf, sizeof(buf))) != NULL)
			return refuse(w, what, why, err);
		return walk_link(w, name, err);
	}
	if (!last)
		return walk_enter(w, name, what, err);
	return walk_file(w, name, what, err);
}

/* Take the first name off w->rest: 1, or 0 when none is left, or -1 (too long). */
static int
pop_name(struct walk *w, char *name, size_t len, int *last)
{
	char *p = w->rest;
	size_t n;

	p += strspn(p, "/");
	if (*p == '\0')
		return 0;
	if ((n = strcspn(p, "/")) >= len)
		return -1;
	memcpy(name, p, n);
	name[n] = '\0';
	p += n;
	memmove(w->rest, p, strlen(p) + 1);
	*last = w->rest[0] == '\0';	/* "file/" must be a directory */
	return 1;
}

static int
walk_start(struct walk *w, const char *path, struct mcle_err *err)
{
	char cwd[PATH_MAX];
	size_t n;

	if (path[0] == '/') {
		n = (size_t)snprintf(w->rest, sizeof(w->rest), "%s", path);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			return walk_errno(w, errno, err);
		n = (size_t)snprintf(w->rest, sizeof(w->rest), "%s/%s", cwd, path);
	}
	if (n >= sizeof(w->rest))
		return walk_errno(w, ENAMETOOLONG, err);
	return walk_root(w, err);
}

/*
 * Open the config file as OpenSSH's safe_path checks a path: from "/" down,
 * every directory, every link (and what it points to) and the file itself
 * must be beyond the reach of anyone but root and the user.  *fd is -1 when
 * the file is missing and missing_ok.
 */
static int
safe_open(const char *path, int missing_ok, int *fd, struct mcle_err *err)
{
	struct walk *w;
	char name[NAME_MAX + 1];
	int rc, n, last = 0;

	*fd = -1;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	w->path = path;
	w->missing_ok = missing_ok;
	w->dirfd = w->fd = -1;
	rc = walk_start(w, path, err);
	while (rc == 0) {
		if ((n = pop_name(w, name, sizeof(name), &last)) < 0)
			rc = walk_errno(w, ENAMETOOLONG, err);
		else if (n == 0)	/* "/", "dir/.", "dir/.." */
			rc = mcle_err_set(err, MCLE_ECONFIG,
					  "config file '%s' is not a regular file", path);
		else
			rc = walk_step(w, name, last, err);
	}
	if (rc > 0) {
		*fd = w->fd;
		w->fd = -1;
	}
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w);
	return rc < 0 ? -1 : 0;
}

int
config_file_read(const char *path, int missing_ok, config_fn fn, void *arg,
		 struct mcle_err *err)
{
	const struct readfile_opts o = { "config file", MCLE_ECONFIG, CONFIG_FILE_MAX, 0 };
	char *buf;
	size_t len;
	int fd, rc;

	if (safe_open(path, missing_ok, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return 0;	/* missing, and that is fine */
	rc = readfile_fd(fd, path, &o, &buf, &len, err);
	close(fd);
	if (rc == 0)
		rc = config_file_parse(buf, len, path, fn, arg, err);
	free(buf);
	return rc;
}
