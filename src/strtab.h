/*
 * strtab.h - interned strings: one copy of each distinct text.
 *
 * A pass over 100,000 namespaces sees a handful of distinct holders; the
 * compact per-namespace state keeps pointers into one table instead of a
 * 254-byte array each.  Pointers stay valid until strtab_free.
 */
#ifndef MCLE_STRTAB_H
#define MCLE_STRTAB_H

#include <stddef.h>

struct strtab;

struct strtab *strtab_new(void);
void strtab_free(struct strtab *t);

/* The interned copy of s (n bytes, no NUL inside), or NULL when out of memory. */
const char *strtab_intern(struct strtab *t, const char *s, size_t n);

/* Distinct strings held. */
size_t strtab_count(const struct strtab *t);

#endif
