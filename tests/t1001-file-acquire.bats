#!/usr/bin/env bats
# acquire on the file store: create, busy, renew-if-ours, takeover, epochs.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

field() {	# field NS EXPR: a JSON field of `status -n NS`
	run --separate-stderr "$MCLE" -o json status -n "$1" --identity "${3:-nobody}"
	assert_status 0
	json_get "$2"
}

@test "acquiring a free namespace creates the lock; exit 0" {
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c1
	assert_status 0
	[ "$(json_get 'j["namespace"]')" = team-a ]
	[ "$(json_get 'j["holderIdentity"]')" = c1 ]
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(json_get 'j["leaseTransitions"]')" = 1 ]
	[ "$(json_get 'j["leaseDurationSeconds"]')" = 60 ]
	[[ "$(json_get 'j["acquireTime"]')" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$ ]]
	# the acquire time is the store's clock as seen just before the write
	[ "$(json_get 'j["acquireTime"] <= j["renewTime"]')" = true ]
	# expireTime = renewTime + 60 s
	run --separate-stderr "$MCLE" -o json status -n team-a
	"$PYTHON3" - "$output" <<-'EOP'
	import json, sys, datetime
	j = json.loads(sys.argv[1])
	p = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
	assert (p(j["expireTime"]) - p(j["renewTime"])).total_seconds() == 60, j
	EOP
	# the lock file is GCS-shaped JSON with the record in its metadata
	run "$PYTHON3" -c 'import json,sys; o=json.load(open(sys.argv[1])); print(o["metadata"]["holderIdentity"], o["metageneration"], o["generation"].isdigit())' "$STORE_DIR/team-a"
	[ "$output" = "c1 1 True" ]
}

@test "a namespace held by another identity: exit 1, state shown, nothing written" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" acquire -n team-a --identity c2
	assert_status 1
	[[ "$stderr" == "mcle: lease 'team-a' is held by 'c1' until "*Z ]]
	assert_match '^team-a +c1 +false +1 +1m '
	[ "$(store_digest)" = "$before" ]
}

@test "acquire by the holder renews: same term, same epoch, later renew time" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	gen1=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$STORE_DIR/team-a")
	r1=$(field team-a 'j["renewTime"]')
	a1=$(field team-a 'j["acquireTime"]')
	sleep 0.01
	run "$MCLE" acquire -n team-a --identity c1
	assert_status 0
	gen2=$("$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' "$STORE_DIR/team-a")
	[ "$gen1" = "$gen2" ]
	[ "$(field team-a 'j["leaseTransitions"]')" = 1 ]
	r2=$(field team-a 'j["renewTime"]')
	[[ "$r2" > "$r1" ]]
	[ "$(field team-a 'j["acquireTime"]')" = "$a1" ]
}

@test "an expired lease is taken over, epoch + 1, new term" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	run "$MCLE" acquire -n team-a --identity c2 --clock-skew 0
	assert_status 1
	# c1 renews for 1 s only (not before: this machine may be slow), and
	# that runs out
	"$MCLE" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sleep 1.1
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c2 --clock-skew 0
	assert_status 0
	[ "$(json_get 'j["holderIdentity"]')" = c2 ]
	[ "$(json_get 'j["leaseTransitions"]')" = 2 ]
	[ "$(json_get 'j["acquireTime"] <= j["renewTime"]')" = true ]
	[ "$(json_get 'j["acquireTime"]')" \> "$(json_get 'j["renewTime"][:10]')" ]
	# the old holder has lost it
	run "$MCLE" renew -n team-a --identity c1
	assert_status 3
}

@test "the clock-skew allowance delays a takeover" {
	"$MCLE" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sleep 1.1
	run "$MCLE" acquire -n team-a --identity c2 --clock-skew 60
	assert_status 1
	run "$MCLE" acquire -n team-a --identity c2 --clock-skew 0
	assert_status 0
}

@test "epoch counts every change of holder and survives release" {
	for id in a b c a; do
		run "$MCLE" acquire -n team-a --identity "$id"
		assert_status 0
		run "$MCLE" release -n team-a --identity "$id"
		assert_status 0
	done
	[ "$(field team-a 'j["leaseTransitions"]')" = 4 ]
	[ "$(field team-a 'j["holderIdentity"]')" = "" ]
	run "$MCLE" acquire -n team-a --identity a
	[ "$(field team-a 'j["leaseTransitions"]')" = 5 ]
}

@test "acquire writes the requested lease duration" {
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c1 --lease-duration 15
	[ "$(json_get 'j["leaseDurationSeconds"]')" = 15 ]
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c1 --lease-duration 90
	[ "$(json_get 'j["leaseDurationSeconds"]')" = 90 ]
}
