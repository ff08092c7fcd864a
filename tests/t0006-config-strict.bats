#!/usr/bin/env bats
# The config file, strictly: one document, each key once, every bad value a
# configuration error naming 'KEY' in FILE:LINE, and a path that nobody but
# root and the user can change.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	unset MCLE_STORE
}

# good_config FILE: a working config file, mode 0644.
good_config() {
	printf 'store: file://%s\nidentity: me\n' "$STORE_DIR" >"$1"
	chmod 0644 "$1"
}

# ---- the YAML ---------------------------------------------------------------

@test "a key given twice is refused, naming both lines" {
	printf 'store: file://%s\nidentity: me\nlease-duration: 30\nstore: file:///elsewhere\n' \
		"$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:4: duplicate setting 'store' (first on line 1)" ]
	# even when a flag overrides it: the file itself is wrong
	run --separate-stderr "$MCLE" --store "file://$STORE_DIR" status --all
	assert_status 5
	assert_one_error_line
	printf 'namespaces: [a]\nidentity: me\nnamespaces:\n  - b\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" --store "file://$STORE_DIR" reconcile-all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:3: duplicate setting 'namespaces' (first on line 1)" ]
	[ -z "$(ls -A "$STORE_DIR")" ]
}

@test "a second YAML document is refused, naming its line" {
	printf 'store: file://%s\nidentity: me\n---\nidentity: other\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" acquire -n team-a
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:3: a second YAML document: only one is read" ]
	[ ! -e "$STORE_DIR/team-a" ]
	# an empty one too: "---" at the end starts a document
	printf -- '---\nstore: file://%s\n...\n---\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:4: a second YAML document: only one is read" ]
	# one document, with its markers, is fine
	printf -- '---\nstore: file://%s\n...\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 0
}

@test "a document that is a plain value is refused; '~' and comments set nothing" {
	printf 'store=file://%s\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" --identity me status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG: expected a mapping of settings" ]
	for text in '~\n' '# nothing yet\n' '---\n' 'null\n'; do
		printf -- "$text" >"$MCLE_CONFIG"
		run --separate-stderr "$MCLE" --store "file://$STORE_DIR" status --all
		assert_status 0
	done
}

@test "a NUL character in a key or a value is refused" {
	printf 'store: file://%s\nidentity: "me\\0evil"\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:2: a value holds a NUL character" ]
	printf '"store\\0x": file://%s\n' "$STORE_DIR" >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" --identity me status --all
	assert_status 5
	[ "$stderr" = "mcle: $MCLE_CONFIG:1: expected a setting name" ]
}
