#!/usr/bin/env bats
# Answers that parse but cannot be trusted, from a stand-in that is otherwise
# faithful (POST /_control/hostile): page tokens that come again, NUL bytes
# inside names and values, answers about another object or bucket, data
# after the JSON body, generations that are no int64, and the same at the
# token endpoint and the metadata server.  Each is exit 5 with one line (or a
# warning for an object that is not a lock), and nothing is written on it.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_env
	gcs_store_start --require-auth \
		--refresh-token rt-1 --client-id cid-1 --client-secret cs-1
	# authenticated, as against storage.googleapis.com
	unset STORAGE_EMULATOR_HOST
	export MCLE_GCS_ENDPOINT="$GCS_URL"
	KEY="$BATS_TEST_TMPDIR/user.json"
	printf '{"type": "authorized_user", "client_id": "cid-1", "client_secret": "cs-1", "refresh_token": "rt-1", "token_uri": "%s/token"}\n' \
		"$GCS_URL" >"$KEY"
	chmod 0600 "$KEY"
	export GOOGLE_APPLICATION_CREDENTIALS="$KEY"
}

teardown() {
	gcs_stop
}

# hostile JSON: add a hostile mode; hostile_off: remove them all
hostile() {
	gcs_ctl POST /_control/hostile "$1" >/dev/null
}

hostile_off() {
	gcs_ctl DELETE /_control/hostile >/dev/null
}

# on_read FIELDS-JSON: mangle the object resource of every GET of team-a
on_read() {
	hostile_off
	hostile '{"mode": "set", "method": "GET", "path": "/o/locks%2Fteam-a$", "fields": '"$1"'}'
}

# expect_5 MESSAGE ARGS...: mcle ARGS exits 5 with MESSAGE, writing nothing
expect_5() {
	local msg=$1
	shift
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" "$@"
	assert_status 5
	assert_one_error_line
	if [ "$stderr" != "mcle: $msg" ]; then
		printf 'expected: mcle: %s\ngot:      %s\n' "$msg" "$stderr" >&2
		return 1
	fi
	[ "$(gcs_store_writes)" = 0 ]
}

lease_metadata() {
	printf '{"mcleFormat": "1", "holderIdentity": "%s", "leaseTransitions": "1", "leaseDurationSeconds": "3600"}' "$1"
}

# --- B: pagination --------------------------------------------------------

@test "a page token that comes again is a data error: exit 5 at once" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	hostile '{"mode": "page-token-loop", "tokens": 1}'
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --identity c1 --timeout 20 status --all
	assert_status 5
	assert_one_error_line
	[[ $stderr == "mcle: cannot list locks in 'gs://bkt/locks': the server repeated page token '"*"' (the listing would never end)" ]]
	[ "$(gcs_count GET '/o\?')" = 2 ]
	# a circle of three tokens is found on the fourth page
	hostile_off
	hostile '{"mode": "page-token-loop", "tokens": 3}'
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --identity c1 --timeout 20 status --all
	assert_status 5
	[[ $stderr == *"repeated page token"* ]]
	[ "$(gcs_count GET '/o\?')" = 4 ]
	# reconcile-all observes nothing and writes nothing
	run --separate-stderr "$MCLE" --no-cluster --timeout 20 reconcile-all \
		--identity c1 --namespaces team-a,team-b
	assert_status 5
	[[ $stderr == *"repeated page token"* ]]
	[ "$(gcs_store_writes)" = 0 ]
}

@test "a page with a next token but no items is followed" {
	export MCLE_LEGACY_LOCKS=off	# count the prefix's pages only
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	hostile '{"mode": "page-token-loop", "path": "/o\\?", "tokens": 2, "count": 2}'
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --identity c1 -o json status --all
	assert_status 0
	[ "$(gcs_count GET '/o\?')" = 3 ]
	[ "$(json_get '[x["namespace"] for x in j]')" = '["team-a"]' ]
}

# --- C: NUL bytes in names --------------------------------------------------

