# helpers.bash - shared set-up for mcle's bats tests.
#
# make check exports MCLE (the binary) and MCLE_SRCDIR (the source tree);
# running a file by hand, set them yourself.

: "${MCLE:?set MCLE to the mcle binary (make check does)}"
: "${MCLE_SRCDIR:=$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)}"
: "${PYTHON3:=/usr/bin/python3}"
export MCLE MCLE_SRCDIR PYTHON3
# shellcheck source=standin-helpers.bash
case ${BASH_SOURCE[0]} in
*/*) . "${BASH_SOURCE[0]%/*}/standin-helpers.bash" ;;	# json_get, the loadable builtins
*) . ./standin-helpers.bash ;;
esac

# A clean environment: no MCLE_* settings leak in from the caller, and the
# system config file is not read.
mcle_clean_env() {
	local v
	for v in "${!MCLE_@}"; do
		case "$v" in MCLE_SRCDIR) ;; *) unset "$v" ;; esac
	done
	unset STORAGE_EMULATOR_HOST GOOGLE_APPLICATION_CREDENTIALS KUBECONFIG
	unset KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT GCE_METADATA_HOST
	# no ~/.kube/config, no gcloud credentials: a private, empty home
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export MCLE_CONFIG="$BATS_TEST_TMPDIR/empty-config.yaml"
	: >"$MCLE_CONFIG"
	chmod 0644 "$MCLE_CONFIG"
}

# A fresh file store in this test's tmpdir: exports STORE_DIR and MCLE_STORE.
file_store() {
	STORE_DIR="$BATS_TEST_TMPDIR/store"
	mkdir -p -m 0755 "$STORE_DIR"
	export STORE_DIR MCLE_STORE="file://$STORE_DIR"
}

common_setup() {
	mcle_clean_env
	file_store
}

# assert_status N: the last `run` exited N (print output when not).
assert_status() {
	if [ "$status" -ne "$1" ]; then
		printf 'expected exit %s, got %s\noutput:\n%s\n' "$1" "$status" "$output" >&2
		return 1
	fi
}

# assert_match REGEX: the last `run`'s output matches.
assert_match() {
	if ! grep -Eq -- "$1" <<<"$output"; then
		printf 'output does not match /%s/:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

assert_no_match() {
	if grep -Eq -- "$1" <<<"$output"; then
		printf 'output unexpectedly matches /%s/:\n%s\n' "$1" "$output" >&2
		return 1
	fi
}

# The error is one "mcle: ..." line, with at most a "try" hint after it
# (checks $stderr after `run --separate-stderr`, else $output).
assert_one_error_line() {
	local text="${stderr-$output}" n
	n=$(grep -vc "^try 'mcle" <<<"$text")
	if [ "$n" -ne 1 ] || [[ $text != "mcle: "* ]]; then
		printf 'expected one "mcle:" line, got:\n%s\n' "$text" >&2
		return 1
	fi
}

# json_get EXPR: evaluate a python expression on the JSON in $output (j);
# by a running stand-in if there is one (standin_eval, standin-helpers.bash)
json_get() {
	standin_eval "$1" <<<"$output"
}

# Checksums of every file in the store, to prove nothing was overwritten.
store_digest() {
	(cd "$STORE_DIR" && find . -type f ! -name '.*.lock' -print0 | sort -z |
		xargs -0 -r sha256sum)
}
