#!/usr/bin/env bash
# split-brain-run.sh STORE_URL SECONDS PROCS LOGDIR [LEASE] [NAMESPACES]
#
# PROCS workers, each with its own identity, loop acquire / renew / release
# on the same few namespaces for SECONDS, and on (at most SB_MAX_EXTRA more
# seconds, default 120) until the lease of some namespace has changed hands,
# so that a slow machine tests as much as a fast one.  Each logs, by this
# host's clock (microseconds), every success with the interval in which it
# may act:
#   OK   ID NS START END     from the moment mcle returned 0 until the time
#                            the request was started + the lease duration
#   STOP ID NS T             it stops acting at T (before release or giving up)
# tests/split-brain-check.py then proves no two identities' intervals for
# one namespace overlap.  Extra arguments for mcle come from $SB_MCLE_ARGS.
#
# LEASE (seconds, default 2) is the shortest lease a worker asks for: before
# each acquire it asks for at least three times as long as its last mcle run
# took, and keeps that through the renewals that follow, so that a loaded
# machine still leaves room to act (a lease shorter than a run leaves none).
set -u
store=$1 secs=$2 procs=$3 logdir=$4 min_lease=${5:-2} nss=${6:-sb-a,sb-b,sb-c}
: "${MCLE:?}"
check=$(dirname "$0")/split-brain-check.py
IFS=, read -r -a ns_list <<<"$nss"
mkdir -p "$logdir"
stop=$logdir/.stop
rm -f "$stop"

now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

# lease_for US: the lease (whole seconds) after a run that took US microseconds
lease_for() {
	local l=$(( (3 * $1 + 999999) / 1000000 ))
	echo $(( l > min_lease ? l : min_lease ))
}

worker() {
	local id=$1 log=$2 ns t0 t1 n i rc ms lease=$min_lease lease_us took=0
	# --timeout: room to wait for a busy lock file on a busy machine (the
	# intervals are safe however long a run takes)
	# shellcheck disable=SC2086
	local -a m=("$MCLE" --store "$store" --identity "$id" --clock-skew 0
		--timeout 20 ${SB_MCLE_ARGS:-})
	while [ ! -e "$stop" ]; do
		ns=${ns_list[$(( RANDOM % ${#ns_list[@]} ))]}
		lease=$(lease_for "$took")
		lease_us=$(( lease * 1000000 ))
		t0=$(now_us)
		"${m[@]}" --lease-duration "$lease" acquire -n "$ns" >/dev/null 2>>"$log.err"
		rc=$?
		t1=$(now_us)
		took=$(( t1 - t0 ))
		echo "RC $id $ns acquire $rc" >>"$log"
		if [ "$rc" -ne 0 ]; then
			sleep "0.0$(( RANDOM % 10 ))"
			continue
		fi
		echo "OK $id $ns $t1 $(( t0 + lease_us ))" >>"$log"
		n=$(( RANDOM % 4 ))
		for (( i = 0; i < n; i++ )); do
			ms=$(( RANDOM % (lease * 1300) ))	# sometimes past expiry
			sleep "$(( ms / 1000 )).$(printf %03d $(( ms % 1000 )))"
			t0=$(now_us)
			"${m[@]}" --lease-duration "$lease" renew -n "$ns" >/dev/null 2>>"$log.err"
			rc=$?
			t1=$(now_us)
			echo "RC $id $ns renew $rc" >>"$log"
			[ "$rc" -eq 0 ] || break
			echo "OK $id $ns $t1 $(( t0 + lease_us ))" >>"$log"
		done
		echo "STOP $id $ns $(now_us)" >>"$log"
		if [ $(( RANDOM % 2 )) -eq 0 ]; then
			"${m[@]}" release -n "$ns" >/dev/null 2>>"$log.err"
			echo "RC $id $ns release $?" >>"$log"
		fi
	done
}

pids=()
for (( p = 1; p <= procs; p++ )); do
	worker "sb-id-$p" "$logdir/worker-$p.log" &
	pids+=($!)
done
sleep "$secs"
end=$(( $(date +%s) + ${SB_MAX_EXTRA:-120} ))
while [ "$(date +%s)" -lt "$end" ] &&
	! "${PYTHON3:-python3}" "$check" --handed-over "$logdir" >/dev/null; do
	sleep 1
done
: >"$stop"
wait "${pids[@]}"
