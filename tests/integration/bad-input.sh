#!/usr/bin/env bash
# The bad-input table: one row per input vfio-boot must refuse (or get through) cleanly, with
# the exit status and a fragment of the message it must give, and a check that nothing under
# the root changed (nor outside it, for the symlink rows).
#
# Each row runs on a fresh copy of the tutorial's machine (or of the machine `on` names) with
# 03:00.0 selected; SETUP is shell code run in the copy ($r) first, ARGS follow the binary,
# with @R@ standing for the copy's path.
set -u
. "$(dirname "$0")/lib.sh" bad

for m in tutorial-x99 amd-chipset-host-gpu; do
	python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/$m.listing" "$work/$m" >/dev/null ||
		{ echo "bad-input.sh: fixture $m does not build" >&2; exit 1; }
	vb "$work/$m" add -q --force "$( [ $m = tutorial-x99 ] && echo 03:00.0 || echo 07:00.0)" ||
		{ echo "bad-input.sh: add on $m failed" >&2; exit 1; }
done
mkdir -p "$work/outside"
chmod 755 "$work" # the unwritable-directory row runs as nobody

# Helpers for the SETUP column.
on() { rm -rf "$r" && cp -a "$work/$1" "$r"; }           # another machine
conf() { printf "$1" >"$r/etc/vfio-boot.conf"; }         # the selection, printf format
dev() { echo "$r/sys/bus/pci/devices/0000:$1"; }        # a device's sysfs directory
rom() { python3 - "$(dev "$1")/rom" "$2" "$3" <<'PY'; } # ROM: one x86 image of LENGTH units, cut to SIZE bytes
import struct, sys
path, units, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
b = bytearray(max(units, 1) * 512)
b[0:2] = b"\x55\xaa"; b[0x18:0x1a] = struct.pack("<H", 0x40)
b[0x40:0x44] = b"PCIR"; b[0x50:0x52] = struct.pack("<H", units); b[0x55] = 0x80
open(path, "wb").write(bytes(b[:size]))
PY
as_nobody() { # run the binary as nobody in a root it owns, but for one directory
	chown -R 65534:65534 "$r"
	chmod 555 "$r/$1"
	[ "$(id -u)" = 0 ] && runner=(setpriv --reuid=65534 --regid=65534 --clear-groups)
}

# row DESCRIPTION EXIT FRAGMENT SETUP ARGS...
row() {
	local what=$1 want=$2 fragment=$3 setup=$4 status
	shift 4
	r="$work/root" runner=()
	on tutorial-x99
	eval "$setup" || { not_ok "$what: setup failed"; return; }
	snapshot "$r" >"$work/before"
	snapshot "$work/outside" >"$work/outside-before"
	local args=("${@//@R@/$r}")
	"${runner[@]}" "$bin" "${args[@]}" >"$work/out" 2>"$work/err"
	status=$?
	if [ "$status" != "$want" ]; then
		not_ok "$what: exit $status, expected $want" "$(cat "$work/err")"
	elif ! grep -qF -- "$fragment" "$work/out" "$work/err"; then
		not_ok "$what: the output lacks '$fragment'" "$(cat "$work/out" "$work/err")"
	elif ! snapshot "$r" | cmp -s - "$work/before"; then
		not_ok "$what: files changed" "$(snapshot "$r" | diff "$work/before" -)"
	elif ! snapshot "$work/outside" | cmp -s - "$work/outside-before"; then
		not_ok "$what: files outside the root changed" "$(ls -la "$work/outside")"
	else
		ok "$what"
	fi
	chmod -R u+w "$r"
}
R=(--root=@R@ --sysroot=@R@)
long=$(head -c 1048576 /dev/zero | tr '\0' a)

# ---- the selection file ----------------------------------------------------------------------
row "config: unknown keyword" 1 "vfio-boot.conf:2: unknown keyword 'colour'" \
	'conf "device 0000:03:00.0 1002:67b1\ncolour red\n"' "${R[@]}" apply
