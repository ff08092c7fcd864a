#!/usr/bin/env bats
# How reconcile-all finds and authenticates to the cluster, end to end
# against the Kubernetes API stand-in: tokenFile rotation, exec credential
# plugins issuing expiring tokens, in-cluster configuration, client
# certificates, kubeconfig variants; and bad configurations, each one line
# on stderr with the documented exit status.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3005-kube-config.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

setup() {
	kube_test_setup
	KC_DIR="$BATS_TEST_TMPDIR/kc"
	mkdir -p "$KC_DIR"
}

teardown() {
	kube_test_teardown
}

start_kube() {
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces "$@"
}

# pass [ARGS...]: one pass, no --kubeconfig unless given.
pass() {
	run --separate-stderr "$MCLE" --identity cluster-a reconcile-all "$@"
}

pass_ok() {
	pass "$@"
	assert_status 0
	assert_match '^2 namespaces: 2 leader, 0 standby, 0 failed; '
}

# kubeconfig FILE CLUSTER-LINES USER-LINES: a one-context kubeconfig; the
# line arguments are indented YAML ("    key: value" lines).
kubeconfig() {
	cat >"$1" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: standin
		  cluster:
		$2
		users:
		- name: user
		  user:
		$3
		contexts:
		- name: ctx
		  context:
		    cluster: standin
		    user: user
		current-context: ctx
	EOF
	chmod 0600 "$1"
}

rotate_server_token() {
	kube_ctl POST /_control/tokens "{\"tokens\":[\"$1\"]}" >/dev/null
}

# The fake exec credential plugin: every run takes a new token, makes the
# stand-in accept only that one (the old ones "expire"), and prints an
# ExecCredential; PLUGIN_LIFETIME (s), PLUGIN_API, PLUGIN_FAIL from its env.
write_plugin() {
	cat >"$KC_DIR/plugin.sh" <<-'EOF'
		#!/bin/sh
		n=$(($(cat "$PLUGIN_DIR/runs" 2>/dev/null || echo 0) + 1))
		echo "$n" >"$PLUGIN_DIR/runs"
		printf '%s' "$KUBERNETES_EXEC_INFO" >"$PLUGIN_DIR/exec-info.$n"
		if [ -n "$PLUGIN_FAIL" ]; then
			echo "plugin: $PLUGIN_FAIL" >&2
			echo "second line" >&2
			exit 3
		fi
		tok="plugin-token-$n-$$"
		curl -sS --fail --max-time 10 --cacert "$PLUGIN_CA" -H 'Content-Type: application/json' \
			--data-binary "{\"tokens\":[\"$tok\"]}" "$PLUGIN_URL/_control/tokens" >/dev/null || exit 1
		exp=$(date -u -d "+${PLUGIN_LIFETIME:-3600} seconds" +%Y-%m-%dT%H:%M:%SZ)
		printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
			"${PLUGIN_API:-client.authentication.k8s.io/v1}" "$tok" "$exp"
	EOF
	chmod 0755 "$KC_DIR/plugin.sh"
}

# exec_kubeconfig API-VERSION [EXTRA ENV LINES]
exec_kubeconfig() {
	write_plugin
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    exec:
      apiVersion: $1
      command: ./plugin.sh
      interactiveMode: Never
      provideClusterInfo: true
      env:
      - {name: PLUGIN_DIR, value: $KC_DIR}
      - {name: PLUGIN_CA, value: $KUBE_CA}
      - {name: PLUGIN_URL, value: $KUBE_URL}
      - {name: PLUGIN_API, value: $1}
${2-}"
}

plugin_runs() {
	cat "$KC_DIR/runs" 2>/dev/null || echo 0
}

# pass_bg ARGS...: a pass in the background; kube_bg_wait collects it.
pass_bg() {
	kube_bg --identity cluster-a reconcile-all "$@"
}

