/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mkinitcpio (Arch): a drop-in (mkinitcpio >= 36) with vfio-pci in MODULES and the vfio-boot
 * hook (helper, device list, udev rule). */
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_mkinitcpio = {
    .id = VB_INITRAMFS_MKINITCPIO,
    .name = "mkinitcpio",
    .used_if = (const char *const[]){"etc/mkinitcpio.conf", NULL},
    .config = "/etc/mkinitcpio.conf.d/vfio-boot.conf",
    .config_mode = 0644,
    /* mkinitcpio >= 36 reads the drop-ins after mkinitcpio.conf, as bash. With the busybox
     * init, MODULES load before the udev hook's coldplug; with the systemd hook they do not, and
     * the softdeps and the udev rule that the vfio-boot hook installs order vfio-pci first. */
    .config_body = "# vfio-pci and its IOMMU backend in every image, loaded early.\n"
		   "MODULES+=(vfio_pci vfio_iommu_type1)\n"
		   "# Our options and softdeps, even without the modconf hook.\n"
		   "FILES+=(/etc/modprobe.d/vfio-boot.conf)\n"
		   "# The boot-time helper, the device list and the udev rule that binds by address.\n"
		   "HOOKS+=(vfio-boot)\n",
    .rebuild = (const char *const[]){"mkinitcpio", "-P", NULL},
    .rebuild_one = "mkinitcpio -P", /* every preset: the images are named by package */
};
