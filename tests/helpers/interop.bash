# interop.bash: start and stop containerd, podman and dockerd with private
# state, for the tests that run containers through berth-runtime from each
# engine (tests/runtime/interop-*.bats).  Loaded after common.bash.
#
# Each .bats file starts its engine once (setup_file) under one directory
# /tmp/berth-interop.XXXXXX (INTEROP_DIR) and stops it in teardown_file,
# killing every process whose command line names that directory or that
# inherited BERTH_INTEROP_TAG, unmounting everything under it and removing
# the cgroup parent the engine's containers live in.  Nothing of it may
# stay on the host: interop_cleanup_all (teardown_file) fails when
# something did.
#
# INTEROP_RUNTIME picks the OCI runtime (default: the build's berth-runtime;
# "runc" or "crun" or a path for a baseline run):
#   INTEROP_RUNTIME=runc bats tests/runtime/interop-containerd.bats
# INTEROP_TRACE=1 puts a wrapper of the same name in front of the runtime
# that appends every invocation to $INTEROP_DIR/runtime-calls.log, kept as
# /tmp/berth-interop-calls.<suffix>.log after the file.

# ---------------------------------------------------------------------------
# Checks every engine's file makes the same way

# Run "$@" and expect it to succeed with no output: "nothing is left"
# (`ctr container ls -q`, `docker ps -aq`, `runtime list -q`)
interop_expect_none()
{
	run "$@"
	echo "$*: status $status, output: $output"
	[ "$status" -eq 0 ] && [ -z "$output" ]
}

# Run "$@" sh -c SCRIPT with stdin from a file ("$@" starts a container
# that reads stdin and runs the command it is given): stdin, stdout, stderr
# and the exit code 7 must pass through
interop_check_stdio()
{
	printf 'in-data\n' >"$BERTH_TEST_TMP/in"
	run --separate-stderr "$@" \
		sh -c 'read x; echo "out:$x"; echo err-line >&2; exit 7' <"$BERTH_TEST_TMP/in"
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 7 ]
	[ "$output" = "out:in-data" ]
	[ "$stderr" = "err-line" ]
}

# Run "$@" sh -c SCRIPT ("$@" execs into a running "sleep 1000"): the exec
# sees the container's pid 1 and its exit code 3 passes through
interop_check_exec()
{
	run --separate-stderr "$@" \
		sh -c 'echo "exec-out $(cat /proc/1/cmdline | tr "\0" " ")"; exit 3'
	echo "stdout: $output"
	echo "stderr: $stderr"
	[ "$status" -eq 3 ]
	[ "$output" = "exec-out sleep 1000 " ]
}

# ---------------------------------------------------------------------------
# Shared setup

