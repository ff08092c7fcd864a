#!/usr/bin/env bats
# mcle run with a cluster configured: the namespace's Lease resource names
# the run's holder and says isLeader: false for the cluster, as
# reconcile-all of the same cluster does (so neither rewrites the other);
# reconcile-all neither renews nor takes the run's lease; the release
# updates the resource.

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers
load run-helpers

setup() {
	kube_test_setup
	kube_start --instance east --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	export MCLE_IDENTITY=east KUBECONFIG="$KUBECONFIG_FILE"
}

teardown() {
	[ -z "${RUN_PID:-}" ] || kill -KILL "$RUN_PID" 2>/dev/null || true
	kube_test_teardown
}

@test "the Lease resource names the run's holder; reconcile-all leaves both alone; released" {
	# a long lease: no renewal comes during the pass
	run_bg --lease-duration 600 run -n team-a -- \
		sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' "$BATS_TEST_TMPDIR/stop"
	poll_until 60 held team-a
	h=$(holder team-a)
	[[ $h =~ ^east/run-[0-9a-f]{16}$ ]]
	[ "$(kube_lease team-a 'j["spec"]["holderIdentity"]')" = east ]
	[ "$(kube_lease team-a '[j["status"][k] for k in ("isLeader", "observedHolderIdentity", "epoch")]')" = "[false, \"$h\", 1]" ]
	# a pass of the same cluster: the lease is another's, the status is right
	kube_clear_logs east
	kube_pass east
	assert_status 0
	[ "$(kube_count PUT .)" -eq 0 ]
	[ "$(gcs_store_writes)" -eq 0 ]
	# stop the command: the lease is released, the resource says so
	touch "$BATS_TEST_TMPDIR/stop"
	run_bg_wait
	assert_status 0
	[ -z "$stderr" ]
	[ "$(holder team-a)" = "" ]
	[ "$(kube_lease team-a '[j["status"][k] for k in ("isLeader", "observedHolderIdentity", "epoch")]')" = '[false, "", 1]' ]
}

@test "a lock name that is no namespace of the cluster: the lease stands alone" {
	run --separate-stderr "$MCLE" run -n nightly -- true
	assert_status 0
	[[ $stderr == *"no namespace 'nightly' in "*": no Lease resource to update" ]]
	[ "$(holder nightly)" = "" ]
}

@test "a Lease resource that says isLeader is marked not-leader before the lock is released" {
	# a long lease: no renewal comes while the update is held
	run_bg --lease-duration 600 run -n team-a -- \
		sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' "$BATS_TEST_TMPDIR/stop"
	poll_until 60 held team-a
	h=$(holder team-a)
	# another writer made the resource say this cluster leads
	out=$(kube_curl -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data-binary '{"status":{"isLeader":true}}' "$KUBE_GV/namespaces/team-a/leases/lease-gsc/status")
	[ "${out##*$'\n'}" = 200 ]
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = true ]
	kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status","action":"hold"}' >/dev/null
	touch "$BATS_TEST_TMPDIR/stop"
	kube_wait_held
	# the command has ended; the update waits: the lock is still the run's
	[ "$(holder team-a)" = "$h" ]
	kube_release
	run_bg_wait
	assert_status 0
	[ -z "$stderr" ]
	[ "$(holder team-a)" = "" ]
	[ "$(kube_lease team-a '[j["status"][k] for k in ("isLeader", "observedHolderIdentity")]')" = '[false, ""]' ]
}

@test "the resource cannot be marked not-leader: the lock is not released" {
	run_bg --lease-duration 600 run -n team-a -- \
		sh -c 'while [ ! -e "$0" ]; do sleep 0.1; done' "$BATS_TEST_TMPDIR/stop"
	poll_until 60 held team-a
	h=$(holder team-a)
	out=$(kube_curl -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data-binary '{"status":{"isLeader":true}}' "$KUBE_GV/namespaces/team-a/leases/lease-gsc/status")
	[ "${out##*$'\n'}" = 200 ]
	kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status","status":403,"count":100}' >/dev/null
	touch "$BATS_TEST_TMPDIR/stop"
	run_bg_wait
	# the command's status; the lock stays held until it expires
	assert_status 0
	[[ $stderr == *"not released"*"marked not-leader first"* ]]
	[ "$(holder team-a)" = "$h" ]
	[ "$(kube_lease team-a 'j["status"]["isLeader"]')" = true ]
}
