/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every path the core reads or writes, relative to the sysroot (live state) or to the
 * root (target system). Nothing else in the core names /sys, /proc or /etc.
 */
#pragma once

/* under the sysroot */
#define VB_SYS_BUS_PCI "sys/bus/pci"
#define VB_SYS_PCI_DEVICES "sys/bus/pci/devices"
#define VB_SYS_IOMMU_GROUPS "sys/kernel/iommu_groups"
#define VB_SYS_CLASS_IOMMU "sys/class/iommu"
#define VB_SYS_ACPI_DMAR "sys/firmware/acpi/tables/DMAR"
#define VB_SYS_ACPI_IVRS "sys/firmware/acpi/tables/IVRS"
#define VB_SYS_EFI "sys/firmware/efi"
#define VB_SYS_KVM "sys/class/misc/kvm"
#define VB_PROC_CPUINFO "proc/cpuinfo"
#define VB_PROC_MEMINFO "proc/meminfo"
#define VB_PROC_CMDLINE "proc/cmdline"
#define VB_PROC_INTERRUPTS "proc/interrupts"
#define VB_PROC_MOUNTINFO "proc/self/mountinfo"

/* under the root */
#define VB_ETC_FSTAB "etc/fstab"
#define VB_MODULE_DIRS "lib/modules", "usr/lib/modules"
#define VB_PCI_IDS_FILES "usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids", "usr/share/pci.ids"

/* Every file vfio-boot writes into the root (absolute, as the manifest records them): the
 * generators' (gen/generators.c) and nothing else. The manifest may name only these, and
 * the directories on the way to them, for revert to delete or restore (state/state.c). */
#define VB_OUT_MODPROBE "/etc/modprobe.d/vfio-boot.conf"
#define VB_OUT_GRUB_DROPIN "/etc/default/grub.d/vfio-boot.cfg"
#define VB_OUT_GRUB_DEFAULT "/etc/default/grub"
#define VB_OUT_KERNEL_CMDLINE "/etc/kernel/cmdline"
#define VB_OUT_REFIND "/boot/refind_linux.conf"
#define VB_OUT_DEVICES "/etc/vfio-boot/devices.conf"
#define VB_UDEV_RULE "/etc/udev/rules.d/60-vfio-boot.rules"
#define VB_OUT_MODULES_LOAD "/etc/modules-load.d/vfio-boot.conf"
#define VB_OUT_INITRAMFS_TOOLS_HOOK "/etc/initramfs-tools/hooks/vfio-boot"
#define VB_OUT_DRACUT_CONF "/etc/dracut.conf.d/vfio-boot.conf"
#define VB_OUT_MKINITCPIO_CONF "/etc/mkinitcpio.conf.d/vfio-boot.conf"
#define VB_OUT_BOOSTER_YAML "/etc/booster.yaml"
#define VB_OUT_LIBVIRT_HOOK "/etc/libvirt/hooks/qemu.d/vfio-boot"
#define VB_OUT_PATHS                                                                                         \
	VB_OUT_MODPROBE, VB_OUT_GRUB_DROPIN, VB_OUT_GRUB_DEFAULT, VB_OUT_KERNEL_CMDLINE, VB_OUT_REFIND,      \
	    VB_OUT_DEVICES, VB_UDEV_RULE, VB_OUT_MODULES_LOAD, VB_OUT_INITRAMFS_TOOLS_HOOK,                  \
	    VB_OUT_DRACUT_CONF, VB_OUT_MKINITCPIO_CONF, VB_OUT_BOOSTER_YAML, VB_OUT_LIBVIRT_HOOK
