#!/usr/bin/env bats
# Scope: --exclude-preset (kube, gke: the Go controller's list, none) and
# --exclude adding to it.

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

# The Go controller's ignoredNamespaces, exactly, and some it did not skip.
GKE="cert-manager,cnrm-system,gke-managed-cim,gmp-public,gmp-system,multi-cluster-leader-election-system,ssa-demo"

@test "--exclude-preset gke leaves alone exactly the Go controller's list" {
	kube_start --crd "$KUBE_CRD" --namespaces "team-a,$GKE,gmp-other,gke-managed-x"
	kube_pass cluster-a --exclude-preset gke
	assert_status 0
	assert_match '^team-a +acquired '
	# exact names, as the original matched them: these two contend
	assert_match '^gmp-other +acquired '
	assert_match '^gke-managed-x +acquired '
	assert_match '^3 namespaces: 3 leader, '
	for ns in default kube-system kube-public kube-node-lease ${GKE//,/ }; do
		[ "$(kube_lease "$ns" 'j')" = absent ]
	done
}

@test "--exclude adds to the preset; the preset comes from the config file too" {
	kube_start --crd "$KUBE_CRD" --namespaces "team-a,team-b,cert-manager"
	kube_pass cluster-a --exclude team-b
	assert_status 0
	assert_no_match '^(kube-[a-z-]+|team-b) '
	assert_match '^3 namespaces: '	# default, team-a, cert-manager
	printf 'exclude-preset: gke\n' >"$MCLE_CONFIG"
	kube_pass cluster-a --exclude team-b
	assert_status 0
	assert_match '^1 namespace: '	# team-a
	MCLE_EXCLUDE_PRESET=none kube_pass cluster-a --exclude team-b
	assert_status 0
	assert_match '^kube-system +acquired '
	run --separate-stderr "$MCLE" reconcile-all --exclude-preset gcp
	assert_status 2
	[[ $stderr == *"--exclude-preset"* ]]
}
