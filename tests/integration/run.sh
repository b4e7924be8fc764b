#!/usr/bin/env bash
# Integration tests: the real binary against fixture sysroots built from the listings in
# tests/fixtures/machines, compared with the golden files in tests/golden/<machine>/.
#
#   tests/integration/run.sh              run (BUILD=build by default)
#   UPDATE_GOLDEN=1 tests/integration/run.sh   rewrite the golden files; review the diff
#
# Golden files hold the JSON output with the fixture's path replaced by @ROOT@, and the
# exit status. Prints a TAP-like summary; exits 1 on any failure.
set -u
. "$(dirname "$0")/lib.sh" it

# One golden comparison: MACHINE NAME, then the command's arguments after the fixture
# options. The root is $work/MACHINE unless ROOT is set.
golden() {
	local machine=$1 name=$2
	shift 2
	local root="${ROOT:-$work/$machine}" dir="$top/tests/golden/$machine"
	local out status
	out=$("$bin" --root="$root" --sysroot="$root" "$@" 2>"$work/stderr")
	status=$?
	out=${out//"$root"/@ROOT@}
	if [ -n "${UPDATE_GOLDEN:-}" ]; then
		mkdir -p "$dir"
		printf '%s\n' "$out" >"$dir/$name.json"
		echo "$status" >"$dir/$name.exit"
	fi
	local want_status
	want_status=$(cat "$dir/$name.exit" 2>/dev/null || echo missing)
	if [ "$status" != "$want_status" ]; then
		not_ok "$machine $name: exit $status, expected $want_status" "$(cat "$work/stderr")"
	elif ! diff -u "$dir/$name.json" <(printf '%s\n' "$out") >"$work/diff"; then
		not_ok "$machine $name: output differs from tests/golden/$machine/$name.json" "$(head -40 "$work/diff")"
	else
		ok "$machine $name"
	fi
}

# One bad-input case: DESCRIPTION EXPECTED_EXIT STDERR_FRAGMENT ARGS...
expect_error() {
	local what=$1 want=$2 fragment=$3
	shift 3
	"$bin" "$@" >"$work/out" 2>"$work/err"
	local status=$?
	if [ "$status" != "$want" ]; then
		not_ok "$what: exit $status, expected $want" "$(cat "$work/err")"
	elif ! grep -qF -- "$fragment" "$work/err"; then
		not_ok "$what: stderr lacks '$fragment'" "$(cat "$work/err")"
	else
		ok "$what"
	fi
}

for listing in "$top"/tests/fixtures/machines/*.listing; do
	machine=$(basename "$listing" .listing)
	if ! python3 "$top/tests/fixtures/build-sysroot.py" "$listing" "$work/$machine" >"$work/build.log" 2>&1; then
		not_ok "$machine: fixture build" "$(cat "$work/build.log")"
		continue
	fi
	golden "$machine" scan scan --json
	golden "$machine" check check --json
	golden "$machine" check-rom check --json --rom
done

# Device arguments on the tutorial's machine: the guest GPU, the host's console, a
# vendor:device that matches two functions of one vendor (ambiguous), and one that is unique.
golden tutorial-x99 check-guest check --json 03:00.0
golden tutorial-x99 check-console check --json 0000:04:00.0
golden amd-chipset-host-gpu check-chipset-gpu check --json 04:00.0
golden nvidia-turing-4fn check-by-id check --json 10de:1e87
golden intel-igpu-amd-dgpu check-kernel check --json --kernel=6.12.57+deb12-amd64
golden intel-igpu-amd-dgpu check-missing-kernel check --json --kernel=5.10.0-99-amd64

t="$work/tutorial-x99"
# (bad input of every kind: tests/integration/bad-input.sh)

# The human table, byte for byte, on every fixture (tests/golden/*/scan-all.txt were written
# by the libsmartcols version of scan: the table printer that replaced it prints the same),
# and the ASCII tree of a locale that is not UTF-8.
for listing in "$top"/tests/fixtures/machines/*.listing; do
	machine=$(basename "$listing" .listing)
	LC_ALL=C.UTF-8 vb "$work/$machine" scan --all >"$work/human" 2>&1
	[ -n "${UPDATE_GOLDEN:-}" ] && cp "$work/human" "$top/tests/golden/$machine/scan-all.txt"
	if diff -u "$top/tests/golden/$machine/scan-all.txt" "$work/human" >"$work/diff"; then ok "$machine: scan --all as tests/golden/$machine/scan-all.txt"
	else not_ok "$machine: scan --all as tests/golden/$machine/scan-all.txt" "$(head -20 "$work/diff")"; fi
done
LC_ALL=C vb "$t" scan >"$work/human" 2>&1
[ -n "${UPDATE_GOLDEN:-}" ] && cp "$work/human" "$top/tests/golden/tutorial-x99/scan-c-locale.txt"
if diff -u "$top/tests/golden/tutorial-x99/scan-c-locale.txt" "$work/human" >"$work/diff"; then ok "scan in the C locale: the tree in ASCII"
else not_ok "scan in the C locale: the tree in ASCII" "$(head -20 "$work/diff")"; fi

# plan --selection=FILE: the plan of a selection not written yet, as if it were
printf 'device 0000:03:00.0 1002:67b1\n' >"$work/what-if.conf"
vb "$t" plan --json --selection="$work/what-if.conf" >"$work/what-if.json" 2>&1
st=$?
if [ $st = 0 ] && [ ! -e "$t/etc/vfio-boot.conf" ] && grep -q '"vfio-pci.ids=1002:67b1,1002:aac8"' "$work/what-if.json"; then
	ok "plan --selection: the plan of a selection file outside the root, which stays unwritten"
else not_ok "plan --selection: the plan of a selection file outside the root, which stays unwritten" "exit $st: $(head -20 "$work/what-if.json")"; fi

# Human output: GPU groups first, boot VGA marked, hidden groups counted.
vb "$t" scan >"$work/human" 2>&1
first=$(grep -m1 '^group' "$work/human" | sed 's/ *$//')
if [ "$first" = "group 29" ] && grep -q '\[boot VGA\].*Quadro' "$work/human" && grep -q 'not shown; --all shows them' "$work/human"; then
	ok "scan human output orders GPU groups first"
else
	not_ok "scan human output orders GPU groups first" "$(cat "$work/human")"
fi
if vb "$t" scan --all | grep -q 'ff:0f.6'; then ok "scan --all shows chipset groups"; else not_ok "scan --all shows chipset groups"; fi
n=$(sed -n 's/^IOMMU Group \([0-9]*\) .*/\1/p' "$top/tests/fixtures/machines/no-iommu.listing" | wc -l)
vb "$work/no-iommu" scan >"$work/human" 2>&1
if grep -q 'No IOMMU groups' "$work/human" && grep -q 'Fix: enable VT-d' "$work/human" && grep -q 'GM107' "$work/human" && [ "$n" = 0 ]; then
	ok "scan without IOMMU says so and lists devices"
else
	not_ok "scan without IOMMU says so and lists devices" "$(cat "$work/human")"
fi

# scan on an 80-column terminal (script(1) gives it one): no line is wider, and the models
# that tell the tutorial's cards apart are whole; through a pipe the names are not cut
script -qc "stty cols 80; $(printf '%q' "$bin") --root=$work/tutorial-x99 --sysroot=$work/tutorial-x99 scan" /dev/null >"$work/scan80" 2>&1
if python3 -c '
import sys
lines = open(sys.argv[1], encoding="utf-8").read().replace("\r", "").splitlines()
assert lines and max(len(l) for l in lines) <= 80, max(lines, key=len)
text = "\n".join(lines)
for want in ("Hawaii PRO [Radeon R9 290/390]", "ASM1142 USB 3.1 Host Controller", "[boot VGA] G94GL [Quadro FX 1800]"):
    assert want in text, want
' "$work/scan80" && vb "$work/tutorial-x99" scan | grep -q "Hawaii PRO \[Radeon R9 290/390\] (AMD/ATI VGA compatible controller)$"; then
	ok "scan at 80 columns: every line fits, the models are whole; a pipe gets the full names"
else not_ok "scan at 80 columns: every line fits, the models are whole; a pipe gets the full names" "$(cat "$work/scan80")"; fi

# check and plan tell one story about intel_iommu=on: on a kernel that turns VT-d on by
# itself (the identical-GPUs machine without the parameter), check says the IOMMU is on and
# that apply adds the parameter all the same, and plan adds it.
cp -a "$work/identical-gpus" "$work/vtd-default"
sed -i 's/ intel_iommu=on//' "$work/vtd-default/proc/cmdline"
vb "$work/vtd-default" check --json >"$work/out" 2>&1
vb "$work/vtd-default" add -q 02:00.0 >/dev/null 2>&1
vb "$work/vtd-default" plan --json >"$work/plan" 2>&1
if python3 -c '
import json, sys
check = {c["id"]: c for c in json.load(open(sys.argv[1]))["checks"]}
plan = json.load(open(sys.argv[2]))
c = check["kernel-cmdline"]
assert c["status"] == "pass", c
assert "without intel_iommu=on" in c["message"] and "adds it" in c["message"], c
assert "intel_iommu=on" in plan["kernel_cmdline"], plan["kernel_cmdline"]
' "$work/out" "$work/plan"; then ok "check and plan agree on intel_iommu=on where VT-d is on by default"
else not_ok "check and plan agree on intel_iommu=on where VT-d is on by default" "$(head -c 2000 "$work/out"; head -c 600 "$work/plan")"; fi

# ---- selection, policy and plan -------------------------------------------------------
# A scratch copy of a fixture machine, so that add/remove can write to it.
stage() {
	rm -rf "$work/stage-$1"
	cp -a "$work/$1" "$work/stage-$1"
	echo "$work/stage-$1"
}

# The intended guest device of each machine, then the plan.
plan_case() {
	local machine=$1
	shift
	local s
	s=$(stage "$machine")
	if vb "$s" add -q "$@" 2>"$work/err"; then
		ROOT=$s golden "$machine" plan plan --json
	else
		not_ok "$machine: add $*" "$(cat "$work/err")"
	fi
}
plan_case tutorial-x99 03:00.0 07:00.0
plan_case intel-igpu-amd-dgpu 03:00.0
plan_case amd-chipset-host-gpu 07:00.0
plan_case identical-gpus 02:00.0
plan_case nvidia-turing-4fn 10de:1e87
plan_case laptop-3d-controller 01:00.0

# dracut as the initramfs generator (Debian's dracut package installs its kernel hook)
s=$(stage identical-gpus)
mkdir -p "$s/etc/kernel/postinst.d" && printf '#!/bin/sh\n' >"$s/etc/kernel/postinst.d/dracut"
if vb "$s" add -q 02:00.0 2>"$work/err"; then
	ROOT=$s golden identical-gpus plan-dracut plan --json
else not_ok "identical-gpus: add for dracut" "$(cat "$work/err")"; fi
vb "$s" generate dracut >"$work/dracut.conf"
got=$(bash -c '. "$1"; echo "$force_drivers|$install_items|$add_dracutmodules"' _ "$work/dracut.conf" | tr -s ' ')
if [ "$got" = " vfio_pci vfio_iommu_type1 | /etc/modprobe.d/vfio-boot.conf /etc/vfio-boot/devices.conf | vfio-boot " ]; then
	ok "the dracut configuration, sourced as dracut does, asks for the vfio modules, our files and our module"
else not_ok "the dracut configuration, sourced as dracut does, asks for the vfio modules, our files and our module" "$got"; fi

# Refusals: the selection is written by hand (add would refuse it), plan reports the codes.
refusal_case() {
	local machine=$1 name=$2 device_line=$3
	local s
	s=$(stage "$machine")
	printf 'method auto\n%s\n' "$device_line" >"$s/etc/vfio-boot.conf"
	ROOT=$s golden "$machine" "$name" plan --json
}
refusal_case tutorial-x99 plan-refused-console "device 0000:04:00.0 10de:0638"
refusal_case amd-chipset-host-gpu plan-refused-chipset "device 0000:04:00.0 10de:128b"
refusal_case no-iommu plan-refused-single "device 0000:01:00.0 10de:1380"
refusal_case tutorial-x99 plan-refused-changed "device 0000:03:00.0 1002:67df"
refusal_case tutorial-x99 plan-refused-absent "device 0000:09:00.0 1002:67b1"
refusal_case amd-chipset-host-gpu plan-forced-chipset "device 0000:04:00.0 10de:128b allow=boot-vga,group-not-viable,host-disk"

# add refuses, names the --force, and writes nothing.
s=$(stage tutorial-x99)
expect_error "add refuses the console GPU" 1 "refused (boot-vga)" --root="$s" --sysroot="$s" add 04:00.0
if [ ! -e "$s/etc/vfio-boot.conf" ]; then ok "a refused add writes nothing"; else not_ok "a refused add writes nothing"; fi
expect_error "add of an absent device" 1 "09:00.0: no such PCI device" --root="$s" --sysroot="$s" add 09:00.0
vb "$s" add --dry-run 03:00.0 >"$work/out" 2>&1
if grep -q '^  +device 0000:03:00.0 1002:67b1 174b:e324' "$work/out" && [ ! -e "$s/etc/vfio-boot.conf" ]; then
	ok "add --dry-run shows the line and writes nothing"
else not_ok "add --dry-run shows the line and writes nothing" "$(cat "$work/out")"; fi

# add --force records the accepted refusals; a later plan needs no --force.
s=$(stage amd-chipset-host-gpu)
if vb "$s" add -q --force 04:00.0 && grep -q '^device 0000:04:00.0 10de:128b 10de:128b allow=boot-vga,group-not-viable,host-disk' "$s/etc/vfio-boot.conf" &&
	vb "$s" plan >/dev/null 2>&1; then
	ok "add --force records allow= and plan accepts it"
else not_ok "add --force records allow= and plan accepts it" "$(cat "$s/etc/vfio-boot.conf")"; fi

# Editing keeps the user's comments; remove takes the line out; both by identity too.
s=$(stage tutorial-x99)
printf '# my VM\nmethod auto   # keep\niommu-pt yes\n' >"$s/etc/vfio-boot.conf"
vb "$s" add -q 03:00.0 1b21:1242 && vb "$s" remove 1002:67b1
printf '# my VM\nmethod auto   # keep\niommu-pt yes\ndevice 0000:07:00.0 1b21:1242 1b21:1242  # ASM1142 USB 3.1 Host Controller\n' >"$work/want"
if diff -u "$work/want" "$s/etc/vfio-boot.conf" >"$work/diff"; then ok "add and remove keep the user's lines"; else not_ok "add and remove keep the user's lines" "$(cat "$work/diff")"; fi
expect_error "remove of an unselected device" 1 "03:00.0 is not selected" --root="$s" --sysroot="$s" remove 03:00.0

# The generated files, read by their real consumers.
s=$(stage tutorial-x99)
vb_ok "$s" add -q 03:00.0 07:00.0
mkdir -p "$work/modprobe.d"
vb "$s" generate modprobe >"$work/modprobe.d/vfio-boot.conf"
if command -v modprobe >/dev/null || [ -x /sbin/modprobe ]; then
	mp=$(command -v modprobe || echo /sbin/modprobe)
	"$mp" -C "$work/modprobe.d" --showconfig >"$work/showconfig" 2>&1
	if grep -qx 'options vfio_pci ids=1002:67b1,1002:aac8,1b21:1242' "$work/showconfig" &&
		grep -qx 'softdep radeon pre: vfio-pci' "$work/showconfig" && grep -qx 'softdep amdgpu pre: vfio-pci' "$work/showconfig" &&
		grep -qx 'softdep snd_hda_intel pre: vfio-pci' "$work/showconfig" && grep -qx 'softdep xhci_pci pre: vfio-pci' "$work/showconfig"; then
		ok "kmod reads our options and softdeps (modprobe --showconfig)"
	else not_ok "kmod reads our options and softdeps (modprobe --showconfig)" "$(grep -e vfio -e softdep "$work/showconfig")"; fi
	# and resolves the load order against the fixture's own module indexes
	"$mp" -C "$work/modprobe.d" -d "$s" -S 4.15.0-33-generic --show-depends radeon >"$work/deps" 2>&1
	# (vfio-pci through our install line, the kill switch, which runs modprobe --ignore-install)
	"$mp" -C "$work/modprobe.d" -d "$s" -S 4.15.0-33-generic --show-depends --ignore-install vfio-pci >>"$work/deps" 2>&1
	if grep -q '^install .*exec /sbin/modprobe --ignore-install vfio-pci .* ids=1002:67b1,1002:aac8,1b21:1242 *$' "$work/deps" &&
		[ "$(grep -n 'radeon.ko' "$work/deps" | cut -d: -f1)" -gt "$(grep -n '^install ' "$work/deps" | cut -d: -f1)" ] &&
		grep -q 'vfio-pci.ko ids=1002:67b1,1002:aac8,1b21:1242' "$work/deps"; then
		ok "modprobe loads vfio-pci with its ids before radeon"
	else not_ok "modprobe loads vfio-pci with its ids before radeon" "$(cat "$work/deps")"; fi
else
	not_ok "modprobe is needed for the kmod round trip (apt-get install kmod)"
fi
vb "$s" generate grub >"$work/grub.cfg"
got=$(sh -c '. "$1/etc/default/grub"; . "$2"; printf %s "$GRUB_CMDLINE_LINUX_DEFAULT"' sh "$s" "$work/grub.cfg")
if [ "$got" = "quiet splash iommu=pt iommu=1 intel_iommu=on intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8,1b21:1242" ]; then
	ok "the GRUB drop-in appends to GRUB_CMDLINE_LINUX_DEFAULT"
else not_ok "the GRUB drop-in appends to GRUB_CMDLINE_LINUX_DEFAULT" "$got"; fi
# the way back: the arguments Debian's 10_linux gives the normal and the recovery entries
# ("${GRUB_CMDLINE_LINUX} ${GRUB_CMDLINE_LINUX_DEFAULT}"; recovery: the recovery variable,
# to which 10_linux appends "single", then GRUB_CMDLINE_LINUX)
got=$(sh -c '. "$1/etc/default/grub"; . "$2"; GRUB_CMDLINE_LINUX_RECOVERY="$GRUB_CMDLINE_LINUX_RECOVERY single"
	printf "normal:%s %s|recovery:%s %s" "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT" "$GRUB_CMDLINE_LINUX_RECOVERY" "$GRUB_CMDLINE_LINUX"' sh "$s" "$work/grub.cfg" | tr -s ' ')
case $got in
"normal: quiet splash iommu=pt iommu=1 intel_iommu=on intel_iommu=on vfio-pci.ids=1002:67b1,1002:aac8,1b21:1242|recovery: vfio-boot=off single ") ok "GRUB's recovery entries get vfio-boot=off, the normal ones do not" ;;
*) not_ok "GRUB's recovery entries get vfio-boot=off, the normal ones do not" "$got" ;;
esac
r=$(stage tutorial-x99)
vb_ok "$r" add -q 03:00.0
echo 'GRUB_DISABLE_RECOVERY="true"' >"$r/etc/default/grub.d/50-local.cfg"
vb "$r" plan >"$work/out" 2>&1
grep -q "GRUB's recovery entries are turned off (GRUB_DISABLE_RECOVERY=true in /etc/default/grub.d/50-local.cfg).*add vfio-boot=off to the linux line" "$work/out" &&
	ok "plan says when the boot menu has no recovery entry, and what to do instead" || not_ok "plan says when the boot menu has no recovery entry, and what to do instead" "$(cat "$work/out")"
