#!/bin/sh
# Boot-test report, run inside the guest's initramfs once udev has settled (initramfs-tools:
# scripts/init-premount; dracut: pre-mount). It prints every PCI function with its
# identity, IOMMU group, parent and bound driver, the vfio-boot lines of the kernel log and
# the loaded modules between two marker lines on the serial console, then powers off.
# busybox (initramfs-tools) and the dracut test module both provide what it uses.
PREREQ=""
case "$1" in prereqs)
	echo "$PREREQ"
	exit 0
	;;
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
case " $(cat /proc/cmdline) " in *" vbtest=live "*)
	vfio-boot bind 00:02.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE bind-boot-gpu exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	vfio-boot bind 01:00.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE bind exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	devices VBTEST-BOUND
	vfio-boot unbind 01:00.0 >/run/vbtest-out 2>&1
	echo "VBTEST-LIVE unbind exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	;;
esac
devices VBTEST-DEV
dmesg | grep 'vfio-boot' | sed 's/^/VBTEST-LOG /'
cut -d' ' -f1 /proc/modules | sed 's/^/VBTEST-MOD /'
echo "VBTEST-CMDLINE $(cat /proc/cmdline)"
echo "VBTEST-END"
echo o >/proc/sysrq-trigger
sleep 60
