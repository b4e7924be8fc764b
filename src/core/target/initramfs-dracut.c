/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dracut (Fedora, RHEL, openSUSE; Debian and Ubuntu as an option): a drop-in that forces
 * vfio-pci in and adds the dracut module 90vfio-boot (helper and udev rule). */
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_dracut = {
    .id = VB_INITRAMFS_DRACUT,
    .name = "dracut",
    /* the kernel packages' hooks that call it */
    .used_if = (const char *const[]){"etc/kernel/postinst.d/dracut",
				     "usr/lib/kernel/install.d/50-dracut.install", NULL},
    /* openSUSE: its kernel scriptlets call dracut, from no file of dracut's own; and Debian's
     * dracut leaves /etc/initramfs-tools behind, so this sign comes last */
    .used_if_last = (const char *const[]){"etc/dracut.conf", NULL},
    .config = "/etc/dracut.conf.d/vfio-boot.conf",
    .config_mode = 0644,
    /* Read by dracut for every image it builds, generic (no-hostonly) or hostonly. The helper
     * and the rule come from the dracut module 90vfio-boot that 'make install' puts in
     * dracut's modules.d. */
    .config_body = "# vfio-pci and its IOMMU backend in every image, loaded before udev starts.\n"
		   "force_drivers+=\" vfio_pci vfio_iommu_type1 \"\n"
		   "# Generic images do not copy /etc/modprobe.d: our options and softdeps, and the\n"
		   "# device list the boot-time helper reads.\n"
		   "install_items+=\" /etc/modprobe.d/vfio-boot.conf /etc/vfio-boot/devices.conf \"\n"
		   "# The boot-time helper and its udev rule.\n"
		   "add_dracutmodules+=\" vfio-boot \"\n",
    .rebuild = (const char *const[]){"dracut", "--regenerate-all", "--force", NULL},
    /* dracut >= 059 builds several kernels' images at once; an older one says "unknown
     * option" and builds none, so it is added only where the script has it */
    .parallel = "--parallel",
    .rebuild_one = "dracut --force --kver",
    .rebuild_one_with_version = true,
};