# a boot loader without GRUB's drop-in directory gets no recovery entry: plan says so, and the
# man page's way of keeping one gives a BLS entry with the kill switch
r=$(stage tutorial-x99)
rm -r "$r/etc/default/grub.d" "$r/etc/default/grub"
vb_ok "$r" add -q 03:00.0
vb "$r" plan >"$work/out" 2>&1
grep -q "vfio-boot adds no recovery entry to this boot loader.*RECOVERY in vfio-boot(8)" "$work/out" &&
	ok "plan says when the boot loader gets no recovery entry" || not_ok "plan says when the boot loader gets no recovery entry" "$(cat "$work/out")"
printf 'title Debian\nversion 6.1.0\nlinux /vmlinuz-6.1.0\noptions root=UUID=x ro quiet\n' >"$work/ENTRY.conf"
snippet=$(grep -o "^sed -e '/^title.*ENTRY-vfio-boot-off.conf" "$top/man/vfio-boot.8.scd")
(cd "$work" && eval "$snippet")
if grep -qx 'title Debian (vfio-boot=off)' "$work/ENTRY-vfio-boot-off.conf" && grep -qx 'options root=UUID=x ro quiet vfio-boot=off' "$work/ENTRY-vfio-boot-off.conf"; then
	ok "the man page's systemd-boot recovery entry step adds vfio-boot=off"
