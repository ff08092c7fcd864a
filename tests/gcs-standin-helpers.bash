# gcs-standin-helpers.bash - set-up and helpers of the GCS stand-in's own
# fidelity tests (t2000-gcs-standin.bats, t2017-gcs-standin-gcloud.bats):
# one stand-in per file with buckets b1 and b2, reset before each test;
# curl and jq helpers to talk to it.  Source with `load gcs-standin-helpers`.

load gcs-helpers

B=b1

setup_file() {
	gcs_start --bucket b1 --bucket b2
}

teardown_file() {
	gcs_stop
}

setup() {
	gcs_ctl DELETE /_control/fault >/dev/null
	gcs_ctl POST /_control/random-faults '{"probability":0}' >/dev/null
	gcs_ctl POST /_control/clock '{"offset":0}' >/dev/null
	gcs_ctl DELETE /_control/log >/dev/null
	T="t$BATS_TEST_NUMBER"
}

teardown() {
	if [[ -n ${EXTRA_PID-} ]]; then
		gcs_stop "$EXTRA_PID" || true
	fi
}

# --- helpers ---------------------------------------------------------------

# http METHOD PATH [curl args...]: sets CODE and BODY; headers in $HDRS
http() {
	local method=$1 path=$2
	shift 2
	HDRS=$BATS_TEST_TMPDIR/headers
	rm -f "$BATS_TEST_TMPDIR/body"
	: >"$BATS_TEST_TMPDIR/body"
	CODE=$(curl -sS --max-time 20 -o "$BATS_TEST_TMPDIR/body" -D "$HDRS" \
		-w '%{http_code}' -X "$method" "$@" "$GCS_URL$path") || return 1
	BODY=$(<"$BATS_TEST_TMPDIR/body")
}

want() {
	if [[ $CODE != "$1" ]]; then
		echo "expected HTTP $1, got $CODE: $BODY" >&2
		return 1
	fi
}

j() { jq -r "$1" <<<"$BODY"; }

header() { # header NAME: its value in the last response (first occurrence)
	local line key want=${1,,}
	while IFS= read -r line; do
		line=${line%$'\r'}
		key=${line%%:*}
		if [[ $line == *:* && ${key,,} == "$want" ]]; then
			line=${line#*:}
			echo "${line# }"
			return 0
		fi
	done <"$HDRS"
}

enc() { jq -rn --arg s "$1" '$s|@uri'; }

# upload NAME DATA [extra query]: media upload into bucket $B
upload() {
	http POST "/upload/storage/v1/b/$B/o?uploadType=media&name=$(enc "$1")${3:+&$3}" \
		-H 'Content-Type: text/plain' --data-binary "$2"
}

obj() { echo "/storage/v1/b/$B/o/$(enc "$1")"; }

# state NAME: raw stored state of NAME in $B, from the control endpoint
state() {
	curl -sS --max-time 20 "$GCS_URL/_control/object?bucket=$B&name=$(enc "$1")"
}

# error_is CODE REASON: BODY is Google's error body with that code and reason
error_is() {
	local got
	want "$1" || return 1
	got=$(j '[.error.code, .error.errors[0].reason, .error.errors[0].domain,
		(.error.message | length > 0),
		(.error.message == .error.errors[0].message)] | map(tostring) | join(" ")')
	if [[ $got != "$1 $2 global true true" ]]; then
		echo "expected $1 $2, got: $BODY" >&2
		return 1
	fi
	[[ $(header Content-Type) == 'application/json; charset=UTF-8' ]]
}

extra_start() {
	gcs_start "$@" || return 1
	EXTRA_PID=$GCS_PID
}

epoch_of() { date -u -d "$1" +%s; }

near() { # near A B TOLERANCE
	local d=$(($1 - $2))
	((d < 0)) && d=$((-d))
	((d <= $3)) || { echo "$1 and $2 differ by $d" >&2; return 1; }
}

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }

jwt() { # jwt CLAIMS_JSON KEY_PEM
	local h p s
	h=$(printf '%s' '{"alg":"RS256","typ":"JWT"}' | b64url)
	p=$(printf '%s' "$1" | b64url)
	s=$(printf '%s' "$h.$p" | openssl dgst -sha256 -sign "$2" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}
