#!/usr/bin/env bats
# The file store under a frozen or stepped-back clock (libfaketime) and a
# writer killed at its rename (strace's fault injection).

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

# at TIME CMD...: run mcle with the clock frozen at TIME ("2024-01-01 00:00:00")
at() {
	local when=$1
	shift
	# libfaketime is preloaded before the ASan runtime; the monotonic clock
	# (deadlines) stays real
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$when" "$MCLE" "$@"
}

generation() {
	"$PYTHON3" -c 'import json,sys; print(json.load(open(sys.argv[1]))["generation"])' \
		"$STORE_DIR/team-a"
}

# n takeovers of team-a at TIME (release, then acquire by the next
# identity; every fifth time the lock is deleted first), appending each
# new generation to $BATS_TEST_TMPDIR/gens
takeovers() {
	local when=$1 n=$2 i
	for ((i = 0; i < n; i++)); do
		if [ -e "$STORE_DIR/team-a" ]; then
			at "$when" release -n team-a --identity "c$((i % 2))" >/dev/null
			if ((i % 5 == 4)); then rm "$STORE_DIR/team-a"; fi
		fi
		at "$when" acquire -n team-a --identity "c$(((i + 1) % 2))" >/dev/null
		generation >>"$BATS_TEST_TMPDIR/gens"
	done
}

# every generation in the file distinct and larger than the one before
assert_increasing() {
	if ! sort -n -u -c "$BATS_TEST_TMPDIR/gens"; then
		cat "$BATS_TEST_TMPDIR/gens" >&2
		return 1
	fi
}

@test "a frozen clock: every takeover and re-create gets a new, larger generation" {
	command -v faketime >/dev/null || skip "no faketime (Debian package faketime)"
	takeovers "2024-01-01 00:00:00" 30
	[ "$(wc -l <"$BATS_TEST_TMPDIR/gens")" -eq 30 ]
	assert_increasing
	# the clock did stand still
	[ "$(at "2024-01-01 00:00:00" -o json status -n team-a | jq -r .renewTime)" = 2024-01-01T00:00:00.000000Z ]
}

@test "a clock stepped back a day: generations still only grow" {
	command -v faketime >/dev/null || skip "no faketime (Debian package faketime)"
	takeovers "2024-01-02 00:00:00" 6
	takeovers "2024-01-01 00:00:00" 6
	takeovers "2023-12-31 23:59:59" 6
	[ "$(wc -l <"$BATS_TEST_TMPDIR/gens")" -eq 18 ]
	assert_increasing
}

# kill_at_rename CMD...: run mcle, killed by SIGKILL as it renames its temporary
kill_at_rename() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -o /dev/null -e 'inject=/^rename(at2?)?$:signal=KILL' "$MCLE" "$@"
}

@test "a writer killed at its rename: the lock is intact, the next write leaves no temporary" {
	command -v strace >/dev/null || skip "no strace"
	strace -f -qq -o /dev/null true 2>/dev/null || skip "strace cannot trace here"
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	before=$(cd "$STORE_DIR" && sha256sum team-a)
	run kill_at_rename renew -n team-a --identity c1
	[ "$status" -eq 137 ]	# SIGKILL
	# killed between its temporary and the rename
	ls -A "$STORE_DIR" | grep -q '^\.team-a\.tmp'
	[ "$(cd "$STORE_DIR" && sha256sum team-a)" = "$before" ]
	run --separate-stderr "$MCLE" status -n team-a --identity c1
	assert_status 0
	assert_match '^team-a +c1 +true +1 '
	run --separate-stderr "$MCLE" renew -n team-a --identity c1
	assert_status 0
	[ "$(LC_ALL=C ls -A "$STORE_DIR" | tr '\n' ' ')" = ".team-a.lock team-a " ]

	# the same for the very first write, a create
	run kill_at_rename acquire -n team-b --identity c2
	[ "$status" -eq 137 ]
	ls -A "$STORE_DIR" | grep -q '^\.team-b\.tmp'
	run --separate-stderr "$MCLE" -o json status -n team-b
	assert_status 0
	[ "$(json_get 'j["acquireTime"]')" = null ]	# no lock
	run --separate-stderr "$MCLE" acquire -n team-b --identity c2
	assert_status 0
	[ "$(LC_ALL=C ls -A "$STORE_DIR" | tr '\n' ' ')" = ".team-a.lock .team-b.lock team-a team-b " ]
}
