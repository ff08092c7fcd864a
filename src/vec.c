/* vec.c - the growable array. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

int
vec_full(const struct vec *a)
{
	return a->max != 0 && a->n >= a->max;
}

void *
vec_add(struct vec *a)
{
	size_t cap;
	void *p;

	if (vec_full(a))
		return NULL;
	if (a->n == a->cap) {
		cap = a->cap ? a->cap * 2 : 16;
		if (a->max != 0 && cap > a->max)
			cap = a->max;
		if (cap > SIZE_MAX / a->size || (p = realloc(a->v, cap * a->size)) == NULL)
			return NULL;
		a->v = p;
		a->cap = cap;
	}
	p = (char *)a->v + a->n * a->size;
	memset(p, 0, a->size);
	a->n++;
	return p;
}

int
vec_reserve(struct vec *a, size_t n)
{
	void *p;

	if (a->max != 0 && n > a->max)
		n = a->max;
	if (n <= a->cap)
		return 0;
	if (n > SIZE_MAX / a->size || (p = realloc(a->v, n * a->size)) == NULL)
		return -1;
	a->v = p;
	a->cap = n;
	return 0;
}

void *
vec_at(const struct vec *a, size_t i)
{
	return (char *)a->v + i * a->size;
}

void
vec_free(struct vec *a)
{
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}
