#!/usr/bin/env bash
# run-job.sh LOG WHO [--ignore-term] [--escape] [--seconds N]
#
# The COMMAND of the t4xxx run tests: it logs its activity to LOG by this
# host's clock (microseconds since the epoch), a line each:
#   PID WHO P      its process id (and group's: the tests' teardown kills
#                  the group, should a test fail with it running)
#   START WHO T    it began
#   BEAT WHO T     still active, every 50 ms
#   END WHO T      it ended by itself, after N seconds (default 600)
# tests/run-overlap-check.py reads such logs.
#   --ignore-term  SIGTERM is ignored: only SIGKILL ends it
#   --escape       the beats come from a process in a session of its own,
#                  out of reach of a kill of the command's process group:
#                  the kill disabled, to show that the checker catches the
#                  overlap (its pid is in LOG.escaped; it stops by itself
#                  after N seconds)
set -u
log=$1 who=$2
shift 2
ignore=0 escape=0 secs=600
while [ $# -gt 0 ]; do
	case $1 in
	--ignore-term) ignore=1 ;;
	--escape) escape=1 ;;
	--seconds) secs=$2; shift ;;
	*) echo "run-job.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ "$ignore" -eq 1 ] && trap '' TERM

now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

beat() {
	local end=$(( $(now_us) + secs * 1000000 ))
	while [ "$(now_us)" -lt "$end" ]; do
		echo "BEAT $who $(now_us)" >>"$log"
		sleep 0.05
	done
	echo "END $who $(now_us)" >>"$log"
}

echo "PID $who $$" >>"$log"
echo "START $who $(now_us)" >>"$log"
if [ "$escape" -eq 1 ]; then
	export -f beat now_us
	export log who secs
	setsid --fork bash -c 'echo $$ >"$log.escaped"; trap "" TERM; beat' </dev/null >/dev/null 2>&1
	while :; do sleep 1; done
fi
beat
