/* parse.c - strict parsers for command-line and config values. */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
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
	case 'd': return 86400;
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
		return PARSE_EBAD;
	while (*s != '\0') {
		v = 0;
		ndigits = 0;
		while (*s >= '0' && *s <= '9') {
			if (v > (INT64_MAX / 86400 - (*s - '0')) / 10)
				return PARSE_ERANGE;
			v = v * 10 + (*s - '0');
			ndigits++;
			s++;
		}
		if (ndigits == 0)
			return PARSE_EBAD;
		unit = 1;
		if (*s != '\0') {
			unit = unit_seconds(*s);
			if (unit == 0)
				return PARSE_EBAD;
			s++;
		} else if (nparts > 0) {
			return PARSE_EBAD;	/* "1m30" is ambiguous */
		}
		/* units strictly decreasing: "1h30m", not "30m1h" or "1m1m" */
		if (last_unit != 0 && unit >= last_unit)
			return PARSE_EBAD;
		last_unit = unit;
		if (total > INT64_MAX - v * unit)
			return PARSE_ERANGE;
		total += v * unit;
		nparts++;
	}
	if (total > max || (total == 0 && !allow_zero))
		return PARSE_ERANGE;
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

void
duration_format(int64_t secs, char buf[MCLE_DURATION_MAX])
{
	static const struct { char unit; int64_t secs; } units[] = {
		{ 'd', 86400 }, { 'h', 3600 }, { 'm', 60 }, { 's', 1 },
	};
	uint64_t left;
	size_t i, n = 0;

	if (secs == 0) {
		snprintf(buf, MCLE_DURATION_MAX, "0s");
		return;
	}
	if (secs < 0)
		buf[n++] = '-';
	/* the magnitude of INT64_MIN does not fit an int64 */
	left = secs < 0 ? (uint64_t)-(secs + 1) + 1 : (uint64_t)secs;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		uint64_t q = left / (uint64_t)units[i].secs;

		if (q == 0)
			continue;
		n += (size_t)snprintf(buf + n, MCLE_DURATION_MAX - n, "%" PRIu64 "%c", q,
				      units[i].unit);
		left -= q * (uint64_t)units[i].secs;
	}
	buf[n] = '\0';
}

/* --- label selectors (the grammar of apimachinery's labels.Parse) ---------- */

enum sel_tok { T_END, T_ID, T_IN, T_NOTIN, T_NOT, T_EQ, T_DEQ, T_NEQ, T_GT, T_LT,
	       T_OPEN, T_CLOSE, T_COMMA, T_ERR };

struct sel_lexer {
	const char *s, *p;
	enum sel_tok tok;
	const char *lit;	/* the token's text, len bytes */
	size_t len;
	char *why;
	size_t whylen;
};

static int
sel_special(char c)
{
	return c != '\0' && strchr("=!(),><", c) != NULL;
}

static int
sel_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The longest run of special characters that is a token ("!=" over "!"). */
static enum sel_tok
sel_symbol(struct sel_lexer *l)
{
	static const struct { const char *text; enum sel_tok tok; } sym[] = {
		{ "!=", T_NEQ }, { "==", T_DEQ }, { "!", T_NOT }, { "=", T_EQ },
		{ "(", T_OPEN }, { ")", T_CLOSE }, { ",", T_COMMA }, { ">", T_GT },
		{ "<", T_LT },
	};
	size_t i;

	for (i = 0; i < sizeof(sym) / sizeof(sym[0]); i++) {
		size_t n = strlen(sym[i].text);

		if (strncmp(l->p, sym[i].text, n) == 0) {
			l->len = n;
			return sym[i].tok;
		}
	}
	return T_ERR;
}

static void
sel_next(struct sel_lexer *l)
{
	while (sel_space(*l->p))
		l->p++;
	l->lit = l->p;
	l->len = 0;
	if (*l->p == '\0') {
		l->tok = T_END;
		return;
	}
	if (sel_special(*l->p)) {
		l->tok = sel_symbol(l);
		l->p += l->len;
		return;
	}
	while (*l->p != '\0' && !sel_special(*l->p) && !sel_space(*l->p))
		l->p++;
	l->len = (size_t)(l->p - l->lit);
	l->tok = T_ID;
	if (l->len == 2 && strncmp(l->lit, "in", 2) == 0)
		l->tok = T_IN;
	else if (l->len == 5 && strncmp(l->lit, "notin", 5) == 0)
		l->tok = T_NOTIN;
}

static int
sel_fail(struct sel_lexer *l, const char *expected)
{
	const char *found = l->tok == T_END ? "end of selector" : NULL;

	if (found != NULL)
		snprintf(l->why, l->whylen, "found %s at position %zu, expected %s", found,
			 (size_t)(l->lit - l->s) + 1, expected);
	else
		snprintf(l->why, l->whylen, "found '%.*s' at position %zu, expected %s",
			 l->len > 32 ? 32 : (int)l->len, l->lit, (size_t)(l->lit - l->s) + 1,
			 expected);
	return -1;
}

/* A label name or value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
static int
label_name(const char *s, size_t n, int may_be_empty)
{
	size_t i;

	if (n == 0)
		return may_be_empty;
	if (n > 63 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && strchr("-_.", s[i]) == NULL)
			return 0;
	return 1;
}

/* A label key: [DNS-1123 subdomain/]name. */
static int
label_key(const char *s, size_t n)
{
	const char *slash = memchr(s, '/', n);
	char prefix[254];
	size_t pn;

	if (slash == NULL)
		return label_name(s, n, 0);
	pn = (size_t)(slash - s);
	if (pn == 0 || pn >= sizeof(prefix) || memchr(slash + 1, '/', n - pn - 1) != NULL)
		return 0;
	memcpy(prefix, s, pn);
	prefix[pn] = '\0';
	return valid_subdomain(prefix) && label_name(slash + 1, n - pn - 1, 0);
}

