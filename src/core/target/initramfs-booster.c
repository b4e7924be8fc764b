/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* booster (Arch): one file, /etc/booster.yaml, with a block of ours that forces vfio-pci in.
 * Its images run no udev rules and no hooks, so nothing binds by address, and it loads the
 * forced modules at the same time as the drivers it finds: best effort (gen/build.c says). */
#include "../paths.h"
#include "initramfs.h"

const VbInitramfsBackend vb_initramfs_booster = {
    .id = VB_INITRAMFS_BOOSTER,
    .name = "booster",
    .used_if = (const char *const[]){"etc/booster.yaml", NULL},
    .config = VB_OUT_BOOSTER_YAML,
    .rebuild = (const char *const[]){"/usr/lib/booster/regenerate_images", NULL},
    .rebuild_one = "/usr/lib/booster/regenerate_images",
    .binds_by_address = false,
};
