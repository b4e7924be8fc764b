#!/bin/sh
# Boot-test report. Two places run it:
# - inside the guest's initramfs once udev has settled (initramfs-tools: scripts/init-premount;
#   dracut: pre-mount), unless the boot goes on to the real root (vbtest=full);
# - with the argument "full", in the booted real root after multi-user.target
#   (vbtest-full.service), where it also runs vfio-boot status and verify and, with vbtest=vm,
#   starts a VM through libvirt with the selected functions.
# It prints every PCI function with its identity, IOMMU group, parent and bound driver, the
# vfio-boot lines of the kernel log and the loaded modules between two marker lines (on the
# console in the initramfs, on the second serial port in the real root), then powers off.
# busybox (initramfs-tools) and the dracut test module both provide what the first part uses.
PREREQ=""
cmdline=" $(cat /proc/cmdline) "
case "$1" in
prereqs)
	echo "$PREREQ"
	exit 0
	;;
full) exec >/dev/ttyS1 2>&1 ;;
*) case $cmdline in *" vbtest=full "*) exit 0 ;; esac ;;
esac

# devices TAG: one line per PCI function
devices() {
	for d in /sys/bus/pci/devices/*; do
		a=${d##*/}
		drv=-
		[ -e "$d/driver" ] && drv=$(basename "$(readlink "$d/driver")")
		grp=-
		[ -e "$d/iommu_group" ] && grp=$(basename "$(readlink "$d/iommu_group")")
		parent=$(basename "$(dirname "$(readlink -f "$d")")")
		bootvga=$(cat "$d/boot_vga" 2>/dev/null || echo -)
		echo "$1 $a $(cat "$d/vendor") $(cat "$d/device") $(cat "$d/subsystem_vendor") $(cat "$d/subsystem_device") $(cat "$d/class") $grp $drv $bootvga $parent"
	done
}

echo "VBTEST-BEGIN"
# vbtest=live: the runtime verbs on the running kernel (the image carries vfio-boot itself)
case $cmdline in *" vbtest=live "*)
	vfio-boot bind 00:02.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE bind-boot-gpu exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	vfio-boot bind 01:00.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE bind exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	devices VBTEST-BOUND
	vfio-boot unbind 01:00.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE unbind exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	;;
esac
# lines NAME FILE: a command's output, one tagged line each
lines() { sed "s/^/$1 /" "$2"; }

# full_report: the real root's view: vfio-boot status and verify, then the VM (vbtest=vm)
full_report() {
	echo "VBTEST-MULTIUSER-US $(systemctl show -P ActiveEnterTimestampMonotonic multi-user.target)"
	vfio-boot status --json >/run/vbtest-status.json 2>/run/vbtest-err
	echo "VBTEST-STATUS exit=$? $(tr -d '\n' </run/vbtest-status.json)"
	vfio-boot status >/run/vbtest-out 2>&1
	lines VBTEST-STATUS-TEXT /run/vbtest-out
	vfio-boot verify >/run/vbtest-out 2>&1
	echo "VBTEST-VERIFY exit=$?"
	lines VBTEST-VERIFY-TEXT /run/vbtest-out
	case $cmdline in *" vbtest=vm "*) ;; *) return ;; esac
	virsh -q net-start default >/run/vbtest-out 2>&1
	echo "VBTEST-NET exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	# the profile as a user would write it, small enough for the guest's memory
	vfio-boot profile --os=linux --memory=256M --name=vbtest --output=/run/vbtest.xml >/run/vbtest-out 2>&1
	echo "VBTEST-PROFILE exit=$?"
	lines VBTEST-PROFILE-TEXT /run/vbtest-out
	lines VBTEST-XML /run/vbtest.xml
	virsh -q define /run/vbtest.xml >/run/vbtest-out 2>&1
	echo "VBTEST-DEFINE exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	start=$(cut -d' ' -f1 /proc/uptime)
	virsh -q start --paused vbtest >/run/vbtest-out 2>&1
	rc=$?
	echo "VBTEST-START exit=$rc seconds=$start-$(cut -d' ' -f1 /proc/uptime) $(tr '\n' ' ' </run/vbtest-out)"
	devices VBTEST-RUNNING
	if [ $rc = 0 ]; then
		# QEMU's device tree (query-pci and info pci follow bus numbers, which the
		# firmware of a paused VM has not given the root ports yet)
		virsh -q qemu-monitor-command --hmp vbtest 'info qtree' >/run/vbtest-out 2>&1
		echo "VBTEST-QTREE-EXIT exit=$?"
		lines VBTEST-QTREE /run/vbtest-out
		virsh -q destroy vbtest >/run/vbtest-out 2>&1
		echo "VBTEST-DESTROY exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	fi
	vfio-boot status >/run/vbtest-out 2>&1
	lines VBTEST-STATUS-AFTER /run/vbtest-out
}

[ "$1" = full ] && full_report
devices VBTEST-DEV
dmesg | grep 'vfio-boot' | sed 's/^/VBTEST-LOG /'
cut -d' ' -f1 /proc/modules | sed 's/^/VBTEST-MOD /'
echo "VBTEST-CMDLINE $(cat /proc/cmdline)"
echo "VBTEST-END"
if [ "$1" = full ]; then
	systemctl poweroff --no-block
	exit 0
fi
echo o >/proc/sysrq-trigger
sleep 60
