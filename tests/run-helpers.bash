# Helpers for the bats tests of `mcle run` (t4xxx).  Source with
# `load run-helpers` after `load helpers`.
#
#   JOB                  tests/run-job.sh: a command that logs its activity
#   CHECK                tests/run-overlap-check.py: fails on an overlap
#   now_us               this host's clock, microseconds since the epoch
#   poll_until SECS CMD...   run CMD every 0.1 s until it succeeds; fail
#                        after SECS seconds
#   started LOG          LOG has a START line (the command runs)
#   pid_gone PID         no process PID (a zombie counts as gone)
#   run_bg ARGS...       "$MCLE" ARGS in the background: RUN_PID; stdout and
#                        stderr to $BATS_TEST_TMPDIR/run.out, run.err
#   run_bg_wait          wait for it (120 s, then SIGKILL it and fail):
#                        $status, $output (stdout), $stderr
#   holder NS            the lock's holderIdentity ("" when free)
#   held NS              someone holds it
#   rival_acquire LOG ID NS LEASE [ARGS...]
#                        `mcle acquire` as ID every 0.1 s until it succeeds
#                        (120 s at most); logs "START ID T" with the time the
#                        winning try began and "END ID T+LEASE" to LOG
#   kill_jobs LOG...     SIGKILL the process group of each run-job.sh that
#                        logged its pid to LOG (teardown)
#   freeze_until_taken LOG VICTIM_PID RIVAL_LOG NS LEASE [ARGS...]
#                        wait until LOG shows the command running, SIGSTOP
#                        VICTIM_PID (mcle), rival_acquire as "rival", then
#                        SIGCONT it

RUN_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JOB="$RUN_HELPERS_DIR/run-job.sh"
CHECK="$RUN_HELPERS_DIR/run-overlap-check.py"

now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

poll_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "poll_until: '$*' still false after $secs s" >&2
	return 1
}

started() {
	[ -f "$1" ] && grep -q '^START ' "$1"
}

pid_gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	[[ $st == Z* ]]
}

run_bg() {
	"$MCLE" "$@" >"$BATS_TEST_TMPDIR/run.out" 2>"$BATS_TEST_TMPDIR/run.err" 3>&- &
	RUN_PID=$!
}

run_bg_wait() {
	local rc=0
	if ! poll_until 120 pid_gone "$RUN_PID"; then
		kill -KILL "$RUN_PID"
		rc=1
	fi
	status=0
	wait "$RUN_PID" || status=$?
	output=$(cat "$BATS_TEST_TMPDIR/run.out")
	stderr=$(cat "$BATS_TEST_TMPDIR/run.err")
	return "$rc"
}

holder() {
	"$MCLE" status -n "$1" -o json | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["holderIdentity"])'
}

held() {
	[ -n "$(holder "$1")" ]
}

rival_acquire() {
	local log=$1 id=$2 ns=$3 lease=$4 t0 i
	shift 4
	for ((i = 0; i < 1200; i++)); do
		t0=$(now_us)
		if "$MCLE" --identity "$id" --lease-duration "$lease" "$@" acquire -n "$ns" \
			>/dev/null 2>>"$log.err"; then
			printf 'START %s %s\nEND %s %s\n' "$id" "$t0" "$id" $((t0 + lease * 1000000)) >>"$log"
			return 0
		fi
		sleep 0.1
	done
	echo "rival_acquire: no lease for $id in 120 s" >&2
	return 1
}

kill_jobs() {
	local log p
	for log in "$@"; do
		[ -f "$log" ] || continue
		for p in $(awk '$1 == "PID" { print $3 }' "$log") $(cat "$log.escaped" 2>/dev/null); do
			kill -KILL -- "-$p" "$p" 2>/dev/null || true
		done
	done
}

freeze_until_taken() {
	local log=$1 victim=$2 rlog=$3 ns=$4 lease=$5
	shift 5
	poll_until 60 started "$log" || return 1
	kill -STOP "$victim"
	rival_acquire "$rlog" rival "$ns" "$lease" "$@" || { kill -CONT "$victim"; return 1; }
	kill -CONT "$victim"
}
