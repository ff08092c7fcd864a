#!/usr/bin/env bats
# reconcile-all --interval on a file:// store: passes in one process until
# a signal, the summary each pass, --release-on-exit, the metrics (file,
# /metrics, promtool), the probes, the logs (json, -q, the lapse warning).

bats_require_minimum_version 1.5.0
load helpers
load loop-helpers

setup() {
	common_setup
	export MCLE_IDENTITY=cluster-a
}

teardown() {
	[ -z "${LOOP_PID-}" ] || kill -KILL "$LOOP_PID" 2>/dev/null || true
}

metric() {
	# metric FILE 'NAME{LABELS}': the value
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

@test "passes repeat in one process until SIGTERM, which ends it with 143" {
	loop_bg --no-cluster reconcile-all --namespaces team-a,team-b --interval 1s
	loop_wait_passes 3
	loop_stop TERM
	assert_status 143
	# a summary per pass and no table of every namespace
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed$'
	assert_no_match '^team-a '
	[ "$(grep -c '^2 namespaces: 2 leader' <<<"$output")" -ge 3 ]
	# the first pass's changes at info; renewals are not logged
	[ "$(grep -c '^mcle: info: leader changed namespace=team-[ab] event=LeaderAcquired holder=cluster-a previous= epoch=1$' <<<"$stderr")" = 2 ]
	[ "$(grep -c 'leader changed' <<<"$stderr")" = 2 ]
	# SIGINT too
	loop_bg --no-cluster reconcile-all --namespaces team-a --interval 1s
	loop_wait_passes 1
	loop_stop INT
	assert_status 130
}

@test "the loop's options: --interval's value; --listen, --release-on-exit, --no-events need --interval" {
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --interval soon
	assert_status 2
	[ "${stderr%%$'\n'*}" = "mcle: invalid value 'soon' for --interval: expected a duration from 1s to 1d (86400 seconds), such as 60, 90s, 2m or 1h30m" ]
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --interval 0
	assert_status 2
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --listen :0
	assert_status 2
	[ "${stderr%%$'\n'*}" = "mcle: --listen needs --interval" ]
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --release-on-exit
	assert_status 2
	[ "${stderr%%$'\n'*}" = "mcle: --release-on-exit needs --interval" ]
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --interval 1s --listen nowhere
	assert_status 2
	[[ $stderr == "mcle: invalid value 'nowhere' for --listen: "* ]]
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --no-events
	assert_status 2
	[ "${stderr%%$'\n'*}" = "mcle: --no-events needs --interval: a single pass records no Events" ]
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --unhealthy-after 0
	assert_status 2
	run --separate-stderr "$MCLE" --no-cluster reconcile-all --namespaces a --interval 1s --unhealthy-after 5
	assert_status 2
	[ "${stderr%%$'\n'*}" = "mcle: --unhealthy-after needs --listen: it sets when /healthz fails" ]
	run --separate-stderr "$MCLE" --no-cluster --log-format xml reconcile-all --namespaces a
	assert_status 2
	[ ! -e "$STORE_DIR/a" ]
}

@test "--release-on-exit hands every namespace to another cluster within one of its passes" {
	loop_bg --no-cluster --lease-duration 600 reconcile-all --namespaces a,b,c \
		--interval 1s --release-on-exit
	loop_wait_passes 2
	# without the release the leases would stand for ten minutes
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-b reconcile-all --namespaces a,b,c
	assert_status 0
	assert_match '^3 namespaces: 0 leader, 3 standby, 0 failed$'
	loop_stop TERM
	assert_status 143
	[[ $stderr == *"mcle: info: released 3 of 3 leases held"* ]]
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-b reconcile-all --namespaces a,b,c
	assert_status 0
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed$'
	assert_match '^a +acquired +cluster-b +true +2 '
}

@test "metric values are exact after a known sequence of passes; promtool accepts them" {
	local prom=$BATS_TEST_TMPDIR/mcle.prom n
	# one-shot: cluster-b takes c first
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-b --lease-duration 600 \
		reconcile-all --namespaces c --metrics-file "$prom"
	assert_status 0
	[ "$(metric "$prom" 'mcle_leader{namespace="c"}')" = 1 ]
	[ "$(metric "$prom" 'mcle_passes_total{result="success"}')" = 1 ]
	loop_bg --no-cluster --lease-duration 600 reconcile-all --namespaces a,b,c --interval 1s \
		--metrics-file "$prom"
	loop_wait_passes 3
	loop_stop TERM
	assert_status 143
	n=$(loop_passes)
	[ "$(metric "$prom" 'mcle_passes_total{result="success"}')" = "$n" ]
	[ "$(metric "$prom" 'mcle_passes_total{result="failed"}')" = 0 ]
	[ "$(metric "$prom" 'mcle_pass_duration_seconds_count')" = "$n" ]
	[ "$(metric "$prom" 'mcle_pass_duration_seconds_bucket{le="+Inf"}')" = "$n" ]
	[ "$(metric "$prom" 'mcle_leader{namespace="a"}')" = 1 ]
	[ "$(metric "$prom" 'mcle_leader{namespace="b"}')" = 1 ]
	[ "$(metric "$prom" 'mcle_leader{namespace="c"}')" = 0 ]
	[ "$(metric "$prom" 'mcle_lease_epoch{namespace="c"}')" = 1 ]
	[ "$(metric "$prom" 'mcle_namespaces{state="leader"}')" = 2 ]
	[ "$(metric "$prom" 'mcle_namespaces{state="standby"}')" = 1 ]
	[ "$(metric "$prom" 'mcle_namespaces{state="failed"}')" = 0 ]
	[ "$(metric "$prom" 'mcle_lease_lapses_total')" = 0 ]
	# the expiry: the store's record, in seconds
	exp=$(metric "$prom" 'mcle_lease_expiry_timestamp_seconds{namespace="a"}')
	now=$(date +%s)
	(( ${exp%.*} > now + 500 && ${exp%.*} <= now + 600 ))
	grep -q '^# TYPE mcle_pass_duration_seconds histogram$' "$prom"
	grep -q '^# TYPE mcle_passes_total counter$' "$prom"
	run promtool check metrics <"$prom"
	echo "$output"
	assert_status 0
	[ -z "$output" ]
	# written atomically: no temporary file left
	[ "$(ls "$BATS_TEST_TMPDIR" | grep -c 'mcle.prom.tmp')" = 0 ]
}

@test "/metrics, /healthz and /readyz on --listen; other paths and methods refused" {
	loop_bg --no-cluster reconcile-all --namespaces a,b --interval 1s --listen 127.0.0.1:0
	LOOP_PORT=$(loop_port)
	wait_for loop_status_is /readyz 200
	run loop_get /metrics
	assert_match '^mcle_leader\{namespace="a"\} 1$'
	assert_match '^200$'
	run loop_get /healthz
	assert_match '^ok$'
	run loop_get /nope
	assert_match '^404$'
	run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$LOOP_PORT/metrics"
	[ "$output" = 405 ]
	# a request head over the limit is refused, and the server goes on
	run curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -H "X-Big: $(head -c 9000 /dev/zero | tr '\0' x)" \
		"http://127.0.0.1:$LOOP_PORT/metrics"
	[ "$output" = 431 ]
	run loop_get /metrics
	assert_match '^200$'
	curl -sS --max-time 10 "http://127.0.0.1:$LOOP_PORT/metrics" >"$BATS_TEST_TMPDIR/m"
	run promtool check metrics <"$BATS_TEST_TMPDIR/m"
	assert_status 0
	loop_stop TERM
	assert_status 143
}

@test "--log-format json: every line parses with jq, with time, level and msg" {
	loop_bg --no-cluster --log-format json -v reconcile-all --namespaces a,b --interval 1s
	loop_wait_passes 2
	loop_stop TERM
	assert_status 143
	[ -n "$stderr" ]
	while IFS= read -r line; do
		jq -e '(.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"))
			and (.level | IN("error", "warning", "info", "debug")) and (.msg | type == "string")' \
			<<<"$line" >/dev/null || { echo "bad line: $line"; false; }
	done <<<"$stderr"
	[ "$(jq -c 'select(.msg == "leader changed") | [.namespace, .event, .holder, .epoch]' <<<"$stderr" | sort | paste -sd' ')" = \
		'["a","LeaderAcquired","cluster-a",1] ["b","LeaderAcquired","cluster-a",1]' ]
	# steady renewals at debug
	[ "$(jq -r 'select(.msg == "renewed") | .level' <<<"$stderr" | sort -u)" = debug ]
	# a failure is a JSON line too
	run --separate-stderr "$MCLE" --no-cluster --log-format json --store "file:///nonexistent/x" \
		reconcile-all --namespaces a
	[ "$status" -ne 0 ]
	jq -e '.level == "error" and (.msg | length > 0)' <<<"$stderr"
}

@test "-q prints only the summary and errors" {
	run --separate-stderr "$MCLE" --no-cluster -q reconcile-all --namespaces a,b
	assert_status 0
	[ "$output" = "
2 namespaces: 2 leader, 0 standby, 0 failed" ]
	[ -z "$stderr" ]
	loop_bg --no-cluster -q reconcile-all --namespaces a,b --interval 1s
	loop_wait_passes 2
	loop_stop TERM
	[ -z "$stderr" ]
}

@test "a renewal of our own lease after it lapsed is a warning with the gap" {
	run --separate-stderr "$MCLE" --no-cluster --lease-duration 1 reconcile-all --namespaces a
	assert_status 0
	sleep 2.5
	run --separate-stderr "$MCLE" --no-cluster --lease-duration 1 reconcile-all --namespaces a \
		--metrics-file "$BATS_TEST_TMPDIR/m.prom"
	assert_status 0
	[[ $stderr =~ ^"mcle: warning: namespace 'a': our lease had lapsed "[0-9]+\.[0-9]{3}" s before it was renewed (lease 1 s): the lease is too short for the cadence"$ ]]
	[ "$(metric "$BATS_TEST_TMPDIR/m.prom" mcle_lease_lapses_total)" = 1 ]
	# a live lease renewed in time: no warning
	run --separate-stderr "$MCLE" --no-cluster --lease-duration 600 reconcile-all --namespaces a
	run --separate-stderr "$MCLE" --no-cluster --lease-duration 600 reconcile-all --namespaces a
	assert_status 0
	[ -z "$stderr" ]
}