row "config: bad address" 1 "vfio-boot.conf:1: 'zz:00.0' is not a PCI address" \
	'conf "device zz:00.0 1002:67b1\n"' "${R[@]}" apply
row "config: bad ID" 1 "vfio-boot.conf:1: '1002:' is not a vendor:device ID" \
	'conf "device 03:00.0 1002:\n"' "${R[@]}" apply
row "config: duplicate device" 1 "vfio-boot.conf:2: device 0000:03:00.0 is listed twice" \
	'conf "device 03:00.0 1002:67b1\ndevice 0000:03:00.0 1002:67b1\n"' "${R[@]}" apply
row "config: duplicate device, on add" 1 "vfio-boot.conf:2: device 0000:03:00.0 is listed twice" \
	'conf "device 03:00.0 1002:67b1\ndevice 0000:03:00.0 1002:67b1\n"' "${R[@]}" add 07:00.0
row "config: unknown allow= value" 1 "allow=frobnicate: not a refusal that can be allowed" \
	'conf "device 03:00.0 1002:67b1 allow=frobnicate\n"' "${R[@]}" apply
row "config: unknown method" 1 "method 'sideways': expected auto, ids or address" \
	'conf "method sideways\n"' "${R[@]}" apply
row "config: method set twice" 1 "vfio-boot.conf:2: 'method' is set twice" \
	'conf "method ids\nmethod address\n"' "${R[@]}" apply
row "config: unterminated quote" 1 "vfio-boot.conf:1: quotes are not part of the syntax" \
	'conf "method \"ids\n"' "${R[@]}" apply
row "config: binary junk is named, escaped" 1 "vfio-boot.conf:1: unknown keyword '\\x89PNG'" \
	'conf "\x89PNG\r\n\x1a\n\xff\xfe\x01 device\n"' "${R[@]}" apply
row "config: NUL bytes" 1 "the file contains NUL bytes: not a text file" \
	'conf "device 03:00.0 1002:67b1\n\0\n"' "${R[@]}" apply
row "config: a 1 MB line" 1 "vfio-boot.conf:2: line longer than 4096 bytes" \
	'conf "method ids\n$long\n"' "${R[@]}" apply
row "config: a directory" 1 "failed to read $work/root/etc/vfio-boot.conf: Is a directory" \
	'rm "$r/etc/vfio-boot.conf" && mkdir "$r/etc/vfio-boot.conf"' "${R[@]}" apply

# ---- DEVICE arguments -------------------------------------------------------------------------
row "DEVICE without a function" 2 "'03:00' is not a device" '' "${R[@]}" check 03:00
row "DEVICE not hex" 2 "'zz:00.0' is not a device" '' "${R[@]}" check zz:00.0
row "DEVICE half an ID" 2 "'1002:' is not a device" '' "${R[@]}" add 1002:
row "DEVICE absent" 1 "09:00.0: no such PCI device" '' "${R[@]}" add 09:00.0
row "DEVICE an ambiguous vendor:device lists the matches" 1 "0000:05:00.3" \
	'on amd-chipset-host-gpu' "${R[@]}" add 1022:149c
row "DEVICE the host's console GPU" 1 "refused (boot-vga)" '' "${R[@]}" add 04:00.0

# ---- roots and directories ------------------------------------------------------------------
row "--root is a file" 2 "--root=$work/root/etc/fstab: Not a directory" '' --root=@R@/etc/fstab scan
row "--sysroot does not exist" 2 "--sysroot=$work/root/nowhere: No such file or directory" '' --sysroot=@R@/nowhere scan
row "sysroot without sys/bus/pci" 1 "failed to open $work/root/proc/sys/bus/pci/devices" '' --sysroot=@R@/proc scan
row "an unwritable directory" 1 "failed to write /etc/modprobe.d/vfio-boot.conf: Permission denied" \
	'as_nobody etc/modprobe.d' "${R[@]}" apply
row "a symlink escaping the root (a directory written to)" 1 "(a symlink on the way is refused)" \
	'rm -r "$r/etc/modprobe.d" && ln -s "$work/outside" "$r/etc/modprobe.d"' "${R[@]}" apply
