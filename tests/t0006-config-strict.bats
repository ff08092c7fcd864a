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
	request-timeout) echo 1y ;;
	output) echo xml ;;
	kubeconfig) echo '""' ;;
	context) echo '""' ;;
	namespaces) echo '[team-a, Team_B]' ;;
	namespaces-file) echo "$BATS_TEST_TMPDIR/no-such-file" ;;
	selector) echo "'env=prod;tier=web'" ;;
	exclude) echo 'kube-system,,default' ;;
	exclude-preset) echo gcp ;;
	lease-name) echo Lease_Name ;;
	lease-group) echo 'example..io' ;;
	lease-version) echo V1 ;;
	lease-plural) echo 'leases.x' ;;
	parallel) echo 65x ;;
	max-in-flight) echo 1025 ;;
	interval) echo soon ;;
	metrics-file) echo 'metrics/' ;;
	listen) echo nowhere ;;
	unhealthy-after) echo 0 ;;
	log-format) echo xml ;;
	legacy-locks) echo always ;;
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

# ---- the path to the file -----------------------------------------------------

@test "a config file in a directory anyone can write is refused, naming the directory" {
	mkdir "$BATS_TEST_TMPDIR/open"
	chmod 0777 "$BATS_TEST_TMPDIR/open"
	good_config "$BATS_TEST_TMPDIR/open/config.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/open/config.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/open/config.yaml': '$BATS_TEST_TMPDIR/open' is writable by anyone: refusing it" ]
	# a directory further up counts as much
	mkdir -p "$BATS_TEST_TMPDIR/open/sub"
	chmod 0755 "$BATS_TEST_TMPDIR/open/sub"
	good_config "$BATS_TEST_TMPDIR/open/sub/config.yaml"
	MCLE_CONFIG="$BATS_TEST_TMPDIR/open/sub/config.yaml" run --separate-stderr "$MCLE" status --all
	assert_status 5
	[[ "$stderr" == *": '$BATS_TEST_TMPDIR/open' is writable by anyone: refusing it" ]]
	# a relative name is checked from the working directory up
	cd "$BATS_TEST_TMPDIR/open/sub"
	run --separate-stderr "$MCLE" --config config.yaml status --all
	assert_status 5
	[ "$stderr" = "mcle: config file 'config.yaml': '$BATS_TEST_TMPDIR/open' is writable by anyone: refusing it" ]
}

@test "a symlink in a directory anyone can write is refused, though it points at a good file" {
	good_config "$BATS_TEST_TMPDIR/good.yaml"
	mkdir "$BATS_TEST_TMPDIR/open"
	chmod 0777 "$BATS_TEST_TMPDIR/open"
	ln -s "$BATS_TEST_TMPDIR/good.yaml" "$BATS_TEST_TMPDIR/open/link.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/open/link.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/open/link.yaml': '$BATS_TEST_TMPDIR/open' is writable by anyone: refusing it" ]
	# and a good link to a file in such a directory: what it resolves to counts
	good_config "$BATS_TEST_TMPDIR/open/config.yaml"
	mkdir -m 0755 "$BATS_TEST_TMPDIR/safe"
	ln -s ../open/config.yaml "$BATS_TEST_TMPDIR/safe/link.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/safe/link.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/safe/link.yaml': '$BATS_TEST_TMPDIR/open' is writable by anyone: refusing it" ]
	# links between safe places are followed
	ln -s ../good.yaml "$BATS_TEST_TMPDIR/safe/good-link.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/safe/good-link.yaml" status --all
	assert_status 0
	ln -s loop "$BATS_TEST_TMPDIR/safe/loop"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/safe/loop" status --all
	assert_status 5
	[ "$stderr" = "mcle: cannot open config file '$BATS_TEST_TMPDIR/safe/loop': Too many levels of symbolic links" ]
}

