#!/usr/bin/env bats
# reconcile-all --interval against the GCS and Kubernetes stand-ins: one
# process keeps its connections and refreshes short-lived credentials of
# both servers, a SIGTERM in the middle of a pass, Events on every change
# of holder (and none for renewals), --release-on-exit's order.

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers
load loop-helpers

setup() {
	kube_test_setup
}

teardown() {
	[ -z "${LOOP_PID-}" ] || kill -KILL "$LOOP_PID" 2>/dev/null || true
	kube_test_teardown
}

# connections LOG-COMMAND REGEX: the distinct connections of the requests
# whose path matches REGEX
connections() {
	"$1" | "$PYTHON3" -c '
import json, re, sys
print(len({e["conn"] for e in map(json.loads, sys.stdin) if re.search(sys.argv[1], e["path"])}))' "$2"
}

# events NS: "REASON epoch=N" of each Event in NS, oldest first
events() {
	kube_curl "/apis/events.k8s.io/v1/namespaces/$1/events" | sed '$d' | "$PYTHON3" -c '
import json, sys
items = sorted(json.load(sys.stdin)["items"], key=lambda e: (e["eventTime"], e["metadata"]["name"]))
for e in items:
    print(e["reason"], "epoch=" + e["metadata"]["annotations"]["leaderelection.600lyy.io/epoch"])'
}

lease_lists() {
	kube_count GET "^$KUBE_GV/leases"
}

has_lease_lists() {
	[ "$(lease_lists)" -ge "$1" ]
}

@test "the loop reuses its connections to both servers across passes" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_clear_logs
	loop_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" reconcile-all --interval 1s \
		--parallel 1
	wait_for has_lease_lists 4
	loop_stop TERM
	assert_status 143
	# four passes or more, each listing both servers, on one connection each
	(( $(gcs_count GET '^/storage/v1/b/bkt/o\?') >= 4 ))
	[ "$(connections kube_log "^$KUBE_GV/leases")" = 1 ]
	[ "$(connections kube_log '^/')" = 1 ]
	[ "$(connections gcs_log '^/storage/')" = 1 ]
	# one-shot passes, by comparison, connect each time
	kube_clear_logs
	for i in 1 2; do
		kube_pass cluster-a --parallel 1
		assert_status 0
	done
	[ "$(connections kube_log '^/')" = 2 ]
}

# An exec plugin whose token lives LIFETIME seconds: each run makes the
# stand-in accept only its new token.
exec_plugin_kubeconfig() {
	cat >"$BATS_TEST_TMPDIR/plugin.sh" <<-'EOF'
		#!/bin/sh
		n=$(($(cat "$PLUGIN_DIR/runs" 2>/dev/null || echo 0) + 1))
		echo "$n" >"$PLUGIN_DIR/runs"
		tok="plugin-token-$n-$$"
		curl -sS --fail --max-time 10 --cacert "$PLUGIN_CA" -H 'Content-Type: application/json' \
			--data-binary "{\"tokens\":[\"$tok\"]}" "$PLUGIN_URL/_control/tokens" >/dev/null || exit 1
		exp=$(date -u -d "+$PLUGIN_LIFETIME seconds" +%Y-%m-%dT%H:%M:%SZ)
		printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
			"$tok" "$exp"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/plugin.sh"
	cat >"$BATS_TEST_TMPDIR/kubeconfig" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: standin
		  cluster:
		    server: $KUBE_URL
		    certificate-authority: $KUBE_CA
		users:
		- name: user
		  user:
		    exec:
		      apiVersion: client.authentication.k8s.io/v1
		      command: $BATS_TEST_TMPDIR/plugin.sh
		      interactiveMode: Never
		      env:
		      - {name: PLUGIN_DIR, value: $BATS_TEST_TMPDIR}
		      - {name: PLUGIN_CA, value: $KUBE_CA}
		      - {name: PLUGIN_URL, value: $KUBE_URL}
		      - {name: PLUGIN_LIFETIME, value: "$1"}
		contexts:
		- name: ctx
		  context: {cluster: standin, user: user}
		current-context: ctx
	EOF
	chmod 0600 "$BATS_TEST_TMPDIR/kubeconfig"
}

