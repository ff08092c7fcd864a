#!/usr/bin/env bats
# Every fault class of the GCS stand-in: retries, deadlines, distinct errors,
# and the ambiguous outcome (the write committed, the answer was lost).

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

# fault JSON: queue a fault.
fault() {
	gcs_ctl POST /_control/fault "$1" >/dev/null
}

holder() {
	gcs_object locks/team-a 'o["metadata"]["holderIdentity"]'
}

now_ms() {
	date +%s%3N
}

@test "503 twice on the read: retried, acquire succeeds" {
	fault '{"method": "GET", "path": "locks%2Fteam-a$", "count": 2, "status": 503}'
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	[ "$(gcs_count GET 'locks%2Fteam-a$')" = 3 ]
	[ "$(holder)" = a ]
}

@test "408 and 500 on the create are retried (it carries ifGenerationMatch=0)" {
	fault '{"method": "POST", "path": "upload", "count": 1, "status": 408}'
	fault '{"method": "POST", "path": "upload", "count": 1, "status": 500}'
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" = 3 ]
	[ "$(holder)" = a ]
}

@test "503 on every request: exit 4 by the deadline" {
	fault '{"count": 1000, "status": 503}'
	t0=$(now_ms)
	run --separate-stderr "$MCLE" --identity a --timeout 3 acquire -n team-a
	t1=$(now_ms)
	assert_status 4
	[[ $stderr == "mcle: cannot read lock 'team-a': server error (503) after "*" tries: Backend Error" ]]
	# no hang (one try may wait 30 s); the deadline itself: the test below
	(( t1 - t0 < 20000 ))
	n=$(gcs_count GET .)
	(( n >= 2 && n <= 10 ))
}

@test "429 once on the renew: retried after at least a second" {
	"$MCLE" --identity a acquire -n team-a >/dev/null
	fault '{"method": "PATCH", "count": 1, "status": 429}'
	t0=$(now_ms)
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	t1=$(now_ms)
	assert_status 0
	(( t1 - t0 >= 1000 ))
	[ "$(gcs_count PATCH .)" = 2 ]
}

@test "429 on every write: exit 4, rate limited" {
	"$MCLE" --identity a acquire -n team-a >/dev/null
	fault '{"method": "PATCH", "count": 1000, "status": 429}'
	run --separate-stderr "$MCLE" --identity a --timeout 4 renew -n team-a
	assert_status 4
	[[ $stderr == "mcle: cannot update lock 'team-a': rate limited (429) after "*" tries: Rate Limit Exceeded" ]]
	n=$(gcs_count PATCH .)
	(( n >= 2 && n <= 5 ))
}

@test "connection reset twice on the create: retried, acquire succeeds" {
	fault '{"method": "POST", "path": "upload", "count": 2, "action": "reset"}'
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	[ "$(holder)" = a ]
}

@test "a reply delayed past --timeout: exit 4 on time" {
	# held for 120 s: without the deadline a try would wait 30 s
	fault '{"method": "GET", "count": 1, "action": "hold"}'
	t0=$(now_ms)
	run --separate-stderr "$MCLE" --identity a --timeout 2 acquire -n team-a
	t1=$(now_ms)
	assert_status 4
	[[ $stderr == *"cannot read lock 'team-a': request to '127.0.0.1:$GCS_PORT' timed out"* ]]
	(( t1 - t0 >= 1900 && t1 - t0 < 20000 ))
	[ "$(gcs_count POST .)" = 0 ]
}

@test "no server: exit 4" {
	gcs_stop
	run --separate-stderr "$MCLE" --identity a --timeout 2 acquire -n team-a
	assert_status 4
	[[ $stderr == *"request to '127.0.0.1:$GCS_PORT' failed"* ]]
}

@test "401 and 403 are not retried: exit 5, credentials and permission" {
	fault '{"method": "GET", "count": 1, "status": 401, "message": "Invalid Credentials"}'
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: cannot read lock 'team-a': credentials rejected (401): Invalid Credentials" ]
	fault '{"method": "GET", "count": 1, "status": 403}'
	run --separate-stderr "$MCLE" --identity a status --all
	assert_status 5
	[[ $stderr == "mcle: cannot list locks in 'gs://bkt/locks': permission denied (403)"* ]]
	[ "$(gcs_count '*' .)" = 2 ]
}

@test "commit-drop on the create: acquire reports success, never busy" {
	fault '{"method": "POST", "path": "ifGenerationMatch=0", "count": 1, "action": "commit-drop"}'
	run --separate-stderr "$MCLE" --identity a acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
	[ "$(holder)" = a ]
	# the retry met its own write: 412, settled by reading back
	[ "$(gcs_count POST .)" = 2 ]
	gcs_log | grep -q '"method": "POST".*"status": 412'
}

@test "commit-drop on the renew and on the release: both succeed" {
	"$MCLE" --identity a acquire -n team-a >/dev/null
	fault '{"method": "PATCH", "count": 1, "action": "commit-drop"}'
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	assert_status 0
	[ "$(gcs_count PATCH .)" = 2 ]
	fault '{"method": "PATCH", "count": 1, "action": "commit-drop"}'
	run --separate-stderr "$MCLE" --identity a release -n team-a
	assert_status 0
	[ "$(holder)" = "" ]
}

@test "commit-drop on a takeover: the new holder reports success" {
	"$MCLE" --identity a --lease-duration 5 acquire -n team-a >/dev/null
	gcs_ctl POST /_control/clock '{"offset": 30}' >/dev/null
	fault '{"method": "POST", "path": "ifMetagenerationMatch=1", "count": 1, "action": "commit-drop"}'
	run --separate-stderr "$MCLE" --identity b acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 2 ]
	[ "$(holder)" = b ]
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	assert_status 3
}

@test "a failing page in the middle of a listing is retried" {
	export MCLE_LEGACY_LOCKS=off	# count the prefix's pages only
	gcs_stop
	gcs_start --bucket bkt --max-results-cap 2
	run "$MCLE" --identity a reconcile-all --namespaces ns-1,ns-2,ns-3,ns-4,ns-5
	assert_status 0
	fault '{"method": "GET", "path": "pageToken=", "count": 1, "status": 502}'
	gcs_ctl DELETE /_control/log
	run --separate-stderr "$MCLE" --identity a status --all -o json
	assert_status 0
	[ "$(json_get '[e["namespace"] for e in j]')" = '["ns-1", "ns-2", "ns-3", "ns-4", "ns-5"]' ]
	[ "$(gcs_count GET .)" = 4 ]
}
