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

#include "json.h"
#include "parse.h"
#include "readfile.h"
#include "store.h"
#include "vec.h"

#define FILE_MAX (64 * 1024)		/* a lock file is a few hundred bytes */
#define GEN_TEXT 20			/* "%019" PRId64 "\n" in the .NAME.lock file */
#define LIST_MAX 1000000		/* objects in one listing */

/* An object as the file holds it: the entry plus the backend's own fields. */
struct fobj {
	struct store_entry e;
	int64_t gen, meta;
	mcle_time created;
};

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

/* The version token of an object: "GENERATION/METAGENERATION". */
static void
set_version(struct fobj *o)
{
	snprintf(o->e.ver.v, sizeof(o->e.ver.v), "%" PRId64 "/%" PRId64, o->gen, o->meta);
}

/* Parse a lock file's text into an object. */
static int
decode_file(const char *text, size_t len, const char *path, struct fobj *o,
	    struct mcle_err *err)
{
	json_object *j, *meta;
	const char *gen, *mg, *created, *updated, *why;
	int rc = -1;

	if ((j = json_parse(text, len, &why)) == NULL || !json_object_is_type(j, json_type_object)) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock file '%s': %s", path,
			     j == NULL ? why : "not a JSON object");
		goto out;
	}
	gen = json_str(j, "generation");
	mg = json_str(j, "metageneration");
	created = json_str(j, "timeCreated");
	updated = json_str(j, "updated");
	if (gen == NULL || parse_int(gen, 1, INT64_MAX, &o->gen) < 0 ||
	    mg == NULL || parse_int(mg, 1, INT64_MAX, &o->meta) < 0 ||
	    created == NULL || time_parse_rfc3339(created, &o->created) < 0 ||
	    updated == NULL || time_parse_rfc3339(updated, &o->e.updated) < 0) {
		mcle_err_set(err, MCLE_ECORRUPT,
			     "malformed lock file '%s': bad or missing generation, metageneration, timeCreated or updated",
			     path);
		goto out;
	}
	set_version(o);
	if ((meta = json_obj(j, "metadata")) == NULL) {
		mcle_err_set(err, MCLE_ECORRUPT, "malformed lock '%s': no lease metadata", path);
		goto out;
	}
	if ((rc = record_decode(json_record_get, meta, path, &o->e.rec, err)) == 0 &&
	    o->e.rec.acquired == 0)
		o->e.rec.acquired = o->created;	/* written before acquireTime existed */
out:
	json_object_put(j);
	return rc;
}

/* Read DIR/name.  MCLE_ENOTFOUND when absent. */
static int
read_entry(struct file_store *fs, const char *name, struct fobj *o,
	   struct mcle_err *err)
{
	const struct readfile_opts ro = { "lock file", MCLE_ECORRUPT, FILE_MAX, 0 };
	char path[PATH_MAX];
	char *text = NULL;
	size_t len = 0;
	int fd, rc;

	memset(o, 0, sizeof(*o));
	snprintf(o->e.name, sizeof(o->e.name), "%s", name);
	o->e.now = time_now_real();
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
	rc = readfile_fd(fd, path, &ro, &text, &len, err);
	close(fd);
	if (rc == 0)
		rc = decode_file(text, len, path, o, err);
	free(text);
	return rc;
}

typedef char name_buf[MCLE_NAMESPACE_MAX + 1];

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The sorted names in DIR that can be locks (valid namespace names). */
static int
list_names(struct file_store *fs, struct vec *names, struct mcle_err *err)
{
	struct dirent *de;
	char *slot;
	DIR *d;
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
		if ((slot = vec_add(names)) == NULL) {
			if (vec_full(names))
				mcle_err_set(err, MCLE_ECORRUPT,
					     "store directory '%s' holds over %d locks", fs->dir, LIST_MAX);
			else
				mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			closedir(d);
			return -1;
		}
		memcpy(slot, de->d_name, strlen(de->d_name) + 1);
	}
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(name_buf), cmp_names);
	return 0;
}

