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
