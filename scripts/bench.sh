#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR/.. disable=SC2119 # gcs_stop: no arguments
# bench.sh [MCLE [N...]] - what a reconcile-all pass costs, over a simulated
# network.
#
# For each N (default 1000 2000 10000 100000): a GCS stand-in and two
# Kubernetes API stand-ins (clusters a and b, TLS), each cluster with N
# namespaces to reconcile (default, ns-000001...), each server behind a latency proxy (scripts/latency-proxy.py)
# adding the one-way delays of BENCH_DELAYS (default "0/0 10/2.5": store /
# API server, in ms; 0/0 runs without proxies).  For each delay, four passes
# of `mcle reconcile-all` at its default settings, on fresh stand-ins:
#
#   holder-first    identity a in cluster a: creates every Lease resource,
#                   takes every lock, writes every status
#   holder-steady   the same again: renews every lock, refreshes every status
#   standby-first   identity b in cluster b: creates its resources and
#                   writes their status once (b leads nothing); no lock write
#   standby-steady  the same again: list pages only
#
# Each pass prints the requests per namespace to each server (from the
# stand-ins' logs), mcle's CPU (user + system) per namespace and its peak
# RSS (GNU time), its wall time and the limit of that run: list pages one
# after another (a round trip and the stand-in's service time each), then
# max(requests / the stand-in's throughput, requests x round trip / requests
# in flight) - scripts/bench-tally.py has the formula.  Each stand-in's
# throughput is measured first: 2,000 writes, 64 at once, with curl.  Then
# the targets of the design, met or not.
#
# BENCH_HTTP2=1 puts nginx (TLS, HTTP/2) in front of each stand-in, as
# Google Cloud Storage and kube-apiserver serve: mcle then carries a pass
# over a connection or two per server instead of one per request in flight
# (HTTP/1.1).  mcle trusts only the system CA bundle for the store, so in
# that mode each pass runs in a private mount namespace (unshare -m) where
# the bundle is the benchmark's CA: run it as root, or where unprivileged
# user namespaces are allowed.
#
# Environment: BENCH_DELAYS, BENCH_MAX_IN_FLIGHT (else mcle's default),
# BENCH_JUDGE_WALL=1 (judge wall time against the limit: only on an idle
# machine; by default it is printed, not judged),
# BENCH_HTTP2, BENCH_LOGS (a directory to keep each pass's stand-in logs
# in), PYTHON3.  A benchmark, not a test: it judges nothing by a timer in the test
# suite, and fails only when a pass fails.  Measure an optimised build
# without sanitizers (../configure CFLAGS=-O2 in a build directory of its
# own): under ASan the CPU and memory figures are not mcle's, and the
# targets are printed as not judged.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
MCLE=${1:-$top/build/src/mcle}
shift || true
NS_LIST=${*:-1000 2000 10000 100000}
DELAYS=${BENCH_DELAYS:-0/0 10/2.5}
export PYTHON3=${PYTHON3:-/usr/bin/python3}
TALLY=$top/scripts/bench-tally.py
PROXY=$top/scripts/latency-proxy.py
TPUT_REQUESTS=2000
TPUT_PARALLEL=64
GV=/apis/leaderelection.600lyy.io/v1
[[ -x $MCLE ]] || { echo "bench.sh: no mcle at '$MCLE'" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench.sh: needs GNU time (/usr/bin/time, Debian: time)" >&2; exit 2; }
MCLE=$(cd "$(dirname "$MCLE")" && pwd)/$(basename "$MCLE")

# shellcheck source=tests/gcs-helpers.bash
. "$top/tests/gcs-helpers.bash"
# shellcheck source=tests/kube-helpers.bash
. "$top/tests/kube-helpers.bash"

work=$(mktemp -d /tmp/mcle-bench.XXXXXX)
chmod 0755 "$work"
PROXY_PIDS=()
NGX_PID=
cleanup() {
	local p
	for p in "${PROXY_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	[[ -z $NGX_PID ]] || kill -TERM "$NGX_PID" 2>/dev/null || true
	kube_stop >/dev/null 2>&1 || true
	gcs_stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
export TMPDIR=$work HOME=$work MCLE_CONFIG=$work/empty.yaml
: >"$MCLE_CONFIG"
unset KUBECONFIG KUBERNETES_SERVICE_HOST MCLE_STORE MCLE_MAX_IN_FLIGHT MCLE_PARALLEL

in_flight=$("$MCLE" reconcile-all --help |
	sed -n 's/.*--max-in-flight N .*(default \([0-9]*\)).*/\1/p')
mif=()
if [[ -n ${BENCH_MAX_IN_FLIGHT-} ]]; then
	in_flight=$BENCH_MAX_IN_FLIGHT
	mif=(--max-in-flight "$in_flight")
fi
http2=${BENCH_HTTP2:-0}
private=()
if [[ $http2 == 1 ]]; then
	command -v nginx >/dev/null || { echo "bench.sh: BENCH_HTTP2=1 needs nginx" >&2; exit 2; }
	if [[ $(id -u) == 0 ]]; then private=(unshare -m); else private=(unshare -r -m); fi
	"${private[@]}" true || { echo "bench.sh: BENCH_HTTP2=1 needs unshare -m" >&2; exit 2; }
fi
judge=1
if ldd "$MCLE" 2>/dev/null | grep -Eq 'lib(a|ub|t)san'; then
	echo "bench.sh: $MCLE is built with sanitizers: CPU and memory are not mcle's" >&2
	judge=0
fi

# proxy_start DELAY_MS PORT: a latency proxy to 127.0.0.1:PORT; its port in PPORT
proxy_start() {
	local f i
	f=$(mktemp "$work/proxy.XXXXXX")
	rm -f "$f"
	"$PYTHON3" "$PROXY" --port-file "$f" --target "127.0.0.1:$2" --delay "$1" \
		2>>"$work/proxy.log" &
	PROXY_PIDS+=($!)
	for ((i = 0; i < 600; i++)); do
		[[ -s $f ]] && break
		sleep 0.05
	done
	[[ -s $f ]] || { echo "bench.sh: the latency proxy did not start" >&2; exit 1; }
	PPORT=$(<"$f")
}

proxies_stop() {
	local p
	for p in "${PROXY_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PROXY_PIDS=()
}

# rate CFG CURL_ARGS...: requests a second for the URLs of CFG, 64 at once
rate() {
	local cfg=$1 t0 t1 bad
	shift
	t0=$EPOCHREALTIME
	curl -sS -Z --parallel-max "$TPUT_PARALLEL" "$@" -K "$cfg" -w '%{http_code}\n' \
		>"$work/codes" 2>/dev/null || true
	t1=$EPOCHREALTIME
	bad=$(grep -cv '^200$' "$work/codes" || true)
	[[ $bad == 0 ]] || { echo "bench.sh: $bad throughput requests failed" >&2; exit 1; }
	"$PYTHON3" -c "print(round($TPUT_REQUESTS / ($t1 - $t0)))"
}

# The GCS stand-in's throughput: metadata PATCHes of 64 objects under tput/
tput_store() {
	local i cfg=$work/tput-store.cfg
	: >"$cfg"
	for ((i = 0; i < TPUT_PARALLEL; i++)); do
		curl -sS -o /dev/null --fail -X POST -H 'Content-Type: text/plain' --data x \
			"$GCS_URL/upload/storage/v1/b/bench/o?uploadType=media&name=tput%2Fo-$i"
	done
	for ((i = 0; i < TPUT_REQUESTS; i++)); do
		printf 'url = "%s/storage/v1/b/bench/o/tput%%2Fo-%d?projection=noAcl&fields=name,generation,metageneration,updated,metadata"\noutput = "/dev/null"\n' \
			"$GCS_URL" $((i % TPUT_PARALLEL)) >>"$cfg"
	done
	TPUT_STORE=$(rate "$cfg" -X PATCH -H 'Content-Type: application/json' \
		--data '{"metadata":{"tput":"1"}}')
	gcs_ctl DELETE /_control/log >/dev/null
}

# The current Kubernetes stand-in's throughput: status merge patches of 64
# resources in kube-public (a namespace reconcile-all leaves alone)
tput_api() {
	local i cfg=$work/tput-api.cfg auth=(--cacert "$KUBE_CA" -H "Authorization: Bearer $KUBE_TOKEN")
	: >"$cfg"
	for ((i = 0; i < TPUT_PARALLEL; i++)); do
		curl -sS -o /dev/null --fail "${auth[@]}" -H 'Content-Type: application/json' \
			--data "{\"apiVersion\":\"leaderelection.600lyy.io/v1\",\"kind\":\"Lease\",\"metadata\":{\"name\":\"tput-$i\"},\"spec\":{\"holderIdentity\":\"x\",\"leaseDurationSeconds\":60}}" \
			"$KUBE_URL$GV/namespaces/kube-public/leases"
	done
	for ((i = 0; i < TPUT_REQUESTS; i++)); do
		printf 'url = "%s%s/namespaces/kube-public/leases/tput-%d/status"\noutput = "/dev/null"\n' \
			"$KUBE_URL" "$GV" $((i % TPUT_PARALLEL)) >>"$cfg"
	done
	TPUT_API=$(rate "$cfg" "${auth[@]}" -X PATCH -H 'Content-Type: application/merge-patch+json' \
		--data '{"status":{"isLeader":true,"observedHolderIdentity":"x"}}')
	kube_ctl DELETE /_control/log >/dev/null
}

# kubeconfig INSTANCE PORT: the instance's kubeconfig, pointing at PORT
kubeconfig() {
	kube_use "$1"
	sed "s#server: https://127.0.0.1:$KUBE_PORT\$#server: https://127.0.0.1:$2#" \
		"$KUBECONFIG_FILE" >"$work/kubeconfig-$1"
	chmod 0600 "$work/kubeconfig-$1"
}

free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx_start: nginx in front of the three stand-ins, TLS and HTTP/2, each
# on a port of its own (NGX_STORE, NGX_A, NGX_B) with the certificate of
# the cluster's CA (cluster a's for the store)
nginx_start() {
	local d=$work/nginx as=() ka kb i
	mkdir -p "$d/tmp" "$d/logs"
	NGX_STORE=$(free_port) NGX_A=$(free_port) NGX_B=$(free_port)
	kube_use a; ka=$KUBE_PORT; cp "$KUBE_DIR/server.crt" "$d/a.crt"; cp "$KUBE_DIR/server.key" "$d/a.key"
	cp "$KUBE_CA" "$work/ca-a.crt"
	kube_use b; kb=$KUBE_PORT; cp "$KUBE_DIR/server.crt" "$d/b.crt"; cp "$KUBE_DIR/server.key" "$d/b.key"
	cat >"$d/nginx.conf" <<-EOF
		daemon off;
		worker_processes 1;
		pid $d/nginx.pid;
		error_log $d/logs/error.log warn;
		events { worker_connections 4096; }
		http {
		    access_log off;
		    client_body_temp_path $d/tmp/body;
		    proxy_temp_path $d/tmp/proxy;
		    fastcgi_temp_path $d/tmp/fastcgi;
		    uwsgi_temp_path $d/tmp/uwsgi;
		    scgi_temp_path $d/tmp/scgi;
		    keepalive_requests 10000000;
		    proxy_http_version 1.1;
		    proxy_set_header Connection "";
		    proxy_set_header Host \$http_host;
		    proxy_pass_header Date;
		    proxy_buffering off;
		    proxy_read_timeout 600s;
		    upstream store { server 127.0.0.1:$GCS_PORT; keepalive 256; }
		    upstream a { server 127.0.0.1:$ka; keepalive 256; }
		    upstream b { server 127.0.0.1:$kb; keepalive 256; }
		    server {
		        listen 127.0.0.1:$NGX_STORE ssl http2;
		        ssl_certificate $d/a.crt; ssl_certificate_key $d/a.key;
		        location / { proxy_pass http://store; }
		    }
		    server {
		        listen 127.0.0.1:$NGX_A ssl http2;
		        ssl_certificate $d/a.crt; ssl_certificate_key $d/a.key;
		        location / { proxy_pass https://a; }
		    }
		    server {
		        listen 127.0.0.1:$NGX_B ssl http2;
		        ssl_certificate $d/b.crt; ssl_certificate_key $d/b.key;
		        location / { proxy_pass https://b; }
		    }
		}
	EOF
	if [[ $(id -u) == 0 ]]; then
		chown -R 65534:65534 "$d"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	"${as[@]}" nginx -p "$d" -c "$d/nginx.conf" -e "$d/logs/error.log" &
	NGX_PID=$!
	for ((i = 0; i < 600; i++)); do
		curl -s -o /dev/null --cacert "$work/ca-a.crt" "https://127.0.0.1:$NGX_STORE/storage/v1/b/bench" && return 0
		sleep 0.05
	done
	echo "bench.sh: nginx did not start" >&2
	cat "$d/logs/error.log" >&2
	exit 1
}

nginx_stop() {
	[[ -n $NGX_PID ]] || return 0
	kill -TERM "$NGX_PID" 2>/dev/null || true
	wait "$NGX_PID" 2>/dev/null || true
	NGX_PID=
	rm -rf "$work/nginx"
}

# run_pass NAME IDENTITY INSTANCE N DELAYS: one pass, one row
run_pass() {
	local name=$1 id=$2 inst=$3 n=$4 delays=$5
	kube_use "$inst"
	gcs_ctl DELETE /_control/log >/dev/null
	kube_ctl DELETE /_control/log >/dev/null
	if ! "${private[@]}" "${ca_wrap[@]}" /usr/bin/time -f '%e %U %S %M' -o "$work/time" \
		"$MCLE" --kubeconfig "$work/kubeconfig-$inst" --identity "$id" \
		--lease-duration 3600 --timeout 3600 \
		reconcile-all "${mif[@]}" >/dev/null 2>"$work/err"; then
		echo "bench.sh: pass $name failed:" >&2
		tail -n 5 "$work/err" >&2
		exit 1
	fi
	curl -sS --max-time 120 --fail "$GCS_URL/_control/log" >"$work/gcs.json"
	kube_ctl GET /_control/log >"$work/kube.json"
	if [[ -n ${BENCH_LOGS-} ]]; then
		mkdir -p "$BENCH_LOGS"
		cp "$work/gcs.json" "$BENCH_LOGS/$n-${delays/\//-}-$name.store.json"
		cp "$work/kube.json" "$BENCH_LOGS/$n-${delays/\//-}-$name.api.json"
		cp "$work/err" "$BENCH_LOGS/$n-${delays/\//-}-$name.stderr"
	fi
	"$PYTHON3" "$TALLY" row "$work/results" --n "$n" --delays "$delays" \
		--pass "$name" --in-flight "$in_flight" --time "$work/time" \
		--gcs-log "$work/gcs.json" --kube-log "$work/kube.json" \
		--tput-store "$TPUT_STORE" --tput-api "$TPUT_API"
}

# standins_start N: a GCS stand-in, clusters a and b with N namespaces each,
# and their throughputs
standins_start() {
	local inst
	gcs_start --bucket bench >/dev/null
	for inst in a b; do
		kube_start --instance "$inst" --crd "$KUBE_CRD" >/dev/null
		# with "default", N namespaces to reconcile (the kube-* are excluded)
		kube_ctl POST /_control/namespaces \
			"{\"prefix\": \"ns-\", \"count\": $(($1 - 1)), \"start\": 1, \"width\": 6}" >/dev/null
	done
	tput_store
	tput_api
}

# bench_n N: for each delay, fresh stand-ins with N namespaces, four passes
bench_n() {
	local n=$1 d sp ap bp
	for d in $DELAYS; do
		standins_start "$n"
		echo "# stand-ins: store $TPUT_STORE, API server $TPUT_API requests/s"
		if [[ $http2 == 1 ]]; then
			nginx_start
			sp=$NGX_STORE ap=$NGX_A bp=$NGX_B
		else
			sp=$GCS_PORT
			kube_use a; ap=$KUBE_PORT
			kube_use b; bp=$KUBE_PORT
		fi
		if [[ $d != 0/0 ]]; then
			proxy_start "${d%/*}" "$sp"; sp=$PPORT
			proxy_start "${d#*/}" "$ap"; ap=$PPORT
			proxy_start "${d#*/}" "$bp"; bp=$PPORT
		fi
		kubeconfig a "$ap"
		kubeconfig b "$bp"
		export STORAGE_EMULATOR_HOST=127.0.0.1:$sp MCLE_STORE=gs://bench/locks
		if [[ $http2 == 1 ]]; then
			STORAGE_EMULATOR_HOST=https://127.0.0.1:$sp
		fi
		run_pass holder-first a a "$n" "$d"
		run_pass holder-steady a a "$n" "$d"
		run_pass standby-first b b "$n" "$d"
		run_pass standby-steady b b "$n" "$d"
		proxies_stop
		nginx_stop
		kube_stop
		gcs_stop
	done
}

# In HTTP/2 mode each pass runs where the system CA bundle is cluster a's
# CA, which signed nginx's certificate for the store.
ca_wrap=()
if [[ $http2 == 1 ]]; then
	cat >"$work/ca-wrap.sh" <<-'EOF'
		mount --bind "$1" /etc/ssl/certs/ca-certificates.crt || exit 99
		shift
		exec "$@"
	EOF
	ca_wrap=(sh "$work/ca-wrap.sh" "$work/ca-a.crt")
fi

proto="HTTP/1.1 to the stand-ins"
[[ $http2 == 1 ]] && proto="HTTP/2 to nginx in front of the stand-ins"
echo "mcle reconcile-all over a simulated network ($("$MCLE" --version)," \
	"$in_flight requests in flight, $proto; one-way delays store/API: $DELAYS ms)"
echo "$ ${BENCH_HTTP2:+BENCH_HTTP2=$BENCH_HTTP2 }scripts/bench.sh ${MCLE#"$top"/} $NS_LIST"
"$PYTHON3" "$TALLY" header
for n in $NS_LIST; do
	bench_n "$n"
done
"$PYTHON3" "$TALLY" targets "$work/results" --judge "$judge" \
	--judge-wall "${BENCH_JUDGE_WALL:-0}"
