#!/usr/bin/env bats
# mcle migrate --check against a bucket seeded with the Go controller's
# lock objects (its exact format) and its CRD in the Kubernetes stand-in:
# each finding (legacy locks, lease durations, the CRD, identities, scope)
# on one line with its fix, exit 1 when something is to be fixed, 0 when
# clean; a forbidden CRD read is said and the rest goes on; only GET and
# LIST requests, to the store and to the API server.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t6030-migrate-check.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

ORIGINAL_CRD="${MCLE_SRCDIR:-$BATS_TEST_DIRNAME/..}/tests/data/crd-original.yaml"
GO_ID=https://34.118.224.1:443

setup() {
	kube_test_setup
}

teardown() {
	kube_test_teardown
}

seed_legacy() {	# NS HOLDER DURATION TRANSITIONS [PREFIX/]: at the root of bkt
	gcs_seed_legacy "$1" "$2" "$3" "$4" bkt "${5-}"
}

# a Lease resource as the original controller created it (spec 15 s)
seed_lease() {
	kube_curl -X POST -H 'Content-Type: application/json' -d \
		'{"apiVersion":"leaderelection.600lyy.io/v1","kind":"Lease","metadata":{"name":"lease-gsc","namespace":"'"$1"'"},"spec":{"holderIdentity":"'"$GO_ID"'","leaseDurationSeconds":'"$2"'}}' \
		"$KUBE_GV/namespaces/$1/leases" >/dev/null
}

# no request but GET (a LIST is a GET) to either stand-in since the logs were cleared
only_reads() {
	[ "$(kube_writes)" = 0 ] || { kube_requests . >&2; return 1; }
	[ "$(gcs_store_writes)" = 0 ] || { gcs_log >&2; return 1; }
}

check() {
	run --separate-stderr "$MCLE" --kubeconfig "$KUBECONFIG_FILE" migrate --check "$@"
}

@test "a clean setup: mcle's CRD, good durations, own identities, the gke preset: exit 0" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b
	kube_pass cluster-a --lease-duration 150 --exclude-preset gke
	assert_status 0
	kube_clear_logs
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^crd leases.leaderelection.600lyy.io: the installed CRD declares every field'
	[ "${lines[-1]}" = "no problems found" ]
	assert_no_match 'fix:'
	only_reads
	# one document in the structured formats
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke \
		-o jsonpath='{.kind} {.problems} {.findings[0].check} {.findings[0].severity}'
	assert_status 0
	[ "$output" = "MigrateCheck 0 crd ok" ]
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke -o yaml
	assert_status 0
	assert_match '^kind: MigrateCheck$'
	assert_match '^  severity: ok$'
}

@test "a. legacy locks: live, expired and taken over, the holder as written, exit 1" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c
	seed_legacy team-b other-go 10 3
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	seed_legacy team-a "$GO_ID" 15 7
	kube_clear_logs
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match "^legacy-lock team-a: gs://bkt/team-a-lease-gsc is live: held by '$GO_ID' \\(Go controller, leaderTransitions 7\\) until .*; fix: stop the Go controller in the cluster of '$GO_ID'"
	assert_match "^legacy-lock team-b: gs://bkt/team-b-lease-gsc expired \\(holder 'other-go', leaderTransitions 3, "
	assert_no_match '^legacy-lock team-b: .*fix:'
	[ "${lines[-1]}" = "1 problem found" ]
	only_reads
	# once mcle took team-b over (mcleEpoch marked): nothing to do
	kube_pass cluster-a --lease-duration 150 --exclude-preset gke
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke -o json
	assert_status 1
	[ "$(json_get '[f["message"] for f in j["findings"] if f["subject"] == "team-b"][0]')" = \
		"taken over by mcle (mcleEpoch 4): nothing to do" ]
	[ "$(json_get 'j["problems"]')" = 1 ]
	[ "$(json_get '[f["severity"] for f in j["findings"] if f["subject"] == "team-a"][0]')" = problem ]
}

