#!/bin/sh
# install-config.sh: meson's install script for /etc/berth/daemon.json.
# The default (an empty object: every setting at berthd's default) is put
# in place only when there is none, so that a reinstall never overwrites
# what an administrator configured.  Honours DESTDIR.
set -eu
src=$1
dest=${DESTDIR:-}/etc/berth/daemon.json
if [ -e "$dest" ]; then
	echo "keeping existing $dest"
	exit 0
fi
mkdir -p "$(dirname "$dest")"
install -m 0644 "$src" "$dest"
echo "installed $dest"
