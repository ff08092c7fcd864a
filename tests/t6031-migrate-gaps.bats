#!/usr/bin/env bats
# What a cut-over from the Go controller also needs, on gs:// (the GCS
# stand-in) and a cluster: status -n shows the legacy lock as status --all
# does; acquire, renew and release refuse this identity's lock written from
# another cluster (the fingerprint); repair meeting a lock changed under it
# (412) exits 3 and leaves it as it is.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t6031-migrate-gaps.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

GO_ID=https://34.118.224.1:443

setup() {
	kube_test_setup
}

teardown() {
	kube_test_teardown
}

seed_legacy() {	# NS HOLDER DURATION TRANSITIONS [BUCKET [PREFIX/]]
	gcs_seed_legacy "$@"
}

# gcs_object_in BUCKET NAME EXPR: gcs_object in another bucket
gcs_object_in() {
	"$PYTHON3" - "$GCS_URL" "$@" <<'EOP'
import json, sys, urllib.parse, urllib.request
base, bucket, name, expr = sys.argv[1:]
url = "%s/_control/object?bucket=%s&name=%s" % (base, bucket, urllib.parse.quote(name, safe=""))
o = json.load(urllib.request.urlopen(url, timeout=30))
print(eval(expr))
EOP
}

@test "status -n shows a live legacy lock as status --all does: source legacy, holder as written" {
	seed_legacy team-a "$GO_ID" 15 7
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a status -n team-a -o json
	assert_status 0
	[ "$(json_get '[j["source"], j["holderIdentity"], j["leaseTransitions"], j["isLeader"], j["leaseDurationSeconds"]]')" = \
		"[\"legacy\", \"$GO_ID\", 7, false, 45]" ]
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a status -n team-a
	assert_status 0
	[[ $output == *"$GO_ID (legacy)"* ]]
	# --check: not held by this identity
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a status -n team-a --check
	assert_status 1
	# once mcle took it over (expired), its own lock is shown
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a acquire -n team-a
	assert_status 0
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a status -n team-a -o json
	assert_status 0
	[ "$(json_get '[j["source"], j["holderIdentity"], j["epoch"], j["isLeader"]]')" = \
		'["mcle", "cluster-a", 8, true]' ]
	# no legacy lock at all: as before
	run --separate-stderr "$MCLE" --no-cluster status -n team-b -o json
	assert_status 0
	[ "$(json_get '[j["source"], j["holderIdentity"]]')" = '["mcle", ""]' ]
}

@test "acquire, renew and release with a cluster refuse this identity's lock from another cluster" {
	kube_start --instance a --crd "$KUBE_CRD" --namespaces team-a
	kube_start --instance b --crd "$KUBE_CRD" --namespaces team-a
	kube_use a
	run --separate-stderr "$MCLE" --identity shared --kubeconfig "$KUBECONFIG_FILE" acquire -n team-a
	assert_status 0
	uid_a=$(gcs_object locks/team-a 'o["metadata"].get("mcleCluster")')
	[ -n "$uid_a" ] && [ "$uid_a" != None ]
	gen=$(gcs_object locks/team-a 'o["generation"]')
	kube_use b
	for cmd in acquire renew release; do
		run --separate-stderr "$MCLE" --identity shared --kubeconfig "$KUBECONFIG_FILE" \
			"$cmd" -n team-a
		assert_status 5
		[[ $stderr == *"from another cluster"*"$uid_a"* ]]
	done
	[ "$(gcs_object locks/team-a 'o["generation"]')" = "$gen" ]
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = shared ]
	# from its own cluster it renews as ever
	kube_use a
	run --separate-stderr "$MCLE" --identity shared --kubeconfig "$KUBECONFIG_FILE" renew -n team-a
	assert_status 0
}

