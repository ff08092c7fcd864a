#!/usr/bin/env bats
# Request counts of reconcile-all, from the stand-ins' logs: namespaces and
# Lease resources are listed in pages, the store with one listing; in the
# steady state a cluster writes (store and status) only for the namespaces
# it holds, and a standby's status is written only when the holder, the
# epoch or isLeader changes.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3002-kube-requests.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

LEASE_PUT="^$KUBE_GV/namespaces/[a-z0-9-]+/leases/lease-gsc/status$"

setup() {
	common_setup
	export MCLE_LEGACY_LOCKS=off	# these count requests; the root's listing: t6000
}

teardown() {
	kube_test_teardown
}

# bulk NAME PREFIX COUNT [START [LABELS-JSON]]: namespaces PREFIX00.. in
# instance NAME.
bulk() {
	kube_use "$1"
	kube_ctl POST /_control/namespaces \
		"{\"prefix\":\"$2\",\"count\":$3,\"start\":${4:-0},\"width\":2,\"labels\":${5:-{\}}}" >/dev/null
}

# The continue tokens sent, in order, for requests on PATH (a regex).
continues() {
	kube_log | "$PYTHON3" -c '
import json, re, sys, urllib.parse
rx = re.compile(sys.argv[1])
for line in sys.stdin:
    e = json.loads(line)
    if e["method"] == "GET" and rx.search(e["path"]):
        q = urllib.parse.parse_qs(e["query"])
        print(q.get("continue", ["-"])[0])' "$1"
}

@test "namespaces and Lease resources are listed in pages, following every continue token" {
	gcs_store_start --max-results-cap 4
	kube_start --instance k --crd "$KUBE_CRD" --no-system-namespaces --max-page 3
	bulk k ns- 10
	kube_pass cluster-a
	assert_status 0
	assert_match '^10 namespaces: 10 leader, 0 standby, 0 failed; 10 Lease resources created, 10 statuses written$'
	kube_clear_logs k
	kube_pass cluster-a
	assert_status 0
	assert_match '^ns-09 +renewed '
	assert_match '^10 namespaces: 10 leader, 0 standby, 0 failed; 0 Lease resources created, 10 statuses written$'
	# 3+3+3+1 items: four pages each, the first without a token, then one
	# distinct token per page
	run continues '^/api/v1/namespaces$'
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = - ]
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -v '^-$' | sort -u | wc -l)" -eq 3 ]
	run continues "^$KUBE_GV/leases$"
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[0]}" = - ]
	[ "$(printf '%s\n' "${lines[@]:1}" | grep -v '^-$' | sort -u | wc -l)" -eq 3 ]
	# never one GET per namespace
	[ "$(kube_count GET '/namespaces/[a-z0-9-]+/leases')" -eq 0 ]
	[ "$(kube_count '*' .)" -eq 18 ]
	[ "$(kube_count PUT "$LEASE_PUT")" -eq 10 ]
	# the store: three listing pages (4+4+2) and one PATCH per namespace
	[ "$(gcs_count GET '^/storage/v1/b/bkt/o\?')" -eq 3 ]
	[ "$(gcs_count GET 'pageToken=')" -eq 2 ]
	[ "$(gcs_count PATCH 'ifGenerationMatch=[0-9]+&ifMetagenerationMatch=[0-9]+$')" -eq 10 ]
	[ "$(gcs_count '*' .)" -eq 13 ]
}

@test "a standby cluster pays only list pages: O(namespaces / page size)" {
	gcs_store_start --max-results-cap 10
	kube_start --instance east --crd "$KUBE_CRD" --no-system-namespaces --max-page 10
	bulk east ns- 30
	kube_start --instance west --crd "$KUBE_CRD" --no-system-namespaces --max-page 10
	bulk west ns- 30
	kube_use east
	kube_pass cluster-east
	assert_status 0
	kube_use west
	kube_pass cluster-west
	assert_status 0
	assert_match '^30 namespaces: 0 leader, 30 standby, 0 failed; 30 Lease resources created, 30 statuses written$'
	kube_use east
	kube_pass cluster-east
	assert_status 0
	kube_clear_logs east west
	kube_use west
	kube_pass cluster-west
	assert_status 0
	assert_match '^30 namespaces: 0 leader, 30 standby, 0 failed; 0 Lease resources created, 0 statuses written$'
	[ "$(kube_writes)" -eq 0 ]
	[ "$(kube_count GET '^/api/v1/namespaces\?')" -eq 3 ]
	[ "$(kube_count GET "^$KUBE_GV/leases\?")" -eq 3 ]
	[ "$(kube_count '*' .)" -eq 6 ]
	[ "$(gcs_writes)" -eq 0 ]
	[ "$(gcs_count '*' .)" -eq 3 ]
	kube_use east
	[ "$(kube_count '*' .)" -eq 0 ]
}

