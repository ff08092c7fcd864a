/* test-http.c - the pure helpers of http.c: escaping, hosts, clipping, jitter. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "tap.h"
#include "timeutil.h"

int
main(void)
{
	char buf[64], *e;
	uint64_t r, max = 0;
	int k, in_range = 1;
	int64_t now, d;

	e = http_escape("locks/team-a");
	is_str(e, "locks%2Fteam-a", "a slash in an object name is escaped");
	free(e);
	e = http_escape("a b+c?d#e&f=g%h~i_j.k-l");
	is_str(e, "a%20b%2Bc%3Fd%23e%26f%3Dg%25h~i_j.k-l", "reserved bytes escaped, unreserved kept");
	free(e);
	e = http_escape("\xc3\xa9");
	is_str(e, "%C3%A9", "UTF-8 bytes escaped one by one");
	free(e);
	e = http_escape("");
	is_str(e, "", "empty stays empty");
	free(e);

	http_url_host("https://storage.googleapis.com/storage/v1/b/x", buf, sizeof(buf));
	is_str(buf, "storage.googleapis.com", "host of a URL");
	http_url_host("http://127.0.0.1:8080/x?y", buf, sizeof(buf));
	is_str(buf, "127.0.0.1:8080", "host and port");
	http_url_host("https://[::1]:6443/api", buf, sizeof(buf));
	is_str(buf, "[::1]:6443", "IPv6 host");
	http_url_host("https://user:secret@example.com/x", buf, sizeof(buf));
	is_str(buf, "example.com", "user information never reaches a message");
	http_url_host("https:///x", buf, sizeof(buf));
	is_str(buf, "?", "no host");

	http_clip("line one\nline two", buf, sizeof(buf));
	ok(strchr(buf, '\n') == NULL, "clipped text is one line");
	http_clip("\x1b[31mred\x7f", buf, sizeof(buf));
	ok(strchr(buf, '\x1b') == NULL && strchr(buf, '\x7f') == NULL,
	   "control characters never reach a message");
	memset(buf, 0, sizeof(buf));
	{
		char big[500];

		memset(big, 'x', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		http_clip(big, buf, 16);
		ok(strlen(buf) <= 15 && strstr(buf, "...") != NULL, "a long text is cut and marked");
	}

	for (k = 0; k < 10000; k++) {
		r = http_jitter(100);
		if (r >= 100)
			in_range = 0;
		if (r > max)
			max = r;
	}
	ok(in_range, "jitter stays below its bound");
	ok(max > 50, "jitter spreads over its range");
	is_int(http_jitter(0), 0, "jitter of 0 is 0");

	now = time_now_mono();
	d = http_deadline_within(0, 5 * MCLE_USEC);
	ok(d >= now + 5 * MCLE_USEC && d < now + 6 * MCLE_USEC, "no deadline: now + budget");
	is_int(http_deadline_within(now + MCLE_USEC, 5 * MCLE_USEC), now + MCLE_USEC,
	       "an earlier deadline wins");
	return done_testing();
}
