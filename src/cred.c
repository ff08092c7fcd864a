/*
 * cred.c - the credential cache: refresh before expiry, refetch after 401.
 *
 * Used from the loop's one thread.  Callers get copies (cred_get), never a
 * pointer into the cache, so a refresh can free the old credential while a
 * request made with it is still in flight.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cred.h"
#include "secret.h"
#include "timeutil.h"

struct cred {
	const struct cred_ops *ops;
	void *priv;
	char *describe;
	struct cred_fresh cur;
	int have;
	int64_t renew_at;	/* monotonic; 0 = never (until refused) */
	unsigned gen;		/* +1 per fetch */
	unsigned fetches;
};

int64_t
cred_margin(int64_t lifetime_us)
{
	int64_t m = lifetime_us / 4;

	return m > CRED_MARGIN_MAX_US ? CRED_MARGIN_MAX_US : m;
}

struct cred *
cred_new(const struct cred_ops *ops, void *priv, const char *describe,
	 struct mcle_err *err)
{
	struct cred *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->describe = strdup(describe)) == NULL) {
		free(c);
		mcle_err_set(err, MCLE_ENOMEM, "out of memory");
		return NULL;
	}
	c->ops = ops;
	c->priv = priv;
	return c;
}

static void
drop(struct cred_fresh *f)
{
	secret_free(f->token);
	secret_free(f->cert_pem);
	secret_free(f->key_pem);
	memset(f, 0, sizeof(*f));
}

void
cred_free(struct cred *c)
{
	if (c == NULL)
		return;
	drop(&c->cur);
	if (c->ops->free != NULL)
		c->ops->free(c);
	free(c->describe);
	free(c);
}

void *
cred_priv(const struct cred *c)
{
	return c->priv;
}

const char *
cred_describe(const struct cred *c)
{
	return c->describe;
}

unsigned
cred_fetches(const struct cred *c)
{
	return c->fetches;
}

/* Fetch a new credential into c->cur. */
static int
refresh(struct cred *c, int64_t deadline, struct mcle_err *err)
{
	struct cred_fresh f;
	int64_t now;

	memset(&f, 0, sizeof(f));
	if (c->ops->fetch(c, deadline, &f, err) < 0) {
		drop(&f);
		return -1;
	}
	drop(&c->cur);
	c->cur = f;
	c->have = 1;
	c->gen++;
	c->fetches++;
	now = time_now_mono();
	c->renew_at = f.lifetime_us > 0 ?
		now + f.lifetime_us - cred_margin(f.lifetime_us) : 0;
	return 0;
}

static int
copy(const struct cred *c, struct cred_copy *out, struct mcle_err *err)
{
	memset(out, 0, sizeof(*out));
	out->gen = c->gen;
	if ((c->cur.token != NULL && (out->token = strdup(c->cur.token)) == NULL) ||
	    (c->cur.cert_pem != NULL && (out->cert_pem = strdup(c->cur.cert_pem)) == NULL) ||
	    (c->cur.key_pem != NULL && (out->key_pem = strdup(c->cur.key_pem)) == NULL)) {
		cred_copy_free(out);
		return mcle_err_set(err, MCLE_ENOMEM, "out of memory");
	}
	return 0;
}

int
cred_get(struct cred *c, int64_t deadline, struct cred_copy *out,
	 struct mcle_err *err)
{
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!c->have || (c->renew_at != 0 && time_now_mono() >= c->renew_at))
		rc = refresh(c, deadline, err);
	if (rc == 0)
		rc = copy(c, out, err);
	return rc;
}

void
cred_copy_free(struct cred_copy *cp)
{
	secret_free(cp->token);
	secret_free(cp->cert_pem);
	secret_free(cp->key_pem);
	memset(cp, 0, sizeof(*cp));
}

void
cred_invalidate(struct cred *c, unsigned gen)
{
	if (c->have && c->gen == gen) {
		drop(&c->cur);
		c->have = 0;
	}
}
