/*
 * vec.h - the one growable array: items of a fixed size, a hard maximum,
 * checked growth.
 */
#ifndef MCLE_VEC_H
#define MCLE_VEC_H

#include <stddef.h>

struct vec {
	void *v;		/* n items of `size` bytes */
	size_t n, cap;
	size_t size;		/* of one item */
	size_t max;		/* items at most (0: no limit but memory) */
};

#define VEC_INIT(type, maximum) { NULL, 0, 0, sizeof(type), (maximum) }

/*
 * A new zeroed item at the end, or NULL when the vector is full (n == max)
 * or out of memory (tell them apart with vec_full).
 */
void *vec_add(struct vec *a);
int vec_full(const struct vec *a);

/*
 * Room for n items in all (at most max), allocated now and exactly: for
 * a count known in advance, which doubling would round up.  0, or -1 when
 * out of memory.
 */
int vec_reserve(struct vec *a, size_t n);

/* Item i (no bounds check). */
void *vec_at(const struct vec *a, size_t i);

void vec_free(struct vec *a);

#endif
