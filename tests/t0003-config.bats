#!/usr/bin/env bats
# The YAML config file.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	unset MCLE_STORE
}

@test "every setting can come from the config file" {
	cat >"$MCLE_CONFIG" <<-EOC
	# mcle settings
	store: file://$STORE_DIR
	identity: cluster-a
	lease-duration: 45s
	clock-skew: 1
	timeout: 10
	output: json
	namespaces: [team-a, team-b]
	EOC
	run --separate-stderr "$MCLE" reconcile-all
	assert_status 0
	[ "$(json_get 'len(j)')" = 2 ]
	[ "$(json_get 'j[1]["namespace"]')" = team-b ]
	[ "$(json_get 'j[0]["holderIdentity"]')" = cluster-a ]
	[ "$(json_get 'j[0]["leaseDurationSeconds"]')" = 45 ]
}

@test "a block sequence works too" {
	printf 'store: file://%s\nidentity: me\nnamespaces:\n  - x1\n  - x2\n  - x3\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" -o json reconcile-all
	assert_status 0
	[ "$(json_get 'len(j)')" = 3 ]
}

@test "--config and MCLE_CONFIG choose the file" {
	printf 'store: file://%s\nidentity: from-flag-file\n' "$STORE_DIR" >"$BATS_TEST_TMPDIR/a.yaml"
	run "$MCLE" --config "$BATS_TEST_TMPDIR/a.yaml" acquire -n team-a
	assert_status 0
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/a.yaml" -o json status -n team-a
	[ "$(json_get 'j["holderIdentity"]')" = from-flag-file ]
}

@test "a missing config file named explicitly is an error" {
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/nope.yaml" status --all
	assert_status 5
	[[ "$stderr" == "mcle: cannot open config file '$BATS_TEST_TMPDIR/nope.yaml': No such file or directory" ]]
}

@test "broken YAML names the file, line and column" {
	printf 'store: file:///tmp\nidentity: [unclosed\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[[ "$stderr" == "mcle: $MCLE_CONFIG:"[0-9]*:[0-9]*": invalid YAML: "* ]]
	assert_one_error_line
	printf 'store: x\n\tidentity: y\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[[ "$stderr" == "mcle: $MCLE_CONFIG:2:"*"invalid YAML"* ]]
}

@test "unknown settings and wrong shapes are refused with file:line" {
	printf 'store: file:///tmp\nidentiy: typo\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:2: unknown setting 'identiy'" ]
	printf 'namespace: team-a\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:1: unknown setting 'namespace'" ]
	printf 'identity:\n  nested: map\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:1: expected a value or a list of values" ]
	printf -- '- a\n- b\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[[ "$stderr" == "mcle: $MCLE_CONFIG: expected a mapping of settings" ]]
}

@test "a bad value in the config file is a configuration error naming where" {
	printf 'store: file://%s\nidentity: me\nlease-duration: soon\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" acquire -n team-a
	assert_status 5
	[[ "$stderr" == "mcle: invalid value 'soon' for 'lease-duration' in $MCLE_CONFIG:3:"* ]]
	[ ! -e "$STORE_DIR/team-a" ]
}

@test "a config file anyone can write is refused" {
	printf 'store: file://%s\n' "$STORE_DIR" >"$MCLE_CONFIG"
	chmod 0666 "$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$MCLE_CONFIG' is writable by anyone: refusing it" ]
}

@test "an empty config file sets nothing" {
	: >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" --store "file://$STORE_DIR" status --all
	assert_status 0
}

@test "an oversized config file is refused" {
	head -c 300000 /dev/zero | tr '\0' '#' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[[ "$stderr" == "mcle: config file '$MCLE_CONFIG' is larger than 256 KiB" ]]
}
