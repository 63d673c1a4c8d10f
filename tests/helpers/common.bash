# common.bash: what every bats file of berth loads (`load ../helpers/common`).
# Paths to the four programs of the build under test, a private temporary
# --data-root/--exec-root per test, and the leak check: setup snapshots the
# host's mounts, cgroups, netns, links, nftables tables and berth processes;
# teardown fails the test when any of them grew, then cleans up best-effort.
#
# Use in a .bats file:
#   load ../helpers/common
#   setup() { common_setup; }
#   teardown() { common_teardown; }
# Then start programs with "${BERTH_ROOT_ARGS[@]}" (--data-root/--exec-root).

# shellcheck disable=SC2034 # the variables are for the .bats files
BERTH_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BERTH_BUILD=${BERTH_BUILD:-$BERTH_REPO/build}
BERTH=$BERTH_BUILD/src/cli/berth
BERTHD=$BERTH_BUILD/src/daemon/berthd
BERTH_SHIM=$BERTH_BUILD/src/shim/berth-shim
BERTH_RUNTIME=$BERTH_BUILD/src/runtime-cli/berth-runtime
BERTH_PROGRAMS=("$BERTH" "$BERTHD" "$BERTH_SHIM" "$BERTH_RUNTIME")

# The project version as meson knows it ("0.1.0")
berth_project_version()
{
	meson introspect --projectinfo "$BERTH_BUILD" | jq -r .version
}

# Skip the current test unless we are root
require_root()
{
	[ "$(id -u)" -eq 0 ] || skip "needs root"
}

# Print the path of the busybox rootfs (tests/data/make-busybox-rootfs.sh)
# with tests/helpers/test-init in /bin, made once per bats run and shared
# by every file of it: containers must get it read-only (root.readonly, or
# a copy).  Making it costs seconds; the script keeps an existing one.
berth_busybox_rootfs()
{
	local dir=${BATS_RUN_TMPDIR:-$BATS_FILE_TMPDIR}/busybox-rootfs
	local init=$BERTH_BUILD/tests/helpers/test-init
	"$BERTH_REPO/tests/data/make-busybox-rootfs.sh" "$dir" >&2 || return 1
	if [ -x "$init" ] && ! cmp -s "$init" "$dir/bin/test-init"; then
		cp "$init" "$dir/bin/test-init" || return 1
	fi
	echo "$dir"
}

# ---------------------------------------------------------------------------
# Temporary roots

# Make the per-test directory /tmp/berth-test.XXXXXX with data-root/ and
# exec-root/ in it.  Sets BERTH_TEST_TMP, BERTH_DATA_ROOT, BERTH_EXEC_ROOT and
# BERTH_ROOT_ARGS.  BERTH_TEST_TMP is exported: every process a test starts
# inherits it, which is how teardown recognises processes it may kill.
berth_tmp_roots()
{
	BERTH_TEST_TMP=$(mktemp -d /tmp/berth-test.XXXXXX) || return 1
	BERTH_DATA_ROOT=$BERTH_TEST_TMP/data-root
	BERTH_EXEC_ROOT=$BERTH_TEST_TMP/exec-root
	mkdir -p "$BERTH_DATA_ROOT" "$BERTH_EXEC_ROOT"
	BERTH_ROOT_ARGS=(--data-root "$BERTH_DATA_ROOT" --exec-root "$BERTH_EXEC_ROOT")
	export BERTH_TEST_TMP
}

