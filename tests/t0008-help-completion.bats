#!/usr/bin/env bats
# mcle help [COMMAND], mcle completion bash|zsh|fish (made from the command
# and option tables), and "did you mean" for mistyped commands and options.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
}

commands() {
	"$MCLE" --help | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on { print $1 }'
}

@test "mcle help and mcle help COMMAND are --help, exit 0" {
	run --separate-stderr "$MCLE" help
	assert_status 0
	[ "$output" = "$("$MCLE" --help)" ]
	for c in $(commands); do
		run --separate-stderr "$MCLE" help "$c"
		assert_status 0
		[ "$output" = "$("$MCLE" "$c" --help)" ]
		[ -z "$stderr" ]
	done
	# no store, identity or config needed: a broken config file does not stop help
	printf 'bogus: 1\n' >"$MCLE_CONFIG"
	run --separate-stderr "$MCLE" help status
	assert_status 0
	run --separate-stderr "$MCLE" help statsu
	assert_status 2
	[ "$stderr" = "mcle: unknown command 'statsu'; did you mean 'status'?
try 'mcle --help'" ]
	run --separate-stderr "$MCLE" help status renew
	assert_status 2
	run --separate-stderr "$MCLE" help --store x
	assert_status 2
	[[ "$stderr" == "mcle: option '--store' is not valid for 'help'"* ]]
}

@test "mistyped commands and options: a suggestion on the one error line" {
	while read -r typo want; do
		run --separate-stderr "$MCLE" "$typo" -n team-a
		assert_status 2
		[[ "$stderr" == "mcle: unknown command '$typo'; did you mean '$want'?"* ]]
	done <<-'EOF'
		aquire acquire
		relase release
		stauts status
		renw renew
		reconcile reconcile-all
		reconcil-all reconcile-all
		acq acquire
	EOF
	for typo in bogus x deploy delete; do
		run --separate-stderr "$MCLE" "$typo"
		assert_status 2
		[[ "$stderr" == "mcle: unknown command '$typo'
try 'mcle --help'" ]]
	done
	while read -r typo want; do
		run --separate-stderr "$MCLE" status "$typo" x
		assert_status 2
		[[ "$stderr" == "mcle: unknown option '$typo'; did you mean '$want'?"* ]]
	done <<-'EOF'
		--namespce --namespace
		--idenity --identity
		--stor --store
		--lease-duraton --lease-duration
		--outptu --output
		--kube-config --kubeconfig
	EOF
	run --separate-stderr "$MCLE" status --frobnicate
	assert_status 2
	[[ "$stderr" == "mcle: unknown option '--frobnicate'
try 'mcle status --help'" ]]
}

@test "completion: a script per shell, every command and option in it, bad shells refused" {
	local c opt sh script
	local -a cmds opts=()
	# the options of mcle and of each command, read once
	mapfile -t cmds < <(commands)
	((${#cmds[@]} > 5))
	for c in "" "${cmds[@]}"; do
		mapfile -t -O "${#opts[@]}" opts < <("$MCLE" $c --help |
			sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}--\([a-z][a-z0-9-]*\).*/\2/p')
	done
	((${#opts[@]} > 20))
	for sh in bash zsh fish; do
		run --separate-stderr "$MCLE" completion "$sh"
		assert_status 0
		script=$output
		for c in "${cmds[@]}"; do
			[[ $script =~ (^|[^a-z0-9-])$c([^a-z0-9-]|$) ]] ||
				{ echo "$sh: no command $c" >&2; return 1; }
		done
		for opt in "${opts[@]}"; do
			[[ $script =~ (--|-l\ )$opt([^a-z0-9-]|$) ]] ||
				{ echo "$sh: no option --$opt" >&2; return 1; }
		done
	done
	run --separate-stderr "$MCLE" completion
	assert_status 2
	run --separate-stderr "$MCLE" completion tcsh
	assert_status 2
	[[ "$stderr" == "mcle: unknown shell 'tcsh': expected bash, zsh or fish"* ]]
}

# complete WORDS...: what the bash completion offers for the last word.
complete_words() {
	bash -c '
		source <("$MCLE" completion bash) || exit 1
		mcle() { "$MCLE" "$@"; }
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_mcle
		printf "%s\n" "${COMPREPLY[@]}" | sort' complete "$@"
}

@test "bash completion: commands, a command's options, formats, files and namespaces" {
	bash -n <("$MCLE" completion bash)
	[ "$(complete_words mcle re)" = "reconcile-all
release
renew
repair" ]
	[ "$(complete_words mcle st)" = status ]
	[ "$(complete_words mcle status --a)" = --all ]
	[ "$(complete_words mcle -v status --ch)" = --check ]
	# another command's options are not offered
	[ -z "$(complete_words mcle acquire --ch)" ]
	[ "$(complete_words mcle reconcile-all --namespaces-)" = --namespaces-file ]
	[ "$(complete_words mcle status -o j)" = "json
jsonpath=" ]
	[ "$(complete_words mcle completion "")" = "bash
fish
zsh" ]
	[ "$(complete_words mcle help rel)" = release ]
	# -n: the namespaces of the store (MCLE_STORE here)
	"$MCLE" acquire -n team-a --identity c1 >/dev/null
	"$MCLE" acquire -n team-b --identity c1 >/dev/null
	PATH="$(dirname "$MCLE"):$PATH"
	[ "$(complete_words mcle status -n team-)" = "team-a
team-b" ]
	[ "$(complete_words mcle --store "$MCLE_STORE" status -A --identity "")" = "" ]
	cd "$BATS_TEST_TMPDIR"
	: >kube.yaml
	[ "$(complete_words mcle status --kubeconfig kube)" = kube.yaml ]
}

@test "zsh and fish completion scripts pass their shells' syntax check" {
	local sh checked=0
	for sh in zsh fish; do
		if command -v "$sh" >/dev/null; then
			run "$sh" -n <("$MCLE" completion "$sh")
			assert_status 0
			[ -z "$output" ]
			checked=$((checked + 1))
		fi
	done
	if command -v zsh >/dev/null; then
		# loaded into a real zsh completion system, it defines _mcle
		run zsh -f -c 'autoload -U compinit && compinit -u -d "$1/zcomp" &&
			source <("$MCLE" completion zsh) && whence -w _mcle' zsh "$BATS_TEST_TMPDIR"
		assert_status 0
		assert_match '_mcle: function'
	fi
	if command -v fish >/dev/null; then
		run fish -c "\"$MCLE\" completion fish | source; complete -C 'mcle stat'"
		assert_status 0
		assert_match '^status'
	fi
	# without the shells (Debian: zsh, fish), check what can be checked here
	[ "$checked" -gt 0 ] || {
		run "$MCLE" completion zsh
		assert_match '^#compdef mcle$'
		[ "$(printf '%s\n' "$output" | grep -c "'")" -gt 0 ]
		run "$MCLE" completion fish
		[ "$(printf '%s\n' "$output" | grep -vc '^\(#\|complete -c mcle \)')" -eq 0 ]
	}
}
