#!/usr/bin/env bats
# The ends of every range on the file store: the epoch past int32 and at
# 2^53-1, times past year 9999, the last metageneration, records missing a
# field, and corrupt locks in status --all.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

# edit NS KEY=JSON... | -KEY...: rewrite fields of the lock file DIR/NS
# (metadata.KEY for the record), e.g. edit team-a 'updated="2000-01-01T00:00:00Z"'
edit() {
	"$PYTHON3" - "$STORE_DIR/$1" "${@:2}" <<-'EOF'
	import json, sys
	path = sys.argv[1]
	o = json.load(open(path))
	for arg in sys.argv[2:]:
	    key, _, val = arg.partition("=")
	    drop = key.startswith("-")
	    key = key.lstrip("-")
	    d = o
	    if key.startswith("metadata."):
	        d, key = o["metadata"], key[len("metadata."):]
	    if drop:
	        del d[key]
	    else:
	        d[key] = json.loads(val)
	json.dump(o, open(path, "w"))
	EOF
}

# An expired lock of c1's at the given epoch.
expired_at() {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	edit team-a "metadata.leaseTransitions=\"$1\"" 'updated="2000-01-01T00:00:00.000000Z"'
}

field() {	# field KEY: a record field of the team-a lock file
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["metadata"][sys.argv[2]])' \
		"$STORE_DIR/team-a" "$1"
}

@test "a takeover at leaseTransitions 2^31-1: the store holds 2^31, leaseTransitions saturates, epoch is exact" {
	expired_at 2147483647
	run --separate-stderr "$MCLE" -o json acquire -n team-a --identity c2
	assert_status 0
	[ "$(field leaseTransitions)" = 2147483648 ]
	[ "$(json_get 'j["leaseTransitions"]')" = 2147483647 ]
	[ "$(json_get 'j["epoch"]')" = 2147483648 ]
	# the lock at 2^31 is no corrupt lock: it reads, renews and is shown exactly
	run --separate-stderr "$MCLE" -o json status -n team-a --identity c2
	assert_status 0
	[ "$(json_get 'j["isLeader"]')" = true ]
	[ "$(json_get 'j["epoch"]')" = 2147483648 ]
	run --separate-stderr "$MCLE" renew -n team-a --identity c2
	assert_status 0
	assert_match '^team-a +c2 +true +2147483648 +1m '
	# the Lease status: leaseTransitions is an int32 for the original readers
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c2 --namespaces team-a
	assert_status 0
	[ "$(json_get 'j[0]["status"]["leaseTransitions"]')" = 2147483647 ]
	[ "$(json_get 'j[0]["status"]["epoch"]')" = 2147483648 ]
	[ "$(json_get 'j[0]["leaseTransitions"]')" = 2147483647 ]
	[ "$(json_get 'j[0]["epoch"]')" = 2147483648 ]
}

@test "the epoch ends at 2^53-1: the holder keeps it, a takeover past it is refused, a larger one is corrupt" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	edit team-a 'metadata.leaseTransitions="9007199254740991"'
	run --separate-stderr "$MCLE" -o json renew -n team-a --identity c1
	assert_status 0
	[ "$(json_get 'j["epoch"]')" = 9007199254740991 ]
	[ "$(json_get 'j["leaseTransitions"]')" = 2147483647 ]
	# exact for a reader that holds JSON numbers as doubles
	[ "$(printf '%s' "$output" | jq .epoch)" = 9007199254740991 ]
	edit team-a 'updated="2000-01-01T00:00:00.000000Z"'
	before=$(store_digest)
	run --separate-stderr "$MCLE" acquire -n team-a --identity c2
	assert_status 5
	[ "$stderr" = "mcle: lease 'team-a': epoch 9007199254740991 is the largest allowed (2^53-1): refusing to take it over" ]
	[ "$(store_digest)" = "$before" ]
	edit team-a 'metadata.leaseTransitions="9007199254740992"'
	run --separate-stderr "$MCLE" status -n team-a
	assert_status 5
	[ "$stderr" = "mcle: malformed lock '$STORE_DIR/team-a': 'leaseTransitions' is not an integer in [0, 9007199254740991]" ]
}