plugin_runs_at_least() {
	[ "$(cat "$BATS_TEST_TMPDIR/runs" 2>/dev/null || echo 0)" -ge "$1" ]
}

gcs_tokens_at_least() {
	[ "$(gcs_count POST '^/token$')" -ge "$1" ]
}

@test "credentials that live shorter than the run are refreshed for both servers" {
	gcs_stop
	gcs_start --bucket bkt --require-auth --token-lifetime 4 \
		--refresh-token rt-1 --client-id cid-1 --client-secret cs-1
	unset STORAGE_EMULATOR_HOST
	export MCLE_GCS_ENDPOINT="$GCS_URL" MCLE_STORE=gs://bkt/locks
	printf '{"type": "authorized_user", "client_id": "cid-1", "client_secret": "cs-1", "refresh_token": "rt-1", "token_uri": "%s/token"}\n' \
		"$GCS_URL" >"$BATS_TEST_TMPDIR/user.json"
	chmod 0600 "$BATS_TEST_TMPDIR/user.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$BATS_TEST_TMPDIR/user.json"
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	exec_plugin_kubeconfig 4
	loop_bg --identity cluster-a --kubeconfig "$BATS_TEST_TMPDIR/kubeconfig" reconcile-all \
		--interval 1s
	# three tokens of each server, so two refreshes, in one process
	wait_for gcs_tokens_at_least 3
	wait_for plugin_runs_at_least 3
	n=$(loop_passes)
	loop_wait_passes $((n + 1))
	loop_stop TERM
	assert_status 143
	# every pass reconciled both namespaces
	[ "$(grep -c '^2 namespaces: 2 leader, 0 standby, 0 failed' <<<"$output")" = "$(loop_passes)" ]
	[[ $stderr != *"pass failed"* ]]
}

@test "SIGTERM in the middle of a pass: the requests in flight finish, nothing new starts" {
	kube_start --crd "$KUBE_CRD" --namespaces a,b,c --no-system-namespaces
	# hold the first lock write
	gcs_ctl POST /_control/fault '{"method":"POST","path":"^/upload/","action":"hold"}' >/dev/null
	loop_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" reconcile-all --interval 1s \
		--parallel 1
	gcs_wait_held
	kill -TERM "$LOOP_PID"
	# still waiting on its write: it has not exited
	sleep 0.5
	kill -0 "$LOOP_PID"
	gcs_release
	loop_stop TERM
	assert_status 143
	assert_match '^3 namespaces: 1 leader, 0 standby, 2 failed; '
	# one line for the namespaces never started, not one each
	[[ $stderr == *"mcle: pass failed: interrupted by a signal: 2 of 3 namespaces not reconciled"* ]]
	[[ $stderr != *"namespace 'b'"* ]]
	[ "$(gcs_object locks/a 'o["metadata"]["holderIdentity"]')" = cluster-a ]
	[ "$(gcs_object locks/b 'o')" = ABSENT ]
	# the held write's status was written too
	[ "$(kube_lease a 'j["status"]["isLeader"]')" = true ]
}

