#!/bin/bash
# lint.sh: every static check of berth, clean on the whole tree (make lint).
# clang-format (.clang-format), cppcheck, clang-tidy (.clang-tidy, with the
# compile database of build/), and a refusal of banned libc functions in
# src/, and shellcheck on the harness scripts.  Runs all checks, reports
# each, exits 1 if any failed.
#   scripts/lint.sh [format|cppcheck|tidy|banned|shell]...   (default: all)
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BERTH_BUILD:-$REPO/build}
JOBS=${JOBS:-$(nproc)}
cd "$REPO" || exit 1

checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=(format cppcheck tidy banned shell)
failed=()

# Every C file we own: src/ and tests/, never build output
mapfile -t C_FILES < <(find src tests -name '*.[ch]' -not -path '*/build*' | sort)

# List the files that differ from .clang-format, with a short diff each
lint_format()
{
	local f bad=0
	for f in "${C_FILES[@]}"; do
		clang-format --dry-run -Werror "$f" 2>/dev/null && continue
		bad=1
		echo "$f: not clang-formatted ('make format' fixes it):"
		clang-format "$f" | diff -u "$f" - | tail -n +3 | head -n 20 | sed 's/^/    /'
	done
	return $bad
}

# cppcheck cannot see __attribute__((cleanup)), so its resource and memory
# leak checks only know malloc/fopen (std.cfg) and gnu.cfg, not posix.cfg's
# open()/opendir(): with posix.cfg every cleanup_close local is a "leak".
# -D__x86_64__: with -D given, cppcheck checks only that configuration, and
# per-architecture tables (#error for an unknown one) need one.
# varFuncNullUB: NULL is ((void *)0) on every libc we target, and a NULL
# sentinel is the normal way to end a variadic list (execl, g_build_path).
lint_cppcheck()
{
	cppcheck --enable=warning,performance,portability --error-exitcode=1 --inline-suppr \
		--quiet --std=c11 --library=gnu -D_GNU_SOURCE -D__x86_64__ -I src -I "$BUILD" \
		--include="$BUILD/config.h" --library=scripts/cppcheck.cfg \
		--suppress=missingIncludeSystem --suppress=varFuncNullUB \
		-j "$JOBS" src tests
}

# clang-tidy on every source file in the compile database, plus the fuzz
# targets (not in build/, compiled only with -Dfuzz=true) with build/'s flags
lint_tidy()
{
	local db=$BUILD/compile_commands.json
	if [ ! -f "$db" ]; then
		echo "no $db: run 'make' first" >&2
		return 1
	fi
	local rc=0
	mapfile -t in_db < <(jq -r '.[] | if (.file | startswith("/")) then .file
		else (.directory + "/" + .file) end' "$db" | xargs -r realpath -m | sort -u |
		grep "^$REPO/\(src\|tests\)/")
	printf '%s\n' "${in_db[@]}" |
		xargs -r -P "$JOBS" -n 1 clang-tidy --quiet -p "$BUILD" --warnings-as-errors='*' \
			2> >(grep -v '^[0-9]* warnings\? generated\.$' >&2) || rc=1
	local f others=()
	for f in tests/fuzz/*.c; do
		[ -e "$f" ] || continue
		printf '%s\n' "${in_db[@]}" | grep -qx "$REPO/$f" || others+=("$f")
	done
	if [ ${#others[@]} -gt 0 ]; then
		clang-tidy --quiet --warnings-as-errors='*' "${others[@]}" -- -std=gnu11 \
			-D_GNU_SOURCE -include "$BUILD/config.h" -I "$REPO" -I "$REPO/src" -I "$BUILD" \
			2> >(grep -v '^[0-9]* warnings\? generated\.$' >&2) || rc=1
	fi
	return $rc
}

# banned.h refuses these at compile time where it is included; this catches
# the rest.  Word-boundary match outside comments and strings is close enough.
lint_banned()
{
	local pattern='\b(strcpy|strcat|strncpy|strncat|sprintf|vsprintf|strtok|atoi|atol|atoll|mktemp|tmpnam|gets)[[:space:]]*\('
	local hits
	hits=$(grep -rnE --include='*.c' --include='*.h' "$pattern" src |
		grep -v '^src/common/banned\.h:' |
		grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)')
	if [ -n "$hits" ]; then
		echo "banned functions (see src/common/banned.h for what to use):"
		echo "$hits"
		return 1
	fi
}

# The harness's own shell scripts
lint_shell()
{
	if ! command -v shellcheck >/dev/null; then
		echo "shellcheck is not installed (scripts/deps.sh installs it)" >&2
		return 1
	fi
	# the scripts at every severity; test files, fixture makers, the
	# conformance and runtime bench scripts from "warning" up (bats idioms
	# trip the info/style ones: $output, run in subshells, quoting)
	shellcheck -x scripts/*.sh tests/run.sh .ci/run &&
		shellcheck -x -S warning tests/data/*.sh tests/conformance/*.sh bench/*/*.sh bench/lib.sh &&
		find tests \( -name '*.bash' -o -name '*.bats' \) -print0 |
		xargs -0 -r shellcheck -s bash -S warning -e SC2030,SC2031,SC2034,SC2154
}

for c in "${checks[@]}"; do
	case $c in
	format | cppcheck | tidy | banned | shell) ;;
	*) echo "usage: scripts/lint.sh [format|cppcheck|tidy|banned|shell]..." >&2; exit 2 ;;
	esac
	echo "== lint: $c"
	if "lint_$c"; then
		echo "ok   $c"
	else
		echo "FAIL $c"
		failed+=("$c")
	fi
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "lint: failed: ${failed[*]}"
	exit 1
fi
echo "lint: clean (${checks[*]})"
