#!/bin/sh
# consumer.sh - may this cluster act for a namespace right now?
#
#   consumer.sh [-m MARGIN] [-i IDENTITY] [-l NAME] NAMESPACE
#
# Reads the namespace's Lease resource (leases.leaderelection.600lyy.io,
# default name lease-gsc) that mcle reconcile-all keeps up to date in this
# cluster, and says yes only if
#
#   status.isLeader is true, status.observedHolderIdentity is set (and equal
#   to IDENTITY if -i is given), status.epoch is an integer, and
#   now + MARGIN < status.observedExpireTime by this host's own clock.
#
# isLeader alone is not enough: it says who held the lease when mcle last
# wrote the status; if mcle has stopped running here (or cannot reach the
# store), the status still says true while the lease runs out and another
# cluster takes over.  The expiry is by the lock store's clock, and no rival
# can win before it plus the clock-skew allowance (2 s by default), so a
# check that passes is safe for MARGIN seconds, minus however far this
# host's clock runs behind the store's.  Keep what you do after a check
# shorter than the margin, and check again before the next step.
#
# Prints "leader epoch=N until=T" and exits 0, or "not leader: REASON" and
# exits 1 (2 for a usage error).  Pass the epoch to whatever you act on as a
# fencing token: it grows with every change of holder, so a store that
# rejects writes carrying an epoch lower than the highest it has seen stops
# a stale leader that the clock check could not.
#
#   if out=$(consumer.sh team-a); then
#           epoch=${out#leader epoch=}; epoch=${epoch%% *}
#           ./migrate --fencing-token "$epoch"
#   fi
#
# Environment: KUBECTL (default "kubectl"; may carry options, e.g.
# "kubectl --context prod"), PYTHON3 (default python3), MARGIN (default 10).
set -u

usage() {
	echo "usage: consumer.sh [-m MARGIN] [-i IDENTITY] [-l NAME] NAMESPACE" >&2
	exit 2
}

margin=${MARGIN:-10}
identity=
name='lease-gsc'
while getopts m:i:l: opt; do
	case $opt in
	m) margin=$OPTARG ;;
	i) identity=$OPTARG ;;
	l) name=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || usage
ns=$1
case $margin in
'' | *[!0-9]*) echo "consumer.sh: invalid margin '$margin'" >&2; exit 2 ;;
esac

# ${KUBECTL} unquoted on purpose: it may carry options.
if ! lease=$(${KUBECTL:-kubectl} get "leases.leaderelection.600lyy.io/$name" \
	-n "$ns" -o json); then
	echo "not leader: cannot read lease '$name' in namespace '$ns'"
	exit 1
fi

# The decision, on this host's clock.  Output: "leader ..." or "not leader: ...".
printf '%s' "$lease" | "${PYTHON3:-python3}" -c '
import datetime, json, re, sys, time

margin, identity = int(sys.argv[1]), sys.argv[2]
RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d{1,9})?"
                     r"(?:([Zz])|([+-])(\d\d):(\d\d))\Z")

def seconds(s):
    """RFC 3339 -> seconds since the epoch (float), None if malformed."""
    m = RFC3339.match(s) if isinstance(s, str) else None
    if m is None:
        return None
    y, mo, d, h, mi, se = (int(x) for x in m.group(1, 2, 3, 4, 5, 6))
    try:
        t = datetime.datetime(y, mo, d, h, mi, se, tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    off = 0 if m.group(8) else (int(m.group(10)) * 60 + int(m.group(11))) * 60
    if m.group(9) == "-":
        off = -off
    return t.timestamp() - off + float("0" + (m.group(7) or ""))

def decide(lease):
    st = lease.get("status") if isinstance(lease, dict) else None
    if not isinstance(st, dict) or not st:
        return "no status"
    if st.get("isLeader") is not True:
        return "isLeader is not true"
    holder = st.get("observedHolderIdentity")
    if not isinstance(holder, str) or holder == "":
        return "no holder"
    if identity and holder != identity:
        return "held by \x27%s\x27, not \x27%s\x27" % (holder, identity)
    epoch = st.get("epoch")
    if type(epoch) is not int or epoch < 0:
        return "no epoch"
    exp = st.get("observedExpireTime")
    t = seconds(exp)
    if t is None:
        return "no valid observedExpireTime"
    now = time.time()
    if now >= t:
        return "lease expired at %s" % exp
    if now + margin >= t:
        return "lease expires at %s, within the %d s margin" % (exp, margin)
    print("leader epoch=%d until=%s" % (epoch, exp))
    return None

try:
    why = decide(json.load(sys.stdin))
except ValueError as e:
    why = "cannot parse the lease: %s" % e
if why is not None:
    print("not leader: " + why)
    sys.exit(1)
' "$margin" "$identity"
case $? in
0) exit 0 ;;
1) exit 1 ;;
*) echo "not leader: cannot run ${PYTHON3:-python3}"; exit 1 ;;
esac
