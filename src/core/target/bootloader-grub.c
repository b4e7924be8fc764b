/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* GRUB, three ways: with /etc/default/grub.d (Debian and its derivatives: a drop-in of ours,
 * update-grub), without it (a marked block in /etc/default/grub, grub-mkconfig), and with
 * BLS entries (Fedora, RHEL: the same block, and grubby for the entries' options). */
#include "../internal.h"
#include "../paths.h"
#include "bootloader.h"

const VbBootloaderBackend vb_bootloader_grub_dropin = {
    .id = VB_BOOTLOADER_GRUB_DROPIN,
    .name = "grub-dropin",
    .description = N_("GRUB (/etc/default/grub.d, update-grub)"),
    .configs = (const char *const[]){VB_OUT_GRUB_DROPIN, NULL},
    /* the drop-in sets GRUB_CMDLINE_LINUX_DEFAULT, which recovery entries do not get */
    .recovery = VB_RECOVERY_GRUB_ENTRIES,
};

const VbBootloaderBackend vb_bootloader_grub = {
    .id = VB_BOOTLOADER_GRUB,
    .name = "grub",
    .description = N_("GRUB (/etc/default/grub, grub-mkconfig)"),
    .configs = (const char *const[]){VB_OUT_GRUB_DEFAULT, NULL},
};

const VbBootloaderBackend vb_bootloader_grub_bls = {
    .id = VB_BOOTLOADER_GRUB_BLS,
    .name = "grub-bls",
    .description = N_("GRUB with BLS entries (/etc/default/grub, grubby)"),
    .configs = (const char *const[]){VB_OUT_GRUB_DEFAULT, VB_OUT_KERNEL_CMDLINE, NULL},
    .entries_tool = "grubby",
};
