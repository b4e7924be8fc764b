#!/usr/bin/env bash
# make bench-apply (root): the time of `vfio-boot apply` with 1 and 3 kernels, in the Debian
# roots the boot tests build (tests/boot/run.sh leaves them in BOOT_WORK, default
# build/boot), for initramfs-tools and dracut. apply runs inside the root (chroot), as on a
# host: it writes its files, rebuilds every kernel's image with the root's own generator
# and reads each image back (verify). The root has no boot loader (--bootloader=none). The
# extra kernels are copies of the root's kernel under other versions, each with its image,
# as the boot tests' "kernel installed after apply". For dracut, its two ways of rebuilding
# three images, one at a time and --parallel, are also timed alone. Prints Markdown tables;
# BENCHMARKS.md records a run. Each figure is the better of two runs.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
boot_work=$(realpath "${BOOT_WORK:-$top/build/boot}")
[ "$(id -u)" = 0 ] || { echo "bench-apply: chroot needs root" >&2; exit 1; }
for f in root/.kver sys-different stage-initramfs-tools stage-dracut; do
	[ -e "$boot_work/$f" ] || { echo "bench-apply: no $boot_work/$f: run make check-boot first (BOOT_WORK=$boot_work)" >&2; exit 1; }
done
kver=$(cat "$boot_work/root/.kver")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vfio-boot-bench-apply.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
make -s -C "$top" BUILD="$tmp/build-usr" PREFIX=/usr all >/dev/null

stage=$tmp/stage
in_stage() { chroot "$stage" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
vb() { in_stage vfio-boot --sysroot=/vbsys --bootloader=none "$@"; }
# seconds COMMAND...: the wall time of the better of two runs, with a revert between
seconds() {
	local best=
	for _ in 1 2; do
		vb revert -q --no-rebuild >/dev/null 2>&1 || true
		local start=$EPOCHREALTIME
		"$@" >>"$tmp/log" 2>&1 || { echo "bench-apply: $* failed:" >&2; tail -20 "$tmp/log" >&2; exit 1; }
		best=$(awk -v s="$start" -v e="$EPOCHREALTIME" -v b="$best" 'BEGIN { t = e - s; print (b == "" || t < b) ? t : b }')
	done
	printf '%.1f s' "$best"
}
add_kernel() { # VERSION: a copy of the root's kernel, with its image
	cp -a "$stage/lib/modules/$kver" "$stage/lib/modules/$1"
	cp "$stage/boot/config-$kver" "$stage/boot/config-$1"
	cp "$stage/boot/vmlinuz-$kver" "$stage/boot/vmlinuz-$1"
	in_stage depmod "$1"
	case $gen in
	initramfs-tools) in_stage update-initramfs -c -k "$1" ;;
	dracut) in_stage dracut --force --kver "$1" ;;
	esac >>"$tmp/log" 2>&1
}

echo "| apply 01:00.0 (the GPU and its audio), images rebuilt and verified | 1 kernel | 3 kernels |"
echo "|---|---:|---:|"
declare -A alone
for gen in initramfs-tools dracut; do
	rm -rf "$stage"
	cp -a "$boot_work/stage-$gen" "$stage"
	make -s -C "$top" BUILD="$tmp/build-usr" PREFIX=/usr DESTDIR="$stage" install >/dev/null
	cp -a "$boot_work/sys-different" "$stage/vbsys"
	rm -rf "$stage/lib/modules/$kver"-* "$stage/boot/"*"-$kver"-* # kernels a boot test added
	vb revert -q --no-rebuild >/dev/null 2>&1 || true
	rm -f "$stage/etc/vfio-boot.conf" # the boot tests' last selection (handoff)
	: >"$tmp/log"
	one=$(seconds vb apply 01:00.0)
	add_kernel "$kver-bench2"
	add_kernel "$kver-bench3"
	three=$(seconds vb apply 01:00.0)
	how=$(sed -n 's/^running \(.*\)$/\1/p' "$tmp/log" | sort -u | paste -sd, | sed 's/,/, /g')
	echo "| $gen (\`$how\`) | $one | $three |"
	if [ "$gen" = dracut ]; then
		alone[seq]=$(seconds in_stage dracut --regenerate-all --force)
		alone[par]=$(seconds in_stage dracut --regenerate-all --force --parallel)
	fi
done
echo
echo "| dracut alone, 3 kernels | time |"
echo "|---|---:|"
echo "| \`dracut --regenerate-all --force\` (one image at a time) | ${alone[seq]} |"
echo "| \`dracut --regenerate-all --force --parallel\` | ${alone[par]} |"
