#!/usr/bin/env bats
# reconcile-all against an API server gone wrong (the stand-in's
# /_control/list rules): listings that never end or pass the caps stop at
# once with exit 5 and bounded memory; repeated or malformed continue
# tokens are the server's error; names holding NUL bytes or otherwise
# invalid are skipped with a warning, never cut short; duplicates are kept
# once; a Status message with a NUL byte is shown whole.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3007-kube-hostile.bats

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

# pass [ARGS...]: one pass as cluster-a
pass() {
	kube_pass cluster-a "$@"
}

# rule JSON: a /_control/list rule (see kube-server.py).
rule() {
	kube_ctl POST /_control/list "$1" >/dev/null
}

NS_LIST='^/api/v1/namespaces\?'

start_five() {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c,team-d,team-e \
		--no-system-namespaces --max-page 2
}

start_two() {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
}

# The pass failed before the store was touched: exit 5, one error line.
assert_refused() {
	assert_status 5
	assert_one_error_line
	[ "$(gcs_count '*' .)" -eq 0 ]
}

# --- caps: a listing stops as soon as it passes them ----------------------------

# The pages of these listings are large: --timeout leaves a slow machine
# ample time, mcle stops on the caps, never on the deadline.

@test "a page of 20000 namespaces (forty times the limit asked for): exit 5 after that page" {
	start_two
	rule '{"path":"^/api/v1/namespaces$","endless":20000,"pages":3}'
	pass --timeout 600
	assert_refused
	[[ $stderr == "mcle: cannot list namespaces in "*": a page of over 5000 items (ten times the limit asked for)" ]]
	[ "$(kube_count GET "$NS_LIST")" -eq 1 ]
}

@test "22 pages of 5000 namespaces: exit 5 as soon as the listing passes 100000" {
	start_two
	rule '{"path":"^/api/v1/namespaces$","endless":5000,"pages":22}'
	pass --timeout 600
	assert_refused
	[[ $stderr == "mcle: cluster https://127.0.0.1:$KUBE_PORT "*" lists over 100000 namespaces" ]]
	# 20 pages hold 100000 namespaces; the 21st passes the cap
	[ "$(kube_count GET "$NS_LIST")" -eq 21 ]
	[ "$(kube_count GET "^$KUBE_GV/leases")" -eq 0 ]
}

@test "22 pages of 5000 Lease resources: exit 5 as soon as the listing passes 100000" {
	start_two
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"endless\":5000,\"pages\":22}"
	pass --timeout 600
	assert_refused
	[[ $stderr == "mcle: cluster https://127.0.0.1:$KUBE_PORT "*" lists over 100000 leases.leaderelection.600lyy.io" ]]
	[ "$(kube_count GET "^$KUBE_GV/leases\\?")" -eq 21 ]
	[ "$(kube_count POST .)" -eq 0 ]
}

# --- continue tokens -----------------------------------------------------------

@test "the same continue token again and again: exit 5 at the second page" {
	start_five
	rule '{"path":"^/api/v1/namespaces$","continue":"repeat"}'
	pass
	assert_refused
	[[ $stderr == "mcle: cannot list namespaces in "*": page 2 repeats the continue token of page 1: the listing would never end" ]]
	[ "$(kube_count GET "$NS_LIST")" -eq 2 ]
}

@test "a last page that points back to the first page's token: exit 5" {
	start_five
	rule '{"path":"^/api/v1/namespaces$","continue":"wrap"}'
	pass
	assert_refused
	[[ $stderr == *": page 3 repeats the continue token of page 1: the listing would never end" ]]
	[ "$(kube_count GET "$NS_LIST")" -eq 3 ]
}

@test "a repeated continue token in the Lease listing: exit 5, nothing written" {
	start_five
	pass
	assert_status 0
	kube_clear_logs
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"continue\":\"repeat\"}"
	pass
	assert_refused
	[[ $stderr == "mcle: cannot list leases.leaderelection.600lyy.io in "*": page 2 repeats the continue token of page 1: the listing would never end" ]]
	[ "$(kube_count GET "^$KUBE_GV/leases\\?")" -eq 2 ]
	[ "$(kube_writes)" -eq 0 ]
}

@test "after 410 Expired the listing starts over: the same tokens again are no repetition" {
	start_five
	fault='{"method":"GET","path":"^/api/v1/namespaces\\?.*continue=","status":410,"reason":"Expired","skip":1}'
	kube_ctl POST /_control/fault "$fault" >/dev/null
	pass
	assert_status 0
	[ -z "$stderr" ]
	run kube_requests "$NS_LIST"
	[ "${#lines[@]}" -eq 6 ]
	[[ ${lines[2]} == *" 410" ]]
	# the restarted listing was given the very tokens of the first attempt
	[ "${lines[1]}" = "${lines[4]}" ]
	[ "${lines[2]% *}" = "${lines[5]% *}" ]
}