@test "an expiry past year 9999 saturates, never wraps to year 0" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	edit team-a 'updated="9999-12-31T23:59:59.000000Z"'
	run --separate-stderr "$MCLE" -o json status -n team-a
	assert_status 0
	[ "$(json_get 'j["expireTime"]')" = 9999-12-31T23:59:59.999999Z ]
	run --separate-stderr "$MCLE" status -n team-a
	assert_match '^team-a +c1 +false +1 +1m +9999-12-31T23:59:59.999999Z '
	before=$(store_digest)
	run --separate-stderr "$MCLE" acquire -n team-a --identity c2
	assert_status 1
	[ "$stderr" = "mcle: lease 'team-a' is held by 'c1' until 9999-12-31T23:59:59.999999Z" ]
	[ "$(store_digest)" = "$before" ]
	run --separate-stderr "$MCLE" -o json reconcile-all --identity c2 --namespaces team-a
	assert_status 0
	[ "$(json_get 'j[0]["status"]["observedExpireTime"]')" = 9999-12-31T23:59:59.999999Z ]
}

@test "a lock at the last metageneration: renew refused (exit 5), no overflow, file unchanged" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	edit team-a 'metageneration="9223372036854775807"'
	before=$(store_digest)
	run --separate-stderr "$MCLE" renew -n team-a --identity c1
	assert_status 5
	[ "$stderr" = "mcle: lock 'team-a' has no metageneration left after 9223372036854775807" ]
	[ "$(store_digest)" = "$before" ]
}

@test "a record without holderIdentity is corrupt, never a free lease: acquire refuses it, file unchanged" {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	edit team-a -metadata.holderIdentity
	before=$(store_digest)
	for id in c1 c2; do
		run --separate-stderr "$MCLE" acquire -n team-a --identity "$id"
		assert_status 5
		[ "$stderr" = "mcle: malformed lock '$STORE_DIR/team-a': missing 'holderIdentity'" ]
	done
	run --separate-stderr "$MCLE" reconcile-all --identity c2 --namespaces team-a
	assert_status 6
	[ "$(store_digest)" = "$before" ]
	# and likewise every other field: missing, or of the wrong type
	for change in -metadata.leaseTransitions -metadata.leaseDurationSeconds -metadata.mcleFormat \
		'metadata.holderIdentity=null' 'metadata.holderIdentity=7' \
		'metadata.leaseTransitions=3' 'metadata.mcleFormat="2"' -metadata; do
		"$MCLE" acquire -n team-b --identity c1 --lease-duration 1 >/dev/null
		mv "$STORE_DIR/team-b" "$STORE_DIR/team-a"
		edit team-a 'updated="2000-01-01T00:00:00.000000Z"' "$change"
		before=$(store_digest)
		run --separate-stderr "$MCLE" acquire -n team-a --identity c2
		[ "$status" -eq 5 ] || { echo "$change: exit $status: $stderr"; false; }
		[[ "$stderr" == "mcle: malformed lock '$STORE_DIR/team-a': "* ]]
		[ "$(store_digest)" = "$before" ]
	done
}

@test "status --all shows a corrupt lock as corrupt, not free: text and JSON, exit 5" {
	"$MCLE" acquire -n alpha --identity c1 >/dev/null
	"$MCLE" acquire -n zulu --identity c2 >/dev/null
	printf 'this is not json\n' >"$STORE_DIR/broken"
	before=$(store_digest)
	run --separate-stderr "$MCLE" status --all --identity c1
	assert_status 5
	[[ "$stderr" == "mcle: malformed lock file '$STORE_DIR/broken': "* ]]
	assert_one_error_line
	[ "$(printf '%s\n' "$output" | sed -n 3p | tr -s ' ')" = "broken <corrupt> - - - - -" ]
	assert_match '^alpha +c1 +true +1 +1m '
	assert_match '^zulu +c2 +false +1 +1m '
	run --separate-stderr "$MCLE" -o json status --all --identity c1
	assert_status 5
	[ "$(json_get '[x["namespace"] for x in j]')" = '["alpha", "broken", "zulu"]' ]
	[ "$(json_get 'j[1]["holderIdentity"]')" = null ]
	[ "$(json_get 'j[1]["corrupt"]')" = true ]
	[ "$(json_get 'j[1]["isLeader"]')" = false ]
	[ "$(json_get 'j[1]["errorReason"]')" = corrupt ]
	[[ "$(json_get 'j[1]["error"]')" == "malformed lock file '$STORE_DIR/broken': "* ]]
	[ "$(json_get '[j[1][k] for k in ("leaseTransitions", "epoch", "expireTime", "leaseDurationSeconds")]')" = '[null, null, null, null]' ]
	[ "$(json_get '[("corrupt" in x, x["holderIdentity"]) for x in (j[0], j[2])]')" = '[[false, "c1"], [false, "c2"]]' ]
	[ "$(store_digest)" = "$before" ]
}
