#!/usr/bin/env bats
# Every example of README (its Examples section) and of the man pages'
# EXAMPLES sections runs, as extracted from the files (tests/doc-examples.py),
# so a changed example is tested: against a file store, the GCS stand-in
# for gs:// (gcloud too) and the Kubernetes stand-in for the cluster, with
# their paths moved into the test's directory.  Each runs in bash; every
# mcle it calls must exit 0 or 1 (never a usage or other error), and the
# script must succeed (a loop is ended by its third sleep).  A transcript
# ("$ mcle ..." and its output) must print the table header shown, and the
# rows shown must be in the format mcle prints.

bats_require_minimum_version 1.5.0
load helpers
load gcs-helpers
load kube-helpers

setup_file() {
	export T="$BATS_FILE_TMPDIR"
}

setup() {
	common_setup
	gcs_start --bucket acme-mcle --bucket test-bucket
	kube_start --crd "$KUBE_CRD" --namespaces team-a,team-b --no-system-namespaces
	kube_ctl POST /_control/namespace '{"name":"team-c","labels":{"team":"payments","mcle":"on"}}' >/dev/null
	W="$BATS_TEST_TMPDIR/w"
	BIN="$W/bin"
	mkdir -p "$BIN" "$W/cwd" "$W/etc/mcle" "$W/varlib" "$HOME/.kube"
	chmod 755 "$W/varlib"
	cp "$KUBECONFIG_FILE" "$W/etc/mcle/kubeconfig"
	cp "$KUBECONFIG_FILE" "$HOME/.kube/config"
	cp "$MCLE_SRCDIR/examples/namespaces.txt" "$W/etc/mcle/namespaces"
	echo '{}' >"$W/etc/mcle/sa.json"
	# mcle through a log of its statuses
	cat >"$BIN/mcle" <<-EOF
		#!/bin/sh
		"$MCLE" "\$@"
		rc=\$?
		printf '%s mcle %s\n' "\$rc" "\$*" >>"$W/mcle.log"
		exit \$rc
	EOF
	# sleep returns at once; its third call ends the example (a loop)
	cat >"$BIN/sleep" <<-EOF
		#!/bin/sh
		n=\$((\$(cat "$W/sleeps" 2>/dev/null || echo 0) + 1))
		echo \$n >"$W/sleeps"
		[ \$n -lt 3 ] || { : >"$W/stopped"; kill -TERM \$PPID; }
		exit 0
	EOF
	# the jobs the examples run
	for job in job nightly-job leader-step run-migration; do
		printf '#!/bin/sh\necho %s ran >>"%s/jobs.log"\n/bin/sleep 0.2\n' "$job" "$W" >"$W/cwd/$job"
		chmod +x "$W/cwd/$job"
	done
	printf '#!/bin/sh\necho run-leader-work ran >>"%s/jobs.log"\n' "$W" >"$BIN/run-leader-work"
	chmod +x "$BIN/mcle" "$BIN/sleep" "$BIN/run-leader-work"
	# gcloud against the GCS stand-in (as tests/t2007 does)
	echo "test-token" >"$W/gcloud-token"
	export CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE="$GCS_URL/" \
		CLOUDSDK_AUTH_ACCESS_TOKEN_FILE="$W/gcloud-token" \
		CLOUDSDK_CORE_PROJECT=test CLOUDSDK_CORE_DISABLE_PROMPTS=1 \
		CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true \
		CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true \
		CLOUDSDK_STORAGE_PROCESS_COUNT=1 CLOUDSDK_STORAGE_THREAD_COUNT=1 \
		CLOUDSDK_CONFIG="$W/gcloud"
	export MCLE_STORE="file://$STORE_DIR" MCLE_IDENTITY=eu-1 CLUSTER=cluster-a CLUSTER_NAME=cluster-a
}

teardown() {
	kube_stop
	gcs_stop
}

# localize: an example's text with the paths and addresses of this test.
localize() {
	# (/tmp/ first: the paths put in by the others are below /tmp too)
	sed -e "s|/tmp/|$W/tmp-|g" \
		-e "s|file:///var/lib/mcle|file://$W/varlib|g" \
		-e "s|/etc/mcle/|$W/etc/mcle/|g" \
		-e "s|127\\.0\\.0\\.1:4443|$STORAGE_EMULATOR_HOST|g"
}

