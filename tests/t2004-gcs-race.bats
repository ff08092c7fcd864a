#!/usr/bin/env bats
# Races on gs://: a renewal between a takeover's read and write, and several
# identities contending at once.  Exactly one wins, always.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	mcle_clean_env
	export HOME="$BATS_TEST_TMPDIR"
	unset CLOUDSDK_CONFIG GCE_METADATA_HOST
	gcs_start --bucket bkt
	export MCLE_STORE=gs://bkt/locks
}

teardown() {
	gcs_stop
}

state() {
	gcs_ctl GET '/_control/object?bucket=bkt&name=locks/team-a' |
		jq -r '[.metadata.holderIdentity, .metadata.leaseTransitions, .generation] | join(" ")'
}

# wait_count METHOD REGEX N: until the log holds N matching requests (10 s).
wait_count() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(gcs_count "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.05
	done
	echo "timed out waiting for $3 x $1 $2" >&2
	return 1
}

@test "a renewal between the takeover's read and its write makes the takeover fail" {
	"$MCLE" --identity a --lease-duration 10 acquire -n team-a >/dev/null
	before=$(state)
	# b reads while the store's clock says a's lease has expired ...
	gcs_ctl POST /_control/clock '{"offset": 60}' >/dev/null
	# ... and its conditional upload is held back for 5 s on arrival
	gcs_ctl POST /_control/fault '{"method": "POST", "path": "upload", "count": 1, "action": "delay", "delay": 5}' >/dev/null
	"$MCLE" --identity b --lease-duration 10 acquire -n team-a \
		>"$BATS_TEST_TMPDIR/b.out" 2>"$BATS_TEST_TMPDIR/b.err" &
	b=$!
	wait_count GET 'locks%2Fteam-a$' 2
	# meanwhile the clock is back and a renews, in place
	gcs_ctl POST /_control/clock '{"offset": 0}' >/dev/null
	run --separate-stderr "$MCLE" --identity a --lease-duration 10 renew -n team-a
	assert_status 0
	rc=0
	wait "$b" || rc=$?
	# b's write met the renewed version: 412, b re-read and saw a live lease
	[ "$rc" -eq 1 ]
	grep -q "held by 'a'" "$BATS_TEST_TMPDIR/b.err"
	[ "$(state)" = "$before" ]
	[ "$(gcs_count POST 'ifMetagenerationMatch=1$')" = 1 ]
	gcs_log | grep '"method": "POST"' | grep -q '"status": 412'
	[ "$(gcs_log | jq -s '[.[] | select(.method == "PATCH" and .status == 200)] | length')" = 1 ]
}

@test "eight identities acquire a free lease at once: exactly one wins" {
	for i in 1 2 3 4 5 6 7 8; do
		"$MCLE" --identity "id-$i" acquire -n team-a >/dev/null 2>&1 &
		pids[i]=$!
	done
	winners=()
	for i in 1 2 3 4 5 6 7 8; do
		rc=0
		wait "${pids[i]}" || rc=$?
		[ "$rc" -eq 0 ] && winners+=("id-$i")
		[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]
	done
	[ "${#winners[@]}" -eq 1 ]
	read -r h e g <<<"$(state)"
	[ "$h" = "${winners[0]}" ]
	[ "$e" = 1 ]
}

@test "eight identities take over an expired lease at once: exactly one wins" {
	"$MCLE" --identity old --lease-duration 5 acquire -n team-a >/dev/null
	gcs_ctl POST /_control/clock '{"offset": 30}' >/dev/null
	for i in 1 2 3 4 5 6 7 8; do
		"$MCLE" --identity "id-$i" acquire -n team-a >/dev/null 2>&1 &
		pids[i]=$!
	done
	winners=()
	for i in 1 2 3 4 5 6 7 8; do
		rc=0
		wait "${pids[i]}" || rc=$?
		[ "$rc" -eq 0 ] && winners+=("id-$i")
		[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ]
	done
	[ "${#winners[@]}" -eq 1 ]
	read -r h e g <<<"$(state)"
	[ "$h" = "${winners[0]}" ]
	[ "$e" = 2 ]
	run "$MCLE" --identity old renew -n team-a
	assert_status 3
}

@test "contention with random faults: never two winners, the bucket agrees" {
	gcs_ctl POST /_control/random-faults '{"probability": 0.3, "actions": ["status:503", "reset", "commit-drop", "status:429"], "seed": 7}' >/dev/null
	for round in 1 2 3; do
		for i in 1 2 3 4; do
			"$MCLE" --identity "id-$i" --timeout 20 acquire -n "ns-$round" >/dev/null 2>&1 &
			pids[i]=$!
		done
		winners=()
		for i in 1 2 3 4; do
			rc=0
			wait "${pids[i]}" || rc=$?
			[ "$rc" -eq 0 ] && winners+=("id-$i")
			[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || [ "$rc" -eq 4 ]
		done
		[ "${#winners[@]}" -le 1 ]
		if [ "${#winners[@]}" -eq 1 ]; then
			h=$(gcs_ctl GET "/_control/object?bucket=bkt&name=locks/ns-$round" | jq -r .metadata.holderIdentity)
			[ "$h" = "${winners[0]}" ]
		fi
	done
}
