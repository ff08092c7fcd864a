#!/usr/bin/env bats
# reconcile-all when the Kubernetes API answers badly: 409 on a status
# write (injected, and a real concurrent writer) is re-read and retried;
# 403/404/422 on one namespace fail that namespace only (exit 6); an expired
# continue token restarts the listing; 5xx, 429, resets and lost answers
# are retried; a server that stays down is exit 4.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3004-kube-faults.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

setup() {
	kube_test_setup
}

teardown() {
	kube_test_teardown
}

pass() {
	kube_pass cluster-a "$@"
}

# pass_bg: start a pass in the background; kube_bg_wait collects it.
pass_bg() {
	kube_bg --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" reconcile-all
}

fault() {
	kube_ctl POST /_control/fault "$1" >/dev/null
}

start_three() {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces "$@"
}

@test "409 on a status write: the resource is read again and the status written" {
	start_three
	pass
	assert_status 0
	kube_ctl DELETE /_control/log
	fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":409,"reason":"Conflict"}'
	pass
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed; 0 Lease resources created, 3 statuses written$'
	run kube_requests '/namespaces/team-a/'
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 409" ]
	[ "${lines[1]}" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200" ]
	[ "${lines[2]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
}

@test "a real conflict: another writer changes the status between the listing and the write" {
	start_three
	pass
	assert_status 0
	kube_ctl DELETE /_control/log
	# hold mcle's team-a status write on arrival, and write meanwhile
	fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","action":"hold"}'
	pass_bg
	kube_wait_held
	run kube_curl -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data-binary '{"status":{"isLeader":false,"observedHolderIdentity":"intruder"}}' \
		"$KUBE_GV/namespaces/team-a/leases/lease-gsc/status"
	kube_release
	[ "${lines[-1]}" = 200 ]
	kube_bg_wait
	assert_status 0
	run kube_requests "^$KUBE_GV/namespaces/team-a/"
	[ "${lines[0]}" = "PATCH $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
	[ "${lines[1]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 409" ]
	[ "${lines[2]}" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200" ]
	[ "${lines[3]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(kube_lease team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"]]')" = '[true, "cluster-a"]' ]
}

@test "409 on every status write: the namespace fails after bounded retries, the others are done, exit 6" {
	start_three
	pass
	assert_status 0
	kube_ctl DELETE /_control/log
	fault '{"method":"PUT","path":"/namespaces/team-b/leases/lease-gsc/status$","status":409,"reason":"Conflict","count":100}'
	pass
	assert_status 6
	assert_match '^3 namespaces: 2 leader, 0 standby, 1 failed; 0 Lease resources created, 2 statuses written$'
	assert_match '^team-b +error '
	[[ $stderr == *"mcle: namespace 'team-b': "* ]]
	[ "$(grep -c "^mcle: namespace 'team-b': " <<<"$stderr")" -eq 1 ]
	[ "$(kube_count PUT '/namespaces/team-b/')" -ge 2 ]
	[ "$(kube_count PUT '/namespaces/team-b/')" -le 5 ]
	[ "$(kube_count PUT '/namespaces/team-[ac]/')" -eq 2 ]
}

# one_fails METHOD PATH-REGEX CODE REASON: that answer for team-b only.
one_fails() {
	start_three
	fault "{\"method\":\"$1\",\"path\":\"$2\",\"status\":$3,\"reason\":\"$4\",\"message\":\"injected $3 for team-b\",\"count\":10}"
	pass
	assert_status 6
	assert_match '^team-b +error '
	assert_match '^team-a +acquired +cluster-a +true '
	assert_match '^team-c +acquired +cluster-a +true '
	assert_match '^3 namespaces: 2 leader, 0 standby, 1 failed; '
	# one line naming the namespace, the call and the server's message,
	# and the summary line
	[ "$(grep -c "^mcle: namespace 'team-b': .*: $3 injected $3 for team-b$" <<<"$stderr")" -eq 1 ]
	[ "$(grep -c "^mcle: 1 of 3 namespaces failed$" <<<"$stderr")" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = true ]
	[ "$(kube_lease team-c 'j["status"]["isLeader"]')" = true ]
}

@test "403 creating one namespace's resource: it fails, no lock taken for it, the others are done, exit 6" {
	one_fails POST "^$KUBE_GV/namespaces/team-b/leases\$" 403 Forbidden
	[[ $stderr == *"cannot create leases 'lease-gsc' in namespace 'team-b'"* ]]
	# no resource, no leadership: the store was left alone for team-b
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 2 ]
	run --separate-stderr "$MCLE" -o json --no-cluster status -n team-b
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = "" ]
	# the next pass, with the fault gone, takes it
	kube_ctl DELETE /_control/fault
	pass
	assert_status 0
	assert_match '^team-b +acquired +cluster-a +true +1 '
}

@test "404 on one namespace's status write: it fails, the others are done, exit 6" {
	one_fails PUT "/namespaces/team-b/leases/lease-gsc/status\$" 404 NotFound
	[[ $stderr == *"cannot write the status of leases 'lease-gsc' in namespace 'team-b'"* ]]
}

@test "422 on one namespace's status write: it fails, the others are done, exit 6" {
	one_fails PUT "/namespaces/team-b/leases/lease-gsc/status\$" 422 Invalid
	[ "$(kube_count PUT '/namespaces/team-b/')" -eq 1 ]	# not retried
}

@test "-o json: the failed namespace carries its error" {
	start_three
	fault '{"method":"POST","path":"/namespaces/team-c/leases$","status":403,"reason":"Forbidden","message":"no"}'
	run --separate-stderr "$MCLE" --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" \
		-o json reconcile-all
	assert_status 6
	[ "$(json_get '[x["action"] for x in j]')" = '["acquired", "acquired", "error"]' ]
	[ "$(json_get 'j[2]["errorReason"]')" = permission ]
	[[ $(json_get 'j[2]["error"]') == *"403 no" ]]
}

@test "410 Expired continue token while listing namespaces: the listing restarts" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c,team-d,team-e \
		--no-system-namespaces --max-page 2
	# hold the request for the second page; expire every token issued so far
	fault '{"method":"GET","path":"^/api/v1/namespaces\\?.*continue=","action":"hold"}'
	pass_bg
	kube_wait_held
	kube_ctl POST /_control/expire-continue >/dev/null
	kube_release
	kube_bg_wait
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^5 namespaces: 5 leader, 0 standby, 0 failed; 5 Lease resources created, 5 statuses written$'
	run kube_requests '^/api/v1/namespaces'
	[ "${#lines[@]}" -eq 5 ]
	[ "${lines[0]}" = "GET /api/v1/namespaces?limit=500 200" ]
	[[ ${lines[1]} == "GET /api/v1/namespaces?limit=500&continue="*" 410" ]]
	[ "${lines[2]}" = "GET /api/v1/namespaces?limit=500 200" ]
	[[ ${lines[3]} == "GET /api/v1/namespaces?limit=500&continue="*" 200" ]]
	[[ ${lines[4]} == "GET /api/v1/namespaces?limit=500&continue="*" 200" ]]
}