@test "an object name with a NUL byte is skipped with a warning, never cut short" {
	"$MCLE" --identity c2 acquire -n team-a >/dev/null
	gen=$(gcs_object locks/team-a 'o["generation"]')
	# a stray object "locks/team-a<NUL>x" whose metadata says c1 holds it
	tok=$(curl -sS -X POST --data 'grant_type=refresh_token&client_id=cid-1&client_secret=cs-1&refresh_token=rt-1' \
		"$GCS_URL/token" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	curl -sS --fail -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: text/plain' \
		--data-binary x "$GCS_URL/upload/storage/v1/b/bkt/o?uploadType=media&name=locks%2Fteam-a%00x"
	curl -sS --fail -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
		-X PATCH --data-binary "{\"metadata\": $(lease_metadata c1)}" \
		"$GCS_URL/storage/v1/b/bkt/o/locks%2Fteam-a%00x"
	warning="mcle: warning: skipping object 'locks/team-a x' in 'gs://bkt/locks': its name holds a NUL byte"
	run --separate-stderr "$MCLE" --identity c1 -o json status --all
	assert_status 0
	[ "$stderr" = "$warning" ]
	[ "$(json_get '[(x["namespace"], x["holderIdentity"]) for x in j]')" = '[["team-a", "c2"]]' ]
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --no-cluster --identity c1 reconcile-all --namespaces team-a
	[ "$stderr" = "$warning" ]
	[ "$(gcs_store_writes)" = 0 ]
	[ "$(gcs_object locks/team-a 'o["generation"], o["metadata"]["holderIdentity"]')" = "('$gen', 'c2')" ]
}

@test "objects that are no lock are skipped with a warning; the prefix's folder silently" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	tok=$(curl -sS -X POST --data 'grant_type=refresh_token&client_id=cid-1&client_secret=cs-1&refresh_token=rt-1' \
		"$GCS_URL/token" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
	for name in locks%2F locks%2FTeam_B; do
		curl -sS --fail -o /dev/null -H "Authorization: Bearer $tok" -H 'Content-Type: text/plain' \
			--data-binary x "$GCS_URL/upload/storage/v1/b/bkt/o?uploadType=media&name=$name"
	done
	run --separate-stderr "$MCLE" --identity c1 -o json status --all
	assert_status 0
	[ "$stderr" = "mcle: warning: skipping object 'locks/Team_B' in 'gs://bkt/locks': its name is not PREFIX/NAMESPACE" ]
	[ "$(json_get '[x["namespace"] for x in j]')" = '["team-a"]' ]
}

# --- D: answers about something else; data after the body; generations ----

@test "a read answer about another object or bucket is refused" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	"$MCLE" --identity c1 acquire -n team-b >/dev/null
	on_read '{"name": "locks/team-b"}'
	expect_5 "cannot read lock 'team-a': the response is about object 'locks/team-b', not 'locks/team-a'" \
		--identity c1 renew -n team-a
	on_read '{"name": "locks/team-a\u0000x"}'
	expect_5 "cannot read lock 'team-a': the response is about object 'locks/team-a x', not 'locks/team-a'" \
		--identity c1 renew -n team-a
	on_read '{"bucket": "other"}'
	expect_5 "cannot read lock 'team-a': the response is about bucket 'other', not 'bkt'" \
		--identity c1 renew -n team-a
	on_read '{"name": null}'
	expect_5 "cannot read lock 'team-a': malformed response: no 'name'" \
		--identity c1 renew -n team-a
	on_read '{"bucket": null}'
	expect_5 "cannot read lock 'team-a': malformed response: no 'bucket'" \
		--identity c1 renew -n team-a
	hostile_off
	run "$MCLE" --identity c1 renew -n team-a
	assert_status 0
}

@test "a write answer about another object is refused" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	hostile '{"mode": "set", "method": "PATCH", "fields": {"name": "locks/team-b"}}'
	run --separate-stderr "$MCLE" --identity c1 renew -n team-a
	assert_status 5
	assert_one_error_line
	[ "$stderr" = "mcle: cannot update lock 'team-a': the response is about object 'locks/team-b', not 'locks/team-a'" ]
	hostile_off
	hostile '{"mode": "set", "method": "POST", "path": "^/upload/", "fields": {"bucket": "other"}}'
	run --separate-stderr "$MCLE" --identity c1 acquire -n team-b
	assert_status 5
	[ "$stderr" = "mcle: cannot create lock 'team-b': the response is about bucket 'other', not 'bkt'" ]
}

