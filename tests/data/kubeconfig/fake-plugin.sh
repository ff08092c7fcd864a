#!/bin/sh
# fake-plugin.sh - a stand-in exec credential plugin for mcle's tests.
#
# It answers the apiVersion asked for in KUBERNETES_EXEC_INFO.  Optional
# environment:
#   FAKE_PLUGIN_COUNT  a file that gets one line per invocation
#   FAKE_PLUGIN_INFO   a file that gets KUBERNETES_EXEC_INFO and the arguments
#   FAKE_PLUGIN_FD     a descriptor number: FAKE_PLUGIN_INFO says if it is open
#   FAKE_PLUGIN_MODE   ok (default), noexp (no expirationTimestamp), cert
#                      (a client certificate), fail (exit 3 with a message),
#                      garbage, kind, version, big (2 MB of output),
#                      hang (sleeps; writes its pids to FAKE_PLUGIN_PIDS)
#   FAKE_PLUGIN_TTL    seconds from now to expirationTimestamp (default 3600)
#   FAKE_PLUGIN_TOKEN  the token (default fake-token)
set -u
if [ -n "${FAKE_PLUGIN_COUNT:-}" ]; then
	echo run >> "$FAKE_PLUGIN_COUNT"
fi
if [ -n "${FAKE_PLUGIN_INFO:-}" ]; then
	{
		printf '%s\n' "${KUBERNETES_EXEC_INFO:-}"
		for a in "$@"; do printf 'arg:%s\n' "$a"; done
		printf 'empty:%s\n' "${FAKE_PLUGIN_EMPTY-unset}"
		if [ -n "${FAKE_PLUGIN_FD:-}" ]; then
			if [ -e "/proc/$$/fd/$FAKE_PLUGIN_FD" ]; then
				echo "fd:open"
			else
				echo "fd:closed"
			fi
		fi
	} > "$FAKE_PLUGIN_INFO"
fi
api=$(printf '%s' "${KUBERNETES_EXEC_INFO:-}" |
	sed -n 's/.*"apiVersion":"\([^"]*\)".*/\1/p')
exp=$(date -u -d "@$(( $(date +%s) + ${FAKE_PLUGIN_TTL:-3600} ))" +%Y-%m-%dT%H:%M:%SZ)
token=${FAKE_PLUGIN_TOKEN:-fake-token}
head='"kind":"ExecCredential","apiVersion":"'"$api"'"'
case "${FAKE_PLUGIN_MODE:-ok}" in
ok)
	printf '{%s,"status":{"token":"%s","expirationTimestamp":"%s"}}\n' \
	    "$head" "$token" "$exp" ;;
noexp)
	printf '{%s,"status":{"token":"%s"}}\n' "$head" "$token" ;;
cert)
	printf '{%s,"status":{"clientCertificateData":"%s","clientKeyData":"%s","expirationTimestamp":"%s"}}\n' \
	    "$head" '-----BEGIN CERTIFICATE-----\nEXEC\n-----END CERTIFICATE-----\n' \
	    '-----BEGIN PRIVATE KEY-----\nEXEC\n-----END PRIVATE KEY-----\n' "$exp" ;;
fail)
	echo "fake-plugin: no credentials for you" >&2
	echo "fake-plugin: a second line" >&2
	exit 3 ;;
garbage)
	echo "this is not JSON" ;;
kind)
	printf '{"kind":"Other","apiVersion":"%s","status":{"token":"x"}}\n' "$api" ;;
version)
	printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1alpha1","status":{"token":"x"}}\n' ;;
big)
	head -c 2000000 /dev/zero | tr '\0' ' ' ;;
hang)
	sleep 30 &
	echo "$$ $!" > "${FAKE_PLUGIN_PIDS:-/dev/null}"
	wait ;;
*)
	echo "fake-plugin: unknown mode" >&2
	exit 2 ;;
esac
