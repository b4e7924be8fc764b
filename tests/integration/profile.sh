#!/usr/bin/env bash
# profile: the domain XML for each fixture host and guest OS, compared with
# tests/golden/<machine>/profile-<case>.xml, and each one checked by libvirt itself:
# virt-xml-validate (the installed libvirt's RelaxNG schema), a define with --validate on
# the test:/// driver (libvirt's own parser) and domxml-to-native on the embedded QEMU
# driver (libvirt's QEMU semantics: firmware autoselection, addresses, devices). The
# --format=qemu scripts are started by QEMU itself. UPDATE_GOLDEN=1 rewrites the goldens.
set -u
. "$(dirname "$0")/lib.sh" profile

for tool in virt-xml-validate virsh; do
	command -v "$tool" >/dev/null || { echo "profile.sh: $tool is needed (apt-get install libvirt-clients libxml2-utils)" >&2; exit 1; }
done

# machine GUEST-DEVICES: a fresh copy with the devices selected
setup() {
	local machine=$1
	shift
	rm -rf "$work/$machine"
	python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/$machine.listing" "$work/$machine" >/dev/null &&
		vb_ok "$work/$machine" add -q "$@"
}

# case MACHINE NAME ARGS...: profile with ARGS, against the golden, then through libvirt
case_() {
	local machine=$1 name=$2 root="$work/$1" dir="$top/tests/golden/$1" status
	shift 2
	vb "$root" profile --libvirt-version=9.0 "$@" >"$work/out.xml" 2>"$work/err"
	status=$?
	if [ $status != 0 ]; then
		not_ok "$machine $name: exit $status" "$(cat "$work/err")"
		return
	fi
	sed -e "s|$work|@WORK@|g" "$work/out.xml" >"$work/golden.xml"
	[ -n "${UPDATE_GOLDEN:-}" ] && mkdir -p "$dir" && cp "$work/golden.xml" "$dir/profile-$name.xml"
	if ! diff -u "$dir/profile-$name.xml" "$work/golden.xml" >"$work/diff"; then
		not_ok "$machine $name: differs from tests/golden/$machine/profile-$name.xml" "$(head -40 "$work/diff")"
	elif ! virt-xml-validate "$work/out.xml" domain >"$work/v" 2>&1; then
		not_ok "$machine $name: virt-xml-validate" "$(cat "$work/v")"
	elif ! virsh -q -c test:///default define --validate "$work/out.xml" >"$work/v" 2>&1; then
		not_ok "$machine $name: libvirt's test driver refuses it" "$(cat "$work/v")"
	elif ! qemu_driver_accepts "$work/out.xml" >"$work/v" 2>&1; then
		not_ok "$machine $name: libvirt's QEMU driver" "$(cat "$work/v")"
	else
		ok "$machine $name: golden, schema, libvirt define, QEMU driver"
	fi
}

# qemu_driver_accepts FILE: libvirt's QEMU driver turns a copy of the domain into QEMU's
# command line (domxml-to-native, embedded driver, no daemon), with what needs KVM or a real
# host rewritten (reference/vm-profile.md 5.3): type qemu, CPU mode maximum, no network
# (it would make a tap), no hugepages, no USB device (not plugged here), vfio named as the
# hostdev driver. Then: every PCI hostdev is a vfio-pci device, and libvirt's firmware
# autoselection (or the named loader) gave the firmware the domain asked for.
chmod 755 "$work"
mkdir -p "$work/embed-home" "$work/embed-root"
as_user=()
[ "$(id -u)" = 0 ] && chown 65534:65534 "$work/embed-home" "$work/embed-root" &&
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups) # the embedded driver as root wants libvirt-qemu
qemu_driver_accepts() {
	python3 - "$1" "$work/embed-home/domain.xml" <<'PY' || return 1
import re, sys
s = open(sys.argv[1]).read()
s = s.replace('<domain type="kvm">', '<domain type="qemu">').replace('mode="host-passthrough"', 'mode="maximum"')
for element in ("interface", "memoryBacking"):
    s = re.sub(rf"<{element}.*?</{element}>\s*", "", s, flags=re.S)
s = re.sub(r'<hostdev mode="subsystem" type="usb".*?</hostdev>\s*', "", s, flags=re.S)
s = re.sub(r'(<hostdev mode="subsystem" type="pci" managed="(?:yes|no)">)', r'\1<driver name="vfio"/>', s)
open(sys.argv[2], "w").write(s)
PY
	chmod 644 "$work/embed-home/domain.xml"
	"${as_user[@]}" env HOME="$work/embed-home" XDG_RUNTIME_DIR="$work/embed-home" XDG_CACHE_HOME="$work/embed-home" \
		timeout 120 virsh -q -c "qemu:///embed?root=$work/embed-root" domxml-to-native qemu-argv "$work/embed-home/domain.xml" >"$work/argv" || return 1
	local hostdevs firmware
	hostdevs=$(grep -c '<hostdev mode="subsystem" type="pci"' "$1")
	[ "$(grep -o '"driver":"vfio-pci","host":"[0-9a-f:.]*"' "$work/argv" | wc -l)" = "$hostdevs" ] ||
		{ echo "expected $hostdevs vfio-pci devices:"; cat "$work/argv"; return 1; }
	if grep -q '<loader' "$1"; then
		firmware=$(sed -n 's|.*<loader[^>]*>\(.*\)</loader>.*|\1|p' "$1")
	elif grep -q 'enabled="yes" name="secure-boot"' "$1"; then
		firmware=OVMF_CODE_4M.ms.fd
		grep -q 'smm=on' "$work/argv" || { echo "no smm=on:"; cat "$work/argv"; return 1; }
	else
		firmware=OVMF_CODE_4M.fd
	fi
	grep -q "$firmware\"" "$work/argv" || { echo "not $firmware:"; cat "$work/argv"; return 1; }
}

