#!/usr/bin/env bash
# Boot tests (make check-boot): prove that the files 'vfio-boot apply' writes make a real
# Debian kernel bind the selected devices to vfio-pci at boot, and leave the others alone.
#
# For each initramfs generator (initramfs-tools, dracut): a Debian 12 root (mkroot.sh) with
# vfio-boot installed in it by 'make install'; images built inside it by the real
# update-initramfs / dracut, running the commands that 'vfio-boot apply --root' lists;
# booted with qemu-system-x86_64 (q35, intel-iommu, TCG); the result read from the guest's
# sysfs over the serial console (report.sh). The selection itself is made from the guest's
# own PCI devices, read in a control boot. Serial logs are kept in $BOOT_WORK/logs.
#
# The full boots go on to the real root: the stage as an ext4 image (root_disk), with
# systemd, udev, libvirt and QEMU, through switch_root and the real root's coldplug to
# multi-user.target, where vbtest-full.service runs report.sh full: vfio-boot status and
# verify, then the VM written by 'vfio-boot profile', defined and started (paused) by
# libvirt, QEMU's device tree read, destroyed. check-full.py judges each scenario.
#
# Usage: run.sh [initramfs-tools|dracut]...     (default: both)
#        BOOT_ONLY=handoff run.sh initramfs-tools (the handoff scenarios alone)
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${BOOT_WORK:-$top/build/boot}
logs=$work/logs
root=$work/root
mkdir -p "$logs"
generators=("$@")
[ ${#generators[@]} -gt 0 ] || generators=(initramfs-tools dracut)

. "$top/tests/tap.sh"
die() { echo "boot: $*" >&2; echo "# boot: $pass passed, $((fail + 1)) failed"; exit 1; }
step() { printf '# %s  %s\n' "$(date +%T)" "$*"; }

if [ "$(id -u)" != 0 ]; then # debootstrap, chroot and the package tools need root
	command -v sudo >/dev/null || die "run as root (debootstrap and chroot need it)"
	exec sudo -E "$0" "$@"
fi
for tool in debootstrap qemu-system-x86_64 python3; do
	command -v "$tool" >/dev/null || die "$tool is missing (tools/install-deps test installs what the boot tests need)"
done

step "Debian root (debootstrap, kernel package) in $root"
"$top/tests/boot/mkroot.sh" "$root" || die "could not build the Debian root"
kver=$(cat "$root/.kver")
kernel=$root/boot/vmlinuz-$kver

# vfio-boot built for /usr, as a distribution package would install it.
step "build vfio-boot with PREFIX=/usr"
make -s -C "$top" BUILD="$work/build-usr" PREFIX=/usr all >"$work/build.log" 2>&1 || die "build failed: $work/build.log"

in_stage() { # STAGE COMMAND...: run a command inside the stage, as the package scripts would
	local stage=$1
	shift
	chroot "$stage" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
}

# ---- the guest machines -------------------------------------------------------------------
# A GPU (QEMU's VGA, bochs-drm) and its HDMI-like audio (intel-hda, snd_hda_intel) as two
# functions of one slot behind a PCIe root port, like a real graphics card. The host keeps
# another display on the root bus: virtio-vga (other IDs: method ids), or a second VGA with
# the same vendor:device (method address). "changed" puts a USB controller where the GPU was;
# "single" has no other display: the GPU is the console (dynamic handoff).
guest_slot="-device pcie-root-port,id=rp1,chassis=1,slot=1,bus=pcie.0,addr=1c.0"
gpu_pair="-device VGA,bus=rp1,addr=00.0,multifunction=on -device intel-hda,bus=rp1,addr=00.1 -device hda-duplex"
declare -A layouts=(
	[different]="-device virtio-vga,bus=pcie.0,addr=02.0 $guest_slot $gpu_pair"
	[identical]="-device VGA,bus=pcie.0,addr=02.0 $guest_slot $gpu_pair"
	[changed]="-device VGA,bus=pcie.0,addr=02.0 $guest_slot -device qemu-xhci,bus=rp1,addr=00.0"
	[single]="$guest_slot $gpu_pair"
)

# run_qemu NAME IMAGE LAYOUT PARAMETERS [QEMU OPTIONS...]: one boot of the guest machine;
# the report is read from logs/NAME.log, which the options name as a serial port. The CPU is
# TCG's "max", whose emulated AMD-V lets the guest load kvm_amd (and nest a KVM guest).
# (max,svm=off boots a systemd that fails its mounts and services under QEMU 7.2: a guest
# without /dev/kvm is made with modprobe.blacklist instead.)
# A boot that QEMU's 600 s timeout ends without the report is booted once more, its logs kept
# as NAME.hung.*: under TCG a guest has stalled for minutes with RCU and soft-lockup reports
# (seen once in a CI run, in the nested VM's start), which says nothing of vfio-boot. The
# second boot must pass every check; a boot that ends early without the report is not retried.
run_qemu() {
	local name=$1 image=$2 layout=$3 params=$4 attempt rc
	shift 4
	local log=$logs/$name.log
	for attempt in 1 2; do
		local start=$SECONDS
		rm -f "$log"
		# shellcheck disable=SC2086 # the layout is a list of options
		timeout 600 qemu-system-x86_64 -machine q35,kernel-irqchip=split -accel tcg -cpu max -m 2048 -smp 2 \
			-nodefaults -display none -no-reboot -monitor none \
			-device intel-iommu,intremap=on ${layouts[$layout]} "$@" \
			-kernel "$kernel" -initrd "$image" \
			-append "console=ttyS0 panic=-1 quiet intel_iommu=on $params" </dev/null >"$log.qemu" 2>&1
		rc=$?
		step "boot $name: $((SECONDS - start)) s (qemu exit $rc)"
		grep -q '^VBTEST-END' "$log" && return
		echo "# boot $name did not reach the report: $log"
		tail -20 "$log" | sed 's/^/#   /'
		[ "$rc" = 124 ] && [ "$attempt" = 1 ] || return
		for f in "$log" "$log.qemu" "$logs/$name.console.log"; do [ -e "$f" ] && mv "$f" "${f/"$logs/$name."/"$logs/$name.hung."}"; done
		echo "# boot $name: QEMU's timeout, no report (logs kept as $logs/$name.hung.*): booting it once more"
	done
}

# boot NAME IMAGE LAYOUT [KERNEL PARAMETERS...]: a boot that ends in the initramfs (report.sh
# there); the serial console is logs/NAME.log
boot() {
	local name=$1 image=$2 layout=$3
	shift 3
	run_qemu "$name" "$image" "$layout" "$*" -serial "file:$logs/$name.log"
}

# full_boot NAME IMAGE DISK LAYOUT [KERNEL PARAMETERS...]: a boot through the initramfs to
# the real root on DISK (an ext4 image of the stage, left unchanged: snapshot) and
# multi-user.target, where vbtest-full.service reports on the second serial port
# (logs/NAME.log); the console is logs/NAME.console.log
full_boot() {
	local name=$1 image=$2 disk=$3 layout=$4
	shift 4
	run_qemu "$name" "$image" "$layout" "root=/dev/vda rw vbtest=full $*" \
		-serial "file:$logs/$name.console.log" -serial "file:$logs/$name.log" \
		-drive "file=$disk,format=raw,if=none,id=root,snapshot=on" -device virtio-blk-pci,drive=root,bus=pcie.0,addr=03.0
	local us
	us=$(awk '$1 == "VBTEST-MULTIUSER-US" { print $2 }' "$logs/$name.log" | tr -d '\r')
	[ -n "$us" ] && step "boot $name: multi-user.target $((us / 1000)) ms after the kernel started"
}

# root_disk STAGE DISK: the stage as an ext4 file system image (mke2fs -d: no loop device)
root_disk() {
	local mib start=$SECONDS
	mib=$(du -sm "$1" | cut -f1)
	rm -f "$2"
	mke2fs -q -t ext4 -L vbroot -d "$1" "$2" "$((mib * 5 / 4 + 256))M" >/dev/null || return 1
	step "root file system image: $((SECONDS - start)) s, $((mib)) MiB of files"
}

# driver_of NAME ADDRESS [TAG]: the driver bound to ADDRESS in boot NAME ("-" when none),
# at the end of the boot (VBTEST-DEV) or at another report point (TAG)
driver_of() {
	awk -v a="$2" -v tag="${3:-VBTEST-DEV}" '$1 == tag && $2 == a { print $9 }' "$logs/$1.log" | tr -d '\r'
}

# expect NAME DESCRIPTION ADDRESS=DRIVER...: one test over one boot (TAG=... picks the report point)
expect() {
	local name=$1 what=$2 got="" want=""
	shift 2
	for pair in "$@"; do
		want="$want $pair"
		got="$got ${pair%%=*}=$(driver_of "$name" "${pair%%=*}" "${TAG:-}")"
	done
	if [ "$got" = "$want" ]; then ok "$what"; else not_ok "$what" "want:$want
got: $got
log: $logs/$name.log"; fi
}

# helper_runs NAME WANT WHAT: the boot-time helper writes one debug line to the kernel log
# each time it runs; in boot NAME it must have run WANT times (the rule apply generates runs
# it for the selected functions only, once per udev phase: the initramfs, the real root)
helper_runs() {
	local name=$1 want=$2 what=$3 got
	got=$(grep -c 'VBTEST-LOG .*vfio-boot: .*: the boot-time helper runs' "$logs/$name.log")
	if [ "$got" = "$want" ]; then ok "$what (helper runs: $got)"
	else not_ok "$what" "the helper ran $got times, not $want: $(grep VBTEST-LOG "$logs/$name.log")"; fi
}

# listing NAME: the guest's PCI devices from boot NAME, as a fixture listing for
# build-sysroot.py (so that vfio-boot plans for the machine as the kernel saw it)
listing() {
	tr -d '\r' <"$logs/$1.log" | awk '
		$1 == "VBTEST-CMDLINE" { sub(/^VBTEST-CMDLINE /, ""); cmdline = $0 }
		$1 == "VBTEST-DEV" {
			split($2, p, ":"); short = p[2] ":" p[3]
			cls = substr($7, 3, 4); ven = substr($3, 3); dev = substr($4, 3)
			printf "IOMMU Group %s %s Class [%s]: Device [%s:%s]\n", $8, short, cls, ven, dev
			extra = extra sprintf("@subsys %s %s:%s\n", short, substr($5, 3), substr($6, 3))
			if ($9 != "-") extra = extra sprintf("@driver %s %s\n", short, $9)
			if ($10 == "1") extra = extra sprintf("@bootvga %s\n", short)
			if ($11 != "pci0000:00") { split($11, q, ":"); extra = extra sprintf("@bridge %s %s:%s\n", p[2], q[2], q[3]) }
		}
		END { printf "@cpu intel QEMU TCG\n@iommu intel\n@cmdline %s\n%s", cmdline, extra }'
}

sysroot_from() { # NAME DIR
	listing "$1" >"$2.listing"
	rm -rf "$2"
	python3 "$top/tests/fixtures/build-sysroot.py" "$2.listing" "$2" >/dev/null
}

# ---- one generator ------------------------------------------------------------------------
run_generator() {
	local gen=$1 stage=$work/stage-$1 image
	step "$gen: stage"
	rm -rf "$stage"
	cp -a "$root" "$stage"
	make -s -C "$top" BUILD="$work/build-usr" PREFIX=/usr DESTDIR="$stage" install >>"$work/build.log" 2>&1 ||
		die "make install into the stage failed: $work/build.log"
	local vb=("$stage/usr/bin/vfio-boot" --root="$stage")
	# GRUB's settings as Debian ships them (no GRUB itself: update-grub is skipped), so that
	# apply writes the drop-in whose recovery parameter the kill-switch boots use
	mkdir -p "$stage/etc/default/grub.d"
	printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX=""\n' >"$stage/etc/default/grub"
	image=$stage/boot/initrd.img-$kver
	# The report of the full boots, run by systemd in the real root after multi-user.target
	install -Dm755 "$top/tests/boot/report.sh" "$stage/usr/local/lib/vbtest/report.sh"
	cat >"$stage/etc/systemd/system/vbtest-full.service" <<-EOF
		[Unit]
		Description=vfio-boot boot test: the report of a full boot
		After=multi-user.target
		ConditionKernelCommandLine=vbtest=full
		[Service]
		Type=oneshot
		ExecStart=/usr/local/lib/vbtest/report.sh full
		[Install]
		WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/vbtest-full.service "$stage/etc/systemd/system/multi-user.target.wants/"
	# For the handoff boots: a display manager's stand-in, which holds the boot GPU's card
	# open as a display server does, and a process that holds it too and ignores SIGTERM
	cat >"$stage/usr/local/lib/vbtest/hold-card.sh" <<-'EOF'
		#!/bin/sh
		# hold-card.sh [stubborn]: keep the boot VGA device's DRM card open
		[ "$1" = stubborn ] && trap '' TERM
		udevadm settle
		for d in /sys/bus/pci/devices/*; do
			[ "$(cat "$d/boot_vga" 2>/dev/null)" = 1 ] && exec sleep infinity 3<"/dev/dri/by-path/pci-${d##*/}-card"
		done
		exit 1
	EOF
	chmod 755 "$stage/usr/local/lib/vbtest/hold-card.sh"
	cat >"$stage/etc/systemd/system/vbtest-dm.service" <<-EOF
		[Unit]
		Description=vfio-boot boot test: a display manager's stand-in
		ConditionKernelCommandLine=|vbtest=handoff-single
		ConditionKernelCommandLine=|vbtest=handoff-dual
		[Service]
		ExecStart=/usr/local/lib/vbtest/hold-card.sh
		[Install]
		Alias=display-manager.service
		WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/vbtest-dm.service "$stage/etc/systemd/system/display-manager.service"
	ln -sf /etc/systemd/system/vbtest-dm.service "$stage/etc/systemd/system/multi-user.target.wants/"
	cat >"$stage/etc/systemd/system/vbtest-holder.service" <<-EOF
		[Unit]
		Description=vfio-boot boot test: a process that keeps the card and ignores SIGTERM
		[Service]
		ExecStart=/usr/local/lib/vbtest/hold-card.sh stubborn
		TimeoutStopSec=2
	EOF

	# The test's own parts of the image: the native drivers (a real image carries amdgpu
	# through plymouth; without them a vfio-pci result would prove nothing), the root file
	# system's (virtio_blk, ext4) and the report.
	local native="bochs snd_hda_intel xhci_pci virtio_pci virtio_gpu"
	case $gen in
	initramfs-tools)
		cat >"$stage/etc/initramfs-tools/hooks/zz-vbtest" <<-EOF
			#!/bin/sh
			[ "\$1" = prereqs ] && exit 0
			. /usr/share/initramfs-tools/hook-functions
			manual_add_modules $native vfio_pci virtio_blk ext4
			copy_exec /usr/bin/vfio-boot /usr/bin
		EOF
		chmod 755 "$stage/etc/initramfs-tools/hooks/zz-vbtest"
		install -Dm755 "$top/tests/boot/report.sh" "$stage/etc/initramfs-tools/scripts/init-premount/zz-vbtest"
		build_image() { in_stage "$stage" update-initramfs -c -k "$kver" >"$logs/$gen-image-$1.log" 2>&1; }
		;;
	dracut)
		# Debian's dracut package replaces initramfs-tools (whose conffiles stay behind)
		if ! in_stage "$stage" dpkg --remove initramfs-tools >"$logs/$gen-dpkg.log" 2>&1 ||
			! in_stage "$stage" dpkg -i /var/cache/vbtest/dracut.deb >>"$logs/$gen-dpkg.log" 2>&1; then
			die "could not install dracut in the stage: $logs/$gen-dpkg.log"
		fi
		local mod=$stage/usr/lib/dracut/modules.d/99vbtest
		mkdir -p "$mod"
		install -m755 "$top/tests/boot/report.sh" "$mod/report.sh"
		# Without a root file system (all but the full boots): a cmdline hook accepts the
		# missing root=, and the report runs in pre-mount, after udev has settled (the main
		# loop ends at once without a root to wait for, so it settles first itself). Hooks
		# are sourced by dracut's init: the full boots' case is decided here.
		# shellcheck disable=SC2016 # expanded by the image's shell
		printf '%s\n' '#!/bin/sh' 'rootok=1' 'root=${root:-vbtest}' >"$mod/no-root.sh"
		# shellcheck disable=SC2016 # expanded by the image's shell
		printf '%s\n' '#!/bin/sh' 'case " $(cat /proc/cmdline) " in *" vbtest=full "*) ;;' \
			'*) udevadm settle --timeout=60; . /lib/vbtest-report.sh ;; esac' >"$mod/report-hook.sh"
		cat >"$mod/module-setup.sh" <<-'EOF'
			#!/bin/bash
			check() { return 255; }
			depends() { echo udev-rules; }
			installkernel() { instmods vfio_pci; }
			install() {
			    inst_multiple cat grep cut sed tr basename dirname readlink dmesg sleep /usr/bin/vfio-boot
			    inst_simple "$moddir/report.sh" /lib/vbtest-report.sh
			    inst_hook cmdline 99 "$moddir/no-root.sh"
			    inst_hook pre-mount 99 "$moddir/report-hook.sh"
			}
		EOF
		# generic (not hostonly), and small: only the modules named here and by vfio-boot
		cat >"$stage/etc/dracut.conf.d/00-vbtest.conf" <<-EOF
			hostonly="no"
			dracutmodules+=" base udev-rules rootfs-block vbtest "
			add_drivers+=" $native virtio_blk ext4 "
			compress="gzip"
		EOF
		build_image() { in_stage "$stage" dracut --force --kver "$kver" >"$logs/$gen-image-$1.log" 2>&1; }
		;;
	esac

	# the parameters of GRUB's recovery entries, as Debian's 10_linux builds them from the
	# settings and vfio-boot's drop-in (it appends "single")
	recovery_params() {
		sh -c '. "$1/etc/default/grub"; for f in "$1"/etc/default/grub.d/*.cfg; do . "$f"; done
			echo $GRUB_CMDLINE_LINUX_RECOVERY single $GRUB_CMDLINE_LINUX' _ "$stage"
	}
	# the parameters of GRUB's normal entries (GRUB_CMDLINE_LINUX, then _DEFAULT)
	boot_params() {
		sh -c '. "$1/etc/default/grub"; for f in "$1"/etc/default/grub.d/*.cfg; do [ -e "$f" ] && . "$f"; done
			echo $GRUB_CMDLINE_LINUX $GRUB_CMDLINE_LINUX_DEFAULT' _ "$stage"
	}
	# full_check DESCRIPTION NAME CHECK [ADDRESS=DRIVER...]: one scenario of a full boot
	# (check-full.py says what it checks); FULL_EXPECT=fail expects it to fail
	full_check() {
		local what=$1 name=$2 out rc
		shift 2
		out=$(python3 "$top/tests/boot/check-full.py" "$logs/$name.log" "$@")
		rc=$?
		if [ "${FULL_EXPECT:-pass}" = fail ]; then
			if [ $rc != 0 ]; then ok "$what: $out"; else not_ok "$what" "it passed: $out"; fi
		elif [ $rc = 0 ]; then ok "$what ($out)"
		else not_ok "$what" "$out
log: $logs/$name.log"; fi
	}
	# verify_images NAME SYSROOT WANT_EXIT: vfio-boot verify on the images just built
	verify_images() {
		"${vb[@]}" --sysroot="$2" verify >"$logs/$gen-verify-$1.txt" 2>&1
		local st=$?
		if [ "$st" = "$3" ]; then ok "$gen: verify reads the $1 image: exit $st"
		else not_ok "$gen: verify reads the $1 image: exit $st, expected $3" "$(cat "$logs/$gen-verify-$1.txt")"; fi
	}

	# rebuild NAME: run the commands vfio-boot listed (apply/revert under --root list them)
	rebuild() {
		local json=$1 name=$2 start=$SECONDS
		local -a argv
		while IFS=$'\x1f' read -r -a argv; do
			[ "${argv[0]}" = update-grub ] && continue # the stage has no boot loader
			in_stage "$stage" "${argv[@]}" >>"$logs/$gen-image-$name.log" 2>&1 || {
				echo "# ${argv[*]} failed: $logs/$gen-image-$name.log"
				return 1
			}
		done < <(python3 -c 'import json,sys; [print("\x1f".join(c)) for c in json.load(open(sys.argv[1]))["commands"]]' "$json")
		step "$gen: image $name: $((SECONDS - start)) s, $(stat -c %s "$image") bytes"
	}

	step "$gen: control image"
	build_image control || die "$gen: the control image failed: $logs/$gen-image-control.log"
	cp "$image" "$work/$gen-control.img"
	boot "$gen-control-different" "$image" different
	boot "$gen-control-identical" "$image" identical
	expect "$gen-control-different" "$gen: control: native drivers bind the GPU and its audio" \
		0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel 0000:00:02.0=virtio-pci
	expect "$gen-control-identical" "$gen: control: native drivers bind both identical GPUs" \
		0000:00:02.0=bochs-drm 0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	helper_runs "$gen-control-different" 0 "$gen: control, nothing selected: nothing of vfio-boot runs at boot for any of the $(grep -c '^VBTEST-DEV ' "$logs/$gen-control-different.log") functions"
	# the runtime verbs on the control image (which carries vfio-boot and vfio-pci)
	boot "$gen-live" "$image" identical vbtest=live
	if grep -q 'VBTEST-LIVE bind-boot-gpu exit=1 .*0000:00:02.0 is the boot VGA device and in use: the console (fbcon on fb0)' "$logs/$gen-live.log"; then
		ok "$gen: bind refuses the boot GPU while fbcon uses it"
	else not_ok "$gen: bind refuses the boot GPU while fbcon uses it" "$(grep VBTEST-LIVE "$logs/$gen-live.log")"; fi
	if grep -q 'VBTEST-LIVE bind exit=0 ' "$logs/$gen-live.log"; then
		TAG=VBTEST-BOUND expect "$gen-live" "$gen: bind 01:00.0 on the running kernel: the slot on vfio-pci, its twin on bochs-drm" \
			0000:00:02.0=bochs-drm 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci
	else not_ok "$gen: bind 01:00.0 on the running kernel: exit 0" "$(grep VBTEST-LIVE "$logs/$gen-live.log")"; fi
	if grep -q 'VBTEST-LIVE unbind exit=0 .*0000:01:00.0 .*: vfio-pci -> bochs-drm' "$logs/$gen-live.log"; then
		expect "$gen-live" "$gen: unbind 01:00.0: back to bochs-drm and snd_hda_intel" \
			0000:00:02.0=bochs-drm 0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	else not_ok "$gen: unbind 01:00.0: back to bochs-drm and snd_hda_intel" "$(grep VBTEST-LIVE "$logs/$gen-live.log")"; fi
	sysroot_from "$gen-control-different" "$work/sys-different"
	sysroot_from "$gen-control-identical" "$work/sys-identical"
	# BOOT_ONLY=handoff (for work on it): the handoff scenarios alone, on the control image
	if [ "${BOOT_ONLY:-}" = handoff ]; then
		handoff_scenarios
		return
	fi

	# 2. GPU + audio, method ids
	step "$gen: apply 01:00.0 (different host GPU)"
	if "${vb[@]}" --sysroot="$work/sys-different" apply --json 01:00.0 >"$work/$gen-apply-ids.json" 2>"$logs/$gen-apply-ids.err" &&
		grep -q '"method": "ids"' "$work/$gen-apply-ids.json"; then
		ok "$gen: apply plans method ids for a GPU whose IDs the host GPU does not share"
	else not_ok "$gen: apply plans method ids for a GPU whose IDs the host GPU does not share" "$(cat "$logs/$gen-apply-ids.err")"; fi
	rebuild "$work/$gen-apply-ids.json" ids
	verify_images ids "$work/sys-different" 0
	local recovery
	recovery=$(recovery_params)
	case " $recovery " in *" vfio-boot=off "*) ok "$gen: GRUB's recovery entries pass vfio-boot=off ($recovery)" ;;
	*) not_ok "$gen: GRUB's recovery entries pass vfio-boot=off" "$recovery" ;; esac
	boot "$gen-ids" "$image" different
	expect "$gen-ids" "$gen: method ids: the GPU and its audio are on vfio-pci, the host GPU on its driver" \
		0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:00:02.0=virtio-pci
	helper_runs "$gen-ids" 2 "$gen: method ids: the helper runs once for each of the 2 selected functions, for no other of the $(grep -c '^VBTEST-DEV ' "$logs/$gen-ids.log")"
	# 4. the kill switch
	# shellcheck disable=SC2086 # a parameter list
	boot "$gen-ids-off" "$image" different $recovery
	expect "$gen-ids-off" "$gen: method ids, the recovery entry's parameters: native drivers bind" \
		0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	# The full boots: the stage, as apply left it, is the real root; the kernel parameters
	# are those of GRUB's normal entries. Through switch_root, the real root's udev coldplug
	# and multi-user.target, then status, verify and a VM through libvirt.
	step "$gen: full boots, method ids"
	local disk=$work/$gen-root.img params
	params=$(boot_params)
	root_disk "$stage" "$disk" || die "$gen: mke2fs failed"
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-full-ids" "$image" "$disk" different $params vbtest=vm
	full_check "$gen: full boot, method ids: the GPU and its audio on vfio-pci, the host GPU on its driver, status in sync" \
		"$gen-full-ids" sync 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:00:02.0=virtio-pci
	full_check "$gen: full boot, method ids, KVM in the guest: libvirt starts the profile's VM with both functions in one guest slot" \
		"$gen-full-ids" vm kvm
	helper_runs "$gen-full-ids" 4 "$gen: full boot, method ids: the helper runs for the 2 selected functions in the initramfs and again in the real root"
	# the kill switch as a user types it at the boot menu (the recovery entry also boots to
	# single-user mode, which never reaches multi-user.target)
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-full-ids-off" "$image" "$disk" different $params vfio-boot=off vbtest=vm
	full_check "$gen: full boot, vfio-boot=off: native drivers, status reports the kill switch" \
		"$gen-full-ids-off" off 0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	full_check "$gen: full boot, vfio-boot=off: the VM does not start, and status says why" \
		"$gen-full-ids-off" refused
	# An image without vfio-boot's files (the control image: the native drivers bind in the
	# initramfs), as a kernel whose image was not rebuilt would have: the real root's
	# helper takes the functions from them on its coldplug.
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-full-old-image" "$work/$gen-control.img" "$disk" different $params
	full_check "$gen: full boot, an image without vfio-boot's files: the real root's helper takes the functions, status in sync" \
		"$gen-full-old-image" sync 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:00:02.0=virtio-pci
	if grep -q 'vfio-boot: 0000:01:00.0: taken from bochs-drm' "$logs/$gen-full-old-image.log"; then
		ok "$gen: full boot, an image without vfio-boot's files: the helper logs what it took from bochs-drm"
	else not_ok "$gen: full boot, an image without vfio-boot's files: the helper logs what it took from bochs-drm" \
		"$(grep VBTEST-LOG "$logs/$gen-full-old-image.log")"; fi
	helper_runs "$gen-full-old-image" 2 "$gen: full boot, an image without vfio-boot's files: the helper runs in the real root only, for the 2 selected functions"
	# ... and the check can fail: the same image under a real root whose rule is masked (a
	# link to /dev/null in its place) keeps them on the native drivers
	mv "$stage/etc/udev/rules.d/60-vfio-boot.rules" "$work/60-vfio-boot.rules.away"
	ln -s /dev/null "$stage/etc/udev/rules.d/60-vfio-boot.rules"
	root_disk "$stage" "$work/$gen-root-masked.img" || die "$gen: mke2fs failed"
	rm "$stage/etc/udev/rules.d/60-vfio-boot.rules"
	mv "$work/60-vfio-boot.rules.away" "$stage/etc/udev/rules.d/60-vfio-boot.rules"
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-full-broken" "$work/$gen-control.img" "$work/$gen-root-masked.img" different $params
	rm -f "$work/$gen-root-masked.img"
	FULL_EXPECT=fail full_check "$gen: full boot, the real root's phase broken too (rule masked): the check fails" \
		"$gen-full-broken" sync 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci 0000:00:02.0=virtio-pci
	# 6. revert, rebuild: native drivers again
	"${vb[@]}" --sysroot="$work/sys-different" revert --json >"$work/$gen-revert.json" 2>"$logs/$gen-revert.err" ||
		not_ok "$gen: revert" "$(cat "$logs/$gen-revert.err")"
	rebuild "$work/$gen-revert.json" revert
	# the selection is kept, our files are gone: the image no longer binds it
	verify_images reverted "$work/sys-different" 1
	if grep -q 'missing  modprobe .*is not in the image' "$logs/$gen-verify-reverted.txt"; then
		ok "$gen: verify names what the reverted image lacks"
	else not_ok "$gen: verify names what the reverted image lacks" "$(cat "$logs/$gen-verify-reverted.txt")"; fi
	boot "$gen-reverted" "$image" different
	expect "$gen-reverted" "$gen: after revert and a rebuild: native drivers bind" \
		0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	helper_runs "$gen-reverted" 0 "$gen: after revert: the helper never runs"
	if [ ! -e "$stage/etc/udev/rules.d/60-vfio-boot.rules" ]; then ok "$gen: revert removes the generated udev rule"
	else not_ok "$gen: revert removes the generated udev rule"; fi

	# 3. identical GPUs, method address
	step "$gen: apply 01:00.0 (identical host GPU)"
	if "${vb[@]}" --sysroot="$work/sys-identical" apply --json 01:00.0 >"$work/$gen-apply-address.json" 2>"$logs/$gen-apply-address.err" &&
		grep -q '"method": "address"' "$work/$gen-apply-address.json"; then
		ok "$gen: apply plans method address for a GPU identical to the host's"
	else not_ok "$gen: apply plans method address for a GPU identical to the host's" "$(cat "$logs/$gen-apply-address.err")"; fi
	rebuild "$work/$gen-apply-address.json" address
	verify_images address "$work/sys-identical" 0
	if grep -q 'ok       helper' "$logs/$gen-verify-address.txt" && grep -q 'ok       devices' "$logs/$gen-verify-address.txt"; then
		ok "$gen: verify finds the helper and the current device list in the image"
	else not_ok "$gen: verify finds the helper and the current device list in the image" "$(cat "$logs/$gen-verify-address.txt")"; fi
	boot "$gen-address" "$image" identical
	expect "$gen-address" "$gen: method address: the selected twin and its audio on vfio-pci, the host's twin on bochs-drm" \
		0000:00:02.0=bochs-drm 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci
	helper_runs "$gen-address" 2 "$gen: method address: the helper runs for the 2 selected functions, not for the host's twin"
	if grep -q 'vfio-boot: 0000:01:00.0 (1234:1111) set to vfio-pci' "$logs/$gen-address.log"; then
		ok "$gen: the helper reports what it bound in the kernel log"
	else not_ok "$gen: the helper reports what it bound in the kernel log" "$(grep VBTEST-LOG "$logs/$gen-address.log")"; fi
	step "$gen: full boot, method address"
	params=$(boot_params)
	root_disk "$stage" "$disk" || die "$gen: mke2fs failed"
	# without /dev/kvm in the guest (kvm not loaded): the profile writes a domain for QEMU's
	# emulator
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-full-address" "$image" "$disk" identical $params modprobe.blacklist=kvm_amd,kvm_intel,kvm vbtest=vm
	full_check "$gen: full boot, method address: the selected twin and its audio on vfio-pci, the host's twin on bochs-drm, status in sync" \
		"$gen-full-address" sync 0000:00:02.0=bochs-drm 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci
	full_check "$gen: full boot, method address, no KVM in the guest: libvirt starts the profile's VM with both functions in one guest slot" \
		"$gen-full-address" vm qemu
	rm -f "$disk"
	recovery=$(recovery_params)
	# shellcheck disable=SC2086 # a parameter list
	boot "$gen-address-off" "$image" identical $recovery
	expect "$gen-address-off" "$gen: method address, the recovery entry's parameters: native drivers bind" \
		0000:00:02.0=bochs-drm 0000:01:00.0=bochs-drm 0000:01:00.1=snd_hda_intel
	if [ "$gen" = dracut ]; then
		# A host-only image, as Fedora and openSUSE build by default: dracut looks at the
		# machine that builds it (here the test machine, through /proc, /sys and /dev) and
		# keeps what vfio-boot asked for all the same (force_drivers, install_items, module).
		local m hostonly=$stage/boot/hostonly.img rc
		for m in proc sys dev; do mount --bind "/$m" "$stage/$m"; done
		in_stage "$stage" dracut --hostonly --hostonly-mode sloppy --force --kver "$kver" /boot/hostonly.img \
			>"$logs/$gen-image-hostonly.log" 2>&1
		rc=$?
		for m in dev sys proc; do umount "$stage/$m"; done
		[ $rc = 0 ] || die "$gen: the host-only image failed: $logs/$gen-image-hostonly.log"
		step "$gen: host-only image: $(stat -c %s "$hostonly") bytes"
		boot "$gen-hostonly-address" "$hostonly" identical
		expect "$gen-hostonly-address" "$gen: host-only image, method address: the selected twin and its audio on vfio-pci" \
			0000:00:02.0=bochs-drm 0000:01:00.0=vfio-pci 0000:01:00.1=vfio-pci
	fi
	# 8. a piece the image needs is missing (an uninstalled helper, a deleted device list or
	# rule): the image build fails with a message that names it, and the last image stays
	step "$gen: image builds with a missing piece"
	local piece sum_before
	sum_before=$(sha256sum <"$image")
	for piece in /usr/libexec/vfio-boot/vfio-boot-bind /etc/vfio-boot/devices.conf /etc/udev/rules.d/60-vfio-boot.rules; do
		mv "$stage$piece" "$stage$piece.away"
		build_image "missing-${piece##*/}"
		local brc=$?
		mv "$stage$piece.away" "$stage$piece"
		local blog=$logs/$gen-image-missing-${piece##*/}.log
		local want="vfio-boot: $piece is missing: the image would not bind"
		# dracut checks the helper itself (the module's check()) and names the module
		[ "$gen/${piece##*/}" = dracut/vfio-boot-bind ] && want="dracut module 'vfio-boot' cannot be found or installed"
		if [ $brc != 0 ] && grep -qF "$want" "$blog"; then
			ok "$gen: without $piece the image build fails (exit $brc) and says why"
		else not_ok "$gen: without $piece the image build fails (exit $brc) and says why" "$(tail -5 "$blog")"; fi
	done
	if [ "$(sha256sum <"$image")" = "$sum_before" ]; then ok "$gen: the failed builds left the last image in place"
	else not_ok "$gen: the failed builds left the last image in place"; fi
	# 7. a kernel installed after apply: its package's hook builds its image with vfio-boot's
	# files (initramfs-tools: the hook's case for a kernel it did not know), and verify reads
	# the binding in it. (A second kernel cannot boot here: its modules would carry the
	# first one's version magic under another name; the image is what the hooks decide.)
	step "$gen: a kernel installed after apply"
	local newk=$kver-vbnew
	cp -a "$stage/lib/modules/$kver" "$stage/lib/modules/$newk"
	if [ -e "$stage/boot/config-$kver" ]; then cp "$stage/boot/config-$kver" "$stage/boot/config-$newk"; fi
	in_stage "$stage" depmod "$newk"
	case $gen in
	initramfs-tools) in_stage "$stage" update-initramfs -c -k "$newk" ;;
	dracut) in_stage "$stage" dracut --force --kver "$newk" ;;
	esac >"$logs/$gen-image-newkernel.log" 2>&1 || die "$gen: the new kernel's image failed: $logs/$gen-image-newkernel.log"
	"${vb[@]}" --sysroot="$work/sys-identical" verify --kernel="$newk" >"$logs/$gen-verify-newkernel.txt" 2>&1
	local vst=$?
	if [ $vst = 0 ] && grep -q "Kernel $newk: the next boot binds the selection" "$logs/$gen-verify-newkernel.txt" &&
		grep -q 'ok       helper' "$logs/$gen-verify-newkernel.txt"; then
		ok "$gen: a kernel installed after apply gets an image that binds (verify --kernel=$newk)"
	else not_ok "$gen: a kernel installed after apply gets an image that binds (verify --kernel=$newk): exit $vst" \
		"$(cat "$logs/$gen-verify-newkernel.txt")"; fi
	rm -rf "$stage/lib/modules/$newk" "$stage/boot/config-$newk" "$stage/boot/initrd.img-$newk"
	# 5. the configured address now holds another device
	boot "$gen-changed" "$image" changed
	if [ "$(driver_of "$gen-changed" 0000:01:00.0)" = xhci_hcd ] &&
		grep -q 'vfio-boot: 0000:01:00.0 holds 1b36:000d, not the configured 1234:1111: skipped' "$logs/$gen-changed.log"; then
		ok "$gen: a different device at the configured address is skipped, logged, and the boot completes"
	else not_ok "$gen: a different device at the configured address is skipped, logged, and the boot completes" \
		"driver $(driver_of "$gen-changed" 0000:01:00.0); $(grep VBTEST-LOG "$logs/$gen-changed.log")"; fi

	[ "$gen" = initramfs-tools ] && handoff_scenarios
}

