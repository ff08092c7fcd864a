/* store.c - pick a lock store backend by URL scheme. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "store.h"

static const struct store_ops *const backends[] = {
	&store_file_ops,
	&store_gcs_ops,
};

static const struct store_ops *
find_backend(const char *url, const char **rest)
{
	size_t i, n;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]->scheme);
		if (strncmp(url, backends[i]->scheme, n) == 0 &&
		    strncmp(url + n, "://", 3) == 0) {
			*rest = url + n + 3;
			return backends[i];
		}
	}
	return NULL;
}

struct store *
store_open(const char *url, const struct store_params *params,
	   struct mcle_err *err)
{
	const struct store_ops *ops;
	const char *rest;
	struct store *s;

	if ((ops = find_backend(url, &rest)) == NULL) {
		mcle_err_set(err, MCLE_EUSAGE,
			     "invalid store '%s': expected gs://BUCKET[/PREFIX] or file:///DIR",
			     url);
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->url = strdup(url)) == NULL ||
	    (ops->priv_size > 0 && (s->priv = calloc(1, ops->priv_size)) == NULL)) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		if (s != NULL)
			free(s->url);
		free(s);
		return NULL;
	}
	s->ops = ops;
	s->params = *params;
	if (ops->open(s, rest, err) < 0) {
		free(s->priv);
		free(s->url);
		free(s);
		return NULL;
	}
	return s;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ops->close != NULL)
		s->ops->close(s);
	free(s->priv);
	free(s->url);
	free(s);
}

struct store *
store_clone(struct store *s, struct mcle_err *err)
{
	struct store *c;

	if (s->ops->clone == NULL) {
		mcle_err_set(err, MCLE_ECONFIG, "store '%s' cannot be shared between threads",
			     s->url);
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->url = strdup(s->url)) == NULL ||
	    (s->ops->priv_size > 0 && (c->priv = calloc(1, s->ops->priv_size)) == NULL)) {
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		if (c != NULL)
			free(c->url);
		free(c);
		return NULL;
	}
	c->ops = s->ops;
	c->params = s->params;
	if (s->ops->clone(s, c, err) < 0) {
		free(c->priv);
		free(c->url);
		free(c);
		return NULL;
	}
	return c;
}