# The tutorial's X99 (6 cores, 12 threads, Intel sibling numbering): the R9 390 with its
# HDMI audio, and the ASM1142 USB 3.1 controller, for each guest OS.
setup tutorial-x99 03:00.0 07:00.0
case_ tutorial-x99 windows11 --os=windows11
case_ tutorial-x99 windows10 --os=windows10 --vcpus=8 --memory=12G
case_ tutorial-x99 linux --os=linux
# an older libvirt: the Secure Boot loader attribute, no stimer direct (5.7), no ipi (4.10)...
case_ tutorial-x99 libvirt-7.2 --os=windows11 --libvirt-version=7.2
# before 7.2 the OVMF files are named, as QEMU's firmware descriptors under the root say
case_ tutorial-x99 libvirt-6.0 --os=windows11 --libvirt-version=6.0
case_ tutorial-x99 libvirt-5.0-linux --os=linux --libvirt-version=5.0

# Every guest OS on the other hosts: a Ryzen 7 3700X (two CCXs: the guest gets the second
# whole), an i7-9700K (SMT off), a four-function Turing card (VGA, audio, USB, UCSI) on a
# Ryzen 9 5900X (two CCDs)
for host in amd-chipset-host-gpu:07:00.0 intel-igpu-amd-dgpu:03:00.0 nvidia-turing-4fn:10de:1e87; do
	setup "${host%%:*}" "${host#*:}"
	for os in windows11 windows10 linux; do
		case_ "${host%%:*}" "$os" --os="$os"
	done
done
case_ nvidia-turing-4fn windows10-old-nvidia --os=windows10 --hide-kvm
# QEMU's emulator by option: type qemu, CPU mode maximum, nothing of KVM's (--hide-kvm included)
case_ nvidia-turing-4fn windows10-tcg --os=windows10 --hide-kvm --accel=tcg
# a host without /dev/kvm gets the emulator by default, with a warning; --accel=kvm overrides
rm "$work/nvidia-turing-4fn/sys/class/misc/kvm"
vb "$work/nvidia-turing-4fn" profile --libvirt-version=9.0 --os=linux >"$work/out.xml" 2>"$work/err"
vb "$work/nvidia-turing-4fn" profile --libvirt-version=9.0 --os=linux --accel=kvm >"$work/out2.xml" 2>/dev/null
if grep -q '<domain type="qemu">' "$work/out.xml" && grep -q '<cpu mode="maximum"' "$work/out.xml" &&
	! grep -q 'ioapic' "$work/out.xml" && grep -q 'warning: this host has no /dev/kvm' "$work/err" &&
	grep -q '<domain type="kvm">' "$work/out2.xml" && virt-xml-validate "$work/out.xml" domain >/dev/null 2>&1 &&
	qemu_driver_accepts "$work/out.xml" >"$work/v" 2>&1; then
	ok "no /dev/kvm: a domain for QEMU's emulator, with a warning, accepted by libvirt; --accel=kvm overrides"
