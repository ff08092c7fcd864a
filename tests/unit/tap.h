/*
 * tap.h - a tiny TAP producer for mcle's C unit tests (automake's TAP driver
 * reads the output).  Header-only: every test program includes it once.
 */
#ifndef MCLE_TAP_H
#define MCLE_TAP_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int tap_n;
static int tap_failed;

static int
tap_ok(int cond, const char *name, const char *file, int line)
{
	tap_n++;
	printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
	if (!cond) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	return cond;
}

#define ok(cond, name) tap_ok(!!(cond), (name), __FILE__, __LINE__)

#define is_int(got, want, name) do { \
	int64_t tap_g_ = (int64_t)(got), tap_w_ = (int64_t)(want); \
	if (!tap_ok(tap_g_ == tap_w_, (name), __FILE__, __LINE__)) \
		printf("#   got %" PRId64 ", want %" PRId64 "\n", tap_g_, tap_w_); \
} while (0)

#define is_str(got, want, name) do { \
	const char *tap_g_ = (got), *tap_w_ = (want); \
	int tap_c_ = tap_g_ != NULL && tap_w_ != NULL && strcmp(tap_g_, tap_w_) == 0; \
	if (!tap_ok(tap_c_, (name), __FILE__, __LINE__)) \
		printf("#   got '%s', want '%s'\n", tap_g_ ? tap_g_ : "(null)", \
		       tap_w_ ? tap_w_ : "(null)"); \
} while (0)

static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}

#endif
