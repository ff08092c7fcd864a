# Helpers for bats tests that talk to the Kubernetes API stand-in
# (tests/servers/kube-server.py).  Source with `load kube-helpers`.
#
#   kube_start [--instance NAME] [server args...]
#        make a test CA, a server certificate (SAN IP:127.0.0.1 and
#        DNS:localhost) and a client certificate, start a server with one
#        random bearer token, write a kubeconfig; exports KUBE_PORT,
#        KUBE_URL, KUBE_CTL_URL (the control endpoints over plain HTTP),
#        KUBE_CA, KUBE_TOKEN, KUBE_CLIENT_CERT, KUBE_CLIENT_KEY,
#        KUBE_PID, KUBE_DIR, KUBECONFIG_FILE.  Several instances may run at
#        once (--instance a, b, ...); the exports describe the last started.
#   kube_use NAME        export the variables of instance NAME again
#   kube_stop [NAME]     SIGTERM the instance (default: every one started)
#                        and wait; returns the server's exit status
#   kube_ctl METHOD PATH [JSON]   call a control endpoint, print the answer;
#                        fails on an HTTP status >= 400
#   kube_count METHOD REGEX   how many logged API requests have METHOD ('*'
#                        for any, '!GET' for any other) and a path?query
#                        matching REGEX (re.search)
#   kube_log             the request log, one JSON object a line
#   kube_curl [curl args...] URL-PATH   curl the API with the CA and token;
#                        prints the body then, on a last line, the HTTP status
#   kubectl_standin [args...]   the installed kubectl against the instance,
#                        with a private cache directory
#   kube_requests [REGEX]   the log as "METHOD path?query STATUS" lines;
#                        only those whose path?query matches REGEX if given
#   kube_writes          how many logged API requests are not GETs
#   kube_lease NS EXPR [NAME]   EXPR (python) on the Lease resource NAME
#                        (default lease-gsc) of namespace NS, read with
#                        kube_curl, as `j`; T(s) parses an RFC 3339 time to
#                        epoch seconds; dicts, lists, booleans and None print
#                        as JSON; prints "absent" on 404, fails on any other
#                        status
#
# For reconcile tests with the GCS stand-in as the store (load helpers and
# gcs-helpers too):
#   KUBE_CRD, KUBE_GV    the CRD manifest (examples/crd.yaml, for --crd) and
#                        the API path of its group/version
#   kube_test_setup      common_setup, then gcs_store_start (bucket bkt,
#                        MCLE_STORE=gs://bkt/locks)
#   kube_test_teardown   kube_stop, then gcs_stop
#   kube_clear_logs [NAME...]   clear the request log of each instance NAME
#                        (kube_use: the last one stays current; default: the
#                        current instance) and of the GCS stand-in
#   kube_pass ID [ARGS...]   `run --separate-stderr` one reconcile-all pass as
#                        identity ID with the current instance's kubeconfig
#   kube_bg [ARGS...]    "$MCLE" ARGS in the background (BG_PID), stdout and
#                        stderr to $BATS_TEST_TMPDIR/bg.out, bg.err
#   kube_bg_wait         wait for it: exit status, stdout and stderr into
#                        $status, $output and $stderr
#   kube_wait_logged METHOD REGEX   until the current instance has logged such
#                        a request (kube_count; 60 s, then fail)
#   kube_wait_held [N]   until N requests (default 1) wait at a "hold" fault
#                        of the current instance (60 s, then fail)
#   kube_release         let every held request of the current instance go on

KUBE_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=standin-helpers.bash
. "$KUBE_HELPERS_DIR/standin-helpers.bash"
KUBE_INSTANCES=()
# shellcheck disable=SC2034 # used by the tests
KUBE_CRD="${MCLE_SRCDIR:-$KUBE_HELPERS_DIR/..}/examples/crd.yaml"
KUBE_GV=/apis/leaderelection.600lyy.io/v1

