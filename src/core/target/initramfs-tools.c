/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* initramfs-tools (Debian, Ubuntu): a hook that copies the helper, the device list and the
 * udev rule into every image; mkinitramfs copies /etc/modprobe.d itself. */
#include "../paths.h"
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_tools = {
    .id = VB_INITRAMFS_TOOLS,
    .name = "initramfs-tools",
    .used_if = (const char *const[]){"etc/initramfs-tools", NULL},
    .config = VB_OUT_INITRAMFS_TOOLS_HOOK,
    /* -k all: update-initramfs runs the post-update.d hooks once per image, in turn (other
     * packages' ESP copies are not safe to run side by side) */
    .rebuild = (const char *const[]){"update-initramfs", "-u", "-k", "all", NULL},
    .rebuild_one = "update-initramfs -u -k",
    .rebuild_one_with_version = true,
    .binds_by_address = true,
};
