# Helpers for bats tests that talk to the GCS stand-in
# (tests/servers/gcs-server.py).  Source with `load gcs-helpers`.
#
#   gcs_start [server args...]   start a server (127.0.0.1, ephemeral port);
#                                exports GCS_PORT, GCS_URL, GCS_PID, GCS_DIR,
#                                STORAGE_EMULATOR_HOST
#   gcs_stop                     SIGTERM it and wait; returns its exit status
#   gcs_ctl METHOD PATH [JSON]   call a control endpoint, print the answer;
#                                fails on an HTTP status >= 400
#   gcs_count METHOD REGEX       how many logged requests have METHOD ('*' for
#                                any, '!GET' for any other) and a path?query
#                                matching REGEX (re.search);
#                                the partial-response parameters (projection,
#                                fields) are left out: t2002 checks them itself
#   gcs_requests                 the log as "METHOD path?query status" lines,
#                                partial-response parameters left out
#   gcs_log                      the request log, one JSON object a line
#   gcs_writes                   how many logged requests are not GETs
#   gcs_store_writes             how many logged storage API requests
#                                (/storage/, /upload/) are not GETs: token
#                                requests are POSTs too
#   gcs_wait_held [N]            until N requests (default 1) wait at a
#                                "hold" fault (60 s, then fail)
#   gcs_release                  let every held request go on
#   gcs_object NAME EXPR         EXPR (python, with json and time imported)
#                                on object NAME of bucket bkt in the stand-in's
#                                raw state (`/_control/object`) as `o`;
#                                prints ABSENT if there is no such object
#
# Set-up for a test against the stand-in (these call mcle_clean_env, so
# load helpers too):
#   gcs_test_env                 mcle_clean_env, HOME is the test's tmpdir,
#                                no CLOUDSDK_CONFIG nor GCE_METADATA_HOST
#   gcs_store_start [ARGS...]    gcs_start --bucket bkt ARGS, then export
#                                MCLE_STORE=gs://bkt/locks
#   gcs_test_setup [ARGS...]     gcs_test_env then gcs_store_start ARGS:
#                                a whole setup(); pair it with gcs_stop in
#                                teardown()

GCS_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=standin-helpers.bash
. "$GCS_HELPERS_DIR/standin-helpers.bash"

gcs_start() {
	local base dir
	base=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}
	standin_tmpdir dir "$base/gcs.XXXXXX" || return 1
	standin_start GCS_PID "$dir" gcs-server.py --port-file "$dir/port" "$@"
	GCS_DIR=$dir
	standin_wait_port "$GCS_PID" "$dir" gcs-server || return 1
	GCS_PORT=$STANDIN_PORT
	GCS_URL="http://127.0.0.1:$GCS_PORT"
	STORAGE_EMULATOR_HOST="127.0.0.1:$GCS_PORT"
	export GCS_PID GCS_DIR GCS_PORT GCS_URL STORAGE_EMULATOR_HOST
}

gcs_stop() {
	local pid=${1:-$GCS_PID} rc=0
	[[ -n $pid ]] || return 0
	standin_stop "$pid" gcs-server || rc=$?
	[[ $pid == "$GCS_PID" ]] && GCS_PID=
	return "$rc"
}

gcs_ctl() {
	standin_http "$1" "$GCS_URL$2" "${3-}" || {
		echo "gcs_ctl $1 $2: no answer from $GCS_URL" >&2
		return 1
	}
	printf '%s' "$HTTP_BODY"
	((HTTP_STATUS < 400))
}

gcs_wait_held() {
	standin_wait_held gcs_ctl "${1:-1}"
}

gcs_release() {
	gcs_ctl POST /_control/release >/dev/null
}

# gcs_get PATH: GET a control endpoint, print the answer (fail on >= 400)
gcs_get() {
	gcs_ctl GET "$1"
}

gcs_log() {
	gcs_get '/_control/log?format=lines'
}

gcs_count() {
	local m p
	urlencode m "$1"
	urlencode p "$2"
	gcs_get "/_control/count?method=$m&path=$p" >/dev/null || {
		echo "gcs_count: $HTTP_STATUS $HTTP_BODY" >&2
		return 1
	}
	[[ $HTTP_BODY =~ \"count\":\ *([0-9]+) ]] || { echo "count: $HTTP_BODY" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

gcs_requests() {
	gcs_get /_control/requests
}

gcs_writes() {
	gcs_count '!GET' .
}

gcs_store_writes() {
	gcs_count '!GET' '^/(storage|upload)/'
}

gcs_object() {
	local n e
	urlencode n "$1"
	urlencode e "$2"
	gcs_get "/_control/object?bucket=bkt&name=$n&expr=$e"
}

gcs_test_env() {
	mcle_clean_env
	export HOME="$BATS_TEST_TMPDIR"
	unset CLOUDSDK_CONFIG GCE_METADATA_HOST
}

gcs_store_start() {
	gcs_start --bucket bkt "$@" || return 1
	export MCLE_STORE=gs://bkt/locks
}

gcs_test_setup() {
	gcs_test_env || return 1
	gcs_store_start "$@"
}

# gcs_seed_legacy NS HOLDER DURATION TRANSITIONS [BUCKET [PREFIX/]]: a lock
# of the Go controller in its exact format (json.Marshal of its
# LeaderElectionRecord; metav1.Time is RFC 3339 in seconds), uploaded as its
# Writer does (no preconditions, no custom metadata) as NS-lease-gsc at the
# root of BUCKET (default bkt) or under PREFIX/.
gcs_seed_legacy() {
	"${PYTHON3:-/usr/bin/python3}" - "$GCS_URL" "$@" <<'EOP'
import json, sys, time, urllib.request
base, ns, holder, duration, transitions = sys.argv[1:6]
bucket = sys.argv[6] if len(sys.argv) > 6 else "bkt"
prefix = sys.argv[7] if len(sys.argv) > 7 else ""
now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
rec = '{"holderIdentity":%s,"leaseDurationSeconds":%d,"acquireTime":"%s","renewTime":"%s","leaderTransitions":%d}' % (
    json.dumps(holder), int(duration), now, now, int(transitions))
res = json.dumps({"name": prefix + ns + "-lease-gsc"})
body = ("--b\r\nContent-Type: application/json\r\n\r\n%s\r\n"
        "--b\r\nContent-Type: application/json\r\n\r\n%s\r\n--b--\r\n" % (res, rec)).encode()
req = urllib.request.Request(base + "/upload/storage/v1/b/%s/o?uploadType=multipart" % bucket,
    data=body, headers={"Content-Type": "multipart/related; boundary=b"})
urllib.request.urlopen(req).read()
EOP
}