@test "a continue token holding a NUL byte: exit 5, not followed cut short" {
	start_five
	rule '{"path":"^/api/v1/namespaces$","continue":"nul"}'
	pass
	assert_refused
	[[ $stderr == "mcle: cannot list namespaces in "*": invalid continue token from https://127.0.0.1:$KUBE_PORT (not a string of at most 2048 bytes)" ]]
	[ "$(kube_count GET "$NS_LIST")" -eq 1 ]
}

@test "a continue token of 3000 bytes: the server's error (exit 5), not a usage error" {
	start_five
	rule '{"path":"^/api/v1/namespaces$","continue":"long"}'
	pass
	assert_refused
	[[ $stderr == *": invalid continue token from "* ]]
}

@test "a continue token that is a number: exit 5, not the end of the listing" {
	start_five
	rule '{"path":"^/api/v1/namespaces$","continue":"number"}'
	pass
	assert_refused
	[[ $stderr == *": invalid continue token from "* ]]
}

@test "a list page whose items are missing or not an array, or whose metadata is not an object: exit 5" {
	start_two
	rule '{"path":"^/api/v1/namespaces$","page":{"kind":"NamespaceList","apiVersion":"v1","metadata":{}}}'
	pass
	assert_refused
	[[ $stderr == "mcle: cannot list namespaces in "*": malformed list from https://127.0.0.1:$KUBE_PORT" ]]
	kube_ctl DELETE /_control/list
	rule '{"path":"^/api/v1/namespaces$","page":{"kind":"NamespaceList","apiVersion":"v1","metadata":{},"items":{"metadata":{"name":"team-a"}}}}'
	pass
	assert_refused
	[[ $stderr == *": malformed list from "* ]]
	kube_ctl DELETE /_control/list
	rule '{"path":"^/api/v1/namespaces$","page":{"kind":"NamespaceList","apiVersion":"v1","metadata":"eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ","items":[]}}'
	pass
	assert_refused
	[[ $stderr == *": malformed list from "* ]]
}

# --- names: skipped with a warning, never cut short -------------------------------

@test "namespace names with a NUL byte or otherwise invalid: skipped with a warning, no lock, no resource" {
	start_two
	rule '{"path":"^/api/v1/namespaces$","extra":[
		{"metadata":{"name":"ns\u0000z"},"status":{"phase":"Active"}},
		{"metadata":{"name":"Bad_Name"},"status":{"phase":"Active"}},
		{"metadata":{"name":"team-z"},"status":{"phase":"Active\u0000Terminating"}}]}'
	pass
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 2 Lease resources created, 2 statuses written$'
	[ "$(wc -l <<<"$stderr")" -eq 3 ]
	[[ ${stderr} == *"mcle: warning: namespace 'ns z' from https://127.0.0.1:$KUBE_PORT (context 'standin' in $KUBECONFIG_FILE) skipped: metadata.name is not a namespace name"* ]]
	[[ ${stderr} == *"mcle: warning: namespace 'Bad_Name' from "*" skipped: metadata.name is not a namespace name"* ]]
	[[ ${stderr} == *"mcle: warning: namespace 'team-z' from "*" skipped: status.phase holds a NUL byte"* ]]
	[ "$(kube_count '*' '/namespaces/(ns|team-z)/')" -eq 0 ]
	[ "$(gcs_count '*' 'locks(/|%2F)(ns|team-z)')" -eq 0 ]
}

@test "a flood of invalid names: five warnings and a count" {
	start_two
	extra=$("$PYTHON3" -c 'import json; print(json.dumps([{"metadata": {"name": "bad_%d" % i}} for i in range(20)]))')
	rule "{\"path\":\"^/api/v1/namespaces\$\",\"extra\":$extra}"
	pass
	assert_status 0
	[ "$(wc -l <<<"$stderr")" -eq 6 ]
	[ "$(grep -c "^mcle: warning: namespace 'bad_[0-9]*' from .* skipped: " <<<"$stderr")" -eq 5 ]
	[[ $stderr == *$'\n'"mcle: warning: 15 more invalid or duplicate namespaces from https://127.0.0.1:$KUBE_PORT "*" not shown" ]]
}

@test "a namespace listed twice: kept once, with a warning; a Terminating copy wins" {
	start_two
	rule '{"path":"^/api/v1/namespaces$","extra":[
		{"metadata":{"name":"team-a"},"status":{"phase":"Active"}},
		{"metadata":{"name":"team-b","deletionTimestamp":"2025-01-01T00:00:00Z"},"status":{"phase":"Terminating"}}]}'
	pass
	assert_status 0
	assert_match '^1 namespace: 1 leader, 0 standby, 0 failed; 1 Lease resource created, 1 status written$'
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	[[ ${stderr} == *"mcle: warning: namespace 'team-a' listed twice by https://127.0.0.1:$KUBE_PORT "*": kept once"* ]]
	[[ ${stderr} == *"mcle: warning: namespace 'team-b' listed twice by "*": kept once"* ]]
	[ "$(kube_count '*' '/namespaces/team-b/')" -eq 0 ]
}

