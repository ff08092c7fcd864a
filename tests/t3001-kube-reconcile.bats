#!/usr/bin/env bats
# reconcile-all against the Kubernetes API stand-in, with the GCS stand-in
# as the store: what one pass creates and writes, what a second pass by the
# holder and by a standby cluster writes, and where the namespaces come from.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3001-kube-reconcile.bats

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

@test "a first pass creates every missing resource and writes its status" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c
	kube_pass cluster-a --lease-duration 45
	assert_status 0
	[ -z "$stderr" ]
	assert_match '^team-a +acquired +cluster-a +true +1 +45s '
	# kube-system, kube-public, kube-node-lease are excluded by default
	assert_match '^4 namespaces: 4 leader, 0 standby, 0 failed; 4 Lease resources created, 4 statuses written$'
	for ns in default team-a team-b team-c; do
		[ "$(kube_lease $ns 'j["spec"]')" = '{"holderIdentity": "cluster-a", "leaseDurationSeconds": 45}' ]
		[ "$(kube_lease $ns 'j["status"]["isLeader"]')" = true ]
		[ "$(kube_lease $ns 'j["status"]["observedHolderIdentity"]')" = cluster-a ]
		[ "$(kube_lease $ns '[j["status"]["leaseTransitions"], j["status"]["epoch"]]')" = '[1, 1]' ]
		[ "$(kube_lease $ns 'T(j["status"]["observedExpireTime"]) - T(j["status"]["observedRenewTime"])')" = 45.0 ]
		[[ $(kube_lease $ns 'j["status"]["observedAcquireTime"]') =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$ ]]
	done
	for ns in kube-system kube-public kube-node-lease; do
		[ "$(kube_lease $ns 'j')" = absent ]
	done
	# one create and one status write per namespace, through /status
	[ "$(kube_count POST "^$KUBE_GV/namespaces/[a-z-]+/leases$")" -eq 4 ]
	[ "$(kube_count PUT "^$KUBE_GV/namespaces/[a-z-]+/leases/lease-gsc/status$")" -eq 4 ]
	[ "$(kube_writes)" -eq 8 ]
	# one store create per namespace, conditional on absence
	[ "$(gcs_count POST 'uploadType=multipart&ifGenerationMatch=0$')" -eq 4 ]
	[ "$(gcs_writes)" -eq 4 ]
}

@test "a second pass by the holder renews and writes every status again; nothing else" {
	export MCLE_LEGACY_LOCKS=off	# the root's listing: t6000
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	renew_a=$(kube_lease team-a 'T(j["status"]["observedRenewTime"])')
	renew_b=$(kube_lease team-b 'T(j["status"]["observedRenewTime"])')
	acq_a=$(kube_lease team-a 'j["status"]["observedAcquireTime"]')
	kube_clear_logs
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed +cluster-a +true +1 '
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 0 Lease resources created, 2 statuses written$'
	# the API: two lists, one status write per namespace, nothing else
	run kube_requests
	[ "${#lines[@]}" -eq 4 ] || { printf '%s\n' "$output"; false; }
	[ "${lines[0]}" = "GET /api/v1/namespaces?limit=500 200" ]
	[ "${lines[1]}" = "GET $KUBE_GV/leases?limit=500 200" ]
	# (in any order: --parallel workers)
	[ "$(printf '%s\n' "${lines[@]:2}" | sort | tr '\n' ' ')" = "PUT $KUBE_GV/namespaces/team-a/leases/lease-gsc/status 200 PUT $KUBE_GV/namespaces/team-b/leases/lease-gsc/status 200 " ]
	# the store: one list, one conditional metadata PATCH per namespace
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o\?prefix=locks%2F')" -eq 1 ]
	[ "$(gcs_count PATCH 'locks%2Fteam-[ab]\?ifGenerationMatch=[0-9]+&ifMetagenerationMatch=1$')" -eq 2 ]
	[ "$(gcs_count '*' .)" -eq 3 ]
	# renew time moved, acquire time and epoch did not
	[ "$(kube_lease team-a "T(j['status']['observedRenewTime']) > $renew_a")" = true ]
	[ "$(kube_lease team-b "T(j['status']['observedRenewTime']) > $renew_b")" = true ]
	[ "$(kube_lease team-a 'j["status"]["observedAcquireTime"]')" = "$acq_a" ]
	[ "$(kube_lease team-a 'j["status"]["epoch"]')" = 1 ]
}