# ---- dynamic handoff ----------------------------------------------------------------------
# In the booted real root, libvirt starts a domain whose devices are selected for handoff:
# vfio-boot's hook moves them to vfio-pci and back. It does not depend on the image (only
# the IOMMU parameter goes on the kernel command line), so it runs on one generator's stage.
handoff_scenarios() {
	local disk=$work/$gen-root.img params
	step "$gen: handoff, one GPU (the console)"
	# from nothing selected: the last scenario's selection reverted, its file gone
	"${vb[@]}" --sysroot="$work/sys-identical" revert --json >"$work/$gen-revert-2.json" 2>"$logs/$gen-revert-2.err" ||
		not_ok "$gen: revert before the handoff scenarios" "$(cat "$logs/$gen-revert-2.err")"
	rebuild "$work/$gen-revert-2.json" revert-2
	rm -f "$stage/etc/vfio-boot.conf"
	boot "$gen-control-single" "$work/$gen-control.img" single
	sysroot_from "$gen-control-single" "$work/sys-single"
	if "${vb[@]}" --sysroot="$work/sys-single" apply --handoff --force --json 01:00.0 >"$work/$gen-apply-handoff.json" 2>"$logs/$gen-apply-handoff.err" &&
		python3 - "$work/$gen-apply-handoff.json" <<-'EOF'; then
			import json, sys
			p = json.load(open(sys.argv[1]))
			assert p["devices"] == [] and [d["address"] for d in p["handoff"]] == ["0000:01:00.0", "0000:01:00.1"], p
			assert {f["path"] for f in p["files"]} == {"/etc/default/grub.d/vfio-boot.cfg", "/etc/libvirt/hooks/qemu.d/vfio-boot"}, p["files"]
		EOF
		ok "$gen: apply --handoff --force, the console GPU: no boot binding, the GRUB drop-in and the libvirt hook"
	else not_ok "$gen: apply --handoff --force, the console GPU" "$(cat "$logs/$gen-apply-handoff.err" "$work/$gen-apply-handoff.json")"; fi
	rebuild "$work/$gen-apply-handoff.json" handoff
	params=$(boot_params)
	root_disk "$stage" "$disk" || die "$gen: mke2fs failed"
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-handoff-single" "$image" "$disk" single $params vbtest=handoff-single
	full_check "$gen: handoff, one GPU: the hook stops the display manager and the console, the VM gets both functions, all back after destroy; a holder that stays and missing huge pages are rolled back" \
		"$gen-handoff-single" handoff single
	step "$gen: handoff, a second GPU"
	"${vb[@]}" --sysroot="$work/sys-single" revert --json >"$work/$gen-revert-3.json" 2>"$logs/$gen-revert-3.err" ||
		not_ok "$gen: revert between the handoff scenarios" "$(cat "$logs/$gen-revert-3.err")"
	rm -f "$stage/etc/vfio-boot.conf"
	"${vb[@]}" --sysroot="$work/sys-different" apply --handoff --json 01:00.0 >"$work/$gen-apply-handoff2.json" 2>"$logs/$gen-apply-handoff2.err" ||
		not_ok "$gen: apply --handoff, a second GPU" "$(cat "$logs/$gen-apply-handoff2.err")"
	root_disk "$stage" "$disk" || die "$gen: mke2fs failed"
	# shellcheck disable=SC2086 # a parameter list
	full_boot "$gen-handoff-dual" "$image" "$disk" different $params vbtest=handoff-dual
	full_check "$gen: handoff, a second GPU: only it moves, the display manager on the host's GPU stays" \
		"$gen-handoff-dual" handoff dual
	rm -f "$disk"
}

for g in "${generators[@]}"; do
	case $g in
	initramfs-tools | dracut) run_generator "$g" ;;
	*) die "unknown generator $g" ;;
	esac
done
tap_summary boot
