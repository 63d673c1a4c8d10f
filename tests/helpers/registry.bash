# registry.bash: start and stop Debian's docker-registry (and the fake
# registry, tests/helpers/fake-registry.py) on 127.0.0.1 for the tests
# under tests/registry and bench/pull, bench/push.  Callers set REG_DIR (a
# temp dir they own; registry_setup_file makes one); each registry lives in
# $REG_DIR/<name> and registry_stop ends all of them.  REG_HOST picks
# another listening address ('[::1]': a loopback address that, unlike
# 127.0.0.0/8, is not insecure by default).  Needs interop.bash
# (interop_wait).

REGISTRY_TOOL=$BERTH_BUILD/tests/helpers/registry-tool
IMAGE_TOOL=$BERTH_BUILD/tests/helpers/image-tool
# the htpasswd user of `registry_start NAME auth`
REG_USER=berthuser
REG_PASS='s3cret:pass'

# setup_file of tests/registry/*.bats: skips unless root, the programs
# named in $@ and the test tools are there; makes and exports REG_DIR
registry_setup_file()
{
	[ "$(id -u)" -eq 0 ] || skip "the registry tests need root (image-tool, berth-runtime)"
	local p
	for p in "$@"; do
		command -v "$p" >/dev/null || skip "'$p' is not installed (scripts/deps.sh)"
	done
	[ -x "$REGISTRY_TOOL" ] || skip "registry-tool is not built ($REGISTRY_TOOL)"
	[ -x "$IMAGE_TOOL" ] || skip "image-tool is not built ($IMAGE_TOOL)"
	REG_DIR=$(mktemp -d /tmp/berth-registry.XXXXXX)
	export REG_DIR
}

# teardown_file: every registry (the fake one too) stopped, REG_DIR gone
registry_teardown_file()
{
	[ -n "${REG_DIR:-}" ] || return 0
	registry_stop
	case $REG_DIR in /tmp/berth-registry.*) rm -rf "$REG_DIR" ;; esac
}