@test "a standby cluster's steady-state pass writes nothing, even after the holder renewed" {
	export MCLE_LEGACY_LOCKS=off	# the root's listing: t6000
	kube_start --instance east --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_start --instance west --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_use east
	kube_pass cluster-east
	assert_status 0
	# west's first pass: resources created with its own identity, status
	# written once (standby), no store write at all
	kube_use west
	gcs_ctl DELETE /_control/log
	kube_pass cluster-west
	assert_status 0
	assert_match '^team-b +standby +cluster-east +false +1 '
	assert_match '^3 namespaces: 0 leader, 3 standby, 0 failed; 3 Lease resources created, 3 statuses written$'
	[ "$(gcs_writes)" -eq 0 ]
	[ "$(kube_lease team-b 'j["spec"]["holderIdentity"]')" = cluster-west ]
	[ "$(kube_lease team-b '[j["status"][k] for k in ("isLeader", "observedHolderIdentity", "epoch")]')" = '[false, "cluster-east", 1]' ]
	seen=$(kube_lease team-b 'j["status"]["observedRenewTime"]')
	rv=$(kube_lease team-b 'j["metadata"]["resourceVersion"]')
	# east renews (store and its own cluster), then west passes again
	kube_use east
	kube_pass cluster-east
	assert_status 0
	kube_use west
	kube_clear_logs
	kube_pass cluster-west
	assert_status 0
	assert_match '^3 namespaces: 0 leader, 3 standby, 0 failed; 0 Lease resources created, 0 statuses written$'
	[ "$(kube_writes)" -eq 0 ]
	[ "$(kube_count '*' .)" -eq 2 ]		# the two list pages
	[ "$(gcs_writes)" -eq 0 ]
	[ "$(gcs_count '*' .)" -eq 1 ]		# the store listing
	# the standby's status is what it wrote when the holder last changed
	[ "$(kube_lease team-b 'j["status"]["observedRenewTime"]')" = "$seen" ]
	[ "$(kube_lease team-b 'j["metadata"]["resourceVersion"]')" = "$rv" ]
	# while east's own resource follows every renewal
	kube_use east
	[ "$(kube_lease team-b "T(j['status']['observedRenewTime']) > T('$seen')")" = true ]
}

@test "each resource's spec.leaseDurationSeconds is its namespace's lease duration" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	run kube_curl -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data-binary '{"spec":{"leaseDurationSeconds":17}}' \
		"$KUBE_GV/namespaces/team-a/leases/lease-gsc"
	[ "${lines[-1]}" = 200 ]
	# without --lease-duration (an explicit one wins: t6012)
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed +cluster-a +true +1 +17s '
	assert_match '^team-b +renewed +cluster-a +true +1 +1m '
	[ "$(kube_lease team-a 'T(j["status"]["observedExpireTime"]) - T(j["status"]["observedRenewTime"])')" = 17.0 ]
	[ "$(kube_lease team-b 'T(j["status"]["observedExpireTime"]) - T(j["status"]["observedRenewTime"])')" = 60.0 ]
	# and the store record says so too
	run --separate-stderr "$MCLE" -o json --no-cluster status -n team-a
	assert_status 0
	[ "$(json_get 'j["leaseDurationSeconds"]')" = 17 ]
}

@test "a deleted resource is recreated on the next pass, in the same term" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	run kube_curl -X DELETE "$KUBE_GV/namespaces/team-a/leases/lease-gsc"
	[ "${lines[-1]}" = 200 ]
	[ "$(kube_lease team-a 'j')" = absent ]
	kube_clear_logs
	kube_pass cluster-a
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 1 Lease resource created, 2 statuses written$'
	[ "$(kube_count POST .)" -eq 1 ]
	[ "$(kube_count POST "^$KUBE_GV/namespaces/team-a/leases$")" -eq 1 ]
	[ "$(kube_lease team-a '[j["spec"]["holderIdentity"], j["status"]["isLeader"], j["status"]["epoch"]]')" = '["cluster-a", true, 1]' ]
	# the lock was renewed, not acquired again
	[ "$(gcs_count POST .)" -eq 0 ]
	[ "$(gcs_count PATCH 'locks%2Fteam-a\?')" -eq 1 ]
}

