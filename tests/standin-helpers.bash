# standin-helpers.bash - what the GCS and Kubernetes stand-in helpers share.
# Sourced by gcs-helpers.bash and kube-helpers.bash.
#
#   standin_stop PID NAME   SIGTERM a stand-in, wait up to 30 s (then SIGKILL
#                           and fail), and return its exit status (0 when it
#                           is not our child, so there is none to report)
#   standin_wait_held CTL [N]   until the stand-in that CTL (gcs_ctl or
#                           kube_ctl) talks to holds at least N requests
#                           (default 1) at a "hold" fault; 60 s, then fail.
#                           POST /_control/release lets them go on.

standin_stop() {
	local pid=$1 name=$2 i rc
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 600; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		echo "$name $pid ignored SIGTERM" >&2
		return 1
	fi
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	# 127: not our child (started in another shell)
	[[ $rc -eq 127 ]] && rc=0
	return "$rc"
}

standin_wait_held() {
	local ctl=$1 n=${2:-1} i out
	for ((i = 0; i < 1200; i++)); do
		out=$("$ctl" GET /_control/held) || return 1
		if [[ $out =~ \"held\":\ *([0-9]+) ]] && ((BASH_REMATCH[1] >= n)); then
			return 0
		fi
		sleep 0.05
	done
	echo "no $n request(s) held after 60 s: $out" >&2
	return 1
}
