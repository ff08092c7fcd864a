#!/usr/bin/env bats
# HTTP/2 against a real server: nginx terminating TLS in front of the GCS
# stand-in.  On its HTTP/2 port mcle negotiates h2 (ALPN) and carries a whole
# pass over one connection; on its HTTP/1.1-only port the same pass works,
# a request per connection at a time.  nginx's access log records the
# protocol and the connection serial of every request.
#
# nginx runs unprivileged (uid 65534 when the test runs as root) on high
# ports, with its prefix, configuration, certificate and logs in a directory
# of the test's own.  mcle verifies TLS against the system CA bundle only,
# so each mcle runs in a private mount namespace where that bundle is the
# test's CA.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers
load kube-helpers

NS_COUNT=300

setup() {
	command -v nginx >/dev/null || skip "nginx is not installed (Debian: nginx)"
	CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
	[ -f "$CA_BUNDLE" ] || skip "no system CA bundle at $CA_BUNDLE"
	if [ "$(id -u)" -eq 0 ]; then
		PRIVATE=(unshare -m)
	else
		PRIVATE=(unshare -r -m)
	fi
	"${PRIVATE[@]}" true 2>/dev/null || skip "no mount namespaces here"
	gcs_test_setup
	nginx_start
	seq -f 'ns-%03g' 1 "$NS_COUNT" >"$BATS_TEST_TMPDIR/namespaces"
}

teardown() {
	nginx_stop
	gcs_stop
	[ -z "${NGX_DIR-}" ] || [ "$NGX_DIR" = "$BATS_TEST_TMPDIR/nginx" ] || rm -rf "$NGX_DIR"
}

# free_port: a TCP port on 127.0.0.1 that nothing listens on now
free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx_start: nginx in front of the stand-in, HTTP/2 on H2_PORT, HTTP/1.1
# only on H1_PORT, both over TLS with a certificate of the test's CA
nginx_start() {
	local as=() i
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "no setpriv to run nginx unprivileged"
		# out of the private bats tmpdir, which uid 65534 cannot reach
		NGX_DIR=$(mktemp -d /tmp/mcle-t2015.XXXXXX)
		chmod 0755 "$NGX_DIR"
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	else
		NGX_DIR=$BATS_TEST_TMPDIR/nginx
		mkdir -p "$NGX_DIR"
	fi
	mkdir -p "$NGX_DIR/tmp" "$NGX_DIR/logs"
	kube_certs "$NGX_DIR" || return 1
	[ "${#as[@]}" -eq 0 ] || chown -R 65534:65534 "$NGX_DIR"
	H2_PORT=$(free_port)
	H1_PORT=$(free_port)
	cat >"$NGX_DIR/nginx.conf" <<-EOF
		daemon off;
		worker_processes 1;
		pid $NGX_DIR/nginx.pid;
		error_log $NGX_DIR/logs/error.log info;
		events { worker_connections 512; }
		http {
		    log_format proto '\$server_port \$server_protocol \$connection \$connection_requests "\$request" \$status';
		    access_log $NGX_DIR/logs/access.log proto;
		    client_body_temp_path $NGX_DIR/tmp/body;
		    proxy_temp_path $NGX_DIR/tmp/proxy;
		    fastcgi_temp_path $NGX_DIR/tmp/fastcgi;
		    uwsgi_temp_path $NGX_DIR/tmp/uwsgi;
		    scgi_temp_path $NGX_DIR/tmp/scgi;
		    keepalive_requests 100000;
		    upstream gcs { server 127.0.0.1:$GCS_PORT; keepalive 32; }
		    server {
		        listen 127.0.0.1:$H2_PORT ssl http2;
		        listen 127.0.0.1:$H1_PORT ssl;
		        ssl_certificate $NGX_DIR/server.crt;
		        ssl_certificate_key $NGX_DIR/server.key;
		        location / {
		            proxy_pass http://gcs;
		            proxy_http_version 1.1;
		            proxy_set_header Connection "";
		            proxy_set_header Host \$http_host;
		            proxy_pass_header Date;
		        }
		    }
		}
	EOF
	"${as[@]}" nginx -p "$NGX_DIR" -c "$NGX_DIR/nginx.conf" -e "$NGX_DIR/logs/error.log" \
		3>&- &
	NGX_PID=$!
	for ((i = 0; i < 1200; i++)); do
		curl -s -o /dev/null --cacert "$NGX_DIR/ca.crt" "https://127.0.0.1:$H1_PORT/storage/v1/b/bkt" &&
			curl -s -o /dev/null --cacert "$NGX_DIR/ca.crt" "https://127.0.0.1:$H2_PORT/storage/v1/b/bkt" &&
			return 0
		kill -0 "$NGX_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "nginx did not start:" >&2
	cat "$NGX_DIR/logs/error.log" >&2
	return 1
}