# Resolve INTEROP_RUNTIME to an absolute path in INTEROP_RT; skip the file
# when it is missing
interop_pick_runtime()
{
	local want=${INTEROP_RUNTIME:-berth-runtime}
	case $want in
	berth-runtime) INTEROP_RT=$BERTH_RUNTIME ;;
	*/*) INTEROP_RT=$want ;;
	*) INTEROP_RT=$(command -v "$want" || true) ;;
	esac
	if [ -z "$INTEROP_RT" ] || [ ! -x "$INTEROP_RT" ]; then
		skip "OCI runtime '$want' is not available (INTEROP_RUNTIME)"
	fi
	INTEROP_RT_NAME=$(basename "$INTEROP_RT")
	export INTEROP_RT INTEROP_RT_NAME
}

# Skip unless every named program is installed (scripts/deps.sh installs
# them: containerd docker.io podman runc crun)
interop_require()
{
	local p
	[ "$(id -u)" -eq 0 ] || skip "the interop tests need root"
	for p in "$@"; do
		command -v "$p" >/dev/null ||
			skip "'$p' is not installed (scripts/deps.sh: containerd docker.io podman)"
	done
}

# Once per file: the private directory, the runtime (or its tracing
# wrapper), the busybox image as a docker-archive, and the leak exemption
# for the cgroup parent the engine keeps between tests.  Sets and exports
# INTEROP_DIR, INTEROP_SFX (a short unique lowercase suffix),
# INTEROP_CGROUP_PARENT, INTEROP_RT, INTEROP_IMAGE_TAR, INTEROP_IMAGE.
interop_setup_file()
{
	interop_pick_runtime
	INTEROP_DIR=$(mktemp -d /tmp/berth-interop.XXXXXX)
	chmod 755 "$INTEROP_DIR"
	INTEROP_SFX=$(printf '%s' "${INTEROP_DIR##*.}" | tr '[:upper:]' '[:lower:]')
	INTEROP_CGROUP_PARENT=berth-interop-$INTEROP_SFX
	INTEROP_IMAGE=localhost/berth-busybox:test
	export INTEROP_DIR INTEROP_SFX INTEROP_CGROUP_PARENT INTEROP_IMAGE
	# the engines' own directories that live outside INTEROP_DIR: remember
	# which existed, to remove only what the test created
	local d
	INTEROP_HOST_DIRS_NEW=()
	for d in /run/containerd /run/containerd/s /run/containerd/fifo /etc/containers/networks /run/docker /etc/docker/key.json; do
		[ -e "$d" ] || INTEROP_HOST_DIRS_NEW+=("$d")
	done
	export INTEROP_HOST_DIRS_NEW_LIST="${INTEROP_HOST_DIRS_NEW[*]}"

	if [ "${INTEROP_TRACE:-0}" = 1 ]; then
		mkdir -p "$INTEROP_DIR/trace"
		cat >"$INTEROP_DIR/trace/$INTEROP_RT_NAME" <<-EOF
			#!/bin/sh
			printf '%s\n' "\$*" >>"$INTEROP_DIR/runtime-calls.log"
			exec "$INTEROP_RT" "\$@"
		EOF
		chmod 755 "$INTEROP_DIR/trace/$INTEROP_RT_NAME"
		INTEROP_RT=$INTEROP_DIR/trace/$INTEROP_RT_NAME
	fi

	interop_make_image_tar "$INTEROP_DIR/image"
	INTEROP_IMAGE_TAR=$INTEROP_DIR/image/busybox.tar
	export INTEROP_IMAGE_TAR

	interop_set_leak_ignore
}

# Exempt from common.bash's leak check what the engine keeps between
# tests: the cgroup parent of its containers (made on first use, removed by
# interop_cleanup_all) and the cgroups INTEROP_CGROUP_KEEP names right below
# it.
interop_set_leak_ignore()
{
	local keep=
	[ -n "${INTEROP_CGROUP_KEEP:-}" ] && keep="(/($INTEROP_CGROUP_KEEP))?"
	export BERTH_LEAK_IGNORE="^cgroup	/sys/fs/cgroup/([^/]+/)?$INTEROP_CGROUP_PARENT$keep\$"
}

# A docker-archive ("docker save" layout, one uncompressed layer) of the
# busybox rootfs, named $INTEROP_IMAGE: containerd, dockerd and podman all
# import it
interop_make_image_tar()
{
	local out=$1 rootfs arch layer_sum config config_sum
	mkdir -p "$out/archive"
	rootfs=$(berth_busybox_rootfs) || return 1
	tar -C "$rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out/layer.tar" .
	layer_sum=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) arch=$(uname -m) ;;
	esac
	config=$(jq -cn --arg arch "$arch" --arg diff "sha256:$layer_sum" '{
		architecture: $arch, os: "linux", created: "1970-01-01T00:00:00Z",
		config: { Cmd: ["sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
		rootfs: { type: "layers", diff_ids: [$diff] },
		history: [{ created: "1970-01-01T00:00:00Z", created_by: "make-busybox-rootfs.sh" }]
	}')
	printf '%s' "$config" >"$out/config.json"
	config_sum=$(sha256sum "$out/config.json" | cut -d' ' -f1)
	mkdir -p "$out/archive/$layer_sum"
	mv "$out/layer.tar" "$out/archive/$layer_sum/layer.tar"
	mv "$out/config.json" "$out/archive/$config_sum.json"
	jq -cn --arg c "$config_sum.json" --arg l "$layer_sum/layer.tar" --arg t "$INTEROP_IMAGE" \
		'[{ Config: $c, RepoTags: [$t], Layers: [$l] }]' >"$out/archive/manifest.json"
	tar -C "$out/archive" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
		-cf "$out/busybox.tar" .
	rm -rf "$out/archive"
}

# ---------------------------------------------------------------------------
# What belongs to the file: processes, mounts, cgroups

# PIDs of every process of this file's engine: its command line names
# INTEROP_DIR or it inherited BERTH_INTEROP_TAG=INTEROP_DIR.  Never this
# shell or bats.
interop_pids()
{
	local p pid
	[ -n "${INTEROP_DIR:-}" ] || return 0
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = $$ ] || [ "$pid" = "$BASHPID" ] && continue
		if grep -qF "$INTEROP_DIR" "$p/cmdline" 2>/dev/null ||
			grep -qzxF "BERTH_INTEROP_TAG=$INTEROP_DIR" "$p/environ" 2>/dev/null; then
			grep -qF bats "$p/cmdline" 2>/dev/null && continue
			echo "$pid"
		fi
	done
}

# "pid cmdline" of each of interop_pids
interop_ps()
{
	local pid
	for pid in $(interop_pids); do
		printf '%s %s\n' "$pid" "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
	done
}

# Cgroup directories under the file's cgroup parent, in every hierarchy,
# but those the engine keeps between tests (INTEROP_CGROUP_KEEP, an ERE of
# names right below the parent: podman's "conmon")
interop_cgroups()
{
	local d
	for d in /sys/fs/cgroup/*/"$INTEROP_CGROUP_PARENT" /sys/fs/cgroup/"$INTEROP_CGROUP_PARENT"; do
		[ -d "$d" ] && find "$d" -mindepth 1 -type d
	done | { if [ -n "${INTEROP_CGROUP_KEEP:-}" ]; then grep -Ev "/$INTEROP_CGROUP_PARENT/($INTEROP_CGROUP_KEEP)\$"; else cat; fi; }
	return 0
}

