#!/usr/bin/env bats
# Every command against the GCS stand-in, and what lands in the bucket.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

# put_object NAME METADATA_JSON: write an object behind mcle's back.
put_object() {
	"$PYTHON3" - "$GCS_URL" "$1" "$2" <<'EOF'
import json, sys, urllib.request
base, name, meta = sys.argv[1:]
res = json.dumps({"name": name, "metadata": json.loads(meta)})
body = ("--b\r\nContent-Type: application/json\r\n\r\n%s\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n" % res).encode()
req = urllib.request.Request(base + "/upload/storage/v1/b/bkt/o?uploadType=multipart",
    data=body, headers={"Content-Type": "multipart/related; boundary=b"})
urllib.request.urlopen(req).read()
EOF
}

@test "acquire creates the lock object: record in metadata, no-store, text body" {
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = cluster-a ]
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
	[ "$(json_get 'j["leaseDurationSeconds"]')" = 60 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 1 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseDurationSeconds"]')" = 60 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["mcleFormat"]')" = 1 ]
	[ "$(gcs_object locks/team-a 'o["fields"]["cacheControl"]')" = no-store ]
	[ "$(gcs_object locks/team-a 'o["fields"]["contentType"]')" = text/plain ]
	[ "$(gcs_object locks/team-a 'o["data"]')" = "mcle lease lock; the state is in the object metadata" ]
	[ "$(gcs_object locks/team-a 'o["metageneration"]')" = 1 ]
}

@test "acquire by another identity: exit 1, object untouched" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"], o["metageneration"]')
	run --separate-stderr "$MCLE" --identity cluster-b acquire -n team-a
	assert_status 1
	[[ $stderr == *"held by 'cluster-a'"* ]]
	[ "$(gcs_object locks/team-a 'o["generation"], o["metageneration"]')" = "$gen" ]
}

@test "acquire again by the holder renews in place" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"]')
	run "$MCLE" --identity cluster-a acquire -n team-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metageneration"]')" = 2 ]
}

@test "renew keeps the generation, bumps metageneration and renewTime" {
	"$MCLE" --identity cluster-a acquire -n team-a -o json >"$BATS_TEST_TMPDIR/a.json"
	gen=$(gcs_object locks/team-a 'o["generation"]')
	sleep 0.01
	run --separate-stderr "$MCLE" --identity cluster-a renew -n team-a -o json
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metageneration"]')" = 2 ]
	[ "$(json_get 'j["acquireTime"]')" = "$(jq -r .acquireTime "$BATS_TEST_TMPDIR/a.json")" ]
	[[ "$(json_get 'j["renewTime"]')" > "$(jq -r .renewTime "$BATS_TEST_TMPDIR/a.json")" ]]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
}

@test "renew or release by a non-holder: exit 3, nothing written" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	state=$(gcs_object locks/team-a 'o["generation"], o["metageneration"]')
	run --separate-stderr "$MCLE" --identity cluster-b renew -n team-a
	assert_status 3
	run --separate-stderr "$MCLE" --identity cluster-b release -n team-a
	assert_status 3
	[ "$(gcs_object locks/team-a 'o["generation"], o["metageneration"]')" = "$state" ]
	run --separate-stderr "$MCLE" --identity cluster-b renew -n nobody-here
	assert_status 3
	[ "$(gcs_object locks/nobody-here 'o')" = ABSENT ]
}

@test "release empties the holder and keeps the epoch; the next acquire is a new term" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"]')
	run "$MCLE" --identity cluster-a release -n team-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = "" ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 1 ]
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	run --separate-stderr "$MCLE" --identity cluster-b acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 2 ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = cluster-b ]
	[ "$(gcs_object locks/team-a 'o["generation"]')" != "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metageneration"]')" = 1 ]
}

@test "status -n and status --all read the bucket; foreign objects are skipped" {
	"$MCLE" --identity cluster-a acquire -n team-a >/dev/null
	"$MCLE" --identity cluster-b acquire -n team-b >/dev/null
	put_object locks/Not_A_Namespace '{}'
	put_object locks/sub/team-c '{}'
	put_object other/team-d '{}'
	put_object locks-x '{}'
	run --separate-stderr "$MCLE" --identity cluster-a status -n team-b -o json
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = cluster-b ]
	[ "$(json_get 'j["isLeader"]')" = false ]
	run --separate-stderr "$MCLE" --identity cluster-a status --all -o json
	assert_status 0
	[ "$(json_get '[e["namespace"] for e in j]')" = '["team-a", "team-b"]' ]
	[ "$(json_get '[e["isLeader"] for e in j]')" = '[true, false]' ]
	run --separate-stderr "$MCLE" --identity cluster-a status -n team-z -o json
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = "" ]
	[ "$(json_get 'j["leaseTransitions"]')" = 0 ]
}

