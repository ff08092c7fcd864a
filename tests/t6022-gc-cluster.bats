#!/usr/bin/env bats
# mcle gc and mcle repair with a cluster (the Kubernetes stand-in): the
# names that exist are the cluster's namespaces, and repair salvages the
# epoch from the Lease resource's status.

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

setup() {
	kube_test_setup
	kube_start --instance east --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
}

teardown() {
	kube_test_teardown
}

as() {
	local c=$1
	shift
	kube_use "$c"
	run --separate-stderr env KUBECONFIG="$KUBECONFIG_FILE" \
		"$MCLE" --identity "$c" "$@"
}

@test "with a cluster, gc removes only the locks of namespaces it does not have" {
	as east acquire -n team-a
	as east release -n team-a
	"$MCLE" --no-cluster --identity x acquire -n team-c >/dev/null
	"$MCLE" --no-cluster --identity x release -n team-c >/dev/null
	as east -o json gc
	assert_status 0
	[ "$(json_get '[[x["namespace"], x["action"]] for x in j]')" = '[["team-c", "removed"]]' ]
	[ "$(gcs_object locks/team-c 'o')" = ABSENT ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 1 ]
	as east gc --namespaces team-a
	assert_status 2
}

@test "with a cluster, repair takes the epoch from the Lease status when the record has none" {
	kube_use east
	for id in east x1 east; do
		env KUBECONFIG="$KUBECONFIG_FILE" "$MCLE" --identity "$id" acquire -n team-a >/dev/null
		env KUBECONFIG="$KUBECONFIG_FILE" "$MCLE" --identity "$id" release -n team-a >/dev/null
	done
	[ "$(gcs_object locks/team-a 'o["metadata"]["leaseTransitions"]')" = 3 ]
	curl -sS --fail -o /dev/null -H 'Content-Type: application/json' -X PATCH \
		--data-binary '{"metadata": {"holderIdentity": "not an identity!"}}' \
		"$GCS_URL/storage/v1/b/bkt/o/locks%2Fteam-a"
	# without the cluster nothing gives an epoch
	as east --no-cluster repair -n team-a
	assert_status 2
	as east -o json repair -n team-a
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 4 ]
	as east --no-cluster repair -n team-a
	assert_status 5
}