# kube_certs DIR: a CA, a server certificate and a client certificate (EC
# P-256, two days) in DIR.
kube_certs() {
	local d=$1
	openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/ca.key" -out "$d/ca.crt" -days 2 \
		-subj "/CN=mcle-test-ca" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null ||
		return 1
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/server.key" -out "$d/server.csr" \
		-subj "/CN=kube-apiserver" 2>/dev/null || return 1
	printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
		"basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature,keyEncipherment" \
		"extendedKeyUsage=serverAuth" >"$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.crt" -days 2 \
		-extfile "$d/server.ext" 2>/dev/null || return 1
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
		-keyout "$d/client.key" -out "$d/client.csr" \
		-subj "/O=system:masters/CN=mcle-client" 2>/dev/null || return 1
	printf '%s\n' "basicConstraints=critical,CA:FALSE" \
		"keyUsage=critical,digitalSignature" \
		"extendedKeyUsage=clientAuth" >"$d/client.ext"
	openssl x509 -req -in "$d/client.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/client.crt" -days 2 \
		-extfile "$d/client.ext" 2>/dev/null || return 1
	chmod 0600 "$d"/*.key
}

# kube_start_certs NAME DIR: the certificates of instance NAME in DIR; made
# once per test file and instance name (each name has its own CA).
kube_start_certs() {
	local name=$1 dir=$2 cache=
	[[ -n ${BATS_FILE_TMPDIR-} ]] && cache="$BATS_FILE_TMPDIR/kube-certs.$name"
	if [[ -z $cache || ! -s $cache/client.key ]]; then
		kube_certs "$dir" || { echo "kube_start: openssl failed" >&2; return 1; }
		[[ -n $cache ]] || return 0
		mkdir -p "$cache" &&
			cp -p "$dir"/ca.crt "$dir"/ca.key "$dir"/server.crt "$dir"/server.key \
				"$dir"/client.crt "$dir"/client.key "$cache"/
		return
	fi
	cp -p "$cache"/*.crt "$cache"/*.key "$dir"/
}

kube_start() {
	local name=kube base dir token pid port ctl
	if [[ ${1-} == --instance ]]; then
		name=$2
		shift 2
	fi
	base=${BATS_TEST_TMPDIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}}
	standin_tmpdir dir "$base/$name.XXXXXX" || return 1
	kube_start_certs "$name" "$dir" || return 1
	printf -v token '%08x%08x%08x%08x' "$SRANDOM" "$SRANDOM" "$SRANDOM" "$SRANDOM"
	standin_start pid "$dir" kube-server.py --port-file "$dir/port" \
		--control-port-file "$dir/control-port" --tls-cert "$dir/server.crt" \
		--tls-key "$dir/server.key" --client-ca "$dir/ca.crt" --token "$token" "$@"
	standin_wait_port "$pid" "$dir" kube-server || return 1
	port=$STANDIN_PORT
	read -r ctl <"$dir/control-port"	# written before the port file
	printf '%s\n' "apiVersion: v1" "kind: Config" "clusters:" "- name: standin" \
		"  cluster:" "    server: https://127.0.0.1:$port" \
		"    certificate-authority: $dir/ca.crt" "users:" "- name: standin-token" \
		"  user:" "    token: $token" "contexts:" "- name: standin" "  context:" \
		"    cluster: standin" "    user: standin-token" \
		"current-context: standin" >"$dir/kubeconfig"
	chmod 0600 "$dir/kubeconfig"
	printf '%s\n' "KUBE_PID=$pid" "KUBE_DIR='$dir'" "KUBE_PORT=$port" \
		"KUBE_URL='https://127.0.0.1:$port'" "KUBE_CTL_URL='http://127.0.0.1:$ctl'" \
		"KUBE_CA='$dir/ca.crt'" "KUBE_TOKEN=$token" \
		"KUBE_CLIENT_CERT='$dir/client.crt'" "KUBE_CLIENT_KEY='$dir/client.key'" \
		"KUBECONFIG_FILE='$dir/kubeconfig'" >"$dir/env"
	KUBE_INSTANCES+=("$name=$dir")
	kube_use "$name"
}

# kube_dir_of VAR NAME: the directory of instance NAME in VAR
kube_dir_of() {
	local -n _kdir=$1
	local e
	for e in "${KUBE_INSTANCES[@]}"; do
		if [[ ${e%%=*} == "$2" ]]; then
			_kdir=${e#*=}
			return 0
		fi
	done
	echo "no kube-server instance '$2'" >&2
	return 1
}

kube_use() {
	local dir
	kube_dir_of dir "$1" || return 1
	# shellcheck disable=SC1091
	. "$dir/env"
	export KUBE_PID KUBE_DIR KUBE_PORT KUBE_URL KUBE_CTL_URL KUBE_CA KUBE_TOKEN \
		KUBE_CLIENT_CERT KUBE_CLIENT_KEY KUBECONFIG_FILE
}


# shellcheck disable=SC2120 # the tests name an instance, or none
kube_stop() {
	local e dir pid rc=0 keep=()
	for e in "${KUBE_INSTANCES[@]}"; do
		if [[ $# -gt 0 && ${e%%=*} != "$1" ]]; then
			keep+=("$e")
			continue
		fi
		dir=${e#*=}
		pid=$(sed -n 's/^KUBE_PID=//p' "$dir/env")
		standin_stop "$pid" kube-server || rc=$?
	done
	KUBE_INSTANCES=("${keep[@]}")
	return "$rc"
}

kube_ctl() {
	standin_http "$1" "$KUBE_CTL_URL$2" "${3-}" || {
		echo "kube_ctl $1 $2: no answer from $KUBE_CTL_URL" >&2
		return 1
	}
	printf '%s' "$HTTP_BODY"
	((HTTP_STATUS < 400))
}

kube_log() {
	kube_ctl GET '/_control/log?format=lines'
}

kube_count() {
	local m p
	urlencode m "$1"
	urlencode p "$2"
	kube_ctl GET "/_control/count?method=$m&path=$p" >/dev/null || {
		echo "kube_count: $HTTP_STATUS $HTTP_BODY" >&2
		return 1
	}
	[[ $HTTP_BODY =~ \"count\":\ *([0-9]+) ]] || { echo "count: $HTTP_BODY" >&2; return 1; }
	echo "${BASH_REMATCH[1]}"
}

kube_curl() {
	local path=${*: -1}
	curl -sS --max-time 30 --cacert "$KUBE_CA" \
		-H "Authorization: Bearer $KUBE_TOKEN" -w '\n%{http_code}\n' \
		"${@:1:$#-1}" "$KUBE_URL$path"
}

kubectl_standin() {
	kubectl --kubeconfig "$KUBECONFIG_FILE" \
		--cache-dir "$KUBE_DIR/kubectl-cache" "$@"
}

kube_requests() {
	local p
	urlencode p "${1:-.}"
	kube_ctl GET "/_control/requests?path=$p"
}

kube_writes() {
	kube_count '!GET' .
}

kube_lease() {
	local out code
	out=$(kube_curl "$KUBE_GV/namespaces/$1/leases/${3:-lease-gsc}") || return 1
	code=${out##*$'\n'}
	if [ "$code" = 404 ]; then
		echo absent
		return 0
	fi
	[ "$code" = 200 ] || { echo "GET lease in $1: $out" >&2; return 1; }
	standin_eval "$2" <<<"${out%$'\n'*}"
}

kube_test_setup() {
	common_setup || return 1
	gcs_store_start
}

kube_test_teardown() {
	# shellcheck disable=SC2119 # no name: every instance
	kube_stop
	gcs_stop
}

kube_clear_logs() {
	local name
	if [ $# -eq 0 ]; then
		kube_ctl DELETE /_control/log || return 1
	fi
	for name in "$@"; do
		kube_use "$name" && kube_ctl DELETE /_control/log || return 1
	done
	gcs_ctl DELETE /_control/log
}

kube_pass() {
	local id=$1
	shift
	run --separate-stderr "$MCLE" --identity "$id" --kubeconfig "$KUBECONFIG_FILE" \
		reconcile-all "$@"
}

kube_bg() {
	"$MCLE" "$@" >"$BATS_TEST_TMPDIR/bg.out" 2>"$BATS_TEST_TMPDIR/bg.err" 3>&- &
	BG_PID=$!
}

# shellcheck disable=SC2034 # bats' $status, $output, $stderr
kube_bg_wait() {
	status=0
	wait "$BG_PID" || status=$?
	output=$(<"$BATS_TEST_TMPDIR/bg.out")
	stderr=$(<"$BATS_TEST_TMPDIR/bg.err")
}

kube_wait_logged() {
	local n
	for ((n = 0; n < 1200; n++)); do
		[ "$(kube_count "$1" "$2")" -ge 1 ] && return 0
		sleep 0.05
	done
	echo "no $1 $2 in the kube log after 60 s" >&2
	return 1
}

kube_wait_held() {
	standin_wait_held kube_ctl "${1:-1}"
}

kube_release() {
	kube_ctl POST /_control/release >/dev/null
}
