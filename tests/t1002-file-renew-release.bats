#!/usr/bin/env bats
# renew and release on the file store.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

meta() {	# meta KEY: a top-level field of the team-a lock file
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
		"$STORE_DIR/team-a" "$1"
}

@test "renew by the holder updates in place: same generation, metageneration + 1" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	g=$(meta generation); u=$(meta updated)
	sleep 0.01
	run --separate-stderr "$MCLE" -o json renew -n team-a --identity c1
	assert_status 0
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(meta generation)" = "$g" ]
	[ "$(meta metageneration)" = 2 ]
	[[ "$(meta updated)" > "$u" ]]
}

@test "renew by another identity: exit 3, nothing written" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" renew -n team-a --identity c2
	assert_status 3
	[ "$stderr" = "mcle: lease 'team-a' is not held by 'c2': held by 'c1'" ]
	[ "$(store_digest)" = "$before" ]
}

@test "renew of a missing lock: exit 3" {
	run --separate-stderr "$MCLE" renew -n team-a --identity c1
	assert_status 3
	[ "$stderr" = "mcle: lease 'team-a' is not held by 'c1': no lock exists" ]
	[ ! -e "$STORE_DIR/team-a" ]
}

@test "renew after expiry is a lost lease, even with no rival" {
	"$MCLE" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sleep 1.1
	run --separate-stderr "$MCLE" renew -n team-a --identity c1
	assert_status 3
	[[ "$stderr" == "mcle: lease 'team-a' of 'c1' expired at "*Z ]]
	# acquire starts a new term instead
	run "$MCLE" acquire -n team-a --identity c1
	assert_status 0
}

@test "release empties the holder, keeps the epoch; anyone may acquire at once" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	run --separate-stderr "$MCLE" -o json release -n team-a --identity c1
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = "" ]
	[ "$(json_get 'j["isLeader"]')" = false ]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
	[ "$(json_get 'j["expireTime"]')" = null ]
	run "$MCLE" acquire -n team-a --identity c2
	assert_status 0
}

@test "release by a non-holder, or twice: exit 3, nothing written" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" release -n team-a --identity c2
	assert_status 3
	[ "$(store_digest)" = "$before" ]
	run "$MCLE" release -n team-a --identity c1
	assert_status 0
	run --separate-stderr "$MCLE" release -n team-a --identity c1
	assert_status 3
	[ "$stderr" = "mcle: lease 'team-a' is not held by 'c1': it is free" ]
	run "$MCLE" release -n nothing-here --identity c1
	assert_status 3
}