/* Every lock, in name order; the deadline ends a long listing. */
static void
file_list(struct store *s, struct store_op *op)
{
	struct file_store *fs = priv(s);
	struct vec names = VEC_INIT(name_buf, LIST_MAX);
	struct mcle_err bad;
	struct fobj *o;
	const char *name;
	size_t n, i;
	int rc = 0;

	if (list_names(fs, &names, &op->err) < 0) {
		vec_free(&names);
		return;
	}
	n = names.n;
	if ((o = malloc(sizeof(*o))) == NULL) {
		vec_free(&names);
		mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
		return;
	}
	for (i = 0; i < n && rc == 0; i++) {
		if (op->deadline != 0 && time_now_mono() > op->deadline) {
			rc = mcle_err_set(&op->err, MCLE_EUNAVAIL,
					  "cannot list locks in '%s': deadline passed after %zu of %zu",
					  fs->dir, i, n);
			break;
		}
		name = vec_at(&names, i);
		if (op->want != NULL && !op->want(op->each_arg, name))
			continue;	/* not read at all: a pass over a few of many */
		mcle_err_clear(&bad);
		if (read_entry(fs, name, o, &bad) < 0) {
			if (bad.code == MCLE_ENOTFOUND)
				continue;	/* removed since the listing */
			memset(&o->e.rec, 0, sizeof(o->e.rec));
		}
		rc = op->each(op->each_arg, &o->e, bad.code != MCLE_OK ? &bad : NULL, &op->err);
	}
	free(o);
	vec_free(&names);
	op->out.now = time_now_real();
	if (rc == 0)
		op->rc = 0;
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
lock_name(struct store *s, const char *name, int64_t deadline, struct name_lock *l,
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
		if (time_now_mono() + wait > deadline) {
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

/* An object's generation; 0 when absent. */
static int64_t
generation_of(const struct fobj *o)
{
	return o->gen;
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
	       const struct fobj *cur, mcle_time now, int64_t *out, struct mcle_err *err)
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
	*out = gen;
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
encode_file(const struct fobj *f)
{
	json_object *o = json_object_new_object(), *meta = json_object_new_object();
	char created[MCLE_RFC3339_MAX], updated[MCLE_RFC3339_MAX], num[24];
	char *text = NULL;

	time_format(f->created, created);
	time_format(f->e.updated, updated);
	if (meta == NULL || record_encode(&f->e.rec, json_record_put, meta) < 0 ||
	    json_add_str(o, "kind", "mcle#lock") < 0 || json_add_str(o, "name", f->e.name) < 0) {
		json_object_put(meta);
		goto out;
	}
	snprintf(num, sizeof(num), "%" PRId64, f->gen);
	if (json_add_str(o, "generation", num) < 0)
		goto put_meta;
	snprintf(num, sizeof(num), "%" PRId64, f->meta);
	if (json_add_str(o, "metageneration", num) < 0 ||
	    json_add_str(o, "timeCreated", created) < 0 ||
	    json_add_str(o, "updated", updated) < 0)
		goto put_meta;
	if (json_add(o, "metadata", meta) == 0)
		text = json_dump(o, JSON_FILE);
	goto out;
put_meta:
	json_object_put(meta);
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
commit_entry(struct file_store *fs, const struct fobj *f, struct mcle_err *err)
{
	const struct store_entry *e = &f->e;
	char tmp[MCLE_NAMESPACE_MAX + 8];
	char *text;
	int fd, e2;

	if ((text = encode_file(f)) == NULL)
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

static int
check_precondition(const char *name, int found, const struct fobj *cur,
		   const struct store_version *expect, struct mcle_err *err)
{
	if (expect == NULL) {
		if (found)
			return mcle_err_set(err, MCLE_EPRECOND,
					    "lock '%s' exists already", name);
		return 0;
	}
	if (!found || strcmp(cur->e.ver.v, expect->v) != 0)
		return mcle_err_set(err, MCLE_EPRECOND, "lock '%s' changed", name);
	return 0;
}

/* Remove DIR/name; the lock file keeps its generation for a re-created object. */
static int
remove_entry(struct file_store *fs, const struct name_lock *l,
	     const struct fobj *cur, struct mcle_err *err)
{
	int64_t gen = generation_of(cur);

	if (l->writable && ((gen > last_generation(l) && keep_generation(l, gen) < 0) ||
			    fsync(l->fd) < 0))
		return mcle_err_errno(err, MCLE_EIO, errno, "cannot write '%s'", l->path);
	if (unlinkat(fs->dirfd, cur->e.name, 0) < 0 || fsync(fs->dirfd) < 0)
		return mcle_err_errno(err, errno_code(errno), errno,
				      "cannot remove lock '%s' in '%s'", cur->e.name, fs->dir);
	return 0;
}

/* Make cur (as read; zeroed if absent) the next version of name. */
static int
next_version(const struct name_lock *l, enum store_verb verb, const char *name,
	     struct fobj *cur, struct mcle_err *err)
{
	mcle_time now = time_now_real();
	int64_t gen = 0;

	if (verb == STORE_UPDATE) {
		if (cur->meta == INT64_MAX)
			return mcle_err_set(err, MCLE_ECORRUPT,
					    "lock '%s' has no metageneration left after %" PRId64,
					    name, cur->meta);
		cur->meta++;
	} else {
		if (new_generation(l, name, cur, now, &gen, err) < 0)
			return -1;
		memset(cur, 0, sizeof(*cur));
		snprintf(cur->e.name, sizeof(cur->e.name), "%s", name);
		cur->gen = gen;
		cur->meta = 1;
		cur->created = now;
	}
	set_version(cur);
	cur->e.updated = now;
	cur->e.now = now;
	return 0;
}

/*
 * A lock whose record does not decode but whose generation does may be
 * replaced or removed on condition of that exact version (mcle repair,
 * mcle gc); nothing else writes over what it cannot read.
 */
static int
corrupt_but_versioned(const struct store_op *op, const struct fobj *cur,
		      const struct mcle_err *rerr)
{
	return rerr->code == MCLE_ECORRUPT && cur->e.ver.v[0] != '\0' &&
	       (op->verb == STORE_REPLACE || op->verb == STORE_REMOVE);
}

/* Under the lock: read, check the precondition, then write or remove. */
static void
mutate(struct store *s, struct store_op *op)
{
	struct file_store *fs = priv(s);
	struct mcle_err rerr = MCLE_ERR_INIT, *err = &op->err;
	struct fobj *cur;
	struct name_lock l;
	int found;

	if ((cur = calloc(1, sizeof(*cur))) == NULL) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return;
	}
	if (lock_name(s, op->name, op->deadline, &l, err) < 0)
		goto out_free;
	drop_temporary(fs, op->name);
	found = read_entry(fs, op->name, cur, &rerr) == 0 || corrupt_but_versioned(op, cur, &rerr);
	if (!found && rerr.code != MCLE_ENOTFOUND) {
		mcle_err_set(err, rerr.code, "%s", rerr.msg);	/* never overwrite what we cannot read */
		goto out;
	}
	if (check_precondition(op->name, found, cur,
			       op->verb == STORE_CREATE ? NULL : &op->expect, err) < 0)
		goto out;
	if (op->verb == STORE_REMOVE) {
		if (remove_entry(fs, &l, cur, err) == 0) {
			op->out.now = time_now_real();
			op->rc = 0;
		}
		goto out;
	}
	if (next_version(&l, op->verb, op->name, cur, err) < 0)
		goto out;
	cur->e.rec = op->rec;
	if (commit_entry(fs, cur, err) < 0)
		goto out;
	op->out = cur->e;
	op->rc = 0;
out:
	close(l.fd);
out_free:
	free(cur);
}

static void
file_exec(struct store *s, struct store_op *op)
{
	struct fobj *o;

	switch (op->verb) {
	case STORE_LIST:
		file_list(s, op);
		return;
	case STORE_READ:
		if ((o = malloc(sizeof(*o))) == NULL) {
			mcle_err_set(&op->err, MCLE_ENOMEM, "out of memory");
			return;
		}
		if (read_entry(priv(s), op->name, o, &op->err) == 0)
			op->rc = 0;
		op->out = o->e;
		free(o);
		return;
	default:
		mutate(s, op);
		return;
	}
}

const struct store_ops store_file_ops = {
	.scheme = "file",
	.caps = STORE_CAP_UPDATE_IN_PLACE | STORE_CAP_REMOVE,
	.priv_size = sizeof(struct file_store),
	.open = file_open,
	.close = file_close,
	.exec = file_exec,
};
