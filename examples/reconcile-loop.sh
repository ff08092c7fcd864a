#!/bin/sh
# A shell loop: one reconcile-all pass every 20 s, with a 60 s lease, so a
# leader that stops is replaced within about 60 + 2 + 20 seconds.
# Exit 6 (some namespaces failed) and 4 (store unavailable) are retried on
# the next pass; anything else stops the loop.  --no-cluster: the
# namespaces come from the file even where KUBECONFIG or ~/.kube/config
# names a cluster (with one, the namespaces would come from it and the file
# would be refused).
: "${MCLE_STORE:?}" "${MCLE_IDENTITY:?}"
while :; do
	mcle reconcile-all --no-cluster --lease-duration 60 \
		--namespaces-file "${MCLE_NAMESPACES_FILE:-/etc/mcle/namespaces}"
	rc=$?
	case $rc in
	0|4|6) ;;
	*) echo "reconcile-all failed with exit $rc" >&2; exit "$rc" ;;
	esac
	sleep 20
done