@test "a sticky directory anyone can write (like /tmp) is fine for a file the user owns" {
	mkdir "$BATS_TEST_TMPDIR/sticky"
	chmod 1777 "$BATS_TEST_TMPDIR/sticky"
	good_config "$BATS_TEST_TMPDIR/sticky/config.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/sticky/config.yaml" status --all
	assert_status 0
	ln -s "$BATS_TEST_TMPDIR/sticky/config.yaml" "$BATS_TEST_TMPDIR/sticky/link.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/sticky/link.yaml" status --all
	assert_status 0
	# there, another user could replace what they own
	[ "$(id -u)" -eq 0 ] || skip "needs root to give files to another user"
	good_config "$BATS_TEST_TMPDIR/sticky/theirs.yaml"
	chown 65534 "$BATS_TEST_TMPDIR/sticky/theirs.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/sticky/theirs.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/sticky/theirs.yaml' is owned by uid 65534: refusing it" ]
	chown -h 65534 "$BATS_TEST_TMPDIR/sticky/link.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/sticky/link.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/sticky/link.yaml' is owned by uid 65534: refusing it" ]
}

@test "another user's directory, or a group other than the user's own that can write, is refused" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to give files to another user"
	mkdir -m 0755 "$BATS_TEST_TMPDIR/theirs"
	good_config "$BATS_TEST_TMPDIR/theirs/config.yaml"
	chown 65534 "$BATS_TEST_TMPDIR/theirs"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/theirs/config.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/theirs/config.yaml': '$BATS_TEST_TMPDIR/theirs' is owned by uid 65534: refusing it" ]
	# group-writable: fine when the group is the user's own, refused otherwise
	mkdir -m 0775 "$BATS_TEST_TMPDIR/group"
	good_config "$BATS_TEST_TMPDIR/group/config.yaml"
	chmod 0664 "$BATS_TEST_TMPDIR/group/config.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/group/config.yaml" status --all
	assert_status 0
	chgrp 65534 "$BATS_TEST_TMPDIR/group"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/group/config.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/group/config.yaml': '$BATS_TEST_TMPDIR/group' is writable by group 65534: refusing it" ]
	chgrp "$(id -g)" "$BATS_TEST_TMPDIR/group"
	chgrp 65534 "$BATS_TEST_TMPDIR/group/config.yaml"
	run --separate-stderr "$MCLE" --config "$BATS_TEST_TMPDIR/group/config.yaml" status --all
	assert_status 5
	[ "$stderr" = "mcle: config file '$BATS_TEST_TMPDIR/group/config.yaml' is writable by group 65534: refusing it" ]
}

@test "a read-only mount whose directory has mode 0777 (a ConfigMap volume) is fine" {
	[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount"
	unshare -m true 2>/dev/null || skip "no mount namespaces here"
	mkdir "$BATS_TEST_TMPDIR/cm"
	cat >"$BATS_TEST_TMPDIR/cm.sh" <<-'EOS'
	set -e
	d=$1 store=$2
	mount -t tmpfs -o size=1m tmpfs "$d"
	# the layout the kubelet writes: ..data -> a timestamped dir, links to it
	mkdir "$d/..2024_01_01_00_00_00.1"
	printf 'store: file://%s\nidentity: me\n' "$store" >"$d/..2024_01_01_00_00_00.1/config.yaml"
	chmod 0644 "$d/..2024_01_01_00_00_00.1/config.yaml"
	ln -s ..2024_01_01_00_00_00.1 "$d/..data"
	ln -s ..data/config.yaml "$d/config.yaml"
	chmod 0777 "$d"
	# writable, it is refused; mounted read-only, it is fine
	if "$MCLE" --config "$d/config.yaml" status --all 2>"$d/../rw.err"; then exit 10; fi
	mount -o remount,ro "$d"
	"$MCLE" --config "$d/config.yaml" status --all
	EOS
	run --separate-stderr unshare -m sh "$BATS_TEST_TMPDIR/cm.sh" "$BATS_TEST_TMPDIR/cm" "$STORE_DIR"
	assert_status 0
	[[ "$(cat "$BATS_TEST_TMPDIR/rw.err")" == *"'$BATS_TEST_TMPDIR/cm' is writable by anyone: refusing it" ]]
}

@test "the default /etc/mcle/config.yaml may be missing" {
	[ ! -e /etc/mcle/config.yaml ] || skip "/etc/mcle/config.yaml exists here"
	unset MCLE_CONFIG
	run --separate-stderr "$MCLE" --store "file://$STORE_DIR" status --all
	assert_status 0
}
