#!/usr/bin/env bats
# Races on gs://: a renewal between a takeover's read and write, and several
# identities contending at once.  Exactly one wins, always.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_setup
}

teardown() {
	gcs_stop
}

state() {
	gcs_object locks/team-a '" ".join(str(v) for v in (o["metadata"]["holderIdentity"],
		o["metadata"]["leaseTransitions"], o["generation"]))'
}

# race N NS OK-STATUSES [ARGS...]: identities id-1 .. id-N acquire NS at
# once (ARGS before the command); fails unless each exits 0 or one of
# OK-STATUSES (a space-separated list); the winners (exit 0) in WINNERS.
race() {
	local n=$1 ns=$2 ok=" $3 " k rc pids=()
	shift 3
	for ((k = 1; k <= n; k++)); do
		"$MCLE" --identity "id-$k" "$@" acquire -n "$ns" >/dev/null 2>&1 &
		pids[k]=$!
	done
	WINNERS=()
	for ((k = 1; k <= n; k++)); do
		rc=0
		wait "${pids[k]}" || rc=$?
		if [ "$rc" -eq 0 ]; then
			WINNERS+=("id-$k")
		elif [[ $ok != *" $rc "* ]]; then
			echo "id-$k: exit $rc" >&2
			return 1
		fi
	done
}

@test "a renewal between the takeover's read and its write makes the takeover fail" {
	"$MCLE" --identity a --lease-duration 60 acquire -n team-a >/dev/null
	before=$(state)
	# b reads while the store's clock says a's lease has expired ...
	gcs_ctl POST /_control/clock '{"offset": 120}' >/dev/null
	# ... and its conditional upload is held back on arrival (a retry of an
	# attempt dropped as stalled meanwhile is held too)
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload", "count": 1000, "action": "hold"}' >/dev/null
	"$MCLE" --identity b --lease-duration 10 --timeout 300 acquire -n team-a \
		>"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" 3>&- &
	b=$!
	gcs_wait_held
	[ "$(gcs_count GET 'locks%2Fteam-a$')" -eq 2 ]
	# meanwhile the clock is back and a renews, in place; then b's upload
	# goes on
	gcs_ctl POST /_control/clock '{"offset": 0}' >/dev/null
	run --separate-stderr "$MCLE" --identity a --lease-duration 60 renew -n team-a
	gcs_ctl DELETE /_control/fault >/dev/null
	gcs_release
	assert_status 0
	rc=0
	wait "$b" || rc=$?
	# b's write met the renewed version: 412, b re-read and saw a live lease
	[ "$rc" -eq 1 ]
	grep -q "held by 'a'" "$BATS_TEST_TMPDIR/b.err"
	[ "$(state)" = "$before" ]
	[ "$(gcs_count POST 'ifMetagenerationMatch=1$')" -ge 1 ]
	gcs_log | grep '"method": "POST"' | grep -q '"status": 412'
	! gcs_log | grep '"method": "POST"' | grep -q '"status": 200'
	[ "$(gcs_log | jq -s '[.[] | select(.method == "PATCH" and .status == 200)] | length')" = 1 ]
}

@test "eight identities acquire a free lease at once: exactly one wins" {
	race 8 team-a 1
	[ "${#WINNERS[@]}" -eq 1 ]
	read -r h e g <<<"$(state)"
	[ "$h" = "${WINNERS[0]}" ]
	[ "$e" = 1 ]
}

@test "eight identities take over an expired lease at once: exactly one wins" {
	"$MCLE" --identity old --lease-duration 5 acquire -n team-a >/dev/null
	gcs_ctl POST /_control/clock '{"offset": 30}' >/dev/null
	race 8 team-a 1
	[ "${#WINNERS[@]}" -eq 1 ]
	read -r h e g <<<"$(state)"
	[ "$h" = "${WINNERS[0]}" ]
	[ "$e" = 2 ]
	run "$MCLE" --identity old renew -n team-a
	assert_status 3
}

@test "contention with random faults: never two winners, the bucket agrees" {
	gcs_ctl POST /_control/random-faults '{"probability": 0.3, "actions": ["status:503", "reset", "commit-drop", "status:429"], "seed": 7}' >/dev/null
	for round in 1 2 3; do
		race 4 "ns-$round" "1 4" --timeout 20
		[ "${#WINNERS[@]}" -le 1 ]
		if [ "${#WINNERS[@]}" -eq 1 ]; then
			h=$(gcs_object "locks/ns-$round" 'o["metadata"]["holderIdentity"]')
			[ "$h" = "${WINNERS[0]}" ]
		fi
	done
}
