#!/usr/bin/env bats
# mcle run on the file store: the command's status and environment, the
# arithmetic it refuses, exclusion per run, --wait, renewals that keep a
# long command alive, signals passed on to the whole group, orphans reaped
# (also as PID 1), and the release at the end.

bats_require_minimum_version 1.5.0
load helpers
load run-helpers

setup() {
	common_setup
	export MCLE_IDENTITY=east
}

teardown() {
	local p
	for p in ${PID1:-} ${RUN_PID:-}; do
		kill -KILL "$p" 2>/dev/null || true
	done
	kill_jobs "$BATS_TEST_TMPDIR"/*.log
}

@test "the command's exit status comes back unchanged, and the lease is released" {
	run "$MCLE" run -n job -- sh -c 'exit 7'
	assert_status 7
	[ -z "$output" ]
	run "$MCLE" run -n job -- true
	assert_status 0
	run "$MCLE" status -n job -o json
	[ "$(json_get 'j["holderIdentity"]')" = "" ]
	# each run is a new holder: the epoch counts them
	[ "$(json_get 'j["epoch"]')" = 2 ]
	# stdin, stdout and stderr are the command's
	run --separate-stderr "$MCLE" run -n job -- sh -c 'cat; echo to-stderr >&2' <<<"from stdin"
	assert_status 0
	[ "$output" = "from stdin" ]
	[ "$stderr" = "to-stderr" ]
}

@test "a command ended by a signal: 128 + the signal" {
	run "$MCLE" run -n job -- sh -c 'kill -KILL $$'
	assert_status 137
	run "$MCLE" run -n job -- sh -c 'kill -TERM $$'
	assert_status 143
	[ "$(holder job)" = "" ]
}

@test "the command's environment: namespace, the run's holder, epoch, expiry" {
	run "$MCLE" --lease-duration 90 run -n job -- sh -c 'env | grep ^MCLE_ | sort'
	assert_status 0
	assert_match '^MCLE_NAMESPACE=job$'
	assert_match '^MCLE_IDENTITY=east/run-[0-9a-f]{16}$'
	assert_match '^MCLE_EPOCH=1$'
	assert_match '^MCLE_LEASE_EXPIRES=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{6}Z$'
	# inside, MCLE_IDENTITY is the holder: mcle itself agrees, and the expiry
	# given is the lease's when the command started
	run "$MCLE" --lease-duration 90 run -n job -- sh -c \
		'"$MCLE" status -n job -o json && "$MCLE" status -n job --check >/dev/null && echo "$MCLE_LEASE_EXPIRES"'
	assert_status 0
	[ "$(printf '%s\n' "$output" | tail -n 1)" = "$(printf '%s\n' "$output" | sed '$d' | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["expireTime"])')" ]
	output=$(printf '%s\n' "$output" | sed '$d')
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(json_get 'j["epoch"]')" = 2 ]
	[[ "$(json_get 'j["holderIdentity"]')" =~ ^east/run-[0-9a-f]{16}$ ]]
	# a value of the caller's for these does not reach the command
	MCLE_EPOCH=99 MCLE_LEASE_EXPIRES=x run "$MCLE" run -n job -- sh -c 'env | grep -c "^MCLE_EPOCH="; echo "$MCLE_LEASE_EXPIRES"'
	assert_status 0
	[ "${lines[0]}" = 1 ]
	[ "${lines[1]}" != x ]
}

@test "a command that cannot be run: 127 if not found, 126 if not executable; released" {
	run -127 --separate-stderr "$MCLE" run -n job -- "$BATS_TEST_TMPDIR/no-such-command"
	assert_status 127
	[[ $stderr == "mcle: cannot run '$BATS_TEST_TMPDIR/no-such-command': No such file or directory" ]]
	: >"$BATS_TEST_TMPDIR/not-executable"
	chmod 0644 "$BATS_TEST_TMPDIR/not-executable"
	run --separate-stderr "$MCLE" run -n job -- "$BATS_TEST_TMPDIR/not-executable"
	assert_status 126
	assert_one_error_line
	run -127 --separate-stderr "$MCLE" run -n job -- no-such-command-in-path
	assert_status 127
	[ "$(holder job)" = "" ]
}

@test "usage: the command after --, and the arithmetic that lets the kill come in time" {
	run --separate-stderr "$MCLE" run -n job echo hi
	assert_status 2
	[[ $stderr == "mcle: unexpected argument 'echo': give the command after '--'"* ]]
	run --separate-stderr "$MCLE" run -n job --
	assert_status 2
	run --separate-stderr "$MCLE" --lease-duration 10 run -n job --kill-grace 8 -- true
	assert_status 2
	[[ $stderr == *"--kill-grace (8s) plus --clock-skew (2s) must be shorter than the lease (--lease-duration, 10s)"* ]]
	run --separate-stderr "$MCLE" --lease-duration 10 run -n job --kill-grace 1 --renew-every 7 -- true
	assert_status 2
	[[ $stderr == *"--renew-every (7s) must be shorter than the lease (--lease-duration, 10s) less --kill-grace (1s) and --clock-skew (2s)"* ]]
	# the defaults (a third of the lease, a quarter at most for the grace) too
	run --separate-stderr "$MCLE" --lease-duration 4 run -n job -- true
	assert_status 2
	[[ $stderr == *"--renew-every (1.333s) must be shorter"* ]]
	for bad in "--wait -1" "--wait 5x" "--renew-every 0" "--kill-grace 1y"; do
		run --separate-stderr "$MCLE" run -n job $bad -- true
		assert_status 2
		assert_one_error_line
	done
	run --separate-stderr "$MCLE" acquire -n job --renew-every 5
	assert_status 2
	# nothing was written
	[ -z "$(ls -A "$STORE_DIR")" ]
}

@test "held by another: exit 1 at once, and the command never runs" {
	"$MCLE" --identity west acquire -n job >/dev/null
	run --separate-stderr "$MCLE" run -n job -- touch "$BATS_TEST_TMPDIR/ran"
	assert_status 1
	[[ $stderr == "mcle: lease 'job' is held by 'west' until "* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "two runs with the same identity exclude each other; status shows the run's holder" {
	run_bg run -n job -- "$JOB" "$BATS_TEST_TMPDIR/first.log" first
	poll_until 60 started "$BATS_TEST_TMPDIR/first.log"
	run --separate-stderr "$MCLE" run -n job -- touch "$BATS_TEST_TMPDIR/ran"
	assert_status 1
	[[ $stderr == "mcle: lease 'job' is held by 'east/run-"*"' until "* ]]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# acquire --exclusive is a run of its own too
	run "$MCLE" acquire -n job --exclusive
	assert_status 1
	# the cluster identity is not the holder: it does not lead, nor renew
	run "$MCLE" status -n job --check
	assert_status 1
	run "$MCLE" renew -n job
	assert_status 3
	[[ "$(holder job)" =~ ^east/run-[0-9a-f]{16}$ ]]
	kill -TERM "$RUN_PID"
	run_bg_wait
	assert_status 143
}

@test "acquire --exclusive: a holder of its own, renewed and released by that name" {
	run "$MCLE" acquire -n job --exclusive -o json
	assert_status 0
	h=$(json_get 'j["holderIdentity"]')
	[[ $h =~ ^east/run-[0-9a-f]{16}$ ]]
	[ "$(json_get 'j["isLeader"]')" = true ]
	run "$MCLE" acquire -n job --exclusive
	assert_status 1
	run "$MCLE" acquire -n job
	assert_status 1
	run "$MCLE" --identity "$h" renew -n job
	assert_status 0
	run "$MCLE" --identity "$h" release -n job
	assert_status 0
	# an identity too long to take the suffix
	run --separate-stderr "$MCLE" --identity "$(printf 'x%.0s' {1..233})" acquire -n job --exclusive
	assert_status 2
	[[ $stderr == *"at most 232 characters"* ]]
}

@test "--wait: the command runs once the holder releases" {
	run_bg run -n job -- sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' "$BATS_TEST_TMPDIR/stop"
	poll_until 60 held job
	"$MCLE" run -n job --wait 120 -- touch "$BATS_TEST_TMPDIR/ran" &
	waiter=$!
	sleep 1
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	touch "$BATS_TEST_TMPDIR/stop"
	run_bg_wait
	assert_status 0
	st=0
	wait "$waiter" || st=$?
	[ "$st" -eq 0 ]
	[ -e "$BATS_TEST_TMPDIR/ran" ]
}

@test "--wait: exit 1 at its deadline, not before, when the holder keeps it" {
	"$MCLE" --identity west acquire -n job >/dev/null
	t0=$(now_us)
	run --separate-stderr "$MCLE" acquire -n job --wait 3
	t1=$(now_us)
	assert_status 1
	[[ $stderr == "mcle: lease 'job' is held by 'west' until "* ]]
	[ $((t1 - t0)) -ge 3000000 ]
	t0=$(now_us)
	run --separate-stderr "$MCLE" run -n job --wait 2 -- touch "$BATS_TEST_TMPDIR/ran"
	t1=$(now_us)
	assert_status 1
	[ $((t1 - t0)) -ge 2000000 ]
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	# reads only: the lock is as west wrote it
	run "$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["metageneration"])' "$STORE_DIR/job"
	[ "$output" = 1 ]
}

@test "--wait: a signal ends the wait at once" {
	"$MCLE" --identity west acquire -n job >/dev/null
	run_bg -v acquire -n job --wait 600
	poll_until 60 grep -q "waiting" "$BATS_TEST_TMPDIR/run.err"
	kill -TERM "$RUN_PID"
	poll_until 20 pid_gone "$RUN_PID"
	run_bg_wait
	assert_status 143
}

@test "a command longer than several leases is kept alive by renewals" {
	run "$MCLE" --lease-duration 6 --clock-skew 1 run -n job --kill-grace 1 --renew-every 2 -- \
		"$JOB" "$BATS_TEST_TMPDIR/job.log" long --seconds 20
	assert_status 0
	grep -q '^END long ' "$BATS_TEST_TMPDIR/job.log"
	# one term, renewed in place (the metageneration counts the writes)
	run "$PYTHON3" -c 'import json, sys; o = json.load(open(sys.argv[1])); print(o["metadata"]["leaseTransitions"], o["metageneration"])' "$STORE_DIR/job"
	set -- $output
	[ "$1" = 1 ]
	[ "$2" -ge 5 ]
}

@test "SIGTERM, SIGINT, SIGHUP to mcle stop the group, a shell's grandchild too, and release" {
	for sig in TERM INT HUP; do
		rm -f "$BATS_TEST_TMPDIR/gc"
		run_bg run -n job -- sh -c 'sleep 1000 & echo $! >"$0"; wait' "$BATS_TEST_TMPDIR/gc"
		poll_until 60 test -s "$BATS_TEST_TMPDIR/gc"
		gc=$(cat "$BATS_TEST_TMPDIR/gc")
		kill -"$sig" "$RUN_PID"
		run_bg_wait
		case $sig in TERM) assert_status 143 ;; INT) assert_status 130 ;; HUP) assert_status 129 ;; esac
		poll_until 30 pid_gone "$gc"
		[ "$(holder job)" = "" ]
	done
	RUN_PID=
}

@test "what the command leaves in its group is stopped before the release" {
	cat >"$BATS_TEST_TMPDIR/leave.sh" <<-'EOF'
	#!/bin/sh
	sh -c 'trap "" TERM; echo $$ >"$1"; exec sleep 1000' sh "$1" &
	while [ ! -s "$1" ]; do sleep 0.1; done
	exit 3
	EOF
	chmod +x "$BATS_TEST_TMPDIR/leave.sh"
	run "$MCLE" run -n job --kill-grace 1 -- "$BATS_TEST_TMPDIR/leave.sh" "$BATS_TEST_TMPDIR/left"
	assert_status 3
	pid_gone "$(cat "$BATS_TEST_TMPDIR/left")"
	[ "$(holder job)" = "" ]
}

@test "orphans handed to mcle are reaped" {
	# the subshell's child is orphaned; mcle (a child subreaper) gets it
	run "$MCLE" run -n job -- sh -c '(sleep 0.2 &); sleep 2; echo "zombies: $(ps -o stat= --ppid $PPID | grep -c ^Z)"'
	assert_status 0
	[ "$output" = "zombies: 0" ]
}

@test "as a container's PID 1: reaps orphans, takes SIGTERM, passes the status on" {
	unshare --pid --fork --mount-proc true 2>/dev/null || skip "no PID namespaces here"
	run unshare --pid --fork --mount-proc "$MCLE" run -n job -- sh -c \
		'(sleep 0.2 &); sleep 2; echo "parent $PPID, zombies $(ps -o stat= -e | grep -c ^Z)"; exit 5'
	assert_status 5
	[ "$output" = "parent 1, zombies 0" ]
	unshare --pid --fork --mount-proc "$MCLE" run -n job -- sleep 1000 &
	RUN_PID=$!
	poll_until 60 held job
	PID1=$(pgrep -P "$RUN_PID")
	kill -TERM "$PID1"
	poll_until 60 pid_gone "$RUN_PID"
	st=0
	wait "$RUN_PID" || st=$?
	RUN_PID=
	[ "$st" -eq 143 ]
	[ "$(holder job)" = "" ]
}

@test "reconcile-all as the same identity neither renews nor takes a run's lease" {
	run_bg run -n job -- "$JOB" "$BATS_TEST_TMPDIR/job.log" job
	poll_until 60 started "$BATS_TEST_TMPDIR/job.log"
	before=$(store_digest)
	run "$MCLE" reconcile-all --no-cluster --namespaces job -o json
	assert_status 0
	[ "$(json_get 'j[0]["isLeader"]')" = false ]
	[[ "$(json_get 'j[0]["holderIdentity"]')" =~ ^east/run- ]]
	[ "$(store_digest)" = "$before" ]
	kill -TERM "$RUN_PID"
	run_bg_wait
	assert_status 143
}