# run_example JSON: run one example; 0 if it passes, else say why.
run_example() {
	local where text transcript rc
	where=$(printf '%s' "$1" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["where"])')
	text=$(printf '%s' "$1" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["text"])' | localize)
	transcript=$(printf '%s' "$1" | "$PYTHON3" -c 'import json,sys; print(json.load(sys.stdin)["transcript"])')
	: >"$W/mcle.log"
	rm -f "$W/sleeps" "$W/stopped"
	if [ "$transcript" = True ]; then
		check_transcript "$where" "$text"
		return
	fi
	rc=0
	(cd "$W/cwd" && PATH="$BIN:$PATH" bash -c "$text") >"$W/out" 2>"$W/err" </dev/null || rc=$?
	if [ "$rc" -ne 0 ] && ! [ -e "$W/stopped" ]; then
		printf '%s: exit %s\n%s\nstdout: %s\nstderr: %s\n' "$where" "$rc" "$text" \
			"$(cat "$W/out")" "$(cat "$W/err")" >&2
		return 1
	fi
	[ -s "$W/mcle.log" ] || grep -q 'gcloud' <<<"$text" || {
		echo "$where: mcle never ran" >&2
		return 1
	}
	if grep -v '^[01] mcle ' "$W/mcle.log" >&2; then
		printf '%s: an mcle call above failed\n%s\nstderr: %s\n' "$where" "$text" "$(cat "$W/err")" >&2
		return 1
	fi
}

# check_transcript WHERE TEXT: run each "$ " command; the header it prints
# is the one shown (the columns' widths follow the names in the store), and
# the rows shown have the columns' formats.
check_transcript() {
	local where=$1 text=$2 cmd want got
	cmd=$(printf '%s\n' "$text" | sed -n 's/^\$ //p')
	want=$(printf '%s\n' "$text" | sed -n '2p' | tr -s ' ')
	got=$(cd "$W/cwd" && PATH="$BIN:$PATH" bash -c "$cmd" 2>"$W/err" | head -n 1 | tr -s ' ') || true
	if [ "$got" != "$want" ] || grep -v '^0 mcle ' "$W/mcle.log" >&2; then
		printf '%s: %s\nprints:  %s\nshown:   %s\nstderr: %s\n' "$where" "$cmd" "$got" "$want" \
			"$(cat "$W/err")" >&2
		return 1
	fi
	printf '%s\n' "$text" | "$PYTHON3" -c '
import re, sys
lines = sys.stdin.read().split("\n")[1:]
head = lines[0].split()
dur = r"-|0s|(\d+d)?(\d+h)?(\d+m)?(\d+s)?"
fmt = {"DURATION": dur, "REMAINING": dur + "|expired", "EXPIRES": r"-|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z",
       "EPOCH": r"\d+", "LEADER": "true|false|-",
       "ACTION": "acquired|renewed|standby|error"}
for l in lines[1:]:
    if not l.strip():
        continue
    if re.match(r"\d+ namespaces?: \d+ leader, \d+ standby, \d+ failed", l):
        continue
    cells = l.split()
    if len(cells) != len(head):
        sys.exit("%r: %d columns, the header has %d" % (l, len(cells), len(head)))
    for h, c in zip(head, cells):
        if h in fmt and not re.fullmatch(fmt[h], c):
            sys.exit("%r: %s %r is not how mcle prints it" % (l, h, c))
' || { echo "$where: a row shown is not in the printed format" >&2; return 1; }
}

@test "every example in README and the man pages runs" {
	local n=0 failed=0 ex
	while IFS= read -r ex; do
		n=$((n + 1))
		run_example "$ex" || failed=$((failed + 1))
	done < <("$PYTHON3" "$MCLE_SRCDIR/tests/doc-examples.py" "$MCLE_SRCDIR")
	echo "# $n examples, $failed failed" >&3
	[ "$n" -ge 30 ]
	[ "$failed" -eq 0 ]
	# the jobs the examples start did run
	grep -q '^run-migration ran$' "$W/jobs.log"
	grep -q '^nightly-job ran$' "$W/jobs.log"
}

@test "the extraction finds each kind of example" {
	run "$PYTHON3" "$MCLE_SRCDIR/tests/doc-examples.py" "$MCLE_SRCDIR"
	assert_status 0
	assert_match '"where": "README:[0-9]+"'
	assert_match '"where": "mcle.1:[0-9]+"'
	assert_match '"where": "mcle-gcs.7:[0-9]+"'
	assert_match '"transcript": true'
	# the inline .Ql example of mcle(1), without its full stop
	assert_match '"text": "mcle reconcile-all --no-cluster --namespaces-file /etc/mcle/namespaces"'
}
