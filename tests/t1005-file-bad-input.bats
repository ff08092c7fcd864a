#!/usr/bin/env bats
# Bad input on the file store: every case a one-line error, the documented
# exit status, and nothing overwritten.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

teardown() {
	[ -z "${TOP-}" ] || rm -rf "$TOP"
}

good_lock() {
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
}

@test "garbage in a lock file: exit 5 naming the file; acquire does not overwrite it" {
	printf 'this is not json\n' >"$STORE_DIR/team-a"
	before=$(store_digest)
	for cmd in "status -n team-a" "acquire -n team-a" "renew -n team-a" "release -n team-a"; do
		# shellcheck disable=SC2086
		run --separate-stderr "$MCLE" --identity c1 $cmd
		assert_status 5
		[[ "$stderr" == "mcle: malformed lock file '$STORE_DIR/team-a': "* ]]
		assert_one_error_line
	done
	[ "$(store_digest)" = "$before" ]
}

@test "a truncated lock file: exit 5, untouched" {
	good_lock
	head -c 60 "$STORE_DIR/team-a" >"$BATS_TEST_TMPDIR/t" && cp "$BATS_TEST_TMPDIR/t" "$STORE_DIR/team-a"
	before=$(store_digest)
	run --separate-stderr "$MCLE" acquire -n team-a --identity c2
	assert_status 5
	[[ "$stderr" == "mcle: malformed lock file '$STORE_DIR/team-a': "* ]]
	[ "$(store_digest)" = "$before" ]
}

@test "a lock file with a bad record field names the field" {
	good_lock
	sed -i 's/"leaseDurationSeconds":"60"/"leaseDurationSeconds":"-60"/' "$STORE_DIR/team-a"
	grep -q '"-60"' "$STORE_DIR/team-a"
	run --separate-stderr "$MCLE" status -n team-a
	assert_status 5
	[[ "$stderr" == "mcle: malformed lock '$STORE_DIR/team-a': 'leaseDurationSeconds' is not an integer"* ]]
	good_lock 2>/dev/null || true
	sed -i 's/"generation":"[0-9]*"/"generation":17/' "$STORE_DIR/team-a"
	run --separate-stderr "$MCLE" status -n team-a
	assert_status 5
	[[ "$stderr" == *"bad or missing generation"* ]]
}

@test "an oversized lock file is refused without reading it all" {
	head -c 200000 /dev/zero | tr '\0' ' ' >"$STORE_DIR/team-a"
	run --separate-stderr "$MCLE" acquire -n team-a --identity c1
	assert_status 5
	[ "$stderr" = "mcle: lock file '$STORE_DIR/team-a' is larger than 64 KiB" ]
	[ "$(stat -c %s "$STORE_DIR/team-a")" -eq 200000 ]
}

@test "a symbolic link or a directory in place of a lock is refused" {
	printf 'secret\n' >"$BATS_TEST_TMPDIR/target"
	ln -s "$BATS_TEST_TMPDIR/target" "$STORE_DIR/team-a"
	run --separate-stderr "$MCLE" acquire -n team-a --identity c1
	assert_status 5
	[[ "$stderr" == *"is a symbolic link: refusing it" ]]
	[ "$(cat "$BATS_TEST_TMPDIR/target")" = secret ]
	mkdir "$STORE_DIR/team-b"
	run --separate-stderr "$MCLE" acquire -n team-b --identity c1
	assert_status 5
	[ "$stderr" = "mcle: lock file '$STORE_DIR/team-b' is not a regular file" ]
}

@test "a missing store directory: exit 5, not created" {
	run --separate-stderr "$MCLE" --store "file://$BATS_TEST_TMPDIR/nope" acquire -n team-a --identity c1
	assert_status 5
	[ "$stderr" = "mcle: cannot open store directory '$BATS_TEST_TMPDIR/nope': No such file or directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/nope" ]
	printf x >"$BATS_TEST_TMPDIR/file"
	run --separate-stderr "$MCLE" --store "file://$BATS_TEST_TMPDIR/file" status --all
	assert_status 5
	[[ "$stderr" == *"Not a directory" ]]
}

@test "a world-writable store directory is refused" {
	chmod 0777 "$STORE_DIR"
	run --separate-stderr "$MCLE" acquire -n team-a --identity c1
	assert_status 5
	[ "$stderr" = "mcle: store directory '$STORE_DIR' is writable by anyone: refusing it" ]
}

@test "an unwritable store directory: exit 5, state unchanged" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to an unprivileged user"
	command -v setpriv >/dev/null || skip "no setpriv"
	# everything the unprivileged user needs, the binary included, outside
	# the private bats tmpdir and the checkout (which may sit in a 0700
	# directory): a fresh 0755 directory in /tmp
	TOP=$(mktemp -d /tmp/mcle-t1005.XXXXXX)
	top=$TOP
	chmod 0755 "$top"
	install -m 0755 "$MCLE" "$top/mcle"
	mkdir -m 0755 "$top/store"
	: >"$top/config.yaml"
	chmod 0644 "$top/config.yaml"
	as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	"${as_nobody[@]}" test -x "$top/mcle" || skip "$top is out of reach of uid 65534"
	"$top/mcle" --store "file://$top/store" acquire -n team-a --identity c1 >/dev/null
	before=$(cd "$top/store" && sha256sum team-a)
	nobody=("${as_nobody[@]}"
		env MCLE_CONFIG="$top/config.yaml" HOME="$top" "$top/mcle" --store "file://$top/store")
	run --separate-stderr "${nobody[@]}" acquire -n team-b --identity c2
	assert_status 5
	[ "$stderr" = "mcle: cannot lock '$top/store/.team-b.lock': Permission denied" ]
	[ "$(cd "$top/store" && sha256sum team-a)" = "$before" ]
	[ ! -e "$top/store/team-b" ]
	run "${nobody[@]}" status -n team-a
	assert_status 0		# reading still works
}

@test "a read-only file system: exit 5, state unchanged" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount"
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	cat >"$BATS_TEST_TMPDIR/ro.sh" <<-'EOS'
	set -e
	d=$1
	mount -t tmpfs -o size=1m tmpfs "$d"
	chmod 0755 "$d"
	"$MCLE" --store "file://$d" acquire -n team-a --identity c1 --lease-duration 1 >/dev/null
	sum=$(sha256sum "$d/team-a")
	mount -o remount,ro "$d"
	sleep 1.1
	set +e
	"$MCLE" --store "file://$d" acquire -n team-a --identity c2 --clock-skew 0 2>"$d.err" >/dev/null
	echo "status=$?"
	echo "stderr=$(cat "$d.err")"
	[ "$(sha256sum "$d/team-a")" = "$sum" ] && echo unchanged
	EOS
	mkdir "$BATS_TEST_TMPDIR/ro"
	run unshare -m bash "$BATS_TEST_TMPDIR/ro.sh" "$BATS_TEST_TMPDIR/ro"
	assert_match '^status=5$'
	assert_match "^stderr=mcle: cannot (lock|write lock) .*Read-only file system$"
	assert_match '^unchanged$'
}

@test "errors never print more than one line" {
	run --separate-stderr "$MCLE" acquire -n team-a --identity c1 --lease-duration 0
	assert_one_error_line
	run --separate-stderr "$MCLE" --store "file://$BATS_TEST_TMPDIR/nope" status --all
	assert_one_error_line
}