# Hold the Lease listing on arrival; meanwhile run the rest of the
# arguments, then let it go on.
during_pass() {
	kube_ctl POST /_control/fault \
		"{\"method\":\"GET\",\"path\":\"^$KUBE_GV/leases\\\\?\",\"action\":\"hold\"}" >/dev/null
	pass_bg --kubeconfig "$KC_DIR/config"
	kube_wait_held
	"$@"
	kube_release
	kube_bg_wait
}

# ---- credentials -----------------------------------------------------------

@test "tokenFile is read every pass: the server rotates the token, the file follows, the next pass works" {
	start_kube
	printf '%s\n' "$KUBE_TOKEN" >"$KC_DIR/token"
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    tokenFile: token"
	pass_ok --kubeconfig "$KC_DIR/config"
	# rotated on the server only: 401, retried once after re-reading the file
	rotate_server_token rotated-1
	kube_ctl DELETE /_control/log
	gcs_ctl DELETE /_control/log
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *401* ]]
	[ "$(kube_count GET .)" -eq 2 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
	# the file follows: the next pass works
	printf 'rotated-1\n' >"$KC_DIR/token"
	pass_ok --kubeconfig "$KC_DIR/config"
}

@test "a token rotated during a pass: the 401 re-reads tokenFile and the request is retried" {
	start_kube
	printf '%s\n' "$KUBE_TOKEN" >"$KC_DIR/token"
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    tokenFile: $KC_DIR/token"
	rotate() {
		rotate_server_token rotated-2
		printf 'rotated-2\n' >"$KC_DIR/token.new"
		mv "$KC_DIR/token.new" "$KC_DIR/token"
	}
	during_pass rotate
	assert_status 0
	assert_match '^2 namespaces: 2 leader, '
	[ "$(kube_count GET "^$KUBE_GV/leases\\?")" -eq 2 ]
	run kube_log
	[ "$(grep -c '"status": 401' <<<"$output")" -eq 1 ]
}

@test "exec plugin (v1): run once per pass, its token used for every request; KUBERNETES_EXEC_INFO" {
	start_kube
	exec_kubeconfig client.authentication.k8s.io/v1
	pass_ok --kubeconfig "$KC_DIR/config"
	[ "$(plugin_runs)" -eq 1 ]
	[ "$(kube_count '*' .)" -ge 6 ]
	run cat "$KC_DIR/exec-info.1"
	[ "$(json_get '[j["apiVersion"], j["kind"], j["spec"]["interactive"]]')" = '["client.authentication.k8s.io/v1", "ExecCredential", false]' ]
	[ "$(json_get 'j["spec"]["cluster"]["server"]')" = "$KUBE_URL" ]
	[ "$(json_get 'j["spec"]["cluster"]["certificate-authority-data"]' | base64 -d)" = "$(cat "$KUBE_CA")" ]
	# a new process asks again (the plugin itself may cache, as gke's does)
	pass_ok --kubeconfig "$KC_DIR/config"
	[ "$(plugin_runs)" -eq 2 ]
}

@test "exec plugin (v1beta1) issuing tokens that expire during the pass: re-run on 401" {
	start_kube
	exec_kubeconfig client.authentication.k8s.io/v1beta1
	# the credential "expires" while the pass runs: the server stops
	# accepting it; the 401 makes mcle run the plugin again
	during_pass rotate_server_token somebody-else
	assert_status 0
	assert_match '^2 namespaces: 2 leader, '
	[ "$(plugin_runs)" -eq 2 ]
	run kube_log
	[ "$(grep -c '"status": 401' <<<"$output")" -eq 1 ]
}

@test "exec plugin: a 401 on a namespace's status write re-runs it too, with or without --parallel" {
	start_kube
	exec_kubeconfig client.authentication.k8s.io/v1
	for n in 1 4; do
		kube_ctl POST /_control/fault '{"method":"PUT","path":"/namespaces/team-a/leases/lease-gsc/status$","status":401,"reason":"Unauthorized"}' >/dev/null
		before=$(plugin_runs)
		pass_ok --kubeconfig "$KC_DIR/config" --parallel $n
		[ "$(plugin_runs)" -eq $((before + 2)) ]
	done
}

