#!/usr/bin/env bats
# The examples of `mcle run`: examples/ci-job.sh and examples/job.yaml do
# what examples/README.examples says.

bats_require_minimum_version 1.5.0
load helpers
load run-helpers

EX="$MCLE_SRCDIR/examples"

setup() {
	common_setup
	export MCLE_IDENTITY=runner-eu-1
	# `mcle` on PATH, as the example calls it
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	ln -s "$MCLE" "$BATS_TEST_TMPDIR/bin/mcle"
	export PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}

@test "ci-job.sh: runs the job and passes its status on; busy elsewhere is nothing to do" {
	export JOB="$BATS_TEST_TMPDIR/job"
	printf '#!/bin/sh\necho "job ran as $MCLE_IDENTITY, epoch $MCLE_EPOCH"\nexit 3\n' >"$JOB"
	chmod +x "$JOB"
	run "$EX/ci-job.sh"
	assert_status 3
	assert_match '^job ran as runner-eu-1/run-[0-9a-f]{16}, epoch 1$'
	[ "$(holder nightly-report)" = "" ]
	# another runner holds it: exit 0, the job did not run
	"$MCLE" --identity runner-us-1 acquire -n nightly-report >/dev/null
	run --separate-stderr "$EX/ci-job.sh"
	assert_status 0
	[ "$output" = "nightly-report runs elsewhere: nothing to do here" ]
	[[ $stderr == "mcle: lease 'nightly-report' is held by 'runner-us-1' until "* ]]
	# WAIT: it runs once the other is done
	"$MCLE" --identity runner-us-1 release -n nightly-report >/dev/null
	WAIT=1m run "$EX/ci-job.sh"
	assert_status 3
}

@test "job.yaml: mcle run is the container's command, with settings it accepts" {
	run "$PYTHON3" - "$EX/job.yaml" <<'PY'
import json, sys, yaml
(job,) = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
assert job["kind"] == "Job" and job["apiVersion"] == "batch/v1", job["kind"]
spec = job["spec"]
pod = spec["template"]["spec"]
(c,) = pod["containers"]
cmd = c["command"]
assert cmd[:2] == ["mcle", "run"] and "--" in cmd and cmd.index("--") < len(cmd) - 1, cmd
assert pod["restartPolicy"] == "Never"
assert pod["securityContext"]["runAsNonRoot"] is True
assert c["securityContext"]["readOnlyRootFilesystem"] is True
rule = spec["podFailurePolicy"]["rules"][0]
assert rule["action"] == "FailJob" and rule["onExitCodes"]["values"] == [1], rule
assert rule["onExitCodes"]["containerName"] == c["name"]
grace = int(cmd[cmd.index("--kill-grace") + 1])
assert pod["terminationGracePeriodSeconds"] > grace, "no time left to release"
env = {e["name"]: e["value"] for e in c["env"]}
print(json.dumps({"args": cmd[1:cmd.index("--") + 1], "lease": env["MCLE_LEASE_DURATION"]}))
PY
	assert_status 0
	args=$(json_get '" ".join(j["args"])')
	lease=$(json_get 'j["lease"]')
	# the same settings on a file store, with `true` for the program
	run "$MCLE" --lease-duration "$lease" $args true
	assert_status 0
	run "$MCLE" --lease-duration "$lease" $args sh -c 'exit 4'
	assert_status 4
}