else not_ok "no /dev/kvm: a domain for QEMU's emulator, with a warning, accepted by libvirt; --accel=kvm overrides" \
	"$(cat "$work/err" "$work/v" 2>/dev/null; head -5 "$work/out.xml")"; fi

# the GPU selected, the USB controller passed whole as a PCI hostdev by option; a disk, an
# installer, a VBIOS file, names with characters XML must escape
setup tutorial-x99 03:00.0
mkdir -p "$work/vm's & <disks>"
printf 'QFI\373\0\0\0\3' >"$work/vm's & <disks>/win.qcow2" # a qcow2 header: the format is read from it
: >"$work/Win11_23H2_Spanish_x64.iso"
: >"$work/r9-390-uefi.rom"
case_ tutorial-x99 usb-disk-iso-rom --os=windows11 --name=win11-r9_390 --usb-controller=07:00.0 \
	--disk="$work/vm's & <disks>/win.qcow2" --iso="$work/Win11_23H2_Spanish_x64.iso" --rom="$work/r9-390-uefi.rom"
# (test:/// keeps its state per connection: define and read back in one virsh session)
got=$(virsh -q -c test:///default "define $work/out.xml; dumpxml win11-r9_390" 2>&1 |
	sed -n '/<domain/,/<\/domain>/p' | xmllint --xpath 'string(//disk[@device="disk"]/source/@file)' - 2>&1)
if [ "$got" = "$work/vm's & <disks>/win.qcow2" ]; then
	ok "a disk path with ' & < > reaches libvirt unchanged (escaped by the writer)"
else
	not_ok "a disk path with ' & < > reaches libvirt unchanged (escaped by the writer)" "$got"
fi

# ---- a VM that installs: the disk, its bus, the installation media ----------------------------
# Windows without the virtio drivers: its installer sees a SATA disk; two ISOs, the first boots
qemu-img create -q -f qcow2 "$work/w.img" 1G # no .qcow2 in the name: the content says qcow2
: >"$work/install.iso"
: >"$work/extra.iso"
: >"$work/virtio-win.iso"
truncate -s 1M "$work/raw.qcow2" # raw, whatever its name says
case_ tutorial-x99 windows-sata-two-isos --os=windows11 --disk="$work/w.img" --iso="$work/install.iso" --iso="$work/extra.iso"
grep -q "disk bus: SATA, which the Windows installer sees without drivers" "$work/err" &&
	ok "Windows without a drivers ISO: the disk is SATA, and the note says why" ||
	not_ok "Windows without a drivers ISO: the disk is SATA, and the note says why" "$(cat "$work/err")"
# with virtio-win.iso: virtio, the drivers ISO as a second CD-ROM, where the driver is
case_ tutorial-x99 windows-virtio-drivers --os=windows10 --disk="$work/raw.qcow2" --iso="$work/install.iso" --drivers-iso="$work/virtio-win.iso"
grep -q "disk bus: virtio, faster than SATA. The Windows installer does not see it until you load its driver: 'Load driver', then $work/virtio-win.iso, folder viostor.w10.amd64" "$work/err" &&
	grep -q 'type="raw"' "$work/out.xml" && grep -q "disk: $work/raw.qcow2, raw (read from the file)" "$work/err" &&
	ok "Windows with virtio-win.iso: virtio disk, the driver's folder said; a raw file named .qcow2 is raw" ||
	not_ok "Windows with virtio-win.iso: virtio disk, the driver's folder said; a raw file named .qcow2 is raw" "$(cat "$work/err")"
# a disk that does not exist yet: --disk-size creates it (qcow2), without it the way is said
case_ tutorial-x99 linux-new-disk --os=linux --disk="$work/new-disk" --disk-size=2G
if qemu-img info "$work/new-disk" 2>/dev/null | grep -q "file format: qcow2" && grep -q "disk: $work/new-disk, created now (qcow2, 2G" "$work/err"; then
	ok "--disk-size creates the missing image with qemu-img, qcow2"
