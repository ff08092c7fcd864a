#!/usr/bin/env bats
# Interop with a real client: the installed `gcloud storage`, pointed at the
# stand-in, reads the lock objects mcle writes, and its conditional writes
# are seen by mcle as a lost lease.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	command -v gcloud >/dev/null || skip "gcloud is not installed"
	gcs_test_setup
	echo test-token >"$BATS_TEST_TMPDIR/token"
	export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE="$GCS_URL/" \
		CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$BATS_TEST_TMPDIR/token" \
		CLOUDSDK_CORE_PROJECT=test CLOUDSDK_CORE_DISABLE_PROMPTS=1 \
		CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true \
		CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true \
		CLOUDSDK_STORAGE_PROCESS_COUNT=1 CLOUDSDK_STORAGE_THREAD_COUNT=1 \
		CLOUDSDK_CONFIG="$BATS_TEST_TMPDIR/gcloud"
}

teardown() {
	gcs_stop
}

describe() {
	gcloud storage objects describe gs://bkt/locks/team-a --format=json
}

@test "gcloud describes and reads the lock object mcle wrote" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	run describe
	assert_status 0
	[ "$(json_get 'j["custom_fields"]["holderIdentity"]')" = cluster-a ]
	[ "$(json_get 'j["custom_fields"]["leaseTransitions"]')" = 1 ]
	[ "$(json_get 'j["cache_control"]')" = no-store ]
	[ "$(json_get 'j["content_type"]')" = text/plain ]
	run gcloud storage cat gs://bkt/locks/team-a
	assert_status 0
	[ "$output" = "mcle lease lock; the state is in the object metadata" ]
	run gcloud storage ls gs://bkt/locks/
	assert_status 0
	[ "$output" = gs://bkt/locks/team-a ]
}

@test "a conditional metadata update by gcloud: mcle renew exits 3" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	run gcloud storage objects update gs://bkt/locks/team-a \
		--update-custom-metadata=holderIdentity=intruder,leaseTransitions=2 \
		--if-metageneration-match=1
	assert_status 0
	run --separate-stderr "$MCLE" --identity cluster-a renew -n team-a
	assert_status 3
	[[ $stderr == *"held by 'intruder'"* ]]
	[ "$(gcs_count PATCH 'ifGenerationMatch')" = 0 ]
}

@test "a conditional overwrite by gcloud storage cp: mcle renew exits 3" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	gen=$(gcloud storage objects describe gs://bkt/locks/team-a --format='value(generation)')
	echo overwritten >"$BATS_TEST_TMPDIR/body"
	# a stale generation is refused ...
	run gcloud storage cp "$BATS_TEST_TMPDIR/body" gs://bkt/locks/team-a --if-generation-match=1
	[ "$status" -ne 0 ]
	[[ $output == *412* ]]
	# ... the current one replaces the object (a new generation)
	run gcloud storage cp "$BATS_TEST_TMPDIR/body" gs://bkt/locks/team-a \
		--if-generation-match="$gen" \
		--custom-metadata=mcleFormat=1,holderIdentity=intruder,leaseTransitions=2,leaseDurationSeconds=60
	assert_status 0
	run --separate-stderr "$MCLE" --identity cluster-a renew -n team-a
	assert_status 3
	[[ $stderr == *"held by 'intruder'"* ]]
	run --separate-stderr "$MCLE" --identity cluster-a status -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = intruder ]
}

@test "gcloud writes between mcle renew's read and its PATCH: 412, then exit 3" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	# hold mcle's conditional PATCH on arrival (after its read) until
	# gcloud has written, however long gcloud takes to start; an attempt
	# dropped as stalled meanwhile is retried, and held too
	gcs_ctl POST /_control/fault '{"method": "PATCH", "path": "\\?ifGenerationMatch=", "count": 1000, "action": "hold"}' >/dev/null
	gcs_ctl DELETE /_control/log
	"$MCLE" --identity cluster-a --timeout 300 renew -n team-a 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	gcs_wait_held
	[ "$(gcs_count GET 'locks%2Fteam-a$')" -eq 1 ]
	run gcloud storage objects update gs://bkt/locks/team-a \
		--update-custom-metadata=holderIdentity=intruder,leaseTransitions=2 \
		--if-metageneration-match=1
	gcs_ctl DELETE /_control/fault >/dev/null
	gcs_release
	assert_status 0
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 3 ]
	grep -q "held by 'intruder'" "$BATS_TEST_TMPDIR/err"
	gcs_log | grep '"method": "PATCH"' | grep 'ifGenerationMatch' | grep -q '"status": 412'
	# and none of mcle's attempts went through
	! gcs_log | grep '"method": "PATCH"' | grep 'ifGenerationMatch' | grep -q '"status": 200'
}