@test "in the steady state each cluster writes only for the namespaces it holds" {
	gcs_store_start
	kube_start --instance east --crd "$KUBE_CRD" --no-system-namespaces
	bulk east ns- 4 0 '{"side":"east"}'
	bulk east ns- 6 4 '{"side":"west"}'
	kube_start --instance west --crd "$KUBE_CRD" --no-system-namespaces
	bulk west ns- 10
	# east contends for its four only; west takes the six left
	kube_use east
	kube_pass cluster-east --selector side=east
	assert_status 0
	assert_match '^4 namespaces: 4 leader, '
	kube_use west
	kube_pass cluster-west
	assert_status 0
	assert_match '^10 namespaces: 6 leader, 4 standby, 0 failed; 10 Lease resources created, 10 statuses written$'
	for round in 1 2; do
		kube_clear_logs east west
		kube_use east
		kube_pass cluster-east --selector side=east
		assert_status 0
		assert_match '^4 namespaces: 4 leader, 0 standby, 0 failed; 0 Lease resources created, 4 statuses written$'
		[ "$(kube_count PUT "$LEASE_PUT")" -eq 4 ]
		[ "$(kube_count PUT '/namespaces/ns-0[0-3]/')" -eq 4 ]
		[ "$(kube_writes)" -eq 4 ]
		[ "$(gcs_count PATCH 'locks%2Fns-0[0-3]\?')" -eq 4 ]
		[ "$(gcs_writes)" -eq 4 ]
		gcs_ctl DELETE /_control/log
		kube_use west
		kube_pass cluster-west
		assert_status 0
		assert_match '^10 namespaces: 6 leader, 4 standby, 0 failed; 0 Lease resources created, 6 statuses written$'
		[ "$(kube_count PUT '/namespaces/ns-0[4-9]/')" -eq 6 ]
		[ "$(kube_writes)" -eq 6 ]
		[ "$(gcs_count PATCH 'locks%2Fns-0[4-9]\?')" -eq 6 ]
		[ "$(gcs_writes)" -eq 6 ]
		[ "$(gcs_count '*' .)" -eq 7 ]
	done
}

@test "a standby writes its status when the holder, epoch or isLeader changes, and only then" {
	gcs_store_start
	kube_start --instance east --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_start --instance west --crd "$KUBE_CRD" --namespaces team-a,team-b,team-c --no-system-namespaces
	kube_use east
	kube_pass cluster-east
	kube_use west
	kube_pass cluster-west
	assert_status 0
	# east releases team-a: its own resource says so at once
	kube_use east
	run --separate-stderr "$MCLE" --identity cluster-east --kubeconfig "$KUBECONFIG_FILE" \
		release -n team-a
	assert_status 0
	# west takes the free lease: one store write and one status write, both team-a
	kube_clear_logs east west
	kube_use west
	kube_pass cluster-west
	assert_status 0
	assert_match '^team-a +acquired +cluster-west +true +2 '
	assert_match '^3 namespaces: 1 leader, 2 standby, 0 failed; 0 Lease resources created, 1 status written$'
	[ "$(kube_count PUT "^$KUBE_GV/namespaces/team-a/leases/lease-gsc/status$")" -eq 1 ]
	[ "$(kube_writes)" -eq 1 ]
	# a new term: overwrite conditional on the released generation
	[ "$(gcs_count POST 'ifGenerationMatch=[1-9][0-9]*&ifMetagenerationMatch=[0-9]+$')" -eq 1 ]
	[ "$(gcs_writes)" -eq 1 ]
	# east sees a new holder and epoch for team-a: one write for it, plus
	# its two renewals
	kube_use east
	kube_pass cluster-east
	assert_status 0
	assert_match '^team-a +standby +cluster-west +false +2 '
	assert_match '^3 namespaces: 2 leader, 1 standby, 0 failed; 0 Lease resources created, 3 statuses written$'
	[ "$(kube_count PUT "^$KUBE_GV/namespaces/team-a/")" -eq 1 ]
	# ... and then no more for team-a, in either cluster
	kube_clear_logs east west
	kube_use east
	kube_pass cluster-east
	assert_status 0
	assert_match '2 statuses written$'
	[ "$(kube_count PUT "^$KUBE_GV/namespaces/team-a/")" -eq 0 ]
	gcs_ctl DELETE /_control/log
	kube_use west
	kube_pass cluster-west
	assert_status 0
	assert_match '1 status written$'
	[ "$(kube_count PUT "^$KUBE_GV/namespaces/team-[bc]/")" -eq 0 ]
	[ "$(gcs_count '*' 'locks%2Fteam-[bc]')" -eq 0 ]
}

@test "--parallel N: the same requests and the same sorted output, whatever N" {
	gcs_store_start
	kube_start --instance k --crd "$KUBE_CRD" --no-system-namespaces --max-page 7
	bulk k ns- 30
	kube_pass cluster-a --parallel 8
	assert_status 0
	assert_match '^30 namespaces: 30 leader, 0 standby, 0 failed; 30 Lease resources created, 30 statuses written$'
	[ "$(printf '%s\n' "$output" | awk 'NR > 1 && NF { print $1 }' | head -n 30 | tr '\n' ' ')" = "$(printf 'ns-%02d ' $(seq 0 29))" ]
	[ "$(kube_count POST "^$KUBE_GV/namespaces/ns-[0-9]+/leases$")" -eq 30 ]
	[ "$(kube_count PUT "$LEASE_PUT")" -eq 30 ]
	[ "$(kube_count '*' .)" -eq $((5 + 1 + 30 + 30)) ]	# no resources yet: one empty page
	[ "$(gcs_count POST 'ifGenerationMatch=0$')" -eq 30 ]
	# the listing, the epoch floor once for the pass, 30 creates, each checking the floor after
	[ "$(gcs_count '*' .)" -eq $((1 + 1 + 30 + 30)) ]
	for n in 1 3 64; do
		kube_clear_logs k
		kube_pass cluster-a --parallel $n
		assert_status 0
		assert_match '^30 namespaces: 30 leader, 0 standby, 0 failed; 0 Lease resources created, 30 statuses written$'
		[ "$(kube_count '*' .)" -eq $((5 + 5 + 30)) ]
		[ "$(gcs_count PATCH .)" -eq 30 ]
		[ "$(gcs_count '*' .)" -eq 31 ]
	done
	for n in 0 1025 x; do
		kube_pass cluster-a --parallel $n
		assert_status 2
	done
}