else not_ok "the man page's systemd-boot recovery entry step adds vfio-boot=off" "$snippet"; fi
vb "$s" generate initramfs-tools >"$work/hook"
if sh -n "$work/hook" && { ! command -v shellcheck >/dev/null || shellcheck -s sh -e SC1091 "$work/hook"; }; then
	ok "the initramfs-tools hook is valid sh"
else not_ok "the initramfs-tools hook is valid sh" "$(cat "$work/hook")"; fi
vb "$s" plan --json >"$work/p1"; vb "$s" plan --json >"$work/p2"
if cmp -s "$work/p1" "$work/p2"; then ok "plan output is deterministic"; else not_ok "plan output is deterministic"; fi
expect_error "generate: an unknown target" 2 "unknown target 'foo'" --root="$s" --sysroot="$s" generate foo
expect_error "generate: a target of another boot setup" 1 "/etc/mkinitcpio.conf.d/vfio-boot.conf is not part of this system's plan (boot loader none, initramfs initramfs-tools)" --root="$s" --sysroot="$s" generate mkinitcpio
expect_error "generate: the VM targets are profile's" 1 "'vfio-boot profile --format=qemu' writes the qemu script" --root="$s" --sysroot="$s" generate qemu

# ---- the boot-time helper, on a copy of the identical-GPUs machine -------------------------
h=$(stage identical-gpus)
vb "$h" add -q 02:00.0 && vb "$h" generate devices >"$work/devices.conf"
mkdir -p "$h/etc/vfio-boot" && cp "$work/devices.conf" "$h/etc/vfio-boot/devices.conf"
printf 'device 0000:01:00.0 1002:67df 9999:0001  # a subsystem that is not there\n' >>"$h/etc/vfio-boot/devices.conf"
out=""
for a in 0000:01:00.0 0000:01:00.1 0000:02:00.0 0000:02:00.1 0000:00:17.0; do
	out="$out $a=$(VFIO_BOOT_BIND_ROOT=$h "$helper" "$a" | tr -d '\n')"