@test "b. Leases too short for the cadence: each with its kubectl patch, and --lease-duration" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b
	seed_lease team-a 15
	seed_lease team-b 150
	kube_clear_logs
	check --identity cluster-a --cadence 1m --exclude-preset gke
	assert_status 1
	assert_match "^lease-duration team-a: spec.leaseDurationSeconds 15 is shorter than the 96 s --cadence 1m needs: .*; fix: kubectl patch leases.leaderelection.600lyy.io lease-gsc -n team-a --type merge -p '\\{\"spec\":\\{\"leaseDurationSeconds\":96\\}\\}' \\(or every one: mcle reconcile-all --lease-duration 96\\)"
	assert_no_match '^lease-duration team-b'
	# the default --lease-duration, which new resources get, is too short too
	assert_match '^lease-duration --lease-duration: 60 s is shorter than the 96 s --cadence 1m needs with --timeout 30s .*: each new Lease resource gets it; fix: --lease-duration 96'
	only_reads
	# --interval 10s with --timeout 8: 11 + 8 = 19 s; the default 60 is enough, 18 is not
	check --identity cluster-a --interval 10s --timeout 8 --exclude-preset gke
	assert_status 1
	assert_match '^lease-duration team-a: spec.leaseDurationSeconds 15 is shorter than the 19 s --interval 10s needs'
	# an explicit --lease-duration wins over every spec: only it is judged
	check --identity cluster-a --interval 10s --timeout 8 --lease-duration 18 --exclude-preset gke
	assert_status 1
	assert_match '^lease-duration --lease-duration: 18 s is shorter than the 19 s --interval 10s needs with --timeout 8s'
	assert_no_match '^lease-duration team-a'
	check --identity cluster-a --interval 10s --timeout 8 --lease-duration 30 --exclude-preset gke
	assert_status 0
	# without a cadence: said, not judged
	check --identity cluster-a --exclude-preset gke
	assert_status 0
	assert_match '^lease-duration -: lease durations not checked: give --interval'
	[ "${lines[-1]}" = "no problems found (1 check could not run)" ]
}

@test "c. the original's CRD lacks mcle's fields: named, with the CRD to apply; none: not installed" {
	kube_start --crd "$ORIGINAL_CRD" --namespaces team-a
	kube_clear_logs
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match "^crd leases.leaderelection.600lyy.io: the installed CRD lacks 'observedRenewTime', 'observedExpireTime', 'epoch', 'leaseDurationSeconds', 'lastError', 'shortNames' that mcle writes .*; fix: kubectl apply -f examples/crd.yaml"
	[ "$(kube_count GET '^/apis/apiextensions.k8s.io/v1/customresourcedefinitions/leases.leaderelection.600lyy.io$')" = 1 ]
	only_reads
	kube_stop
	kube_start --namespaces team-a
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match '^crd leases.leaderelection.600lyy.io: the CRD is not installed; fix: kubectl apply -f examples/crd.yaml'
	# without the CRD the Lease resources cannot be listed: said, the rest goes on
	check --identity cluster-a --cadence 1m --exclude-preset gke
	assert_status 1
	assert_match '^lease-duration Leases: cannot list the Lease resources'
}

@test "c. CRDs forbidden to this user: said, and the other checks go on" {
	cat >"$BATS_TEST_TMPDIR/rbac.yaml" <<-'EOF'
		apiVersion: rbac.authorization.k8s.io/v1
		kind: ClusterRole
		metadata:
		  name: mcle
		rules:
		- apiGroups: [""]
		  resources: [namespaces]
		  verbs: [get, list]
		- apiGroups: [leaderelection.600lyy.io]
		  resources: [leases]
		  verbs: [get, list]
		---
		apiVersion: rbac.authorization.k8s.io/v1
		kind: ClusterRoleBinding
		metadata:
		  name: mcle
		roleRef:
		  apiGroup: rbac.authorization.k8s.io
		  kind: ClusterRole
		  name: mcle
		subjects:
		- kind: ServiceAccount
		  name: mcle
		  namespace: mcle-system
	EOF
	kube_start --crd "$KUBE_CRD" --namespaces team-a --rbac "$BATS_TEST_TMPDIR/rbac.yaml" \
		--rbac-token sa-token
	sed -i "s/token: .*/token: sa-token/" "$KUBECONFIG_FILE"
	seed_lease team-a 15
	check --identity cluster-a --cadence 1m
	assert_status 1
	assert_match '^crd leases.leaderelection.600lyy.io: cannot read CRDs \(forbidden\): not checked'
	assert_match '^lease-duration team-a: spec.leaseDurationSeconds 15'
	assert_match "^scope namespaces: 1 namespace .*'default'"
	[ "${lines[-1]}" = "3 problems found (1 check could not run)" ]
	[ "$(kube_count GET '^/apis/apiextensions.k8s.io/v1/customresourcedefinitions/')" = 1 ]
}

