/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mkinitcpio (Arch): a drop-in (mkinitcpio >= 36) with vfio-pci in MODULES and the vfio-boot
 * hook (helper, device list, udev rule). */
#include "../paths.h"
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_mkinitcpio = {
    .id = VB_INITRAMFS_MKINITCPIO,
    .name = "mkinitcpio",
    .used_if = (const char *const[]){"etc/mkinitcpio.conf", NULL},
    .config = VB_OUT_MKINITCPIO_CONF,
    .rebuild = (const char *const[]){"mkinitcpio", "-P", NULL},
    .rebuild_one = "mkinitcpio -P", /* every preset: the images are named by package */
    .binds_by_address = true,
};
