/* test-jsonpath.c - kubectl's JSONPath templates: parsing and running. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "jsonpath.h"
#include "tap.h"

static const char *doc =
	"{\"a\":{\"b\":[1,2,3],\"c\":\"x y\",\"n\":null,\"t\":true,\"f\":false},"
	"\"items\":[{\"name\":\"p\",\"v\":1,\"tag\":\"blue\"},{\"name\":\"q\",\"v\":5},"
	"{\"name\":\"r\",\"v\":3,\"tag\":\"red\"}],\"k.dot\":7,\"s\":\"it's\"}";

static json_object *rows[3];

static json_object *
get_row(void *arg, size_t i)
{
	(void)arg;
	return json_object_get(rows[i]);
}

/* Run tmpl on the document (or the on-demand array of rows): its output. */
static char *
run(const char *tmpl, int on_demand, int *rc)
{
	struct jsonpath_root root;
	struct jsonpath *jp;
	char why[200], *buf = NULL;
	size_t len = 0;
	json_object *o = json_tokener_parse(doc);
	FILE *f = open_memstream(&buf, &len);

	memset(&root, 0, sizeof(root));
	if (on_demand) {
		root.n = 3;
		root.get = get_row;
	} else {
		root.value = o;
	}
	*rc = -2;
	if ((jp = jsonpath_parse(tmpl, why, sizeof(why))) != NULL)
		*rc = jsonpath_execute(jp, &root, f, why, sizeof(why));
	fclose(f);
	jsonpath_free(jp);
	json_object_put(o);
	return buf;
}

static void
is_out(const char *tmpl, const char *want, int on_demand)
{
	char name[300];
	int rc;
	char *got = run(tmpl, on_demand, &rc);

	snprintf(name, sizeof(name), "%s%s -> '%s'", on_demand ? "(rows) " : "", tmpl, want);
	is_str(rc == 0 ? got : "(failed)", want, name);
	free(got);
}

static void
test_run(void)
{
	is_out("{.a.c}", "x y", 0);
	is_out("hello {.a.b[0]}!", "hello 1!", 0);
	is_out("{.a.b[-1]} {.a.b[5]}", "3 ", 0);
	is_out("{.a.b[*]}", "1 2 3", 0);
	is_out("{.a.b[0:2]}|{.a.b[1:]}|{.a.b[::2]}", "1 2|2 3|1 3", 0);
	is_out("{.a.n} {.a.t} {.a.f} {.nothing}", "null true false ", 0);
	is_out("{.a.b}", "[1,2,3]", 0);
	is_out("{.items[*].name}", "p q r", 0);
	is_out("{range .items[*]}{.name}={.v}{\"\\n\"}{end}", "p=1\nq=5\nr=3\n", 0);
	is_out("{range .items}[{.name}]{end}", "[p][q][r]", 0);
	is_out("{.items[?(@.v>2)].name}", "q r", 0);
	is_out("{.items[?(@.v<=3)].name}", "p r", 0);
	is_out("{.items[?(@.tag)].name}", "p r", 0);
	is_out("{.items[?(@.tag==\"red\")].name}", "r", 0);
	is_out("{.items[?(@.tag!='red')].name}", "p", 0);	/* no tag: no comparison */
	is_out("{..name}", "p q r", 0);
	is_out("{$.a['c']}", "x y", 0);
	is_out("{['k.dot']} {.k\\.dot}", "7 7", 0);
	is_out("{.s}", "it's", 0);
	is_out("{'single \\'quoted\\''}", "single 'quoted'", 0);
	is_out("no actions at all", "no actions at all", 0);
	is_out("", "", 0);
	/* an array made on demand: the same answers */
	is_out("{[*].name}", "p q r", 1);
	is_out("{[1].name} {[-1].v}", "q 3", 1);
	is_out("{range [*]}{.name}{end}", "pqr", 1);
	is_out("{range [?(@.v>1)]}{.name}{end}", "qr", 1);
	is_out("{[0:2].v}", "1 5", 1);
	is_out("{..tag}", "blue red", 1);
	is_out("{$[2].name}", "r", 1);
	is_out("{range [*]}{$[0].name}{end}", "ppp", 1);
}

static void
test_errors(void)
{
	static const char *const bad[] = {
		"{", "{.a", "{end}", "{range .a}", "{[}", "{[x]}", "{.a[1:2:0]}", "{\"a}",
		"{'\\q'}", "{[?(.a==1)]}", "{[?(@.a==)]}", "{[?(@.a==1}", "{foo}", "{.a}}{",
		"{.a b}", "{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}{range [*]}"
		"{range [*]}{range [*]}{range [*]}",
	};
	char why[200], name[120];
	struct jsonpath *jp;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		jp = jsonpath_parse(bad[i], why, sizeof(why));
		snprintf(name, sizeof(name), "'%.60s' refused (%s)", bad[i], why);
		ok(jp == NULL && strstr(why, " at position ") != NULL, name);
		jsonpath_free(jp);
	}
	jp = jsonpath_parse("{.a[x]}", why, sizeof(why));
	is_str(why, "expected *, an index, a slice, a quoted name or a filter at position 5",
	       "the error says what and where");
}

int
main(void)
{
	size_t i;

	for (i = 0; i < 3; i++) {
		json_object *o = json_tokener_parse(doc), *items;

		json_object_object_get_ex(o, "items", &items);
		rows[i] = json_object_get(json_object_array_get_idx(items, i));
		json_object_put(o);
	}
	test_run();
	test_errors();
	for (i = 0; i < 3; i++)
		json_object_put(rows[i]);
	return done_testing();
}
