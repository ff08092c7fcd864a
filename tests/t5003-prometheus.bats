#!/usr/bin/env bats
# A real Prometheus server (Debian's prometheus package) scrapes /metrics
# of reconcile-all --interval; its query of the leader gauge answers what
# this cluster holds.

bats_require_minimum_version 1.5.0
load helpers
load loop-helpers

setup() {
	common_setup
	export MCLE_IDENTITY=cluster-a
	command -v prometheus >/dev/null || {
		echo "prometheus is not installed (sh scripts/setup.sh installs it)" >&2
		return 1
	}
}

teardown() {
	[ -z "${LOOP_PID-}" ] || kill -KILL "$LOOP_PID" 2>/dev/null || true
	[ -z "${PROM_PID-}" ] || { kill -TERM "$PROM_PID" 2>/dev/null; wait "$PROM_PID" 2>/dev/null; } || true
}

free_port() {
	"$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The leader gauge as Prometheus has it: "namespace=value" lines, sorted.
leader_query() {
	curl -sS --max-time 10 --get --data-urlencode 'query=mcle_leader{job="mcle"}' \
		"http://127.0.0.1:$PROM_PORT/api/v1/query" | "$PYTHON3" -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print("\n".join(sorted("%s=%s" % (x["metric"]["namespace"], x["value"][1]) for x in r)))'
}

leader_query_is() {
	[ "$(leader_query 2>/dev/null | paste -sd' ')" = "$1" ]
}

@test "Prometheus scrapes /metrics; the leader gauge's query answers what this cluster holds" {
	# another cluster holds c for ten minutes
	run --separate-stderr "$MCLE" --no-cluster --identity cluster-b --lease-duration 600 \
		reconcile-all --namespaces c
	assert_status 0
	loop_bg --no-cluster --lease-duration 600 reconcile-all --namespaces a,b,c --interval 1s \
		--listen 127.0.0.1:0
	LOOP_PORT=$(loop_port)
	PROM_PORT=$(free_port)
	cat >"$BATS_TEST_TMPDIR/prometheus.yml" <<-EOF
		global:
		  scrape_interval: 1s
		  scrape_timeout: 1s
		scrape_configs:
		- job_name: mcle
		  static_configs:
		  - targets: ['127.0.0.1:$LOOP_PORT']
	EOF
	promtool check config "$BATS_TEST_TMPDIR/prometheus.yml"
	prometheus --config.file "$BATS_TEST_TMPDIR/prometheus.yml" \
		--storage.tsdb.path "$BATS_TEST_TMPDIR/tsdb" \
		--web.listen-address "127.0.0.1:$PROM_PORT" \
		>"$BATS_TEST_TMPDIR/prometheus.log" 2>&1 3>&- &
	PROM_PID=$!
	wait_for leader_query_is "a=1 b=1 c=0" || { cat "$BATS_TEST_TMPDIR/prometheus.log"; false; }
	# the scrape itself is healthy
	run curl -sS --max-time 10 --get --data-urlencode 'query=up{job="mcle"}' \
		"http://127.0.0.1:$PROM_PORT/api/v1/query"
	[[ $output == *'"value":['*',"1"]'* ]]
	loop_stop TERM
	assert_status 143
}
