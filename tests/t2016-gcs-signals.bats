#!/usr/bin/env bats
# Signals and stalls on gs://: SIGTERM (also to mcle as a container's PID 1)
# stops the run without leaving a write unsettled, wakes every wait, and
# exits 128 + 15; a stalled attempt is abandoned after --request-timeout and
# retried.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

# wait_for CMD...: poll until CMD succeeds (60 s at most).
wait_for() {
	local i
	for ((i = 0; i < 600; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

held() {
	[ "$(gcs_ctl GET /_control/held | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["held"])')" -ge 1 ]
}

at_least_gets() {
	[ "$(gcs_count GET 'locks%2Fteam-a$')" -ge "$1" ]
}

@test "a stalled attempt is abandoned after --request-timeout and retried" {
	gcs_ctl POST /_control/fault '{"method": "GET", "path": "locks%2Fteam-a$", "count": 1, "action": "hold"}' >/dev/null
	run --separate-stderr "$MCLE" --identity a --timeout 100 --request-timeout 2 acquire -n team-a
	# it succeeded while the first read is still held: that attempt was given up
	assert_status 0
	held
	gcs_ctl POST /_control/release >/dev/null
	wait_for at_least_gets 2
}

@test "SIGTERM during retries: the backoff is cut short, exit 143" {
	gcs_ctl POST /_control/fault '{"method": "GET", "path": "locks%2Fteam-a$", "count": 1000, "status": 503}' >/dev/null
	"$MCLE" --identity a --timeout 300 acquire -n team-a >"$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	wait_for at_least_gets 2
	start=$(date +%s)
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	# long before the 300 s the retries would have gone on for
	[ $(($(date +%s) - start)) -lt 60 ]
	[ "$(gcs_store_writes)" -eq 0 ]
}

@test "SIGTERM while a write is in flight: it settles first, then exit 143; nothing else starts" {
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload.*ifGenerationMatch=0", "count": 1, "action": "hold"}' >/dev/null
	"$MCLE" --no-cluster --identity a --timeout 300 --request-timeout 120 --parallel 1 \
		reconcile-all --namespaces team-a,team-b,team-c >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	wait_for held
	kill -TERM "$pid"
	# the write in flight is not abandoned: mcle waits for its answer
	sleep 1
	kill -0 "$pid"
	gcs_ctl POST /_control/release >/dev/null
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 143 ]
	# team-a was written and is held; team-b and team-c were never started
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = a ]
	[ "$(gcs_object locks/team-b 'o')" = ABSENT ]
	[ "$(gcs_object locks/team-c 'o')" = ABSENT ]
	grep -q "^mcle: interrupted by a signal: 2 of 3 namespaces not reconciled$" "$BATS_TEST_TMPDIR/err"
}

@test "as a container's PID 1, SIGTERM is not ignored" {
	command -v unshare >/dev/null || skip "no unshare"
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "cannot make a PID namespace here"
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload.*ifGenerationMatch=0", "count": 1, "action": "hold"}' >/dev/null
	unshare --pid --fork --mount-proc "$MCLE" --identity a --timeout 300 --request-timeout 120 \
		acquire -n team-a >"$BATS_TEST_TMPDIR/out" 2>&1 &
	outer=$!
	wait_for held
	inner=$(pgrep -P "$outer" -x mcle)
	[ -n "$inner" ]
	kill -TERM "$inner"
	gcs_ctl POST /_control/release >/dev/null
	rc=0
	wait "$outer" || rc=$?
	# PID 1 without handlers would ignore SIGTERM and exit 0 after the write
	[ "$rc" -eq 143 ]
}