done
if [ "$out" = " 0000:01:00.0= 0000:01:00.1= 0000:02:00.0=VFIO_BOOT_BIND=1 0000:02:00.1=VFIO_BOOT_BIND=1 0000:00:17.0=" ] &&
	[ "$(cat "$h/sys/bus/pci/devices/0000:02:00.0/driver_override")" = vfio-pci ] &&
	[ "$(cat "$h/sys/bus/pci/devices/0000:01:00.0/driver_override")" = "(null)" ] &&
	grep -q 'vfio-boot: 0000:01:00.0 is a 1002:67df with subsystem 1da2:e366, not the configured 9999:0001: skipped' "$h/dev/kmsg" &&
	grep -q 'vfio-boot: 0000:02:00.0: taken from amdgpu' "$h/dev/kmsg" && [ "$(cat "$h/sys/bus/pci/drivers/amdgpu/unbind")" = 0000:02:00.0 ]; then
	ok "helper: binds the selected twin by address, leaves the host's, checks identity, logs to kmsg"
else not_ok "helper: binds the selected twin by address, leaves the host's, checks identity, logs to kmsg" "$out $(cat "$h/dev/kmsg")"; fi
h=$(stage identical-gpus)
mkdir -p "$h/etc/vfio-boot" && cp "$work/devices.conf" "$h/etc/vfio-boot/devices.conf"
echo "BOOT_IMAGE=/boot/vmlinuz ro quiet vfio-boot=off" >"$h/proc/cmdline"
got=$(VFIO_BOOT_BIND_ROOT=$h "$helper" 0000:02:00.0)
if [ -z "$got" ] && [ "$(cat "$h/sys/bus/pci/devices/0000:02:00.0/driver_override")" = "(null)" ] && grep -q 'vfio-boot=off' "$h/dev/kmsg"; then
	ok "helper: vfio-boot=off switches it off"
else not_ok "helper: vfio-boot=off switches it off" "$got"; fi
printf 'device zz\n' >"$h/etc/vfio-boot/devices.conf"
echo "ro quiet" >"$h/proc/cmdline"
got=$(VFIO_BOOT_BIND_ROOT=$h "$helper" 0000:02:00.0; echo "/$?")
[ "$got" = "/0" ] && grep -q 'devices.conf:1: ' "$h/dev/kmsg" && ok "helper: a broken device list binds nothing and never fails" || not_ok "helper: a broken device list binds nothing and never fails" "$got"
rm -rf "$h/etc/vfio-boot"
got=$(VFIO_BOOT_BIND_ROOT=$h "$helper" 0000:02:00.0; echo "/$?")
[ "$got" = "/0" ] && ok "helper: without a device list it does nothing" || not_ok "helper: without a device list it does nothing"

# ---- bind and unbind, live, on a copy of the tutorial's machine ----------------------------
# A fake sysfs has no kernel behind it: the driver links do not move, so these tests check
# what vfio-boot writes and refuses; tests/boot proves the moves on a real kernel.
l=$(stage tutorial-x99)
dev=$l/sys/bus/pci/devices
expect_error "bind: vfio-pci not loaded under --sysroot" 1 "vfio-pci is not loaded in $l" --root="$l" --sysroot="$l" bind 03:00.0
mkdir -p "$l/sys/bus/pci/drivers/vfio-pci" && : >"$l/sys/bus/pci/drivers/vfio-pci/bind" && : >"$l/sys/bus/pci/drivers/vfio-pci/unbind"
vb_exit 1 "$l" bind 03:00.0 >"$work/out" 2>"$work/err"
st=$?
if [ $st = 1 ] && [ "$(cat "$dev/0000:03:00.0/driver_override")" = vfio-pci ] &&
	[ "$(cat "$dev/0000:03:00.1/driver_override")" = vfio-pci ] &&
	[ "$(cat "$l/sys/bus/pci/drivers/radeon/unbind")" = 0000:03:00.0 ] &&
	[ "$(cat "$l/sys/bus/pci/drivers/vfio-pci/bind")" = 0000:03:00.1 ] &&
	grep -q '0000:03:00.0 is on radeon after the move' "$work/err"; then
	ok "bind: sets driver_override on the slot's functions, unbinds, binds vfio-pci, checks the result"
else not_ok "bind: sets driver_override on the slot's functions, unbinds, binds vfio-pci, checks the result" "exit $st $(cat "$work/err")"; fi
# the host's console GPU, in use by fbcon and a display server
mkdir -p "$l/sys/class/vtconsole/vtcon1" "$l/sys/class/graphics/fb0" "$dev/0000:04:00.0/drm/card0" "$l/proc/4242/fd"
echo "frame buffer device" >"$l/sys/class/vtconsole/vtcon1/name" && echo 1 >"$l/sys/class/vtconsole/vtcon1/bind"
ln -s "$(readlink -f "$dev/0000:04:00.0")" "$l/sys/class/graphics/fb0/device"
echo Xorg >"$l/proc/4242/comm" && ln -s /dev/dri/card0 "$l/proc/4242/fd/7"
expect_error "bind: refuses the boot GPU while the console and a display server use it" 1 \
	"0000:04:00.0 is the boot VGA device and in use: Xorg (pid 4242) has /dev/dri/card0 open, the console (fbcon on fb0)" \
	--root="$l" --sysroot="$l" bind 04:00.0
[ "$(cat "$dev/0000:04:00.0/driver_override")" = "(null)" ] && ok "bind: a refusal writes nothing" || not_ok "bind: a refusal writes nothing"
echo 0 >"$l/sys/class/vtconsole/vtcon1/bind" && rm "$l/proc/4242/fd/7"
vb "$l" bind --dry-run 04:00.0 >"$work/out" 2>"$work/err"
if [ $? = 0 ] && grep -q 'nothing uses it now' "$work/err" && grep -q 'would move 0000:04:00.0 .*from nouveau' "$work/out" &&
	[ "$(cat "$dev/0000:04:00.0/driver_override")" = "(null)" ]; then
	ok "bind: the boot GPU is allowed when nothing uses it; --dry-run writes nothing"
