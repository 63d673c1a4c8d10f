#!/bin/bash
# deps.sh: install every build and test dependency of berth on Debian 12.
# Idempotent and fast: when dpkg already has every package, it does nothing
# (no apt-get update).  Runs without a tty (CI); needs root to install.
set -euo pipefail

PACKAGES=(
	meson ninja-build pkg-config gcc clang lld
	# libc.a and rcrt1.o: berth-runtime links static-pie (with libjansson.a
	# and libseccomp.a from the -dev packages below)
	libc6-dev
	libjansson-dev libsqlite3-dev libcurl4-openssl-dev libarchive-dev libssl-dev
	libseccomp-dev libcap-dev libmnl-dev libnftables-dev libyaml-dev
	libcmocka-dev libhttp-parser-dev
	bats busybox-static tini
	# tests/api: the Python docker SDK drives berthd
	python3-docker
	# tests/api/compose.bats: docker-compose 1.29 against berthd
	docker-compose
	clang-format clang-tidy cppcheck libclang-rt-14-dev shellcheck
	iproute2 nftables jq file util-linux procps git
	containerd docker.io podman runc crun skopeo umoci
	# tests/registry: a local registry and its htpasswd
	docker-registry apache2-utils openssl
)

missing=()
for p in "${PACKAGES[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#PACKAGES[@]} packages are installed"
	exit 0
fi

echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo -n)
	else
		echo "deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
else
	SUDO=()
fi

export DEBIAN_FRONTEND=noninteractive
APT_OPTS=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
	-o Dpkg::Use-Pty=0 --no-install-recommends)
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q update </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${APT_OPTS[@]}" install "${missing[@]}" </dev/null
echo "deps: done"
