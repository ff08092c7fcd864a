#!/usr/bin/env bats
# reconcile-all --parallel against the GCS stand-in: the same requests as
# one worker, the same single leader per namespace, under faults too.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
	NS=$(seq -f 'par-%02g' 1 30 | paste -sd,)
}

teardown() {
	gcs_stop
}

@test "parallel workers: one list, one write per namespace, nothing more" {
	export MCLE_LEGACY_LOCKS=off	# the root's listing: t6000
	run "$MCLE" --no-cluster reconcile-all --identity c1 --namespaces "$NS" --parallel 8
	assert_status 0
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --no-cluster -o json reconcile-all --identity c1 --namespaces "$NS" --parallel 8
	assert_status 0
	[ "$(json_get '[x["action"] for x in j].count("renewed")')" = 30 ]
	[ "$(gcs_count GET '/o$|/o\?')" = 1 ]
	[ "$(gcs_count PATCH .)" = 30 ]
	[ "$(gcs_count '*' .)" = 31 ]
	# a standby with 8 workers writes nothing
	gcs_ctl DELETE /_control/log >/dev/null
	run "$MCLE" --no-cluster reconcile-all --identity c2 --namespaces "$NS" --parallel 8
	assert_status 0
	[ "$(gcs_count '*' .)" = 1 ]
}

@test "three identities with 8 workers each, random faults: one leader per namespace" {
	gcs_ctl POST /_control/random-faults '{"probability":0.1,"actions":["status:503","reset","commit-drop"],"seed":7}' >/dev/null
	for round in 1 2 3; do
		pids=()
		for id in c1 c2 c3; do
			( "$MCLE" --no-cluster -o json reconcile-all --identity "$id" --namespaces "$NS" \
				--parallel 8 --timeout 20 >"$BATS_TEST_TMPDIR/out.$id.$round" 2>/dev/null || true ) &
			pids+=($!)
		done
		wait "${pids[@]}"	# not a bare wait: the stand-in is a child too
	done
	gcs_ctl POST /_control/random-faults '{"probability":0}' >/dev/null
	for id in c1 c2 c3; do
		"$MCLE" --no-cluster -o json reconcile-all --identity "$id" --namespaces "$NS" \
			--parallel 8 >"$BATS_TEST_TMPDIR/final.$id"
	done
	"$PYTHON3" - "$BATS_TEST_TMPDIR" <<-'EOP'
	import glob, json, sys
	leaders = {}
	for f in glob.glob(sys.argv[1] + "/final.*"):
	    for x in json.load(open(f)):
	        if x["status"]["isLeader"]:
	            assert x["namespace"] not in leaders, (x, leaders)
	            leaders[x["namespace"]] = x["holderIdentity"]
	assert len(leaders) == 30, leaders
	EOP
}
