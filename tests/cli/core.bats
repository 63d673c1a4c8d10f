#!/usr/bin/env bats
# core.bats: the berth CLI core against the real docker CLI: --help layout,
# flag and argument errors (text and exit status), unknown commands, the
# "daemon not running" message, completion candidates and man pages.
# Tests marked "daemon" start a berthd of their own (cli_setup); the others
# need none, since docker prints help and usage errors without a daemon.

load ../helpers/common
load cli-helpers

bats_require_minimum_version 1.5.0

setup()
{
	CORE_DAEMON=
	export DOCKER_CONFIG=$BATS_TEST_TMPDIR/docker-config
	mkdir -p "$DOCKER_CONFIG"
	# nothing listens here: a test that reaches a daemon by mistake fails
	export DOCKER_HOST=unix://$BATS_TEST_TMPDIR/no-daemon.sock
	export BERTH_HOST=$DOCKER_HOST
	[ -x "$BERTH" ] || skip "berth is not built"
	[ -x "$DOCKER" ] || skip "no docker CLI at $DOCKER"
}

teardown()
{
	if [ -n "$CORE_DAEMON" ]; then
		cli_teardown
	fi
}

# Start a berthd with busybox:latest for this test
core_daemon()
{
	CORE_DAEMON=1
	cli_setup
}

# Skip unless berth has command $1 (its file may not be written yet)
need_command()
{
	"$BERTH" help "$@" >/dev/null 2>&1 || skip "berth has no '$*' yet"
}

@test "--help of commands is laid out as docker's" {
	local c
	# (images lacks docker's experimental --tree; rmi, save, load, history --platform)
	for c in ps rm kill rename logs tag; do
		need_command "$c"
		both "$c" --help
		[ "$berth_status" -eq 0 ]
	done
	need_command container ls
	both container ls --help
	both container rm --help
	both image tag --help
	[[ $berth_output == "Usage:  docker image tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]"* ]]
	# the usage, aliases and wrapped options of ps, as docker 28 prints them
	both ps --help
	grep -qxF 'Aliases:' <<<"$berth_output"
	grep -qxF '  docker container ls, docker container list, docker container ps, docker ps' <<<"$berth_output"
	grep -qxF '                        states) (default -1)' <<<"$berth_output"
	# run's -h is --hostname, so docker lists run's own --help
	if "$BERTH" help run >/dev/null 2>&1; then
		run "$BERTH" run --help
		grep -qE '^      --help +Print usage$' <<<"$output"
		grep -qE '^  -h, --hostname string' <<<"$output"
	fi
}

@test "help COMMAND, -h and help of a group's command" {
	need_command ps
	both help ps
	both help container ls
	# docker's -h is a deprecated shorthand and says so on stdout
	both ps -h
	[[ $berth_output == "Flag shorthand -h has been deprecated, use --help"* ]]
	# --help wins over arguments and over a missing argument
	need_command rm
	both rm --help
	both ps --help extra
	both help nosuch
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "unknown help topic: nosuch" ]
	both help ps extra
	[ "$berth_output" = "unknown help topic: extra" ]
	both help container nosuch
	both help container ls x
	# -h=false: the deprecation line, then the command runs (no daemon here)
	run --separate-stderr "$BERTH" ps -h=false
	[ "$status" -eq 1 ]
	[ "$output" = "Flag shorthand -h has been deprecated, use --help" ]
	[[ $stderr == "cannot connect to berthd at "* ]]
}

@test "bad flags: docker's text and exit status 125" {
	need_command ps
	both ps --bad
	[ "$berth_status" -eq 125 ]
	[ "$berth_output" = "$(printf "unknown flag: --bad\n\nUsage:  docker ps [OPTIONS]\n\nRun 'docker ps --help' for more information")" ]
	both ps -z
	[[ $berth_output == "unknown shorthand flag: 'z' in -z"* ]]
	both ps -aqz
	[[ $berth_output == "unknown shorthand flag: 'z' in -z"* ]]
	both ps --format
	[[ $berth_output == "flag needs an argument: --format"* ]]
	both ps -n
	[[ $berth_output == "flag needs an argument: 'n' in -n"* ]]
	both ps -n abc
	[[ $berth_output == 'invalid argument "abc" for "-n, --last" flag: strconv.ParseInt: parsing "abc": invalid syntax'* ]]
	both ps --last=99999999999999999999
	both ps --all=maybe
	[ "$berth_status" -eq 125 ]
	both container ls --bad
	[[ $berth_output == *"Usage:  docker container ls [OPTIONS]"* ]]
	# global options
	both --bad
	[ "$berth_status" -eq 125 ]
	[[ $berth_output == *"Usage:  docker [OPTIONS] COMMAND [ARG...]"* ]]
	both -H
	[[ $berth_output == "flag needs an argument: 'H' in -H"* ]]
	both container --bad
	[[ $berth_output == *"Usage:  docker container"$'\n'* ]]
}

