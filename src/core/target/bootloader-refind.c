/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* rEFInd: /boot/refind_linux.conf, our words on each line, and a line of ours with
 * vfio-boot=off as the way back. */
#include "../internal.h"
#include "../paths.h"
#include "bootloader.h"

const VbBootloaderBackend vb_bootloader_refind = {
    .id = VB_BOOTLOADER_REFIND,
    .name = "refind",
    .description = N_("rEFInd (/boot/refind_linux.conf)"),
    .configs = (const char *const[]){VB_OUT_REFIND, NULL},
    .recovery = VB_RECOVERY_REFIND_LINE,
};