row "a symlink escaping the root (the state directory)" 1 "(a symlink on the way is refused)" \
	'mkdir -p "$r/var/lib" && ln -s "$work/outside" "$r/var/lib/vfio-boot"' "${R[@]}" apply
row "a symlink escaping the root (the generated file)" 1 "/etc/modprobe.d/vfio-boot.conf is a symlink, not a file vfio-boot can back up" \
	'ln -s "$work/outside/x.conf" "$r/etc/modprobe.d/vfio-boot.conf"' "${R[@]}" apply
row "apply --if-configured with a DEVICE" 2 "--if-configured takes no DEVICE" '' "${R[@]}" apply --if-configured 07:00.0
row "no /lib/modules" 1 "refused (no-kernels): no kernel module directory under $work/root/lib/modules" \
	'rm -r "$r/lib/modules"' "${R[@]}" apply
row "no update-initramfs on PATH" 1 "update-initramfs, needed to rebuild the boot files, is not on PATH" \
	'runner=(env PATH=/nonexistent VFIO_BOOT_TEST_RUN_COMMANDS=1)' "${R[@]}" apply
row "no update-initramfs on PATH, on revert" 1 "update-initramfs, needed to rebuild the boot files, is not on PATH" \
	'vb "$r" apply -q && runner=(env PATH=/nonexistent VFIO_BOOT_TEST_RUN_COMMANDS=1)' "${R[@]}" revert

# ---- hardware bytes and sysfs -----------------------------------------------------------------
row "a truncated ROM" 0 "the ROM is incomplete (its image chain breaks after 1 image in 1024 bytes" \
	'rom 03:00.0 128 1024' "${R[@]}" check --rom 03:00.0
row "a ROM whose image length is 0 (a loop)" 0 "the ROM is incomplete (its image chain breaks after 1 image in 512 bytes" \
	'rom 03:00.0 0 512' "${R[@]}" check --rom 03:00.0
row "a ROM with no image" 0 "the ROM holds no valid image (300 bytes)" \
	'head -c 300 /dev/zero >"$(dev 03:00.0)/rom"' "${R[@]}" check --rom 03:00.0
row "a dangling driver link" 0 '"driver": "gone"' \
	'ln -sfn ../../../../bus/pci/drivers/gone "$(dev 03:00.0)/driver"' "${R[@]}" scan --json
row "a group directory without devices" 0 '"id": 29' \
	'mkdir -p "$r/sys/kernel/iommu_groups/99/devices"' "${R[@]}" scan --json
row "a device without its vendor attribute" 1 "libpci: Cannot open" \
	'rm "$(dev 03:00.0)/vendor"' "${R[@]}" scan
row "a device whose class is junk" 0 '"address": "0000:03:00.0"' \
	'printf "\xff\xfe junk" >"$(dev 03:00.0)/class"' "${R[@]}" scan --json

# ---- profile's options ----------------------------------------------------------------------
P=(--root=@R@ --sysroot=@R@ profile --libvirt-version=9.0)
row "profile: unknown OS" 2 "--os=win7: expected windows11, windows10 or linux" '' "${P[@]}" --os=win7
row "profile: memory not a size" 2 "--memory=lots: a size in MiB" '' "${P[@]}" --memory=lots
row "profile: memory too small for Windows 11" 1 "Windows 11 needs at least 4096 MiB" '' "${P[@]}" --memory=2G
row "profile: no vCPUs" 2 "--vcpus=0: a number of vCPUs" '' "${P[@]}" --vcpus=0
row "profile: more vCPUs than the host can give" 1 "--vcpus=64: the host can give 10 CPUs while keeping the core with CPU 0" '' "${P[@]}" --vcpus=64
row "profile: the QEMU format cannot be defined" 2 "--define is for --format=libvirt" '' "${P[@]}" --format=qemu --define
row "profile: the QEMU format with no firmware" 1 "no UEFI firmware for q35 without Secure Boot" \
	'rm -r "$r/usr/share/qemu/firmware"' "${P[@]}" --format=qemu --os=linux
