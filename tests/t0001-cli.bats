#!/usr/bin/env bats
# The command line contract: commands, help, version, usage errors.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

@test "--help prints usage and every command to stdout, exit 0" {
	run --separate-stderr "$MCLE" --help
	assert_status 0
	assert_match '^usage: mcle \[options\] COMMAND \[options\]'
	for c in acquire renew release status reconcile-all; do
		assert_match "^  $c "
	done
	[ -z "$stderr" ]
}

@test "every command has --help on stdout with its usage line, exit 0" {
	for c in acquire renew release status reconcile-all; do
		run --separate-stderr "$MCLE" "$c" --help
		assert_status 0
		assert_match "^usage: mcle $c "
		assert_match "mcle-$c\\(1\\)"
		[ -z "$stderr" ]
		# -h is the same, before or after the command
		run --separate-stderr "$MCLE" -h "$c"
		assert_status 0
		assert_match "^usage: mcle $c "
	done
}

@test "--version prints the version, exit 0" {
	run --separate-stderr "$MCLE" --version
	assert_status 0
	assert_match '^mcle [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "no command is a usage error (exit 2) with a hint" {
	run --separate-stderr "$MCLE"
	assert_status 2
	[ "$stderr" = "mcle: no command given
try 'mcle --help'" ]
}

@test "unknown command: exit 2; prefixes are not accepted" {
	for c in bogus acq status- reconcile Acquire; do
		run --separate-stderr "$MCLE" "$c" -n a
		assert_status 2
		[[ "$stderr" == "mcle: unknown command '$c'"* ]]
	done
}

@test "unknown options and missing values are usage errors naming the option" {
	run --separate-stderr "$MCLE" acquire --bogus
	assert_status 2
	[[ "$stderr" == "mcle: unknown option '--bogus'"* ]]
	[[ "$stderr" == *"try 'mcle acquire --help'" ]]
	run --separate-stderr "$MCLE" acquire -x
	assert_status 2
	[[ "$stderr" == "mcle: unknown option '-x'"* ]]
	run --separate-stderr "$MCLE" acquire --identity me -n
	assert_status 2
	[[ "$stderr" == "mcle: option '-n' needs a value (NS)"* ]]
	run --separate-stderr "$MCLE" acquire -n team-a --identity
	assert_status 2
	[[ "$stderr" == "mcle: option '--identity' needs a value (ID)"* ]]
	run --separate-stderr "$MCLE" status --all=yes
	assert_status 2
	[[ "$stderr" == "mcle: option '--all' takes no value"* ]]
}

@test "a command's own option is refused by another command" {
	run --separate-stderr "$MCLE" acquire -n team-a --identity me --all
	assert_status 2
	[[ "$stderr" == "mcle: option '--all' is not valid for 'acquire'"* ]]
	run --separate-stderr "$MCLE" status -n team-a --namespaces a,b
	assert_status 2
	[[ "$stderr" == "mcle: option '--namespaces' is not valid for 'status'"* ]]
}

@test "stray arguments are refused" {
	run --separate-stderr "$MCLE" acquire -n team-a --identity me extra
	assert_status 2
	[[ "$stderr" == "mcle: unexpected argument 'extra'"* ]]
}

@test "options may stand before or after the command, in any form" {
	run "$MCLE" --identity me -n team-a acquire
	assert_status 0
	run "$MCLE" acquire --identity=me --namespace=team-a
	assert_status 0
	run "$MCLE" -nteam-a --identity me renew
	assert_status 0
	run "$MCLE" -o json status -n team-a
	assert_status 0
	assert_match '"holderIdentity": "me"'
}

@test "'--' ends the options" {
	run --separate-stderr "$MCLE" status -n team-a -- --all
	assert_status 2
	[[ "$stderr" == "mcle: unexpected argument '--all'"* ]]
}

@test "missing store, identity or namespace: usage errors" {
	unset MCLE_STORE
	run --separate-stderr "$MCLE" acquire -n team-a --identity me
	assert_status 2
	[[ "$stderr" == "mcle: no store: give --store URL"* ]]
	file_store
	run --separate-stderr "$MCLE" acquire -n team-a
	assert_status 2
	[[ "$stderr" == "mcle: no identity: give --identity ID"* ]]
	run --separate-stderr "$MCLE" acquire --identity me
	assert_status 2
	[[ "$stderr" == "mcle: missing -n NAMESPACE"* ]]
	run --separate-stderr "$MCLE" status
	assert_status 2
	[[ "$stderr" == "mcle: missing -n NAMESPACE, --all or -l SELECTOR"* ]]
	run --separate-stderr "$MCLE" status -n a --all
	assert_status 2
}

@test "an unknown store scheme is a usage error" {
	run --separate-stderr "$MCLE" --store s3://bucket status --all
	assert_status 2
	[[ "$stderr" == "mcle: invalid store 's3://bucket': expected gs://BUCKET[/PREFIX] or file:///DIR"* ]]
	run --separate-stderr "$MCLE" --store file://relative/dir status --all
	assert_status 2
}

@test "a failed write to stdout fails the program" {
	[ -w /dev/full ] || skip "no /dev/full"
	run --separate-stderr sh -c '"$MCLE" --help >/dev/full'
	[ "$status" -ne 0 ]
	[[ "$stderr" == "mcle: cannot write to standard output: No space left on device" ]]
	run --separate-stderr sh -c '"$MCLE" acquire -n team-a --identity me >/dev/full'
	assert_status 5
	[[ "$stderr" == "mcle: cannot write to standard output"* ]]
}
