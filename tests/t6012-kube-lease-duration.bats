#!/usr/bin/env bats
# The lease duration with a cluster.  Each Lease resource's
# spec.leaseDurationSeconds is its namespace's duration (15 s in resources
# the original controller created), unless --lease-duration is given
# explicitly (flag, MCLE_LEASE_DURATION or the config file): then it wins,
# and the pass sets the spec to it (a merge patch of that one field,
# conditional on the resourceVersion).  A lease too short for the cadence
# (our own lease lapsed between passes) is reported in status.lastError.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t6012-kube-lease-duration.bats

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

# original_lease NS: a resource as the original controller left it (15 s)
original_lease() {
	run kube_curl -X POST -H 'Content-Type: application/json' --data-binary \
		"{\"apiVersion\":\"leaderelection.600lyy.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"lease-gsc\",\"namespace\":\"$1\",\"labels\":{\"team\":\"x\"}},\"spec\":{\"holderIdentity\":\"https://34.118.224.1:443\",\"leaseDurationSeconds\":15}}" \
		"$KUBE_GV/namespaces/$1/leases"
	[ "${lines[-1]}" = 201 ]
}

@test "without --lease-duration the resource's spec is the duration, and the spec is left alone" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	original_lease team-a
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +acquired +cluster-a +true +1 +15s '
	[ "$(kube_count PATCH .)" -eq 0 ]
	[ "$(kube_lease team-a 'j["spec"]["leaseDurationSeconds"]')" = 15 ]
	[ "$(kube_lease team-a 'j["status"]["leaseDurationSeconds"]')" = 15 ]
}

@test "an explicit --lease-duration wins over the spec and sets it; later passes follow the spec" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	original_lease team-a
	kube_pass cluster-a --lease-duration 45
	assert_status 0
	assert_match '^team-a +acquired +cluster-a +true +1 +45s '
	assert_match '^team-b +acquired +cluster-a +true +1 +45s '
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseDurationSeconds"]')" = 45 ]
	[ "$(kube_lease team-a 'j["spec"]')" = \
		'{"holderIdentity": "https://34.118.224.1:443", "leaseDurationSeconds": 45}' ]
	[ "$(kube_lease team-a 'j["metadata"]["labels"]')" = '{"team": "x"}' ]
	[ "$(kube_lease team-a 'j["status"]["leaseDurationSeconds"]')" = 45 ]
	# one patch: team-b was created with 45 already
	[ "$(kube_count PATCH "^$KUBE_GV/namespaces/team-a/leases/lease-gsc\$")" -eq 1 ]
	[ "$(kube_count PATCH .)" -eq 1 ]
	# the spec now says 45: a pass without the option keeps it, patching nothing
	kube_clear_logs
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed +cluster-a +true +1 +45s '
	[ "$(kube_count PATCH .)" -eq 0 ]
	# MCLE_LEASE_DURATION is explicit too
	MCLE_LEASE_DURATION=50 kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed +cluster-a +true +1 +50s '
	[ "$(kube_lease team-a 'j["spec"]["leaseDurationSeconds"]')" = 50 ]
}

@test "a spec changed under the pass is not overwritten blindly: 409, left for the next pass" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	original_lease team-a
	kube_ctl POST /_control/fault '{"method":"PATCH","path":"/leases/lease-gsc$","count":1,"status":409,"reason":"Conflict","message":"the object has been modified"}' >/dev/null
	kube_pass cluster-a --lease-duration 45
	assert_status 0
	[ "$(kube_lease team-a 'j["spec"]["leaseDurationSeconds"]')" = 15 ]
	kube_pass cluster-a --lease-duration 45
	assert_status 0
	[ "$(kube_lease team-a 'j["spec"]["leaseDurationSeconds"]')" = 45 ]
	# the patch carries the resourceVersion it was decided on
	[ "$(kube_count PATCH .)" -ge 2 ]
}

@test "a lease too short for the cadence is reported in status.lastError, and cleared after" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	kube_pass cluster-a --lease-duration 2 --clock-skew 0
	assert_status 0
	# the next pass comes after the lease lapsed
	sleep 3
	kube_pass cluster-a --lease-duration 2 --clock-skew 0
	assert_status 0
	[[ $stderr == *"too short for the cadence"* ]]
	[[ $(kube_lease team-a 'j["status"]["lastError"]') == *"too short for the cadence"* ]]
	kube_pass cluster-a --lease-duration 600
	assert_status 0
	[ "$(kube_lease team-a 'j["status"].get("lastError")')" = null ]
}
