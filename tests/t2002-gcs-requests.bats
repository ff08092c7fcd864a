#!/usr/bin/env bats
# Request counts against the GCS stand-in's log: the physical minimum.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
	# mcle's own protocol: the legacy locks' one GET or root listing are
	# counted in t6000-gcs-legacy-locks.bats
	export MCLE_LEGACY_LOCKS=off
}

teardown() {
	gcs_stop
}

# seed N HOLDER: N live leases locks/ns-00001... held by HOLDER, written
# straight to the stand-in (parallel uploads, a fresh connection each).
seed() {
	"$PYTHON3" - "$GCS_URL" "$1" "$2" <<'EOF'
import concurrent.futures, json, sys, urllib.request
base, n, holder = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def put(i):
    res = json.dumps({"name": "locks/ns-%05d" % i, "metadata": {
        "mcleFormat": "1", "holderIdentity": holder,
        "leaseTransitions": "1", "leaseDurationSeconds": "600"}})
    body = ("--b\r\nContent-Type: application/json\r\n\r\n%s\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n" % res).encode()
    req = urllib.request.Request(
        base + "/upload/storage/v1/b/bkt/o?uploadType=multipart&ifGenerationMatch=0",
        data=body, headers={"Content-Type": "multipart/related; boundary=b",
                            "Connection": "close"})
    urllib.request.urlopen(req, timeout=30).read()
with concurrent.futures.ThreadPoolExecutor(8) as ex:
    list(ex.map(put, range(1, n + 1)))
EOF
}

# requests: the log since the last clear as "METHOD path?query status" lines
# (partial-response parameters left out: the next test checks them).
requests() {
	gcs_requests
}

# The partial-response parameters of every logged storage request.
partial_params() {
	gcs_log | "$PYTHON3" -c '
import json, sys, urllib.parse
for line in sys.stdin:
    e = json.loads(line)
    q = urllib.parse.parse_qs(e["query"])
    print(e["method"], e["path"].split("/")[1], q.get("projection", ["-"])[0], q.get("fields", ["-"])[0])'
}

@test "every read, write and list asks only for the fields mcle reads (projection=noAcl)" {
	run "$MCLE" --identity a acquire -n team-a
	assert_status 0
	run "$MCLE" --identity a renew -n team-a
	assert_status 0
	run "$MCLE" --identity a status --all
	assert_status 0
	run partial_params
	obj="name,bucket,generation,metageneration,updated,timeCreated,metadata"
	[ "${#lines[@]}" -eq 7 ]
	[ "${lines[0]}" = "GET storage noAcl $obj" ]		# the read before the create
	[ "${lines[1]}" = "GET storage noAcl $obj" ]		# the epoch floor's
	[ "${lines[2]}" = "POST upload noAcl $obj" ]		# the create
	[ "${lines[3]}" = "GET storage noAcl $obj" ]		# the floor again
	[ "${lines[4]}" = "GET storage noAcl $obj" ]		# the read before the renewal
	[ "${lines[5]}" = "PATCH storage noAcl $obj" ]		# the renewal
	[ "${lines[6]}" = "GET storage noAcl nextPageToken,prefixes,items($obj)" ]
}

@test "acquire of a free lease: one read, the epoch floor's, one create with ifGenerationMatch=0, the floor again" {
	run "$MCLE" --identity a acquire -n team-a
	assert_status 0
	run requests
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == "GET /storage/v1/b/bkt/o/locks%2Fteam-a 404" ]]
	[[ ${lines[1]} == "GET /storage/v1/b/bkt/o/locks%2F.mcle-epoch-floor 404" ]]
	[[ ${lines[2]} == "POST /upload/storage/v1/b/bkt/o?uploadType=multipart&ifGenerationMatch=0 200" ]]
	[[ ${lines[3]} == "GET /storage/v1/b/bkt/o/locks%2F.mcle-epoch-floor 404" ]]
}

@test "renew: one read, one metadata PATCH with both preconditions" {
	"$MCLE" --identity a acquire -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"]')
	gcs_ctl DELETE /_control/log
	run "$MCLE" --identity a renew -n team-a
	assert_status 0
	run requests
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "GET /storage/v1/b/bkt/o/locks%2Fteam-a 200" ]]
	[[ ${lines[1]} == "PATCH /storage/v1/b/bkt/o/locks%2Fteam-a?ifGenerationMatch=$gen&ifMetagenerationMatch=1 200" ]]
}

@test "release: one read, one PATCH; status -n: one read" {
	"$MCLE" --identity a acquire -n team-a >/dev/null
	gcs_ctl DELETE /_control/log
	run "$MCLE" --identity a release -n team-a
	assert_status 0
	[ "$(gcs_count GET '/o/locks%2Fteam-a$')" = 1 ]
	[ "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=1$')" = 1 ]
	[ "$(gcs_count '*' .)" = 2 ]
	gcs_ctl DELETE /_control/log
	run "$MCLE" --identity a status -n team-a
	assert_status 0
	[ "$(gcs_count '*' .)" = 1 ]
}

@test "takeover of an expired lease: one read, one upload on generation and metageneration" {
	"$MCLE" --identity a --lease-duration 30 acquire -n team-a >/dev/null
	"$MCLE" --identity a --lease-duration 30 renew -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"]')
	gcs_ctl POST /_control/clock '{"offset": 60}' >/dev/null
	gcs_ctl DELETE /_control/log
	run "$MCLE" --identity b acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 2 ]
	run requests
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == "POST /upload/storage/v1/b/bkt/o?uploadType=multipart&ifGenerationMatch=$gen&ifMetagenerationMatch=2 200" ]]
}

@test "listing 2,500 leases takes 3 requests (status --all and a standby's reconcile-all)" {
	seed 2500 cluster-a
	gcs_ctl DELETE /_control/log
	run --separate-stderr "$MCLE" --identity cluster-b status --all -o json
	assert_status 0
	[ "$(json_get 'len(j)')" = 2500 ]
	[ "$(json_get 'sum(e["holderIdentity"] == "cluster-a" for e in j)')" = 2500 ]
	run requests
	[ "${#lines[@]}" -eq 3 ]
	for l in "${lines[@]}"; do
		[[ $l == "GET /storage/v1/b/bkt/o?prefix=locks%2F&delimiter=%2F&maxResults=1000"*" 200" ]]
	done
	[[ ${lines[1]} == *"&pageToken="* ]] && [[ ${lines[2]} == *"&pageToken="* ]]

	# a standby cluster's pass over all of them: the same 3 requests, no write
	seq -f 'ns-%05g' 1 2500 >"$BATS_TEST_TMPDIR/namespaces"
	gcs_ctl DELETE /_control/log
	run --separate-stderr "$MCLE" --identity cluster-b reconcile-all \
		--namespaces-file "$BATS_TEST_TMPDIR/namespaces" -o json
	assert_status 0
	[ "$(json_get 'sum(not e["isLeader"] for e in j)')" = 2500 ]
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o\?')" = 3 ]
	[ "$(gcs_count '*' .)" = 3 ]
}

@test "the holder's reconcile-all: one listing and one PATCH per namespace" {
	"$MCLE" --identity a reconcile-all --namespaces ns-1,ns-2,ns-3,ns-4,ns-5 >/dev/null
	gcs_ctl DELETE /_control/log
	run --separate-stderr "$MCLE" --identity a reconcile-all --namespaces ns-1,ns-2,ns-3,ns-4,ns-5
	assert_status 0
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o\?')" = 1 ]
	[ "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=1$')" = 5 ]
	[ "$(gcs_count '*' .)" = 6 ]
}