@test "argument counts: docker's text and exit status 1" {
	need_command rm
	both rm
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "$(printf "docker: 'docker rm' requires at least 1 argument\n\nUsage:  docker rm [OPTIONS] CONTAINER [CONTAINER...]\n\nSee 'docker rm --help' for more information")" ]
	need_command ps
	both ps extra
	[ "$berth_status" -eq 1 ]
	both container ls -q -- extra
	[[ $berth_output == "docker: 'docker container ls' accepts no arguments"* ]]
	need_command rename
	both rename a
	[[ $berth_output == "docker: 'docker rename' requires 2 arguments"* ]]
	need_command logout
	both logout a b
	[[ $berth_output == "docker: 'docker logout' requires at most 1 argument"* ]]
}

@test "unknown commands and groups without a subcommand" {
	both nosuch
	[ "$berth_status" -eq 1 ]
	[ "$berth_output" = "$(printf "docker: unknown command: docker nosuch\n\nRun 'docker --help' for more information")" ]
	both container nosuch
	[ "$berth_status" -eq 1 ]
	[[ $berth_output == "docker: unknown command: docker container nosuch"* ]]
	# a group alone prints its usage on stderr and succeeds, as docker does
	local g line
	for g in container image system; do
		run --separate-stderr "$BERTH" "$g"
		[ "$status" -eq 0 ]
		[ -z "$output" ]
		[ "${stderr_lines[0]}" = "Usage:  berth $g COMMAND" ]
		# every command berth lists, docker lists with the same summary
		# (berth may lack some of docker's; "berth" stands for "docker")
		docker_help=$("$DOCKER" "$g" --help)
		for line in "${stderr_lines[@]}"; do
			case $line in
			"  "[a-z]*) grep -qxF -- "${line//berth/docker}" <<<"$docker_help" || { echo "docker lacks: $line"; return 1; } ;;
			esac
		done
	done
	run --separate-stderr "$BERTH" container --help
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Usage:  berth container COMMAND" ]
	# berth alone: the full usage on stderr, status 0
	run --separate-stderr "$BERTH"
	[ "$status" -eq 0 ]
	[ "${stderr_lines[0]}" = "Usage:  berth [OPTIONS] COMMAND" ]
	grep -qxF 'Management Commands:' <<<"$stderr"
	grep -qxF 'Global Options:' <<<"$stderr"
}

@test "berth --version and -v" {
	run "$BERTH" --version
	[ "$status" -eq 0 ]
	[[ $output =~ ^berth\ version\ [0-9]+\.[0-9]+\.[0-9]+,\ build\ [0-9a-z]+$ ]]
	run "$BERTH" -v
	[ "$status" -eq 0 ]
	[[ $output == "berth version "* ]]
}

@test "no daemon: a clear message and status 1" {
	need_command ps
	run --separate-stderr "$BERTH" ps
	[ "$status" -eq 1 ]
	[[ $stderr == *"cannot connect to berthd at $BERTH_HOST: is it running?"* ]]
	# -H wins over BERTH_HOST, BERTH_HOST over DOCKER_HOST
	run --separate-stderr "$BERTH" -H "unix://$BATS_TEST_TMPDIR/other.sock" ps
	[ "$status" -eq 1 ]
	[[ $stderr == *"unix://$BATS_TEST_TMPDIR/other.sock"* ]]
	run --separate-stderr env BERTH_HOST= DOCKER_HOST="unix://$BATS_TEST_TMPDIR/d.sock" "$BERTH" ps
	[[ $stderr == *"unix://$BATS_TEST_TMPDIR/d.sock"* ]]
	# docker's refusal of two -H
	run --separate-stderr "$BERTH" -H unix:///a -H unix:///b ps
	[ "$status" -eq 1 ]
	[[ $stderr == *"Specify only one -H"* ]]
}

