#!/usr/bin/env bats
# Three clusters (three identities, three Kubernetes API stand-ins) share
# one GCS stand-in (gs://bkt/prefix): after every pass each namespace has
# exactly one Lease resource saying isLeader: true across the clusters; when
# the leader stops running its passes another cluster leads from the first
# pass after its lease expires (by the store's clock), never before; the
# epoch counts the failovers.
#
#   cd /work/main && MCLE=/path/to/mcle MCLE_SRCDIR=$PWD \
#       PYTHON3=/usr/bin/python3 bats tests/t3003-kube-three-clusters.bats

bats_require_minimum_version 1.5.0
load helpers
load kube-helpers
load gcs-helpers

NAMESPACES=team-a,team-b,team-c,team-d
CLUSTERS="c1 c2 c3"

setup() {
	kube_test_setup
	export MCLE_STORE=gs://bkt/prefix
	local c
	for c in $CLUSTERS; do
		kube_start --instance "$c" --crd "$KUBE_CRD" --namespaces "$NAMESPACES" \
			--no-system-namespaces
	done
}

teardown() {
	kube_test_teardown
}

# pass_in CLUSTER [ARGS...]: one reconcile-all pass of CLUSTER (identity =
# the cluster's name) in its own API server.
pass_in() {
	local c=$1
	shift
	kube_use "$c"
	run --separate-stderr "$MCLE" --identity "$c" --kubeconfig "$KUBECONFIG_FILE" \
		--clock-skew 0 reconcile-all "$@"
	if [ "$status" -ne 0 ]; then
		printf 'pass in %s: exit %s\n%s\n%s\n' "$c" "$status" "$output" "$stderr" >&2
		return 1
	fi
}

# leaders MODE: read every cluster's Lease resources (kube_curl) and the
# store (status --all), check, and print "NS LEADER EPOCH" lines.
#   live:    exactly one isLeader: true per namespace among resources whose
#            observedExpireTime is still ahead by the store's clock (what a
#            consumer that checks the expiry sees)
#   atmost:  as live, but none is fine too (a lease expired and no pass
#            has taken it over yet)
#   strict:  exactly one isLeader: true per namespace, expired or not
#   settled: strict, and every cluster's resource agrees with the store on
#            holder and epoch
# Always: the leader is the store's holder, the lease is live in the store,
# and the leader's status says so with epoch == leaseTransitions == the
# store's epoch.
leaders() {
	local c out d=$BATS_TEST_TMPDIR/check
	mkdir -p "$d"
	for c in $CLUSTERS; do
		kube_use "$c"
		out=$(kube_curl "$KUBE_GV/leases") || return 1
		[ "${out##*$'\n'}" = 200 ] || { echo "list leases in $c: $out" >&2; return 1; }
		printf '%s' "${out%$'\n'*}" >"$d/$c.json"
	done
	gcs_ctl GET /_control/clock >"$d/clock.json" || return 1
	"$MCLE" --no-cluster -o json status --all >"$d/store.json" || return 1
	"$PYTHON3" - "$1" "$d" "$NAMESPACES" $CLUSTERS <<-'EOF'
		import datetime, json, sys
		mode, d, nss, clusters = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4:]
		def T(s):
		    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
		        tzinfo=datetime.timezone.utc).timestamp()
		now = json.load(open(d + "/clock.json"))["now"]
		store = {x["namespace"]: x for x in json.load(open(d + "/store.json"))}
		res = {}
		for c in clusters:
		    for item in json.load(open("%s/%s.json" % (d, c)))["items"]:
		        res[(c, item["metadata"]["namespace"])] = item.get("status") or {}
		bad = []
		for ns in nss:
		    got = {c: res[(c, ns)] for c in clusters if (c, ns) in res}
		    claim = [c for c, s in got.items() if s.get("isLeader") is True]
		    if mode in ("live", "atmost"):
		        claim = [c for c in claim if T(got[c]["observedExpireTime"]) > now]
		    rec = store.get(ns)
		    if mode == "atmost" and not claim:
		        print(ns, "-", rec and rec["leaseTransitions"])
		        continue
		    if len(claim) != 1:
		        bad.append("%s: %d leaders %s" % (ns, len(claim), claim))
		        continue
		    c, s = claim[0], got[claim[0]]
		    if rec is None or rec["holderIdentity"] != c:
		        bad.append("%s: %s leads but the store says %r" % (ns, c, rec and rec["holderIdentity"]))
		        continue
		    if T(rec["expireTime"]) <= now:
		        bad.append("%s: %s leads an expired lease" % (ns, c))
		    if not (s["observedHolderIdentity"] == c and
		            s["epoch"] == s["leaseTransitions"] == rec["leaseTransitions"]):
		        bad.append("%s: leader %s status %r, store epoch %s" % (ns, c, s, rec["leaseTransitions"]))
		    if mode == "settled":
		        for o, so in got.items():
		            if (so.get("observedHolderIdentity"), so.get("epoch")) != (c, rec["leaseTransitions"]):
		                bad.append("%s: %s says %r" % (ns, o, so))
		    print(ns, c, rec["leaseTransitions"])
		if bad:
		    sys.stderr.write("leadership check (%s) failed:\n  %s\n" % (mode, "\n  ".join(bad)))
		    sys.exit(1)
	EOF
}