row "profile: an unknown format" 2 "--format=xml: expected libvirt, qemu, proxmox, kubevirt or nova" '' "${P[@]}" --format=xml
row "profile: KubeVirt with nothing bound at boot" 1 "--format=kubevirt: no device is bound at boot" \
	'conf "device 0000:03:00.0 1002:67b1 handoff\n"' "${P[@]}" --format=kubevirt
row "plan: a --selection file that does not exist" 1 "failed to read $work/nothing.conf: No such file or directory" '' \
	--root=@R@ --sysroot=@R@ plan --selection="$work/nothing.conf"
row "apply: --selection is for plan" 2 "option --selection does not apply to 'apply'" '' --root=@R@ --sysroot=@R@ apply --selection=/dev/null
row "profile: a libvirt too old" 1 "libvirt 4.4: vfio-boot writes domains for libvirt 4.5 or later" '' "${P[@]}" --libvirt-version=4.4
row "profile: the Secure Boot firmware hidden by an empty file in /etc" 1 "no UEFI firmware for q35 with Secure Boot in $work/root/usr/share/qemu/firmware" \
	'mkdir -p "$r/etc/qemu/firmware" && : >"$r/etc/qemu/firmware/40-edk2-x86_64-secure-enrolled.json"' "${P[@]}" --libvirt-version=6.0
row "profile: a libvirt version that is not one" 2 "--libvirt-version=nine: expected X.Y" '' "${P[@]}" --libvirt-version=nine
row "profile: a USB controller that is not one" 1 "--usb-controller=03:00.1: 0000:03:00.1 is not a USB controller" '' "${P[@]}" --usb-controller=03:00.1
row "profile: an absent USB controller" 1 "--usb-controller=09:00.0: no such PCI device" '' "${P[@]}" --usb-controller=09:00.0
row "profile: --rom without a file" 2 "profile: --rom needs a file: --rom=FILE" '' "${P[@]}" --rom
row "check: --rom with a file" 2 "check: --rom takes no value" '' "${R[@]}" check --rom=/x.rom
row "profile: a relative ROM path" 1 "--rom=x.rom: not an absolute path to a file" '' "${P[@]}" --rom=x.rom
row "profile: a relative disk path" 1 "--disk=win.qcow2: an absolute path is needed" '' "${P[@]}" --disk=win.qcow2
row "profile: a disk that holds the host's root filesystem" 1 "--disk=/dev/sda: sda holds a filesystem of the host's (sda1 mounted on /)" '' "${P[@]}" --disk=/dev/sda
row "profile: a disk in the host's fstab" 1 "--disk=/dev/sdb: sdb holds a filesystem of the host's (sdb1 in fstab for /srv/sdb1)" '' "${P[@]}" --disk=/dev/sdb
row "profile: the host's disk by its by-id name" 1 "sda holds a filesystem of the host's" '' "${P[@]}" --disk=/dev/disk/by-id/ata-Samsung_SSD_850_EVO_250GB_S2R5NX0H612345
row "profile: a /dev path that is no block device" 1 "--disk=/dev/nothing: not a block device" '' "${P[@]}" --disk=/dev/nothing
row "profile: a disk that is a directory" 1 "--disk=/tmp: neither an image file nor a block device" '' "${P[@]}" --disk=/tmp
row "profile: a name libvirt would not take" 1 "--name=my vm<1>: use letters, digits" '' "${P[@]}" "--name=my vm<1>"
row "profile: nothing selected" 1 "nothing is selected: select the guest's devices with 'vfio-boot add' first" \
	'rm "$r/etc/vfio-boot.conf"' "${P[@]}"
# (not a system error: no errno text after it)
grep -q "with 'vfio-boot add' first$" "$work/err" && ok "profile: nothing selected, without an errno text glued on" ||
	not_ok "profile: nothing selected, without an errno text glued on" "$(cat "$work/err")"
