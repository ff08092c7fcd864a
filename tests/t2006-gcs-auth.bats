#!/usr/bin/env bats
# Credentials for gs://, in their order: emulator, GOOGLE_APPLICATION_CREDENTIALS
# (service_account with a key made by openssl, authorized_user), the gcloud
# ADC file, the metadata server.  The stand-in requires a Bearer token it
# issued itself on every storage request (--require-auth).

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	mcle_clean_env
	unset CLOUDSDK_CONFIG GCE_METADATA_HOST
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	K="$BATS_TEST_TMPDIR/keys"
	mkdir -p "$K"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/sa.pem" 2>/dev/null
	openssl pkey -in "$K/sa.pem" -pubout -out "$K/sa.pub"
	gcs_start --bucket bkt --require-auth --sa-public-key "$K/sa.pub" \
		--refresh-token rt-1 --client-id cid-1 --client-secret cs-1
	# authenticated runs talk to the stand-in as if it were storage.googleapis.com
	unset STORAGE_EMULATOR_HOST
	export MCLE_GCS_ENDPOINT="$GCS_URL" MCLE_STORE=gs://bkt/locks
}

teardown() {
	gcs_stop
}

# sa_key FILE PEM: a service account key file for the stand-in's token URI
sa_key() {
	"$PYTHON3" - "$1" "$2" "$GCS_URL/token" <<'EOF'
import json, sys
path, pem, uri = sys.argv[1:]
json.dump({"type": "service_account", "project_id": "test", "private_key_id": "k1",
           "private_key": open(pem).read(), "client_email": "mcle@test.iam.gserviceaccount.com",
           "client_id": "1", "token_uri": uri}, open(path, "w"))
EOF
	chmod 0600 "$1"
}

# user_key FILE REFRESH_TOKEN: an authorized_user file
user_key() {
	printf '{"type": "authorized_user", "client_id": "cid-1", "client_secret": "cs-1", "refresh_token": "%s", "token_uri": "%s/token"}\n' \
		"$2" "$GCS_URL" >"$1"
	chmod 0600 "$1"
}

@test "without credentials the stand-in refuses: the test can fail" {
	export GCE_METADATA_HOST=127.0.0.1:1
	run --separate-stderr "$MCLE" --identity a --timeout 2 status --all
	[ "$status" -ne 0 ]
	export STORAGE_EMULATOR_HOST="127.0.0.1:$GCS_PORT"
	run --separate-stderr "$MCLE" --identity a status --all
	assert_status 5
	[[ $stderr == *"credentials rejected (401)"* ]]
}

@test "service account key: one token request per run, the token is never printed" {
	sa_key "$K/sa.json" "$K/sa.pem"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/sa.json"
	run --separate-stderr "$MCLE" -v -v --identity a acquire -n team-a
	assert_status 0
	[ "$(gcs_count POST '^/token$')" = 1 ]
	[ "$(gcs_count GET 'locks%2Fteam-a$')" = 1 ]
	[ "$(gcs_count POST 'upload')" = 1 ]
	[[ $stderr == *"getting an access token from credentials file '$K/sa.json'"* ]]
	[[ $stderr != *ya29* && $stderr != *Bearer* && $stderr != *PRIVATE* ]]
	[[ $output != *ya29* ]]
}

@test "service account key the token endpoint rejects: exit 5, nothing stored" {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$K/other.pem" 2>/dev/null
	sa_key "$K/sa.json" "$K/other.pem"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/sa.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: token endpoint '127.0.0.1:$GCS_PORT' rejected credentials file '$K/sa.json' (400): invalid_grant: Invalid JWT Signature." ]
	[ "$(gcs_count '*' storage)" = 0 ]
}

@test "authorized_user refresh token; a wrong one is exit 5" {
	user_key "$K/user.json" rt-1
	export GOOGLE_APPLICATION_CREDENTIALS="$K/user.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	user_key "$K/user.json" rt-wrong
	run --separate-stderr "$MCLE" --identity a renew -n team-a
	assert_status 5
	[[ $stderr == *"rejected credentials file '$K/user.json' (400): invalid_grant"* ]]
}

