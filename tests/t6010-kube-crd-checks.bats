#!/usr/bin/env bats
# The installed CRD, checked at run time.  With the original controller's
# CRD (tests/data/crd-original.yaml, its config/crd/bases file verbatim)
# the API server prunes the status fields mcle adds (epoch,
# observedExpireTime, ...) and answers with a Warning header: mcle says so
# once a run, naming the CRD to apply.  mcle's CRD applies over the
# original's and keeps them.  The status carries leaseDurationSeconds (the
# duration in effect) and lastError (this cluster's last error for the
# namespace, null after a good pass).
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t6010-kube-crd-checks.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

ORIGINAL_CRD="${MCLE_SRCDIR:-$BATS_TEST_DIRNAME/..}/tests/data/crd-original.yaml"

setup() {
	kube_test_setup
}

teardown() {
	kube_test_teardown
}

@test "the stand-in prunes what the original CRD does not declare, as a real API server does" {
	kube_start --crd "$ORIGINAL_CRD" --namespaces team-a --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	[ "$(kube_lease team-a 'sorted(j["status"])')" = \
		'["isLeader", "leaseTransitions", "observedAcquireTime", "observedHolderIdentity"]' ]
	[ "$(kube_count PUT '/status$')" -eq 1 ]
}

@test "an older CRD that drops mcle's status fields is said once a run, naming the CRD to apply" {
	kube_start --crd "$ORIGINAL_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	[ "$(printf '%s\n' "$stderr" | grep -c 'drops status field')" -eq 1 ]
	[[ $stderr == *"'epoch'"* ]]
	[[ $stderr == *"'observedExpireTime'"* ]]
	[[ $stderr == *"kubectl apply -f examples/crd.yaml"* ]]
	[[ $stderr == *"leases.leaderelection.600lyy.io"* ]]
	# each run says it again (the CRD is still old), once
	kube_pass cluster-a
	assert_status 0
	[ "$(printf '%s\n' "$stderr" | grep -c 'drops status field')" -eq 1 ]
}

@test "an unknown-field Warning alone (nothing sent came back missing) is enough to say it" {
	# mcle's CRD without lastError: a good pass sends "lastError": null,
	# which the server prunes with a Warning, while every field with a value
	# is kept
	"${PYTHON3:-/usr/bin/python3}" - "$KUBE_CRD" "$BATS_TEST_TMPDIR/crd.yaml" <<'PY'
import sys, yaml
crd = yaml.safe_load(open(sys.argv[1]))
st = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
del st["properties"]["lastError"]
yaml.safe_dump(crd, open(sys.argv[2], "w"))
PY
	kube_start --crd "$BATS_TEST_TMPDIR/crd.yaml" --namespaces team-a --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	[ "$(printf '%s\n' "$stderr" | grep -c 'drops status field')" -eq 1 ]
	[[ $stderr == *'unknown field'*'status.lastError'* ]]
	[ "$(kube_lease team-a 'j["status"]["epoch"]')" = 1 ]
}

@test "mcle's CRD applies over the original's and keeps its fields: no warning" {
	kube_start --crd "$ORIGINAL_CRD" --namespaces team-a --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	run kubectl_standin apply -f "$KUBE_CRD"
	assert_status 0
	kube_pass cluster-a
	assert_status 0
	[ -z "$stderr" ]
	[ "$(kube_lease team-a 'j["status"]["epoch"]')" = 1 ]
	[ "$(kube_lease team-a 'j["status"]["leaseDurationSeconds"]')" = 60 ]
	[ "$(kube_lease team-a '"observedExpireTime" in j["status"]')" = true ]
	# the short names find mcle's Leases, not coordination.k8s.io's
	run kubectl_standin get mclelease -n team-a -o name
	assert_status 0
	[ "$output" = lease.leaderelection.600lyy.io/lease-gsc ]
	run kubectl_standin get mcle -A --no-headers
	assert_status 0
	assert_match '^team-a +lease-gsc +cluster-a +true +1 '
}

@test "status.leaseDurationSeconds is the duration in effect; lastError is set on a failure and cleared after" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_pass cluster-a --lease-duration 45
	assert_status 0
	[ "$(kube_lease team-a 'j["status"]["leaseDurationSeconds"]')" = 45 ]
	[ "$(kube_lease team-a 'j["status"].get("lastError")')" = null ]
	# team-a's renewal is forbidden by the store: its namespace fails
	gcs_ctl POST /_control/fault '{"method": "PATCH", "path": "locks%2Fteam-a", "count": 100, "status": 403}' >/dev/null
	kube_pass cluster-a
	assert_status 6
	err=$(kube_lease team-a 'j["status"]["lastError"]')
	[[ $err == *"team-a"* ]]
	[[ $err == *403* || $err == *"ermission"* ]]
	[ "${#err}" -le 256 ]
	[ "$(kube_lease team-b 'j["status"].get("lastError")')" = null ]
	# the next good pass clears it (null)
	gcs_ctl DELETE /_control/fault >/dev/null
	kube_pass cluster-a
	assert_status 0
	[ "$(kube_lease team-a 'j["status"].get("lastError")')" = null ]
}

@test "a standby clears its lastError once the namespace works again" {
	kube_start --instance a --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	kube_start --instance b --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	kube_use a
	kube_pass cluster-a
	assert_status 0
	kube_use b
	kube_pass cluster-b
	assert_status 0
	assert_match '^team-a +standby +cluster-a '
	# an error recorded by an earlier pass
	kube_curl -X PUT -H 'Content-Type: application/json' -d "$(kube_lease team-a \
		'dict(j, status=dict(j["status"], lastError="cannot read lock"))')" \
		"$KUBE_GV/namespaces/team-a/leases/lease-gsc/status" >/dev/null
	[ "$(kube_lease team-a 'j["status"]["lastError"]')" = "cannot read lock" ]
	kube_clear_logs
	kube_pass cluster-b
	assert_status 0
	[ "$(kube_lease team-a 'j["status"].get("lastError")')" = null ]
	[ "$(kube_count PUT '/status$')" -eq 1 ]
	# then a standby writes nothing again
	kube_clear_logs
	kube_pass cluster-b
	assert_status 0
	[ "$(kube_count PUT '/status$')" -eq 0 ]
}
