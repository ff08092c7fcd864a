/* readfile.c - read a whole file, bounded while reading. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "secret.h"

/* "64 KiB", "4 MiB", "100 bytes". */
static void
size_text(size_t n, char *buf, size_t len)
{
	if (n >= 1024 * 1024 && n % (1024 * 1024) == 0)
		snprintf(buf, len, "%zu MiB", n / (1024 * 1024));
	else if (n >= 1024 && n % 1024 == 0)
		snprintf(buf, len, "%zu KiB", n / 1024);
	else
		snprintf(buf, len, "%zu bytes", n);
}

static int
too_large(const char *path, const struct readfile_opts *o, struct mcle_err *err)
{
	char max[32];

	size_text(o->max, max, sizeof(max));
	return mcle_err_set(err, o->code, "%s '%s' is larger than %s", o->what, path, max);
}

static int
check(int fd, const char *path, const struct readfile_opts *o, struct mcle_err *err)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return mcle_err_errno(err, o->code, errno, "cannot read %s '%s'", o->what, path);
	if (!(o->flags & READFILE_ANY) && !S_ISREG(st.st_mode))
		return mcle_err_set(err, o->code, "%s '%s' is not a regular file", o->what, path);
	if (S_ISDIR(st.st_mode))
		return mcle_err_set(err, o->code, "%s '%s' is a directory", o->what, path);
	if ((o->flags & READFILE_PRIVATE) && (st.st_mode & S_IWOTH))
		return mcle_err_set(err, o->code, "%s '%s' is writable by others", o->what, path);
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > o->max)
		return too_large(path, o, err);
	return 0;
}

/* Grow *buf to cap bytes, wiping the old copy of a secret. */
static int
grow(char **buf, size_t *cap, size_t used, size_t want, int secret)
{
	char *p;

	if ((p = malloc(want)) == NULL)
		return -1;
	if (*buf != NULL) {
		memcpy(p, *buf, used);
		if (secret)
			secret_wipe(*buf, *cap);
		free(*buf);
	}
	*buf = p;
	*cap = want;
	return 0;
}

int
readfile_fd(int fd, const char *path, const struct readfile_opts *o, char **out,
	    size_t *len, struct mcle_err *err)
{
	char *buf = NULL;
	size_t used = 0, cap = 0, want;
	ssize_t n;
	int secret = (o->flags & READFILE_SECRET) != 0;

	*out = NULL;
	*len = 0;
	if (check(fd, path, o, err) < 0)
		return -1;
	for (;;) {
		if (used + 1 >= cap) {
			want = cap == 0 ? 4096 : cap * 2;
			if (want > o->max + 2)
				want = o->max + 2;
			if (grow(&buf, &cap, used, want, secret) < 0) {
				secret_free_n(buf, secret ? cap : 0);
				return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
			}
		}
		n = read(fd, buf + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			secret_free_n(buf, secret ? cap : 0);
			return mcle_err_errno(err, o->code, e, "cannot read %s '%s'", o->what, path);
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > o->max) {
			secret_free_n(buf, secret ? cap : 0);
			return too_large(path, o, err);
		}
	}
	buf[used] = '\0';
	*out = buf;
	*len = used;
	return 0;
}

int
readfile(const char *path, const struct readfile_opts *o, char **out, size_t *len,
	 struct mcle_err *err)
{
	int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY, fd, rc;

	*out = NULL;
	*len = 0;
	if (o->flags & READFILE_NOFOLLOW)
		flags |= O_NOFOLLOW;
	if (!(o->flags & READFILE_ANY))
		flags |= O_NONBLOCK;	/* a FIFO in its place must not hang us */
	if ((fd = open(path, flags)) < 0) {
		if (errno == ELOOP && (o->flags & READFILE_NOFOLLOW))
			return mcle_err_set(err, o->code, "%s '%s' is a symbolic link: refusing it",
					    o->what, path);
		return mcle_err_errno(err, o->code, errno, "cannot read %s '%s'", o->what, path);
	}
	rc = readfile_fd(fd, path, o, out, len, err);
	close(fd);
	return rc;
}
