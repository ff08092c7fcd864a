#!/usr/bin/env bats
# The man pages agree with the program: each command's SYNOPSIS is its
# --help usage line, every option and MCLE_* variable of --help is
# documented, mcle(1) lists every exit status, and the pages lint clean.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	mcle_clean_env
	MAN_DIR="$MCLE_SRCDIR/man"
	if ! command -v groff >/dev/null; then
		echo "groff is needed to render the man pages (Debian: groff-base)" >&2
		return 1
	fi
}

# render PAGE: plain text without overstrikes or colour, lines wide enough
# that no paragraph wraps or hyphenates; typographic hyphens become '-'.
render() {
	groff -mandoc -Tutf8 -P-cbou -rLL=2000n "$1" 2>/dev/null |
		sed -e 's/.\x08//g' -e 's/\xe2\x80\x90/-/g' -e 's/\xe2\x88\x92/-/g'
}

# section NAME: the body of one section of rendered text on stdin.
section() {
	awk -v s="$1" '/^[^ \t]/ { on = ($0 == s); next } on'
}

# squeeze: all whitespace runs to one space, none at the ends.
squeeze() {
	tr -s ' \t\n' '   ' | sed -e 's/^ //' -e 's/ $//'
}

# The command names listed by "mcle --help".
commands() {
	"$MCLE" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

# mentions TEXT OPTION: TEXT names OPTION as a whole word ("--namespace"
# must not be satisfied by "--namespaces").
mentions() {
	printf '%s\n' "$1" | grep -Eq -- "(^|[^a-z0-9-])$2([^a-z0-9-]|\$)"
}

@test "mcle --help lists the commands this test checks" {
	run commands
	assert_status 0
	[ "${#lines[@]}" -ge 5 ]
	for c in acquire reconcile-all release renew status; do
		assert_match "^$c\$"
	done
}

@test "every command has a page installed by make install, named after its summary" {
	local c summary name
	for c in $(commands); do
		[ -f "$MAN_DIR/mcle-$c.1" ] || { echo "no man/mcle-$c.1" >&2; return 1; }
		summary=$("$MCLE" --help | awk -v c="$c" '/^Commands:/ { on = 1; next }
			on && $1 == c { $1 = ""; sub(/^ +/, ""); print; exit }')
		name=$(render "$MAN_DIR/mcle-$c.1" | section NAME | squeeze)
		if [ "$name" != "mcle-$c — $summary" ]; then
			printf 'NAME of mcle-%s(1): %s\n--help summary: %s\n' "$c" "$name" "$summary" >&2
			return 1
		fi
	done
	for p in "$MAN_DIR"/*.[1-9]; do
		grep -Eq "^[[:space:]]*man/${p##*/}([[:space:]]|\\\\|\$)" "$MCLE_SRCDIR/Makefile.am" ||
			{ echo "man/${p##*/} is not in Makefile.am's dist_man_MANS" >&2; return 1; }
	done
}

@test "each SYNOPSIS contains the --help usage line" {
	local c page usage synopsis
	for c in "" $(commands); do
		page="$MAN_DIR/mcle${c:+-$c}.1"
		usage=$("$MCLE" $c --help | sed -n '1s/^usage: //p' | squeeze)
		[ -n "$usage" ] || { echo "no usage line from 'mcle $c --help'" >&2; return 1; }
		synopsis=$(render "$page" | section SYNOPSIS | squeeze)
		if [[ " $synopsis " != *" $usage "* ]]; then
			printf '%s SYNOPSIS:\n  %s\n--help usage:\n  %s\n' \
				"${page##*/}" "$synopsis" "$usage" >&2
			return 1
		fi
	done
}

@test "every option of --help is documented in mcle(1) or the command's page" {
	local c text own help opt pair
	for c in "" $(commands); do
		text=$(render "$MAN_DIR/mcle.1")
		own=""
		if [ -n "$c" ]; then
			own=$(render "$MAN_DIR/mcle-$c.1")
			text="$text
$own"
		fi
		help=$("$MCLE" $c --help)
		# "  -n, --namespace NS   ..." and "      --store URL   ..."
		for opt in $(printf '%s\n' "$help" |
			     sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p'); do
			mentions "$text" "$opt" ||
				{ echo "'$opt' of 'mcle $c --help' is in no page" >&2; return 1; }
		done
		for pair in $(printf '%s\n' "$help" |
			      sed -n 's/^ *\(-[a-zA-Z]\), \(--[a-z][a-z0-9-]*\).*/\1,\2/p'); do
			printf '%s\n' "$text" | grep -Fq -- "${pair%,*}, ${pair#*,}" ||
				{ echo "'${pair%,*}, ${pair#*,}' is in no page" >&2; return 1; }
		done
		# a command's own options are in its own page
		[ -n "$c" ] || continue
		for opt in $(printf '%s\n' "$help" |
			     awk '/^Options:/ { on = 1; next } on && /^$/ { exit } on' |
			     sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z][a-z0-9-]*\).*/\2/p'); do
			mentions "$own" "$opt" ||
				{ echo "'$opt' of 'mcle $c' is not in mcle-$c(1)" >&2; return 1; }
		done
	done
}

@test "mcle(1) documents every MCLE_* variable of every --help with its option" {
	local env help vars v opt entry c
	env=$(render "$MAN_DIR/mcle.1" | section ENVIRONMENT)
	help=$("$MCLE" --help; for c in $(commands); do "$MCLE" "$c" --help; done)
	vars=$(printf '%s\n' "$help" | grep -oE 'MCLE_[A-Z0-9_]+' | sort -u)
	[ -n "$vars" ]
	for v in $vars; do
		# the entry: its tag line and the body up to the next tag
		entry=$(printf '%s\n' "$env" | awk -v v="$v" '
			/^     [^ ]/ { on = ($1 == v) } on' | squeeze)
		[ -n "$entry" ] || { echo "$v is not in ENVIRONMENT of mcle(1)" >&2; return 1; }
		opt=$(printf '%s\n' "$help" | grep -F "[$v]" | grep -oE -- '--[a-z][a-z0-9-]*' | head -n 1)
		mentions "$entry" "$opt" ||
			{ echo "ENVIRONMENT entry of $v does not name $opt: $entry" >&2; return 1; }
	done
}

@test "EXIT STATUS of mcle(1) lists exactly the statuses 0-6, 122 and 128+N of --help" {
	local help man
	help=$("$MCLE" --help | awk '/^Exit status:/ { on = 1 } on && /^$/ { exit } on' |
	       tr '\n' ' ' | grep -oE '(^|[ :,])[0-9]+(\+N)? [a-z]' | grep -oE '[0-9]+(\+N)?' | sort -n | xargs)
	[ "$help" = "0 1 2 3 4 5 6 122 128+N" ] || { echo "--help lists exit statuses: $help" >&2; return 1; }
	man=$(render "$MAN_DIR/mcle.1" | section "EXIT STATUS" |
	      sed -n 's/^ \{1,8\}\([0-9][0-9]*\(+N\)\{0,1\}\)  *[^ ].*/\1/p' | sort -n | xargs)
	if [ "$man" != "$help" ]; then
		printf 'mcle(1) EXIT STATUS: %s\n--help: %s\n' "$man" "$help" >&2
		return 1
	fi
	# every page has an EXIT STATUS section
	for p in "$MAN_DIR"/mcle*.1; do
		[ -n "$(render "$p" | section "EXIT STATUS")" ] ||
			{ echo "${p##*/} has no EXIT STATUS" >&2; return 1; }
	done
}

@test "the pages lint clean (mandoc -T lint, groff -ww)" {
	local p
	for p in "$MAN_DIR"/*.[1-9]; do
		run -0 groff -mandoc -ww -z "$p"
		[ -z "$output" ] || { echo "groff on ${p##*/}: $output" >&2; return 1; }
		if command -v mandoc >/dev/null; then
			run mandoc -T lint -W warning "$p"
			[ "$status" -eq 0 ] && [ -z "$output" ] ||
				{ echo "mandoc on ${p##*/}: $output" >&2; return 1; }
		fi
	done
}
