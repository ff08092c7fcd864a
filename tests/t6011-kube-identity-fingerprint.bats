#!/usr/bin/env bats
# The cluster fingerprint on the lock: each lock records the UID of the
# kube-system namespace of the cluster that wrote it (metadata key
# "mcleCluster"), read from the namespace listing a pass makes anyway.  The
# same --identity arriving from another cluster (the original controller
# used the API server URL as identity, the same in many GKE clusters) is
# refused with an error naming both clusters: never a renewal, never a
# takeover of "its own" lease, and the epoch does not move.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t6011-kube-identity-fingerprint.bats

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

# uid_of: the current instance's kube-system UID
uid_of() {
	local out
	out=$(kube_curl /api/v1/namespaces/kube-system) || return 1
	printf '%s' "${out%$'\n'*}" | "${PYTHON3:-/usr/bin/python3}" -c \
		'import json, sys; print(json.load(sys.stdin)["metadata"]["uid"])'
}

# pass_as CLUSTER ID [ARGS...]: a pass in instance CLUSTER as identity ID
pass_as() {
	local c=$1 id=$2
	shift 2
	kube_use "$c"
	run --separate-stderr "$MCLE" --identity "$id" --kubeconfig "$KUBECONFIG_FILE" \
		--clock-skew 0 reconcile-all "$@"
}

@test "a lock records the fingerprint of the cluster that wrote it, at no extra request" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a
	uid=$(uid_of)
	[ -n "$uid" ]
	kube_clear_logs
	kube_pass cluster-a
	assert_status 0
	[ -z "$stderr" ]
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = "$uid" ]
	# the UID came with the namespace listing: no GET of kube-system
	[ "$(kube_count GET '^/api/v1/namespaces/kube-system$')" -eq 0 ]
}

@test "the same identity from another cluster is refused, naming both; no takeover even once expired" {
	kube_start --instance a --crd "$KUBE_CRD" --namespaces team-a,team-b
	uid_a=$(uid_of)
	kube_start --instance b --crd "$KUBE_CRD" --namespaces team-a,team-b
	uid_b=$(uid_of)
	[ "$uid_a" != "$uid_b" ]
	pass_as a https://34.118.224.1:443 --lease-duration 2
	assert_status 0
	[[ $stderr == *"identity 'https://34.118.224.1:443' looks like an API server URL"* ]]
	gen=$(gcs_object locks/team-a 'o["generation"]')
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 1 ]
	pass_as b https://34.118.224.1:443 --lease-duration 2
	assert_status 6
	[[ $stderr == *"team-a"*"https://34.118.224.1:443"*"another cluster"*"'$uid_a'"*"'$uid_b'"* ]]
	# the lock is untouched: same generation, holder, epoch and fingerprint
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["mcleCluster"]')" = "$uid_a" ]
	# cluster b's resource says so in lastError, and does not claim leadership
	kube_use b
	[[ $(kube_lease team-a 'j["status"]["lastError"]') == *"another cluster"* ]]
	[ "$(kube_lease team-a 'j["status"].get("isLeader")')" != true ]
	# after the lease expired: still refused, never "our own" takeover
	sleep 3
	pass_as b https://34.118.224.1:443 --lease-duration 2
	assert_status 6
	[[ $stderr == *"another cluster"* ]]
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 1 ]
	# the cluster that wrote it renews as before, and clears nothing it did not set
	pass_as a https://34.118.224.1:443 --lease-duration 2
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = https://34.118.224.1:443 ]
}

@test "distinct identities in two clusters contend as before" {
	kube_start --instance a --crd "$KUBE_CRD" --namespaces team-a
	kube_start --instance b --crd "$KUBE_CRD" --namespaces team-a
	pass_as a cluster-a
	assert_status 0
	pass_as b cluster-b
	assert_status 0
	assert_match '^team-a +standby +cluster-a '
	[ -z "$stderr" ]
}

@test "a record without a fingerprint (an older mcle's) is accepted and gets ours on renewal" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a
	uid=$(uid_of)
	# written without a cluster: no fingerprint
	run --separate-stderr "$MCLE" --identity cluster-a --no-cluster acquire -n team-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = None ]
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed +cluster-a '
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = "$uid" ]
}

@test "with a selector that leaves kube-system out, kube-system is read only for a lock of ours that has a fingerprint" {
	kube_start --crd "$KUBE_CRD"
	kube_ctl POST /_control/namespace '{"name":"team-a","labels":{"env":"prod"}}' >/dev/null
	uid=$(uid_of)
	kube_clear_logs
	kube_pass cluster-a --selector env=prod
	assert_status 0
	[ "$(kube_count GET '^/api/v1/namespaces/kube-system$')" -eq 0 ]
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = None ]
	# a pass without a selector stamps it; a selector pass then reads its own once
	kube_pass cluster-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = "$uid" ]
	kube_clear_logs
	kube_pass cluster-a --selector env=prod
	assert_status 0
	assert_match '^team-a +renewed '
	[ "$(kube_count GET '^/api/v1/namespaces/kube-system$')" -eq 1 ]
}

@test "without a cluster nothing changes: no fingerprint written" {
	run --separate-stderr "$MCLE" --identity cluster-a --no-cluster reconcile-all \
		--namespaces team-a
	assert_status 0
	[ "$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')" = None ]
}