row "profile: an output file in a missing directory" 1 "failed to write $work/root/nowhere/vm.xml: No such file or directory" '' "${P[@]}" --output=@R@/nowhere/vm.xml
row "profile: a USB device given as a PCI address" 1 "--usb-device=03:00.0: expected VVVV:PPPP" '' "${P[@]}" --usb-device=03:00.0
row "profile: a relative evdev path" 1 "--evdev=event3: an absolute path" '' "${P[@]}" --evdev=event3
row "profile: evdev auto with a path" 1 "--evdev=auto: auto and none stand alone" '' "${P[@]}" --evdev=auto --evdev=/dev/input/event3
row "profile: evdev for a libvirt without it" 1 "evdev input needs libvirt 7.4 or later" '' "${P[@]}" --libvirt-version=7.2 --evdev=/dev/input/by-id/k-event-kbd
row "profile: a Looking Glass size that is not one" 2 "--looking-glass=1080p: a resolution, WIDTHxHEIGHT" '' "${P[@]}" --looking-glass=1080p
row "profile: --json" 2 "profile writes a domain XML or a script, not JSON" '' "${P[@]}" --json
row "profile: its options on another verb" 2 "option --vcpus does not apply to 'scan'" '' "${R[@]}" scan --vcpus=4

# messages that are not system errors carry no errno text ("...: Invalid argument")
for args in "--disk=win.qcow2" "--evdev=auto --evdev=/dev/input/event3"; do
	# shellcheck disable=SC2086 # two options in one word
	vb_exit 1 "$work/tutorial-x99" profile $args >/dev/null 2>"$work/err"
	if [ "$(wc -l <"$work/err")" = 1 ] && ! grep -q "Invalid argument\|No such file" "$work/err"; then ok "profile $args: one line, no errno text"
	else not_ok "profile $args: one line, no errno text" "$(cat "$work/err")"; fi
done
# a kernel without its module index: one message that says what makes it, and check says so
row "kernel: no module index" 1 "4.15.0-33-generic has no module index (modules.dep.bin): 'depmod 4.15.0-33-generic' makes it" \
	'rm "$r"/lib/modules/4.15.0-33-generic/modules.dep.bin' "${R[@]}" plan
[ "$(wc -l <"$work/err")" = 1 ] && ok "kernel: no module index, one line" || not_ok "kernel: no module index, one line" "$(cat "$work/err")"
row "kernel: no module index, in check" 1 "fix: run 'depmod 4.15.0-33-generic'" \
	'rm "$r"/lib/modules/4.15.0-33-generic/modules.dep.bin' "${R[@]}" check

# ---- -q and -v ---------------------------------------------------------------------------------
vbt() { "$bin" --root="$work/tutorial-x99" --sysroot="$work/tutorial-x99" "$@"; }
vbt check -q >"$work/out" 2>&1
if ! grep -q "^pass\|^skip" "$work/out" && grep -q "^warn  kernel-cmdline" "$work/out"; then ok "check -q prints only what needs attention"
else not_ok "check -q prints only what needs attention" "$(cat "$work/out")"; fi
vbt status -q >"$work/out" 2>&1
st=$?
[ $st = 0 ] && [ ! -s "$work/out" ] && ok "status -q prints nothing when nothing is applied" || not_ok "status -q prints nothing when nothing is applied" "exit $st: $(cat "$work/out")"
vbt plan >/dev/null 2>"$work/err0"
vbt -v plan >/dev/null 2>"$work/err1"
vbt -vv plan >/dev/null 2>"$work/err2"
if [ ! -s "$work/err0" ] && grep -q "22 PCI functions in 15 IOMMU groups" "$work/err1" && grep -q "vfio-boot.conf: 1 devices selected" "$work/err1" &&
	! grep -q "libkmod" "$work/err1" && grep -q "^vfio-boot: libkmod: [a-z_]*: " "$work/err2" && ! grep -q "^$" "$work/err2" &&
	grep -q "^vfio-boot: kernel 4.15.0-33-generic: modules in " "$work/err2"; then
	ok "plan: -v says what was read, -vv adds libkmod's messages one line each"
else not_ok "plan: -v says what was read, -vv adds libkmod's messages one line each" "$(cat "$work/err0" "$work/err1" "$work/err2" | head -20)"; fi

summary bad-input
