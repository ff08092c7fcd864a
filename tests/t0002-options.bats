#!/usr/bin/env bats
# Option values, validation and precedence: flags > MCLE_* > config > defaults.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

duration_of() {
	run --separate-stderr "$MCLE" -o json status -n "$1"
	assert_status 0
	json_get 'j["leaseDurationSeconds"]'
}

@test "default lease duration is 60 seconds" {
	run "$MCLE" acquire -n team-a --identity me
	assert_status 0
	[ "$(duration_of team-a)" = 60 ]
}

@test "flag beats environment beats config file" {
	printf 'lease-duration: 30\nidentity: from-config\n' >"$MCLE_CONFIG"
	run "$MCLE" acquire -n ns-config
	assert_status 0
	[ "$(duration_of ns-config)" = 30 ]
	MCLE_LEASE_DURATION=40 MCLE_IDENTITY=from-env run "$MCLE" acquire -n ns-env
	assert_status 0
	[ "$(duration_of ns-env)" = 40 ]
	run --separate-stderr "$MCLE" -o json status -n ns-env
	[ "$(json_get 'j["holderIdentity"]')" = from-env ]
	MCLE_LEASE_DURATION=40 run "$MCLE" acquire -n ns-flag --lease-duration 2m --identity from-flag
	assert_status 0
	[ "$(duration_of ns-flag)" = 120 ]
	run --separate-stderr "$MCLE" -o json status -n ns-flag
	[ "$(json_get 'j["holderIdentity"]')" = from-flag ]
}

@test "the store comes from the flag before MCLE_STORE" {
	other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	run "$MCLE" --store "file://$other" acquire -n team-a --identity me
	assert_status 0
	[ -f "$other/team-a" ]
	[ ! -e "$STORE_DIR/team-a" ]
}

@test "invalid durations are usage errors naming the option and its source" {
	for d in 0 -5 abc 1.5 10x "" 99999999999; do
		run --separate-stderr "$MCLE" acquire -n team-a --identity me --lease-duration "$d"
		assert_status 2
		[[ "$stderr" == "mcle: invalid value '$d' for --lease-duration: expected a positive number of seconds"* ]]
	done
	MCLE_LEASE_DURATION=junk run --separate-stderr "$MCLE" acquire -n team-a --identity me
	assert_status 2
	[[ "$stderr" == "mcle: invalid value 'junk' for MCLE_LEASE_DURATION:"* ]]
	run --separate-stderr "$MCLE" acquire -n team-a --identity me --timeout 0
	assert_status 2
	run --separate-stderr "$MCLE" acquire -n team-a --identity me --clock-skew -1
	assert_status 2
	# nothing was written by any of them
	[ -z "$(ls "$STORE_DIR")" ]
}

@test "invalid namespace names are usage errors" {
	long=$(printf 'a%.0s' $(seq 64))
	for ns in ../x A "$long" -a a- a.b "a b" ""; do
		run --separate-stderr "$MCLE" acquire -n "$ns" --identity me
		assert_status 2
		[[ "$stderr" == "mcle: invalid value '"*"' for --namespace: not a DNS-1123 label"* ]]
	done
	[ -z "$(ls -A "$STORE_DIR")" ]
	[ ! -e "$BATS_TEST_TMPDIR/x" ]
}

@test "invalid identities are usage errors" {
	for id in "a b" 'a"b' "a'b" "$(printf 'a\tb')"; do
		run --separate-stderr "$MCLE" acquire -n team-a --identity "$id"
		assert_status 2
		[[ "$stderr" == "mcle: invalid value "*" for --identity:"* ]]
	done
}

@test "output format: text or json only" {
	run --separate-stderr "$MCLE" -o yaml status -n team-a
	assert_status 2
	[[ "$stderr" == "mcle: invalid value 'yaml' for --output: expected 'text' or 'json'"* ]]
	MCLE_OUTPUT=json run --separate-stderr "$MCLE" status -n team-a
	assert_status 0
	[ "$(json_get 'j["namespace"]')" = team-a ]
}

@test "durations accept s, m and h suffixes" {
	run "$MCLE" acquire -n team-a --identity me --lease-duration 1h30m
	assert_status 0
	[ "$(duration_of team-a)" = 5400 ]
}

# in_flight ARGS...: the requests in flight a reconcile-all pass allows (-v)
in_flight() {
	"$MCLE" -v reconcile-all --identity me --namespaces a,b "$@" 2>&1 >/dev/null |
		sed -n 's/^mcle: debug: pass: 2 namespaces, \([0-9]*\) requests in flight at most$/\1/p'
}

@test "--max-in-flight: 128 by default; --parallel is its alias, the stronger source wins" {
	[ "$(in_flight)" = 128 ]
	[ "$(in_flight --max-in-flight 7)" = 7 ]
	[ "$(in_flight --parallel 9)" = 9 ]
	[ "$(in_flight --parallel 9 --max-in-flight 7)" = 7 ]
	[ "$(MCLE_MAX_IN_FLIGHT=5 in_flight --parallel 9)" = 9 ]
	[ "$(MCLE_PARALLEL=5 in_flight --max-in-flight 3)" = 3 ]
	[ "$(MCLE_PARALLEL=5 in_flight)" = 5 ]
	printf 'parallel: 11\n' >"$MCLE_CONFIG"
	[ "$(in_flight)" = 11 ]
	[ "$(MCLE_MAX_IN_FLIGHT=6 in_flight)" = 6 ]
	printf 'parallel: 11\nmax-in-flight: 12\n' >"$MCLE_CONFIG"
	[ "$(in_flight)" = 12 ]
	[ "$(MCLE_PARALLEL=4 in_flight)" = 4 ]
}
