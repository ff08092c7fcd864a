#!/usr/bin/env bats
# acquire, renew, release and status with a cluster configured: they
# create/update (status: read) the namespace's Lease resource; --no-cluster
# leaves the cluster alone.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3006-kube-commands.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

setup() {
	kube_test_setup
	export MCLE_LEGACY_LOCKS=off	# these count requests; the root's listing: t6000
	kube_start --instance east --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_start --instance west --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
}

teardown() {
	kube_test_teardown
}

# as CLUSTER COMMAND [ARGS...]: run mcle as identity CLUSTER with CLUSTER's
# kubeconfig (through KUBECONFIG, as a CronJob would have it).
as() {
	local c=$1
	shift
	kube_use "$c"
	run --separate-stderr env KUBECONFIG="$KUBECONFIG_FILE" \
		"$MCLE" --identity "$c" "$@"
}

# lease CLUSTER NS EXPR [NAME]: kube_lease NS EXPR [NAME] in CLUSTER.
lease() {
	kube_use "$1" || return 1
	shift
	kube_lease "$@"
}

clear_kube_log() {
	kube_use "$1"
	kube_ctl DELETE /_control/log
}

@test "acquire creates the namespace's resource and writes its status" {
	as east acquire -n team-a --lease-duration 40
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^team-a +east +true +1 +40s '
	# (read the log first: kube_curl's own requests are logged too)
	kube_use east
	run kube_requests
	[ "${lines[0]}" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 404" ]
	[ "${lines[1]}" = "POST $KUBE_GV/namespaces/team-a/leases 201" ]
	# the cluster's fingerprint for the lock record (kube-system's UID)
	[ "${lines[2]}" = "GET /api/v1/namespaces/kube-system 404" ]	# none in this stand-in
	[ "${lines[3]}" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200" ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(lease east team-a 'j["spec"]')" = '{"holderIdentity": "east", "leaseDurationSeconds": 40}' ]
	[ "$(lease east team-a '[j["status"][k] for k in ("isLeader", "observedHolderIdentity", "leaseTransitions", "epoch")]')" = '[true, "east", 1, 1]' ]
	[ "$(lease east team-a 'T(j["status"]["observedExpireTime"]) - T(j["status"]["observedRenewTime"])')" = 40.0 ]
	# nothing in the other namespace, nothing in the other cluster
	[ "$(lease east team-b 'j')" = absent ]
	kube_use west
	[ "$(kube_count '*' .)" -eq 0 ]
}

@test "--no-cluster: acquire, renew, release and status leave the cluster alone" {
	for cmd in acquire renew status release; do
		as east --no-cluster "$cmd" -n team-a
		assert_status 0
	done
	kube_use east
	[ "$(kube_count '*' .)" -eq 0 ]
	[ "$(lease east team-a 'j')" = absent ]
	# and the store did its part
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 1 ]
	[ "$(gcs_count PATCH .)" -eq 2 ]
}

@test "acquire by another identity: exit 1, and its cluster's resource says who leads" {
	as east acquire -n team-a
	assert_status 0
	gcs_ctl DELETE /_control/log
	as west acquire -n team-a
	assert_status 1
	assert_match '^team-a +east +false +1 '
	[ "$(lease west team-a 'j["spec"]["holderIdentity"]')" = west ]
	[ "$(lease west team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"], j["status"]["epoch"]]')" = '[false, "east", 1]' ]
	[ "$(gcs_count '*' .)" -eq 1 ]		# one read, no write
	# east's resource is untouched by west
	[ "$(lease east team-a 'j["status"]["isLeader"]')" = true ]
}

@test "renew writes the status again with the new renew time; it never creates the resource" {
	as east acquire -n team-a
	assert_status 0
	first=$(lease east team-a 'T(j["status"]["observedRenewTime"])')
	acq=$(lease east team-a 'j["status"]["observedAcquireTime"]')
	clear_kube_log east
	as east renew -n team-a
	assert_status 0
	[ "$(kube_count GET .)" -eq 2 ]	# the resource, kube-system (the fingerprint)
	[ "$(kube_count PUT '/status$')" -eq 1 ]
	[ "$(kube_count '*' .)" -eq 3 ]
	[ "$(lease east team-a "T(j['status']['observedRenewTime']) > $first")" = true ]
	[ "$(lease east team-a 'j["status"]["observedAcquireTime"]')" = "$acq" ]
	[ "$(lease east team-a 'j["status"]["isLeader"]')" = true ]
	# a held lease whose resource is gone: renew succeeds, creates nothing
	as east --no-cluster acquire -n team-b
	assert_status 0
	clear_kube_log east
	as east renew -n team-b
	assert_status 0
	[ "$(kube_count POST .)" -eq 0 ]
	[ "$(lease east team-b 'j')" = absent ]
}