else not_ok "--disk-size creates the missing image with qemu-img, qcow2" "$(cat "$work/err")"; fi
prof() { local want=$1; shift; vb_exit "$want" "$work/tutorial-x99" profile --libvirt-version=9.0 "$@" >"$work/out.xml" 2>"$work/err"; }
prof 1 --disk="$work/nothing-yet.qcow2"
[ $? = 1 ] && grep -q "does not exist: add --disk-size=64G to create it, or create it with 'qemu-img create -f qcow2 $work/nothing-yet.qcow2 64G'" "$work/err" && [ ! -e "$work/nothing-yet.qcow2" ] &&
	ok "a missing disk without --disk-size: refused with both ways to make it" ||
	not_ok "a missing disk without --disk-size: refused with both ways to make it" "$(cat "$work/err")"
prof 1 --disk="$work/w.img" --disk-size=8G
[ $? = 1 ] && grep -q "exists already" "$work/err" && qemu-img info "$work/w.img" | grep -q "virtual size: 1 GiB" &&
	ok "--disk-size never touches an image that exists" || not_ok "--disk-size never touches an image that exists" "$(cat "$work/err")"
prof 1 --os=linux --drivers-iso="$work/virtio-win.iso"
[ $? = 1 ] && grep -q "drivers-iso is for a Windows guest" "$work/err" && ok "--drivers-iso on a Linux guest is refused" ||
	not_ok "--drivers-iso on a Linux guest is refused" "$(cat "$work/err")"
prof 0
if grep -q "no disk: this VM has nothing to install to" "$work/err" && ! grep -q '<boot dev="hd"/>' "$work/out.xml"; then
	ok "no disk: said plainly, and no boot from a disk that is not there"
else not_ok "no disk: said plainly, and no boot from a disk that is not there" "$(cat "$work/err")"; fi
# what the host lacks to run it, by package; nothing said once it is there
prof 0
grep -q "this host lacks what the VM needs to run: apt install libvirt-daemon-system qemu-system-x86 ovmf swtpm" "$work/err" &&
	ok "profile names the packages the host lacks to run the VM" || not_ok "profile names the packages the host lacks to run the VM" "$(cat "$work/err")"
for f in usr/sbin/libvirtd usr/bin/qemu-system-x86_64 usr/bin/swtpm; do mkdir -p "$work/tutorial-x99/${f%/*}" && : >"$work/tutorial-x99/$f"; done
mkdir -p "$work/tutorial-x99/usr/share/OVMF"
prof 0
! grep -q "lacks" "$work/err" && ok "profile says nothing of packages the host has" || not_ok "profile says nothing of packages the host has" "$(cat "$work/err")"

# a whole disk for the guest, named by /dev/disk/by-id; what libblkid finds on it is said
truncate -s 4M "$work/tutorial-x99/dev/sdc" && mkfs.ext4 -q -F "$work/tutorial-x99/dev/sdc"
case_ tutorial-x99 block-disk --os=windows10 --disk=/dev/sdc
grep -q 'disk: /dev/sdc, as /dev/disk/by-id/ata-WDC_WD10EZEX-08WN4A0_WD-WCC6Y0ABCDEF .*it holds a filesystem (ext4) the host does not use' "$work/err" &&
	ok "block disk: its stable name, and libblkid's word on what it holds" ||
	not_ok "block disk: its stable name, and libblkid's word on what it holds" "$(cat "$work/err")"

# keyboard and mouse by evdev, found in /dev/input/by-id; a USB device by its IDs; Looking
# Glass at 1080p (32 MiB)
by_id="$work/tutorial-x99/dev/input/by-id"
mkdir -p "$by_id"
for n in usb-Logitech_USB_Receiver-if02-event-mouse usb-Logitech_USB_Receiver-event-kbd usb-Logitech_USB_Receiver-if01-event-joystick; do
	ln -s ../event3 "$by_id/$n"
done
case_ tutorial-x99 evdev-usb-looking-glass --os=windows10 --evdev=auto --usb-device=046d:c52b --looking-glass=1920x1080
grep -q '<size unit="M">32</size>' "$work/out.xml" && grep -c '<input type="evdev">' "$work/out.xml" | grep -qx 2 &&
	ok "evdev auto takes the keyboard and the mouse, not the joystick; 1080p gets 32 MiB" ||
	not_ok "evdev auto takes the keyboard and the mouse, not the joystick; 1080p gets 32 MiB" "$(grep -n -e evdev -e size "$work/out.xml")"

# huge pages: left out (with the reason) when the host has none, used when it has enough
vb "$work/tutorial-x99" profile --libvirt-version=9.0 --hugepages >"$work/out.xml" 2>"$work/err"
if ! grep -q '<hugepages' "$work/out.xml" && grep -q 'huge pages left out: no hugetlbfs is mounted' "$work/err"; then
	ok "hugepages: left out, with the reason, without hugetlbfs"