@test "data after the JSON body is refused; whitespace is not data" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	for junk in 'garbage' '{\"a\": 1}' '}' '\u0000'; do
		hostile_off
		hostile "{\"mode\": \"append\", \"method\": \"GET\", \"path\": \"/o/locks%2Fteam-a\$\", \"data\": \"$junk\"}"
		expect_5 "cannot read lock 'team-a': malformed response: data after the JSON value" \
			--identity c1 renew -n team-a
	done
	hostile_off
	hostile '{"mode": "append", "path": "/o\\?", "data": "[]"}'
	expect_5 "cannot list locks in 'gs://bkt/locks': malformed response: data after the JSON value" \
		--identity c1 status --all
	hostile_off
	hostile '{"mode": "append", "data": " \r\n\t \n"}'
	run "$MCLE" --identity c1 renew -n team-a
	assert_status 0
	run "$MCLE" --identity c1 status --all
	assert_status 0
}

@test "generation and metageneration: positive decimal int64 as GCS writes them" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	for g in '"12345678901234567890123"' '"9223372036854775808"' '"0"' '"0123"' '"-5"' \
		'"+5"' '" 5"' '"12\u00003"' '""' '5' 'null'; do
		on_read "{\"generation\": $g}"
		expect_5 "malformed lock 'team-a': missing or invalid 'generation'" \
			--identity c1 renew -n team-a
	done
	for m in '"0"' '"01"' '"9223372036854775808"' '"1\u0000"' '1'; do
		on_read "{\"metageneration\": $m}"
		expect_5 "malformed lock 'team-a': missing or invalid 'metageneration'" \
			--identity c1 renew -n team-a
	done
	# the largest int64 is a generation like any other
	on_read '{"generation": "9223372036854775807", "metageneration": "9223372036854775807"}'
	run "$MCLE" --identity c1 -o json status -n team-a
	assert_status 0
}

@test "NUL bytes in times and metadata values make the lock malformed" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	upd=$(gcs_object locks/team-a 'o["updated"]')
	on_read "{\"updated\": \"$upd\\u0000junk\"}"
	expect_5 "malformed lock 'team-a': missing or invalid 'updated'" --identity c1 renew -n team-a
	on_read "{\"timeCreated\": \"$upd\\u0000junk\"}"
	expect_5 "malformed lock 'team-a': missing or invalid 'timeCreated'" --identity c1 renew -n team-a
	on_read '{"metadata": {"mcleFormat": "1", "holderIdentity": "c1\u0000x", "leaseTransitions": "1", "leaseDurationSeconds": "3600"}}'
	expect_5 "malformed lock 'team-a': metadata 'holderIdentity' holds a NUL byte" \
		--identity c1 renew -n team-a
	on_read '{"metadata": {"mcleFormat": "1", "holderIdentity": "c1", "leaseTransitions": "1\u00009", "leaseDurationSeconds": "3600"}}'
	expect_5 "malformed lock 'team-a': metadata 'leaseTransitions' holds a NUL byte" \
		--identity c1 renew -n team-a
}

# --- E: listings ------------------------------------------------------------

@test "listings: items of another bucket, twice, without names; bad tokens and prefixes" {
	"$MCLE" --identity c1 acquire -n team-a >/dev/null
	"$MCLE" --identity c1 acquire -n team-b >/dev/null
	list=(--identity c1 status --all)
	hostile '{"mode": "set", "path": "/o\\?", "items": true, "fields": {"bucket": "other"}}'
	expect_5 "cannot list locks in 'gs://bkt/locks': the response is about bucket 'other', not 'bkt'" "${list[@]}"
	hostile_off
	hostile '{"mode": "set", "path": "/o\\?", "items": true, "fields": {"name": "locks/team-a"}}'
	# a name listed twice: shown, never acted on (a server inconsistency)
	expect_5 "the store lists lock 'team-a' twice" "${list[@]}"
	hostile_off
	hostile '{"mode": "set", "path": "/o\\?", "items": true, "fields": {"name": null}}'
	expect_5 "cannot list locks in 'gs://bkt/locks': malformed response: an item without a 'name'" "${list[@]}"
	for t in '"abc\u0000def"' '17' '{}'; do
		hostile_off
		hostile "{\"mode\": \"set\", \"path\": \"/o\\\\?\", \"fields\": {\"nextPageToken\": $t}}"
		expect_5 "cannot list locks in 'gs://bkt/locks': malformed response: invalid 'nextPageToken'" "${list[@]}"
	done
	hostile_off
	hostile '{"mode": "set", "path": "/o\\?", "fields": {"prefixes": "locks/x/"}}'
	expect_5 "cannot list locks in 'gs://bkt/locks': malformed response: 'prefixes' is not an array" "${list[@]}"
	hostile_off
	hostile '{"mode": "set", "path": "/o\\?", "fields": {"prefixes": ["locks/x/"]}}'
	run "$MCLE" "${list[@]}"
	assert_status 0
}

