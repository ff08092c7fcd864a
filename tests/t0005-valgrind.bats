#!/usr/bin/env bats
# Memory errors and leaks under valgrind, on a build without sanitizers
# (make distcheck builds one; an ASan build skips this file).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	# valgrind is slow, and slower on a busy machine: a lease that cannot
	# run out between one command and the next, however long they take
	export MCLE_LEASE_DURATION=86400
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	if ldd "$MCLE" 2>/dev/null | grep -q 'lib[at]san'; then
		skip "sanitizer build: ASan checks memory instead"
	fi
}

vg() {
	valgrind -q --error-exitcode=42 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --track-fds=no \
		"$MCLE" "$@"
}

@test "valgrind: every command on the file store" {
	run vg acquire -n team-a --identity c1
	assert_status 0
	run vg renew -n team-a --identity c1
	assert_status 0
	run vg acquire -n team-a --identity c2
	assert_status 1
	run vg -o json status --all
	assert_status 0
	run vg -o json reconcile-all --identity c2 --namespaces team-a,team-b
	assert_status 0
	run vg release -n team-a --identity c1
	assert_status 0
	run vg renew -n team-a --identity c1
	assert_status 3
	run vg run -n job --identity c1 -- sh -c 'exit 3'
	assert_status 3
	run vg acquire -n job --identity c1 --exclusive --wait 1
	assert_status 0
	run vg run -n job --identity c1 --wait 1 -- true
	assert_status 1
}

@test "valgrind: error paths" {
	printf 'garbage' >"$STORE_DIR/bad"
	run vg acquire -n bad --identity c1
	assert_status 5
	run vg reconcile-all --identity c1 --namespaces bad,good
	assert_status 6
	printf 'identity: [x\n' >"$MCLE_CONFIG"
	run vg status --all
	assert_status 5
	: >"$MCLE_CONFIG"
	run vg acquire -n UPPER --identity c1
	assert_status 2
	run vg --bogus
	assert_status 2
	run vg --help
	assert_status 0
}
