#!/usr/bin/env bats
# One rule for options that cannot apply in the mode a command runs in:
# refused with exit 2 and the reason, whatever set them (a command's own
# options) or when given as flags (global options); a malformed label
# selector is a usage error; status --check needs no cluster.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	export MCLE_IDENTITY=c1
}

@test "reconcile-all without a cluster refuses --selector and --exclude, from anywhere" {
	run --separate-stderr "$MCLE" reconcile-all --namespaces a --exclude b
	assert_status 2
	[[ "$stderr" == "mcle: option '--exclude' does not apply without a cluster (none is configured): it filters the cluster's namespaces"* ]]
	run --separate-stderr "$MCLE" reconcile-all --namespaces a -l team=x
	assert_status 2
	[[ "$stderr" == "mcle: option '--selector' does not apply without a cluster"* ]]
	MCLE_SELECTOR=team=x run --separate-stderr "$MCLE" reconcile-all --namespaces a
	assert_status 2
	[[ "$stderr" == "mcle: MCLE_SELECTOR does not apply without a cluster"* ]]
	printf 'exclude: [b]\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" reconcile-all --namespaces a
	assert_status 2
	[[ "$stderr" == "mcle: 'exclude' in $MCLE_CONFIG:1 does not apply without a cluster"* ]]
	: >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" reconcile-all --no-cluster --namespaces a --exclude b
	assert_status 2
	[[ "$stderr" == "mcle: option '--exclude' does not apply with --no-cluster: it filters the cluster's namespaces"* ]]
	# nothing was written by any of them
	[ -z "$(ls -A "$STORE_DIR")" ]
	# the default --exclude is no choice of the user's: fine
	run --separate-stderr "$MCLE" reconcile-all --namespaces a
	assert_status 0
}

@test "global options given as flags where they cannot apply are refused" {
	run --separate-stderr "$MCLE" status -n a --no-cluster --kubeconfig /dev/null
	assert_status 2
	[[ "$stderr" == "mcle: option '--kubeconfig' does not apply with --no-cluster"* ]]
	run --separate-stderr "$MCLE" acquire -n a --no-cluster --context prod
	assert_status 2
	[[ "$stderr" == "mcle: option '--context' does not apply with --no-cluster"* ]]
	run --separate-stderr "$MCLE" status -n a --lease-duration 5m
	assert_status 2
	[[ "$stderr" == "mcle: option '--lease-duration' does not apply to 'status': it only reads"* ]]
	# the same settings shared through the environment are the commands' that use them
	MCLE_LEASE_DURATION=5m run --separate-stderr "$MCLE" status -n a
	assert_status 0
	run --separate-stderr "$MCLE" completion bash -v
	assert_status 2
	[ -z "$(ls -A "$STORE_DIR")" ]
}

@test "status -l needs a cluster; -l with -n or --check is a usage error" {
	run --separate-stderr "$MCLE" status -l team=x
	assert_status 2
	[[ "$stderr" == "mcle: option '--selector' selects the cluster's namespaces, and there is no cluster: give --kubeconfig, set KUBECONFIG or run in a pod"* ]]
	run --separate-stderr "$MCLE" status -l team=x --no-cluster
	assert_status 2
	[[ "$stderr" == *"there is no cluster: --no-cluster is given"* ]]
	run --separate-stderr "$MCLE" status -n a -l team=x
	assert_status 2
	[[ "$stderr" == "mcle: use either -n NAMESPACE or -l SELECTOR, not both"* ]]
	run --separate-stderr "$MCLE" status -n a -A
	assert_status 2
	# the selector of reconcile-all, from the environment or the file, is not status's
	MCLE_SELECTOR=team=x run --separate-stderr "$MCLE" status -n a
	assert_status 0
	MCLE_SELECTOR=team=x run --separate-stderr "$MCLE" status -A
	assert_status 0
}

@test "a malformed selector is a usage error naming where it went wrong" {
	for s in 'team in (a' 'team=a b' '=a' 'a,' 'Team.Example.com/x=y' 'x>y' 'a!b' "$(printf 'a=\x01')"; do
		run --separate-stderr "$MCLE" reconcile-all --namespaces a -l "$s"
		assert_status 2
		[[ "$stderr" == "mcle: invalid value '"*"' for --selector: "* ]]
		assert_one_error_line
	done
	run --separate-stderr "$MCLE" reconcile-all --namespaces a -l 'team in (a'
	[[ "$stderr" == "mcle: invalid value 'team in (a' for --selector: found end of selector at position 11, expected ',' or ')'"* ]]
	MCLE_SELECTOR='a b' run --separate-stderr "$MCLE" reconcile-all --namespaces a
	assert_status 2
	[[ "$stderr" == "mcle: invalid value 'a b' for MCLE_SELECTOR: found 'b' at position 3, expected =, ==, !=, in, notin, > or <"* ]]
	printf 'selector: "a in ()x"\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status -n a
	assert_status 5
	[[ "$stderr" == "mcle: invalid value 'a in ()x' for 'selector' in $MCLE_CONFIG:1: "* ]]
	[ -z "$(ls -A "$STORE_DIR")" ]
}

@test "status -n --check answers from the store with a stale KUBECONFIG" {
	run "$MCLE" acquire -n team-a --no-cluster
	assert_status 0
	for kc in /nonexistent "$BATS_TEST_TMPDIR/broken"; do
		printf 'clusters: [\n' >"$BATS_TEST_TMPDIR/broken"
		KUBECONFIG=$kc run --separate-stderr "$MCLE" status -n team-a --check
		assert_status 0
		[ -z "$stderr" ]
		KUBECONFIG=$kc run --separate-stderr "$MCLE" status -n team-a --check --identity c2
		assert_status 1
		[ "$stderr" = "mcle: lease 'team-a' is not held by 'c2'" ]
		# without --check the cluster is read, and its failure reported after the lease
		KUBECONFIG=$kc run --separate-stderr "$MCLE" status -n team-a
		assert_status 5
		assert_match '^team-a +c1 '
	done
}

@test "reconcile-all --partial-ok: a pass with failed namespaces exits 0 after a warning" {
	printf 'not json' >"$STORE_DIR/team-b"
	run --separate-stderr "$MCLE" reconcile-all --namespaces team-a,team-b
	assert_status 6
	run --separate-stderr "$MCLE" reconcile-all --namespaces team-a,team-b --partial-ok
	assert_status 0
	assert_match '^team-b +error +<corrupt> '
	[[ "$stderr" == "mcle: namespace 'team-b': "*"
mcle: warning: 1 of 2 namespaces failed" ]]
	# other failures keep their statuses
	run --separate-stderr "$MCLE" --store file:///nonexistent reconcile-all --namespaces a --partial-ok
	assert_status 5
	# a flag of reconcile-all only
	run --separate-stderr "$MCLE" acquire -n a --partial-ok
	assert_status 2
}