# The leader of every namespace, as one word ("c2" or "mixed").
sole_leader() {
	local out
	out=$(leaders "$1") || return 1
	printf '%s\n' "$out" | awk '{ print $2 }' | sort -u |
		awk 'NR == 1 { l = $0 } END { print (NR == 1 ? l : "mixed") }'
}

store_offset() {
	gcs_ctl POST /_control/clock "{\"offset\": $1}" >/dev/null
}

@test "after every pass exactly one cluster says isLeader: true for each namespace" {
	# leases that outlast these rounds however slow they are (the Lease
	# resources each cluster creates carry this duration)
	export MCLE_LEASE_DURATION=3600
	# a split start: c1 takes team-a and team-b, c2 team-c and team-d
	pass_in c1 --exclude team-c,team-d
	NAMESPACES=team-a,team-b leaders strict >/dev/null
	pass_in c2
	leaders strict >/dev/null
	pass_in c3
	leaders settled >/dev/null
	# rounds in varying orders
	for order in "c1 c2 c3" "c3 c2 c1" "c2 c3 c1" "c1 c3 c2"; do
		for c in $order; do
			pass_in "$c"
			leaders strict >/dev/null
		done
		run leaders settled
		assert_status 0
	done
	[ "${lines[0]}" = "team-a c1 1" ]
	[ "${lines[1]}" = "team-b c1 1" ]
	[ "${lines[2]}" = "team-c c2 1" ]
	[ "${lines[3]}" = "team-d c2 1" ]
	# each cluster created its own four resources with its own identity
	kube_use c3
	run kube_curl "$KUBE_GV/leases"
	[ "$(printf '%s' "${output%$'\n'*}" | "$PYTHON3" -c '
import json, sys
print(sorted({(i["spec"]["holderIdentity"], i["status"]["isLeader"]) for i in json.load(sys.stdin)["items"]}))')" = "[('c3', False)]" ]
}

# store_now: the store's clock (the stand-in's time with its offset)
store_now() {
	gcs_ctl GET /_control/clock | "$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["now"])'
}

# failover_check BEFORE STARTED LEADERS: after a pass that started at
# STARTED by the store's clock, with the output of `leaders atmost` in the
# file LEADERS and c1's leases as `status --all -o json` showed them in the
# file BEFORE: fail if a namespace that had expired at least a second before
# the pass started (the Date header has whole seconds) is not led by c2 or
# c3 now; print "done" once every namespace is, else "waiting".
failover_check() {
	"$PYTHON3" - "$@" <<-'EOF'
		import datetime, json, sys
		def T(s):
		    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
		        tzinfo=datetime.timezone.utc).timestamp()
		before, started = json.load(open(sys.argv[1])), float(sys.argv[2])
		now = dict(line.split()[:2] for line in open(sys.argv[3]))
		late = [x["namespace"] for x in before
		        if started >= T(x["expireTime"]) + 1 and now[x["namespace"]] not in ("c2", "c3")]
		if late:
		    sys.exit("not taken over by the first pass after expiry: %s (leaders %s)" % (late, now))
		print("done" if all(v in ("c2", "c3") for v in now.values()) else "waiting")
	EOF
}

