#!/usr/bin/env bash
# bench.sh [MCLE] [N] - what one reconcile-all pass costs with N namespaces.
#
# Against the GCS stand-in (tests/servers/gcs-server.py on 127.0.0.1) and
# the file store, as the holder of every lease and as a standby: requests
# per pass by kind (from the stand-in's log) and wall time per pass (the
# best of 3).  A benchmark, not a test: it reports, it does not judge.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
MCLE=${1:-$top/build/src/mcle}
N=${2:-1000}
export PYTHON3=${PYTHON3:-/usr/bin/python3}
# shellcheck source=../tests/gcs-helpers.bash
. "$top/tests/gcs-helpers.bash"

work=$(mktemp -d /tmp/mcle-bench.XXXXXX)
trap 'gcs_stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
export TMPDIR=$work HOME=$work MCLE_CONFIG=$work/empty.yaml
: >"$MCLE_CONFIG"
unset KUBECONFIG KUBERNETES_SERVICE_HOST
seq -f 'ns-%05g' 1 "$N" >"$work/namespaces"

best_of_3() {	# best_of_3 CMD...: the fastest of three runs, in ms
	local best= t0 t1 ms k
	for k in 1 2 3; do
		t0=$EPOCHREALTIME
		"$@" >/dev/null 2>&1 || { echo "FAILED: $*" >&2; exit 1; }
		t1=$EPOCHREALTIME
		ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
		if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
	done
	echo "$best"
}

pass() {	# pass IDENTITY: one reconcile-all over every namespace
	"$MCLE" --no-cluster --identity "$1" --lease-duration 300 reconcile-all \
		--namespaces-file "$work/namespaces"
}

requests() {	# what the stand-in saw since the last reset, by method
	gcs_log | "$PYTHON3" -c '
import json, sys, collections
c = collections.Counter(json.loads(l)["method"] for l in sys.stdin)
print(" ".join(f"{k}={v}" for k, v in sorted(c.items())) or "none", f"total={sum(c.values())}")'
	gcs_ctl DELETE /_control/log >/dev/null
}

echo "mcle reconcile-all, $N namespaces ($("$MCLE" --version))"
gcs_start --bucket bench
export MCLE_STORE=gs://bench/locks
pass holder >/dev/null
gcs_ctl DELETE /_control/log >/dev/null
pass holder >/dev/null
echo "gs://   holder,  one pass: $(requests)"
pass standby >/dev/null || true
echo "gs://   standby, one pass: $(requests)"
echo "gs://   holder pass:  $(best_of_3 pass holder) ms; standby pass: $(best_of_3 pass standby) ms"
gcs_stop

mkdir "$work/store"
export MCLE_STORE=file://$work/store
pass holder >/dev/null
echo "file:// holder pass:  $(best_of_3 pass holder) ms; standby pass: $(best_of_3 pass standby) ms"