else not_ok "bind: the boot GPU is allowed when nothing uses it; --dry-run writes nothing" "$(cat "$work/out" "$work/err")"; fi
expect_error "bind: a group that holds the host's disk is refused" 1 "refused (host-disk)" --root="$l" --sysroot="$l" bind 00:1f.3
# unbind: the slot on vfio-pci goes back to the driver its modalias resolves to
for f in 0 1; do ln -sfn "$l/sys/bus/pci/drivers/vfio-pci" "$(readlink -f "$dev/0000:03:00.$f")/driver"; done
mkdir -p "$l/proc/sys/kernel" && echo 4.15.0-33-generic >"$l/proc/sys/kernel/osrelease"
mkdir -p "$l/sys/module/amdgpu/drivers" "$l/sys/module/radeon/drivers"
ln -s ../../../bus/pci/drivers/radeon "$l/sys/module/radeon/drivers/pci:radeon"
: >"$l/sys/bus/pci/drivers/radeon/bind"
vb_exit 1 "$l" unbind --json 03:00.0 >"$work/out" 2>"$work/err"
st=$?
if [ $st = 1 ] && [ "$(cat "$dev/0000:03:00.0/driver_override")" = "" ] && [ "$(cat "$dev/0000:03:00.1/driver_override")" = "" ] &&
	[ "$(cat "$l/sys/bus/pci/drivers/radeon/bind")" = 0000:03:00.0 ] &&
	grep -q '0000:03:00.1' "$l/sys/bus/pci/drivers/vfio-pci/unbind" && [ "$(cat "$l/sys/bus/pci/drivers_probe")" = 0000:03:00.1 ] &&
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [(x["address"],x["reason"],x["ok"]) for x in d]==[("0000:03:00.0","selected",False),("0000:03:00.1","same-slot",False)]' "$work/out"; then
	ok "unbind: clears the override, unbinds vfio-pci, binds the modalias's driver (radeon), else lets the kernel probe"
else not_ok "unbind: clears the override, unbinds vfio-pci, binds the modalias's driver (radeon), else lets the kernel probe" "exit $st $(cat "$work/out" "$work/err")"; fi

# ---- verify: images made here with cpio and each compressor ---------------------------------
v=$(stage identical-gpus)
vb "$v" apply -q 02:00.0 >/dev/null 2>&1
kvers=$(ls "$v/lib/modules")
# mkimage DIR COMPRESSOR [EXTRA]: an image for every kernel, with an uncompressed
# early-microcode archive in front; EXTRA=stale changes the device list, EXTRA=no-rule drops
# the udev rule, EXTRA=stale-rule gives it an address no longer selected
mkimage() {
	local compress=$1 extra=${2:-} kver img
	for kver in $kvers; do
		img=$(mktemp -d "$work/img.XXXXXX")
		(cd "$v" && find "lib/modules/$kver" -name 'vfio*' | cpio -pdm --quiet "$img")
		mkdir -p "$img/etc/modprobe.d" "$img/etc/vfio-boot" "$img/usr/local/libexec/vfio-boot" "$img/usr/lib/udev/rules.d"
		cp "$v/etc/modprobe.d/vfio-boot.conf" "$img/etc/modprobe.d/"
		cp "$v/etc/vfio-boot/devices.conf" "$img/etc/vfio-boot/"
		cp "$top/$build/vfio-boot-bind" "$img/usr/local/libexec/vfio-boot/"
		cp "$v/etc/udev/rules.d/60-vfio-boot.rules" "$img/usr/lib/udev/rules.d/"
		ln -s usr/lib "$img/lib"
		[ "$extra" = stale ] && echo "device 0000:09:00.0 1002:67df" >>"$img/etc/vfio-boot/devices.conf"
		[ "$extra" = no-rule ] && rm "$img/usr/lib/udev/rules.d/60-vfio-boot.rules"
		[ "$extra" = stale-rule ] && sed -i 's/KERNEL=="0000:02:00.0"/KERNEL=="0000:09:00.0"/' "$img/usr/lib/udev/rules.d/60-vfio-boot.rules"
		[ "$extra" = no-virqfd ] && find "$img" -name 'vfio[-_]virqfd.ko*' -delete
		[ "$extra" = other-prefix ] && mkdir -p "$img/usr/libexec/vfio-boot" &&
			mv "$img/usr/local/libexec/vfio-boot/vfio-boot-bind" "$img/usr/libexec/vfio-boot/"
		mkdir -p "$img.ucode/kernel/x86/microcode" && echo ucode >"$img.ucode/kernel/x86/microcode/GenuineIntel.bin"
		{
			(cd "$img.ucode" && find . | cpio -o -H newc --quiet)
			(cd "$img" && find . | cpio -o -H newc --quiet | $compress)
		} >"$v/boot/initrd.img-$kver"
		rm -rf "$img" "$img.ucode"
	done
}
mkdir -p "$v/boot"
for c in "gzip -n" "zstd -q" "xz --check=crc32" "lz4 -l -q" "lzma"; do
	command -v "${c%% *}" >/dev/null || { echo "# skip: ${c%% *} not installed"; continue; }
	mkimage "$c"
	if vb "$v" verify --json >"$work/verify.json" && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["binds"] and all(k["items"][0]["message"].endswith("in 2 archives, " + sys.argv[2]) for k in d["kernels"])' "$work/verify.json" "$(case ${c%% *} in lz4) echo lz4 ;; *) echo "${c%% *}" ;; esac)"; then
		ok "verify reads an image compressed with ${c%% *} behind an uncompressed microcode archive"
	else not_ok "verify reads an image compressed with ${c%% *} behind an uncompressed microcode archive" "$(cat "$work/verify.json")"; fi
done
mkimage "gzip -n" stale
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q 'missing  devices .*/etc/vfio-boot/devices.conf in the image is stale.*update-initramfs -u -k' "$work/out" && ok "verify names the stale file and the rebuild" || not_ok "verify names the stale file and the rebuild" "$(cat "$work/out")"
mkimage "gzip -n" no-rule
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q 'missing  rule .*the udev rule /etc/udev/rules.d/60-vfio-boot.rules is not in the image' "$work/out" && ok "verify: an image without the udev rule does not bind" || not_ok "verify: an image without the udev rule does not bind" "$(cat "$work/out")"
mkimage "gzip -n" stale-rule
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q 'missing  rule .*/lib/udev/rules.d/60-vfio-boot.rules in the image is stale' "$work/out" &&
	ok "verify: an image whose rule runs the helper for other addresses does not bind" ||
	not_ok "verify: an image whose rule runs the helper for other addresses does not bind" "$(cat "$work/out")"
mkimage "gzip -n" other-prefix
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q 'missing  helper .*/usr/local/libexec/vfio-boot/vfio-boot-bind is not in the image, /usr/libexec/vfio-boot/vfio-boot-bind is: two installs of vfio-boot with different prefixes' "$work/out" &&
	ok "verify: a helper from another install's prefix is named as such" || not_ok "verify: a helper from another install's prefix is named as such" "$(cat "$work/out")"
