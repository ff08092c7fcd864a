#!/bin/sh
# setup.sh - install what is missing, build, then run a demo or the tests.
#
#   sh scripts/setup.sh demo    build, then one reconcile-all pass on a file:// store
#   sh scripts/setup.sh check   build with -Werror, ASan and UBSan, run the whole
#                               test suite, then `make distcheck`
#
# Debian 12; run as root (or with sudo available) so that missing packages
# can be installed.  The build goes to ./build (out of tree).
set -eu

mode=${1:-demo}
case "$mode" in
demo|check) ;;
*) echo "usage: sh scripts/setup.sh demo|check" >&2; exit 2 ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build: compiler, autotools, the four libraries.  Tests: bats, python3 for
# the stand-in servers, openssl for test keys and certificates, curl to talk
# to the stand-ins, groff for the man page checks, setpriv/unshare
# (util-linux) for permission tests, valgrind for the leak check, faketime
# for a frozen or stepped-back clock, strace to kill a writer mid-write,
# nginx for HTTP/2 in front of a stand-in, GNU time for the benchmark's
# peak RSS, prometheus for promtool and a server that scrapes /metrics, zsh
# and fish to check the completion scripts, bash-builtins for a sleep that
# the tests' polling loops need not fork.
packages="build-essential autoconf automake pkg-config
	libcurl4-openssl-dev libjson-c-dev libyaml-dev libssl-dev
	bats python3 python3-cryptography python3-yaml openssl curl jq
	groff-base util-linux valgrind faketime strace ca-certificates
	nginx time prometheus zsh fish bash-builtins"

missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "setup: installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing
fi

autoreconf -fi >/dev/null
mkdir -p build
cd build

if [ "$mode" = demo ]; then
	../configure --quiet
	make -j"$(nproc)" --quiet src/mcle
	store=$(mktemp -d /tmp/mcle-demo.XXXXXX)
	echo "setup: one reconcile-all pass on file://$store as cluster-a, then as cluster-b"
	./src/mcle --no-cluster --store "file://$store" --identity cluster-a \
		reconcile-all --namespaces team-a,team-b,team-c
	echo
	./src/mcle --no-cluster --store "file://$store" --identity cluster-b \
		reconcile-all --namespaces team-a,team-b,team-c
	exit 0
fi

../configure --quiet --enable-werror --enable-asan --enable-ubsan
make -j"$(nproc)" --quiet
set +e
# Two jobs a CPU: many tests wait on stand-ins or on a lease's expiry, and
# every test is written to pass beside other load (`make -j4 check` with two
# CPU-bound processes running on 2 CPUs).
make -j"$(( $(nproc) * 2 ))" check
rc=$?
set -e
# One closing line for people and CI: counts of individual test cases.
count() { sed -n "s/^# $1: *//p" test-suite.log 2>/dev/null | head -n 1; }
pass=$(count PASS) fail=$(count FAIL) xpass=$(count XPASS) error=$(count ERROR)
failed=$(( ${fail:-0} + ${xpass:-0} + ${error:-0} ))
if [ "$rc" -ne 0 ]; then
	for f in $(find . -name '*.log' ! -name test-suite.log ! -name config.log); do
		grep -q '^not ok\|^ERROR\|^FAIL' "$f" 2>/dev/null && { echo "=== $f"; cat "$f"; }
	done
	[ "$failed" -gt 0 ] || failed=1	# make failed before any test could
	echo "${pass:-0} passed, $failed failed"
	exit "$rc"
fi
echo "make check: ${pass:-0} passed, $failed failed; now make distcheck"
set +e
make -j"$(nproc)" --quiet distcheck >distcheck.log 2>&1
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
	tail -n 60 distcheck.log
	find . -path '*_build*' -name '*.log' ! -name test-suite.log ! -name config.log \
		-exec grep -l '^not ok\|^ERROR\|^FAIL' {} + 2>/dev/null | while read -r f; do
		echo "=== $f"; cat "$f"; done
	echo "${pass:-0} passed, 1 failed"
	exit "$rc"
fi
echo "${pass:-0} passed, $failed failed"