@test "completion: commands, subcommands, flags and fixed values" {
	run "$BERTH" __complete ""
	[ "$status" -eq 0 ]
	grep -qxF container <<<"$output"
	grep -qxF help <<<"$output"
	[ -z "$(grep '^__' <<<"$output")" ]
	run "$BERTH" __complete container l
	[ "$output" = "$(printf 'logs\nls')" ] || [ "$output" = ls ]
	need_command ps
	run "$BERTH" __complete ps --
	grep -qxF -- --all <<<"$output"
	grep -qxF -- --format <<<"$output"
	grep -qxF -- --help <<<"$output"
	run "$BERTH" __complete -l w
	[ "$output" = "warn" ]
	run "$BERTH" __complete --log-level=e
	[ "$output" = "--log-level=error" ]
	run "$BERTH" __complete completion ""
	[ "$output" = "$(printf 'bash\nzsh')" ]
	run "$BERTH" __complete __man ""
	[ "$output" = "__dirs__" ]
	# no daemon: no names and no error
	need_command rm
	run --separate-stderr "$BERTH" __complete rm ""
	[ "$status" -eq 0 ]
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "completion: the bash script asks berth __complete" {
	run "$BERTH" completion bash
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/berth.bash"
	# what bash gives a completion function for the line typed so far
	complete_line()
	{
		bash -c 'PATH=$1:$PATH; source "$2"; COMP_LINE=$3; COMP_POINT=${#3}
			COMP_WORDS=($3); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _berth
			printf "%s\n" "${COMPREPLY[@]}"' \
			bash "$(dirname "$BERTH")" "$BATS_TEST_TMPDIR/berth.bash" "$1"
	}
	run complete_line "berth container l"
	[ "$status" -eq 0 ]
	grep -qxF ls <<<"$output"
	# after "=" bash replaces only the part after it
	run complete_line "berth --log-level=e"
	[ "$output" = error ]
	run complete_line "berth -H unix:///x "
	grep -qxF container <<<"$output"
	run "$BERTH" completion zsh
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "#compdef berth" ]]
	if command -v zsh >/dev/null; then
		zsh -n <<<"$output"
	fi
	run "$BERTH" completion fish
	[ "$status" -eq 125 ]
}

@test "daemon: completion of container and image names" {
	core_daemon
	need_command rm
	"$DOCKER" create --name core-complete-me busybox true
	run "$BERTH" __complete rm core-
	[ "$status" -eq 0 ]
	[ "$output" = core-complete-me ]
	# the -H of the command line reaches the query
	run env BERTH_HOST= DOCKER_HOST= "$BERTH" __complete -H "$DOCKER_HOST" rm -f ""
	grep -qxF core-complete-me <<<"$output"
	# a value flag's value is not a positional; images for run
	if "$BERTH" help run >/dev/null 2>&1; then
		run "$BERTH" __complete run --name x bu
		[ "$output" = busybox:latest ]
	fi
}

@test "man pages: generated from the tables, rendered by man" {
	run "$BERTH" __man "$BATS_TEST_TMPDIR/man1"
	[ "$status" -eq 0 ]
	[ -f "$BATS_TEST_TMPDIR/man1/berth.1" ]
	[ -f "$BATS_TEST_TMPDIR/man1/berth-container.1" ]
	run env MANWIDTH=80 man -l "$BATS_TEST_TMPDIR/man1/berth.1"
	[ "$status" -eq 0 ]
	grep -q 'berth - a fast, small container engine' <<<"$output"
	grep -qE -- '-H, --host list' <<<"$output"
	need_command ps
	[ -f "$BATS_TEST_TMPDIR/man1/berth-container-ls.1" ]
	run env MANWIDTH=80 man -l "$BATS_TEST_TMPDIR/man1/berth-ps.1"
	[ "$status" -eq 0 ]
	grep -q 'berth-ps - List containers' <<<"$output"
	grep -qE -- '-n, --last int' <<<"$output"
	grep -q 'default -1' <<<"$output"
	# no roff warnings in any page
	run bash -c 'for f in "$1"/*.1; do groff -man -Tutf8 -ww -z "$f" 2>&1; done' bash "$BATS_TEST_TMPDIR/man1"
	[ -z "$output" ]
}
