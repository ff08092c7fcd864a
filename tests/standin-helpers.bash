# standin-helpers.bash - what the GCS and Kubernetes stand-in helpers share.
# Sourced by gcs-helpers.bash and kube-helpers.bash.
#
#   standin_stop PID NAME   SIGTERM a stand-in, wait up to 5 s (then SIGKILL
#                           and fail), and return its exit status (0 when it
#                           is not our child, so there is none to report)

standin_stop() {
	local pid=$1 name=$2 i rc
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
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
