#!/usr/bin/env bats
# examples/rbac.yaml grants exactly the verbs mcle uses: every command runs
# against the Kubernetes stand-in authorised by those rules alone, with no
# 403, and taking away any one rule makes some command fail.

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers
load loop-helpers

ROLE="$MCLE_SRCDIR/examples/rbac.yaml"

setup() {
	kube_test_setup
	RBAC_TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	export MCLE_IDENTITY=c1
}

teardown() {
	kube_test_teardown
}

# start_with RULES_FILE: a stand-in authorising the RBAC token by the rules
# in RULES_FILE; RBAC_KUBECONFIG uses that token (no other credential).
start_with() {
	kube_start --instance "rbac$RANDOM" --crd "$KUBE_CRD" --namespaces team-a,team-b \
		--no-system-namespaces --rbac "$1" --rbac-token "$RBAC_TOKEN"
	kube_ctl POST /_control/namespace '{"name":"team-c","labels":{"team":"payments"}}' >/dev/null
	# kube-system (excluded by default): its UID is the cluster's fingerprint
	kube_ctl POST /_control/namespace '{"name":"kube-system"}' >/dev/null
	# a store of its own: every run starts from no holder, so each
	# namespace changes hands (and records an Event) once
	RBAC_RUN=$((${RBAC_RUN:-0} + 1))
	export MCLE_STORE="gs://bkt/run$RBAC_RUN"
	RBAC_KUBECONFIG="$BATS_TEST_TMPDIR/rbac-kubeconfig"
	sed "s/^    token: .*/    token: $RBAC_TOKEN/" "$KUBECONFIG_FILE" >"$RBAC_KUBECONFIG"
	chmod 0600 "$RBAC_KUBECONFIG"
	grep -q "token: $RBAC_TOKEN" "$RBAC_KUBECONFIG"
}

# The commands that talk to the cluster, each way they do, as the CronJob's
# service account would run them.
EVERY_COMMAND='
acquire -n team-a
renew -n team-a
status -n team-a
status -n team-a --check
status -l team=payments
status -A
loop
reconcile-all
conflict
reconcile-all --selector team=payments --exclude team-a
reconcile-all --lease-duration 61
release -n team-a
acquire -n not-a-namespace
'

# every_command [--until-refused [COMMANDS]]: run COMMANDS (default:
# EVERY_COMMAND, one a line); the statuses in STATUSES.  --until-refused:
# stop after the first command that met a 403 (the stand-in's log has one).
every_command() {
	STATUSES=()
	local cmd rc until=${1-} commands=${2-$EVERY_COMMAND}
	while IFS= read -r cmd; do
		[ -n "$cmd" ] || continue
		if [ "$until" = --until-refused ] &&
			kube_ctl GET /_control/log | grep -Eq '"status": *403[,}]'; then
			break
		fi
		if [ "$cmd" = conflict ]; then
			# a pass whose status write conflicts reads the resource again
			kube_ctl POST /_control/fault '{"method":"PUT","path":"/status$","count":1,"status":409,"reason":"Conflict","message":"the object has been modified"}' >/dev/null
			cmd="reconcile-all --partial-ok"
		fi
		rc=0
		if [ "$cmd" = loop ]; then
			# the long-running form: an Event for each namespace it
			# takes, then SIGTERM ends it
			KUBECONFIG="$RBAC_KUBECONFIG" loop_bg reconcile-all --interval 1h
			wait_for loop_pass_ended
			loop_stop TERM
			rc=$status
		else
			# shellcheck disable=SC2086 # words on purpose
			KUBECONFIG="$RBAC_KUBECONFIG" "$MCLE" $cmd >"$BATS_TEST_TMPDIR/out" 2>&1 || rc=$?
		fi
		STATUSES+=("$cmd=$rc")
	done <<<"$commands"
}

@test "every command runs with exactly the rules of examples/rbac.yaml, no 403" {
	start_with "$ROLE"
	every_command
	[ "${STATUSES[*]}" = "acquire -n team-a=0 renew -n team-a=0 status -n team-a=0 status -n team-a --check=0 status -l team=payments=0 status -A=0 loop=143 reconcile-all=0 reconcile-all --partial-ok=0 reconcile-all --selector team=payments --exclude team-a=0 reconcile-all --lease-duration 61=0 release -n team-a=0 acquire -n not-a-namespace=0" ]
	run kube_requests
	assert_no_match ' 40[13]$'
	# and each kind of request was made: the rules were exercised
	assert_match '^GET /api/v1/namespaces(\?.*)? 200$'
	assert_match '^GET /api/v1/namespaces\?.*labelSelector=team%3Dpayments.* 200$'
	assert_match "^GET $KUBE_GV/leases(\\?.*)? 200\$"
	assert_match "^GET $KUBE_GV/namespaces/team-a/leases/lease-gsc 200\$"
	assert_match "^POST $KUBE_GV/namespaces/team-[ab]/leases 201\$"
	assert_match "^PUT $KUBE_GV/namespaces/team-[abc]/leases/lease-gsc/status 409\$"
	assert_match "^PUT $KUBE_GV/namespaces/team-[abc]/leases/lease-gsc/status 200\$"
	assert_match '^POST /apis/events\.k8s\.io/v1/namespaces/team-[abc]/events 201$'
	assert_match '^GET /api/v1/namespaces/kube-system 200$'
	assert_match "^PATCH $KUBE_GV/namespaces/team-[abc]/leases/lease-gsc 200\$"
	# status -l: the cluster's namespaces that match, free ones too
	KUBECONFIG="$RBAC_KUBECONFIG" run --separate-stderr "$MCLE" status -l team=payments -o name
	assert_status 0
	[ "$output" = team-c ]
	KUBECONFIG="$RBAC_KUBECONFIG" run --separate-stderr "$MCLE" status -l 'team!=payments' -o wide
	assert_status 0
	assert_match '^team-a +<none> +false +[0-9]+ +'
	assert_match '^team-b +c1 +true +1 +'
	assert_no_match '^team-c'
	KUBECONFIG="$RBAC_KUBECONFIG" run --separate-stderr "$MCLE" status -l 'nobody=here' -o json
	[ "$output" = "[]" ]
}

@test "take away any one rule of examples/rbac.yaml and some command is refused" {
	local rule
	for rule in 'namespaces list' 'namespaces get' 'leases get' 'leases list' 'leases create' 'leases patch' 'leases/status update' 'events create'; do
		"$PYTHON3" - "$ROLE" "$rule" >"$BATS_TEST_TMPDIR/less.yaml" <<-'PY'
			import sys, yaml
			docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
			res, verb = sys.argv[2].split()
			for d in docs:
			    if d["kind"] == "ClusterRole":
			        for r in d["rules"]:
			            if res in r["resources"] and verb in r["verbs"]:
			                r["verbs"].remove(verb)
			        d["rules"] = [r for r in d["rules"] if r["verbs"]]
			print(yaml.safe_dump_all(docs))
		PY
		start_with "$BATS_TEST_TMPDIR/less.yaml"
		# these first: between them they use every rule
		every_command --until-refused "loop
reconcile-all --selector team=payments --exclude team-a
reconcile-all --lease-duration 61
acquire -n team-a
$EVERY_COMMAND"
		run kube_requests
		if ! printf '%s\n' "$output" | grep -q ' 403$'; then
			echo "without '$rule' nothing was refused: the rule is not needed" >&2
			return 1
		fi
		kube_stop
	done
}
