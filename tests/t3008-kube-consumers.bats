#!/usr/bin/env bats
# What the Lease resource tells consumers, when writing it fails: never more
# than is true, and the exit status reports the store (the truth).
#   acquire whose status write fails: the lease is held - exit 0, a warning;
#   release whose not-leader write fails: the lease is kept (it expires on
#   its own), said in one line, the resource still true;
#   a lock name that is not a namespace: the lease stands alone.

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

setup() {
	kube_test_setup
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
}

teardown() {
	kube_test_teardown
}

as() {
	local c=$1
	shift
	run --separate-stderr env KUBECONFIG="$KUBECONFIG_FILE" "$MCLE" --identity "$c" "$@"
}

holder() {
	gcs_object "locks/$1" 'o["metadata"]["holderIdentity"]'
}

@test "acquire whose status write is refused: it holds the lease, exit 0 and one warning" {
	kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":403,"reason":"Forbidden","message":"status is forbidden","count":1}' >/dev/null
	as east acquire -n team-a
	assert_status 0
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "mcle: warning: namespace 'team-a': the Lease resource was not updated: cannot write the status of leases 'lease-gsc' in namespace 'team-a': 403 status is forbidden" ]]
	assert_match '^team-a +east +true +1 '
	[ "$(holder team-a)" = east ]
	# a script can tell from JSON too, and release frees it
	as east -o json status -n team-a
	[ "$(json_get 'j["isLeader"]')" = true ]
	as east release -n team-a
	assert_status 0
	[ "$(holder team-a)" = "" ]
}

@test "acquire -o json: the warning is in the object" {
	kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":403,"reason":"Forbidden","message":"status is forbidden","count":1}' >/dev/null
	as east -o json acquire -n team-a
	assert_status 0
	[ "$(json_get 'j["isLeader"]')" = true ]
	[[ "$(json_get 'j["warning"]')" == "the Lease resource was not updated: "*"403 status is forbidden" ]]
}

@test "release whose not-leader write is refused: the lease is kept, said in one line" {
	as east acquire -n team-a
	assert_status 0
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = true ]
	kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":403,"reason":"Forbidden","message":"status is forbidden","count":1}' >/dev/null
	as east release -n team-a
	assert_status 5
	assert_one_error_line
	[[ $stderr == "mcle: lease 'team-a' not released: it stays held until it expires, because the Lease resource could not be marked not-leader first: "*"403 status is forbidden" ]]
	# the store still says east (true), and so does the resource (true)
	[ "$(holder team-a)" = east ]
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = true ]
	# another cluster cannot take it before it expires: one leader at a time
	as west acquire -n team-a --no-cluster
	assert_status 1
}

@test "release: the resource says not-leader before the store is released" {
	as east acquire -n team-a
	assert_status 0
	kube_ctl DELETE /_control/log >/dev/null
	as east release -n team-a
	assert_status 0
	[ "$(holder team-a)" = "" ]
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = false ]
	# order: the not-leader status write came before the store's release; the
	# status write after the release records the free lease
	run kube_requests '/status$'
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[0]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
}

@test "a lock name that is not a namespace of the cluster: held, one note, exit 0" {
	as east acquire -n nightly-migration
	assert_status 0
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "mcle: warning: namespace 'nightly-migration': no namespace 'nightly-migration' in "*": no Lease resource to update" ]]
	[ "$(holder nightly-migration)" = east ]
	as east renew -n nightly-migration
	assert_status 0
	as east release -n nightly-migration
	assert_status 0
	[ "$(holder nightly-migration)" = "" ]
}
