/*
 * store-file.c - the embedded file:///DIR lock store.
 *
 * One JSON file per namespace, DIR/NAME, shaped like a GCS object resource:
 * generation, metageneration, timeCreated, updated and the lease record in
 * "metadata".  Writers serialise on DIR/.NAME.lock (flock), check the
 * precondition against the file under the lock, write DIR/.NAME.tmp,
 * fsync it, rename it over DIR/NAME and fsync DIR.  Readers never lock: a
 * rename is atomic, so a reader sees the old or the new file, never a torn
 * one.  The store's clock is this host's clock: the store serves one host.
 *
 * Only the holder of the flock writes DIR/.NAME.tmp, so one fixed name
 * cannot collide, and one left by a writer killed before its rename is
 * removed by the next writer.  The lock file holds the last generation
 * issued for NAME (19 digits and a newline), so that generations only ever
 * grow, whatever the clock does and across a remove and re-create.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "store.h"

#define FILE_MAX (64 * 1024)		/* a lock file is a few hundred bytes */
#define GEN_TEXT 20			/* "%019" PRId64 "\n" in the .NAME.lock file */
#define LIST_MAX 100000			/* objects in one listing */

struct file_store {
	char *dir;
	int dirfd;
};

static struct file_store *
priv(struct store *s)
{
	return s->priv;
}

static enum mcle_code
errno_code(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
	case EROFS:
	case ENOENT:
	case ENOTDIR:
	case ELOOP:
		return MCLE_ECONFIG;
	case ENOMEM:
		return MCLE_ENOMEM;
	}
	return MCLE_EIO;
}

