/*
 * test-engine-locks.c - status --all's table: sorted, larger than a pass,
 * a name listed twice never shown as a lock, a malformed one kept as such.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "engine-locks.h"
#include "loop.h"
#include "store-mem.h"
#include "tap.h"

int
main(void)
{
	struct mcle_err err = MCLE_ERR_INIT;
	struct store_params sp;
	struct lease_record r;
	struct lock_table t;
	struct store_entry e;
	struct store *s;
	struct loop *l;
	char name[32];
	int i, sorted = 1;

	l = loop_new(&err);
	memset(&sp, 0, sizeof(sp));
	sp.loop = l;
	sp.default_timeout = 60 * MCLE_USEC;
	s = store_open("mem://locks", &sp, &err);
	memset(&r, 0, sizeof(r));
	snprintf(r.holder, sizeof(r.holder), "c9");
	r.epoch = 1;
	r.duration = 60;
	/* more than one pass covers (100,000 namespaces) */
	for (i = 1; i <= 100001; i++) {
		snprintf(name, sizeof(name), "n-%06d", i);
		store_mem_put(s, name, &r, 0);
	}
	memset(&t, 0, sizeof(t));
	ok(engine_locks(s, 0, &t, &err) == 0, "a store of 100,001 locks lists");
	is_int(t.rows.n, 100001, "every lock is in the table");
	for (i = 1; i < (int)t.rows.n; i++)
		if (strcmp(((struct lock_row *)vec_at(&t.rows, i - 1))->name,
			   ((struct lock_row *)vec_at(&t.rows, i))->name) >= 0)
			sorted = 0;
	ok(sorted, "sorted by name");
	lock_row_entry(&t, 0, &e);
	ok(strcmp(e.name, "n-000001") == 0 && strcmp(e.rec.holder, "c9") == 0 &&
	   e.rec.epoch == 1 && e.now != 0, "a row keeps the lock's state and the store's clock");
	is_int(strtab_count(t.strings), 1, "one holder, interned once");
	lock_table_free(&t);

	/* a server that lists a lock twice: neither copy is trusted */
	store_close(s);
	s = store_open("mem://twice", &sp, &err);
	store_mem_put(s, "team-a", &r, 0);
	store_mem_put(s, "team-b", &r, 0);
	store_mem_fault(s, STORE_LIST, MEM_LIST_TWICE, 1);
	memset(&t, 0, sizeof(t));
	ok(engine_locks(s, 0, &t, &err) == 0, "a listing with every lock twice");
	is_int(t.rows.n, 4, "both copies are shown");
	ok(((struct lock_row *)vec_at(&t.rows, 0))->bad != NULL &&
	   ((struct lock_row *)vec_at(&t.rows, 1))->bad != NULL,
	   "neither copy passes for a lock");
	ok(strstr(((struct lock_row *)vec_at(&t.rows, 0))->bad->msg,
		  "the store lists lock 'team-a' twice") != NULL, "saying why");
	lock_table_free(&t);
	store_close(s);
	loop_free(l);
	return done_testing();
}
