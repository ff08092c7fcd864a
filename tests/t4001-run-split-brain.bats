#!/usr/bin/env bats
# mcle run never lets its command outlive the lease: with mcle frozen
# (SIGSTOP) or killed, the watchdog stops the command before a rival that
# loops `acquire` can take the lease; a rival taking the lease over makes
# the next renewal stop it.  tests/run-overlap-check.py compares the
# command's activity (its heartbeats) with the rival's lease, and is shown
# to fail when the kill cannot reach the command.
#
# Leases of 10 s with --clock-skew 2 and --kill-grace 1: the command gets
# SIGTERM 3 s before the lease's expiry and SIGKILL 2 s before it, and a
# rival may take the lease 2 s after it: 4 s of margin for the scheduler.

bats_require_minimum_version 1.5.0
load helpers
load run-helpers

LEASE=10

setup() {
	common_setup
	export MCLE_IDENTITY=east MCLE_CLOCK_SKEW=2
	VICTIM="$BATS_TEST_TMPDIR/victim.log"
	RIVAL="$BATS_TEST_TMPDIR/rival.log"
}

teardown() {
	local p
	[ -z "${RUN_PID:-}" ] || kill -CONT "$RUN_PID" 2>/dev/null || true
	for p in ${RUN_PID:-}; do
		kill -KILL "$p" 2>/dev/null || true
	done
	kill_jobs "$VICTIM"
}

@test "the checker catches an overlap (it can fail)" {
	printf 'START a 100\nBEAT a 150\nBEAT a 200\n' >"$BATS_TEST_TMPDIR/a.log"
	printf 'START b 180\nEND b 300\n' >"$BATS_TEST_TMPDIR/b.log"
	run "$PYTHON3" "$CHECK" "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	assert_status 1
	assert_match '^OVERLAP: a \[100, 200\] still active 0.000020 s after b began at 180$'
	printf 'START b 201\nEND b 300\n' >"$BATS_TEST_TMPDIR/b.log"
	run "$PYTHON3" "$CHECK" "$BATS_TEST_TMPDIR/a.log" "$BATS_TEST_TMPDIR/b.log"
	assert_status 0
	assert_match '2 intervals, 0 overlaps'
	# one interval alone proves nothing
	run "$PYTHON3" "$CHECK" "$BATS_TEST_TMPDIR/a.log"
	assert_status 1
}

@test "mcle frozen (SIGSTOP): the command is dead before a rival's acquire succeeds" {
	run_bg --lease-duration "$LEASE" run -n job --kill-grace 1 -- "$JOB" "$VICTIM" victim --ignore-term
	freeze_until_taken "$VICTIM" "$RUN_PID" "$RIVAL" job "$LEASE"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 0
	# SIGTERM was ignored: SIGKILL did it; mcle, thawed, reports it
	run_bg_wait
	assert_status 122
	[[ $stderr == *"mcle: lease 'job' was not confirmed in time: no renewal succeeded before its expiry less --kill-grace and --clock-skew: the command was stopped" ]]
	[ "$(holder job)" = rival ]
}

@test "the kill disabled (the command escapes its process group): the checker fails" {
	run_bg --lease-duration "$LEASE" run -n job --kill-grace 1 -- "$JOB" "$VICTIM" victim --escape --seconds 60
	freeze_until_taken "$VICTIM" "$RUN_PID" "$RIVAL" job "$LEASE"
	# the escaped beats go on past the rival's start
	poll_until 60 "$PYTHON3" -c 'import sys; b = [int(l.split()[2]) for l in open(sys.argv[1])]; r = int(open(sys.argv[2]).read().split()[2]); sys.exit(max(b) <= r + 500000)' "$VICTIM" "$RIVAL"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 1
	assert_match '^OVERLAP: victim '
}

@test "mcle killed (SIGKILL): the watchdog keeps the deadline" {
	run_bg --lease-duration "$LEASE" run -n job --kill-grace 1 -- "$JOB" "$VICTIM" victim --ignore-term
	poll_until 60 started "$VICTIM"
	kill -KILL "$RUN_PID"
	rival_acquire "$RIVAL" rival job "$LEASE"
	run "$PYTHON3" "$CHECK" "$VICTIM" "$RIVAL"
	echo "$output" >&3
	assert_status 0
	# the watchdog said why, and is gone
	poll_until 30 grep -q 'mcle: warning: the lease was not confirmed in time and mcle is gone: stopping the command' "$BATS_TEST_TMPDIR/run.err"
	poll_until 30 no_watchdog
}

no_watchdog() {
	! pgrep -f -- "--lease-duration $LEASE run -n job" >/dev/null
}

@test "a rival takes the lease over: the next renewal stops the command" {
	# a long lease, renewed every 2 s: the watchdog's deadline is 48 s away
	run_bg --lease-duration 60 run -n job --renew-every 2 -- "$JOB" "$VICTIM" victim
	poll_until 60 started "$VICTIM"
	h=$(holder job)
	# an operator frees the run's lease and a rival takes it
	"$MCLE" --identity "$h" release -n job >/dev/null
	t0=$(now_us)
	"$MCLE" --identity rival acquire -n job >/dev/null
	poll_until 30 pid_gone "$RUN_PID"
	t1=$(now_us)
	run_bg_wait
	assert_status 122
	# (the renewal may have come between the release and the rival)
	[[ $stderr == *"mcle: lease 'job' is not held by '$h': "*": the command was stopped" ]]
	# long before the deadline: the renewal found it
	[ $((t1 - t0)) -lt 30000000 ]
	[ "$(holder job)" = rival ]
}
