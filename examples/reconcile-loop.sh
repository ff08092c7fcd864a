#!/bin/sh
# A shell loop: one reconcile-all pass every 20 s, with a 60 s lease, so a
# leader that stops is replaced within about 60 + 2 + 20 seconds.
# Exit 6 (some namespaces failed) and 4 (store unavailable) are retried on
# the next pass; anything else stops the loop.
: "${MCLE_STORE:?}" "${MCLE_IDENTITY:?}"
while :; do
	mcle reconcile-all --lease-duration 60 --namespaces-file /etc/mcle/namespaces
	rc=$?
	case $rc in
	0|4|6) ;;
	*) echo "reconcile-all failed with exit $rc" >&2; exit "$rc" ;;
	esac
	sleep 20
done
