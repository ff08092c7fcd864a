#!/usr/bin/env bats
# reconcile-all without a cluster, on the file store.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

@test "one pass takes every free namespace and prints the Lease status" {
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 --namespaces team-b,team-a
	assert_status 0
	[ "$(json_get '[x["namespace"] for x in j]')" = '["team-a", "team-b"]' ]
	[ "$(json_get '[x["action"] for x in j]')" = '["acquired", "acquired"]' ]
	s=$(json_get 'j[0]["status"]')
	for k in isLeader observedHolderIdentity observedAcquireTime observedRenewTime leaseTransitions observedExpireTime epoch; do
		[ "$(json_get "'$k' in j[0]['status']")" = true ]
	done
	[ "$(json_get 'j[0]["status"]["isLeader"]')" = true ]
	[ "$(json_get 'j[0]["status"]["observedHolderIdentity"]')" = c1 ]
	[ "$(json_get 'j[0]["status"]["epoch"] == j[0]["status"]["leaseTransitions"] == 1')" = true ]
	[[ "$(json_get 'j[0]["status"]["observedRenewTime"]')" =~ ^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}Z$ ]]
}

@test "a second identity stands by without writing; the holder renews" {
	"$MCLE" reconcile-all --identity c1 --namespaces a,b,c >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" reconcile-all --identity c2 --namespaces a,b,c
	assert_status 0
	assert_match '^a +standby +c1 +false '
	assert_match '^3 namespaces: 0 leader, 3 standby, 0 failed$'
	[ "$(store_digest)" = "$before" ]
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces a,b,c
	assert_status 0
	assert_match '^b +renewed +c1 +true '
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed$'
	[ "$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["metageneration"])' "$STORE_DIR/b")" = 2 ]
}

@test "a standby takes over what expired, and only that" {
	"$MCLE" reconcile-all --identity c1 --namespaces a,b --lease-duration 1 >/dev/null
	"$MCLE" acquire -n c --identity c1 --lease-duration 60 >/dev/null
	sleep 1.1
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c2 --namespaces a,b,c --clock-skew 0
	assert_status 0
	[ "$(json_get '[x["action"] for x in j]')" = '["acquired", "acquired", "standby"]' ]
	[ "$(json_get '[x["status"]["epoch"] for x in j]')" = '[2, 2, 1]' ]
	[ "$(json_get '[x["status"]["isLeader"] for x in j]')" = '[true, true, false]' ]
}

@test "--namespaces-file: comments, blanks, duplicates; -n adds one" {
	printf '# teams\nteam-a\n\n  team-b  # trailing comment\nteam-a\n' >"$BATS_TEST_TMPDIR/ns"
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 \
		--namespaces-file "$BATS_TEST_TMPDIR/ns" -n extra
	assert_status 0
	[ "$(json_get '[x["namespace"] for x in j]')" = '["extra", "team-a", "team-b"]' ]
}

@test "an invalid namespace in a file names the file and line; nothing written" {
	printf 'good\nBad_Name\n' >"$BATS_TEST_TMPDIR/ns"
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces-file "$BATS_TEST_TMPDIR/ns"
	assert_status 2
	[[ "$stderr" == "mcle: $BATS_TEST_TMPDIR/ns:2: invalid namespace 'Bad_Name': not a DNS-1123 label"* ]]
	[ -z "$(ls -A "$STORE_DIR")" ]
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces a,,b
	assert_status 2
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces-file "$BATS_TEST_TMPDIR/missing"
	assert_status 2
	[[ "$stderr" == "mcle: cannot read namespaces file '$BATS_TEST_TMPDIR/missing': No such file or directory"* ]]
}

@test "no namespaces at all is a usage error" {
	run --separate-stderr "$MCLE" reconcile-all --identity c1
	assert_status 2
	[[ "$stderr" == "mcle: no namespaces: give --namespaces, --namespaces-file or -n"* ]]
}

@test "a corrupt lock fails its namespace only: exit 6, the rest reconciled, file untouched" {
	printf '{"generation": "1", "metageneration": "1"' >"$STORE_DIR/broken"
	before=$(sha256sum <"$STORE_DIR/broken")
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 --namespaces a,broken,c
	assert_status 6
	[ "$(json_get '[x["action"] for x in j]')" = '["acquired", "error", "acquired"]' ]
	[ "$(json_get 'j[1]["errorReason"]')" = corrupt ]
	[[ "$stderr" == *"mcle: namespace 'broken': malformed lock file '$STORE_DIR/broken': "* ]]
	[[ "$stderr" == *"mcle: 1 of 3 namespaces failed" ]]
	[ "$(sha256sum <"$STORE_DIR/broken")" = "$before" ]
}

@test "the text summary counts leaders, standbys and failures" {
	"$MCLE" acquire -n b --identity other >/dev/null
	run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces a,b
	assert_status 0
	assert_match '^NAMESPACE +ACTION +HOLDER +LEADER +EPOCH +DURATION +EXPIRES +REMAINING$'
	assert_match '^2 namespaces: 1 leader, 1 standby, 0 failed$'
}

@test "--parallel: workers give the same pass as one, one holder per namespace" {
	ns=$(seq -f 'p-%g' 1 40 | paste -sd,)
	for id in c1 c2 c3; do
		"$MCLE" reconcile-all --identity "$id" --namespaces "$ns" --parallel 8 \
			>/dev/null 2>"$BATS_TEST_TMPDIR/err.$id" &
	done
	wait
	run --separate-stderr "$MCLE" -o json status --all
	assert_status 0
	[ "$(json_get 'len(j)')" = 40 ]
	[ "$(json_get 'all(x["leaseTransitions"] == 1 for x in j)')" = true ]
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 --namespaces "$ns" --parallel 16
	assert_status 0
	# output stays sorted and complete whatever order the workers took
	[ "$(json_get '[x["namespace"] for x in j] == sorted(x["namespace"] for x in j)')" = true ]
	[ "$(json_get 'len(j)')" = 40 ]
	held=$(json_get 'sum(x["status"]["isLeader"] for x in j)')
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c1 --namespaces "$ns" --parallel 1
	[ "$(json_get 'sum(x["status"]["isLeader"] for x in j)')" = "$held" ]
}

@test "--max-in-flight and its alias --parallel take 1 to 1024" {
	for opt in --max-in-flight --parallel; do
		for n in 0 1025 -1 x 1.5; do
			run --separate-stderr "$MCLE" reconcile-all --identity c1 --namespaces a "$opt" "$n"
			assert_status 2
			[[ "$stderr" == "mcle: invalid value '$n' for $opt: expected a number from 1 to 1024"* ]]
		done
	done
	MCLE_PARALLEL=1024 run "$MCLE" reconcile-all --identity c1 --namespaces a,b
	assert_status 0
	MCLE_MAX_IN_FLIGHT=1 run "$MCLE" reconcile-all --identity c1 --namespaces a,b
	assert_status 0
}
