/* parse.c - strict parsers for command-line and config values. */
#include "config.h"

#include <string.h>

#include "parse.h"

int
parse_int(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t v = 0;
	int neg = 0;

	if (s == NULL || *s == '\0')
		return -1;
	if (*s == '-') {
		neg = 1;
		s++;
		if (*s == '\0')
			return -1;
	}
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (neg)
		v = -v;
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int64_t
unit_seconds(char c)
{
	switch (c) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	}
	return 0;
}

int
parse_duration(const char *s, int64_t max, int allow_zero, int64_t *out)
{
	int64_t total = 0, v, unit;
	int ndigits, nparts = 0;
	int64_t last_unit = 0;

	if (s == NULL || *s == '\0')
		return -1;
	while (*s != '\0') {
		v = 0;
		ndigits = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > (INT64_MAX / 3600 - (*s - '0')) / 10)
				return -1;
			v = v * 10 + (*s - '0');
			ndigits++;
			s++;
		}
		if (ndigits == 0)
			return -1;
		unit = 1;
		if (*s != '\0') {
			unit = unit_seconds(*s);
			if (unit == 0)
				return -1;
			s++;
		} else if (nparts > 0) {
			return -1;	/* "1m30" is ambiguous */
		}
		/* units strictly decreasing: "1h30m", not "30m1h" or "1m1m" */
		if (last_unit != 0 && unit >= last_unit)
			return -1;
		last_unit = unit;
		if (total > INT64_MAX - v * unit)
			return -1;
		total += v * unit;
		nparts++;
	}
	if (total > max || (total == 0 && !allow_zero))
		return -1;
	*out = total;
	return 0;
}

int
valid_namespace(const char *s)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return s[0] != '-' && s[n - 1] != '-';
}

int
valid_identity(const char *s)
{
	size_t n, i;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '"' || c == '\'' || c == '\\')
			return 0;
	}
	return 1;
}

int
valid_subdomain(const char *s)
{
	char label[64];
	const char *dot;
	size_t n;

	if (s == NULL || strlen(s) == 0 || strlen(s) > 253)
		return 0;
	for (;;) {
		dot = strchr(s, '.');
		n = dot ? (size_t)(dot - s) : strlen(s);
		if (n == 0 || n > 63)
			return 0;
		memcpy(label, s, n);
		label[n] = '\0';
		if (!valid_namespace(label))
			return 0;
		if (dot == NULL)
			return 1;
		s = dot + 1;
	}
}

int
valid_bearer_token(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return 0;
	return 1;
}
