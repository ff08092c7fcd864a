#!/usr/bin/env bats
# The store contract (store.h), checked on gs:// against the GCS stand-in
# by the same program that checks mem:// and file:// (make check runs it
# bare for those): tests/unit/test-store-conformance.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
	CONFORMANCE=${MCLE%/src/mcle}/tests/unit/test-store-conformance
}

teardown() {
	gcs_stop
}

@test "gs:// meets the store contract (the conformance program passes)" {
	[ -x "$CONFORMANCE" ]
	run "$CONFORMANCE" gs://bkt/conformance
	printf '%s\n' "$output"
	assert_status 0
	assert_match '^# store gs://bkt/conformance$'
	! printf '%s\n' "$output" | grep -q '^not ok'
	# every write it made carried its precondition
	[ "$(gcs_count POST 'ifGenerationMatch=')" = "$(gcs_count POST 'upload')" ]
	[ "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+')" = "$(gcs_count PATCH .)" ]
	[ "$(gcs_count DELETE 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+')" = "$(gcs_count DELETE .)" ]
}

@test "the conformance program fails on a store that breaks the contract" {
	# a server whose answers never move the metageneration: versions repeat
	gcs_ctl POST /_control/hostile '{"mode": "set", "path": "broken", "fields": {"metageneration": "1"}}' >/dev/null
	run "$CONFORMANCE" gs://bkt/broken
	[ "$status" -ne 0 ]
	printf '%s\n' "$output" | grep -q '^not ok .* - an update changes the version'
}