@test "release: the resource stops saying isLeader; the epoch stays" {
	as east acquire -n team-a
	assert_status 0
	as east release -n team-a
	assert_status 0
	[ "$(lease east team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"], j["status"]["epoch"], j["status"]["leaseTransitions"]]')" = '[false, "", 1, 1]' ]
	# released, no expiry for a consumer to trust
	[ "$(lease east team-a 'j["status"].get("observedExpireTime")')" = null ]
	# release again: not held, exit 3
	as east release -n team-a
	assert_status 3
	assert_one_error_line
}

@test "renew by a holder that lost the lease: exit 3, and its resource stops saying isLeader" {
	as east acquire -n team-a --lease-duration 30
	assert_status 0
	gcs_ctl POST /_control/clock '{"offset": 40}' >/dev/null
	as west acquire -n team-a --lease-duration 30
	assert_status 0
	assert_match '^team-a +west +true +2 '
	as east renew -n team-a --lease-duration 30
	assert_status 3
	assert_one_error_line
	[ "$(lease east team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"], j["status"]["epoch"]]')" = '[false, "west", 2]' ]
	[ "$(lease west team-a '[j["status"]["isLeader"], j["status"]["observedHolderIdentity"], j["status"]["epoch"]]')" = '[true, "west", 2]' ]
}

@test "status -n reads the resource (resourceStatus with -o json) and never writes" {
	as east acquire -n team-a
	assert_status 0
	clear_kube_log east
	as east -o json status -n team-a
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = east ]
	rs=$(json_get 'json.dumps(j["resourceStatus"], sort_keys=True)')
	kube_use east
	run kube_requests
	[ "$output" = "GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200" ]
	[ "$(lease east team-a 'json.dumps(j["status"], sort_keys=True)')" = "$rs" ]
	# no resource: no resourceStatus, nothing created
	clear_kube_log west
	as west -o json status -n team-a
	assert_status 0
	[ "$(json_get 'j["resourceStatus"]')" = null ]
	[ "$(json_get 'j["holderIdentity"]')" = east ]
	kube_use west
	[ "$(kube_count '*' .)" -eq 1 ]
	[ "$(kube_count GET .)" -eq 1 ]
	# status --check still answers for the store
	as west status -n team-a --check
	assert_status 1
	# --no-cluster: no request at all
	clear_kube_log east
	as east -o json --no-cluster status -n team-a
	assert_status 0
	[ "$(json_get 'j["resourceStatus"]')" = null ]
	kube_use east
	[ "$(kube_count '*' .)" -eq 0 ]
}

@test "--lease-name: every command uses the configured resource name" {
	as east --lease-name leader-lock acquire -n team-a
	assert_status 0
	[ "$(lease east team-a 'j["status"]["isLeader"]' leader-lock)" = true ]
	[ "$(lease east team-a 'j')" = absent ]
	kube_use east
	run --separate-stderr "$MCLE" --identity east --kubeconfig "$KUBECONFIG_FILE" \
		--lease-name leader-lock reconcile-all
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 1 Lease resource created, 2 statuses written$'
	[ "$(lease east team-b 'j["spec"]["holderIdentity"]' leader-lock)" = east ]
	[ "$(lease east team-b 'j')" = absent ]
	as east --lease-name leader-lock -o json status -n team-b
	assert_status 0
	[ "$(json_get 'j["resourceStatus"]["isLeader"]')" = true ]
}

@test "acquire when the cluster refuses the resource: exit 5, one line naming it" {
	kube_use east
	kube_ctl POST /_control/fault '{"method":"POST","path":"/namespaces/team-a/leases$","status":403,"reason":"Forbidden","message":"leases is forbidden"}' >/dev/null
	as east acquire -n team-a
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"cannot create leases 'lease-gsc' in namespace 'team-a': 403 leases is forbidden"* ]]
	# a lock name that is not a namespace of the cluster: no resource, the lease stands alone
	as east acquire -n team-zz
	assert_status 0
	[[ $stderr == "mcle: warning: namespace 'team-zz': no namespace 'team-zz' in "*": no Lease resource to update" ]]
	assert_match '^team-zz +east +true +1 '
	as west acquire -n team-zz
	assert_status 1
}