nginx_stop() {
	[ -n "${NGX_PID-}" ] || return 0
	kill -TERM "$NGX_PID" 2>/dev/null || true
	wait "$NGX_PID" 2>/dev/null || true
	NGX_PID=
}

# pass PORT IDENTITY: one reconcile-all over the namespaces through nginx's
# PORT, in a mount namespace whose system CA bundle is the test's CA
pass() {
	cat >"$BATS_TEST_TMPDIR/pass.sh" <<-'EOF'
		mount --bind "$1" "$2" || exit 99
		shift 2
		exec "$@"
	EOF
	STORAGE_EMULATOR_HOST="https://127.0.0.1:$1" run --separate-stderr \
		"${PRIVATE[@]}" sh "$BATS_TEST_TMPDIR/pass.sh" "$NGX_DIR/ca.crt" "$CA_BUNDLE" \
		"$MCLE" --no-cluster --identity "$2" --max-in-flight 64 -o json reconcile-all \
		--namespaces-file "$BATS_TEST_TMPDIR/namespaces"
}

# access PORT: "PROTOCOL CONNECTION" of each request nginx logged on PORT
access() {
	awk -v p="$1" '$1 == p { print $2, $3 }' "$NGX_DIR/logs/access.log"
}

@test "HTTP/2: mcle negotiates h2 and carries a pass of $NS_COUNT namespaces over one connection" {
	pass "$H2_PORT" c1
	assert_status 0
	[ "$(json_get 'sum(1 for x in j if x["action"] == "acquired")')" = "$NS_COUNT" ]
	pass "$H2_PORT" c1
	assert_status 0
	[ "$(json_get 'sum(1 for x in j if x["action"] == "renewed")')" = "$NS_COUNT" ]
	# every request of both passes went to the stand-in, and only once
	[ "$(gcs_count PATCH '/o/locks%2Fns-')" = "$NS_COUNT" ]
	[ "$(gcs_count POST '^/upload/')" = "$NS_COUNT" ]
	run access "$H2_PORT"
	[ "${#lines[@]}" -ge $((2 * NS_COUNT + 2)) ]
	# h2 for every request, a pass over one connection (the curl probe
	# of nginx_start had its own)
	[ "$(cut -d' ' -f1 <<<"$output" | sort -u)" = HTTP/2.0 ]
	per_conn=$(cut -d' ' -f2 <<<"$output" | sort | uniq -c | sort -rn)
	[ "$(wc -l <<<"$per_conn")" -le 3 ]
	[ "$(head -n 1 <<<"$per_conn" | awk '{ print $1 }')" -ge "$NS_COUNT" ]
}

@test "HTTP/1.1 only: the same passes work, one request per connection at a time" {
	pass "$H1_PORT" c1
	assert_status 0
	[ "$(json_get 'sum(1 for x in j if x["action"] == "acquired")')" = "$NS_COUNT" ]
	pass "$H1_PORT" c1
	assert_status 0
	[ "$(json_get 'sum(1 for x in j if x["action"] == "renewed")')" = "$NS_COUNT" ]
	[ "$(gcs_count PATCH '/o/locks%2Fns-')" = "$NS_COUNT" ]
	run access "$H1_PORT"
	[ "${#lines[@]}" -ge $((2 * NS_COUNT + 2)) ]
	[ "$(cut -d' ' -f1 <<<"$output" | sort -u)" = HTTP/1.1 ]
	# requests in flight at once need connections of their own
	[ "$(cut -d' ' -f2 <<<"$output" | sort -u | wc -l)" -gt 3 ]
}

@test "the CA the passes trust is the test's own: without it, TLS fails (the test can fail)" {
	STORAGE_EMULATOR_HOST="https://127.0.0.1:$H2_PORT" run --separate-stderr \
		"$MCLE" --no-cluster --identity c1 reconcile-all --namespaces ns-001
	assert_status 5
	[[ $stderr == *certificate* ]]
}