mkimage "zstd -q"
k1=$(echo "$kvers" | head -1)
head -c 20000 "$v/boot/initrd.img-$k1" >"$work/cut" && mv "$work/cut" "$v/boot/initrd.img-$k1"
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q "initrd.img-$k1 cannot be read as an initramfs image: unreadable: Truncated zstd input" "$work/out" && ok "verify: a truncated image is reported, not a crash" || not_ok "verify: a truncated image is reported, not a crash" "$(cat "$work/out")"
head -c 5000 /dev/urandom >"$v/boot/initrd.img-$k1"
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q "initrd.img-$k1 cannot be read as an initramfs image" "$work/out" && ok "verify: a corrupted image is reported, not a crash" || not_ok "verify: a corrupted image is reported, not a crash" "$(cat "$work/out")"
rm "$v/boot/initrd.img-$k1"
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q "no initramfs image for $k1" "$work/out" && ok "verify: a missing image is reported with the command that builds it" || not_ok "verify: a missing image is reported with the command that builds it" "$(cat "$work/out")"

# a kernel (4.15) whose vfio-pci needs vfio_virqfd: an image without it does not bind
v=$(stage tutorial-x99)
vb "$v" apply -q 03:00.0 >/dev/null 2>&1
kvers=$(ls "$v/lib/modules")
mkdir -p "$v/boot"
mkimage "gzip -n"
vb "$v" verify >"$work/out" 2>&1 && ok "verify: every vfio module each kernel needs is in its image" || not_ok "verify: every vfio module each kernel needs is in its image" "$(cat "$work/out")"
mkimage "gzip -n" no-virqfd
vb_exit 1 "$v" verify >"$work/out" 2>&1
[ $? = 1 ] && grep -q 'Kernel 4.15.0-33-generic: will NOT bind' "$work/out" && grep -q 'missing  vfio-pci .*vfio_virqfd, which vfio-pci needs, is not in the image' "$work/out" &&
	ok "verify: an image without a module vfio-pci needs does not bind" || not_ok "verify: an image without a module vfio-pci needs does not bind" "$(cat "$work/out")"
v=$(stage identical-gpus)
vb "$v" apply -q 02:00.0 >/dev/null 2>&1
kvers=$(ls "$v/lib/modules")
mkdir -p "$v/boot"

# the command line the boot loader passes: grub.cfg, else BLS entries, else /etc/kernel/cmdline
mkimage "gzip -n"
verify_cmdline() { # DESCRIPTION WANT_EXIT PATTERN
	vb_exit "$2" "$v" verify >"$work/out" 2>&1
	local st=$?
	if [ $st = "$2" ] && grep -q "$3" "$work/out"; then ok "verify: $1"; else not_ok "verify: $1" "exit $st $(cat "$work/out")"; fi
}
verify_cmdline "without any boot loader file the command line is unknown, not a failure" 0 "unknown  cmdline .*cannot be read"
mkdir -p "$v/boot/grub"
for kver in $kvers; do printf 'menuentry "Debian" {\n\tlinux /boot/vmlinuz-%s root=UUID=x ro quiet\n}\n' "$kver"; done >"$v/boot/grub/grub.cfg"
verify_cmdline "a grub.cfg entry without the parameters does not bind" 1 "missing  cmdline .*/boot/grub/grub.cfg does not pass intel_iommu=on to .*'update-grub' regenerates it"
sed -i 's/ quiet$/ quiet intel_iommu=on,sm_on/' "$v/boot/grub/grub.cfg"
verify_cmdline "a grub.cfg entry with the parameters binds" 0 "ok       cmdline .*/boot/grub/grub.cfg passes the parameters"
rm -r "$v/boot/grub"
mkdir -p "$v/boot/loader/entries"
for kver in $kvers; do printf 'title Fedora\nversion %s\nlinux /vmlinuz-%s\noptions root=UUID=x ro rhgb\n' "$kver" "$kver" >"$v/boot/loader/entries/x-$kver.conf"; done
verify_cmdline "a BLS entry without the parameters does not bind" 1 "missing  cmdline .*/boot/loader/entries/x-.*.conf does not pass intel_iommu=on"
rm -r "$v/boot/loader"
mkdir -p "$v/etc/kernel" && echo "root=UUID=x ro intel_iommu=on" >"$v/etc/kernel/cmdline"
verify_cmdline "/etc/kernel/cmdline with the parameters binds" 0 "ok       cmdline .*/etc/kernel/cmdline passes the parameters"

# not_offered FILE BEFORE AFTER: the options and verbs of --help that FILE does not name, each
# looked for after a character of the class BEFORE (or at a line's start) and before one of
# the alternatives AFTER
not_offered() {
	local o
	for o in $("$bin" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u) $("$bin" --help | sed -n '/^Verbs:/,/^$/p' | awk '/^  [a-z]/ {print $1}'); do
		grep -qE -- "(^|$2)$o($3)" "$1" || printf ' %s' "$o"
	done
}

