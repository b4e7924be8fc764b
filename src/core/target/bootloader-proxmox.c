/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Proxmox VE's ESPs (a ZFS root, or a setup the admin chose): /etc/kernel/cmdline, copied to
 * the ESPs by 'proxmox-boot-tool refresh'. */
#include "../internal.h"
#include "bootloader.h"

const VbBootloaderBackend vb_bootloader_proxmox = {
    .id = VB_BOOTLOADER_PROXMOX,
    .name = "proxmox-boot-tool",
    .description = N_("proxmox-boot-tool (/etc/kernel/cmdline)"),
    .files = (const VbParamsFile *const[]){&vb_params_kernel_cmdline, NULL},
};
