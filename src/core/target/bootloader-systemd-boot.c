/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* systemd-boot, or any loader kernel-install feeds: /etc/kernel/cmdline, read when a kernel
 * is added (and built into a unified kernel image). */
#include "../internal.h"
#include "../paths.h"
#include "bootloader.h"

const VbBootloaderBackend vb_bootloader_systemd_boot = {
    .id = VB_BOOTLOADER_SYSTEMD_BOOT,
    .name = "systemd-boot",
    .description = N_("systemd-boot or kernel-install (/etc/kernel/cmdline)"),
    .configs = (const char *const[]){VB_OUT_KERNEL_CMDLINE, NULL},
};