# ---- bash completion ---------------------------------------------------------------------------
# complete LINE: what the completion offers for LINE (cursor at its end), one per line
complete_line() {
	bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; COMP_LINE=$2; COMP_POINT=${#2}
		read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _vfio_boot; printf "%s\n" "${COMPREPLY[@]}"' _ "$top/completions/vfio-boot.bash" "$1"
}
if [ -r /usr/share/bash-completion/bash_completion ]; then
	fx="$work/tutorial-x99"
	got=$(complete_line "vfio-boot ap" | tr '\n' ' ')
	[ "$got" = "apply " ] && ok "completion: verbs" || not_ok "completion: verbs" "$got"
	got=$(complete_line "vfio-boot --sysroot=$fx bind 03" | tr '\n' ' ')
	[ "$got" = "03:00.0 03:00.1 " ] && ok "completion: device addresses from the sysroot's sysfs, as lspci shows them" || not_ok "completion: device addresses from the sysroot's sysfs, as lspci shows them" "$got"
	got=$(complete_line "vfio-boot generate dr" | tr '\n' ' ')
	[ "$got" = "dracut " ] && ok "completion: generate targets" || not_ok "completion: generate targets" "$got"
	got=$(complete_line "vfio-boot apply --no" | tr '\n' ' ')
	[ "$got" = "--no-rebuild " ] && ok "completion: a verb's own options" || not_ok "completion: a verb's own options" "$got"
	got=$(complete_line "vfio-boot --sysroot=$fx profile --usb-controller=" | tr '\n' ' ')
	[ "$got" = "0000:00:14.0 0000:06:00.0 0000:07:00.0 " ] && ok "completion: profile's USB controllers from sysfs" || not_ok "completion: profile's USB controllers from sysfs" "$got"
	got=$(complete_line "vfio-boot profile --os=win" | tr '\n' ' ')
	[ "$got" = "windows11 windows10 " ] && ok "completion: profile's guest OSes" || not_ok "completion: profile's guest OSes" "$got"
	# every option and verb of --help is offered somewhere
	missing=$(not_offered "$top/completions/vfio-boot.bash" '[ "]' '=| |"|\)|$')
	[ -z "$missing" ] && ok "completion: offers every verb and option of --help" || not_ok "completion: offers every verb and option of --help" "missing:$missing"
else
	not_ok "bash-completion is needed for the completion tests (apt-get install bash-completion)"
fi

# ---- bash completion typed with Tab in an interactive bash, in a pseudo-terminal ----------------
# (readline splits words at ':' and replaces only what follows: the harness above cannot see it)
bash_complete() { # TYPED: the command line bash leaves after the Tabs in TYPED, then Enter
	cat >"$work/bashrc" <<-BASHRC
		. /usr/share/bash-completion/bash_completion
		. '$top/completions/vfio-boot.bash'
		vfio-boot() { printf 'LINE: %s\\n' "\$*"; }
		PS1='READY> '
		bind 'set bell-style none'
	BASHRC
	printf 'READY>\t%s\nREADY>\texit\n' "$1" | python3 "$top/tests/integration/pty-drive.py" "$work/bash.txt" \
		env -i TERM=dumb HOME="$work" PATH=/usr/bin:/bin bash --rcfile "$work/bashrc" -i >/dev/null 2>&1
	sed -n 's/^LINE: //p' "$work/bash.txt" | tr -d '\r' | tail -1
}
if [ -r /usr/share/bash-completion/bash_completion ]; then
	fx="$work/tutorial-x99"
	got=$(bash_complete "vfio-boot --sysroot=$fx add 07\\t")
	want="--sysroot=$fx add 07:00.0"
	[ "${got% }" = "$want" ] && ok "bash completion (Tab): a short address completes whole" ||
		not_ok "bash completion (Tab): a short address completes whole" "got '$got'; $(tail -5 "$work/bash.txt")"
	got=$(bash_complete "vfio-boot --sysroot=$fx add 0000:07:0\\t")
	[ "${got% }" = "--sysroot=$fx add 0000:07:00.0" ] && ok "bash completion (Tab): a full address keeps its domain" ||
		not_ok "bash completion (Tab): a full address keeps its domain" "got '$got'; $(tail -5 "$work/bash.txt")"
	got=$(bash_complete "vfio-boot --sysroot=$fx profile --usb-controller=0000:07\\t")
	[ "${got% }" = "--sysroot=$fx profile --usb-controller=0000:07:00.0" ] && ok "bash completion (Tab): an address after an option's =" ||
		not_ok "bash completion (Tab): an address after an option's =" "got '$got'; $(tail -5 "$work/bash.txt")"
fi

# ---- zsh completion: typed with Tab in an interactive zsh, in a pseudo-terminal -------------
# (vfio-boot there is a function that prints its arguments: the completion is for the name)
zsh_complete() { # TYPED: the command line zsh leaves after the Tabs in TYPED, then Enter
	mkdir -p "$work/zdot"
	cat >"$work/zdot/.zshrc" <<-ZSHRC
		fpath=('$top/completions' \$fpath)
		autoload -U compinit && compinit -u -D
		vfio-boot() { print -r -- "LINE: \$*" }
		PS1='READY> '
		unsetopt beep
	ZSHRC
	printf 'READY>\t%s\nREADY>\texit\n' "$1" | python3 "$top/tests/integration/pty-drive.py" "$work/zsh.txt" \
		env -i TERM=dumb HOME="$work" ZDOTDIR="$work/zdot" PATH=/usr/bin:/bin zsh -i >/dev/null 2>&1
	sed -n 's/^LINE: //p' "$work/zsh.txt" | tr -d '\r' | tail -1
}
if command -v zsh >/dev/null && zsh -n "$top/completions/_vfio-boot"; then
	got=$(zsh_complete 'vfio-boot gen\tmkini\t')
	[ "$got" = "generate mkinitcpio " ] || [ "$got" = "generate mkinitcpio" ] && ok "zsh completion: verbs and generate's targets" ||
		not_ok "zsh completion: verbs and generate's targets" "got '$got'; $(tail -5 "$work/zsh.txt")"
	got=$(zsh_complete 'vfio-boot --bootl\tgrub-b\t plan')
	case $got in "--bootloader=grub-bls"*plan) ok "zsh completion: a global option and its values" ;;
	*) not_ok "zsh completion: a global option and its values" "got '$got'; $(tail -5 "$work/zsh.txt")" ;; esac
	got=$(zsh_complete "vfio-boot --sysroot=$work/tutorial-x99 check 0000:07\\t")
	[ "$got" = "--sysroot=$work/tutorial-x99 check 0000:07:00.0 " ] || [ "$got" = "--sysroot=$work/tutorial-x99 check 0000:07:00.0" ] &&
		ok "zsh completion: device addresses from the sysroot's sysfs" || not_ok "zsh completion: device addresses from the sysroot's sysfs" "got '$got'; $(tail -5 "$work/zsh.txt")"
	missing=$(not_offered "$top/completions/_vfio-boot" "[ '(*{,)]" "=|\\[|:|'|\\)| |}|,|$")
	[ -z "$missing" ] && ok "zsh completion: offers every verb and option of --help" || not_ok "zsh completion: offers every verb and option of --help" "missing:$missing"
else
	not_ok "zsh is needed for the zsh completion tests (apt-get install zsh), and _vfio-boot must parse"
fi

