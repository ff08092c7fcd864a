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

# ---- one rule for every key ---------------------------------------------------

# Every key the config file takes, with a value that is wrong for it.
bad_value_of() {
	case "$1" in
	store) echo 'ftp://example.com/leases' ;;
	identity) echo '"two words"' ;;
	lease-duration) echo soon ;;
	clock-skew) echo 99999 ;;
	timeout) echo 0 ;;
	output) echo xml ;;
	kubeconfig) echo '""' ;;
	context) echo '""' ;;
	namespaces) echo '[team-a, Team_B]' ;;
	namespaces-file) echo "$BATS_TEST_TMPDIR/no-such-file" ;;
	selector) echo "'env=prod;tier=web'" ;;
	exclude) echo 'kube-system,,default' ;;
	lease-name) echo Lease_Name ;;
	lease-group) echo 'example..io' ;;
	lease-version) echo V1 ;;
	lease-plural) echo 'leases.x' ;;
	parallel) echo 65 ;;
	*) return 1 ;;
	esac
}

# The config keys and their variables, from the option table itself, so that a
# new key cannot miss this test: "KEY ENV" lines (ENV is - when there is none).
config_keys() {
	"$PYTHON3" - "$MCLE_SRCDIR/src/options.c" <<-'EOP'
	import re, sys
	src = open(sys.argv[1]).read()
	table = src[src.index("opt_table[OPT__COUNT] = {"):]
	table = table[:table.index("\n};")]
	row = re.compile(r'\{\s*OPT_\w+,\s*"([^"]+)",\s*(?:0|\'.\'),\s*(NULL|"[^"]*"),'
			 r'.*?,\s*([01]),\s*([01]),\s*(?:NULL|"[^"]*")\s*\}', re.S)
	rows = row.findall(table)
	assert len(rows) == table.count("{ OPT_"), "unparsed rows in opt_table"
	for name, env, _glob, in_config in rows:
	    if in_config == "1":
	        print(name, env.strip('"') if env != "NULL" else "-")
	EOP
}

@test "every config key: a bad value in the file exits 5 naming 'KEY' in FILE:LINE; from a flag or variable, 2" {
	local key env value n flag_value
	config_keys >"$BATS_TEST_TMPDIR/keys"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/keys")" -ge 17 ]
	while read -r key env; do
		value=$(bad_value_of "$key") || { echo "no bad value for config key '$key'"; false; }
		{
			[ "$key" = store ] || printf 'store: file://%s\n' "$STORE_DIR"
			[ "$key" = identity ] || printf 'identity: me\n'
			printf '%s: %s\n' "$key" "$value"
		} >"$MCLE_CONFIG"
		n=$(wc -l <"$MCLE_CONFIG")
		run --separate-stderr "$MCLE" reconcile-all
		if [ "$status" -ne 5 ] || [[ $stderr != *"'$key' in $MCLE_CONFIG:$n:"* ]]; then
			printf "config key '%s' (%s): exit %s, stderr:\n%s\n" "$key" "$value" "$status" "$stderr"
			false
		fi
		assert_one_error_line
		# the same value from a flag, and from the variable if there is one
		flag_value=$(printf '%s\n' "$value" | sed "s/^[\"']//; s/[\"']\$//; s/^\[//; s/\]\$//; s/, /,/g")
		good_config "$MCLE_CONFIG"
		run --separate-stderr "$MCLE" reconcile-all "--$key=$flag_value"
		if [ "$status" -ne 2 ] || [[ $stderr != *"--$key"* && $stderr != *"${key//-/ }"* ]]; then
			printf "flag --%s='%s': exit %s, stderr:\n%s\n" "$key" "$flag_value" "$status" "$stderr"
			false
		fi
		[ "$env" != - ] || continue
		run --separate-stderr env "$env=$flag_value" "$MCLE" reconcile-all
		if [ "$status" -ne 2 ] || [[ $stderr != *"$env"* ]]; then
			printf "variable %s='%s': exit %s, stderr:\n%s\n" "$env" "$flag_value" "$status" "$stderr"
			false
		fi
	done <"$BATS_TEST_TMPDIR/keys"
	[ -z "$(ls -A "$STORE_DIR")" ]
}

@test "an invalid store in the config file: exit 5, naming the file and line" {
	printf 'identity: me\nstore: gs://\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" status --all
	assert_status 5
	[ "$stderr" = "mcle: 'store' in $MCLE_CONFIG:2: invalid store 'gs://': expected gs://BUCKET[/PREFIX] with a valid bucket name" ]
	# from MCLE_STORE: a usage error naming the variable
	MCLE_STORE=s3://bucket run --separate-stderr "$MCLE" status --all
	assert_status 2
	[[ "$stderr" == "mcle: MCLE_STORE: invalid store 's3://bucket': "* ]]
}