@test "d. identities: a URL as --identity, a URL holder, one identity from two clusters" {
	kube_start --instance a --crd "$KUBE_CRD" --namespaces team-a,team-b
	kube_start --instance b --crd "$KUBE_CRD" --namespaces team-a,team-b
	kube_use a
	run --separate-stderr "$MCLE" --identity shared --kubeconfig "$KUBECONFIG_FILE" \
		--lease-duration 150 acquire -n team-a
	assert_status 0
	run --separate-stderr "$MCLE" --identity "$GO_ID" --no-cluster --lease-duration 150 \
		acquire -n team-c
	assert_status 0
	kube_use b
	kube_clear_logs
	check --identity shared --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match "^identity shared: this identity holds 'team-a' from another cluster .*; fix: --identity NAME unique to this cluster"
	assert_match "^identity $GO_ID: a holder's identity looks like an API server URL"
	only_reads
	# the same identity now writes from this cluster too: refused for team-a, team-b taken
	run --separate-stderr "$MCLE" --identity shared --kubeconfig "$KUBECONFIG_FILE" \
		--lease-duration 150 acquire -n team-b
	assert_status 0
	check --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match "^identity shared: one identity holds locks from two clusters: 'team-[ab]' from cluster .*, 'team-[ab]' from cluster .*; fix: give each cluster its own --identity NAME"
	check --identity 34.118.224.1:443 --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 1
	assert_match '^identity 34.118.224.1:443: --identity looks like an API server URL .*; fix: --identity NAME unique to this cluster'
}

@test "d. this identity as a legacy lock's holder, the legacy locks elsewhere (--legacy-locks)" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a
	seed_legacy team-a cluster-a 15 7 old/
	kube_clear_logs
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke \
		--legacy-locks gs://bkt/old
	assert_status 1
	assert_match "^legacy-lock team-a: gs://bkt/old/team-a-lease-gsc is live: held by 'cluster-a' "
	assert_match "^identity cluster-a: this identity is the Go controller's holder of gs://bkt/old/team-a-lease-gsc: .*; fix: --identity NAME unique to this cluster"
	# the legacy lines first, then the identity's, whatever order they were found in
	[ "$(printf '%s\n' "$output" | grep -n '^legacy-lock' | cut -d: -f1)" -lt \
	  "$(printf '%s\n' "$output" | grep -n '^identity' | cut -d: -f1)" ]
	only_reads
}

@test "e. scope: the namespaces the Go controller left alone, counted and listed; --exclude-preset gke" {
	kube_start --crd "$KUBE_CRD" --namespaces cert-manager,gmp-system,team-a
	check --identity cluster-a --cadence 1m --lease-duration 150
	assert_status 1
	assert_match "^scope namespaces: 3 namespaces the Go controller left alone would now be contended for: 'cert-manager', 'default', 'gmp-system'; fix: mcle reconcile-all --exclude-preset gke"
	# --exclude adds to the preset's
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude cert-manager,default
	assert_status 1
	assert_match "^scope namespaces: 1 namespace the Go controller left alone would now be contended for: 'gmp-system'"
	check --identity cluster-a --cadence 1m --lease-duration 150 --exclude-preset gke
	assert_status 0
	assert_no_match '^scope'
	# --selector: only the namespaces it selects count, as for reconcile-all
	kube_ctl POST /_control/namespace '{"name":"team-b","labels":{"mcle":"on"}}' >/dev/null
	check --identity cluster-a --cadence 1m --lease-duration 150 --selector mcle=on
	assert_status 0
	assert_no_match '^scope'
	# without a cluster: the namespaces given
	run --separate-stderr "$MCLE" --no-cluster migrate --check --cadence 1m \
		--lease-duration 150 --namespaces default,team-a
	assert_status 1
	assert_match "^scope namespaces: 1 namespace .*'default'; fix: leave them out of --namespaces"
}

@test "bad input: one line, exit 2" {
	run --separate-stderr "$MCLE" --no-cluster migrate --check --cadence garbage
	assert_status 2
	assert_one_error_line
	[[ $stderr == *"--cadence"*"expected a duration"* ]]
	run --separate-stderr "$MCLE" --no-cluster migrate
	assert_status 2
	[[ $stderr == *"missing --check"* ]]
	run --separate-stderr "$MCLE" --no-cluster migrate --check --cadence 1m --interval 10s
	assert_status 2
	[[ $stderr == *"not both"* ]]
	run --separate-stderr "$MCLE" --no-cluster migrate --check --exclude-preset gke
	assert_status 2
	[[ $stderr == *"does not apply"* ]]
}