# Mount points (from mountinfo, octal escapes decoded) at or under $1
_mounts_under()
{
	local dir=$1 m
	while read -r m; do
		m=$(printf '%b' "$m")
		case $m in "$dir" | "$dir"/*) echo "$m" ;; esac
	done < <(awk '{ print $5 }' /proc/self/mountinfo)
}

# Unmount everything under $BERTH_TEST_TMP (deepest first, lazily when busy)
# and remove it.  Prints each mount it had to remove and returns 1 if any:
# a mount left behind is a leak.
berth_tmp_cleanup()
{
	local dir=${BERTH_TEST_TMP:-} m leaked=0
	[ -n "$dir" ] || return 0
	case $dir in /tmp/berth-test.*) ;; *) echo "refusing to remove '$dir'" >&2; return 1 ;; esac
	while read -r m; do
		[ -n "$m" ] || continue
		leaked=1
		echo "leak: mount $m (unmounted by teardown)"
		umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null || umount -l "$m" || true
	done < <(_mounts_under "$dir" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	rm -rf --one-file-system "$dir"
	unset BERTH_TEST_TMP
	return $leaked
}

# ---------------------------------------------------------------------------
# Leak check

# True when process $1 belongs to this test: it names the test's directory
# on its command line or inherited its BERTH_TEST_TMP.  Other checkouts'
# tests may run berth programs at the same time; those are not our leaks.
_leak_ours()
{
	[ -n "${BERTH_TEST_TMP:-}" ] || return 0
	grep -qF "$BERTH_TEST_TMP" "/proc/$1/cmdline" 2>/dev/null ||
		tr '\0' '\n' <"/proc/$1/environ" 2>/dev/null | grep -qxF "BERTH_TEST_TMP=$BERTH_TEST_TMP"
}

# Everything of ours on the host, one "kind<TAB>item" line each, sorted.
# BERTH_LEAK_IGNORE (an ERE) drops lines a test expects to persist.
_leak_inventory()
{
	{
		# mounts under the test's directory, or anywhere with "berth" in
		# them except under another test's directory (tests of another
		# checkout may run at the same time)
		local m
		while read -r m; do
			m=$(printf '%b' "$m")
			case $m in
			"${BERTH_TEST_TMP:-/nonexistent}" | "${BERTH_TEST_TMP:-/nonexistent}"/*) ;;
			/tmp/berth-test.*) continue ;;
			esac
			case $m in
			*berth*) printf 'mount\t%s\n' "$m" ;;
			esac
		done < <(awk '{ print $5 }' /proc/self/mountinfo)
		# cgroups (v1 controllers, the unified hierarchy, or a pure v2 host)
		# whose path names berth: /berth/<id> and the parent /berth itself,
		# which berth-runtime removes with its last container
		find /sys/fs/cgroup -mindepth 1 -maxdepth 5 -type d -path '*berth*' 2>/dev/null |
			sed 's/^/cgroup\t/'
		# network namespaces
		find /run/netns -mindepth 1 -maxdepth 1 -printf 'netns\t%f\n' 2>/dev/null
		ip netns list 2>/dev/null | awk '{ print "netns\t" $1 }'
		# links: ours, and every veth or bridge anyone might have leaked for us
		ip -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' |
			grep -E '^(berth|veth|br-)' | sed 's/^/link\t/'
		# nftables tables
		nft list tables 2>/dev/null | grep berth | sed 's/^/nftables\t/'
		# processes of our programs (argv[0]), never bats or this shell,
		# and only those of this test (see _leak_ours)
		local pid args
		while read -r pid args; do
			[ "$pid" = "$$" ] || [ "$pid" = "$BASHPID" ] && continue
			case $args in *bats*) continue ;; esac
			_leak_ours "$pid" || continue
			printf 'process\t%s %s\n' "$pid" "$args"
		done < <(pgrep -a -f '^([^ ]*/)?(berthd|berth-shim|berth-runtime)( |$)' 2>/dev/null)
	} | if [ -n "${BERTH_LEAK_IGNORE:-}" ]; then grep -Ev "$BERTH_LEAK_IGNORE"; else cat; fi |
		sort -u
}

# Record the state before the test
leak_snapshot()
{
	BERTH_LEAK_BEFORE=$(_leak_inventory)
}

# Lines present now and not in the snapshot
_leak_new()
{
	comm -13 <(printf '%s\n' "${BERTH_LEAK_BEFORE:-}" | sort -u) <(_leak_inventory) |
		grep -v '^$' || true
}

# Fail (return 1) when the test left anything behind; list each item
leak_check()
{
	local new
	new=$(_leak_new)
	[ -z "$new" ] && return 0
	echo "leak check: this test left behind:"
	printf '%s\n' "$new" | sed 's/\t/: /; s/^/  /'
	return 1
}

# Remove what leak_check would report, best-effort, so that later tests
# start clean.  Processes are killed only when they are this test's
# (_leak_ours), never when the test has no directory of its own.
leak_cleanup()
{
	local kind item pid
	# processes first: they pin mounts, cgroups and namespaces
	while IFS=$'\t' read -r kind item; do
		[ "$kind" = process ] || continue
		pid=${item%% *}
		if [ -n "${BERTH_TEST_TMP:-}" ] && _leak_ours "$pid"; then
			kill -KILL "$pid" 2>/dev/null || true
		else
			echo "leak cleanup: not killing $item: not started by this test" >&2
		fi
	done < <(_leak_new)
	# namespaces and links before the mounts that hold them; deepest first
	# within a kind, so that nested mounts and cgroups go before parents
	local k
	for k in netns link nftables mount cgroup; do
		while IFS=$'\t' read -r kind item; do
			# best-effort: a failure here must not stop the rest (bats runs
			# teardown under set -e); what stays is reported below
			case $kind in
			mount) umount -R "$item" 2>/dev/null || umount -l "$item" 2>/dev/null || true ;;
			cgroup) rmdir "$item" 2>/dev/null || true ;;
			netns)
				ip netns delete "$item" 2>/dev/null ||
					{ umount -l "/run/netns/$item" 2>/dev/null; rm -f "/run/netns/$item"; } || true
				;;
			link) ip link delete "$item" 2>/dev/null || true ;;
			nftables) nft delete "$item" 2>/dev/null || true ;;
			esac
		done < <(_leak_new | awk -F'\t' -v k="$k" '$1 == k { print length($2) "\t" $0 }' |
			sort -rn | cut -f2-)
	done
	local left
	left=$(_leak_new)
	if [ -n "$left" ]; then
		echo "leak cleanup: could not remove:" >&2
		printf '%s\n' "$left" | sed 's/\t/: /; s/^/  /' >&2
		return 1
	fi
	return 0
}

# ---------------------------------------------------------------------------
# setup/teardown for every test

common_setup()
{
	berth_tmp_roots
	leak_snapshot
}

common_teardown()
{
	local status=0
	if ! leak_check; then
		status=1
		leak_cleanup || true
	fi
	berth_tmp_cleanup || status=1
	return $status
}
