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
	# multi-user.target does not wait for udev to process the coldplug's events, in which the
	# real root's helper takes the functions an old image left to their drivers: on a slow
	# boot status would look before it did (a person runs it later than that)
	udevadm settle --timeout=60
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

# hstate TAG: what handoff changes on the host: drivers, the display manager, the console,
# the CPUs of the host's units, the huge pages, the journals
hstate() {
	devices "$1"
	echo "$1-DM $(systemctl is-active display-manager.service)"
	# the framebuffer console: bound to the virtual terminals (1), not (0), or absent (-)
	fbcon=-
	for v in /sys/class/vtconsole/vtcon*; do
		grep -q 'frame buffer' "$v/name" 2>/dev/null && fbcon=$(cat "$v/bind")
	done
	echo "$1-VTCON $fbcon"
	for v in /sys/class/vtconsole/vtcon*; do echo "$1-VTCONS ${v##*/} $(cat "$v/bind") $(cat "$v/name")"; done
	for f in /sys/class/graphics/fb*; do echo "$1-FB ${f##*/} $(basename "$(readlink -f "$f/device" 2>/dev/null)")"; done
	for j in /run/vfio-boot/handoff/*; do [ -e "$j" ] && sed "s/^/$1-JOURNAL-TEXT /" "$j"; done
	echo "$1-CPUS $(systemctl show -P AllowedCPUs system.slice)"
	echo "$1-HUGE $(cat /proc/sys/vm/nr_hugepages)"
	echo "$1-JOURNAL $(ls /run/vfio-boot/handoff 2>/dev/null | tr '\n' ' ')"
}

# wait_dm: the display manager back (release starts it without waiting)
wait_dm() {
	i=0
	while [ $i -lt 30 ] && ! systemctl is-active --quiet display-manager.service; do
		sleep 1
		i=$((i + 1))
	done
}

# vm_start TAG NAME: virsh start --paused, timed, its output on one line
vm_start() {
	t0=$(cut -d' ' -f1 /proc/uptime)
	virsh -q start --paused "$2" >/run/vbtest-out 2>&1
	rc=$?
	echo "$1 exit=$rc seconds=$t0-$(cut -d' ' -f1 /proc/uptime) $(tr '\n' ' ' </run/vbtest-out)"
	return $rc
}

# handoff_report: with vbtest=handoff, the devices selected for handoff go to the VM and
# back through vfio-boot's libvirt hook; then a holder that does not let go, and huge pages
# the host does not have (vbtest=handoff-single only)
handoff_report() {
	hstate VBTEST-H0
	virsh -q net-start default >/run/vbtest-out 2>&1
	echo "VBTEST-NET exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	vfio-boot profile --os=linux --memory=256M --name=vbtest --output=/run/vbtest.xml >/run/vbtest-out 2>&1
	echo "VBTEST-PROFILE exit=$?"
	lines VBTEST-PROFILE-TEXT /run/vbtest-out
	lines VBTEST-XML /run/vbtest.xml
	virsh -q define /run/vbtest.xml >/run/vbtest-out 2>&1
	echo "VBTEST-DEFINE exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	if vm_start VBTEST-START vbtest; then
		hstate VBTEST-H1
		virsh -q qemu-monitor-command --hmp vbtest 'info qtree' >/run/vbtest-out 2>&1
		echo "VBTEST-QTREE-EXIT exit=$?"
		lines VBTEST-QTREE /run/vbtest-out
		virsh -q destroy vbtest >/run/vbtest-out 2>&1
		echo "VBTEST-DESTROY exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	fi
	wait_dm
	hstate VBTEST-H2
	case $cmdline in *" vbtest=handoff-single "*) ;; *)
		# by hand, without libvirt: the devices named on the command line
		vfio-boot handoff prepare 01:00.0 >/run/vbtest-out 2>&1
		echo "VBTEST-MANUAL-PREPARE exit=$?"
		lines VBTEST-MANUAL-TEXT /run/vbtest-out
		hstate VBTEST-H5
		vfio-boot -v handoff release 01:00.0 >/run/vbtest-out 2>&1
		echo "VBTEST-MANUAL-RELEASE exit=$?"
		lines VBTEST-MANUAL-TEXT /run/vbtest-out
		hstate VBTEST-H6
		return
		;;
	esac
	# a process outside the display manager that keeps the card open and ignores SIGTERM
	systemctl start vbtest-holder.service
	sleep 1
	vm_start VBTEST-STUCK vbtest && virsh -q destroy vbtest
	wait_dm
	hstate VBTEST-H3
	systemctl stop vbtest-holder.service
	# 3 GiB of huge pages in a 2 GiB machine
	sed 's|<name>vbtest</name>|<name>vbhuge</name>|; s|<memory>[0-9]*</memory>|<memory>3145728</memory><memoryBacking><hugepages/></memoryBacking>|; s|<currentMemory>[0-9]*</currentMemory>|<currentMemory>3145728</currentMemory>|' \
		/run/vbtest.xml >/run/vbhuge.xml
	virsh -q define /run/vbhuge.xml >/run/vbtest-out 2>&1
	echo "VBTEST-DEFINE-HUGE exit=$? $(tr '\n' ' ' </run/vbtest-out)"
	vm_start VBTEST-HUGE vbhuge && virsh -q destroy vbhuge
	wait_dm
	hstate VBTEST-H4
}

case $cmdline in *" vbtest=handoff"*) [ "$1" = full ] && handoff_report ;; *) [ "$1" = full ] && full_report ;; esac
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
# a power-off that does not come (seen once under TCG: the boot then sat in the initramfs
# until run.sh's 600 s timeout) is followed by a reboot, which ends QEMU too (-no-reboot)
sleep 15
echo b >/proc/sysrq-trigger
sleep 60
