/*
 * secret.h - the one home for wiping secrets (tokens, keys, passwords).
 * Wiping uses OPENSSL_cleanse, which the compiler may not optimise away.
 */
#ifndef MCLE_SECRET_H
#define MCLE_SECRET_H

#include <stddef.h>

/* Wipe n bytes at p (p may be NULL). */
void secret_wipe(void *p, size_t n);

/* Wipe a NUL-terminated string, then free it (NULL is fine). */
void secret_free(char *s);

/* Wipe a buffer of n bytes, then free it (NULL is fine). */
void secret_free_n(void *p, size_t n);

#endif
