#!/bin/sh
# A CI job that runs in only one of several clusters (or CI runners) at a
# time, under `mcle run`: the lease is renewed while the job runs, the job
# is stopped before another runner could take the lease (a runner that
# hangs, is paused or loses the store cannot overrun it), SIGTERM from the
# CI system reaches the job and every process it started, and the lease is
# released when the job ends.
#
#   MCLE_STORE=gs://acme-mcle/ci MCLE_IDENTITY=runner-eu-1 ./ci-job.sh
#
# MCLE_IDENTITY names the runner; each run holds the lease as
# MCLE_IDENTITY/run-ID, so two runs on one runner exclude each other too.
# WAIT (e.g. 10m) waits that long for a run elsewhere to end; by default a
# busy lease means "it runs elsewhere": nothing to do here.  A runner that
# starts after the other has finished runs the job again: the lease keeps
# runs apart, it does not count them.
set -u
: "${MCLE_STORE:?set MCLE_STORE}" "${MCLE_IDENTITY:?set MCLE_IDENTITY}"
job=${JOB:-./generate-report}
mcle run -n nightly-report --wait "${WAIT:-0}" -- "$job"
rc=$?
case $rc in
0) ;;
1) echo "nightly-report runs elsewhere: nothing to do here"; exit 0 ;;
122) echo "nightly-report was stopped: its lease was lost or could not be renewed" >&2 ;;
esac
exit "$rc"
