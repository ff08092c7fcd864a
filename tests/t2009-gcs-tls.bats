#!/usr/bin/env bats
# TLS to the store is always verified: a stand-in with a self-signed
# certificate is refused as a configuration error (exit 5), not retried.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

setup() {
	gcs_test_env
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 \
		-keyout "$BATS_TEST_TMPDIR/tls.key" -out "$BATS_TEST_TMPDIR/tls.crt" 2>/dev/null
	gcs_store_start --tls-cert "$BATS_TEST_TMPDIR/tls.crt" --tls-key "$BATS_TEST_TMPDIR/tls.key"
}

teardown() {
	gcs_stop
}

@test "a self-signed store certificate: exit 5 at once, nothing sent" {
	export STORAGE_EMULATOR_HOST="https://127.0.0.1:$GCS_PORT"
	t0=$(date +%s)
	run --separate-stderr "$MCLE" --identity a --timeout 120 acquire -n team-a
	assert_status 5
	[[ $stderr == "mcle: cannot read lock 'team-a': request to '127.0.0.1:$GCS_PORT' failed: "*certificate* ]]
	# not retried until the deadline
	(( $(date +%s) - t0 < 60 ))
	[ "$(curl -sk "https://127.0.0.1:$GCS_PORT/_control/log")" = "[]" ]
}

@test "the same server is fine for a client that trusts it (the test can fail)" {
	run curl -sS --cacert "$BATS_TEST_TMPDIR/tls.crt" "https://127.0.0.1:$GCS_PORT/storage/v1/b/bkt"
	assert_status 0
	assert_match '"name": "bkt"'
}