@test "the gcloud ADC file: CLOUDSDK_CONFIG, then ~/.config/gcloud" {
	mkdir -p "$BATS_TEST_TMPDIR/gcloud" "$HOME/.config/gcloud"
	user_key "$BATS_TEST_TMPDIR/gcloud/application_default_credentials.json" rt-1
	CLOUDSDK_CONFIG="$BATS_TEST_TMPDIR/gcloud" run "$MCLE" --identity a acquire -n team-a
	assert_status 0
	user_key "$HOME/.config/gcloud/application_default_credentials.json" rt-1
	run "$MCLE" --identity a renew -n team-a
	assert_status 0
	[ "$(gcs_count POST '^/token$')" = 2 ]
	# GOOGLE_APPLICATION_CREDENTIALS comes first
	user_key "$K/bad.json" rt-wrong
	GOOGLE_APPLICATION_CREDENTIALS="$K/bad.json" run "$MCLE" --identity a renew -n team-a
	assert_status 5
}

@test "the metadata server, failing at first as at pod start" {
	export GCE_METADATA_HOST="127.0.0.1:$GCS_PORT"
	gcs_ctl POST /_control/fault '{"path": "computeMetadata", "count": 2, "status": 503}' >/dev/null
	gcs_ctl POST /_control/fault '{"path": "computeMetadata", "count": 1, "action": "reset"}' >/dev/null
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	[ "$(gcs_count GET computeMetadata)" = 4 ]
	[ "$(gcs_count POST upload)" = 1 ]
}

@test "the metadata server never answering: exit 4 by the deadline" {
	export GCE_METADATA_HOST="127.0.0.1:$GCS_PORT"
	gcs_ctl POST /_control/fault '{"path": "computeMetadata", "count": 1000, "status": 503}' >/dev/null
	run --separate-stderr "$MCLE" --identity a --timeout 3 acquire -n team-a
	assert_status 4
	[[ $stderr == *"metadata server '127.0.0.1:$GCS_PORT'"* ]]
	[ "$(gcs_count '*' storage)" = 0 ]
}

@test "the emulator comes first: no credentials read or sent" {
	export GOOGLE_APPLICATION_CREDENTIALS="$K/does-not-exist.json"
	gcs_stop
	gcs_start --bucket bkt
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 0
	[ "$(gcs_count POST '^/token$')" = 0 ]
}

@test "bad key files: missing, malformed, unknown type, writable by others" {
	export GOOGLE_APPLICATION_CREDENTIALS="$K/missing.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: cannot read credentials file '$K/missing.json': No such file or directory" ]
	printf '{"type": "service_account", "client_email": "x"' >"$K/trunc.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/trunc.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: malformed credentials file '$K/trunc.json': truncated JSON" ]
	printf '{"type": "service_account", "client_email": "x", "private_key": "junk"}' >"$K/junk.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/junk.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: malformed credentials file '$K/junk.json': unreadable 'private_key'" ]
	printf '{"type": "external_account"}' >"$K/ext.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/ext.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: credentials file '$K/ext.json': unsupported type 'external_account'" ]
	user_key "$K/user.json" rt-1
	chmod 0666 "$K/user.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$K/user.json"
	run --separate-stderr "$MCLE" --identity a acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: credentials file '$K/user.json' is writable by others" ]
	[ "$(gcs_count '*' .)" = 0 ]
}

@test "no credentials anywhere off Google Cloud: exit 5 at once" {
	if getent hosts metadata.google.internal >/dev/null 2>&1; then
		skip "metadata.google.internal resolves here"
	fi
	unset MCLE_GCS_ENDPOINT
	run --separate-stderr "$MCLE" --identity a --timeout 20 acquire -n team-a
	assert_status 5
	[[ $stderr == "mcle: no google credentials: set GOOGLE_APPLICATION_CREDENTIALS"* ]]
}
