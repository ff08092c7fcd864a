# standin-helpers.bash - what the GCS and Kubernetes stand-in helpers share.
# Sourced by helpers.bash, gcs-helpers.bash and kube-helpers.bash.
#
#   standin_tmpdir VAR TEMPLATE   a new private directory (mktemp -d) in VAR
#   standin_wait_port PID DIR NAME   until the stand-in NAME (PID) writes
#                           DIR/port (60 s; its DIR/server.log shown if it
#                           exits first): STANDIN_PORT
#   standin_start VAR DIR SERVER [ARGS...]   start a stand-in (see below)
#   standin_stop PID NAME   SIGTERM a stand-in, wait up to 30 s (then SIGKILL
#                           and fail), and return its exit status (0 when it
#                           is not our child, so there is none to report)
#   standin_wait_held CTL [N]   until the stand-in that CTL (gcs_ctl or
#                           kube_ctl) talks to holds at least N requests
#                           (default 1) at a "hold" fault; 60 s, then fail.
#                           POST /_control/release lets them go on.
#   standin_http METHOD URL [BODY]   an HTTP/1.1 request to a plain-HTTP
#                           stand-in over bash's /dev/tcp (no process
#                           started): HTTP_STATUS, HTTP_BODY; 1 when there is
#                           no answer (nothing listening, 60 s, not HTTP)
#   urlencode VAR STRING    VAR = STRING percent-encoded for a query
#   standin_eval EXPR       EXPR (python) on the JSON on stdin (see below)

# the stand-ins' directory
case ${BASH_SOURCE[0]} in
*/*) STANDIN_SERVERS=${BASH_SOURCE[0]%/*}/servers ;;
*) STANDIN_SERVERS=servers ;;
esac

# sleep, mktemp, rm and dirname as loadable builtins (Debian's
# bash-builtins): each call a fork and an exec less, thousands a suite.
# Without the package the commands run as before.
# TEST_BUILTINS lists those loaded.
TEST_BUILTINS=
for _b in sleep mktemp rm dirname; do
	enable -f "$_b" "$_b" 2>/dev/null && TEST_BUILTINS+=" $_b"
done
unset _b

standin_tmpdir() {
	local -n _dir=$1
	if [[ " ${TEST_BUILTINS-} " == *" mktemp "* ]]; then
		mktemp -v _dir -d "$2" >/dev/null
	else
		_dir=$(mktemp -d "$2")
	fi
}

standin_wait_port() {
	local pid=$1 dir=$2 name=$3 i
	for ((i = 0; i < 6000; i++)); do
		if [[ -s $dir/port ]]; then
			read -r STANDIN_PORT <"$dir/port"
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "$name exited early:" >&2
			cat "$dir/server.log" >&2
			return 1
		fi
		sleep 0.01
	done
	echo "$name did not write its port file in 60 s" >&2
	kill -KILL "$pid" 2>/dev/null
	return 1
}

# standin_start VAR DIR SERVER [ARGS...]: start SERVER (gcs-server.py or
# kube-server.py) with ARGS as a child of this shell, its stdout and stderr
# in DIR/server.log; its pid in VAR.  Through launch.py: cached bytecode.
standin_start() {
	local -n _spid=$1
	local dir=$2 server=$3
	shift 3
	"${PYTHON3:-/usr/bin/python3}" "$STANDIN_SERVERS/launch.py" "$server" "$@" \
		>"$dir/server.log" 2>&1 3>&- &
	_spid=$!
}

standin_stop() {
	local pid=$1 name=$2 i rc
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		echo "$name $pid ignored SIGTERM" >&2
		return 1
	fi
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# 127: not our child (started in another shell)
	[[ $rc -eq 127 ]] && rc=0
	return "$rc"
}

standin_wait_held() {
	local ctl=$1 n=${2:-1} i out
	for ((i = 0; i < 1200; i++)); do
		out=$("$ctl" GET /_control/held) || return 1
		if [[ $out =~ \"held\":\ *([0-9]+) ]] && ((BASH_REMATCH[1] >= n)); then
			return 0
		fi
		sleep 0.05
	done
	echo "no $n request(s) held after 60 s: $out" >&2
	return 1
}

urlencode() {
	local -n _out=$1
	local s=$2 c i LC_ALL=C
	_out=
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		[a-zA-Z0-9._~-]) _out+=$c ;;
		*) printf -v c '%%%02X' "'$c"; _out+=$c ;;
		esac
	done
}

standin_http() {
	local method=$1 url=$2 body=${3-} fd hostport path resp rc LC_ALL=C
	[[ $url == http://* ]] || return 1
	url=${url#http://}
	hostport=${url%%/*}
	path=/${url#*/}
	[[ $url == */* ]] || path=/
	exec {fd}<>"/dev/tcp/${hostport%:*}/${hostport##*:}" || return 1
	printf '%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$method" "$path" "$hostport" "${#body}" "$body" >&"$fd"
	rc=0
	IFS= read -r -d '' -t 60 -u "$fd" resp || rc=$?
	exec {fd}<&-
	((rc <= 1)) || return 1			# 60 s without the end of an answer
	[[ $resp =~ ^HTTP/1\.[01]\ ([0-9][0-9][0-9]) ]] || return 1
	HTTP_STATUS=${BASH_REMATCH[1]}
	HTTP_BODY=${resp#*$'\r\n\r\n'}
}

# standin_eval EXPR: EXPR (python) on the JSON on standard input as `j`;
# dicts, lists, booleans and None print as JSON, anything else with str();
# T(s) parses an RFC 3339 time to epoch seconds.  A running stand-in
# evaluates it (POST /_control/eval: no process started, where a Python of
# its own would cost tens of milliseconds a call); with none, python3 does.
standin_eval() {
	local expr=$1 in url
	IFS= read -r -d '' in || true
	for url in "${GCS_URL-}" "${KUBE_CTL_URL-}"; do
		if [[ -n $url ]] &&
			standin_http POST "$url/_control/eval" "$expr"$'\n'"$in" 2>/dev/null; then
			printf '%s' "$HTTP_BODY"
			[[ $HTTP_STATUS == 200 ]]
			return
		fi
	done
	"${PYTHON3:-/usr/bin/python3}" -c '
import datetime, json, re, sys, time
def T(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
j = json.loads(sys.stdin.read())
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list, bool)) or v is None else v)' "$expr" <<<"$in"
}