@test "a store without a prefix keeps objects at the top of the bucket" {
	run "$MCLE" --store gs://bkt --identity cluster-a acquire -n team-a
	assert_status 0
	[ "$(gcs_object team-a 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	put_object locks/team-b '{}'
	run --separate-stderr "$MCLE" --store gs://bkt/ --identity cluster-a status --all -o json
	assert_status 0
	[ "$(json_get '[e["namespace"] for e in j]')" = '["team-a"]' ]
}

@test "object names are percent-encoded (prefix with space, plus and slashes)" {
	export MCLE_STORE='gs://bkt/my locks/a+b/'
	run --separate-stderr "$MCLE" --identity cluster-a acquire -n team-a
	assert_status 0
	[ "$(gcs_object 'my locks/a+b/team-a' 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	gcs_count '*' '^/storage/v1/b/bkt/o/my%20locks%2Fa%2Bb%2Fteam-a$' >"$BATS_TEST_TMPDIR/n"
	[ "$(cat "$BATS_TEST_TMPDIR/n")" = 1 ]
	run --separate-stderr "$MCLE" --identity cluster-a renew -n team-a
	assert_status 0
	run --separate-stderr "$MCLE" --identity cluster-a status --all -o json
	assert_status 0
	[ "$(json_get '[e["namespace"] for e in j]')" = '["team-a"]' ]
}

@test "reconcile-all: one listing, the holder renews, a standby only observes" {
	export MCLE_LEGACY_LOCKS=off	# the root's listing: t6000
	run --separate-stderr "$MCLE" --identity cluster-a reconcile-all --namespaces ns-1,ns-2,ns-3
	assert_status 0
	for n in ns-1 ns-2 ns-3; do
		[ "$(gcs_object locks/$n 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	done
	gcs_ctl DELETE /_control/log
	run --separate-stderr "$MCLE" --identity cluster-b reconcile-all --namespaces ns-1,ns-2,ns-3 -o json
	assert_status 0
	[ "$(json_get '[e["isLeader"] for e in j]')" = '[false, false, false]' ]
	[ "$(gcs_count '*' .)" = 1 ]
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o\?.*prefix=locks%2F')" = 1 ]
}

@test "invalid gs:// URLs are usage errors" {
	for url in gs://b gs://Bucket/x gs://-bkt gs://bkt//x 'gs://bkt/a?b' gs://; do
		run --separate-stderr "$MCLE" --store "$url" --identity a acquire -n team-a
		assert_status 2
		[[ $stderr == *"invalid store"* ]]
	done
	[ "$(gcs_count '*' .)" = 0 ]
}

@test "a missing bucket: exit 5 naming the bucket" {
	run --separate-stderr "$MCLE" --store gs://no-such-bucket/x --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: bucket 'no-such-bucket' does not exist" ]
	run --separate-stderr "$MCLE" --store gs://no-such-bucket/x status --all
	assert_status 5
	[ "$stderr" = "mcle: bucket 'no-such-bucket' does not exist" ]
}

@test "a malformed lock is reported and never overwritten" {
	put_object locks/team-a '{"mcleFormat": "1", "holderIdentity": "a b", "leaseTransitions": "1", "leaseDurationSeconds": "60"}'
	put_object locks/team-b '{"mcleFormat": "1", "holderIdentity": "x", "leaseTransitions": "-4", "leaseDurationSeconds": "60"}'
	put_object locks/team-c '{}'
	gen=$(gcs_object locks/team-a 'o["generation"]')
	for ns in team-a team-b team-c; do
		run --separate-stderr "$MCLE" --identity cluster-a acquire -n $ns
		assert_status 5
		[[ $stderr == *"malformed lock '$ns'"* ]]
		run --separate-stderr "$MCLE" --identity cluster-a status -n $ns
		assert_status 5
	done
	[ "$(gcs_object locks/team-a 'o["generation"] + " " + o["metageneration"]')" = "$gen 1" ]
	[ "$(gcs_count PATCH .)" = 0 ]
}