static int
sel_value(struct sel_lexer *l, int integer)
{
	char num[24];

	if (!label_name(l->lit, l->len, 1)) {
		snprintf(l->why, l->whylen, "invalid label value '%.*s': at most 63 of "
			 "A-Z, a-z, 0-9, '-', '_', '.', beginning and ending with a letter or digit",
			 l->len > 64 ? 64 : (int)l->len, l->lit);
		return -1;
	}
	snprintf(num, sizeof(num), "%.*s", l->len < sizeof(num) ? (int)l->len : 0, l->lit);
	if (integer && (l->len == 0 || l->len >= sizeof(num) ||
			parse_int(num, INT64_MIN, INT64_MAX, &(int64_t){ 0 }) < 0)) {
		snprintf(l->why, l->whylen, "'%.*s' after '>' or '<' is not an integer",
			 l->len > 32 ? 32 : (int)l->len, l->lit);
		return -1;
	}
	return 0;
}

/* "( v, v, ... )" after in / notin. */
static int
sel_set(struct sel_lexer *l)
{
	sel_next(l);
	if (l->tok != T_OPEN)
		return sel_fail(l, "'('");
	for (;;) {
		sel_next(l);
		if (l->tok == T_ID || l->tok == T_IN || l->tok == T_NOTIN) {
			if (sel_value(l, 0) < 0)
				return -1;
			sel_next(l);
		}
		if (l->tok == T_CLOSE)
			return 0;
		if (l->tok != T_COMMA)
			return sel_fail(l, "',' or ')'");
	}
}

/* One requirement: [!]key, or key OP value, or key in|notin (values). */
static int
sel_requirement(struct sel_lexer *l)
{
	int not = l->tok == T_NOT;
	enum sel_tok op;

	if (not)
		sel_next(l);
	if (l->tok != T_ID && l->tok != T_IN && l->tok != T_NOTIN)
		return sel_fail(l, "a label key");
	if (!label_key(l->lit, l->len)) {
		snprintf(l->why, l->whylen, "invalid label key '%.*s': [DNS-1123 subdomain/]name, "
			 "the name at most 63 of A-Z, a-z, 0-9, '-', '_', '.', beginning and "
			 "ending with a letter or digit", l->len > 64 ? 64 : (int)l->len, l->lit);
		return -1;
	}
	sel_next(l);
	if (not || l->tok == T_END || l->tok == T_COMMA)
		return 0;
	op = l->tok;
	if (op == T_IN || op == T_NOTIN) {
		if (sel_set(l) < 0)
			return -1;
		sel_next(l);
		return 0;
	}
	if (op != T_EQ && op != T_DEQ && op != T_NEQ && op != T_GT && op != T_LT)
		return sel_fail(l, "=, ==, !=, in, notin, > or <");
	sel_next(l);
	if ((l->tok == T_END || l->tok == T_COMMA) && op != T_GT && op != T_LT)
		return 0;	/* "key=": the empty value */
	if (l->tok != T_ID && l->tok != T_IN && l->tok != T_NOTIN)
		return sel_fail(l, "a value");
	if (sel_value(l, op == T_GT || op == T_LT) < 0)
		return -1;
	sel_next(l);
	return 0;
}

int
parse_selector(const char *s, char *why, size_t whylen)
{
	struct sel_lexer l = { s, s, T_END, s, 0, why, whylen };

	if (strlen(s) > SELECTOR_MAX) {
		snprintf(why, whylen, "longer than %d bytes", SELECTOR_MAX);
		return -1;
	}
	sel_next(&l);
	if (l.tok == T_END)
		return 0;	/* everything */
	for (;;) {
		if (sel_requirement(&l) < 0)
			return -1;
		if (l.tok == T_END)
			return 0;
		if (l.tok != T_COMMA)
			return sel_fail(&l, "',' or the end");
		sel_next(&l);
	}
}

/* --- suggestions ---------------------------------------------------------- */

size_t
str_distance(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i, j, d[3][SUGGEST_LEN_MAX + 1];

	if (na > SUGGEST_LEN_MAX || nb > SUGGEST_LEN_MAX)
		return SIZE_MAX;
	/* optimal string alignment: insert, delete, substitute, swap two neighbours */
	for (j = 0; j <= nb; j++)
		d[0][j] = j;
	for (i = 1; i <= na; i++) {
		size_t *cur = d[i % 3], *prev = d[(i - 1) % 3], *prev2 = d[(i + 1) % 3];

		cur[0] = i;
		for (j = 1; j <= nb; j++) {
			size_t cost = a[i - 1] != b[j - 1], v = prev[j - 1] + cost;

			if (prev[j] + 1 < v)
				v = prev[j] + 1;
			if (cur[j - 1] + 1 < v)
				v = cur[j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    prev2[j - 2] + 1 < v)
				v = prev2[j - 2] + 1;
			cur[j] = v;
		}
	}
	return d[na % 3][nb];
}

const char *
str_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t i, best = SIZE_MAX, len = strlen(word), dist, limit;
	const char *pick = NULL;

	/* a typo: one edit in a short word, up to three in a long one */
	limit = len < 4 ? 1 : len < 7 ? 2 : 3;
	for (i = 0; i < n; i++) {
		dist = str_distance(word, cands[i]);
		if (len >= 3 && strncmp(cands[i], word, len) == 0)
			dist = 1;	/* a prefix: names must be spelt in full */
		if (dist <= limit && dist < best) {
			best = dist;
			pick = cands[i];
		}
	}
	return pick;
}