else not_ok "hugepages: left out, with the reason, without hugetlbfs" "$(cat "$work/err")"; fi
echo "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0" >>"$work/tutorial-x99/proc/mounts"
mkdir -p "$work/tutorial-x99/sys/kernel/mm/hugepages/hugepages-2048kB"
echo 2048 >"$work/tutorial-x99/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
vb "$work/tutorial-x99" profile --libvirt-version=9.0 --hugepages --memory=4G >"$work/out.xml" 2>"$work/err"
vb "$work/tutorial-x99" profile --libvirt-version=9.0 --hugepages --memory=6G >"$work/out2.xml" 2>"$work/err2"
if grep -q '<hugepages/>' "$work/out.xml" && ! grep -q '<hugepages' "$work/out2.xml" &&
	grep -q '2048 free 2 MiB huge pages hold 4096 MiB, less than the guest.s 6144 MiB' "$work/err2"; then
	ok "hugepages: used when enough are free (4 GiB of 2048 pages), not when too few (6 GiB)"
else not_ok "hugepages: used when enough are free (4 GiB of 2048 pages), not when too few (6 GiB)" "$(cat "$work/err" "$work/err2")"; fi

# --output writes the file and says how to define it; quiet keeps stderr empty
vb "$work/tutorial-x99" -q profile --libvirt-version=9.0 --output="$work/vm.xml" >"$work/out" 2>"$work/err"
if [ -s "$work/vm.xml" ] && [ ! -s "$work/out" ] && [ ! -s "$work/err" ] && virt-xml-validate "$work/vm.xml" domain >/dev/null 2>&1; then
	ok "--output writes the domain, -q prints nothing"
else not_ok "--output writes the domain, -q prints nothing" "$(cat "$work/err")"; fi

# ---- --format=qemu: the same VM as a script for qemu-system-x86_64 ---------------------------
# script_case MACHINE NAME ARGS...: golden, sh -n and shellcheck
script_case() {
	local machine=$1 name=$2 root="$work/$1" dir="$top/tests/golden/$1"
	shift 2
	if ! vb "$root" -q profile --format=qemu "$@" >"$work/$name.sh" 2>"$work/err"; then
		not_ok "$machine qemu $name: exit status" "$(cat "$work/err")"
		return 1
	fi
	sed -e "s|$work|@WORK@|g" "$work/$name.sh" >"$work/golden.sh"
	[ -n "${UPDATE_GOLDEN:-}" ] && cp "$work/golden.sh" "$dir/profile-$name.sh"
	if ! diff -u "$dir/profile-$name.sh" "$work/golden.sh" >"$work/diff"; then
		not_ok "$machine qemu $name: differs from tests/golden/$machine/profile-$name.sh" "$(head -40 "$work/diff")"
	elif ! sh -n "$work/$name.sh" || ! shellcheck -s sh "$work/$name.sh" >"$work/sc" 2>&1; then
		not_ok "$machine qemu $name: sh -n and shellcheck" "$(cat "$work/sc")"
	else
		ok "$machine qemu $name: golden, sh -n, shellcheck"
	fi
}
# qemu_starts NAME: QEMU parses the whole command line and starts (paused, -S) with the
# passed-through functions replaced by emulated PCI devices at the same guest addresses and
# the KVM-only CPU flags left out (no KVM here, no devices to pass); QMP tells it to quit
qemu_starts() {
	local name=$1
	sed -e 's/vfio-pci,host=[0-9a-f:.]*,/e1000e,/' -e 's/,hv-[a-z-]*=[0-9a-zx]*//g' "$work/$name.sh" >"$work/$name-tcg.sh"
	# a script written for KVM is run on the emulator; one written for TCG with its defaults
	local accel=(ACCEL=tcg CPU_MODEL=max)
	grep -q 'ACCEL=${ACCEL:-tcg}' "$work/$name.sh" && accel=()
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"human-monitor-command","arguments":{"command-line":"info qtree"}}' '{"execute":"quit"}' |
		env "${accel[@]}" VM_DIR="$work/vm-$name" GUEST_CPUS=0 timeout 120 sh "$work/$name-tcg.sh" -S -qmp stdio >"$work/qmp" 2>"$work/qemu-err"
	local status=$?
	if [ $status = 0 ] && grep -q '"event": "SHUTDOWN".*host-qmp-quit' "$work/qmp" && [ -s "$work/vm-$name/OVMF_VARS.fd" ] &&
		[ "$(grep -o 'dev: e1000e' "$work/qmp" | wc -l)" = "$2" ]; then
		ok "qemu $name: QEMU starts the VM ($2 passed functions in place), quits over QMP"
	else
		not_ok "qemu $name: QEMU starts the VM ($2 passed functions in place), quits over QMP" "exit $status: $(cat "$work/qemu-err")"
	fi
}
head -c 65536 /dev/zero >"$work/r9-390-uefi.rom"
truncate -s 64M "$work/win10.img"
setup tutorial-x99 03:00.0 07:00.0
script_case tutorial-x99 qemu-linux --os=linux && qemu_starts qemu-linux 3
script_case tutorial-x99 qemu-windows10 --os=windows10 --hide-kvm --disk="$work/win10.img" --iso="$work/Win11_23H2_Spanish_x64.iso" \
	--rom="$work/r9-390-uefi.rom" --usb-device=046d:c52b && qemu_starts qemu-windows10 3
