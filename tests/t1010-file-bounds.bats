#!/usr/bin/env bats
# Bounds a run keeps whatever it is given: the namespaces file read with its
# limit applied while reading, the run's deadline on the file store, and
# listings larger than one pass covers.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

# first_line: the error, without the "try 'mcle ... --help'" hint after it
first_line() {
	head -n 1 <<<"$stderr"
}

@test "--namespaces-file /dev/zero: refused by its limit, applied while reading" {
	run --separate-stderr timeout 60 "$MCLE" reconcile-all --identity c1 --namespaces-file /dev/zero
	assert_status 2
	assert_one_error_line
	[ "$(first_line)" = "mcle: namespaces file '/dev/zero' is larger than 4 MiB" ]
	[ -z "$(ls "$STORE_DIR")" ]
}

@test "a namespaces file over 4 MiB is refused without being read whole" {
	# a pipe that never ends: only a limit applied while reading can stop it
	run --separate-stderr timeout 60 "$MCLE" reconcile-all --identity c1 \
		--namespaces-file <(yes team-a)
	assert_status 2
	[[ "$(first_line)" == "mcle: namespaces file '/dev/fd/"*"' is larger than 4 MiB" ]]
	# a regular file: refused by its size before any read
	head -c $((4 * 1024 * 1024 + 1)) /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces-file "$BATS_TEST_TMPDIR/big"
	assert_status 2
	[ "$(first_line)" = "mcle: namespaces file '$BATS_TEST_TMPDIR/big' is larger than 4 MiB" ]
	[ -z "$(ls "$STORE_DIR")" ]
}

@test "a NUL inside a line is an error naming the file and line, never a cut name" {
	printf 'team-a\nns2\0evil\n' >"$BATS_TEST_TMPDIR/ns"
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces-file "$BATS_TEST_TMPDIR/ns"
	assert_status 2
	assert_one_error_line
	[ "$(first_line)" = "mcle: $BATS_TEST_TMPDIR/ns:2: a NUL byte in the line" ]
	[ ! -e "$STORE_DIR/ns2" ] && [ ! -e "$STORE_DIR/team-a" ]
}

@test "--timeout bounds a pass on the file store: the rest is not started, exit 4" {
	seq -f 'n-%g' 1 20000 >"$BATS_TEST_TMPDIR/ns"
	run --separate-stderr timeout 600 "$MCLE" reconcile-all --identity c1 --timeout 3 \
		--namespaces-file "$BATS_TEST_TMPDIR/ns"
	assert_status 4
	[[ "$stderr" == *"mcle: the pass's deadline passed: "*" of 20000 namespaces not reconciled" ]]
	# the deadline, not the end of the work, ended it
	n=$(find "$STORE_DIR" -maxdepth 1 -name 'n-*' | wc -l)
	[ "$n" -lt 20000 ]
	! grep -q 'namespace .*: not reconciled' <<<"$stderr"
}

@test "a pass over a few namespaces of a store larger than one pass covers (caps agree)" {
	# 100,001 locks, as several clusters with different namespaces leave them
	"$PYTHON3" - "$STORE_DIR" <<-'EOF'
	import json, os, sys
	d = sys.argv[1]
	for i in range(100001):
	    name = "n-%d" % i
	    with open(os.path.join(d, name), "w") as f:
	        json.dump({"kind": "mcle#lock", "name": name, "generation": str(i + 1),
	                   "metageneration": "1", "timeCreated": "2026-01-01T00:00:00Z",
	                   "updated": "2026-01-01T00:00:00Z",
	                   "metadata": {"mcleFormat": "1", "holderIdentity": "c9",
	                                "leaseTransitions": "1", "leaseDurationSeconds": "60"}}, f)
	EOF
	# the pass lists the whole store, reading only its own (status --all's
	# larger cap is checked by tests/unit/test-engine-locks)
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --timeout 600 --namespaces n-1,n-2
	assert_status 0
	# long expired: taken over, the epoch continuing from what it read
	assert_match '^n-1 +acquired +c1 +true +2 '
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed$'
}

@test "more namespaces than one pass covers: a usage error naming the limit" {
	seq -f 'n-%g' 1 100001 >"$BATS_TEST_TMPDIR/ns"
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces-file "$BATS_TEST_TMPDIR/ns"
	assert_status 2
	[ "$(first_line)" = "mcle: $BATS_TEST_TMPDIR/ns:100001: over 100000 namespaces" ]
}