@test "exec plugin: a credential close to its expiry is used, not re-run in a loop" {
	start_kube
	exec_kubeconfig client.authentication.k8s.io/v1 "      - {name: PLUGIN_LIFETIME, value: \"3\"}"
	pass_ok --kubeconfig "$KC_DIR/config"
	[ "$(plugin_runs)" -eq 1 ]
}

@test "exec plugin failing: exit 5, one line with the plugin's first stderr line" {
	start_kube
	exec_kubeconfig client.authentication.k8s.io/v1 "      - {name: PLUGIN_FAIL, value: no credentials for you}"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"plugin: no credentials for you"* ]]
	[[ $stderr != *"second line"* ]]
	[ "$(kube_count '*' .)" -eq 0 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "exec plugin giving a client certificate" {
	start_kube
	cat >"$KC_DIR/cert-plugin.sh" <<-EOF
		#!/bin/sh
		exec "$PYTHON3" -c 'import json; print(json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential", "status": {"clientCertificateData": open("$KUBE_CLIENT_CERT").read(), "clientKeyData": open("$KUBE_CLIENT_KEY").read()}}))'
	EOF
	chmod 0755 "$KC_DIR/cert-plugin.sh"
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: $KC_DIR/cert-plugin.sh
      interactiveMode: IfAvailable"
	pass_ok --kubeconfig "$KC_DIR/config"
}

@test "in-cluster: KUBERNETES_SERVICE_HOST/PORT and the service account directory; its token re-read every pass" {
	start_kube
	sa="$BATS_TEST_TMPDIR/sa"
	mkdir -p "$sa"
	cp "$KUBE_CA" "$sa/ca.crt"
	printf '%s' "$KUBE_TOKEN" >"$sa/token"
	export KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=$KUBE_PORT
	export MCLE_SERVICEACCOUNT_DIR=$sa
	pass_ok
	[ "$(kube_count GET '^/api/v1/namespaces\?')" -eq 1 ]
	# kubelet rotates the projected token: the next pass reads the new one
	rotate_server_token projected-2
	printf 'projected-2' >"$sa/token"
	pass_ok
	# a kubeconfig wins over in-cluster
	cp "$KUBECONFIG_FILE" "$KC_DIR/config"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	[[ $stderr == *401* ]]
}

@test "in-cluster: an IPv6 service host is bracketed; a missing ca.crt is named" {
	start_kube
	sa="$BATS_TEST_TMPDIR/sa"
	mkdir -p "$sa"
	printf '%s' "$KUBE_TOKEN" >"$sa/token"
	export KUBERNETES_SERVICE_HOST=::1 KUBERNETES_SERVICE_PORT=1
	export MCLE_SERVICEACCOUNT_DIR=$sa
	pass
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"'$sa/ca.crt'"* ]]
	cp "$KUBE_CA" "$sa/ca.crt"
	# nothing listens on [::1]:1
	pass
	assert_status 4
	assert_one_error_line
	[[ $stderr == *"[::1]"* ]]
}

@test "client certificates: files (relative to the kubeconfig) and -data" {
	start_kube
	cp "$KUBE_CA" "$KC_DIR/ca.crt"
	cp "$KUBE_CLIENT_CERT" "$KC_DIR/client.crt"
	cp "$KUBE_CLIENT_KEY" "$KC_DIR/client.key"
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: ca.crt" "    client-certificate: client.crt
    client-key: client.key"
	cd "$BATS_TEST_TMPDIR"
	pass_ok --kubeconfig kc/config
	kubeconfig "$KC_DIR/config-data" "    server: $KUBE_URL
    certificate-authority-data: $(base64 -w0 "$KUBE_CA")" "    client-certificate-data: $(base64 -w0 "$KUBE_CLIENT_CERT")
    client-key-data: $(base64 -w0 "$KUBE_CLIENT_KEY")"
	pass_ok --kubeconfig "$KC_DIR/config-data"
	# without the certificate the same request is anonymous: 403, exit 5
	kubeconfig "$KC_DIR/config-anon" "    server: $KUBE_URL
    certificate-authority: ca.crt" "    {}"
	pass --kubeconfig "$KC_DIR/config-anon"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"403"*"system:anonymous"* ]]
}

