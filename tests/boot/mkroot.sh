#!/usr/bin/env bash
# Build the root the boot tests install vfio-boot into: a minimal Debian 12 (debootstrap
# minbase) with udev, kmod, busybox, initramfs-tools, dracut-core and the libraries vfio-boot
# links with, and the Debian kernel
# unpacked from its package (dpkg-deb -x, so that its postinst does not build a 35 MB image
# with Debian's defaults: reference/qemu-boot-test.md).
#
# Usage: mkroot.sh DIR        (DIR/.complete marks a finished root; it is reused)
set -euo pipefail
dir=$(realpath -m "$1")
# vfio-boot's own runtime libraries too, as its package would pull them in
include=udev,kmod,busybox,initramfs-tools,dracut-core,cpio,zstd,libpci3,pci.ids,libkmod2,libblkid1,libsmartcols1,libjson-c5,libnettle8,libarchive13,systemd-sysv,dbus,libpam-systemd,libvirt-daemon-system,dnsmasq-base,qemu-system-x86,ovmf,libxml2
# reused when it was built from the same package list
[ "$(cat "$dir/.complete" 2>/dev/null)" = "$include" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir"
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

echo "# debootstrap bookworm from $mirror into $dir"
debootstrap --variant=minbase --include="$include" \
	bookworm "$dir" "$mirror" >"$dir.debootstrap.log" 2>&1 || {
	tail -20 "$dir.debootstrap.log" >&2
	exit 1
}

# The kernel: the package linux-image-amd64 points to, unpacked without running anything.
pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/^ *Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -1)
[ -n "$pkg" ] || { echo "mkroot: cannot tell which kernel linux-image-amd64 depends on" >&2; exit 1; }
tmp=$(mktemp -d)
chmod 777 "$tmp" # apt-get download fetches as _apt
(cd "$tmp" && apt-get download "$pkg" >/dev/null)
# keep the merged-/usr symlinks (lib -> usr/lib) that a plain dpkg-deb -x would replace
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x --keep-directory-symlink -C "$dir"
# Debian's dracut package (it replaces initramfs-tools), installed in the dracut stage only
mkdir -p "$dir/var/cache/vbtest"
(cd "$tmp" && apt-get download dracut >/dev/null && mv dracut_*.deb "$dir/var/cache/vbtest/dracut.deb")
rm -rf "$tmp"
kver=${pkg#linux-image-}
depmod -b "$dir" "$kver"

# Small, fast images: only the modules the tests list, gzip.
printf 'MODULES=list\nCOMPRESS=gzip\n' >"$dir/etc/initramfs-tools/conf.d/vfio-boot-test.conf"
echo "$kver" >"$dir/.kver"
echo "$include" >"$dir/.complete"
