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
	for d in 0 -5 abc 1.5 10x "" 99999999999 999999999999 2147483648 24855d3h14m8s; do
		run --separate-stderr "$MCLE" acquire -n team-a --identity me --lease-duration "$d"
		assert_status 2
		# the limits, in both forms
		[[ "$stderr" == "mcle: invalid value '$d' for --lease-duration: expected a duration from 1s to 24855d3h14m7s (2147483647 seconds), such as 60, 90s, 2m or 1h30m"* ]]
	done
	run --separate-stderr "$MCLE" acquire -n team-a --identity me --clock-skew 1h1s
	assert_status 2
	[[ "$stderr" == *"for --clock-skew: expected a duration from 0s to 1h (3600 seconds)"* ]]
	run --separate-stderr "$MCLE" acquire -n team-a --identity me --timeout 2d
	assert_status 2
	[[ "$stderr" == *"for --timeout: expected a duration from 1s to 1d (86400 seconds)"* ]]
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

@test "output format: one of the formats, a bad one named with the list" {
	run --separate-stderr "$MCLE" -o xml status -n team-a
	assert_status 2
	[[ "$stderr" == "mcle: invalid value 'xml' for --output: expected text, wide, json, yaml, name or jsonpath=TEMPLATE"* ]]
	for f in jsonpath json=x text= Text; do
		run --separate-stderr "$MCLE" -o "$f" status -n team-a
		assert_status 2
	done
	printf 'output: yml\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status -n team-a
	assert_status 5
	[[ "$stderr" == "mcle: invalid value 'yml' for 'output' in $MCLE_CONFIG:1: expected text,"* ]]
	: >"$MCLE_CONFIG"
	MCLE_OUTPUT=json run --separate-stderr "$MCLE" status -n team-a
	assert_status 0
	[ "$(json_get 'j["namespace"]')" = team-a ]
}

@test "durations accept d, h, m and s suffixes, and print the same way" {
	run "$MCLE" acquire -n team-a --identity me --lease-duration 1h30m
	assert_status 0
	[ "$(duration_of team-a)" = 5400 ]
	run "$MCLE" acquire -n team-b --identity me --lease-duration 2d3h
	assert_status 0
	[ "$(duration_of team-b)" = 183600 ]
	run --separate-stderr "$MCLE" status -A --identity me
	assert_status 0
	assert_match '^team-a +me +true +1 +1h30m +[0-9T:.-]+Z +1h(29m([0-9]|[1-5][0-9])s|30m)$'
	assert_match '^team-b +me +true +1 +2d3h +[0-9T:.-]+Z +2d(2h59m([0-9]|[1-5][0-9])s|3h)$'
	# the longest lease: its REMAINING counts days, not minutes
	run "$MCLE" acquire -n team-c --identity me --lease-duration 2147483647
	assert_status 0
	run --separate-stderr "$MCLE" status -n team-c
	assert_match '^team-c +me +false +1 +24855d3h14m7s +[0-9T:.-]+Z +24855d3h1[34]m(([0-9]|[1-5][0-9])s)?$'
}

@test "a repeated single-value option is an error; a repeated -v counts" {
	run --separate-stderr "$MCLE" -n a -n b status
	assert_status 2
	[[ "$stderr" == "mcle: option '--namespace' given twice ('a', then 'b'): give it once"* ]]
	run --separate-stderr "$MCLE" status --namespace=a -na
	assert_status 2
	run --separate-stderr "$MCLE" reconcile-all --identity me --namespaces a --namespaces b
	assert_status 2
	[[ "$stderr" == "mcle: option '--namespaces' given twice ('a', then 'b'): give it once, with a comma-separated list"* ]]
	run --separate-stderr "$MCLE" -o json -o text status -n a
	assert_status 2
	# a flag given twice means the same
	run --separate-stderr "$MCLE" -v -v status -A -A
	assert_status 0
	[ -z "$(ls -A "$STORE_DIR")" ]
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
