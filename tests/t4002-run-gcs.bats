#!/usr/bin/env bats
# mcle run on gs:// against the GCS stand-in, with faults injected into the
# renewals (metadata PATCHes): failures for a while are tried again and
# the command lives on; failures for good, or a renewal that hangs, get the
# command stopped before a rival that loops `acquire` takes the lease; and
# the same with mcle frozen.  The stand-in's clock runs two minutes behind
# ours: expiry is judged by the store's clock, the kill by ours.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers
load run-helpers

LEASE=10

setup() {
	gcs_test_setup --clock-offset -120
	export MCLE_IDENTITY=east MCLE_CLOCK_SKEW=2
	VICTIM="$BATS_TEST_TMPDIR/victim.log"
	RIVAL="$BATS_TEST_TMPDIR/rival.log"
}

teardown() {
	[ -z "${RUN_PID:-}" ] || kill -CONT "$RUN_PID" 2>/dev/null || true
	[ -z "${RUN_PID:-}" ] || kill -KILL "$RUN_PID" 2>/dev/null || true
	kill_jobs "$VICTIM"
	gcs_release 2>/dev/null || true
	gcs_stop
}

fault() {
	gcs_ctl POST /_control/fault "$1" >/dev/null
}

# reads_more N: the stand-in has answered more than N reads of objects
reads_more() {
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o/')" -gt "$1" ]
}

# patch_answered STATUS: the stand-in has answered a PATCH with STATUS
patch_answered() {
	[ "$(gcs_log | jq -s --argjson s "$1" '[.[] | select(.method == "PATCH" and .status == $s)] | length')" -gt 0 ]
}

@test "gs://: the status comes back, renewals are PATCHes of one generation, released at the end" {
	run "$MCLE" --lease-duration 6 --clock-skew 1 run -n job --kill-grace 1 --renew-every 2 -- \
		"$JOB" "$VICTIM" job --seconds 7
	assert_status 0
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 1 ]
	# the renewals and the release: conditional metadata PATCHes
	[ "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+')" -ge 3 ]
	[ "$(gcs_count PATCH .)" -eq "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+')" ]
	[ "$(holder job)" = "" ]
	run "$MCLE" run -n job -- sh -c 'echo "$MCLE_EPOCH"; exit 9'
	assert_status 9
	[ "$output" = 2 ]
}

@test "gs://: mcle's connections do not reach the command; the caller's descriptors do" {
	run "$MCLE" run -n job -- sh -c 'for f in /proc/$$/fd/*; do echo "${f##*/} $(readlink "$f")"; done' 7<"$BATS_TEST_FILENAME"
	assert_status 0
	assert_no_match 'socket:'
	assert_match "^7 $BATS_TEST_FILENAME\$"
	# and it did talk to the store over one
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 1 ]
}

@test "gs://: renewals that fail for a while are tried again, and the command lives" {
	run_bg --lease-duration "$LEASE" --timeout 2 run -n job --kill-grace 1 --renew-every 2 -- \
		"$JOB" "$VICTIM" job --seconds 15
	poll_until 60 started "$VICTIM"
	fault '{"method": "PATCH", "count": 1000, "status": 503}'
	poll_until 60 grep -q "mcle: warning: lease 'job' not renewed" "$BATS_TEST_TMPDIR/run.err"
	gcs_ctl DELETE /_control/fault >/dev/null
	run_bg_wait
	assert_status 0
	grep -q '^END job ' "$VICTIM"
	[[ $stderr == *"trying again in "*", the command is stopped in "*" unless a renewal succeeds"* ]]
	[ "$(gcs_count PATCH .)" -gt 0 ]
	patch_answered 503
}

@test "gs://: renewals that fail for good: the command is dead before a rival's acquire succeeds" {
	run_bg --lease-duration "$LEASE" --timeout 3 run -n job --kill-grace 1 -- "$JOB" "$VICTIM" victim --ignore-term
	poll_until 60 started "$VICTIM"
	fault '{"method": "PATCH", "count": 100000, "status": 503}'
	rival_acquire "$RIVAL" rival job "$LEASE"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 0
	run_bg_wait
	assert_status 122
	[[ $stderr == *"mcle: lease 'job' was not confirmed in time"* ]]
}

@test "gs://: a renewal that hangs: the command is dead before a rival's acquire succeeds" {
	run_bg --lease-duration "$LEASE" run -n job --kill-grace 1 -- "$JOB" "$VICTIM" victim --ignore-term
	poll_until 60 started "$VICTIM"
	fault '{"method": "PATCH", "count": 1, "action": "hold"}'
	gcs_wait_held 1
	rival_acquire "$RIVAL" rival job "$LEASE"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 0
	gcs_release
	run_bg_wait
	assert_status 122
}

@test "gs://: mcle frozen after a renewal whose answer was lost: dead before the rival's acquire" {
	fault '{"method": "PATCH", "count": 1, "action": "commit-drop"}'
	run_bg --lease-duration "$LEASE" run -n job --kill-grace 1 --renew-every 2 -- "$JOB" "$VICTIM" victim --ignore-term
	# the first renewal committed, lost its answer, and was settled by reading back
	poll_until 60 patch_answered 412
	freeze_until_taken "$VICTIM" "$RUN_PID" "$RIVAL" job "$LEASE"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 0
	run_bg_wait
	assert_status 122
}

@test "gs://: --wait only reads while another holds, at most about once a second; runs once released" {
	"$MCLE" --identity west --lease-duration 600 acquire -n job >/dev/null
	gcs_ctl DELETE /_control/log >/dev/null
	t0=$(now_us)
	run --separate-stderr "$MCLE" run -n job --wait 6 -- touch "$BATS_TEST_TMPDIR/ran"
	t1=$(now_us)
	assert_status 1
	[[ $stderr == "mcle: lease 'job' is held by 'west' until "* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# no write, and it looked more than once, no more often than once a second
	[ "$(gcs_store_writes)" -eq 0 ]
	reads=$(gcs_count GET '^/storage/v1/b/bkt/o/')
	secs=$(((t1 - t0) / 1000000 + 1))
	echo "reads $reads in ${secs}s" >&3
	[ "$reads" -ge 2 ]
	[ "$reads" -le $((2 * secs)) ]
	# the holder releases: the waiting run takes the lease and runs its command
	run_bg run -n job --wait 120 -- touch "$BATS_TEST_TMPDIR/ran"
	poll_until 60 reads_more "$reads"
	"$MCLE" --identity west release -n job >/dev/null
	run_bg_wait
	assert_status 0
	[ -e "$BATS_TEST_TMPDIR/ran" ]
	[ "$(holder job)" = "" ]
}
