# Helpers for the tests of reconcile-all --interval (tests/t5*.bats).
# Source with `load loop-helpers` after helpers.
#
#   loop_bg ARGS...        "$MCLE" ARGS in the background: LOOP_PID; stdout
#                          and stderr to $BATS_TEST_TMPDIR/loop.out, loop.err
#   loop_stop [SIGNAL]     send SIGNAL (default TERM), wait: $status, $output
#                          (stdout) and $stderr
#   loop_wait_passes N     until the loop has printed N pass summaries
#                          (120 s, then fail)
#   loop_passes            the summaries printed so far
#   loop_pass_ended        a first pass printed its summary or failed whole
#   loop_port              the port --listen 127.0.0.1:0 bound (from the log)
#   loop_get PATH          GET PATH from it: the body, then the status on
#                          a last line
#   wait_for CMD...        until CMD succeeds (120 s, then fail)
#   loop_metric_matches RE a line of /metrics matches RE

loop_bg() {
	"$MCLE" "$@" >"$BATS_TEST_TMPDIR/loop.out" 2>"$BATS_TEST_TMPDIR/loop.err" 3>&- &
	LOOP_PID=$!
}

# shellcheck disable=SC2034 # bats' $status, $output, $stderr
loop_stop() {
	kill -"${1:-TERM}" "$LOOP_PID" 2>/dev/null || true
	status=0
	wait "$LOOP_PID" || status=$?
	output=$(<"$BATS_TEST_TMPDIR/loop.out")
	stderr=$(<"$BATS_TEST_TMPDIR/loop.err")
}

loop_passes() {
	grep -c '^[0-9]* namespaces\?: ' "$BATS_TEST_TMPDIR/loop.out" || true
}

wait_for() {
	local n
	for ((n = 0; n < 2400; n++)); do
		"$@" && return 0
		if [ -n "${LOOP_PID-}" ] && ! kill -0 "$LOOP_PID" 2>/dev/null; then
			echo "the loop exited:" >&2
			cat "$BATS_TEST_TMPDIR/loop.err" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

loop_has_passes() {
	[ "$(loop_passes)" -ge "$1" ]
}

# loop_pass_ended: a pass printed its summary or failed as a whole
loop_pass_ended() {
	loop_has_passes 1 || grep -q '^mcle: pass failed: ' "$BATS_TEST_TMPDIR/loop.err"
}

loop_wait_passes() {
	wait_for loop_has_passes "$1"
}

loop_listening() {
	grep -q ' on 127\.0\.0\.1:[0-9]*' "$BATS_TEST_TMPDIR/loop.err"
}

loop_port() {
	wait_for loop_listening || return 1
	sed -n 's/.* on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$BATS_TEST_TMPDIR/loop.err" | head -1
}

loop_get() {
	curl -sS --max-time 10 -w '\n%{http_code}\n' "http://127.0.0.1:$LOOP_PORT$1"
}

# loop_status_is PATH CODE: GET PATH answers CODE
loop_status_is() {
	[ "$(loop_get "$1" | tail -1)" = "$2" ]
}

# loop_metric_matches REGEX: a line of /metrics matches the extended REGEX
loop_metric_matches() {
	loop_get /metrics | grep -Eq "$1"
}