@test "a client certificate the server does not trust: exit 5, one line" {
	kube_start --instance other
	other_cert=$KUBE_CLIENT_CERT other_key=$KUBE_CLIENT_KEY
	kube_start --instance main --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    client-certificate: $other_cert
    client-key: $other_key"
	pass --kubeconfig "$KC_DIR/config"
	assert_one_error_line
	[ "$(gcs_count '*' .)" -eq 0 ]
	# a credential problem, not a network one: retrying will not help
	assert_status 5
}

@test "kubeconfig variants: KUBECONFIG list (first file wins), ~/.kube/config, --context, tls-server-name, insecure" {
	kube_start --instance main --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	# file 1: current-context b, and a context 'a' with a wrong token;
	# file 2: context b (good), and its own context 'a' (good, shadowed)
	cat >"$KC_DIR/one" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: c1
		  cluster: {server: "$KUBE_URL", certificate-authority: "$KUBE_CA"}
		users:
		- name: wrong
		  user: {token: wrong-token}
		contexts:
		- name: a
		  context: {cluster: c1, user: wrong}
		current-context: b
	EOF
	cat >"$KC_DIR/two" <<-EOF
		apiVersion: v1
		kind: Config
		clusters:
		- name: c2
		  cluster: {server: "$KUBE_URL", certificate-authority: "$KUBE_CA"}
		users:
		- name: good
		  user: {token: "$KUBE_TOKEN"}
		contexts:
		- name: a
		  context: {cluster: c2, user: good}
		- name: b
		  context: {cluster: c2, user: good}
		current-context: a
	EOF
	chmod 0600 "$KC_DIR/one" "$KC_DIR/two"
	export KUBECONFIG="$KC_DIR/missing::$KC_DIR/one:$KC_DIR/two"
	pass_ok
	pass --context a
	assert_status 5
	assert_one_error_line
	[[ $stderr == *401* ]]
	unset KUBECONFIG
	# ~/.kube/config when nothing else is given
	mkdir -p "$HOME/.kube"
	cp "$KC_DIR/two" "$HOME/.kube/config"
	pass_ok
	pass_ok --context b
	rm "$HOME/.kube/config"
	# tls-server-name: the name checked against the certificate
	kubeconfig "$KC_DIR/sni" "    server: https://127.0.0.1:$KUBE_PORT
    certificate-authority: $KUBE_CA
    tls-server-name: localhost" "    token: $KUBE_TOKEN"
	pass_ok --kubeconfig "$KC_DIR/sni"
	kubeconfig "$KC_DIR/sni-bad" "    server: https://127.0.0.1:$KUBE_PORT
    certificate-authority: $KUBE_CA
    tls-server-name: wrong.example" "    token: $KUBE_TOKEN"
	pass --kubeconfig "$KC_DIR/sni-bad"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *wrong.example* ]]
	# insecure-skip-tls-verify, only when asked for
	kubeconfig "$KC_DIR/insecure" "    server: $KUBE_URL
    insecure-skip-tls-verify: true" "    token: $KUBE_TOKEN"
	pass_ok --kubeconfig "$KC_DIR/insecure"
	kubeconfig "$KC_DIR/no-ca" "    server: $KUBE_URL" "    token: $KUBE_TOKEN"
	pass --kubeconfig "$KC_DIR/no-ca"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *certificate* ]]
}

# ---- bad configurations ----------------------------------------------------