@test "namespaces come from the cluster: a new one is picked up, deleted and Terminating ones are left alone" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_pass cluster-a
	assert_status 0
	kube_ctl POST /_control/namespace '{"name":"team-d"}' >/dev/null
	kube_ctl DELETE '/_control/namespace?name=team-c'
	kube_ctl POST /_control/terminating '{"name":"team-b"}' >/dev/null
	rv_b=$(kube_lease team-b 'j["metadata"]["resourceVersion"]')
	kube_clear_logs
	kube_pass cluster-a
	assert_status 0
	assert_match '^team-a +renewed '
	assert_match '^team-d +acquired +cluster-a +true +1 '
	assert_no_match '^team-[bc] '
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; 1 Lease resource created, 2 statuses written$'
	# nothing sent for team-b or team-c, to the API or to the store
	[ "$(kube_count '*' '/namespaces/team-[bc]/')" -eq 0 ]
	[ "$(gcs_count '*' 'locks%2Fteam-[bc]')" -eq 0 ]
	[ "$(kube_lease team-b 'j["metadata"]["resourceVersion"]')" = "$rv_b" ]
	[ "$(kube_lease team-d '[j["spec"]["holderIdentity"], j["status"]["isLeader"]]')" = '["cluster-a", true]' ]
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 1 ]
	# the lock of the deleted namespace stays as it was, held until it expires
	run --separate-stderr "$MCLE" -o json --no-cluster --identity cluster-a status -n team-c
	assert_status 0
	[ "$(json_get '[j["holderIdentity"], j["isLeader"]]')" = '["cluster-a", true]' ]
}

@test "--selector goes to the server; --exclude adds to the preset, --exclude-preset none clears it" {
	kube_start --crd "$KUBE_CRD"
	kube_ctl POST /_control/namespace '{"name":"team-a","labels":{"env":"prod"}}' >/dev/null
	kube_ctl POST /_control/namespace '{"name":"team-b","labels":{"env":"prod","tier":"web"}}' >/dev/null
	kube_ctl POST /_control/namespace '{"name":"team-c","labels":{"env":"dev"}}' >/dev/null
	kube_pass cluster-a --selector env=prod
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby'
	assert_match '^team-a +acquired '
	assert_match '^team-b +acquired '
	# the selector was the server's job: one namespace list, filtered there
	[ "$(kube_count GET '^/api/v1/namespaces\?limit=500&labelSelector=env%3Dprod$')" -eq 1 ]
	[ "$(kube_count GET '^/api/v1/namespaces')" -eq 1 ]
	[ "$(kube_lease team-c 'j')" = absent ]
	# set-based selectors pass through unchanged
	kube_pass cluster-a -l 'env in (prod,dev),!tier'
	assert_status 0
	assert_match '^2 namespaces: '
	assert_match '^team-a +renewed '
	assert_match '^team-c +acquired '
	# --exclude adds to the default preset: the kube-* namespaces stay out
	kube_pass cluster-a --exclude team-a,team-b,default
	assert_status 0
	assert_no_match '^(team-a|team-b|default|kube-[a-z-]+) '
	assert_match '^team-c +renewed '
	assert_match '^1 namespace: '
	# --exclude-preset none: these and only these; the system namespaces come back
	kube_pass cluster-a --exclude team-a,team-b,default --exclude-preset none
	assert_status 0
	assert_no_match '^(team-a|team-b|default) '
	assert_match '^kube-system +acquired '
	assert_match '^kube-public +acquired '
	assert_match '^kube-node-lease +acquired '
	assert_match '^team-c +renewed '
	assert_match '^4 namespaces: 4 leader, '
	# default: kube-system, kube-public and kube-node-lease are left out
	kube_pass cluster-a
	assert_status 0
	assert_no_match '^kube-'
	assert_match '^4 namespaces: 4 leader, 0 standby, 0 failed; 1 Lease resource created, 4 statuses written$'
}

@test "a selector the server rejects is one error line, exit 5" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a
	# malformed: refused before any request, a usage error
	kube_pass cluster-a --selector 'env in (prod'
	assert_status 2
	assert_one_error_line
	[ "$(kube_requests | grep -c .)" -eq 0 ]
	# well-formed, but this server refuses it (as one whose label rules
	# differ would)
	kube_ctl POST /_control/fault '{"method":"GET","path":"^/api/v1/namespaces\\?.*labelSelector=","count":1,"status":400,"reason":"BadRequest","message":"unable to parse requirement: values[0][env]: Invalid value"}' >/dev/null
	kube_pass cluster-a --selector 'env in (prod)'
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"cannot list namespaces"* ]]
	[[ $stderr == *400* ]]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "-o json: one object per namespace with its action and the status written" {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	run --separate-stderr "$MCLE" --identity cluster-a --kubeconfig "$KUBECONFIG_FILE" \
		-o json reconcile-all
	assert_status 0
	[ "$(json_get '[x["namespace"] for x in j]')" = '["team-a", "team-b"]' ]
	[ "$(json_get '[x["action"] for x in j]')" = '["acquired", "acquired"]' ]
	st=$(json_get 'json.dumps(j[0]["status"], sort_keys=True)')
	[ "$(kube_lease team-a 'json.dumps(j["status"], sort_keys=True)')" = "$st" ]
}