@test "failover: the first pass after the lease expires takes over, none before" {
	local duration=3
	for c in $CLUSTERS; do
		pass_in "$c" --lease-duration 3600
		leaders strict >/dev/null
	done
	[ "$(sole_leader settled)" = c1 ]
	# c1's last pass renews with a short lease (a pass takes the duration
	# from its Lease resources: shorten them in c1's cluster only); then c1
	# stops.  c2 and c3 keep their hour
	kube_use c1
	for ns in ${NAMESPACES//,/ }; do
		out=$(kube_curl -X PATCH -H 'Content-Type: application/merge-patch+json' \
			--data-binary "{\"spec\":{\"leaseDurationSeconds\":$duration}}" \
			"$KUBE_GV/namespaces/$ns/leases/lease-gsc")
		[ "${out##*$'\n'}" = 200 ]
	done
	pass_in c1
	"$MCLE" --no-cluster -o json status --all >"$BATS_TEST_TMPDIR/before.json"
	stopped=$EPOCHREALTIME
	# c2 and c3 keep passing, back to back.  After each: never two leaders
	# (atmost); each namespace taken over by the first pass that starts
	# once it has expired by the store's clock, however slow this machine
	# is (no wall-clock window)
	passes=0
	while :; do
		for c in c2 c3; do
			started=$(store_now)
			pass_in "$c"
			passes=$((passes + 1))
			leaders atmost >"$BATS_TEST_TMPDIR/leaders"
			state=$(failover_check "$BATS_TEST_TMPDIR/before.json" "$started" "$BATS_TEST_TMPDIR/leaders")
			[ "$state" = done ] && break 2
		done
		# (a guard only: the check above fails first)
		[ "$passes" -lt 200 ]
	done
	echo "# failover after $passes passes, $(( (${EPOCHREALTIME/./} - ${stopped/./}) / 1000 )) ms" >&3 2>/dev/null || true
	# by the store's clock: no takeover before expiry; epoch 2 everywhere
	"$MCLE" --no-cluster -o json status --all >"$BATS_TEST_TMPDIR/after.json"
	"$PYTHON3" - "$BATS_TEST_TMPDIR/before.json" "$BATS_TEST_TMPDIR/after.json" "$duration" <<-'EOF'
		import datetime, json, sys
		def T(s):
		    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
		        tzinfo=datetime.timezone.utc).timestamp()
		before = {x["namespace"]: x for x in json.load(open(sys.argv[1]))}
		after = {x["namespace"]: x for x in json.load(open(sys.argv[2]))}
		for ns, b in before.items():
		    a = after[ns]
		    assert b["holderIdentity"] == "c1" and b["leaseTransitions"] == 1, b
		    assert b["leaseDurationSeconds"] == int(sys.argv[3]), b
		    assert a["holderIdentity"] in ("c2", "c3") and a["leaseTransitions"] == 2, a
		    gap = T(a["acquireTime"]) - T(b["renewTime"])
		    assert gap >= int(sys.argv[3]), "%s taken over %.3f s after the renewal" % (ns, gap)
	EOF
	new_leaders=$(awk '{ print $1, $2, 2 }' "$BATS_TEST_TMPDIR/leaders")
	# c1's own resource still says isLeader: true, but expired: a consumer
	# that checks observedExpireTime stands down
	run leaders strict
	[ "$status" -ne 0 ]
	kube_use c1
	[ "$(kube_curl "$KUBE_GV/namespaces/team-a/leases/lease-gsc" | head -n 1 |
		"$PYTHON3" -c 'import json, sys; s = json.load(sys.stdin)["status"]; print(s["isLeader"], s["epoch"])')" = "True 1" ]
	# c1 comes back: standby, and its resource says so
	pass_in c1
	assert_match "^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 4 statuses written$"
	for c in $CLUSTERS; do
		pass_in "$c"
	done
	run leaders settled
	assert_status 0
	[ "$output" = "$new_leaders" ]
}

@test "the epoch counts failovers, in every cluster's resources; never a takeover before expiry" {
	for c in $CLUSTERS; do
		pass_in "$c" --lease-duration 600
	done
	[ "$(sole_leader settled)" = c1 ]
	# c1 stops.  20 s later by the store's clock its leases still hold
	# (for 580 s more: time for the passes below, however slow)
	store_offset 20
	pass_in c2 --lease-duration 600
	assert_match '^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 0 statuses written$'
	[ "$(sole_leader live)" = c1 ]
	# 601 s: c2 takes every namespace over, epoch 2
	store_offset 601
	pass_in c2 --lease-duration 600
	assert_match '^team-a +acquired +c2 +true +2 '
	[ "$(sole_leader live)" = c2 ]
	pass_in c3 --lease-duration 600
	assert_match '^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 4 statuses written$'
	[ "$(sole_leader live)" = c2 ]
	pass_in c1 --lease-duration 600
	assert_match '^team-a +standby +c2 +false +2 '
	[ "$(sole_leader settled)" = c2 ]
	# c2 stops; c3 takes over: epoch 3
	store_offset 1202
	pass_in c3 --lease-duration 600
	[ "$(sole_leader live)" = c3 ]
	pass_in c1 --lease-duration 600
	pass_in c3 --lease-duration 600
	[ "$(sole_leader live)" = c3 ]
	# c2 comes back after c3 has renewed: standby
	pass_in c2 --lease-duration 600
	assert_match '^4 namespaces: 0 leader, 4 standby, '
	run leaders settled
	assert_status 0
	[ "${lines[*]}" = "team-a c3 3 team-b c3 3 team-c c3 3 team-d c3 3" ]
	# every cluster's resources carry epoch == leaseTransitions == 3
	for c in $CLUSTERS; do
		kube_use "$c"
		run kube_curl "$KUBE_GV/leases"
		[ "$(printf '%s' "${output%$'\n'*}" | "$PYTHON3" -c '
import json, sys
print(sorted({(i["status"]["epoch"], i["status"]["leaseTransitions"], i["status"]["isLeader"]) for i in json.load(sys.stdin)["items"]}))')" = "[(3, 3, $([ "$c" = c3 ] && echo True || echo False))]" ]
	done
	# a third failover, back to c1
	store_offset 1803
	pass_in c1 --lease-duration 600
	for c in c2 c3; do
		pass_in "$c" --lease-duration 600
	done
	run leaders settled
	assert_status 0
	[ "${lines[*]}" = "team-a c1 4 team-b c1 4 team-c c1 4 team-d c1 4" ]
}