@test "malformed kubeconfig YAML: exit 5, one line naming the file and position" {
	start_kube
	printf 'apiVersion: v1\nclusters:\n- name: c\n  cluster:\n\tserver: x\n' >"$KC_DIR/bad"
	pass --kubeconfig "$KC_DIR/bad"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"$KC_DIR/bad"*":5:"* ]]
	# truncated in the middle of a flow mapping
	printf 'apiVersion: v1\nclusters: [{name: c, cluster: {server: "https://x' >"$KC_DIR/bad2"
	pass --kubeconfig "$KC_DIR/bad2"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"$KC_DIR/bad2"* ]]
	# a wrong type
	kubeconfig "$KC_DIR/bad3" "    server: [1, 2]" "    token: x"
	pass --kubeconfig "$KC_DIR/bad3"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *server* ]]
	[ "$(kube_count '*' .)" -eq 0 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "a kubeconfig with a second YAML document: exit 5, one line naming the file and its line" {
	start_kube
	# the second document would have been ignored, the first one used
	{ cat "$KUBECONFIG_FILE"; printf -- '---\ncurrent-context: elsewhere\n'; } >"$KC_DIR/two-docs"
	chmod 0600 "$KC_DIR/two-docs"
	n=$(($(wc -l <"$KUBECONFIG_FILE") + 1))
	pass --kubeconfig "$KC_DIR/two-docs"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"'$KC_DIR/two-docs:$n:1': a second YAML document: only one is read" ]]
	[ "$(kube_count '*' .)" -eq 0 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "missing CA file: exit 5, one line naming it" {
	start_kube
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: nowhere/ca.crt" "    token: $KUBE_TOKEN"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"'$KC_DIR/nowhere/ca.crt'"* ]]
	[ "$(kube_count '*' .)" -eq 0 ]
}

@test "wrong token: 401, exit 5, one line; nothing written anywhere" {
	start_kube
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $KUBE_CA" "    token: not-the-token"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"401 Unauthorized"* ]]
	[[ $stderr != *not-the-token* ]]
	[ "$(kube_count '*' .)" -le 2 ]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "unknown context: exit 5, one line naming it and the file" {
	start_kube
	pass --kubeconfig "$KUBECONFIG_FILE" --context nope
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"'nope'"*"$KUBECONFIG_FILE"* ]]
	run --separate-stderr "$MCLE" --identity cluster-a --kubeconfig "$BATS_TEST_TMPDIR/none" reconcile-all
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"$BATS_TEST_TMPDIR/none"* ]]
}

@test "server unreachable: exit 4, one line" {
	start_kube
	kubeconfig "$KC_DIR/config" "    server: https://127.0.0.1:1
    certificate-authority: $KUBE_CA" "    token: $KUBE_TOKEN"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 4
	assert_one_error_line
	[[ $stderr == *127.0.0.1:1* ]]
	[ "$(gcs_count '*' .)" -eq 0 ]
}

@test "server certificate from another CA: exit 5, one line" {
	kube_start --instance other
	other_ca=$KUBE_CA
	kube_start --instance main --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	kubeconfig "$KC_DIR/config" "    server: $KUBE_URL
    certificate-authority: $other_ca" "    token: $KUBE_TOKEN"
	pass --kubeconfig "$KC_DIR/config"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *certificate* ]]
}

@test "missing CRD: exit 5, one line naming the CRD" {
	kube_start --namespaces team-a --no-system-namespaces
	pass --kubeconfig "$KUBECONFIG_FILE"
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"leases.leaderelection.600lyy.io"* ]]
	[[ $stderr == *crd.yaml* ]]
	[ "$(gcs_count '*' .)" -eq 0 ]
	# another group or version names that one
	kube_stop
	kube_start --crd "$KUBE_CRD" --namespaces team-a --no-system-namespaces
	pass --kubeconfig "$KUBECONFIG_FILE" --lease-version v2
	assert_status 5
	assert_one_error_line
	[[ $stderr == *"leases.leaderelection.600lyy.io/v2"* ]]
}
