/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The paths the core reads or writes under the sysroot (live state: /sys, /proc) and the
 * files it writes into the root (target system), relative to the sysroot or the root
 * unless said. Nothing else in the core names a path under /sys or /proc, nor a file
 * vfio-boot writes outside the boot stacks; their files under /etc and /boot, the ones
 * vfio-boot writes among them, are named in each stack's own file (target/bootloader-*.c,
 * target/initramfs-*.c), and where boot.c detects it.
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

/* under the sysroot, for the verbs that act on the running system (live, handoff) and
 * the probes that follow links */
#define VB_SYSFS "sys"
#define VB_SYS_PCI_DRIVERS_PROBE "sys/bus/pci/drivers_probe"
#define VB_SYS_PCI_DRIVERS "sys/bus/pci/drivers"
#define VB_SYS_PLATFORM_DEVICES "sys/bus/platform/devices"
#define VB_SYS_PLATFORM_DRIVERS "sys/bus/platform/drivers"
#define VB_SYS_CLASS_GRAPHICS "sys/class/graphics"
#define VB_SYS_CLASS_VTCONSOLE "sys/class/vtconsole"
#define VB_SYS_CLASS_BLOCK "sys/class/block"
#define VB_SYS_DEV_BLOCK "sys/dev/block"
#define VB_SYS_MODULE "sys/module"
#define VB_SYS_CPU "sys/devices/system/cpu"
#define VB_SYS_NODE "sys/devices/system/node"
#define VB_SYS_HUGEPAGES "sys/kernel/mm/hugepages"
#define VB_PROC_OSRELEASE "proc/sys/kernel/osrelease"
#define VB_PROC_COMPACT_MEMORY "proc/sys/vm/compact_memory"
#define VB_PROC_MOUNTS "proc/mounts"
#define VB_PROC_STAT "proc/stat"
#define VB_PROC_IOMEM "proc/iomem"
#define VB_PROC_NVIDIA_GPUS "proc/driver/nvidia/gpus"

/* under the root */
#define VB_ETC_FSTAB "etc/fstab"
#define VB_MODULE_DIRS "lib/modules", "usr/lib/modules"
#define VB_PCI_IDS_FILES "usr/share/misc/pci.ids", "usr/share/hwdata/pci.ids", "usr/share/pci.ids"

/* The selection: what the admin chose, which every run reads (config/selection.h). */
#define VB_SELECTION_PATH "/etc/vfio-boot.conf"

/* Every file vfio-boot writes into the root (absolute, as the manifest records them): the
 * generators' (gen/generators.c) and nothing else; with the files that carry the kernel
 * parameters (VbParamsFile.path in target/bootloader-*.c) and the image generators' own
 * (VbInitramfsBackend.config in target/initramfs-*.c). The manifest may name only these,
 * and the directories on the way to them, for revert to delete or restore (state/state.c). */
#define VB_OUT_MODPROBE "/etc/modprobe.d/vfio-boot.conf"
#define VB_OUT_DEVICES "/etc/vfio-boot/devices.conf"
#define VB_UDEV_RULE "/etc/udev/rules.d/60-vfio-boot.rules"
#define VB_OUT_MODULES_LOAD "/etc/modules-load.d/vfio-boot.conf"
#define VB_OUT_LIBVIRT_HOOK "/etc/libvirt/hooks/qemu.d/vfio-boot"
#define VB_OUT_PATHS VB_OUT_MODPROBE, VB_OUT_DEVICES, VB_UDEV_RULE, VB_OUT_MODULES_LOAD, VB_OUT_LIBVIRT_HOOK
