/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dracut (Fedora, RHEL, openSUSE; Debian and Ubuntu as an option): a drop-in that forces
 * vfio-pci in and adds the dracut module 90vfio-boot (helper and udev rule). */
#include "../paths.h"
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
    .config = VB_OUT_DRACUT_CONF,
    .rebuild = (const char *const[]){"dracut", "--regenerate-all", "--force", NULL},
    /* dracut >= 059 builds several kernels' images at once; an older one says "unknown
     * option" and builds none, so it is added only where the script has it */
    .parallel = "--parallel",
    .rebuild_one = "dracut --force --kver",
    .rebuild_one_with_version = true,
    .binds_by_address = true,
};