script_case tutorial-x99 qemu-windows11-evdev-looking-glass --os=windows11 --evdev=/dev/input/by-id/usb-kb-event-kbd \
	--evdev=/dev/input/by-id/usb-mouse-event-mouse --looking-glass=2560x1440
setup nvidia-turing-4fn 10de:1e87
script_case nvidia-turing-4fn qemu-linux --os=linux && qemu_starts qemu-linux 4
script_case nvidia-turing-4fn qemu-windows10-tcg --os=windows10 --accel=tcg && qemu_starts qemu-windows10-tcg 4

# ---- the platforms: Proxmox VE's qm commands, KubeVirt and Nova ---------------------------
# Each against its golden, then checked with the platform's own rules (platform-check.py):
# the Proxmox script runs with a qm and a pvesh that record what they are given.
# Debian's python3, which has python3-oslo.config and python3-yaml
pycheck=/usr/bin/python3
mkdir -p "$work/pve-bin"
printf '#!/bin/sh\nprintf "%%s\\n" "$@" >"%s/qm.argv"\n' "$work" >"$work/pve-bin/qm"
printf '#!/bin/sh\necho 100\n' >"$work/pve-bin/pvesh"
chmod +x "$work/pve-bin/qm" "$work/pve-bin/pvesh"
plan_addresses() { vb "$1" plan --json | python3 -c 'import json,sys; print(" ".join(d["address"] for d in json.load(sys.stdin)["devices"]))'; }
# platform_case MACHINE NAME FORMAT ARGS...
platform_case() {
	local machine=$1 name=$2 format=$3 root="$work/$1" dir="$top/tests/golden/$1" ext
	shift 3
	case $format in proxmox) ext=sh ;; kubevirt) ext=yaml ;; nova) ext=conf ;; esac
	if ! vb "$root" -q profile --format="$format" "$@" >"$work/$name.$ext" 2>"$work/err"; then
		not_ok "$machine $format $name: exit status" "$(cat "$work/err")"
		return
	fi
	sed -e "s|$work|@WORK@|g" "$work/$name.$ext" >"$work/golden.$ext"
	[ -n "${UPDATE_GOLDEN:-}" ] && cp "$work/golden.$ext" "$dir/profile-$name.$ext"
	local addresses ids check_out
	addresses=$(plan_addresses "$root")
	ids=$(vb "$root" plan --json | python3 -c 'import json,sys
seen = []
for d in json.load(sys.stdin)["devices"]:
    i = d["vendor"] + ":" + d["device"]
    if i not in seen: seen.append(i)
print(" ".join(seen))')
	case $format in
	proxmox)
		rm -f "$work/qm.argv"
		# shellcheck disable=SC2086 # one word per address
		if ! sh -n "$work/$name.$ext" || ! shellcheck -s sh "$work/$name.$ext" >"$work/sc" 2>&1; then
			check_out="sh -n or shellcheck: $(cat "$work/sc")"
		elif ! PATH="$work/pve-bin:$PATH" sh "$work/$name.$ext" >"$work/run" 2>&1 || [ ! -s "$work/qm.argv" ]; then
			check_out="the script did not run qm create: $(cat "$work/run")"
		else check_out=$("$pycheck" "$top/tests/integration/platform-check.py" proxmox "$work/qm.argv" $addresses 2>&1); fi ;;
	kubevirt) check_out=$("$pycheck" "$top/tests/integration/platform-check.py" kubevirt "$work/$name.$ext" $ids 2>&1) ;;
	nova) check_out=$("$pycheck" "$top/tests/integration/platform-check.py" nova "$work/$name.$ext" $addresses 2>&1) ;;
	esac
	if ! diff -u "$dir/profile-$name.$ext" "$work/golden.$ext" >"$work/diff"; then
		not_ok "$machine $format $name: differs from tests/golden/$machine/profile-$name.$ext" "$(head -40 "$work/diff")"
	elif [ -n "$check_out" ]; then
		not_ok "$machine $format $name: the platform's rules" "$check_out"
	else ok "$machine $format $name: golden, and the platform's own rules ($format)"; fi
}
setup tutorial-x99 03:00.0 07:00.0
platform_case tutorial-x99 proxmox-windows11 proxmox --os=windows11 --hugepages --rom="$work/r9-390-uefi.rom" \
	--disk="$work/win10.img" --iso="$work/Win11_23H2_Spanish_x64.iso" --drivers-iso="$work/virtio-win.iso" --usb-device=046d:c52b