static int
file_open(struct store *s, const char *rest, struct mcle_err *err)
{
	struct file_store *fs = priv(s);
	struct stat st;
	size_t n;

	if (rest[0] != '/' || rest[1] == '\0')
		return mcle_err_set(err, MCLE_EUSAGE,
				    "invalid store '%s': expected file:///ABSOLUTE/DIR", s->url);
	if ((fs->dir = strdup(rest)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	n = strlen(fs->dir);
	while (n > 1 && fs->dir[n - 1] == '/')
		fs->dir[--n] = '\0';
	fs->dirfd = open(fs->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fs->dirfd < 0) {
		int e = errno;

		free(fs->dir);
		fs->dir = NULL;
		return mcle_err_errno(err, errno_code(e), e,
				      "cannot open store directory '%s'", rest);
	}
	if (fstat(fs->dirfd, &st) == 0 && (st.st_mode & S_IWOTH) &&
	    !(st.st_mode & S_ISVTX)) {
		close(fs->dirfd);
		free(fs->dir);
		fs->dir = NULL;
		return mcle_err_set(err, MCLE_ECONFIG,
				    "store directory '%s' is writable by anyone: refusing it", rest);
	}
	return 0;
}

static void
file_close(struct store *s)
{
	struct file_store *fs = priv(s);

	if (fs->dir != NULL) {
		close(fs->dirfd);
		free(fs->dir);
	}
}

/* Read a whole small file into a NUL-terminated buffer. */
static int
slurp(int fd, const char *path, char **out, struct mcle_err *err)
{
	struct stat st;
	char *buf;
	size_t len = 0;
	ssize_t r;

	if (fstat(fd, &st) < 0)
		return mcle_err_errno(err, MCLE_EIO, errno, "cannot read lock file '%s'", path);
	if (!S_ISREG(st.st_mode))
		return mcle_err_set(err, MCLE_ECORRUPT, "lock file '%s' is not a regular file", path);
	if (st.st_size > FILE_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "lock file '%s' exceeds %d bytes", path, FILE_MAX);
	if ((buf = malloc(FILE_MAX + 1)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	while (len < FILE_MAX) {
		r = read(fd, buf + len, FILE_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			free(buf);
			return mcle_err_errno(err, MCLE_EIO, e, "cannot read lock file '%s'", path);
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int
get_str(json_object *o, const char *key, const char **out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

/* Parse a lock file's text into an entry. */
static int
decode_file(const char *text, const char *path, struct store_entry *e,
	    struct mcle_err *err)
{
	json_tokener *tok;
	json_object *o, *meta = NULL;
	const char *gen, *mg, *created, *updated;
	int64_t n;
	int rc = -1;

	if ((tok = json_tokener_new_ex(16)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text) + 1);
	if (o == NULL || !json_object_is_type(o, json_type_object)) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock file '%s': %s", path,
			     o == NULL ? json_tokener_error_desc(json_tokener_get_error(tok))
				       : "not a JSON object");
		goto out;
	}
	if (get_str(o, "generation", &gen) < 0 || *gen == '\0' ||
	    strlen(gen) > MCLE_GENERATION_MAX ||
	    get_str(o, "metageneration", &mg) < 0 ||
	    parse_int(mg, 1, INT64_MAX, &n) < 0 ||
	    get_str(o, "timeCreated", &created) < 0 ||
	    time_parse_rfc3339(created, &e->ver.created) < 0 ||
	    get_str(o, "updated", &updated) < 0 ||
	    time_parse_rfc3339(updated, &e->ver.updated) < 0) {
		mcle_err_set(err, MCLE_ECORRUPT,
			     "malformed lock file '%s': bad or missing generation, metageneration, timeCreated or updated",
			     path);
		goto out;
	}
	memcpy(e->ver.generation, gen, strlen(gen) + 1);
	e->ver.metageneration = n;
	json_object_object_get_ex(o, "metadata", &meta);
	rc = record_decode(meta, path, &e->rec, err);
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

/* Read DIR/name.  MCLE_ENOTFOUND when absent. */
static int
read_entry(struct file_store *fs, const char *name, struct store_entry *e,
	   struct mcle_err *err)
{
	char path[PATH_MAX];
	char *text = NULL;
	int fd, rc;

	memset(e, 0, sizeof(*e));
	snprintf(e->name, sizeof(e->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s", fs->dir, name);
	fd = openat(fs->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT)
			return mcle_err_set(err, MCLE_ENOTFOUND, "no lock '%s'", name);
		if (errno == ELOOP)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "lock file '%s' is a symbolic link: refusing it", path);
		return mcle_err_errno(err, errno_code(errno), errno,
				      "cannot open lock file '%s'", path);
	}
	rc = slurp(fd, path, &text, err);
	close(fd);
	if (rc == 0)
		rc = decode_file(text, path, e, err);
	free(text);
	e->now = time_now_real();
	return rc;
}

static int
file_read(struct store *s, const char *name, struct store_entry *out,
	  struct mcle_err *err)
{
	return read_entry(priv(s), name, out, err);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The sorted names in DIR that can be locks (valid namespace names). */
static int
list_names(struct file_store *fs, char ***out, size_t *count,
	   struct mcle_err *err)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **tmp;
	size_t n = 0, cap = 0;
	int fd;

	if ((fd = dup(fs->dirfd)) < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return mcle_err_errno(err, errno_code(errno), errno,
				      "cannot list store directory '%s'", fs->dir);
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		if (!valid_namespace(de->d_name))
			continue;	/* dot files: locks, temporaries */
		if (n >= LIST_MAX) {
			mcle_err_set(err, MCLE_ECORRUPT, "store directory '%s' holds over %d locks",
				     fs->dir, LIST_MAX);
			goto fail;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((tmp = realloc(names, cap * sizeof(*names))) == NULL)
				goto nomem;
			names = tmp;
		}
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;
nomem:
	mcle_err_set(err, MCLE_ENOMEM, "out of memory");
fail:
	closedir(d);
	free_names(names, n);
	return -1;
}

static int
file_list(struct store *s,
	  int (*fn)(void *arg, const struct store_entry *e, struct mcle_err *err),
	  void *arg, struct mcle_err *err)
{
	struct file_store *fs = priv(s);
	struct store_entry *e;
	char **names = NULL;
	size_t n = 0, i;
	int rc = 0;

	if (list_names(fs, &names, &n, err) < 0)
		return -1;
	if ((e = malloc(sizeof(*e))) == NULL) {
		free_names(names, n);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	for (i = 0; i < n && rc == 0; i++) {
		mcle_err_clear(&e->err);
		if (read_entry(fs, names[i], e, &e->err) < 0) {
			if (e->err.code == MCLE_ENOTFOUND)
				continue;	/* removed since the listing */
			memset(&e->rec, 0, sizeof(e->rec));
		}
		rc = fn(arg, e, err);
	}
	free(e);
	free_names(names, n);
	return rc;
}

/* A writer's hold on DIR/.NAME.lock. */
struct name_lock {
	int fd;
	int writable;			/* 0: another user's lock file, read only */
	char path[PATH_MAX];		/* for messages */
};

/* Open DIR/.name.lock, for writing too when we may. */
static int
open_lock(struct file_store *fs, const char *lname, struct name_lock *l)
{
	l->writable = 1;
	l->fd = openat(fs->dirfd, lname, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (l->fd < 0 && (errno == EACCES || errno == EPERM)) {
		/* flock needs read access only: users sharing a store share lock files */
		l->writable = 0;
		l->fd = openat(fs->dirfd, lname, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	}
	return l->fd;
}

/* Take DIR/.name.lock, waiting (bounded by the deadline). */
static int
lock_name(struct store *s, const char *name, struct name_lock *l,
	  struct mcle_err *err)
{
	struct file_store *fs = priv(s);
	char lname[MCLE_NAMESPACE_MAX + 8];
	int64_t wait = 1000;
	int e;

	snprintf(lname, sizeof(lname), ".%s.lock", name);
	snprintf(l->path, sizeof(l->path), "%s/%s", fs->dir, lname);
	if (open_lock(fs, lname, l) < 0)
		return mcle_err_errno(err, errno_code(errno), errno, "cannot lock '%s'", l->path);
	while (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
		e = errno;
		if (e != EWOULDBLOCK && e != EINTR) {
			close(l->fd);
			return mcle_err_errno(err, MCLE_EIO, e, "cannot lock '%s'", l->path);
		}
		if (time_now_mono() + wait > s->params.deadline) {
			close(l->fd);
			return mcle_err_set(err, MCLE_EUNAVAIL,
					    "timed out waiting for lock '%s'", l->path);
		}
		time_sleep_us(wait);
		if (wait < 20000)
			wait *= 2;
	}
	return 0;
}

/* The last generation the lock file remembers; 0 if none (older versions left it empty). */
static int64_t
last_generation(const struct name_lock *l)
{
	char buf[GEN_TEXT + 1];
	ssize_t r;
	int64_t n;

	if ((r = pread(l->fd, buf, GEN_TEXT, 0)) <= 0)
		return 0;
	buf[r] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return parse_int(buf, 1, INT64_MAX, &n) == 0 ? n : 0;
}

/* Remember gen in the lock file: one fixed-size write, never a torn number. */
static int
keep_generation(const struct name_lock *l, int64_t gen)
{
	char buf[GEN_TEXT + 1];
	ssize_t w;

	snprintf(buf, sizeof(buf), "%019" PRId64 "\n", gen);
	if ((w = pwrite(l->fd, buf, GEN_TEXT, 0)) == GEN_TEXT)
		return 0;
	if (w >= 0)
		errno = EIO;
	return -1;
}

/* An object's generation as a number; 0 when absent or not a number. */
static int64_t
generation_of(const struct store_entry *e)
{
	int64_t n;

	return parse_int(e->ver.generation, 1, INT64_MAX, &n) == 0 ? n : 0;
}

/* The clock's proposal: microseconds x 1000 + 3 random digits; 0 out of range. */
static int64_t
clock_generation(mcle_time now)
{
	uint16_t r = 0;

	if (now < 0 || now > (INT64_MAX - 999) / 1000)
		return 0;
	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		r = (uint16_t)getpid();
	return now * 1000 + r % 1000;
}

/*
 * A generation for name greater than any issued before (the current
 * object's, cur, and the one the lock file remembers, which outlives a
 * remove), the clock's when that is larger: it never repeats, whatever the
 * clock does.  Remembered in the lock file before the object is written.
 */
static int
new_generation(const struct name_lock *l, const char *name,
	       const struct store_entry *cur, mcle_time now,
	       char out[MCLE_GENERATION_MAX + 1], struct mcle_err *err)
{
	int64_t last = last_generation(l), gen;

	if (generation_of(cur) > last)
		last = generation_of(cur);
	if (last == INT64_MAX)
		return mcle_err_set(err, MCLE_ECORRUPT,
				    "lock '%s' has no generation left after %" PRId64, name, last);
	gen = clock_generation(now);
	if (gen <= last)
		gen = last + 1;
	if (l->writable && keep_generation(l, gen) < 0)
		return mcle_err_errno(err, MCLE_EIO, errno, "cannot write '%s'", l->path);
	snprintf(out, MCLE_GENERATION_MAX + 1, "%" PRId64, gen);
	return 0;
}

/* DIR/.name.tmp: only the holder of the name's flock writes it. */
static void
temp_name(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, ".%s.tmp", name);
}

/* Under the lock no writer is between its write and its rename: a temporary is stale. */
static void
drop_temporary(struct file_store *fs, const char *name)
{
	char tmp[MCLE_NAMESPACE_MAX + 8];

	temp_name(name, tmp, sizeof(tmp));
	unlinkat(fs->dirfd, tmp, 0);
}

static char *
encode_file(const struct store_entry *e)
{
	json_object *o, *meta;
	char created[MCLE_RFC3339_MAX], updated[MCLE_RFC3339_MAX], mg[24];
	char *text = NULL;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((meta = record_encode(&e->rec)) == NULL)
		goto out;
	time_format(e->ver.created, created);
	time_format(e->ver.updated, updated);
	snprintf(mg, sizeof(mg), "%" PRId64, e->ver.metageneration);
	json_object_object_add(o, "kind", json_object_new_string("mcle#lock"));
	json_object_object_add(o, "name", json_object_new_string(e->name));
	json_object_object_add(o, "generation", json_object_new_string(e->ver.generation));
	json_object_object_add(o, "metageneration", json_object_new_string(mg));
	json_object_object_add(o, "timeCreated", json_object_new_string(created));
	json_object_object_add(o, "updated", json_object_new_string(updated));
	json_object_object_add(o, "metadata", meta);
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							 JSON_C_TO_STRING_NOSLASHESCAPE));
out:
	json_object_put(o);
	return text;
}

static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Write e to DIR/.name.tmp, fsync, rename over DIR/name, fsync DIR. */
static int
commit_entry(struct file_store *fs, const struct store_entry *e,
	     struct mcle_err *err)
{
	char tmp[MCLE_NAMESPACE_MAX + 8];
	char *text;
	int fd, e2;

	if ((text = encode_file(e)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	temp_name(e->name, tmp, sizeof(tmp));
	fd = openat(fs->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		e2 = errno;
		free(text);
		return mcle_err_errno(err, errno_code(e2), e2,
				      "cannot write lock '%s' in '%s'", e->name, fs->dir);
	}
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0 ||
	    fsync(fd) < 0) {
		e2 = errno;
		close(fd);
		unlinkat(fs->dirfd, tmp, 0);
		free(text);
		return mcle_err_errno(err, errno_code(e2), e2,
				      "cannot write lock '%s' in '%s'", e->name, fs->dir);
	}
	free(text);
	if (close(fd) < 0 || renameat(fs->dirfd, tmp, fs->dirfd, e->name) < 0) {
		e2 = errno;
		unlinkat(fs->dirfd, tmp, 0);
		return mcle_err_errno(err, errno_code(e2), e2,
				      "cannot write lock '%s' in '%s'", e->name, fs->dir);
	}
	if (fsync(fs->dirfd) < 0)
		return mcle_err_errno(err, MCLE_EIO, errno,
				      "cannot sync store directory '%s'", fs->dir);
	return 0;
}

enum file_op { OP_CREATE, OP_REPLACE, OP_UPDATE, OP_REMOVE };

static int
check_precondition(const char *name, int found, const struct store_entry *cur,
		   const struct store_version *expect, struct mcle_err *err)
{
	if (expect == NULL) {
		if (found)
			return mcle_err_set(err, MCLE_EPRECOND,
					    "lock '%s' exists already", name);
		return 0;
	}
	if (!found || strcmp(cur->ver.generation, expect->generation) != 0 ||
	    cur->ver.metageneration != expect->metageneration)
		return mcle_err_set(err, MCLE_EPRECOND, "lock '%s' changed", name);
	return 0;
}

/* Remove DIR/name; the lock file keeps its generation for a re-created object. */
static int
remove_entry(struct file_store *fs, const struct name_lock *l,
	     const struct store_entry *cur, struct mcle_err *err)
{
	int64_t gen = generation_of(cur);

	if (l->writable && ((gen > last_generation(l) && keep_generation(l, gen) < 0) ||
			    fsync(l->fd) < 0))
		return mcle_err_errno(err, MCLE_EIO, errno, "cannot write '%s'", l->path);
	if (unlinkat(fs->dirfd, cur->name, 0) < 0 || fsync(fs->dirfd) < 0)
		return mcle_err_errno(err, errno_code(errno), errno,
				      "cannot remove lock '%s' in '%s'", cur->name, fs->dir);
	return 0;
}

/* Make cur (as read; zeroed if absent) the next version of name. */
static int
next_version(const struct name_lock *l, enum file_op op, const char *name,
	     struct store_entry *cur, struct mcle_err *err)
{
	char gen[MCLE_GENERATION_MAX + 1];
	mcle_time now = time_now_real();

	if (op == OP_UPDATE) {
		if (cur->ver.metageneration == INT64_MAX)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "lock '%s' has no metageneration left after %" PRId64,
					    name, cur->ver.metageneration);
		cur->ver.metageneration++;
	} else {
		if (new_generation(l, name, cur, now, gen, err) < 0)
			return -1;
		memset(cur, 0, sizeof(*cur));
		snprintf(cur->name, sizeof(cur->name), "%s", name);
		memcpy(cur->ver.generation, gen, sizeof(gen));
		cur->ver.metageneration = 1;
		cur->ver.created = now;
	}
	cur->ver.updated = now;
	cur->now = now;
	return 0;
}

/* Under the lock: read, check the precondition, then write or remove. */
static int
mutate(struct store *s, enum file_op op, const char *name,
       const struct store_version *expect, const struct lease_record *rec,
       struct store_entry *out, struct mcle_err *err)
{
	struct file_store *fs = priv(s);
	struct store_entry *cur;
	struct mcle_err rerr = MCLE_ERR_INIT;
	struct name_lock l;
	int found, rc = -1;

	if ((cur = calloc(1, sizeof(*cur))) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if (lock_name(s, name, &l, err) < 0)
		goto out_free;
	drop_temporary(fs, name);
	found = read_entry(fs, name, cur, &rerr) == 0;
	if (!found && rerr.code != MCLE_ENOTFOUND) {
		mcle_err_set(err, rerr.code, "%s", rerr.msg);	/* never overwrite what we cannot read */
		goto out;
	}
	if (check_precondition(name, found, cur, op == OP_CREATE ? NULL : expect, err) < 0)
		goto out;
	if (op == OP_REMOVE) {
		rc = remove_entry(fs, &l, cur, err);
		goto out;
	}
	if (next_version(&l, op, name, cur, err) < 0)
		goto out;
	cur->rec = *rec;
	if (commit_entry(fs, cur, err) < 0)
		goto out;
	if (out != NULL)
		*out = *cur;
	rc = 0;
out:
	close(l.fd);
out_free:
	free(cur);
	return rc;
}

static int
file_create(struct store *s, const char *name, const struct lease_record *rec,
	    struct store_entry *out, struct mcle_err *err)
{
	return mutate(s, OP_CREATE, name, NULL, rec, out, err);
}

static int
file_replace(struct store *s, const char *name, const struct store_version *expect,
	     const struct lease_record *rec, struct store_entry *out,
	     struct mcle_err *err)
{
	return mutate(s, OP_REPLACE, name, expect, rec, out, err);
}

static int
file_update(struct store *s, const char *name, const struct store_version *expect,
	    const struct lease_record *rec, struct store_entry *out,
	    struct mcle_err *err)
{
	return mutate(s, OP_UPDATE, name, expect, rec, out, err);
}

static int
file_remove(struct store *s, const char *name, const struct store_version *expect,
	    struct mcle_err *err)
{
	return mutate(s, OP_REMOVE, name, expect, NULL, NULL, err);
}

static int
file_clone(struct store *src, struct store *dst, struct mcle_err *err)
{
	struct file_store *a = priv(src), *b = priv(dst);

	if ((b->dir = strdup(a->dir)) == NULL)
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	if ((b->dirfd = fcntl(a->dirfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		free(b->dir);
		b->dir = NULL;
		return mcle_err_errno(err, MCLE_EIO, errno, "cannot reopen store directory '%s'",
				      a->dir);
	}
	return 0;
}

const struct store_ops store_file_ops = {
	.scheme = "file",
	.priv_size = sizeof(struct file_store),
	.open = file_open,
	.close = file_close,
	.read = file_read,
	.list = file_list,
	.create = file_create,
	.replace = file_replace,
	.update = file_update,
	.remove = file_remove,
	.clone = file_clone,
};
