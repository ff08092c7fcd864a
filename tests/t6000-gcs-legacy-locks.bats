#!/usr/bin/env bats
# The Go controller's lock objects (NAMESPACE-lease-gsc at the bucket root,
# a JSON body) against the GCS stand-in: held until updated + 3d + skew,
# taken over only by a write conditioned on their generation, the epoch
# continuing from leaderTransitions.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

# seed_legacy NS HOLDER DURATION TRANSITIONS: the original's exact format
# (gcs-helpers.bash)
seed_legacy() {
	gcs_seed_legacy "$@"
}

GO_ID=https://34.118.224.1:443

@test "a live legacy lock: acquire is busy, names the holder as written, writes nothing" {
	seed_legacy team-a "$GO_ID" 15 7
	gen=$(gcs_object team-a-lease-gsc 'o["generation"]')
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a
	assert_status 1
	[[ $stderr == *"held by '$GO_ID' (legacy lock"* ]]
	[ "$(gcs_object locks/team-a 'o')" = ABSENT ]
	[ "$(gcs_object team-a-lease-gsc 'o["generation"]')" = "$gen" ]
	[ "$(gcs_store_writes)" = 1 ]	# the seeding only
	# still live past 2d (30 s) by the store's clock: the original renews as
	# late as 3d (45 s), so it is held until then (+ skew); margin 15 s
	gcs_ctl POST /_control/clock '{"offset": 30}' >/dev/null
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a
	assert_status 1
	[ "$(gcs_store_writes)" = 1 ]
}

@test "reconcile-all never leads a namespace whose legacy lock is live" {
	seed_legacy team-c other 15 0
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	seed_legacy team-a "$GO_ID" 15 7
	seed_legacy team-c other 15 0	# renewed: live again
	run --separate-stderr "$MCLE" --identity cluster-a reconcile-all --namespaces team-a,team-b,team-c
	[ "$(gcs_object locks/team-b 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	[ "$(gcs_object locks/team-a 'o')" = ABSENT ]
	[ "$(gcs_object locks/team-c 'o')" = ABSENT ]
	# one listing of the prefix, one of the root's legacy locks, no per-namespace probes
	[ "$(gcs_count GET 'o\?prefix=locks')" = 1 ]
	[ "$(gcs_count GET 'o\?matchGlob=')" = 1 ]
	[ "$(gcs_count GET 'team-b-lease-gsc')" = 0 ]
}

@test "an expired legacy lock is taken over: conditional rewrite, then the epoch continues" {
	seed_legacy team-a "$GO_ID" 10 7
	gen=$(gcs_object team-a-lease-gsc 'o["generation"]')
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 8 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 8 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	# the legacy object, in the original's format, names mcle's holder
	[ "$(gcs_object team-a-lease-gsc 'json.loads(o["data"])["holderIdentity"]')" = cluster-a ]
	[ "$(gcs_object team-a-lease-gsc 'json.loads(o["data"])["leaderTransitions"]')" = 8 ]
	[ "$(gcs_object team-a-lease-gsc 'o["metadata"]["mcleEpoch"]')" = 8 ]
	[ "$(gcs_count POST "ifGenerationMatch=$gen")" = 1 ]
	# a rival now meets mcle's own lock; the legacy object holds nothing back
	run --separate-stderr "$MCLE" --identity cluster-b acquire -n team-a
	assert_status 1
	[[ $stderr == *"held by 'cluster-a'"* ]]
	# the holder renews, one read of the legacy object, no new legacy write
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 8 ]
	[ "$(gcs_count POST 'lease-gsc|ifGenerationMatch=[0-9]+&' )" -le 2 ]
}

@test "reconcile-all takes over an expired legacy lock and keeps the epoch above it" {
	seed_legacy team-a "$GO_ID" 10 41
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	run --separate-stderr "$MCLE" --identity cluster-a reconcile-all --namespaces team-a,team-b
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 42 ]
	[ "$(gcs_object locks/team-b 'o["metadata"]["leaseTransitions"]')" = 1 ]
	# later terms go on from there, also when mcle's own lock is gone
	"$PYTHON3" -c 'import sys, urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/storage/v1/b/bkt/o/locks%2Fteam-a", method="DELETE")).read()' "$GCS_URL"
	run --separate-stderr "$MCLE" --identity cluster-b acquire -n team-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 42 ]
}

@test "a legacy renewal racing the takeover: 412, busy, mcle's own lock never written" {
	seed_legacy team-a "$GO_ID" 10 7
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload", "count": 1, "action": "hold"}' >/dev/null
	"$MCLE" --identity cluster-a --timeout 300 acquire -n team-a \
		>"$BATS_TEST_TMPDIR/a.out" 2>"$BATS_TEST_TMPDIR/a.err" 3>&- &
	a=$!
	gcs_wait_held
	# the Go controller renews meanwhile (a blind write: a new generation)
	seed_legacy team-a "$GO_ID" 10 7
	gcs_release
	rc=0
	wait "$a" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "legacy lock changed" "$BATS_TEST_TMPDIR/a.err"
	[ "$(gcs_object locks/team-a 'o')" = ABSENT ]
	[ "$(gcs_object team-a-lease-gsc 'json.loads(o["data"])["holderIdentity"]')" = "$GO_ID" ]
	gcs_log | grep '"method": "POST"' | grep -q '"status": 412'
}

@test "--legacy-locks off: the legacy objects are ignored" {
	seed_legacy team-a "$GO_ID" 15 7
	run --separate-stderr "$MCLE" --identity cluster-a --legacy-locks off acquire -n team-a
	assert_status 0
	[ "$(gcs_count GET 'lease-gsc')" = 0 ]
	run --separate-stderr "$MCLE" --identity cluster-a --legacy-locks sometimes acquire -n team-a
	assert_status 2
}

@test "status --all on the bucket root: legacy objects are not malformed locks" {
	seed_legacy team-a "$GO_ID" 15 7
	"$MCLE" --store gs://bkt --identity cluster-a --legacy-locks off acquire -n team-b >/dev/null
	run --separate-stderr "$MCLE" --store gs://bkt status --all
	assert_status 0
	[[ $stderr != *malformed* ]]
	[[ $output == *team-b* ]]
	[[ $output == *"$GO_ID (legacy)"* ]]
	run --separate-stderr "$MCLE" --store gs://bkt/locks status --all -o json
	assert_status 0
	[ "$(json_get '[r["namespace"] for r in j if r["source"] == "legacy"][0]')" = team-a ]
	[ "$(json_get '[r["holderIdentity"] for r in j if r["source"] == "legacy"][0]')" = "$GO_ID" ]
	[ "$(json_get '[r["leaseTransitions"] for r in j if r["source"] == "legacy"][0]')" = 7 ]
	[ "$(json_get '[r["isLeader"] for r in j if r["source"] == "legacy"][0]')" = false ]
	# with legacy locks off, the root's legacy objects are skipped, not malformed
	run --separate-stderr "$MCLE" --store gs://bkt --legacy-locks off status --all
	assert_status 0
	[[ $output != *legacy* ]]
}
