#!/usr/bin/env bats
# programs.bats: the four programs exist, identify themselves with the
# project version, answer --help, and the CLI refuses unknown commands the
# way docker does (exit 125).

load ../helpers/common

setup_file()
{
	BERTH_VERSION=$(berth_project_version)
	export BERTH_VERSION
}

setup()
{
	common_setup
}

teardown()
{
	common_teardown
}

@test "the project version is known to meson" {
	[[ $BERTH_VERSION =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]]
}

@test "each program answers --version with its name and the project version" {
	local p
	for p in "${BERTH_PROGRAMS[@]}"; do
		run "$p" --version
		echo "$p --version: status $status, output: $output"
		[ "$status" -eq 0 ]
		[[ ${lines[0]} == "$(basename "$p") version $BERTH_VERSION"* ]]
	done
}

@test "berth-runtime --version has runc's spec line" {
	run "$BERTH_RUNTIME" --version
	[ "$status" -eq 0 ]
	[[ $output == *$'\n'"spec: 1.1.0"* ]]
}

@test "each program's --help exits 0 and prints a usage" {
	local p
	for p in "${BERTH_PROGRAMS[@]}"; do
		run "$p" --help
		echo "$p --help: status $status, output: $output"
		[ "$status" -eq 0 ]
		[[ $output == *"Usage:"* ]]
	done
}

@test "berth --help lists the version command" {
	run "$BERTH" --help
	[ "$status" -eq 0 ]
	[[ $output =~ $'\n'"  version " ]]
}

@test "berth with an unknown command exits 1 and says so, as docker does" {
	run "$BERTH" no-such-command
	[ "$status" -eq 1 ]
	[[ $output == *"berth: unknown command: berth no-such-command"* ]]
	[[ $output == *"Run 'berth --help' for more information"* ]]
}

@test "the per-test roots exist and are private to the test" {
	[ -d "$BERTH_DATA_ROOT" ]
	[ -d "$BERTH_EXEC_ROOT" ]
	[[ $BERTH_TEST_TMP == /tmp/berth-test.* ]]
	[ "${BERTH_ROOT_ARGS[*]}" = "--data-root $BERTH_DATA_ROOT --exec-root $BERTH_EXEC_ROOT" ]
}