@test "a Lease resource whose namespace holds a NUL byte: skipped with a warning, not taken for another's" {
	start_two
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"extra\":[
		{\"apiVersion\":\"leaderelection.600lyy.io/v1\",\"kind\":\"Lease\",
		 \"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"team-a\\u0000x\",\"resourceVersion\":\"7\"},
		 \"spec\":{\"holderIdentity\":\"cluster-x\",\"leaseDurationSeconds\":60},
		 \"status\":{\"isLeader\":true,\"observedHolderIdentity\":\"cluster-x\"}},
		{\"apiVersion\":\"leaderelection.600lyy.io/v1\",\"kind\":\"Lease\",
		 \"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"Team_B\",\"resourceVersion\":\"8\"}}]}"
	pass
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 2 Lease resources created, 2 statuses written$'
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	[[ ${stderr} == *"mcle: warning: leases 'lease-gsc' in namespace 'team-a x' from https://127.0.0.1:$KUBE_PORT "*" skipped: invalid metadata.namespace"* ]]
	[[ ${stderr} == *"mcle: warning: leases 'lease-gsc' in namespace 'Team_B' from "*" skipped: invalid metadata.namespace"* ]]
	[ "$(kube_lease team-a '[j["spec"]["holderIdentity"], j["status"]["isLeader"]]')" = '["cluster-a", true]' ]
}

@test "a Lease resource whose name holds a NUL byte is not ours" {
	start_two
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"extra\":[
		{\"metadata\":{\"name\":\"lease-gsc\\u0000old\",\"namespace\":\"team-a\",\"resourceVersion\":\"7\"}}]}"
	pass
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 2 Lease resources created, 2 statuses written$'
	[[ ${stderr} == "mcle: warning: leases 'lease-gsc old' in namespace 'team-a' from "*" skipped: invalid metadata.name" ]]
}

@test "a listed Lease resource with a huge or NUL-holding resourceVersion: skipped with a warning" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	pass
	assert_status 0
	kube_clear_logs
	big=$(printf '9%.0s' {1..5000})
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"extra\":[
		{\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"team-c\",\"resourceVersion\":\"$big\"},
		 \"spec\":{\"holderIdentity\":\"cluster-a\",\"leaseDurationSeconds\":60}},
		{\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"team-d\",\"resourceVersion\":\"12\\u00003\"},
		 \"spec\":{\"holderIdentity\":\"cluster-a\",\"leaseDurationSeconds\":60}}]}"
	kube_ctl POST /_control/namespace '{"name":"team-d"}' >/dev/null
	pass
	assert_status 0
	assert_match '^4 namespaces: 4 leader, 0 standby, 0 failed; '
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
	[[ $stderr == *"mcle: warning: leases 'lease-gsc' in namespace 'team-c' from https://127.0.0.1:$KUBE_PORT "*" skipped: invalid metadata.resourceVersion"* ]]
	[[ $stderr == *"mcle: warning: leases 'lease-gsc' in namespace 'team-d' from "*" skipped: invalid metadata.resourceVersion"* ]]
	# team-c's real resource is the one listed; team-d's is created
	run kube_requests '/namespaces/team-c/'
	[ "${lines[0]}" = "PUT $KUBE_GV/namespaces/team-c/leases/lease-gsc/status 200" ]
	[ "${#lines[@]}" -eq 1 ]
	run kube_requests '/namespaces/team-d/'
	[ "${lines[0]}" = "POST $KUBE_GV/namespaces/team-d/leases 201" ]
	[ "${lines[1]}" = "PUT $KUBE_GV/namespaces/team-d/leases/lease-gsc/status 200" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "a Lease resource listed twice: read again, the stale copy is not trusted" {
	start_two
	pass
	assert_status 0
	kube_clear_logs
	rule "{\"path\":\"^$KUBE_GV/leases\$\",\"extra\":[
		{\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"team-a\",\"resourceVersion\":\"1\"},
		 \"spec\":{\"holderIdentity\":\"cluster-a\",\"leaseDurationSeconds\":60},
		 \"status\":{\"isLeader\":false,\"observedHolderIdentity\":\"cluster-x\"}}]}"
	pass
	assert_status 0
	[[ $stderr == "mcle: warning: leases 'lease-gsc' in namespace 'team-a' listed twice by https://127.0.0.1:$KUBE_PORT "*": read again" ]]
	run kube_requests '/namespaces/team-a/'
	[ "${lines[0]}" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200" ]
	[ "${lines[1]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
	[ "${#lines[@]}" -eq 2 ]
	[ "$(kube_lease team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"]]')" = '[true, "cluster-a"]' ]
}

# --- error bodies ----------------------------------------------------------------

@test "a Status message with a NUL byte is shown whole" {
	start_two
	kube_ctl POST /_control/fault '{"method":"POST","path":"/namespaces/team-b/leases$","status":403,"reason":"Forbidden","message":"quota\u0000exceeded for team-b"}' >/dev/null
	pass
	assert_status 6
	[[ $stderr == *"mcle: namespace 'team-b': cannot create leases 'lease-gsc' in namespace 'team-b': 403 quota exceeded for team-b"* ]]
}