# The man page and --help describe the same options and verbs.
help_opts=$("$bin" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
man_opts=$(grep -oE -- '\*--[a-z][a-z-]*\*' "$top/man/vfio-boot.8.scd" | tr -d '*' | sort -u)
if [ "$help_opts" = "$man_opts" ]; then ok "--help and the man page list the same options"; else
	not_ok "--help and the man page list the same options" "$(diff <(echo "$help_opts") <(echo "$man_opts"))"; fi
help_verbs=$("$bin" --help | sed -n '/^Verbs:/,/^$/p' | awk '/^  [a-z]/ {print $1}' | sort -u)
man_verbs=$(sed -n '/^# VERBS/,/^# /p' "$top/man/vfio-boot.8.scd" | grep -oE '^\*[a-z]+\*' | tr -d '*' | sort -u)
if [ "$help_verbs" = "$man_verbs" ]; then ok "--help and the man page list the same verbs"; else
	not_ok "--help and the man page list the same verbs" "$(diff <(echo "$help_verbs") <(echo "$man_verbs"))"; fi

# make install puts the binary and the man page under DESTDIR/PREFIX.
# (its own build tree: the install paths are compiled in, as with any prefix)
if make -s -C "$top" BUILD="$work/build-inst" install DESTDIR="$work/inst" PREFIX=/usr >"$work/install.log" 2>&1 &&
	[ -x "$work/inst/usr/bin/vfio-boot" ] && [ -s "$work/inst/usr/share/man/man8/vfio-boot.8" ] &&
	[ -x "$work/inst/usr/libexec/vfio-boot/vfio-boot-bind" ] && [ -s "$work/inst/usr/share/bash-completion/completions/vfio-boot" ] &&
	[ ! -e "$work/inst/usr/lib/udev/rules.d/60-vfio-boot.rules" ] &&
	"$work/build-inst/vfio-boot" --root="$v" --sysroot="$v" generate udev-rule |
	grep -q 'KERNEL=="0000:02:00.0", IMPORT{program}="/usr/libexec/vfio-boot/vfio-boot-bind %k"' &&
	grep -q 'add_binary /usr/libexec/vfio-boot/vfio-boot-bind' "$work/inst/usr/lib/initcpio/install/vfio-boot" &&
	[ -x "$work/inst/usr/lib/dracut/modules.d/90vfio-boot/module-setup.sh" ] &&
	"$work/inst/usr/bin/vfio-boot" --version | grep -q '^vfio-boot '; then
	ok "make install DESTDIR PREFIX"
else
	not_ok "make install DESTDIR PREFIX" "$(cat "$work/install.log")"
fi
# and make uninstall, with the same variables, takes every file back out
make -s -C "$top" BUILD="$work/build-inst" uninstall DESTDIR="$work/inst" PREFIX=/usr >"$work/uninstall.log" 2>&1
left=$(find "$work/inst" -type f)
[ -z "$left" ] && ok "make uninstall DESTDIR PREFIX removes every installed file" ||
	not_ok "make uninstall DESTDIR PREFIX removes every installed file" "$left $(cat "$work/uninstall.log")"

# plan's line about each kernel names, as loaded after vfio-pci, exactly the drivers the
# modprobe file gives a "softdep DRIVER pre: vfio-pci"
s=$(stage tutorial-x99)
vb_ok "$s" add -q 03:00.0
said=$(vb "$s" plan 2>/dev/null | sed -n 's/^Kernel 4.15.0-33-generic: .*; loaded after vfio-pci (softdep)://p' | tr ' ' '\n' | grep . | sort)
soft=$(vb "$s" generate modprobe | sed -n 's/^softdep \([^ ]*\) pre: vfio-pci$/\1/p' | sort)
[ -n "$soft" ] && [ "$said" = "$soft" ] && ok "plan says the softdep drivers load after vfio-pci, as the modprobe file makes them" ||
	not_ok "plan says the softdep drivers load after vfio-pci, as the modprobe file makes them" "said: $said; softdeps: $soft"

# A normal user: the read-only verbs work, the others say they need root before doing
# anything (the root and the binary where the user can reach them).
pub=$(mktemp -d /tmp/vfio-boot-user.XXXXXX) && chmod 755 "$pub"
cp "$top/$build/vfio-boot" "$pub/vfio-boot" # the binary itself, even under valgrind
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$pub/root" >/dev/null
chmod -R a+rX "$pub"
printf 'method auto\n' >"$pub/root/etc/vfio-boot.conf"
as_user() { (cd / && runuser -u nobody -- "$pub/vfio-boot" --root="$pub/root" --sysroot="$pub/root" "$@"); }
as_user scan >"$work/user-scan" 2>&1
scan_st=$?
bad=""
for v in "add 03:00.0" apply revert "remove 03:00.0"; do
	# shellcheck disable=SC2086 # the verb and its argument
	as_user $v >"$work/out" 2>&1
	st=$?
	{ [ $st = 1 ] && grep -q "changes files under $pub/root/etc: run it as root" "$work/out" && ! grep -q 'selected\|not on PATH' "$work/out"; } ||
		bad+="$v: exit $st: $(cat "$work/out")"$'\n'
done
as_user add --dry-run 03:00.0 >"$work/out" 2>&1 || bad+="add --dry-run: $(cat "$work/out")"$'\n'
if [ $scan_st = 0 ] && grep -q 'Hawaii PRO' "$work/user-scan" && [ -z "$bad" ] && ! grep -q 03:00.0 "$pub/root/etc/vfio-boot.conf"; then
	ok "a normal user: scan works; add, apply, revert and remove say they need root, before anything else"
else not_ok "a normal user: scan works; add, apply, revert and remove say they need root, before anything else" "$bad$(cat "$work/user-scan")"; fi
rm -rf "$pub"

# The README's two commands: the second is exactly what CI runs; tools/install-deps runs
# apt-get update first, and itself as root, through sudo otherwise.
readme_test=$(sed -n '/^```$/,/^```$/p' "$top/README.md" | sed -n 3p)
if [ -n "$readme_test" ] && grep -qxF "$readme_test" "$top/.ci/run" &&
	sed -n '/^```$/,/^```$/p' "$top/README.md" | sed -n 2p | grep -qx 'tools/install-deps build && make'; then
	ok "README: the build command, and the test command that .ci/run runs"
else not_ok "README: the build command, and the test command that .ci/run runs" "$readme_test"; fi
deps=$("$top/tools/install-deps" --dry-run build)
if [ "$(id -u)" = 0 ] && [ "$(sed -n 2p <<<"$deps")" = "apt-get update -q" ] && grep -q '^apt-get install .* libpci-dev .*libvirt-dev' <<<"$deps" &&
	! grep -q 'qemu-system-x86\|valgrind' <<<"$deps" && "$top/tools/install-deps" --dry-run test | grep -q 'valgrind.*qemu-system-x86'; then
	as_user=$(cd / && runuser -u nobody -- env PATH="/nonexistent:$PATH" "$top/tools/install-deps" --dry-run build 2>&1)
	if grep -q '^sudo apt-get update -q$' <<<"$as_user" || grep -q 'not root and no sudo' <<<"$as_user"; then
		ok "tools/install-deps: apt-get update first; build and test packages apart; sudo only when not root"
	else not_ok "tools/install-deps: apt-get update first; build and test packages apart; sudo only when not root" "$as_user"; fi
else not_ok "tools/install-deps: apt-get update first; build and test packages apart; sudo only when not root" "$deps"; fi

# The usual habit: make, then make install with another PREFIX. Every installed file that
# names the helper (the binary, which writes it into the initramfs hooks, the udev rule,
# the dracut module, the mkinitcpio hook) names the one that was installed, both ways.
make -s -C "$top" BUILD="$work/build-habit" >"$work/install.log" 2>&1
for prefix in /usr /usr/local; do
	dest="$work/habit${prefix//\//-}"
	make -s -C "$top" BUILD="$work/build-habit" install DESTDIR="$dest" PREFIX="$prefix" >>"$work/install.log" 2>&1
	named=$(grep -raoh '/[a-z/]*/libexec/vfio-boot/vfio-boot-bind' "$dest" | sort -u)
	files=$(grep -rlF 'libexec/vfio-boot' "$dest" | sed "s|^$dest||" | sort | tr '\n' ' ')
	if [ "$named" = "$prefix/libexec/vfio-boot/vfio-boot-bind" ] && [ -x "$dest$named" ] &&
		[ "$(wc -w <<<"$files")" -ge 4 ]; then
		ok "make, then make install PREFIX=$prefix: every file names the helper installed ($files)"
	else not_ok "make, then make install PREFIX=$prefix: every file names the helper installed" "named: $named; files: $files; $(tail -5 "$work/install.log")"; fi
done

# The tree's own rules (issue 23): includes go down the pipeline's layers, no function passes
# 100 lines (tests/integration/source-rules.py says what breaks them).
if rules=$(python3 "$top/tests/integration/source-rules.py" 2>&1); then
	while IFS= read -r rule; do ok "source: $rule"; done < <(sed -n 's/^ok - //p' <<<"$rules")
else not_ok "source: a rule of the tree is broken" "$rules"; fi

summary integration
