#!/usr/bin/env bats
# Expiry by the store's clock only: with the stand-in's clock minutes ahead
# of or behind this host's, a takeover happens exactly when the store's clock
# (its Date header against the object's `updated`) says the lease expired.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_env
	export MCLE_STORE=gs://bkt/locks MCLE_LEASE_DURATION=60 MCLE_CLOCK_SKEW=30
}

teardown() {
	gcs_stop
}

clock() {
	gcs_ctl POST /_control/clock "{\"offset\": $1}" >/dev/null
}

# clock_at SECONDS: set the store's clock to the lock's `updated` + SECONDS
clock_at() {
	local off
	off=$(gcs_object locks/team-a "o['updatedEpoch'] + $1 - time.time()")
	clock "$off"
}

# seconds from this host's clock to an RFC 3339 time
secs_from_now() {
	"$PYTHON3" -c '
import datetime, sys, time
t = datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ")
print(round(t.replace(tzinfo=datetime.timezone.utc).timestamp() - time.time()))' "$1"
}

# takeover_at OFFSET: a acquires with the store's clock OFFSET seconds from
# ours; b may take over once the store's clock passes updated + 60 + 30.
# (Long leases: each step below has tens of seconds to run in.)
takeover_at() {
	local off=$1
	gcs_start --bucket bkt --clock-offset "$off"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a -o json
	assert_status 0
	# expireTime is on the store's clock: OFFSET + 60 s from our clock,
	# less the time this took (not a minute)
	d=$(secs_from_now "$(json_get 'j["expireTime"]')")
	(( d > off && d <= off + 61 ))
	# our own clock has not moved: judged by the store, a's lease is live
	run --separate-stderr "$MCLE" --identity b acquire -n team-a
	assert_status 1
	run --separate-stderr "$MCLE" --identity a status -n team-a --check
	assert_status 0
	# 61 s after the write by the store's clock (the Date header has whole
	# seconds, so more than 60): past the 60 s lease, within the 30 s skew
	# allowance
	clock_at 61
	run --separate-stderr "$MCLE" --identity b acquire -n team-a
	assert_status 1
	# (the holder itself stopped counting on it at 60 s)
	run --separate-stderr "$MCLE" --identity a status -n team-a --check
	assert_status 1
	# 91.5 s: expired by the store's clock, b takes over
	clock_at 91.5
	run --separate-stderr "$MCLE" --identity b acquire -n team-a -o json
	assert_status 0
	[ "$(json_get 'j["leaseTransitions"]')" = 2 ]
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	assert_status 3
}

@test "store clock 10 minutes ahead: takeover exactly when the store says expired" {
	takeover_at 600
}

@test "store clock 10 minutes behind: takeover exactly when the store says expired" {
	takeover_at -600
}

@test "a renew after expiry by the store's clock is a lost lease" {
	gcs_start --bucket bkt --clock-offset -300
	"$MCLE" --identity a acquire -n team-a >/dev/null
	clock -230
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	assert_status 3
	[[ $stderr == *"expired"* ]]
	[ "$(gcs_count PATCH .)" = 0 ]
}