truncate -s 4M "$work/tutorial-x99/dev/sdc"
platform_case tutorial-x99 proxmox-linux proxmox --os=linux --memory=4G --vcpus=4 --disk=/dev/sdc
platform_case tutorial-x99 kubevirt kubevirt
platform_case tutorial-x99 nova nova
setup nvidia-turing-4fn 10de:1e87
platform_case nvidia-turing-4fn proxmox-windows10 proxmox --os=windows10 --hide-kvm
platform_case nvidia-turing-4fn kubevirt kubevirt
platform_case nvidia-turing-4fn nova nova
# qemu-server's limits, said before anything is written
cp "$work/r9-390-uefi.rom" "$work/r9,390.rom"
vb_exit 1 "$work/nvidia-turing-4fn" profile --format=proxmox --rom="$work/r9,390.rom" >"$work/out" 2>"$work/err"
[ $? = 1 ] && grep -q "qemu-server takes a ROM file name without ',' or ';'" "$work/err" && [ ! -s "$work/out" ] &&
	ok "proxmox: a ROM file name qemu-server cannot take is refused, named" ||
	not_ok "proxmox: a ROM file name qemu-server cannot take is refused, named" "$(cat "$work/err")"
vb_exit 1 "$work/nvidia-turing-4fn" profile --format=proxmox --looking-glass=1920x1080 >"$work/out" 2>"$work/err"
[ $? = 1 ] && grep -q "not written for Proxmox VE yet" "$work/err" &&
	ok "proxmox: Looking Glass is refused as not supported yet" || not_ok "proxmox: Looking Glass is refused as not supported yet" "$(cat "$work/err")"
vb_exit 2 "$work/nvidia-turing-4fn" profile --format=nova --define >"$work/out" 2>"$work/err"
[ $? = 2 ] && grep -q -- "--define is for --format=libvirt" "$work/err" &&
	ok "--define with another format is a usage error" || not_ok "--define with another format is a usage error" "$(cat "$work/err")"

# --define, through libvirt's API, on the test driver (the same call defines on qemu:///system)
vb "$work/tutorial-x99" profile --libvirt-version=9.0 --name=defined-vm --define --connect=test:///default >"$work/out" 2>"$work/err"
if [ $? = 0 ] && grep -q 'domain defined-vm defined on test:///default' "$work/err" && [ ! -s "$work/out" ]; then
	ok "--define defines the domain through libvirt's API"
else not_ok "--define defines the domain through libvirt's API" "$(cat "$work/err")"; fi
vb_exit 1 "$work/tutorial-x99" profile --libvirt-version=9.0 --define --connect=test:///nowhere.xml >"$work/out" 2>"$work/err"
if [ $? = 1 ] && grep -q 'failed to define .*cannot connect to test:///nowhere.xml' "$work/err" && [ "$(grep -c "nowhere.xml" "$work/err")" -le 2 ] &&
	! grep -q '^libvirt:' "$work/err"; then
	ok "--define: a connection that fails is said once, in libvirt's words"
else not_ok "--define: a connection that fails is said once, in libvirt's words" "$(cat "$work/err")"; fi

summary profile