@test "repair meeting a lock changed under it (412) exits 3 and leaves the lock as it is" {
	"$MCLE" --no-cluster --identity c1 acquire -n team-a >/dev/null
	"$MCLE" --no-cluster --identity c1 release -n team-a >/dev/null
	curl -sS --fail -o /dev/null -H 'Content-Type: application/json' -X PATCH \
		--data-binary '{"metadata": {"leaseDurationSeconds": "x"}}' \
		"$GCS_URL/storage/v1/b/bkt/o/locks%2Fteam-a"
	gen=$(gcs_object locks/team-a 'o["generation"]')
	# the replacement, conditioned on the corrupt object's generation, is held ...
	gcs_ctl POST /_control/fault "{\"method\": \"POST\", \"path\": \"ifGenerationMatch=$gen&\", \"count\": 1, \"action\": \"hold\"}" >/dev/null
	"$MCLE" --no-cluster --timeout 300 repair -n team-a >"$BATS_TEST_TMPDIR/r.out" \
		2>"$BATS_TEST_TMPDIR/r.err" 3>&- &
	r=$!
	gcs_wait_held
	# ... while someone changes the lock
	curl -sS --fail -o /dev/null -H 'Content-Type: application/json' -X PATCH \
		--data-binary '{"metadata": {"leaseDurationSeconds": "y"}}' \
		"$GCS_URL/storage/v1/b/bkt/o/locks%2Fteam-a"
	want=$(gcs_object locks/team-a '[o["generation"], o["metageneration"], o["metadata"]]')
	gcs_release
	rc=0
	wait "$r" || rc=$?
	[ "$rc" = 3 ]
	grep -q "lock changed while it was repaired" "$BATS_TEST_TMPDIR/r.err"
	[ "$(gcs_object locks/team-a '[o["generation"], o["metageneration"], o["metadata"]]')" = "$want" ]
	gcs_log | grep '"method": "POST"' | grep "ifGenerationMatch=$gen&" | grep -q '"status": 412'
}

@test "--legacy-locks gs://BUCKET[/PREFIX]: the legacy locks where they are, honoured and taken over there" {
	gcs_ctl POST /_control/bucket '{"name":"old-bkt"}' >/dev/null
	seed_legacy team-a "$GO_ID" 15 7 old-bkt
	seed_legacy team-b "$GO_ID" 15 3 bkt old/
	# not looked for at the store's root: free
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a status -n team-a -o json
	[ "$(json_get 'j["source"]')" = mcle ]
	# in another bucket's root: live, acquire is busy, status and --all show it
	export MCLE_LEGACY_LOCKS=gs://old-bkt
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a acquire -n team-a
	assert_status 1
	[[ $stderr == *"held by '$GO_ID' (legacy lock"* ]]
	run --separate-stderr "$MCLE" --no-cluster status --all -o json
	assert_status 0
	[ "$(json_get '[[r["namespace"], r["source"]] for r in j]')" = '[["team-a", "legacy"]]' ]
	# expired: taken over there, by a write conditioned on its generation
	gen=$(gcs_object_in old-bkt team-a-lease-gsc 'o["generation"]')
	gcs_ctl POST /_control/clock '{"offset": 100}' >/dev/null
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-a acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 8 ]
	gcs_log | grep '"method": "POST"' | grep "/b/old-bkt/o" | grep -q "ifGenerationMatch=$gen"
	[ "$(gcs_object_in old-bkt team-a-lease-gsc 'o["metadata"]["mcleEpoch"]')" = 8 ]
	# under a prefix of the store's bucket, as a config file key too
	printf 'legacy-locks: gs://bkt/old\n' >"$BATS_TEST_TMPDIR/c.yaml"
	unset MCLE_LEGACY_LOCKS
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/c.yaml" --no-cluster \
		--identity cluster-a status --all -o json
	assert_status 0
	[ "$(json_get '[[r["namespace"], r["source"], r["leaseTransitions"]] for r in j if r["source"] == "legacy"]')" = \
		'[["team-b", "legacy", 3]]' ]
	gcs_log | grep -q 'prefix=old%2F&matchGlob=old%2F%2A-lease-gsc'
	# a pass takes the expired one over there, the epoch continuing above it
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/c.yaml" --no-cluster \
		--identity cluster-a reconcile-all --namespaces team-b -o json
	assert_status 0
	[ "$(json_get '[j[0]["namespace"], j[0]["epoch"], j[0]["action"]]')" = '["team-b", 4, "acquired"]' ]
	[ "$(gcs_object old/team-b-lease-gsc 'o["metadata"]["mcleEpoch"]')" = 4 ]
	# a file:// store has none: refused, not ignored
	run --separate-stderr "$MCLE" --no-cluster --store "file://$BATS_TEST_TMPDIR/s" \
		--legacy-locks gs://old-bkt status --all
	assert_status 2
	[[ $stderr == *"need a gs:// store"* ]]
	run --separate-stderr "$MCLE" --no-cluster --legacy-locks gs://B status --all
	assert_status 2
	[[ $stderr == *"legacy locks' location"* ]]
}