@test "one Event per change of holder, none for renewals; --release-on-exit marks, then releases" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	loop_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" --lease-duration 600 \
		reconcile-all --interval 1s --release-on-exit
	loop_wait_passes 4
	[ "$(events team-a)" = "LeaderAcquired epoch=1" ]
	[ "$(events team-b)" = "LeaderAcquired epoch=1" ]
	kube_clear_logs
	loop_stop TERM
	assert_status 143
	# per namespace: not-leader in the resource, then the store, then the status
	for ns in team-a team-b; do
		kube_requests | grep -n . >"$BATS_TEST_TMPDIR/k"
		mark=$(grep -m1 "PUT $KUBE_GV/namespaces/$ns/leases/lease-gsc/status" "$BATS_TEST_TMPDIR/k" | cut -d: -f1)
		[ -n "$mark" ]
	done
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = false ]
	[ "$(kube_lease team-a 'j["status"]["observedHolderIdentity"]')" = "" ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = "" ]
	[ "$(events team-a | paste -sd,)" = "LeaderAcquired epoch=1,LeaderReleased epoch=1" ]
	# another cluster takes both; this cluster sees the change once
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-b --lease-duration 600 \
		reconcile-all --namespaces team-a,team-b
	assert_status 0
	loop_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" reconcile-all --interval 1s
	loop_wait_passes 3
	loop_stop TERM
	assert_status 143

	[ "$(events team-b | paste -sd,)" = "LeaderAcquired epoch=1,LeaderReleased epoch=1,LeaderChanged epoch=2" ]
	# what an Event holds
	kube_curl "/apis/events.k8s.io/v1/namespaces/team-a/events" | sed '$d' | "$PYTHON3" -c '
import json, sys
e = [e for e in json.load(sys.stdin)["items"] if e["reason"] == "LeaderChanged"][0]
assert e["type"] == "Normal", e
assert e["reportingController"] == "leaderelection.600lyy.io/mcle", e
assert e["reportingInstance"] == "cluster-a", e
assert e["action"] == "Observe", e
assert e["regarding"] == {"apiVersion": "leaderelection.600lyy.io/v1", "kind": "Lease",
                          "namespace": "team-a", "name": "lease-gsc"}, e
assert e["note"] == "the holder changed from nobody to cluster-b (epoch 2)", e
'
}

@test "Events that cannot be created never fail a pass" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	kube_ctl POST /_control/fault \
		'{"method":"POST","path":"^/apis/events","action":"status","status":403,"count":100}' >/dev/null
	loop_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" reconcile-all --interval 1s \
		--listen 127.0.0.1:0
	LOOP_PORT=$(loop_port)
	loop_wait_passes 2
	run loop_get /metrics
	assert_match '^mcle_events_total\{result="failed"\} 1$'
	assert_match '^mcle_http_requests_total\{server="kubernetes",code="4xx"\} 1$'
	loop_stop TERM
	assert_status 143
	assert_match '^1 namespace: 1 leader, 0 standby, 0 failed'
	[[ $stderr == *"Events cannot be created"* ]]
	[ "$(kube_count POST '^/apis/events')" = 1 ]
}

@test "/healthz turns unhealthy when the store stops answering, healthy again after" {
	loop_bg --no-cluster --identity cluster-a --timeout 2 reconcile-all --namespaces a,b \
		--interval 1s --listen 127.0.0.1:0 --unhealthy-after 2
	LOOP_PORT=$(loop_port)
	wait_for loop_status_is /healthz 200
	wait_for loop_status_is /readyz 200
	# every storage request answers 503: each pass fails at its deadline
	gcs_ctl POST /_control/fault '{"path":"^/storage/","action":"status","status":503,"count":1000000}' >/dev/null
	wait_for loop_status_is /healthz 503
	# /healthz may turn before the first failing pass reaches its deadline
	wait_for loop_metric_matches '^mcle_passes_total\{result="failed"\} [1-9][0-9]*$'
	run loop_get /metrics
	assert_match '^mcle_http_requests_total\{server="gcs",code="5xx"\} [1-9][0-9]*$'
	assert_match '^mcle_http_retries_total\{server="gcs"\} [1-9][0-9]*$'
	# still ready: it serves, its passes fail
	run loop_get /readyz
	assert_match '^200$'
	gcs_ctl DELETE /_control/fault >/dev/null
	wait_for loop_status_is /healthz 200
	loop_stop TERM
	assert_status 143
	[[ $stderr == *"mcle: pass failed: "* ]]
}
