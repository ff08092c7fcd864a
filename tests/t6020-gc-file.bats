#!/usr/bin/env bats
# mcle gc and mcle repair on the file store: locks of names that no longer
# exist are removed once released or expired, never while live, and epochs
# never go backwards across removal, repair and re-creation.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

epoch() {	# epoch NS: the lock's leaseTransitions, or ABSENT
	[ -e "$STORE_DIR/$1" ] || { echo ABSENT; return; }
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"]["leaseTransitions"])' \
		"$STORE_DIR/$1"
}

# corrupt NS KEY VALUE: set one metadata value of the lock file by hand
corrupt() {
	"$PYTHON3" - "$STORE_DIR/$1" "$2" "$3" <<'PY'
import json, sys
path, key, value = sys.argv[1:]
d = json.load(open(path))
d["metadata"][key] = value
json.dump(d, open(path, "w"))
PY
}

@test "gc removes a released lock, keeps the floor, and the next acquire continues above it" {
	for i in 1 2 3; do
		"$MCLE" acquire -n team-a --identity "c$i" >/dev/null
		"$MCLE" release -n team-a --identity "c$i" >/dev/null
	done
	[ "$(epoch team-a)" = 3 ]
	run --separate-stderr "$MCLE" -o json gc --namespaces team-b
	assert_status 0
	[ "$(json_get '[(x["namespace"], x["action"], x["epoch"]) for x in j]')" = '[["team-a", "removed", 3]]' ]
	[ "$(epoch team-a)" = ABSENT ]
	[ -f "$STORE_DIR/.mcle-epoch-floor" ]
	# the floor is no lock: status --all neither shows nor warns about it
	run --separate-stderr "$MCLE" -o json status --all
	assert_status 0
	[ -z "$stderr" ]
	[ "$(json_get 'len(j)')" = 0 ]
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c1
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 4 ]
	# reconcile-all creates above the floor too
	"$MCLE" release -n team-a --identity c1 >/dev/null
	"$MCLE" gc --namespaces x >/dev/null
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c2 --namespaces team-a
	assert_status 0
	[ "$(epoch team-a)" = 5 ]
}

@test "gc never removes a live lock, nor the lock of a name that exists" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	"$MCLE" acquire -n team-b --identity c1 >/dev/null
	"$MCLE" release -n team-b --identity c1 >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" -o json gc --namespaces team-b
	assert_status 0
	[ "$(json_get '[(x["namespace"], x["action"]) for x in j]')" = '[["team-a", "kept-live"]]' ]
	[ "$(store_digest)" = "$before" ]
}

@test "an expired lock is removed only beyond the clock-skew allowance" {
	"$MCLE" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sleep 1.2
	run --separate-stderr "$MCLE" -o json gc --namespaces x --clock-skew 60
	assert_status 0
	[ "$(json_get 'j[0]["action"]')" = kept-live ]
	run --separate-stderr "$MCLE" -o json gc --namespaces x --clock-skew 0
	assert_status 0
	[ "$(json_get 'j[0]["action"]')" = removed ]
	[ "$(epoch team-a)" = ABSENT ]
}

@test "gc --dry-run writes nothing; gc without the names that exist is refused" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	"$MCLE" release -n team-a --identity c1 >/dev/null
	before=$(store_digest)
	run --separate-stderr "$MCLE" gc --namespaces x --dry-run
	assert_status 0
	assert_match 'team-a +would-remove'
	[ "$(store_digest)" = "$before" ]
	[ ! -e "$STORE_DIR/.mcle-epoch-floor" ]
	run --separate-stderr "$MCLE" gc
	assert_status 2
	assert_one_error_line
	[[ $stderr == *"give --namespaces or --namespaces-file"* ]]
	[ "$(store_digest)" = "$before" ]
}

@test "repair replaces a corrupt lock above the epoch it still shows, then acquire continues" {
	for i in 1 2 3; do
		"$MCLE" acquire -n team-a --identity "c$i" >/dev/null
		"$MCLE" release -n team-a --identity "c$i" >/dev/null
	done
	corrupt team-a leaseDurationSeconds x
	run --separate-stderr "$MCLE" acquire -n team-a --identity c1
	assert_status 5
	# gc leaves it alone
	run --separate-stderr "$MCLE" -o json gc --namespaces x
	assert_status 0
	[ "$(json_get 'j[0]["action"]')" = kept-unreadable ]
	run --separate-stderr "$MCLE" -o json repair -n team-a --dry-run
	assert_status 0
	[ "$(json_get '[j["action"], j["epoch"]]')" = '["would-repair", 4]' ]
	run --separate-stderr "$MCLE" -o json repair -n team-a
	assert_status 0
	[ "$(json_get '[j["action"], j["epoch"], j["holderIdentity"]]')" = '["repaired", 4, ""]' ]
	[ "$(epoch team-a)" = 4 ]
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c9
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 5 ]
	# a lock that decodes is refused
	run --separate-stderr "$MCLE" repair -n team-a
	assert_status 5
	[[ $stderr == *"nothing to repair; use release"* ]]
	run --separate-stderr "$MCLE" repair -n team-b
	assert_status 5
	[[ $stderr == *"no lock 'team-b'"* ]]
}

@test "repair without a salvageable epoch needs --min-epoch, and goes above the floor" {
	"$MCLE" acquire -n team-b --identity c1 >/dev/null
	"$MCLE" release -n team-b --identity c1 >/dev/null
	"$MCLE" acquire -n team-b --identity c2 >/dev/null
	"$MCLE" release -n team-b --identity c2 >/dev/null
	"$MCLE" gc --namespaces team-a >/dev/null	# the floor is 2 now
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	[ "$(epoch team-a)" = 3 ]
	corrupt team-a holderIdentity 'not an identity!'
	before=$(store_digest)
	run --separate-stderr "$MCLE" repair -n team-a
	assert_status 2
	[[ $stderr == *"give --min-epoch N"* ]]
	[ "$(store_digest)" = "$before" ]
	run --separate-stderr "$MCLE" -o json repair -n team-a --min-epoch 3
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 4 ]
	corrupt team-a holderIdentity 'not an identity!'
	run --separate-stderr "$MCLE" -o json repair -n team-a --min-epoch 40
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 41 ]
	run --separate-stderr "$MCLE" repair -n team-a --min-epoch x
	assert_status 2
}
