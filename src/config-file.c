/* config-file.c - the YAML config file (libyaml event parser). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "config-file.h"

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

int
config_file_read(const char *path, int missing_ok, config_fn fn, void *arg,
		 struct mcle_err *err)
{
	struct stat sb;
	char *buf;
	ssize_t r;
	size_t len = 0;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0) {
		if (errno == ENOENT && missing_ok)
			return 0;
		return mcle_err_errno(err, MCLE_ECONFIG, errno,
				      "cannot open config file '%s'", path);
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return mcle_err_set(err, MCLE_ECONFIG, "config file '%s' is not a regular file", path);
	}
	if (sb.st_mode & S_IWOTH) {
		close(fd);
		return mcle_err_set(err, MCLE_ECONFIG,
				    "config file '%s' is writable by anyone: refusing it", path);
	}
	if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
		close(fd);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	while (len <= CONFIG_FILE_MAX &&
	       (r = read(fd, buf + len, CONFIG_FILE_MAX + 1 - len)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = mcle_err_errno(err, MCLE_ECONFIG, errno,
					    "cannot read config file '%s'", path);
			goto out;
		}
		len += (size_t)r;
	}
	if (len > CONFIG_FILE_MAX) {
		rc = mcle_err_set(err, MCLE_ECONFIG, "config file '%s' exceeds %d bytes",
				  path, CONFIG_FILE_MAX);
		goto out;
	}
	rc = config_file_parse(buf, len, path, fn, arg, err);
out:
	free(buf);
	close(fd);
	return rc;
}
