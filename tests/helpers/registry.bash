# registry.bash: start and stop Debian's docker-registry on 127.0.0.1 for
# the tests under tests/registry.  Callers set REG_DIR (a temp dir they own);
# each registry lives in $REG_DIR/<name> and registry_stop ends all of them.
# Needs interop.bash (interop_wait).

free_port()
{
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# True when something answers HTTP on 127.0.0.1:$1 (200 open, 401 auth;
# HTTPS when $2 is "tls")
registry_up()
{
	local code
	local scheme=http
	[ "${2:-}" = tls ] && scheme=https
	code=$(curl -sk -o /dev/null -w '%{http_code}' "$scheme://127.0.0.1:$1/v2/")
	[ "$code" = 200 ] || [ "$code" = 401 ]
}

# Start docker-registry $1 (a name) on a free port, with htpasswd auth when
# $2 is "auth", with TLS when it is "tls"; prints the port.
registry_start()
{
	local name=$1 mode=${2:-open} dir=$REG_DIR/$1 port
	port=$(free_port)
	mkdir -p "$dir/data"
	{
		echo "version: 0.1"
		echo "log: {level: warn, accesslog: {disabled: true}}"
		echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
		echo "http: {addr: 127.0.0.1:$port}"
		if [ "$mode" = auth ]; then
			echo "auth: {htpasswd: {realm: berth-test, path: $dir/htpasswd}}"
		fi
	} >"$dir/config.yml"
	if [ "$mode" = tls ]; then
		# a self-signed certificate for 127.0.0.1, trusted through
		# certs.d/127.0.0.1:<port>/ca.crt only
		openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
			-addext subjectAltName=IP:127.0.0.1 -keyout "$dir/key.pem" -out "$dir/cert.pem" \
			>/dev/null 2>&1
		sed -i "s|^http: .*|http: {addr: 127.0.0.1:$port, tls: {certificate: $dir/cert.pem, key: $dir/key.pem}}|" \
			"$dir/config.yml"
		mkdir -p "$REG_DIR/certs.d/127.0.0.1:$port"
		cp "$dir/cert.pem" "$REG_DIR/certs.d/127.0.0.1:$port/ca.crt"
	fi
	[ "$mode" = auth ] && htpasswd -Bbn "$REG_USER" "$REG_PASS" >"$dir/htpasswd"
	# 3>&-: bats waits for every holder of its fd 3
	docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 3>&- &
	echo $! >"$dir/pid"
	interop_wait registry_up "$port" "$mode" || { cat "$dir/log" >&2; return 1; }
	echo "$port"
}

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