@test "410 Expired while listing the Lease resources: restarts too, nothing counted twice" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c,team-d,team-e \
		--no-system-namespaces --max-page 2
	pass
	assert_status 0
	kube_ctl DELETE /_control/log
	fault "{\"method\":\"GET\",\"path\":\"^$KUBE_GV/leases\\\\?.*continue=\",\"status\":410,\"reason\":\"Expired\",\"skip\":1}"
	pass
	assert_status 0
	assert_match '^5 namespaces: 5 leader, 0 standby, 0 failed; 0 Lease resources created, 5 statuses written$'
	[ "$(kube_count GET "^$KUBE_GV/leases\\?limit=500\$")" -eq 2 ]
	[ "$(kube_count GET "^$KUBE_GV/leases\\?.*continue=")" -eq 4 ]
	[ "$(kube_count POST .)" -eq 0 ]
}

@test "410 on every continue token: the listing gives up after a few restarts, exit 4" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c,team-d,team-e \
		--no-system-namespaces --max-page 2
	fault '{"method":"GET","path":"^/api/v1/namespaces\\?.*continue=","status":410,"reason":"Expired","count":100}'
	pass
	[ "$(kube_count GET '^/api/v1/namespaces\?limit=500$')" -ge 2 ]
	[ "$(kube_count GET '^/api/v1/namespaces\?limit=500$')" -le 5 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
	assert_one_error_line
	[[ $stderr == "mcle: cannot list namespaces in "* ]]
	# the server's state, not mcle's configuration: try again later
	assert_status 4
}

@test "503, 429 and connection resets are retried; a lost answer to a write is resolved by re-reading" {
	start_three
	pass
	assert_status 0
	kube_ctl DELETE /_control/log
	fault '{"method":"GET","path":"^/api/v1/namespaces\\?","status":503,"count":2}'
	fault "{\"method\":\"GET\",\"path\":\"^$KUBE_GV/leases\\\\?\",\"action\":\"reset\"}"
	fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":429,"reason":"TooManyRequests","retryAfter":1}'
	# team-b's status write commits but its answer is lost: the retry
	# meets 409, the re-read shows the status already written
	fault '{"method":"PUT","path":"/namespaces/team-b/leases/lease-gsc/status$","action":"commit-drop"}'
	pass
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed; '
	[ "$(kube_count GET '^/api/v1/namespaces\?')" -eq 3 ]
	[ "$(kube_count GET "^$KUBE_GV/leases\\?")" -eq 2 ]
	[ "$(kube_count PUT '/namespaces/team-a/')" -eq 2 ]
	run kube_requests '/namespaces/team-b/'
	[ "${lines[0]}" = "PUT $KUBE_GV/namespaces/team-b/leases/lease-gsc/status None" ]
	[ "${lines[1]}" = "PUT $KUBE_GV/namespaces/team-b/leases/lease-gsc/status 409" ]
	[ "${lines[2]}" = "GET $KUBE_GV/namespaces/team-b/leases/lease-gsc 200" ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$(kube_lease team-b '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"]]')" = '[true, "cluster-a"]' ]
}

@test "a create whose answer is lost: the retry meets AlreadyExists and reads the resource" {
	start_three
	fault '{"method":"POST","path":"/namespaces/team-a/leases$","action":"commit-drop"}'
	pass
	assert_status 0
	assert_match '^3 namespaces: 3 leader, 0 standby, 0 failed; '
	run kube_requests '/namespaces/team-a/'
	[ "${lines[0]}" = "POST $KUBE_GV/namespaces/team-a/leases None" ]
	[ "${lines[1]}" = "POST $KUBE_GV/namespaces/team-a/leases 409" ]
	[ "${lines[2]}" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200" ]
	[ "${lines[3]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
	[ "$(kube_lease team-a '[j["spec"]["holderIdentity"], j["status"]["isLeader"]]')" = '["cluster-a", true]' ]
}

@test "an API server answering 503 throughout: exit 4 within the retry budget, store untouched" {
	start_three
	fault '{"path":".","status":503,"count":1000}'
	# a generous --timeout: giving up within the retry budget, not at the
	# deadline, is what ends this pass
	SECONDS=0
	pass --timeout 240
	assert_status 4
	assert_one_error_line
	[[ $stderr == *": 503 "* ]]
	[ "$SECONDS" -lt 120 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
}
