#!/usr/bin/env bats
# mcle gc and mcle repair on gs:// (the GCS stand-in): conditional deletes,
# the epoch floor object, and the races of gc with an acquire, each forced
# by holding one request at the stand-in.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

epoch() {	# epoch OBJECT: its leaseTransitions, or ABSENT
	gcs_object "$1" 'o["metadata"]["leaseTransitions"]'
}

# set_metadata NS KEY VALUE: change one metadata value of locks/NS by hand
set_metadata() {
	curl -sS --fail -o /dev/null -H 'Content-Type: application/json' \
		-X PATCH --data-binary "{\"metadata\": {\"$2\": \"$3\"}}" \
		"$GCS_URL/storage/v1/b/bkt/o/locks%2F$1"
}

take_turns() {	# take_turns NS N: N identities acquire and release NS in turn
	local i
	for ((i = 1; i <= $2; i++)); do
		"$MCLE" --identity "c$i" acquire -n "$1" >/dev/null
		"$MCLE" --identity "c$i" release -n "$1" >/dev/null
	done
}

@test "gc deletes conditionally, raises the floor object first, and status --all skips it" {
	take_turns team-a 3
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" -o json gc --namespaces team-b
	assert_status 0
	[ "$(json_get '[[x["namespace"], x["action"]] for x in j]')" = '[["team-a", "removed"]]' ]
	[ "$(epoch locks/team-a)" = ABSENT ]
	[ "$(epoch locks/.mcle-epoch-floor)" = 3 ]
	# the floor's create came before the delete, and the delete named the version
	run gcs_requests
	assert_match '^POST /upload/storage/v1/b/bkt/o\?uploadType=multipart&ifGenerationMatch=0 200'
	assert_match '^DELETE /storage/v1/b/bkt/o/locks%2Fteam-a\?ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+ 204'
	[ "$(gcs_requests | grep -n '^POST' | cut -d: -f1)" -lt "$(gcs_requests | grep -n '^DELETE' | cut -d: -f1)" ]
	run --separate-stderr "$MCLE" -o json status --all
	assert_status 0
	[ -z "$stderr" ]
	[ "$(json_get 'len(j)')" = 0 ]
	run --separate-stderr "$MCLE" -o json --identity c1 acquire -n team-a
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 4 ]
}

@test "an acquire between gc's floor raise and its delete wins: the delete fails its condition" {
	take_turns team-a 1
	gcs_ctl POST /_control/fault '{"method": "DELETE", "count": 1, "action": "hold"}' >/dev/null
	"$MCLE" -o json --timeout 300 gc --namespaces x >"$BATS_TEST_TMPDIR/gc.out" \
		2>"$BATS_TEST_TMPDIR/gc.err" 3>&- &
	gc=$!
	gcs_wait_held
	[ "$(epoch locks/.mcle-epoch-floor)" = 1 ]
	run --separate-stderr "$MCLE" -o json --identity c2 acquire -n team-a
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 2 ]
	gcs_release
	rc=0
	wait "$gc" || rc=$?
	[ "$rc" = 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/gc.out")
	[ "$(json_get '[[x["namespace"], x["action"]] for x in j]')" = '[["team-a", "kept-changed"]]' ]
	[ "$(gcs_object locks/team-a '[o["metadata"]["holderIdentity"], o["metadata"]["leaseTransitions"]]')" = "['c2', '2']" ]
	gcs_log | grep '"method": "DELETE"' | grep -q '"status": 412'
}

@test "gc deletes between an acquire's read and its write: the acquire creates above the floor" {
	take_turns team-a 2
	# the takeover's conditional upload is held ...
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload", "count": 1, "action": "hold"}' >/dev/null
	"$MCLE" -o json --timeout 300 --identity c3 acquire -n team-a >"$BATS_TEST_TMPDIR/a.out" \
		2>"$BATS_TEST_TMPDIR/a.err" 3>&- &
	a=$!
	gcs_wait_held
	# ... while gc raises the floor to 2 and deletes the lock
	run --separate-stderr "$MCLE" -o json gc --namespaces x
	assert_status 0
	[ "$(json_get 'j[0]["action"]')" = removed ]
	gcs_release
	rc=0
	wait "$a" || rc=$?
	[ "$rc" = 0 ]
	output=$(cat "$BATS_TEST_TMPDIR/a.out")
	[ "$(json_get 'j["epoch"]')" = 3 ]
	[ "$(epoch locks/team-a)" = 3 ]
}

@test "gc never deletes a live lock" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" -o json gc --namespaces x
	assert_status 0
	[ "$(json_get 'j[0]["action"]')" = kept-live ]
	[ "$(gcs_count DELETE .)" = 0 ]
	[ "$(gcs_store_writes)" = 0 ]
}

@test "repair replaces a corrupt object on condition of its generation, above its epoch" {
	take_turns team-a 3
	set_metadata team-a leaseDurationSeconds x
	run --separate-stderr "$MCLE" --identity c1 acquire -n team-a
	assert_status 5
	gen=$(gcs_object locks/team-a 'o["generation"]')
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" -o json repair -n team-a
	assert_status 0
	[ "$(json_get '[j["action"], j["epoch"], j["holderIdentity"]]')" = '["repaired", 4, ""]' ]
	[ "$(epoch locks/.mcle-epoch-floor)" = 3 ]
	[ "$(gcs_count POST "ifGenerationMatch=$gen&ifMetagenerationMatch=3\$")" = 1 ]
	run --separate-stderr "$MCLE" -o json --identity c9 acquire -n team-a
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 5 ]
	# no epoch to salvage: --min-epoch is required
	set_metadata team-a holderIdentity 'not an identity!'
	run --separate-stderr "$MCLE" repair -n team-a
	assert_status 2
	run --separate-stderr "$MCLE" -o json repair -n team-a --min-epoch 9
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 10 ]
}
