/* strtab.c - interned strings in an open-addressing hash table. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strtab.h"

struct strtab {
	char **slot;
	size_t cap, n;		/* cap: a power of two */
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

struct strtab *
strtab_new(void)
{
	struct strtab *t = calloc(1, sizeof(*t));

	if (t != NULL && (t->slot = calloc(64, sizeof(*t->slot))) == NULL) {
		free(t);
		return NULL;
	}
	if (t != NULL)
		t->cap = 64;
	return t;
}

void
strtab_free(struct strtab *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->slot[i]);
	free(t->slot);
	free(t);
}

size_t
strtab_count(const struct strtab *t)
{
	return t->n;
}

static int
grow(struct strtab *t)
{
	char **old = t->slot, **s;
	size_t oldcap = t->cap, i, j;

	if ((s = calloc(oldcap * 2, sizeof(*s))) == NULL)
		return -1;
	t->slot = s;
	t->cap = oldcap * 2;
	for (i = 0; i < oldcap; i++) {
		if (old[i] == NULL)
			continue;
		j = hash(old[i], strlen(old[i])) & (t->cap - 1);
		while (s[j] != NULL)
			j = (j + 1) & (t->cap - 1);
		s[j] = old[i];
	}
	free(old);
	return 0;
}

const char *
strtab_intern(struct strtab *t, const char *s, size_t n)
{
	size_t j;
	char *c;

	if ((t->n + 1) * 2 > t->cap && grow(t) < 0)
		return NULL;
	for (j = hash(s, n) & (t->cap - 1); t->slot[j] != NULL; j = (j + 1) & (t->cap - 1))
		if (strncmp(t->slot[j], s, n) == 0 && t->slot[j][n] == '\0')
			return t->slot[j];
	if ((c = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	t->slot[j] = c;
	t->n++;
	return c;
}