# Remember the engine's long-lived processes (end of setup_file)
interop_baseline()
{
	INTEROP_BASE_PIDS=$(interop_pids | sort -n | tr '\n' ' ')
	export INTEROP_BASE_PIDS
}

# Per-test check on top of common.bash's: no process of the engine beyond
# its long-lived ones (shims, conmon, containers' runtimes), no cgroup
# under the file's parent, no container state in the runtime root $1 (only
# names matching the ERE $2 when given: a shared root).
# Prints what it found and returns 1 when anything stayed.
interop_leak_check()
{
	local root=${1:-} pid bad=0 i cg
	# the engine reaps asynchronously (shims exit after delete): wait a bit
	for i in $(seq 50); do
		bad=0
		for pid in $(interop_pids); do
			case " $INTEROP_BASE_PIDS " in *" $pid "*) ;; *) bad=1 ;; esac
		done
		[ -n "$(interop_cgroups)" ] && bad=1
		[ "$bad" = 0 ] && break
		sleep 0.1
	done
	if [ "$bad" = 1 ]; then
		echo "interop leak check: left behind:"
		for pid in $(interop_pids); do
			case " $INTEROP_BASE_PIDS " in *" $pid "*) continue ;; esac
			echo "  process: $pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		done
		for cg in $(interop_cgroups); do echo "  cgroup: $cg"; done
	fi
	local names=${2:-.*} e
	if [ -n "$root" ] && [ -d "$root" ]; then
		for e in "$root"/* "$root"/.[!.]*; do
			[ -e "$e" ] || continue
			[[ ${e##*/} =~ ^($names)$ ]] || continue
			echo "interop leak check: runtime state left: $e"
			bad=1
		done
	fi
	return $((bad))
}

