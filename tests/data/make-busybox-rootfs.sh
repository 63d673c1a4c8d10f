#!/bin/sh
# make-busybox-rootfs.sh DIR: a minimal busybox root filesystem made from
# Debian's busybox-static (no download): /bin/busybox plus its applet
# links, the usual top-level directories, and /etc/passwd and /etc/group
# with root and nobody.  Idempotent: an existing DIR/bin/busybox is kept.
set -eu
dir=${1:?usage: make-busybox-rootfs.sh DIR}
bb=$(command -v busybox || true)
[ -n "$bb" ] && "$bb" --list >/dev/null 2>&1 || bb=/bin/busybox
if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
	[ -x /bin/busybox ] && bb=/bin/busybox
fi
[ -x "$bb" ] || { echo "make-busybox-rootfs: busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
if [ -x "$dir/bin/busybox" ]; then exit 0; fi
mkdir -p "$dir"
tmp=$(mktemp -d "$dir.tmp.XXXXXX")
chmod 755 "$tmp" # mktemp makes it 0700: user-namespaced containers must reach it
trap 'rm -rf "$tmp"' EXIT
for d in bin sbin usr/bin usr/sbin etc proc sys dev tmp root var/tmp home; do
	mkdir -p "$tmp/$d"
done
chmod 1777 "$tmp/tmp" "$tmp/var/tmp"
cp "$bb" "$tmp/bin/busybox"
for applet in $("$tmp/bin/busybox" --list-full); do
	case $applet in bin/busybox) continue ;; esac
	mkdir -p "$tmp/$(dirname "$applet")"
	ln -sf /bin/busybox "$tmp/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$tmp/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$tmp/etc/group"
: >"$tmp/etc/hostname"
rm -rf "$dir"
mv "$tmp" "$dir"
trap - EXIT
