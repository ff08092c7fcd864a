#!/usr/bin/env bats
# Many processes at once on one file store.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

@test "20 identities acquire one namespace at once: exactly one wins" {
	for i in $(seq 1 20); do
		( rc=0; "$MCLE" acquire -n team-a --identity "c$i" >/dev/null 2>&1 || rc=$?
		  echo "$i $rc" >"$BATS_TEST_TMPDIR/rc.$i" ) &
	done
	wait
	wins=$(cat "$BATS_TEST_TMPDIR"/rc.* | awk '$2 == 0' | wc -l)
	busy=$(cat "$BATS_TEST_TMPDIR"/rc.* | awk '$2 == 1' | wc -l)
	[ "$wins" -eq 1 ]
	[ "$busy" -eq 19 ]
	winner=$(cat "$BATS_TEST_TMPDIR"/rc.* | awk '$2 == 0 { print "c" $1 }')
	run --separate-stderr "$MCLE" -o json status -n team-a
	[ "$(json_get 'j["holderIdentity"]')" = "$winner" ]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
}

@test "5 clusters reconcile 12 namespaces at once: one holder each, no torn files" {
	ns=$(seq -f 'ns-%g' 1 12 | paste -sd,)
	for round in 1 2 3; do
		for i in 1 2 3 4 5; do
			( "$MCLE" reconcile-all --identity "cluster-$i" --namespaces "$ns" >/dev/null \
				2>"$BATS_TEST_TMPDIR/err.$i.$round" || echo "exit $?" >>"$BATS_TEST_TMPDIR/err.$i.$round" ) &
		done
		wait
	done
	cat "$BATS_TEST_TMPDIR"/err.* >&2
	[ -z "$(cat "$BATS_TEST_TMPDIR"/err.*)" ]
	run --separate-stderr "$MCLE" -o json status --all
	assert_status 0
	[ "$(json_get 'len(j)')" = 12 ]
	[ "$(json_get 'all(x["holderIdentity"].startswith("cluster-") for x in j)')" = true ]
	[ "$(json_get 'all(x["leaseTransitions"] == 1 for x in j)')" = true ]
	# every cluster agrees on the single leader of each namespace
	# (not "i": bats' run uses that name)
	for k in 1 2 3 4 5; do
		run --separate-stderr "$MCLE" -o json reconcile-all --identity "cluster-$k" --namespaces "$ns"
		echo "$output" >"$BATS_TEST_TMPDIR/view.$k"
	done
	"$PYTHON3" - "$BATS_TEST_TMPDIR" <<-'EOP'
	import json, sys, glob
	leaders = {}
	for f in glob.glob(sys.argv[1] + "/view.*"):
	    for x in json.load(open(f)):
	        if x["status"]["isLeader"]:
	            assert x["namespace"] not in leaders, x
	            leaders[x["namespace"]] = x["holderIdentity"]
	assert len(leaders) == 12, leaders
	EOP
	[ -z "$(ls -A "$STORE_DIR" | grep '\.tmp-')" ]
}

@test "concurrent renews by the holder never lose the lease" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	for i in $(seq 1 10); do
		( rc=0; "$MCLE" renew -n team-a --identity c1 >/dev/null 2>&1 || rc=$?
		  echo "$rc" >"$BATS_TEST_TMPDIR/r.$i" ) &
	done
	wait
	# a renew that loses the race to a sibling reads back and sees us holding it
	[ "$(cat "$BATS_TEST_TMPDIR"/r.* | sort -u)" = 0 ]
}