interop_setup()
{
	[ -n "${INTEROP_DIR:-}" ] || skip "setup_file did not run"
	common_setup
}

# interop_leak_check (arguments: runtime root, name ERE) and common_teardown
interop_teardown()
{
	local status=0
	interop_leak_check "$@" || status=1
	common_teardown || status=1
	return $status
}

# Kill every process of the file (TERM, then KILL), unmount everything under
# INTEROP_DIR, remove the cgroup parent and the directory and the host
# directories the engine made.  Returns 1 and says what when anything of it
# remains.
interop_cleanup_all()
{
	local pid i m d left=0
	[ -n "${INTEROP_DIR:-}" ] || return 0
	case $INTEROP_DIR in /tmp/berth-interop.*) ;; *) return 1 ;; esac
	for pid in $(interop_pids); do kill -TERM "$pid" 2>/dev/null || true; done
	for i in $(seq 50); do
		[ -z "$(interop_pids)" ] && break
		sleep 0.1
	done
	for pid in $(interop_pids); do kill -KILL "$pid" 2>/dev/null || true; done
	for i in $(seq 20); do
		[ -z "$(interop_pids)" ] && break
		sleep 0.1
	done
	# container processes do not name the directory: kill what is left in
	# the cgroup parent
	for d in /sys/fs/cgroup/*/"$INTEROP_CGROUP_PARENT" /sys/fs/cgroup/"$INTEROP_CGROUP_PARENT"; do
		[ -d "$d" ] || continue
		[ -f "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
		while read -r pid; do
			kill -KILL "$pid" 2>/dev/null || true
		done < <(find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null)
	done
	while read -r m; do
		[ -n "$m" ] || continue
		umount -R "$m" 2>/dev/null || umount -R -l "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(_mounts_under "$INTEROP_DIR" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2-)
	for i in $(seq 20); do
		find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -depth -type d \
			\( -path "*/$INTEROP_CGROUP_PARENT/*" -o -name "$INTEROP_CGROUP_PARENT" \) \
			-exec rmdir {} + 2>/dev/null
		[ -z "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 3 -type d -name "$INTEROP_CGROUP_PARENT" 2>/dev/null)" ] && break
		sleep 0.1
	done
	if [ -f "$INTEROP_DIR/runtime-calls.log" ]; then
		cp "$INTEROP_DIR/runtime-calls.log" "/tmp/berth-interop-calls.$INTEROP_SFX.log"
		echo "# runtime calls: /tmp/berth-interop-calls.$INTEROP_SFX.log" >&3
	fi
	rm -rf --one-file-system "$INTEROP_DIR" 2>/dev/null || { sleep 0.5; rm -rf --one-file-system "$INTEROP_DIR"; }
	# host directories the engine created (shim sockets, fifos): only
	# when empty and not there before
	for d in $INTEROP_HOST_DIRS_NEW_LIST; do
		[ -d "$d" ] || continue
		find "$d" -depth -type d -empty -delete 2>/dev/null || true
	done

	if [ -n "$(interop_pids)" ]; then
		echo "interop teardown: processes remain:"
		interop_ps | sed 's/^/  /'
		left=1
	fi
	if [ -n "$(_mounts_under "$INTEROP_DIR")" ]; then
		echo "interop teardown: mounts remain:"
		_mounts_under "$INTEROP_DIR" | sed 's/^/  /'
		left=1
	fi
	if [ -n "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$INTEROP_CGROUP_PARENT" 2>/dev/null)" ]; then
		echo "interop teardown: cgroups remain:"
		find /sys/fs/cgroup -mindepth 1 -maxdepth 4 -type d -name "$INTEROP_CGROUP_PARENT" | sed 's/^/  /'
		left=1
	fi
	if [ -e "$INTEROP_DIR" ]; then
		echo "interop teardown: $INTEROP_DIR remains"
		left=1
	fi
	for d in $INTEROP_HOST_DIRS_NEW_LIST; do
		if [ -e "$d" ]; then
			echo "interop teardown: $d remains:"
			find "$d" | head -20 | sed 's/^/  /'
			left=1
		fi
	done
	return $left
}

# Wait (bounded, ~10 s) until the command succeeds
interop_wait()
{
	local _
	for _ in $(seq 100); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "timed out waiting for: $*" >&2
	return 1
}

# ---------------------------------------------------------------------------
# containerd: its own root, state, socket, and a config without CRI or
# anything networked.  ctr talks to it with -a; the runtime is passed per
# container (ctr run --runc-binary, --runc-root)

containerd_start()
{
	local d=$INTEROP_DIR/containerd
	mkdir -p "$d/root" "$d/state" "$d/rtroot"
	CTR_SOCK=$d/containerd.sock
	CTR_RTROOT=$d/rtroot
	# the namespace is part of the containers' cgroup path (/<ns>/<id>)
	CTR_NS=$INTEROP_CGROUP_PARENT
	export CTR_SOCK CTR_RTROOT CTR_NS
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = [
		  "io.containerd.grpc.v1.cri",
		  "io.containerd.snapshotter.v1.aufs",
		  "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.zfs",
		  "io.containerd.tracing.processor.v1.otlp",
		  "io.containerd.internal.v1.tracing",
		]
		[grpc]
		  address = "$CTR_SOCK"
		[ttrpc]
		  address = "$d/containerd.sock.ttrpc"
		[debug]
		  address = ""
		  level = "info"
		[metrics]
		  address = ""
	EOF
	BERTH_INTEROP_TAG=$INTEROP_DIR containerd --config "$d/config.toml" \
		</dev/null >"$d/containerd.log" 2>&1 &
	interop_wait ctr -a "$CTR_SOCK" version || {
		cat "$d/containerd.log"
		return 1
	}
	ctr -a "$CTR_SOCK" -n "$CTR_NS" images import --no-unpack=false "$INTEROP_IMAGE_TAR" >/dev/null
}

# ctr against this file's containerd and namespace
ctr_()
{
	ctr -a "$CTR_SOCK" -n "$CTR_NS" "$@"
}

# ctr run with this file's runtime
ctr_run()
{
	ctr_ run --runc-binary "$INTEROP_RT" --runc-root "$CTR_RTROOT" "$@"
}

# The status of task $1 as `ctr task ls` shows it (RUNNING, PAUSED, ...)
ctr_task_status()
{
	ctr_ task ls | awk -v id="$1" '$1 == id { print $3 }'
}

# ---------------------------------------------------------------------------
# podman: its own storage root and runroot, tmpdir, containers.conf
# (lower default ulimits: root here lacks CAP_SYS_RESOURCE), cgroupfs, no
# network, file events, and the runtime by path

podman_start()
{
	local d=$INTEROP_DIR/podman
	mkdir -p "$d/root" "$d/runroot" "$d/tmp" "$d/networks" "$d/volumes"
	# podman sets nofile and nproc to 1048576 (rootful default) unless
	# told otherwise; root here cannot raise hard limits (no
	# CAP_SYS_RESOURCE; nofile 20000, and conmon's children get nproc 32768
	# at most): stay well below
	cat >"$d/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
		netns = "none"
		log_driver = "k8s-file"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$d/events.log"
		tmp_dir = "$d/tmp"
		volume_path = "$d/volumes"
		num_locks = 128
		[network]
		network_config_dir = "$d/networks"
	EOF
	cat >"$d/storage.conf" <<-EOF
		[storage]
		driver = "overlay"
		graphroot = "$d/root"
		runroot = "$d/runroot"
	EOF
	export CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf
	# podman passes --runtime-flag root=… to create, kill, pause… but not
	# to the "podman container cleanup" conmon runs when the container
	# exits: that one would miss the state.  Use the runtime's default
	# root, as podman users do (the tests check their containers' IDs
	# there, not that it is empty)
	case $INTEROP_RT_NAME in
	berth-runtime) PODMAN_RTROOT=/run/berth-runtime ;;
	*) PODMAN_RTROOT=/run/$INTEROP_RT_NAME ;;
	esac
	# with cgroupfs, podman puts every conmon into <cgroup parent>/conmon
	# and leaves that cgroup
	export INTEROP_CGROUP_KEEP=conmon
	interop_set_leak_ignore
	export PODMAN_RTROOT
	podman_ load -q -i "$INTEROP_IMAGE_TAR" >/dev/null
}

podman_()
{
	local d=$INTEROP_DIR/podman
	CONTAINERS_CONF=$d/containers.conf CONTAINERS_STORAGE_CONF=$d/storage.conf \
		BERTH_INTEROP_TAG=$INTEROP_DIR \
		podman --root "$d/root" --runroot "$d/runroot" --storage-driver overlay \
		--tmpdir "$d/tmp" --cgroup-manager cgroupfs --events-backend file \
		--runtime "$INTEROP_RT" --runtime-flag "root=$PODMAN_RTROOT" "$@"
}

# The IDs of every container podman made in this file, as an ERE
podman_ids_ere()
{
	local ids
	ids=$(jq -r 'select(.Type == "container") | .ID' "$INTEROP_DIR/podman/events.log" 2>/dev/null |
		sort -u | paste -sd'|')
	echo "${ids:-^\$}"
}

# podman run with the file's cgroup parent, no network and no pulling
podman_run()
{
	podman_ run --pull never --network none --cgroup-parent "/$INTEROP_CGROUP_PARENT" "$@"
}

# ---------------------------------------------------------------------------
# dockerd: its own data root, exec root, pidfile, socket and config file;
# no iptables, no bridge; it starts its own containerd (under the exec
# root), which interop_cleanup_all kills with it.  berth is the default
# runtime.

dockerd_start()
{
	local d=$INTEROP_DIR/docker
	mkdir -p "$d/data" "$d/exec" "$d/config"
	# a config file of our own (not /etc/docker/daemon.json); dockerd 20.10
	# writes its trust key to /etc/docker/key.json unless told otherwise
	jq -n --arg k "$d/key.json" '{ "deprecated-key-path": $k }' >"$d/daemon.json"
	DOCKER_SOCK=$d/docker.sock
	DOCKER_EXEC_ROOT=$d/exec
	# dockerd 20.10 gives the runc shim Root <exec-root>/runtime-runc (for
	# an --add-runtime as well), and the shim adds the namespace "moby"
	DOCKER_RTROOT=$DOCKER_EXEC_ROOT/runtime-runc/moby
	export DOCKER_SOCK DOCKER_EXEC_ROOT DOCKER_RTROOT
	BERTH_INTEROP_TAG=$INTEROP_DIR dockerd \
		--config-file "$d/daemon.json" \
		--data-root "$d/data" --exec-root "$DOCKER_EXEC_ROOT" \
		--pidfile "$d/docker.pid" -H "unix://$DOCKER_SOCK" \
		--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
		--bridge=none --userland-proxy=false \
		--storage-driver overlay2 --exec-opt native.cgroupdriver=cgroupfs \
		--cgroup-parent "/$INTEROP_CGROUP_PARENT" \
		--default-ulimit nofile=1024:1024 \
		--add-runtime "berth=$INTEROP_RT" --default-runtime berth \
		</dev/null >"$d/dockerd.log" 2>&1 &
	interop_wait docker_ version || {
		tail -50 "$d/dockerd.log"
		return 1
	}
	docker_ load -i "$INTEROP_IMAGE_TAR" >/dev/null
}

docker_()
{
	DOCKER_CONFIG=$INTEROP_DIR/docker/config docker -H "unix://$DOCKER_SOCK" "$@"
}

# docker run without a network (there is no bridge)
docker_run()
{
	docker_ run --network none "$@"
}

# Stop dockerd (SIGTERM stops its containerd too), then clean up
dockerd_stop()
{
	local pid
	pid=$(cat "$INTEROP_DIR/docker/docker.pid" 2>/dev/null || true)
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
	fi
}
