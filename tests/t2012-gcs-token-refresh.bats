#!/usr/bin/env bats
# Short-lived access tokens under reconcile-all --parallel: workers share one
# token, refreshed once it nears its end (a quarter of its lifetime, at most
# a minute, before), never freed while another worker is sending it.  Run
# under ASan (make check) and ThreadSanitizer (see HACKING) to catch a
# use-after-free; the token count catches a refresh on every request.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers

LIFETIME=6

setup() {
	gcs_test_env
	gcs_store_start --require-auth --token-lifetime "$LIFETIME" \
		--refresh-token rt-1 --client-id cid-1 --client-secret cs-1
	# authenticated runs talk to the stand-in as if it were storage.googleapis.com
	unset STORAGE_EMULATOR_HOST
	export MCLE_GCS_ENDPOINT="$GCS_URL"
	printf '{"type": "authorized_user", "client_id": "cid-1", "client_secret": "cs-1", "refresh_token": "rt-1", "token_uri": "%s/token"}\n' \
		"$GCS_URL" >"$BATS_TEST_TMPDIR/user.json"
	chmod 0600 "$BATS_TEST_TMPDIR/user.json"
	export GOOGLE_APPLICATION_CREDENTIALS="$BATS_TEST_TMPDIR/user.json"
	NS=$(seq -f 'ns-%03g' 1 300 | paste -sd,)
}

teardown() {
	gcs_stop
}

# run_timed ARGS...: run mcle ARGS; the wall time in whole seconds (rounded
# up) into ELAPSED
run_timed() {
	local t0 t1
	t0=$(date +%s%N)
	run --separate-stderr "$MCLE" "$@"
	t1=$(date +%s%N)
	ELAPSED=$(((t1 - t0 + 999999999) / 1000000000))
}

@test "8 workers share short-lived tokens: no use-after-free, few token requests" {
	# every storage request takes 0.2 s: 300 namespaces on 8 workers last
	# longer than a token's lifetime however fast the machine is
	gcs_ctl POST /_control/random-faults \
		'{"probability": 1, "actions": ["delay:0.2"], "path": "^/(storage|upload)/"}' >/dev/null
	for pass in acquired renewed; do
		gcs_ctl DELETE /_control/log >/dev/null
		run_timed --no-cluster -o json reconcile-all --identity c1 \
			--namespaces "$NS" --parallel 8 --timeout 300
		[[ $stderr != *Sanitizer* ]]
		assert_status 0
		[ "$(json_get "[x['action'] for x in j].count('$pass')")" = 300 ]
		(( ELAPSED > LIFETIME ))
		tokens=$(gcs_count POST '^/token$')
		storage=$(gcs_count '*' '^/(storage|upload)/')
		echo "pass $pass: ${ELAPSED}s, $tokens token requests, $storage storage requests"
		# a token serves 3/4 of its lifetime: about ELAPSED / 4.5 + 1 of them
		(( tokens >= 2 && tokens <= 2 + 2 * ELAPSED / LIFETIME ))
		(( storage >= 301 ))
	done
}

@test "a token that lives a minute or less is reused, not fetched per request" {
	export MCLE_LEGACY_LOCKS=off	# the root's listing: t6000
	NS=$(seq -f 'ns-%03g' 1 40 | paste -sd,)
	run_timed --no-cluster reconcile-all --identity c1 --namespaces "$NS" --parallel 4
	assert_status 0
	# one listing and 40 creates (the epoch floor's reads aside)
	[ "$(gcs_count '*' '^/(storage|upload)/(?!.*mcle-epoch-floor)')" = 41 ]
	(( $(gcs_count POST '^/token$') <= 1 + ELAPSED * 2 / LIFETIME ))
}

@test "a token the server stops accepting (401) is fetched again once; the run succeeds" {
	gcs_ctl POST /_control/fault '{"method": "GET", "path": "^/storage/", "count": 1, "action": "hold"}' >/dev/null
	"$MCLE" --identity c1 acquire -n team-a >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	gcs_wait_held
	# the server forgets every token it issued, as when one is revoked
	gcs_ctl DELETE /_control/tokens >/dev/null
	gcs_release
	rc=0
	wait "$pid" || rc=$?
	cat "$BATS_TEST_TMPDIR/err" >&2
	[ "$rc" -eq 0 ]
	[ "$(gcs_count POST '^/token$')" = 2 ]
	gcs_log | grep '"/storage/\|"/upload/' | grep -q '"status": 401'
	[ "$(gcs_object locks/team-a 'o["metadata"]["holderIdentity"]')" = c1 ]
}
