#!/usr/bin/env bash
# split-brain-run.sh STORE_URL SECONDS PROCS LOGDIR [LEASE] [NAMESPACES]
#
# PROCS workers, each with its own identity, loop acquire / renew / release
# on the same few namespaces for SECONDS.  Each logs, by this host's clock
# (microseconds), every success with the interval in which it may act:
#   OK   ID NS START END     from the moment mcle returned 0 until the time
#                            the request was started + the lease duration
#   STOP ID NS T             it stops acting at T (before release or giving up)
# tests/split-brain-check.py then proves no two identities' intervals for
# one namespace overlap.  Extra arguments for mcle come from $SB_MCLE_ARGS.
set -u
store=$1 secs=$2 procs=$3 logdir=$4 lease=${5:-2} nss=${6:-sb-a,sb-b,sb-c}
: "${MCLE:?}"
IFS=, read -r -a ns_list <<<"$nss"
mkdir -p "$logdir"

now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

worker() {
	local id=$1 log=$2 end=$(( $(date +%s) + secs )) ns t0 t1 n i rc ms
	local lease_us=$(( lease * 1000000 ))
	# shellcheck disable=SC2086
	local -a m=("$MCLE" --store "$store" --identity "$id" --lease-duration "$lease"
		--clock-skew 0 --timeout 5 ${SB_MCLE_ARGS:-})
	while [ "$(date +%s)" -lt "$end" ]; do
		ns=${ns_list[$(( RANDOM % ${#ns_list[@]} ))]}
		t0=$(now_us)
		"${m[@]}" acquire -n "$ns" >/dev/null 2>>"$log.err"
		rc=$?
		t1=$(now_us)
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
			"${m[@]}" renew -n "$ns" >/dev/null 2>>"$log.err"
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

for (( p = 1; p <= procs; p++ )); do
	worker "sb-id-$p" "$logdir/worker-$p.log" &
done
wait
