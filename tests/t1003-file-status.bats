#!/usr/bin/env bats
# status: one lease, all of them, --check, text and JSON.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

@test "status of a namespace without a lock: no holder, exit 0" {
	run --separate-stderr "$MCLE" status -n team-a
	assert_status 0
	[ "$(printf '%s\n' "$output" | sed -n 2p | tr -s ' ')" = "team-a <none> false 0 - - -" ]
	run --separate-stderr "$MCLE" -o json status -n team-a
	[ "$(json_get 'j["holderIdentity"]')" = "" ]
	[ "$(json_get 'j["acquireTime"]')" = null ]
	[ "$(json_get 'j["leaseTransitions"]')" = 0 ]
}

@test "text output is an aligned table with a header" {
	"$MCLE" acquire -n team-a --identity cluster-long-name >/dev/null
	"$MCLE" acquire -n b --identity c2 --lease-duration 90 >/dev/null
	run --separate-stderr "$MCLE" status --all --identity c2
	assert_status 0
	[ "$(printf '%s\n' "$output" | wc -l)" -eq 3 ]
	assert_match '^NAMESPACE +HOLDER +LEADER +EPOCH +DURATION +EXPIRES +REMAINING$'
	# REMAINING counts down from the duration (a slow machine takes a while
	# to get here: no exact value)
	assert_match '^b +c2 +true +1 +1m30s +[0-9T:.-]+Z +(1m([0-9]|[12][0-9]|30)s|1m)$'
	assert_match '^team-a +cluster-long-name +false +1 +1m +[0-9T:.-]+Z +(1m|[1-5]?[0-9]s)$'
	# columns line up: HOLDER starts at the same offset on every line
	cols=$(printf '%s\n' "$output" | awk '{ print index($0, $2) }' | sort -u | wc -l)
	[ "$cols" -eq 1 ]
}

@test "--all lists every lock sorted, as a JSON array" {
	for ns in zeta alpha mid; do "$MCLE" acquire -n "$ns" --identity me >/dev/null; done
	run --separate-stderr "$MCLE" -o json status --all --identity me
	assert_status 0
	[ "$(json_get '[x["namespace"] for x in j]')" = '["alpha", "mid", "zeta"]' ]
	[ "$(json_get 'all(x["isLeader"] for x in j)')" = true ]
	for k in namespace holderIdentity isLeader leaseDurationSeconds acquireTime renewTime expireTime leaseTransitions; do
		[ "$(json_get "'$k' in j[0]")" = true ]
	done
}

@test "--all on an empty store: an empty array" {
	run --separate-stderr "$MCLE" -o json status --all
	assert_status 0
	[ "$(json_get 'j')" = "[]" ]
}

@test "isLeader is true only for --identity, and only while live" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	run --separate-stderr "$MCLE" -o json status -n team-a --identity c1
	[ "$(json_get 'j["isLeader"]')" = true ]
	run --separate-stderr "$MCLE" -o json status -n team-a --identity c2
	[ "$(json_get 'j["isLeader"]')" = false ]
	run --separate-stderr "$MCLE" -o json status -n team-a
	[ "$(json_get 'j["isLeader"]')" = false ]
	# renewed for 1 s only, which runs out
	"$MCLE" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sleep 1.1
	run --separate-stderr "$MCLE" -o json status -n team-a --identity c1
	[ "$(json_get 'j["isLeader"]')" = false ]
	run --separate-stderr "$MCLE" status -n team-a --identity c1
	assert_match ' expired$'
}

@test "--check: 0 for the holder, 1 for anyone else or a free lease" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	run "$MCLE" status -n team-a --check --identity c1
	assert_status 0
	run --separate-stderr "$MCLE" status -n team-a --check --identity c2
	assert_status 1
	[ "$stderr" = "mcle: lease 'team-a' is not held by 'c2'" ]
	run "$MCLE" status -n free-one --check --identity c1
	assert_status 1
	run --separate-stderr "$MCLE" status --all --check --identity c1
	assert_status 2
	run --separate-stderr "$MCLE" status -n team-a --check
	assert_status 2
}

@test "status never writes" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	before=$(store_digest)
	"$MCLE" status -n team-a >/dev/null
	"$MCLE" status --all >/dev/null
	"$MCLE" status -n other >/dev/null
	[ "$(store_digest)" = "$before" ]
	[ ! -e "$STORE_DIR/other" ]
}
