#!/usr/bin/env bats
# Three clusters (three identities, three Kubernetes API stand-ins) share
# one GCS stand-in (gs://bkt/prefix): after every pass each namespace has
# exactly one Lease resource saying isLeader: true across the clusters; when
# the leader stops running its passes another cluster leads within the lease
# duration plus one pass; the epoch counts the failovers.
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

@test "failover: another cluster leads within the lease duration plus one pass" {
	local duration=3
	for c in $CLUSTERS; do
		pass_in "$c" --lease-duration $duration
		leaders strict >/dev/null
	done
	[ "$(sole_leader settled)" = c1 ]
	pass_in c1 --lease-duration $duration
	stopped=$(date +%s.%N)
	kube_use c1
	last_renew=$(kube_curl "$KUBE_GV/namespaces/team-a/leases/lease-gsc" | head -n 1 |
		"$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["status"]["observedRenewTime"])')
	# c1 stops; c2 and c3 keep passing, back to back (bounded: 4 durations);
	# interval: the longest time from one pass's start to the next's
	leader=c1 prev=$stopped interval=0
	while :; do
		for c in c2 c3; do
			now=$(date +%s.%N)
			interval=$(awk -v a="$now" -v b="$prev" -v m="$interval" 'BEGIN { d = a - b; print (d > m ? d : m) }')
			prev=$now
			pass_in "$c" --lease-duration $duration
			# never two; none only between expiry and the next pass
			leader=$(sole_leader atmost)
			[[ $leader == c[23] ]] && break 2
		done
		[ "$(echo "$(date +%s.%N) - $stopped > 4 * $duration" | bc)" -eq 1 ] && break
	done
	took=$(echo "$(date +%s.%N) - $stopped" | bc)
	[[ $leader == c[23] ]] || { echo "no failover after ${took}s (leader: $leader)" >&2; false; }
	# by the store's clock: no earlier than the lease allows, no later than
	# the duration plus one pass (+1 s: the store's Date has second resolution)
	kube_use "$leader"
	acquired=$(kube_curl "$KUBE_GV/namespaces/team-a/leases/lease-gsc" | head -n 1 |
		"$PYTHON3" -c 'import json, sys; print(json.load(sys.stdin)["status"]["observedAcquireTime"])')
	gap=$("$PYTHON3" -c '
import datetime, sys
T = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
print(T(sys.argv[2]) - T(sys.argv[1]))' "$last_renew" "$acquired")
	echo "# failover after ${took}s; store gap ${gap}s; pass interval ${interval}s" >&3 2>/dev/null || true
	[ "$(echo "$gap >= $duration" | bc)" -eq 1 ]
	[ "$(echo "$gap <= $duration + 1 + $interval + 0.5" | bc)" -eq 1 ]
	# by the wall clock: expiry, then at most the pass that was under way
	# and the one that took over
	[ "$(echo "$took <= $duration + 1 + 2 * $interval + 0.5" | bc)" -eq 1 ]
	# c1's own resource still says isLeader: true, but expired: a consumer
	# that checks observedExpireTime stands down
	run leaders strict
	[ "$status" -ne 0 ]
	kube_use c1
	[ "$(kube_curl "$KUBE_GV/namespaces/team-a/leases/lease-gsc" | head -n 1 |
		"$PYTHON3" -c 'import json, sys; s = json.load(sys.stdin)["status"]; print(s["isLeader"], s["epoch"])')" = "True 1" ]
	# c1 comes back: standby, and its resource says so
	pass_in c1 --lease-duration $duration
	assert_match "^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 4 statuses written$"
	for c in $CLUSTERS; do
		pass_in "$c" --lease-duration $duration
	done
	run leaders settled
	assert_status 0
	[ "${lines[0]}" = "team-a $leader 2" ]
	[ "${lines[3]}" = "team-d $leader 2" ]
}

@test "the epoch counts failovers, in every cluster's resources; never a takeover before expiry" {
	for c in $CLUSTERS; do
		pass_in "$c" --lease-duration 30
	done
	[ "$(sole_leader settled)" = c1 ]
	# c1 stops.  20 s later by the store's clock its leases still hold
	store_offset 20
	pass_in c2 --lease-duration 30
	assert_match '^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 0 statuses written$'
	[ "$(sole_leader live)" = c1 ]
	# 31 s: c2 takes every namespace over, epoch 2
	store_offset 31
	pass_in c2 --lease-duration 30
	assert_match '^team-a +acquired +c2 +true +2 '
	[ "$(sole_leader live)" = c2 ]
	pass_in c3 --lease-duration 30
	assert_match '^4 namespaces: 0 leader, 4 standby, 0 failed; 0 Lease resources created, 4 statuses written$'
	[ "$(sole_leader live)" = c2 ]
	pass_in c1 --lease-duration 30
	assert_match '^team-a +standby +c2 +false +2 '
	[ "$(sole_leader settled)" = c2 ]
	# c2 stops; c3 takes over: epoch 3
	store_offset 62
	pass_in c3 --lease-duration 30
	[ "$(sole_leader live)" = c3 ]
	pass_in c1 --lease-duration 30
	pass_in c3 --lease-duration 30
	[ "$(sole_leader live)" = c3 ]
	# c2 comes back after c3 has renewed: standby
	pass_in c2 --lease-duration 30
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
	store_offset 93
	pass_in c1 --lease-duration 30
	for c in c2 c3; do
		pass_in "$c" --lease-duration 30
	done
	run leaders settled
	assert_status 0
	[ "${lines[*]}" = "team-a c1 4 team-b c1 4 team-c c1 4 team-d c1 4" ]
}