@test "reconcile-all: a name listed twice is not acted on; the others are" {
	# team-a is free by the store's clock; a rename makes it listed twice
	"$MCLE" --identity c1 --lease-duration 1 acquire -n team-a >/dev/null
	"$MCLE" --identity c1 acquire -n team-z >/dev/null
	gcs_ctl POST /_control/clock '{"offset": 120}' >/dev/null
	hostile '{"mode": "set", "path": "/o\\?", "items": true, "fields": {"name": "locks/team-a"}}'
	gcs_ctl DELETE /_control/log >/dev/null
	run --separate-stderr "$MCLE" --identity c2 reconcile-all --no-cluster --namespaces team-a,team-b
	assert_status 6
	[[ $stderr == *"namespace 'team-a': the store lists this lock twice: not acting on it in this pass"* ]]
	assert_match '^team-b +acquired '
	# no write went to team-a, though its lease had expired
	! gcs_log | grep -v '"GET"' | grep -q 'team-a'
	hostile_off
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = c1 ]
}

# --- E: the token endpoint and the metadata server ------------------------

@test "token responses: NUL, bad lifetimes, another token type, data after the body" {
	src="credentials file '$KEY'"
	for f in '{"access_token": "ya29.a\u0000b"}' '{"access_token": "ya29 a"}' \
		'{"access_token": ""}' '{"access_token": 7}' '{"access_token": null}'; do
		hostile_off
		hostile '{"mode": "set", "path": "^/token$", "fields": '"$f"'}'
		expect_5 "malformed token response from $src: missing or invalid 'access_token'" \
			--identity c1 acquire -n team-a
		[ "$(gcs_count '*' '^/(storage|upload)/')" = 0 ]
	done
	for e in 1000000000000 0 -1 '"3600"' 3600.5; do
		hostile_off
		hostile '{"mode": "set", "path": "^/token$", "fields": {"expires_in": '"$e"'}}'
		expect_5 "malformed token response from $src: invalid 'expires_in'" \
			--identity c1 acquire -n team-a
	done
	hostile_off
	hostile '{"mode": "set", "path": "^/token$", "fields": {"token_type": "mac"}}'
	expect_5 "malformed token response from $src: 'token_type' is not Bearer" \
		--identity c1 acquire -n team-a
	hostile_off
	hostile '{"mode": "append", "path": "^/token$", "data": "{}"}'
	expect_5 "malformed token response from $src: data after the JSON value" \
		--identity c1 acquire -n team-a
	[ "$(gcs_count '*' '^/(storage|upload)/')" = 0 ]
	# without expires_in the token is taken (for an hour)
	hostile_off
	hostile '{"mode": "set", "path": "^/token$", "fields": {"expires_in": null, "token_type": null}}'
	run "$MCLE" --identity c1 acquire -n team-a
	assert_status 0
}

@test "the metadata server's token response is read as strictly" {
	unset GOOGLE_APPLICATION_CREDENTIALS
	export GCE_METADATA_HOST="127.0.0.1:$GCS_PORT"
	hostile '{"mode": "append", "path": "^/computeMetadata/", "data": "x"}'
	expect_5 "malformed token response from metadata server '127.0.0.1:$GCS_PORT': data after the JSON value" \
		--identity c1 acquire -n team-a
	hostile_off
	hostile '{"mode": "set", "path": "^/computeMetadata/", "fields": {"access_token": "ya29.a\u0000b"}}'
	expect_5 "malformed token response from metadata server '127.0.0.1:$GCS_PORT': missing or invalid 'access_token'" \
		--identity c1 acquire -n team-a
	hostile_off
	run "$MCLE" --identity c1 acquire -n team-a
	assert_status 0
}
