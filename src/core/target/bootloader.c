/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "../internal.h"
#include "boot.h"

static const VbBootloaderBackend none = {
    .id = VB_BOOTLOADER_NONE,
    .name = "none",
    .description = N_("none found"),
    .files = (const VbParamsFile *const[]){NULL},
    .limits =
	{
	    .no_file = N_("no supported boot loader configuration found (GRUB, systemd-boot with "
			  "/etc/kernel/cmdline, kernelstub, rEFInd; --bootloader= names one)"),
	    .no_file_check = N_(": vfio-boot cannot give the kernel parameters to this boot loader"),
	    .no_file_fix = N_("add the kernel parameters that 'vfio-boot plan' lists to the boot "
			      "loader by hand, or name the boot loader with --bootloader="),
	},
};

/* by VbBootloader */
static const VbBootloaderBackend *const backends[VB_BOOTLOADER_COUNT] = {
    [VB_BOOTLOADER_NONE] = &none,
    [VB_BOOTLOADER_GRUB_DROPIN] = &vb_bootloader_grub_dropin,
    [VB_BOOTLOADER_GRUB] = &vb_bootloader_grub,
    [VB_BOOTLOADER_GRUB_BLS] = &vb_bootloader_grub_bls,
    [VB_BOOTLOADER_SYSTEMD_BOOT] = &vb_bootloader_systemd_boot,
    [VB_BOOTLOADER_KERNELSTUB] = &vb_bootloader_kernelstub,
    [VB_BOOTLOADER_REFIND] = &vb_bootloader_refind,
    [VB_BOOTLOADER_PROXMOX] = &vb_bootloader_proxmox,
};

const VbBootloaderBackend *vb_bootloader_backend(VbBootloader b)
{
	return backends[b];
}

bool vb_bootloader_writes(const VbTargets *t, const VbParamsFile *file, size_t n_words)
{
	for (const VbParamsFile *const *f = backends[t->bootloader]->files; *f; f++)
		if (*f == file)
			return !file->wanted || file->wanted(t, n_words);
	return false;
}

bool vb_bootloader_takes(const VbTargets *t, size_t n_words)
{
	if (backends[t->bootloader]->entries)
		return true;
	for (const VbParamsFile *const *f = backends[t->bootloader]->files; *f; f++)
		if (vb_bootloader_writes(t, *f, n_words))
			return true;
	return false;
}

const VbParamsFile *const *vb_params_files(void)
{
	static const VbParamsFile *const all[] = {&vb_params_grub_dropin, &vb_params_grub_block,
						  &vb_params_kernel_cmdline, &vb_params_refind, NULL};
	return all;
}

const char *vb_bootloader_name(VbBootloader b)
{
	return backends[b]->name;
}

const char *vb_bootloader_description(VbBootloader b)
{
	return backends[b]->description;
}

int vb_bootloader_from_name(const char *name)
{
	for (int i = 0; i < VB_BOOTLOADER_COUNT; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return i;
	return -1;
}

const char *vb_bootloader_names(void)
{
	/* the loaders in the order of the enum, and none last */
	static char list[160];
	if (!list[0]) {
		for (int i = VB_BOOTLOADER_NONE + 1; i < VB_BOOTLOADER_COUNT; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s, ", backends[i]->name);
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "none");
	}
	return list;
}