free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when something answers HTTP on ${REG_HOST:-127.0.0.1}:$1 (200 open,
# 401 auth; HTTPS when $2 is "tls")
registry_up()
{
	local code
	local scheme=http
	[ "${2:-}" = tls ] && scheme=https
	code=$(curl -gsk -o /dev/null -w '%{http_code}' "$scheme://${REG_HOST:-127.0.0.1}:$1/v2/")
	[ "$code" = 200 ] || [ "$code" = 401 ]
}

# Start docker-registry $1 (a name) on a free port, with htpasswd auth when
# $2 is "auth", with TLS when it is "tls"; prints the port.
registry_start()
{
	local name=$1 mode=${2:-open} dir=$REG_DIR/$1 port
	local host=${REG_HOST:-127.0.0.1} san
	port=$(free_port)
	san=IP:${host//[\[\]]/}
	mkdir -p "$dir/data"
	{
		echo "version: 0.1"
		echo "log: {level: warn, accesslog: {disabled: true}}"
		echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
		echo "http: {addr: '$host:$port'}"
		if [ "$mode" = auth ]; then
			echo "auth: {htpasswd: {realm: berth-test, path: $dir/htpasswd}}"
		fi
	} >"$dir/config.yml"
	if [ "$mode" = tls ]; then
		# a self-signed certificate for the host, trusted through
		# certs.d/<host>:<port>/ca.crt only
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=berth-test" \
			-addext "subjectAltName=$san" -keyout "$dir/key.pem" -out "$dir/cert.pem" \
			>/dev/null 2>&1
		sed -i "s|^http: .*|http: {addr: '$host:$port', tls: {certificate: $dir/cert.pem, key: $dir/key.pem}}|" \
			"$dir/config.yml"
		mkdir -p "$REG_DIR/certs.d/$host:$port"
		cp "$dir/cert.pem" "$REG_DIR/certs.d/$host:$port/ca.crt"
	fi
	[ "$mode" = auth ] && htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$dir/htpasswd"
	# 3>&-: bats waits for every holder of its fd 3
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	interop_wait registry_up "$port" "$mode" || { cat "$dir/log" >&2; return 1; }
	echo "$port"
}

# Start the fake registry in $REG_DIR/fake (its log: $REG_DIR/fake/log);
# sets and exports FAKE_PORT and FAKE_DIGEST (the blob it serves)
fake_registry_start()
{
	mkdir -p "$REG_DIR/fake"
	# 3>&-: bats waits for every holder of its fd 3
	python3 "$BERTH_REPO/tests/helpers/fake-registry.py" "$REG_DIR/fake" \
		>"$REG_DIR/fake/out" 2>&1 3>&- &
	echo $! >"$REG_DIR/fake/pid"
	interop_wait test -s "$REG_DIR/fake/port" || { cat "$REG_DIR/fake/out" >&2; return 1; }
	FAKE_PORT=$(cat "$REG_DIR/fake/port")
	FAKE_DIGEST=$(cat "$REG_DIR/fake/digest")
	export FAKE_PORT FAKE_DIGEST
}

# Stop every registry of $REG_DIR (each $REG_DIR/*/pid)
registry_stop()
{
	local f pid
	for f in "$REG_DIR"/*/pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		kill "$pid" 2>/dev/null || true
		# bounded wait for it to go
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		rm -f "$f"
	done
}

# ---------------------------------------------------------------------------
# The other clients bench/pull and bench/push compare berth with, each kept
# to $REG_DIR so that nothing of the host's is touched.

# Start docker.io's dockerd on its own data root, exec root and socket in
# $REG_DIR/dockerd, without iptables or a bridge, with 127.0.0.0/8
# insecure (the local registries' ports change per run).  docker_private
# runs the CLI against it; dockerd_stop ends it.
dockerd_start()
{
	local d=$REG_DIR/dockerd
	mkdir -p "$d/cli"
	DOCKER_SOCK=unix://$d/docker.sock
	export DOCKER_SOCK
	# 3>&-: bats waits for every holder of its fd 3
	dockerd --data-root "$d/data" --exec-root "$d/exec" -H "$DOCKER_SOCK" \
		--pidfile "$d/dockerd.pid" --iptables=false --ip6tables=false --bridge=none \
		--insecure-registry 127.0.0.0/8 --log-level warn >"$d/log" 2>&1 3>&- &
	# not "pid": registry_stop ends every $REG_DIR/*/pid, and the push
	# bench stops its registries between runs
	echo $! >"$d/dockerd-bg.pid"
	interop_wait docker_private version || { cat "$d/log" >&2; return 1; }
}

# The docker CLI against dockerd_start's daemon, with an empty CLI config
# (never the host's credentials or credential helpers)
docker_private()
{
	DOCKER_CONFIG=$REG_DIR/dockerd/cli docker -H "$DOCKER_SOCK" "$@"
}

dockerd_stop()
{
	local f=$REG_DIR/dockerd/dockerd-bg.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	kill "$pid" 2>/dev/null || true
	# dockerd stops its own containerd first.  Our child: wait for it;
	# else (wait says 127 at once) a bounded poll
	wait "$pid" 2>/dev/null ||
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$f"
	umount -R "$REG_DIR/dockerd/data/overlay2" 2>/dev/null || true
}

# podman with its root, runroot and tmpdir under $REG_DIR/podman, in a
# private mount namespace with a fresh /dev/shm: podman keeps its lock
# table in /dev/shm/libpod_lock, and another podman's table of another
# size makes it fail ("failed to open 2048 locks"); every mount it makes
# goes with the namespace.
podman_private()
{
	local d=$REG_DIR/podman
	mkdir -p "$d/tmp"
	unshare -m --propagation private sh -c \
		'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec "$@"' sh \
		podman --root "$d/root" --runroot "$d/runroot" --tmpdir "$d/tmp" \
		--storage-driver overlay --events-backend file "$@"
}
