/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kernelstub (Pop!_OS): keeps the parameters in its own configuration, given with -a/-d. */
#include <stddef.h>

#include "bootloader.h"

const VbBootloaderBackend vb_bootloader_kernelstub = {
    .id = VB_BOOTLOADER_KERNELSTUB,
    .name = "kernelstub",
    .description = "kernelstub",
    .configs = (const char *const[]){NULL}, /* kernelstub keeps them itself */
    .entries_tool = "kernelstub",
};
